"""The cache: checksums of cached artifacts (``integrity.py``, ``sqlite_store.py``) and one writer per
artifact across processes (``lock.py``).  ``harness/CACHE.md`` says what is cached and verified."""
