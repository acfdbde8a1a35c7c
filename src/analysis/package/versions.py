"""Software and code versions recorded in the reviewer's guides and the manifest."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGE = "ucmsc-analysis"
# Only these paths decide whether the checkout is "dirty": outputs and caches do not.
CODE_PATHS = ["src", "Snakefile", "rules", "specs", "config", "pyproject.toml"]


def software_versions(distributions: list[str]) -> dict[str, str]:
    """{name: version} for Python and each distribution ("not installed" when absent).

    >>> v = software_versions(["pandas", "no-such-dist-xyz"])
    >>> sorted(v), v["no-such-dist-xyz"]
    (['no-such-dist-xyz', 'pandas', 'python'], 'not installed')
    """
    out = {"python": platform.python_version()}
    for name in distributions:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def package_version() -> str:
    """The installed version of this code base (pyproject), e.g. '0.1.0'."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        from analysis import __version__

        return __version__


def _git(code_dir: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(code_dir), *args], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout


def code_version(code_dir: str | Path) -> dict:
    """{package, git_commit, git_dirty}: the git commit when `code_dir` is a git checkout (dirty
    = uncommitted changes under src, rules, specs, config, Snakefile, pyproject.toml), else None."""
    code_dir = Path(code_dir)
    commit = _git(code_dir, "rev-parse", "HEAD")
    dirty = None
    if commit is not None:
        status = _git(code_dir, "status", "--porcelain", "--", *CODE_PATHS)
        dirty = bool(status and status.strip())
    return {"package": f"{PACKAGE} {package_version()}", "git_commit": commit.strip() if commit else None,
            "git_dirty": dirty}


def code_version_text(version: dict) -> str:
    """One line for documents.

    >>> code_version_text({"package": "p 1.0", "git_commit": "abc", "git_dirty": True})
    'p 1.0, git commit abc (uncommitted changes)'
    >>> code_version_text({"package": "p 1.0", "git_commit": None, "git_dirty": None})
    'p 1.0 (not a git checkout)'
    """
    if not version.get("git_commit"):
        return f"{version['package']} (not a git checkout)"
    text = f"{version['package']}, git commit {version['git_commit']}"
    return text + (" (uncommitted changes)" if version.get("git_dirty") else "")
