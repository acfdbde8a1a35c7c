"""The snapshot manifest (`<snapshot>/manifest.json`) and its verification.

The manifest lists every input (the raw export, the spec folder, the config file(s)) with paths
relative to the repository root, and every output file of the snapshot (raw/, sdtm/, adam/,
conformance/, ard/, tlf/, meta/, m5/, ...) with paths relative to the snapshot, each with
SHA-256 and size, sorted by path; plus the software versions, the code version (git commit and
dirty flag, package version), the config as run and the cutoff. Left out: logs/ (tool logs hold
machine paths and are rewritten by every run), dot-files (scratch space) and the manifest itself.
The JSON has sorted keys and no timestamps, so the same inputs and code give the same bytes.
The code itself is covered by the m5 programs folder (copies of every program, hashed here).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from analysis.errors import UserError

from .config import REPO_ROOT, load_spec
from .hashing import file_entry, list_files, sha256_file
from .versions import code_version as get_code_version
from .versions import software_versions

MANIFEST_VERSION = 1


def _rel(path: Path, start: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def input_entries(root: Path, raw_dir: Path, study_spec: Path, config_files: list[Path]) -> list[dict]:
    """Raw export files, every file of the spec folder, and the config files; sorted, unique."""
    files = [Path(raw_dir) / r for r in list_files(raw_dir, [".*", "**/.*"])]
    spec_dir = Path(study_spec).parent
    files += [spec_dir / r for r in list_files(spec_dir, [".*", "**/.*"])]
    files += [Path(c) for c in config_files]
    entries = {}
    for f in files:
        if not f.is_file():
            raise UserError(f"{f}: manifest input is missing")
        rel = _rel(f, root)
        entries[rel] = file_entry(f, rel)
    return [entries[k] for k in sorted(entries)]


def output_entries(snapshot: Path, exclude: list[str]) -> list[dict]:
    """Every file of the snapshot but the excluded ones, sorted by path."""
    seen: dict = {}  # hard links (m5/ XPT = sdtm/, adam/ XPT) are hashed once
    return [file_entry(snapshot / rel, rel, seen) for rel in list_files(snapshot, exclude)]


def write_manifest(snapshot_dir: str | Path, *, raw_dir: str | Path, study_spec: str | Path,
                   config_files: list[str | Path], config: dict | None = None, cutoff: str | None = "",
                   root: str | Path = ".", code_dir: str | Path | None = None, code_version: dict | None = None,
                   spec_path: str | Path | None = None) -> Path:
    """Write `<snapshot_dir>/manifest.json`; returns its path. `root` is the folder the input
    paths are relative to (the repository root; the manifest records where it lies relative to
    the snapshot, so `verify` finds it from anywhere). `config` defaults to the first config file."""
    from analysis.specs import load_study, read_yaml

    snapshot, root = Path(snapshot_dir), Path(root)
    if not snapshot.is_dir():
        raise UserError(f"{snapshot}: snapshot folder not found")
    spec = load_spec(spec_path)
    exclude = [str(p) for p in spec["manifest"]["exclude"]]
    config_files = [Path(c) for c in config_files]
    if config is None:
        config = read_yaml(config_files[0]) if config_files else {}
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "study": load_study(study_spec).studyid,
        "cutoff": cutoff or "",
        "config": config,
        "code_version": code_version if code_version is not None else get_code_version(code_dir or REPO_ROOT),
        "software": software_versions([str(s) for s in spec["manifest"]["software"]]),
        "root": _rel(root, snapshot),
        "excluded": exclude,
        "inputs": input_entries(root, Path(raw_dir), Path(study_spec), config_files),
        "outputs": output_entries(snapshot, exclude),
    }
    path = snapshot / spec["manifest"]["file"]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False) + "\n",
                   encoding="utf-8", newline="\n")
    os.replace(tmp, path)
    return path


def read_manifest(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: manifest not found (run `analysis manifest` first)") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    for key in ("inputs", "outputs", "root", "excluded"):
        if key not in data:
            raise UserError(f"{path}: manifest has no '{key}'")
    return data


def _check(entries: list[dict], base: Path, kind: str) -> list[str]:
    problems = []
    for e in entries:
        p = base / e["path"]
        if not p.is_file():
            problems.append(f"MISSING {kind}: {e['path']}")
        elif p.stat().st_size != e["size"] or sha256_file(p) != e["sha256"]:
            problems.append(f"CHANGED {kind}: {e['path']}")
    return problems


def verify_manifest(snapshot_dir: str | Path, root: str | Path | None = None,
                    manifest_name: str = "manifest.json") -> tuple[list[str], list[str], int]:
    """Re-hash every listed file: (problems, warnings, files checked). A problem names one
    changed or missing file; warnings name files not in the manifest and software whose
    version differs from the recorded one."""
    snapshot = Path(snapshot_dir)
    manifest = read_manifest(snapshot / manifest_name)
    root = Path(root) if root is not None else snapshot / manifest["root"]
    problems = _check(manifest["inputs"], root, "input") + _check(manifest["outputs"], snapshot, "output")
    listed = {e["path"] for e in manifest["outputs"]}
    warnings = [f"WARNING extra file not in the manifest: {rel}"
                for rel in list_files(snapshot, manifest["excluded"] + [manifest_name]) if rel not in listed]
    recorded = manifest.get("software", {})
    current = software_versions([k for k in recorded if k != "python"])
    warnings += [f"WARNING software differs: {k} {current[k]} (manifest: {v})"
                 for k, v in sorted(recorded.items()) if current.get(k) != v]
    return problems, warnings, len(manifest["inputs"]) + len(manifest["outputs"])
