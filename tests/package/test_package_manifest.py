"""Manifest and `analysis verify`: every file hashed; a flipped byte or a missing file is named,
exit 1; extra files are warnings; logs are out; two builds are byte-identical."""

from __future__ import annotations

import datetime as dt
import json
import shutil

from package_helpers import SNAPSHOT, build_all, run_cli

from analysis.package.hashing import sha256_file


def _manifest(root):
    return json.loads((root / SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_content(built_root):
    man = _manifest(built_root)
    outputs = {e["path"] for e in man["outputs"]}
    inputs = {e["path"] for e in man["inputs"]}
    assert "sdtm/dm.xpt" in outputs and "adam/define.xml" in outputs and "tlf/demographics.csv" in outputs
    assert "m5/index.csv" in outputs and "conformance/sdtm_conformance.csv" in outputs
    assert not any(p.startswith("logs/") for p in outputs) and "manifest.json" not in outputs
    assert {"data/raw/README.md", "data/raw/adverse_events.csv", "specs/study.yaml", "config/config.yaml",
            "specs/analysis/package.yaml"} <= inputs
    assert [e["path"] for e in man["outputs"]] == sorted(outputs)
    e = next(x for x in man["outputs"] if x["path"] == "sdtm/dm.xpt")
    assert e["sha256"] == sha256_file(built_root / SNAPSHOT / "sdtm" / "dm.xpt")
    assert e["size"] == (built_root / SNAPSHOT / "sdtm" / "dm.xpt").stat().st_size
    assert man["root"] == "../.." and man["cutoff"] == "" and man["study"] == "NCT05948982"
    assert man["config"]["study_spec"] == "specs/study.yaml"
    assert man["code_version"]["git_commit"] is None and man["code_version"]["package"].startswith("ucmsc-analysis")
    assert {"python", "pandas", "pyreadstat", "snakemake", "great-tables", "rtflite"} <= set(man["software"])
    text = (built_root / SNAPSHOT / "manifest.json").read_text()
    assert text == json.dumps(man, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def test_no_wall_clock_date_in_package_or_manifest(built_root):
    today = dt.date.today()
    stamps = {today.isoformat(), today.strftime("%d%b%y").upper(), today.strftime("%Y%m%d")}
    for p in [built_root / SNAPSHOT / "manifest.json", *(built_root / SNAPSHOT / "m5").rglob("*.*")]:
        if p.suffix in (".json", ".md", ".html", ".csv"):
            text = p.read_text(encoding="utf-8")
            assert not any(s in text for s in stamps), p


def test_verify_ok(built_root, capsys):
    man = _manifest(built_root)
    assert run_cli(["verify", str(built_root / SNAPSHOT)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == f"OK: {len(man['inputs']) + len(man['outputs'])} files verified"


def test_one_flipped_byte_is_named_alone(fresh_built_root, capsys):
    snap = fresh_built_root / SNAPSHOT
    target = snap / "m5" / "datasets" / "nct05948982" / "analysis" / "adam" / "datasets" / "adsl.xpt"
    data = bytearray(target.read_bytes())
    data[1000] ^= 0x01  # same size, one bit different
    target.write_bytes(bytes(data))
    assert run_cli(["verify", str(snap)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["CHANGED output: m5/datasets/nct05948982/analysis/adam/datasets/adsl.xpt",
                     f"FAILED: 1 of {len(_manifest(fresh_built_root)['inputs']) + len(_manifest(fresh_built_root)['outputs'])} files changed or missing"]


def test_missing_output_changed_input_and_extra_file(fresh_built_root, capsys):
    snap = fresh_built_root / SNAPSHOT
    (snap / "tlf" / "demographics.csv").unlink()
    with open(fresh_built_root / "specs" / "study.yaml", "a") as fh:
        fh.write("# edited\n")
    (snap / "tlf" / "extra.csv").write_text("x\n")
    (snap / "logs" / "sdtm.log").write_text("another run\n")  # logs are not in the manifest
    assert run_cli(["verify", str(snap)]) == 1
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert lines[:2] == ["CHANGED input: specs/study.yaml", "MISSING output: tlf/demographics.csv"]
    assert lines[2].startswith("FAILED: 2 of ")
    assert "WARNING extra file not in the manifest: tlf/extra.csv" in out.err
    assert "sdtm.log" not in out.err + out.out


def test_missing_manifest_is_a_user_error(tmp_path):
    import pytest

    from analysis.errors import UserError
    from analysis.package import verify_manifest

    with pytest.raises(UserError, match="manifest.json: manifest not found"):
        verify_manifest(tmp_path)


def test_two_builds_are_byte_identical(tmp_path, package_template, built_root):
    """A second, independent build in another folder gives the same package and manifest bytes."""
    root = tmp_path / "root"
    shutil.copytree(package_template, root)
    build_all(root)
    first, second = built_root / SNAPSHOT, root / SNAPSHOT
    files = sorted(p.relative_to(first) for p in (first / "m5").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in (second / "m5").rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    assert (first / "manifest.json").read_bytes() == (second / "manifest.json").read_bytes()
    # and a rebuild in place changes nothing either
    build_all(root)
    assert (first / "manifest.json").read_bytes() == (second / "manifest.json").read_bytes()


def test_cli_package_and_manifest_with_cutoff(tmp_path, package_template, capsys, monkeypatch):
    root = tmp_path / "root"
    shutil.copytree(package_template, root)
    monkeypatch.chdir(root)
    assert run_cli(["package", "outputs/full", "--study", "specs/study.yaml", "--code-dir", ".",
                    "--cutoff", "2025-01-31"]) == 0
    assert run_cli(["manifest", "outputs/full", "--raw", "data/raw", "--study", "specs/study.yaml",
                    "--config-file", "config/config.yaml", "--config-json", '{"cutoff": "2025-01-31"}',
                    "--cutoff", "2025-01-31", "--code-dir", "."]) == 0
    adsl = json.loads((root / "outputs/full/m5/datasets/nct05948982/analysis/adam/datasets/dataset-json/adsl.json")
                      .read_text())
    assert adsl["datasetJSONCreationDateTime"] == "2025-01-31T00:00:00"
    man = _manifest(root)
    assert man["cutoff"] == "2025-01-31" and man["config"] == {"cutoff": "2025-01-31"}
    monkeypatch.chdir(tmp_path)  # verify finds the inputs through the recorded root from anywhere
    assert run_cli(["verify", str(root / "outputs/full")]) == 0
    capsys.readouterr()
    assert run_cli(["manifest", str(root / "outputs/full"), "--config-json", "{bad"]) == 2
    assert "--config-json: not valid JSON" in capsys.readouterr().err
