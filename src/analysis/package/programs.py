"""The programs that made the datasets, as reviewable text files in .../analysis/adam/programs.

The folder is flat: each source file becomes one `.txt` whose name is its repository path in
lower case with every character outside a-z and 0-9 turned into "-" (eCTD file naming), e.g.
src/analysis/labsafety/config.py -> src-analysis-labsafety-config-py.txt. The bytes are copied
unchanged; programs-index.csv maps every .txt back to its source path, with its SHA-256, size
and whether it is pure ASCII.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

from analysis.errors import UserError

from .hashing import sha256_file

_NOT_ECTD = re.compile(r"[^a-z0-9]+")


def ectd_name(path: str, suffix: str = ".txt") -> str:
    """The flat eCTD file name of a repository path.

    >>> ectd_name("src/analysis/labsafety/config.py")
    'src-analysis-labsafety-config-py.txt'
    >>> ectd_name("rules/common.smk"), ectd_name("specs/adam/variables/ADSL.csv")
    ('rules-common-smk.txt', 'specs-adam-variables-adsl-csv.txt')
    """
    return _NOT_ECTD.sub("-", path.lower()).strip("-") + suffix


def program_files(code_dir: str | Path, patterns: list[str]) -> list[str]:
    """Repository-relative POSIX paths matching the globs, sorted, without caches."""
    code_dir = Path(code_dir)
    found = set()
    for pattern in patterns:
        for p in code_dir.glob(pattern):
            if p.is_file() and "__pycache__" not in p.parts:
                found.add(p.relative_to(code_dir).as_posix())
    return sorted(found)


def copy_programs(code_dir: str | Path, patterns: list[str], out_dir: str | Path, index_name: str) -> list[Path]:
    """Copy the programs into `out_dir` as flat .txt files plus their index; returns the paths."""
    code_dir, out_dir = Path(code_dir), Path(out_dir)
    sources = program_files(code_dir, patterns)
    if not sources:
        raise UserError(f"{code_dir}: no program files match {', '.join(patterns)} (package spec programs.include)")
    names: dict[str, str] = {}
    for src in sources:
        name = ectd_name(src)
        if name in names:
            raise UserError(f"programs {names[name]} and {src} both flatten to {name}; rename one of them")
        names[name] = src
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["file", "source", "sha256", "size", "ascii"])
    for name in sorted(names):
        src = code_dir / names[name]
        dest = out_dir / name
        shutil.copyfile(src, dest)
        data = dest.read_bytes()
        writer.writerow([name, names[name], sha256_file(dest), len(data), "Y" if data.isascii() else "N"])
        written.append(dest)
    index = out_dir / index_name
    index.write_text(buf.getvalue(), encoding="utf-8", newline="\n")
    return written + [index]
