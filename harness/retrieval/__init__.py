"""Retrieval back-ends shared by methods: Lucene BM25 (Pyserini)."""
