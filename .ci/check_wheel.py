"""Check a built wheel carries formulas/ and validation/ exactly as in the checkout.

Usage: python .ci/check_wheel.py WHEEL REPO_ROOT.  Exit 1 (listing the files) when a bundled
file is missing from the wheel or differs from its repository source.
"""

import sys
import zipfile
from pathlib import Path

wheel, root = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(wheel) as archive:
    bundled = {name.removeprefix("stfi_models/_bundled/"): archive.read(name)
               for name in archive.namelist() if name.startswith("stfi_models/_bundled/")}
problems = []
for folder in ("formulas", "validation"):
    for path in sorted((root / folder).rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".Rout"):
            continue
        key = path.relative_to(root).as_posix()
        if key not in bundled:
            problems.append(f"missing from the wheel: {key}")
        elif bundled[key] != path.read_bytes():
            problems.append(f"differs from the checkout: {key}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"wheel {wheel.name}: {len(bundled)} bundled files, all equal to the checkout")
