"""The leaderboard: its numbers as data (``board.py``), built from a results folder's scores
(``build.py``), and its outputs, one small module each (``outputs.py`` lists them; README.md
explains every choice)."""
