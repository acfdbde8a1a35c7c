# Helpers shared by the rules: where outputs go for this data cut, and which files each
# rule reads. Study facts come from the specs, never from here.
from pathlib import Path

import yaml

from analysis.outputs import GROUPS as OUTPUT_GROUPS

STUDY_SPEC = Path(config["study_spec"])
RAW_SPEC_DIR = STUDY_SPEC.parent / yaml.safe_load(STUDY_SPEC.read_text())["raw_spec"]


def cut_label():
    """Each data cut writes its own snapshot folder, so snapshots sit side by side."""
    cutoff = config.get("cutoff") or ""
    return f"cut-{cutoff}" if cutoff else "full"


def out(path):
    return str(Path(config["output_dir"]) / cut_label() / path)


def raw_forms():
    """(form name, file name) for every form of the raw spec."""
    forms = []
    for spec in sorted(RAW_SPEC_DIR.glob("*.yaml")):
        if spec.name == "codelists.yaml":
            continue
        entry = yaml.safe_load(spec.read_text())
        forms.append((entry["form"], entry["file"]))
    return forms


def raw_files():
    return [str(Path(config["raw_dir"]) / file) for _, file in raw_forms()]


def spec_files():
    return sorted(str(p) for p in STUDY_SPEC.parent.rglob("*.yaml"))


def ingest_outputs():
    tables = [out(f"raw/{form}.parquet") for form, _ in raw_forms()]
    return tables + [out("raw/data_issues.csv"), out("raw/reconciliation.csv"), out("raw/cut_log.csv")]


def sdtm_spec_files():
    return sorted(str(p) for p in (STUDY_SPEC.parent / "sdtm").glob("*") if p.is_file())


def sdtm_outputs():
    """One XPT per dataset listed in specs/sdtm/datasets.csv."""
    import csv

    with open(STUDY_SPEC.parent / "sdtm" / "datasets.csv", newline="") as fh:
        names = [row["dataset"].lower() for row in csv.DictReader(fh)]
    return [out(f"sdtm/{name}.xpt") for name in names] + [out("sdtm/reconciliation.csv"), out("sdtm/not_tabulated.csv")]


def ct_spec_files():
    return sorted(str(p) for p in (STUDY_SPEC.parent / "ct").glob("*.csv"))


def adam_spec_files():
    return sorted(str(p) for p in (STUDY_SPEC.parent / "adam").rglob("*") if p.is_file())


def adam_outputs():
    """One XPT per dataset listed in specs/adam/datasets.csv."""
    import csv

    with open(STUDY_SPEC.parent / "adam" / "datasets.csv", newline="") as fh:
        names = [row["dataset"].lower() for row in csv.DictReader(fh)]
    return [out(f"adam/{name}.xpt") for name in names]


def analysis_spec_files(group):
    """The analysis options of one output group: specs/analysis/<area>.yaml for its areas."""
    return [str(STUDY_SPEC.parent / "analysis" / f"{area}.yaml") for area in OUTPUT_GROUPS[group]]
