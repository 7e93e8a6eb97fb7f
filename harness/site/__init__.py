"""The reproduction site: ``python -m harness site`` writes ``results/site/``, static HTML that opens
from disk and can be published as it is (GitHub Pages).

``build.py`` gathers the committed inputs and writes the files; ``board_page.py`` (the board per
measure), ``cells_page.py`` (per cell: the command that reproduces it and its provenance),
``query_data.py`` (per pair: the data the query pages load), ``documents.py`` (claims, studies,
``compare`` results) and ``markup.py`` (markdown to HTML) prepare what the Jinja2 templates in
``templates/`` show; ``static/`` holds the one stylesheet and the one script (sorting, query pages).
"""
