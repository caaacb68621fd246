"""Writing output files without ever overwriting a file the tool did not create.

A folder where the tool wrote files holds a ledger, ``.stfi-outputs``, with one line per file
it wrote: ``<sha256>  <file name>``.  A file may be replaced only if it is absent, or listed
in the ledger with the hash of its current content (the tool wrote it and nobody changed it
since).  Anything else (a user's file, or one of ours that was edited) is refused.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from stfi_models.exceptions import SpecificationError

__all__ = ["LEDGER", "write_owned", "confined"]

#: The ledger file of a folder.
LEDGER = ".stfi-outputs"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ledger(folder: Path) -> dict[str, str]:
    path = folder / LEDGER
    if not path.is_file():
        return {}
    entries = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            entries[name] = digest
    return entries


def confined(folder: Path, relative: Path, option: str) -> Path:
    """Resolve ``relative`` (chosen by a study file) inside ``folder``, links included.

    Raises
    ------
    SpecificationError
        When the path, once symbolic links are followed, leads out of ``folder``.
    """
    base = Path(folder).resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        raise SpecificationError(f"{option} = '{relative}' leads outside the output folder "
                                 f"{base} (through a symbolic link); nothing was written.")
    return target


def write_owned(target: Path, data: bytes, option: str = "--out") -> Path:
    """Write ``data`` to ``target`` unless that would overwrite a file the tool did not write.

    Parameters
    ----------
    target : Path
        The output file.
    data : bytes
        Its content.
    option : str
        The option or key that chose ``target`` (named in errors).

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    SpecificationError
        ``target`` is a folder, its folder does not exist, or it is a file the tool did not
        write (or one that changed since).
    """
    target = Path(target)
    if target.is_dir():
        raise SpecificationError(f"{option} {target} is a folder; give a file name, e.g. "
                                 f"{target / 'scores.csv'}.")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SpecificationError(f"{option} {target}: the folder {folder} does not exist.")
    ledger = _ledger(folder)
    if target.exists() or target.is_symlink():
        if target.is_symlink() or ledger.get(target.name) != _digest(target.read_bytes()):
            raise SpecificationError(
                f"{option} {target} exists and was not written by stfi (or was changed since); "
                "it is left untouched. Remove it yourself or choose another file name."
            )
    fd, staging = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    ledger[target.name] = _digest(data)
    (folder / LEDGER).write_text(
        "".join(f"{digest}  {name}\n" for name, digest in sorted(ledger.items())),
        encoding="utf-8")
    return target
