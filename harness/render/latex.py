"""LaTeX text: escaping plain text, and the significance marks as amssymb symbols.

Shared by the board's paper tables (``harness/board/paper_table.py``) and ``compare``'s table.
"""

from __future__ import annotations

from harness.render import text

# Plain-text characters that LaTeX treats specially.
SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# Significance marks as math symbols (amssymb), set as one superscript per cell.
MARKS = {
    "▲": r"\blacktriangle",
    "▼": r"\blacktriangledown",
    "△": r"\vartriangle",
    "▽": r"\triangledown",
    "▴": r"\uparrow",
    "▾": r"\downarrow",
    "▵": r"\Uparrow",
    "▿": r"\Downarrow",
    text.TIED_WITH_BEST: r"\approx",
}
# Other unicode the legends use, as LaTeX that needs no unicode support.
SYMBOLS = {mark: f"$^{{{command}}}$" for mark, command in MARKS.items()} | {
    "α": r"$\alpha$",
    "×": r"$\times$",
    "Δ": r"$\Delta$",
    "≤": r"$\leq$",
    "∞": r"$\infty$",
    "·": r"$\cdot$",
    "−": r"$-$",
    "–": "--",
    "—": "---",
}


def escape(plain: str) -> str:
    return "".join(SPECIAL.get(ch, SYMBOLS.get(ch, ch)) for ch in plain)

