"""The code version that identifies a run (printed on every TLF page and kept in the manifest)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def code_version(repo: str | Path | None = None) -> str:
    """The package version, plus ``+g<short commit>`` when the code sits in a git checkout.

    >>> code_version().startswith("0.1.0")
    True
    """
    from analysis import __version__

    repo = Path(repo) if repo else Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return __version__
    commit = done.stdout.strip()
    return f"{__version__}+g{commit}" if done.returncode == 0 and commit else __version__
