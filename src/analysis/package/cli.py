"""Command line: `analysis package SNAPSHOT` (eCTD m5 folders + Dataset-JSON), `analysis
manifest SNAPSHOT` (manifest.json) and `analysis verify SNAPSHOT` (re-check it: one line per
changed or missing file, exit 1; "OK: N files verified", exit 0)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analysis.errors import UserError


def _cmd_package(args: argparse.Namespace) -> None:
    from .build import build_package

    written = build_package(args.snapshot, args.study, out=args.out or None, code_dir=args.code_dir or None,
                            cutoff=args.cutoff, spec_path=args.spec)
    print(f"package: {len(written)} files in {args.out or Path(args.snapshot) / 'm5'}")


def _cmd_manifest(args: argparse.Namespace) -> None:
    from .manifest import write_manifest

    config = None
    if args.config_json:
        try:
            config = json.loads(args.config_json)
        except json.JSONDecodeError as exc:
            raise UserError(f"--config-json: not valid JSON: {exc.msg}") from None
    path = write_manifest(args.snapshot, raw_dir=args.raw, study_spec=args.study, config_files=args.config_file,
                          config=config, cutoff=args.cutoff, root=args.root, code_dir=args.code_dir or None,
                          spec_path=args.spec)
    data = json.loads(path.read_text(encoding="utf-8"))
    print(f"manifest: {path}: {len(data['inputs'])} inputs, {len(data['outputs'])} outputs")


def _cmd_verify(args: argparse.Namespace) -> None:
    from .manifest import verify_manifest

    problems, warnings, n = verify_manifest(args.snapshot, root=args.root or None)
    for line in warnings:
        print(line, file=sys.stderr)
    for line in problems:
        print(line)
    if problems:
        print(f"FAILED: {len(problems)} of {n} files changed or missing")
        sys.exit(1)
    print(f"OK: {n} files verified")


def register(subparsers) -> None:
    """Add `package`, `manifest` and `verify` to the `analysis` command line."""
    p = subparsers.add_parser("package", help="eCTD m5 dataset folders, Dataset-JSON and reviewer's guides "
                                              "of a snapshot")
    p.add_argument("snapshot", help="snapshot folder (outputs/<cut label>) with sdtm/, adam/, conformance/")
    p.add_argument("--study", default="specs/study.yaml")
    p.add_argument("--out", default="", help="package folder (default: <snapshot>/m5)")
    p.add_argument("--code-dir", default="", help="repository whose programs are packaged (default: this one)")
    p.add_argument("--cutoff", default="", help="data cutoff YYYY-MM-DD (Dataset-JSON creation stamp)")
    p.add_argument("--spec", default=None, help="package spec (default specs/analysis/package.yaml)")
    p.set_defaults(func=_cmd_package)

    p = sub = subparsers.add_parser("manifest", help="write <snapshot>/manifest.json: SHA-256 of every input "
                                                     "and output, versions, config")
    sub.add_argument("snapshot")
    sub.add_argument("--raw", default="data/raw", help="raw export folder (inputs)")
    sub.add_argument("--study", default="specs/study.yaml", help="study spec; its folder's files are inputs")
    sub.add_argument("--config-file", action="append", default=[], help="config file(s) (inputs; repeatable)")
    sub.add_argument("--config-json", default="", help="the config as run, as JSON (default: the first config file)")
    sub.add_argument("--cutoff", default="")
    sub.add_argument("--root", default=".", help="folder input paths are relative to (default: .)")
    sub.add_argument("--code-dir", default="", help="git checkout whose commit is recorded (default: this one)")
    sub.add_argument("--spec", default=None, help="package spec (default specs/analysis/package.yaml)")
    p.set_defaults(func=_cmd_manifest)

    p = subparsers.add_parser("verify", help="re-check a snapshot against its manifest.json")
    p.add_argument("snapshot")
    p.add_argument("--root", default="", help="folder of the inputs (default: as recorded in the manifest)")
    p.set_defaults(func=_cmd_verify)
