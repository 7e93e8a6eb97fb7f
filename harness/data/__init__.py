"""The data layer: pinned public files, the built-in collections, the language pairs."""
