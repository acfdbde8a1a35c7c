"""Submission package per data snapshot: eCTD module 5 dataset folders (SDTM and ADaM XPT with
define.xml, the programs as text, reviewer's guide skeletons), Dataset-JSON v1.1 copies of every
dataset, and a manifest (SHA-256 and size of every input and output, software and code version,
config, cutoff) that `analysis verify` re-checks."""

__all__ = ["build_package", "write_manifest", "verify_manifest"]


def __getattr__(name: str):
    # Lazy: the workflow reads analysis.package.config at parse time, and each snakemake call
    # (a no-op rerun too) should not pay for pandas.
    if name == "build_package":
        from .build import build_package
        return build_package
    if name in ("write_manifest", "verify_manifest"):
        from . import manifest
        return getattr(manifest, name)
    raise AttributeError(name)
