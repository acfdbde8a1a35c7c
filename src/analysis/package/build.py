"""Build the eCTD module 5 dataset folders of one snapshot:

    m5/datasets/<studyid>/tabulations/sdtm/            *.xpt, define.xml, define2-1.xsl, csdrg.md/.html
    m5/datasets/<studyid>/tabulations/sdtm/dataset-json/   <ds>.json (Dataset-JSON v1.1)
    m5/datasets/<studyid>/analysis/adam/datasets/      *.xpt, define.xml, define2-1.xsl, adrg.md/.html
    m5/datasets/<studyid>/analysis/adam/datasets/dataset-json/
    m5/datasets/<studyid>/analysis/adam/programs/      flat .txt copies of the code + programs-index.csv
    m5/index.csv                                       every file above: path, sha256, size

XPT, define.xml and the stylesheet are the snapshot's files: hard links when the package lies on
the same filesystem (it does: m5/ is inside the snapshot), else byte copies. A link is safe
because every job replaces its outputs (a temporary file renamed over the old one, or Snakemake
deleting them first) and never rewrites one in place, so a file the package links to cannot
change under it; the link saves copying 2 GB at 1,000 subjects per cohort. The folder is built
aside and moved into place at the end, so a failure leaves the previous package (or none), never
half.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
from pathlib import Path

from analysis.errors import UserError
from analysis.specs import load_study

from . import datasetjson, guides
from .config import REPO_ROOT, load_spec
from .hashing import file_entry, list_files
from .programs import copy_programs
from .versions import code_version as get_code_version
from .versions import code_version_text, package_version, software_versions

DEFINE_FILES = ("define.xml", "define2-1.xsl")


def creation_datetime(cutoff: str | None, fixed: str) -> str:
    """Dataset-JSON creation stamp: the cutoff at midnight, else the fixed stamp.

    >>> creation_datetime("2025-01-31", "2000-01-01T00:00:00"), creation_datetime("", "2000-01-01T00:00:00")
    ('2025-01-31T00:00:00', '2000-01-01T00:00:00')
    """
    if not cutoff:
        return fixed
    try:
        return dt.date.fromisoformat(str(cutoff)).isoformat() + "T00:00:00"
    except ValueError:
        raise UserError(f"cutoff '{cutoff}' is not a date YYYY-MM-DD") from None


def study_folder(studyid: str) -> str:
    """eCTD study folder name: the study id in lower case, a-z 0-9 and '-' only.

    >>> study_folder("NCT05948982"), study_folder("ABC_12/3")
    ('nct05948982', 'abc-12-3')
    """
    from .programs import ectd_name

    return ectd_name(studyid, suffix="")


def copy_datasets(src: Path, dest: Path, what: str) -> list[Path]:
    """Copy every *.xpt and the define.xml + stylesheet of one snapshot folder, bytes unchanged."""
    xpts = sorted(src.glob("*.xpt"))
    if not xpts:
        raise UserError(f"{src}: no {what} XPT files to package")
    missing = [n for n in DEFINE_FILES if not (src / n).is_file()]
    if missing:
        raise UserError(f"{src}: {', '.join(missing)} missing; the {what} package needs define.xml and its stylesheet")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in xpts + [src / n for n in DEFINE_FILES]:
        written.append(link_or_copy(path, dest / path.name.lower()))
    return written


def link_or_copy(src: Path, dest: Path) -> Path:
    """`dest` as a hard link to `src` (same bytes, no copy), or a byte copy across filesystems.
    A linked file gets the read permissions a copy would have (the XPT writer's temporary
    files are private).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.xpt").write_bytes(b"x")
    >>> link_or_copy(d / "a.xpt", d / "b.xpt").read_bytes(), (d / "b.xpt").stat().st_nlink
    (b'x', 2)
    """
    try:
        os.link(src, dest)
    except OSError:  # another filesystem, or links not supported
        shutil.copyfile(src, dest)
        return dest
    mode = dest.stat().st_mode & 0o777
    wanted = mode | (0o444 & ~_umask())
    if wanted != mode:
        os.chmod(dest, wanted)
    return dest


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_dataset_jsons(xpt_dir: Path, sub: str, creation: str, spec: dict, originator: str | None,
                        model: str) -> list[Path]:
    """One Dataset-JSON per XPT of `xpt_dir`, into `xpt_dir/sub`, metadata from define.xml."""
    define = datasetjson.read_define(xpt_dir / "define.xml")
    source = {"name": spec["dataset_json"].get("source_system", "analysis"), "version": package_version()}
    written = []
    for xpt in sorted(xpt_dir.glob("*.xpt")):
        name = xpt.stem.upper()
        meta = define.get(name)
        written.append(datasetjson.write_dataset_json_file(
            xpt, xpt_dir / sub / f"{xpt.stem.lower()}.json", creation=creation,
            version=str(spec["dataset_json"]["version"]), define=meta, metadata_ref="../define.xml",
            originator=originator, source_system=source,
            file_oid=f"{meta.file_oid}.{name}" if meta and meta.file_oid else f"{model}.{name}"))
    return written


def _sponsor(study) -> str | None:
    for row in study.data.get("trial_summary", []):
        if row.get("code") == "SPONSOR":
            return str(row.get("value"))
    return None


def _write_guide(blocks: list[tuple], folder: Path, stem: str, title: str) -> list[Path]:
    md, htm = folder / f"{stem}.md", folder / f"{stem}.html"
    md.write_text(guides.to_markdown(blocks), encoding="utf-8", newline="\n")
    htm.write_text(guides.to_html(blocks, title), encoding="utf-8", newline="\n")
    return [md, htm]


def write_index(root: Path, name: str) -> Path:
    """CSV of every file below `root` (but the index): path, sha256, size; sorted by path."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["path", "sha256", "size"])
    for rel in list_files(root, [name]):
        e = file_entry(root / rel, rel)
        writer.writerow([e["path"], e["sha256"], e["size"]])
    path = root / name
    path.write_text(buf.getvalue(), encoding="utf-8", newline="\n")
    return path


