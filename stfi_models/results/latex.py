"""LaTeX escaping shared by summaries and tables."""

from __future__ import annotations

__all__ = ["escape_latex"]

_LATEX_SPECIALS = {
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


def escape_latex(text: str) -> str:
    r"""Escape the characters LaTeX treats specially (``_ # % & $ { } ~ ^ \``)."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in str(text))
