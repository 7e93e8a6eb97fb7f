"""The reproduction check (Pyserini's 2CR, here): expected scores as data, one OK/FAIL line per cell."""