def build_package(snapshot_dir: str | Path, study_spec: str | Path, out: str | Path | None = None,
                  code_dir: str | Path | None = None, cutoff: str | None = "",
                  code_version: dict | None = None, spec_path: str | Path | None = None) -> list[Path]:
    """Build `out` (default `<snapshot_dir>/m5`) from the snapshot's sdtm/, adam/ and conformance/
    folders, the study spec (and the specs beside it) and the code in `code_dir` (default: this
    repository). `code_version` (see versions.code_version) is computed from `code_dir` if not
    given. Returns every file written, sorted."""
    snapshot = Path(snapshot_dir)
    spec = load_spec(spec_path)
    out = Path(out) if out else snapshot / spec["layout"]["root"]
    code_dir = Path(code_dir) if code_dir else REPO_ROOT
    study = load_study(study_spec)
    spec_root = Path(study_spec).parent
    layout = spec["layout"]
    creation = creation_datetime(cutoff, str(spec["dataset_json"]["fixed_creation_datetime"]))
    version = code_version if code_version is not None else get_code_version(code_dir)
    code_text = code_version_text(version)
    software = software_versions([str(s) for s in spec["manifest"]["software"]])

    scratch = out.parent / f".{out.name}.tmp"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        base = scratch / "datasets" / study_folder(study.studyid)
        sdtm, adam = base / layout["sdtm"], base / layout["adam_datasets"]
        copy_datasets(snapshot / "sdtm", sdtm, "SDTM")
        copy_datasets(snapshot / "adam", adam, "ADaM")
        originator = _sponsor(study)
        write_dataset_jsons(sdtm, layout["dataset_json"], creation, spec, originator, "SDTM")
        write_dataset_jsons(adam, layout["dataset_json"], creation, spec, originator, "ADaM")
        programs = copy_programs(code_dir, spec["programs"]["include"], base / layout["adam_programs"],
                                 spec["programs"]["index"])
        note = (f"Programs: {len(programs) - 1} source files as text in {layout['adam_programs']}/ "
                f"(index: {spec['programs']['index']}).")
        _write_guide(guides.csdrg_blocks(study, snapshot, spec_root, cutoff or "", software, code_text),
                     sdtm, "csdrg", f"cSDRG {study.studyid}")
        _write_guide(guides.adrg_blocks(study, snapshot, spec_root, cutoff or "", software, code_text,
                                        spec["reviewers_guides"]["population_label"], note),
                     adam, "adrg", f"ADRG {study.studyid}")
        write_index(scratch, layout["index"])
        if out.exists():
            shutil.rmtree(out)
        scratch.rename(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return sorted(out / rel for rel in list_files(out))
