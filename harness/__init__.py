"""CLIR benchmark harness: English queries, documents in another language."""

__version__ = "0.1.0"
