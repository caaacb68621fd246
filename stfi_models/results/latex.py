r"""LaTeX text shared by summaries, tables and reports.

Everything is written for pdflatex with its default (OT1) font encoding, where ``<``, ``>`` and
``|`` typed in text print as "¡", "¿" and "—": they go to math mode (``$<$``), as does the
``~`` of formulas (``$\sim$``).  The few
non-ASCII symbols the tables print (``✓``, ``²``, ``−``, ``×``, ``≤``, ``≥``, Greek letters
used as statistic names) become their math-mode equivalents; ``✓`` needs ``amssymb``.
"""

from __future__ import annotations

import re

__all__ = ["escape_latex", "latex_text", "LATEX_PACKAGES"]

#: Packages a fragment written by :func:`latex_text` or a table's ``to_latex`` needs.
LATEX_PACKAGES = ("booktabs", "amssymb")

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"$\sim$",
    "^": r"\textasciicircum{}",
    "<": r"$<$",
    ">": r"$>$",
    "|": r"$|$",
    "✓": r"$\checkmark$",
    "²": r"$^2$",
    "−": r"$-$",
    "×": r"$\times$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "–": "--",
    "—": "---",
    "ρ": r"$\rho$",
    "σ": r"$\sigma$",
    "χ": r"$\chi$",
    "θ": r"$\theta$",
    "λ": r"$\lambda$",
    "β": r"$\beta$",
}

_MATH = re.compile(r"(\$[^$]+\$)")


def escape_latex(text: str) -> str:
    r"""Escape every character LaTeX treats specially, for pdflatex's default encoding.

    ``_ # % & $ { } ~ ^ \`` are escaped; ``< > |`` and the symbols listed in the module
    docstring are set in math mode so that they print as themselves.

    Examples
    --------
    >>> escape_latex("P>|t| & rd_exp")
    'P$>$$|$t$|$ \\& rd\\_exp'
    """
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in str(text))


def latex_text(text: str, math: bool = False) -> str:
    r"""Escape ``text``; with ``math=True`` keep ``$...$`` segments as LaTeX math.

    Parameters
    ----------
    text : str
        A label or a cell.
    math : bool
        Explicit opt-in: segments between a pair of dollar signs are passed to LaTeX verbatim
        (``"$V_{it}$ lagged"`` -> ``$V_{it}$ lagged``); everything else is escaped.

    Returns
    -------
    str
        LaTeX source.

    Examples
    --------
    >>> latex_text("$V_{it}$ (in %)", math=True)
    '$V_{it}$ (in \\%)'
    >>> latex_text("$V_{it}$")
    '\\$V\\_\\{it\\}\\$'
    """
    if not math:
        return escape_latex(text)
    return "".join(part if _MATH.fullmatch(part) else escape_latex(part)
                   for part in _MATH.split(str(text)))
