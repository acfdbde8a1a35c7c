"""The efficacy outputs cut into independent parts (one Snakemake or cluster job each):
`parts` comes from the spec alone, `run_part` writes exactly the files `run_all` writes for
that part, byte for byte, and reads only the datasets the part needs."""

import filecmp
import shutil
import warnings
from pathlib import Path

import pytest
import yaml

from analysis.efficacy.cli import parts, run_all, run_part
from analysis.efficacy.config import load_spec
from analysis.errors import UserError

PARAMS = [
    {"dataset": "ADRS", "paramcd": "MELD", "analysis": "mmrm", "scale": "identity", "digits": 0},
    {"dataset": "ADLB", "paramcd": "HBVDNALG", "analysis": "mmrm", "scale": "identity", "digits": 2},
    {"dataset": "ADLB", "paramcd": "AFP", "analysis": "descriptive", "scale": "log", "digits": 1},
    {"dataset": "ADQS", "paramcd": "SF36PCS", "analysis": "mmrm", "scale": "log", "digits": 1},
]


def _spec(tmp_path: Path, params=PARAMS) -> Path:
    spec = load_spec()
    spec.pop("_path")
    spec["parameters"] = params
    # TOEPH first keeps the fits fast on 18 subjects (UN does not converge there)
    spec["mmrm"]["covariance_order"] = ["TOEPH", "AR1H", "CS"]
    path = tmp_path / "efficacy_parts.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_parts_come_from_the_spec_in_order(tmp_path):
    assert parts(_spec(tmp_path)) == ["param:MELD", "param:HBVDNALG", "param:AFP", "param:SF36PCS", "ancova"]
    descriptive_only = [dict(p, analysis="descriptive") for p in PARAMS]
    assert parts(_spec(tmp_path, descriptive_only))[-1] == "param:SF36PCS"


def test_union_of_parts_is_run_all_byte_for_byte(embedded_adam_dir, tmp_path):
    spec = _spec(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = run_all(embedded_adam_dir, spec, tmp_path / "all")
        pieces = {part: run_part(embedded_adam_dir, spec, tmp_path / "parts", part) for part in parts(spec)}
    returned = sorted(p.relative_to(tmp_path / "parts").as_posix() for ps in pieces.values() for p in ps)
    assert returned == sorted(p.relative_to(tmp_path / "all").as_posix() for p in whole)
    assert _files(tmp_path / "parts") == _files(tmp_path / "all") == returned
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "all", tmp_path / "parts", returned, shallow=False)
    assert mismatch == [] and errors == []
    # each part writes only its own outputs
    assert all(p.stem.startswith("eff_ancova") for p in pieces["ancova"])
    assert all("_meld" in p.stem for p in pieces["param:MELD"])
    assert len(pieces["param:AFP"]) == 4 and len(pieces["param:MELD"]) == 12


def test_a_part_reads_only_its_dataset(embedded_adam_dir, tmp_path):
    adam = tmp_path / "adam"
    adam.mkdir()
    for name in ("adsl.xpt", "adrs.xpt"):
        shutil.copy(embedded_adam_dir / name, adam / name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        written = run_part(adam, _spec(tmp_path), tmp_path / "out", "param:MELD")
    assert {p.name for p in written} >= {"eff_desc_meld.csv", "eff_mmrm_meld.csv", "eff_mmrm_meld_plot.png"}
    with pytest.raises(UserError, match="adlb.xpt: ADLB file not found"):
        run_part(adam, _spec(tmp_path), tmp_path / "out", "param:AFP")


def test_unknown_part_is_one_line_user_error(embedded_adam_dir, tmp_path):
    with pytest.raises(UserError, match=r"^efficacy: unknown part 'param:XYZ'"):
        run_part(embedded_adam_dir, _spec(tmp_path), tmp_path / "out", "param:XYZ")
