"""Submission package per data snapshot: eCTD module 5 dataset folders (SDTM and ADaM XPT with
define.xml, the programs as text, reviewer's guide skeletons), Dataset-JSON v1.1 copies of every
dataset, and a manifest (SHA-256 and size of every input and output, software and code version,
config, cutoff) that `analysis verify` re-checks."""

from .build import build_package
from .manifest import verify_manifest, write_manifest

__all__ = ["build_package", "write_manifest", "verify_manifest"]
