"""Writes the model datasets the R reference (nlme_reference.R) reads: the rows
analysis.efficacy fits for MELD (ADRS) and SF36PCS (ADQS) in the embedded study.

Usage: python tests/efficacy/results/export_model_data.py <ADaM folder>
(the tests check that the embedded study still gives exactly these rows)."""

import sys
from pathlib import Path

from analysis.efficacy.cli import population_groups
from analysis.efficacy.config import (
    excluded_visits,
    load_spec,
    model_options,
    param_specs,
)
from analysis.efficacy.model import model_dataset
from analysis.efficacy.records import param_records
from analysis.xpt import read_analysis_dataset

HERE = Path(__file__).parent
CASES = {"MELD": "ADRS", "SF36PCS": "ADQS"}


def export(adam: Path) -> None:
    spec = load_spec()
    adsl = read_analysis_dataset(adam / "adsl.xpt", "ADSL")
    groups, _ = population_groups(adsl, spec["treatment"], spec["population"])
    for code, ds in CASES.items():
        data = read_analysis_dataset(adam / f"{ds.lower()}.xpt", ds)
        recs = param_records(data, groups, param_specs(spec, [code], ds)[0], ds, excluded_visits(spec))
        rows, visits, _ = model_dataset(recs, groups.levels, None, model_options(spec).min_subjects_per_cell)
        rows["VIDX"] = rows["AVISIT"].map({v: i + 1 for i, v in enumerate(visits)})  # model visit order
        rows.to_csv(HERE / f"model_data_{code.lower()}.csv", index=False, lineterminator="\n",
                    float_format="%.17g")


if __name__ == "__main__":
    export(Path(sys.argv[1]))
