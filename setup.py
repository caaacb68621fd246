"""Build hook: copy the repository's study files and validation references into the package.

``formulas/`` and ``validation/`` at the repository root are the one source of truth (the
readable, editable copies users see).  A wheel must work without the checkout, so the build
copies both, unchanged, into ``stfi_models/_bundled/`` inside the build tree (never into the
source tree).  :mod:`stfi_models._resources` finds them there in an installed wheel and at
the repository root in a checkout.  CI builds the wheel, checks every bundled file equals its
source and runs ``stfi replicate`` and ``stfi validate`` from the installed wheel elsewhere.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
BUNDLED = ("formulas", "validation")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.Rout", ".Rhistory")


class BuildWithStudies(build_py):
    """``build_py`` that also copies formulas/ and validation/ into stfi_models/_bundled/."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout itself
        target = Path(self.build_lib) / "stfi_models" / "_bundled"
        for name in BUNDLED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=_SKIP, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithStudies, "sdist": sdist})
