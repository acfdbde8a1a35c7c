"""run_all on the embedded study: the expected files, deterministic bytes, NE handling for
endpoints with few events, and spec checks."""

import time

import pytest

from analysis.ard import read_ard
from analysis.errors import SpecError
from analysis.survival.cli import run_all
from analysis.survival.config import load_spec, parse_timepoints


@pytest.fixture(scope="module")
def outputs(embedded_adam_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("survival-out")
    start = time.perf_counter()
    paths = run_all(embedded_adam_dir, None, out)
    return out, paths, time.perf_counter() - start


def test_files_written(outputs):
    out, paths, _ = outputs
    names = sorted(p.relative_to(out).as_posix() for p in paths)
    for code in ("os", "tfs"):
        assert f"tlf/tte_km_{code}.md" in names and f"tlf/tte_km_{code}_plot.svg" in names
    for code in ("ttltx", "tthcc", "tthepfl", "ttdecomp"):
        assert f"ard/tte_cif_{code}.csv" in names and f"tlf/tte_cif_{code}_plot.png" in names
    assert "tlf/tte_incidence.md" in names
    assert "meta/tte_km_os_plot.json" in names
    assert len(names) == 52  # 39 display/ARD/figure files + one meta/<id>.json per analysis


def test_rerun_is_byte_identical(outputs, embedded_adam_dir, tmp_path):
    _out, paths, _ = outputs
    again = run_all(embedded_adam_dir, None, tmp_path)
    for p, q in zip(sorted(paths), sorted(again)):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_os_cox_not_estimable_when_reference_has_no_events(outputs):
    out, _, _ = outputs
    ard = read_ard(out / "ard" / "tte_km_os.csv")
    status = ard[ard.stat_name == "hr_status"].stat.tolist()
    assert status == ["no events in the reference group"] * 2
    assert ard[ard.stat_name == "hr"].stat.tolist() == ["", ""]
    md = (out / "tlf" / "tte_km_os.md").read_text()
    assert "NE [c]" in md
    assert "[c] NE = not estimable: UC-MSC 2x10^6 cells/kg, UC-MSC 4x10^6 cells/kg: no events in the reference group." in md


def test_incidence_uses_adsl_denominators(outputs):
    out, _, _ = outputs
    ard = read_ard(out / "ard" / "tte_incidence.csv")
    tot = ard[(ard.group1_level == "Total") & (ard.variable_level == "TTDECOMP")]
    stats = dict(zip(tot.stat_name, tot.stat))
    assert stats["N"] == "18" and stats["n"] == "10"
    assert float(stats["ci_lower"]) == pytest.approx(0.3075717, abs=1e-7)  # R binom.test(10, 18)


def test_ttdecomp_week_timepoints(outputs):
    out, _, _ = outputs
    assert not (out / "ard" / "tte_km_ttdecomp.csv").exists()  # a CIF endpoint, not KM
    cif = read_ard(out / "ard" / "tte_cif_ttdecomp.csv")
    levels = sorted(set(cif[cif.stat_name == "cif"].group2_level))
    assert levels == ["169", "393", "85"]


def test_spec_errors(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("treatment: TRT01A\n")
    with pytest.raises(SpecError, match="section\\(s\\) missing"):
        load_spec(bad)
    from pathlib import Path

    spec = Path(load_spec()["_path"]).read_text().replace("ci_transform: log-log", "ci_transform: log")
    bad.write_text(spec)
    with pytest.raises(SpecError, match="ci_transform must be log-log"):
        load_spec(bad)
    with pytest.raises(SpecError, match="--timepoints: 'Week x' is not a number"):
        parse_timepoints("Week x")


def test_run_time_reported(outputs):
    _, _, seconds = outputs
    print(f"survival run_all: {seconds:.1f} s")
    assert seconds < 120
