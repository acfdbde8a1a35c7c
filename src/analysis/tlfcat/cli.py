"""Command line: `analysis render-tlfs --out DIR [--catalogue ...] [--cutoff ...] [--code-version ...]`."""

from __future__ import annotations

import argparse


def _cmd_render(args: argparse.Namespace) -> None:
    from .render import render_tlfs

    render_tlfs(args.out, args.catalogue or None, args.cutoff, args.code_version, args.study or None,
                jobs=args.jobs)


def register(subparsers) -> None:
    """Add the `render-tlfs` command to the `analysis` command line."""
    p = subparsers.add_parser("render-tlfs", help="number, title and render every output (RTF, HTML, figure "
                                                  "PDF) with the TLF catalogue; write tlf/index.html")
    p.add_argument("--out", required=True, help="output folder holding tlf/index-<group>.csv, meta/, tlf/, ard/")
    p.add_argument("--catalogue", default="", help="TLF catalogue (default specs/tlf/catalogue.yaml)")
    p.add_argument("--cutoff", default="", help="data cutoff YYYY-MM-DD printed on every page (empty: all data)")
    p.add_argument("--code-version", default="",
                   help="code version printed on every page (default: package version + git commit)")
    p.add_argument("--study", default="", help="study spec for the study id (default specs/study.yaml)")
    p.add_argument("--jobs", type=int, default=1, help="processes to render with (default 1)")
    p.set_defaults(func=_cmd_render)
