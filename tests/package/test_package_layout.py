"""The m5 layout: folders as eCTD names them, XPT/define copied byte for byte, programs as flat
.txt files with an index, the package index hashing every file."""

from __future__ import annotations

import csv
import hashlib
import re

from package_helpers import SNAPSHOT, STUDY_DIR, m5

from analysis.package.hashing import excluded, sha256_file


def test_sha256_matches_the_published_fips_180_2_example(tmp_path):
    # FIPS 180-2, appendix B.1: SHA-256("abc")
    p = tmp_path / "abc"
    p.write_bytes(b"abc")
    assert sha256_file(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_layout_folders_exist_with_lowercase_study_id(built_root):
    base = m5(built_root)
    assert base.name == STUDY_DIR == "nct05948982"
    for sub in ("tabulations/sdtm", "tabulations/sdtm/dataset-json", "analysis/adam/datasets",
                "analysis/adam/datasets/dataset-json", "analysis/adam/programs"):
        assert (base / sub).is_dir(), sub
    for folder in (p for p in (built_root / SNAPSHOT / "m5").rglob("*") if p.is_dir()):
        assert re.fullmatch(r"[a-z0-9-]+", folder.name), folder


def test_xpt_define_and_stylesheet_are_byte_copies(built_root):
    snap = built_root / SNAPSHOT
    for model, dest in (("sdtm", m5(built_root) / "tabulations" / "sdtm"),
                        ("adam", m5(built_root) / "analysis" / "adam" / "datasets")):
        sources = sorted(p.name for p in (snap / model).glob("*.xpt"))
        assert sources and sorted(p.name for p in dest.glob("*.xpt")) == sources
        for name in sources + ["define.xml", "define2-1.xsl"]:
            assert (dest / name).read_bytes() == (snap / model / name).read_bytes(), name
    assert len(list((m5(built_root) / "analysis" / "adam" / "datasets").glob("*.xpt"))) == 9


def test_programs_are_flat_txt_copies_with_an_index(built_root):
    programs = m5(built_root) / "analysis" / "adam" / "programs"
    with open(programs / "programs-index.csv", newline="") as fh:
        index = list(csv.DictReader(fh))
    files = sorted(p.name for p in programs.iterdir() if p.name != "programs-index.csv")
    assert sorted(r["file"] for r in index) == files
    sources = {r["source"] for r in index}
    assert {"Snakefile", "rules/sdtm.smk", "config/config.yaml", "specs/study.yaml",
            "specs/adam/datasets.csv", "src/analysis/package/build.py"} <= sources
    assert not any("__pycache__" in s for s in sources)
    for row in index:
        assert re.fullmatch(r"[a-z0-9-]+\.txt", row["file"]) and len(row["file"]) <= 64, row["file"]
        data = (programs / row["file"]).read_bytes()
        assert data == (built_root / row["source"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest() and int(row["size"]) == len(data)
        assert row["ascii"] == ("Y" if data.isascii() else "N")
    assert "src-analysis-package-build-py.txt" in files


def test_package_index_lists_every_file_with_its_hash(built_root):
    root = built_root / SNAPSHOT / "m5"
    with open(root / "index.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != "index.csv")
    assert [r["path"] for r in rows] == on_disk
    for r in rows[:: max(1, len(rows) // 25)]:
        assert r["sha256"] == sha256_file(root / r["path"])


def test_exclusion_patterns():
    pats = ["logs/**", "manifest.json", ".*", "**/.*"]
    assert excluded("logs/a/b.log", pats) and excluded("manifest.json", pats)
    assert excluded(".m5.tmp/x", pats) and excluded("tlf/.x", pats)
    assert not excluded("tlf/logs.csv", pats) and not excluded("m5/manifest.json.bak", pats)


def test_missing_define_is_a_one_line_user_error(tmp_path, package_template):
    import shutil

    import pytest

    from analysis.errors import UserError
    from analysis.package import build_package

    root = tmp_path / "root"
    shutil.copytree(package_template, root)
    (root / SNAPSHOT / "adam" / "define.xml").unlink()
    with pytest.raises(UserError, match=r"adam: define.xml missing; the ADaM package needs define.xml"):
        build_package(root / SNAPSHOT, root / "specs" / "study.yaml", code_dir=root)
    assert not (root / SNAPSHOT / "m5").exists()  # nothing half-built left behind
