"""Dense encoding: one encoder for every dense method (``encoder.py``), its recipe and pooling
(``recipe.py``), length-sorted batches (``batching.py``), the embedding cache
(``embedding_cache.py``), numeric precision (``precision.py``), the inference runtime
(``runtime.py``), and who encodes what the cache lacks (``strategy.py``).

Nothing is imported here: ``harness.encoding.precision`` must not load torch.
"""
