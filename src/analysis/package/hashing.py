"""SHA-256 and size of files, and the sorted file lists the package index and manifest hold."""

from __future__ import annotations

import fnmatch
import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "abc.txt")
    >>> _ = open(p, "wb").write(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entry(path: Path, name: str, seen: dict | None = None) -> dict:
    """{path, sha256, size} of one file, `name` being the path recorded (POSIX, relative).

    `seen` (one listing's cache, keyed by device, inode, size and modification time) makes a
    file hard-linked under two names (the package links the snapshot's XPT files into m5/) be
    read once: the manifest then hashes 2 GB less at 1,000 subjects per cohort.
    """
    st = Path(path).stat()
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    digest = seen.get(key) if seen is not None else None
    if digest is None:
        digest = sha256_file(path)
        if seen is not None:
            seen[key] = digest
    return {"path": name, "sha256": digest, "size": st.st_size}


def excluded(rel: str, patterns: list[str]) -> bool:
    """Whether a POSIX relative path matches one of the glob patterns ("**" spans folders).

    >>> excluded("logs/sdtm.log", ["logs/**"]), excluded("tlf/a.csv", ["logs/**"])
    (True, False)
    >>> excluded("tlf/.x.tmp", ["**/.*"]), excluded(".safety-outputs.tmp/a.csv", [".*"])
    (True, True)
    """
    parts = rel.split("/")
    for pattern in patterns:
        if fnmatch.fnmatchcase(rel, pattern):
            return True
        # a pattern naming a folder level (".*", "logs/**") also covers everything below it
        head = pattern.split("/")[0]
        if "/" not in pattern and fnmatch.fnmatchcase(parts[0], pattern):
            return True
        if pattern.startswith("**/") and any(fnmatch.fnmatchcase(p, pattern[3:]) for p in parts):
            return True
        if pattern.endswith("/**") and fnmatch.fnmatchcase(parts[0], head) and len(parts) > 1:
            return True
    return False


def list_files(folder: Path, exclude: list[str] | None = None) -> list[str]:
    """Every file below `folder` as sorted POSIX relative paths, minus the excluded ones."""
    folder = Path(folder)
    rels = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return sorted(r for r in rels if not excluded(r, exclude or []))
