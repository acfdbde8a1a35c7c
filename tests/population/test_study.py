"""Our study's ADSL, built from data/raw, through the spec (specs/analysis/population.yaml).

References: the study facts stated in the brief (22 screened, 18 enrolled and dosed, 4 screen
failures, 6 per cohort; discontinuation reasons OTHER/LIVER TRANSPLANTATION, DEATH, LOST TO
FOLLOW-UP) and, for every statistic, pandas computations written here independently of the
package (groupby mean/std/median, crosstab counts).
"""

from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.population.io import read_adsl_with_labels
from analysis.population.run import (
    demographics_from_spec,
    disposition_from_spec,
    run_all,
)
from analysis.population.spec import read_population_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "analysis" / "population.yaml"
COHORTS = ["UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg"]


@pytest.fixture(scope="module")
def study(embedded_adam_dir):
    adsl, labels = read_adsl_with_labels(embedded_adam_dir / "adsl.xpt")
    return adsl, labels, read_population_spec(SPEC)


def _present(adsl, spec) -> dict:
    """The spec restricted to the variables this ADSL already has (new ones are being added)."""
    d = dict(spec["demographics"])
    keep = [v for v in d["variables"] if v in adsl.columns]
    d["variables"] = keep
    d["categorical"] = [v for v in d.get("categorical", []) if v in keep]
    d["level_order"] = {k: v for k, v in d.get("level_order", {}).items() if k in keep}
    d["decimals"] = {k: v for k, v in d.get("decimals", {}).items() if k in keep}
    return {**spec, "demographics": d}


def test_disposition(study):
    adsl, labels, spec = study
    t = disposition_from_spec(adsl, labels, spec).table.set_index("Disposition")
    assert list(t.columns) == [f"{c} (N=6)" for c in COHORTS] + ["Total (N=18)"]
    assert t.loc["Screened"].tolist() == ["", "", "", "22"]
    assert t.loc["Screen failures"].tolist() == ["", "", "", "4 (18.2)"]
    assert t.loc["Enrolled"].tolist() == ["6", "6", "6", "18"]
    assert t.loc["Population (SAFFL = Y)"].tolist() == ["6 (100.0)"] * 3 + ["18 (100.0)"]
    dosed = adsl[adsl.SAFFL == "Y"]
    for status, row in (("COMPLETED", "Completed"), ("DISCONTINUED", "Discontinued")):
        counts = [int(((dosed.TRT01A == c) & (dosed.EOSSTT == status)).sum()) for c in COHORTS]
        shown = [int(cell.split(" ")[0]) for cell in t.loc[row]]
        assert shown == counts + [sum(counts)]
    reasons = [r for r in t.index if r.startswith("  ")]
    assert {r.strip() for r in reasons} >= {"OTHER", "LIVER TRANSPLANTATION"}
    assert t.index.get_loc("    LIVER TRANSPLANTATION") == t.index.get_loc("  OTHER") + 1
    total_reasons = sum(int(t.loc[r].iloc[-1].split(" ")[0]) for r in reasons if not r.startswith("    "))
    assert total_reasons == int(t.loc["Discontinued"].iloc[-1].split(" ")[0])
    assert "SCREEN FAILURE" not in " ".join(reasons)     # screen failures are not in the population


def test_demographics_against_pandas(study):
    adsl, labels, spec = study
    spec = _present(adsl, spec)
    result = demographics_from_spec(adsl, labels, spec)
    ard = result.ard
    dosed = adsl[adsl.SAFFL == "Y"]
    d = spec["demographics"]
    continuous = [v for v in d["variables"] if adsl[v].dtype.kind == "f" and v not in d["categorical"]]
    assert {"AGE", "CPSBL", "MELDBL"} <= set(continuous)
    for var in continuous:
        for level, frame in [(c, dosed[dosed.TRT01A == c]) for c in COHORTS] + [("Total", dosed)]:
            x = frame[var].dropna()
            got = ard[(ard.variable == var) & (ard.group1_level == level)].set_index("stat_name").stat
            assert int(got["n"]) == len(x)
            for name, expected in (("mean", x.mean()), ("sd", x.std()), ("median", x.median()),
                                   ("min", x.min()), ("max", x.max())):
                assert float(got[name]) == pytest.approx(expected, abs=1e-10), (var, level, name)
    for var in [v for v in d["variables"] if v not in continuous]:
        text = dosed[var].map(lambda v: "" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else v))
        counts = pd.crosstab(text, dosed.TRT01A)
        rows = ard[(ard.variable == var) & ard.stat_name.isin(["n", "n_missing"])]
        for r in rows.itertuples():
            if r.group1_level == "Total":
                expected = int((text == r.variable_level).sum())
            else:
                expected = int(counts[r.group1_level].get(r.variable_level, 0))
            assert int(r.stat) == expected, (var, r.group1_level, r.variable_level)
    ecog = result.table[result.table.Characteristic == labels["ECOGBL"]].index[0]
    assert result.table.Statistic[ecog:ecog + 5].tolist() == ["0", "1", "2", "3", "4"]


def test_spec_variable_missing_from_adsl_is_one_line_error(study):
    adsl, labels, spec = study
    with pytest.raises(UserError, match=r"^ADSL: variable HEIGHTBL not found$"):
        demographics_from_spec(adsl.drop(columns=["HEIGHTBL"], errors="ignore"), labels, spec)


def test_run_all_writes_both_tables_deterministically(embedded_adam_dir, tmp_path):
    adsl, _ = read_adsl_with_labels(embedded_adam_dir / "adsl.xpt")
    spec = read_population_spec(SPEC)
    absent = [v for v in spec["demographics"]["variables"] if v not in adsl.columns]
    if absent:
        with pytest.raises(UserError, match=f"ADSL: variable {absent[0]} not found"):
            run_all(embedded_adam_dir, SPEC, tmp_path / "a")
        assert not (tmp_path / "a").exists()           # nothing half-written
        pytest.skip(f"ADSL lacks {absent}: the full run waits for them")
    first = run_all(embedded_adam_dir, SPEC, tmp_path / "a")
    second = run_all(embedded_adam_dir, SPEC, tmp_path / "b")
    names = sorted(p.relative_to(tmp_path / "a").as_posix() for p in first)
    assert names == ["ard/demographics.csv", "ard/disposition.csv", "meta/demographics.json",
                     "meta/disposition.json", "tlf/demographics.csv", "tlf/demographics.md",
                     "tlf/disposition.csv", "tlf/disposition.md"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes()
    md = (tmp_path / "a" / "tlf" / "demographics.md").read_text()
    assert "History of Ascites Flag" in md and "Baseline Child-Pugh Class" in md
