"""analysis.cytokines fan-out: `parts` comes from the spec alone, and the union of `run_part`
outputs is exactly `run_all`'s (same files, same bytes) on the embedded study; the large-study
spaghetti drawing and the vectorised AUC agree with the per-subject forms."""

import numpy as np
import pandas as pd
import pytest

from analysis.cytokines.auc import cycle_auc, cycle_aucs
from analysis.cytokines.cli import parts, run_all, run_part
from analysis.cytokines.figures import subject_paths


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_parts_from_spec_only():
    assert parts() == ["summary", "auc", "model", "figures"]
    assert parts(None) == parts()


def test_union_of_parts_is_run_all(embedded_adam_dir, tmp_path):
    whole, pieces = tmp_path / "all", tmp_path / "parts"
    written_all = run_all(embedded_adam_dir, None, whole)
    written_parts = []
    for part in parts():
        out = run_part(embedded_adam_dir, None, pieces / part, part)
        assert out, part
        written_parts += [p.relative_to(pieces / part).as_posix() for p in out]
    assert len(written_parts) == len(set(written_parts))  # no file written by two parts
    assert sorted(written_parts) == sorted(p.relative_to(whole).as_posix() for p in written_all)
    union = {}
    for part in parts():
        union.update(_files(pieces / part))
    expected = _files(whole)
    assert sorted(union) == sorted(expected)
    assert [name for name in expected if union[name] != expected[name]] == []


def test_unknown_part_is_rejected(embedded_adam_dir, tmp_path):
    with pytest.raises(ValueError, match="unknown cytokine part"):
        run_part(embedded_adam_dir, None, tmp_path, "tables")


def test_vectorised_auc_equals_per_subject_rule():
    rng = np.random.default_rng(7)
    times = ["Pre", "2 h", "24 h", "Wk1", "Wk4"]
    hours = [0.0, 2.0, 24.0, 144.0, 648.0]
    rows = []
    for subj in range(40):
        for p in ("IL6", "CRP"):
            for t, h in zip(times, hours):
                if rng.random() < 0.15:
                    continue  # missing sample: ends not computed, middle bridged
                rows.append({"USUBJID": f"S{subj:02d}", "_GROUP": "A", "PARAMCD": p, "TIME": t, "NOMHRS": h,
                             "ARELTM": np.nan if rng.random() < 0.1 else h + rng.normal(),
                             "AVAL": float(rng.lognormal())})
    data = pd.DataFrame(rows).sample(frac=1, random_state=1)
    for source in ("actual", "nominal"):
        fast = cycle_aucs(data, times, source)
        for r in fast.to_dict("records"):
            one = data[(data.PARAMCD == r["PARAMCD"]) & (data.USUBJID == r["USUBJID"])]
            ref = cycle_auc(one, times, source)
            assert r["flag"] == ref["flag"] and r["n_samples"] == ref["n_samples"]
            for k in ("t_first", "t_last", "AUC", "AUCBC"):
                assert (np.isnan(r[k]) and np.isnan(ref[k])) or r[k] == ref[k], (k, r, ref)


def test_subject_paths_break_between_subjects():
    d = pd.DataFrame({"USUBJID": ["b", "a", "a", "b"], "DAY": [3.0, 2.0, 1.0, 0.0], "AVAL": [4.0, 3.0, 2.0, 1.0]})
    x, y = subject_paths(d)
    assert np.array_equal(x, [1.0, 2.0, np.nan, 0.0, 3.0], equal_nan=True)
    assert np.array_equal(y, [2.0, 3.0, np.nan, 1.0, 4.0], equal_nan=True)
