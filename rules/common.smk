# Helpers shared by the rules: where outputs go for this data cut, and which files each
# rule reads. Study facts come from the specs, never from here.
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError

from analysis.outputs import GROUPS as OUTPUT_GROUPS, group_datasets, group_spec_areas

STUDY_SPEC = Path(config["study_spec"])
RAW_SPEC_DIR = STUDY_SPEC.parent / yaml.safe_load(STUDY_SPEC.read_text())["raw_spec"]
ANALYSIS_SPEC_DIR = str(STUDY_SPEC.parent / "analysis")


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
    """Every YAML spec (the manifest records them all)."""
    return sorted(str(p) for p in STUDY_SPEC.parent.rglob("*.yaml"))


def study_spec_files():
    """What analysis.specs.load_study reads: the study spec, its schemas, the lab dictionary and
    the raw form specs. The ingest, SDTM and ADaM jobs depend on these, not on every spec, so that
    a new TLF catalogue entry or analysis option reruns only what reads it."""
    study = yaml.safe_load(STUDY_SPEC.read_text())
    files = [STUDY_SPEC, STUDY_SPEC.parent / study["lab_tests"], *RAW_SPEC_DIR.glob("*.yaml"),
             STUDY_SPEC.parent / "schemas" / "study.schema.yaml", STUDY_SPEC.parent / "schemas" / "raw_form.schema.yaml"]
    return sorted(str(p) for p in files)


# Datasets the ingest, SDTM and ADaM jobs write are not declared as rule outputs: those jobs are
# checkpoints that leave a dataset untouched when its bytes do not change (analysis.fileio), and
# the rules downstream ask for the datasets they read through the functions below, after the
# checkpoint. Snakemake has no "restat", so declared outputs would all look new after every rerun
# and everything downstream would rerun; this way a change to one raw form reruns only the jobs
# that read what it changed.


def present(paths, job):
    """``paths`` after checking they exist: a dataset deleted by hand is not rebuilt by itself
    (it is no declared output), so say how to rebuild it instead of Snakemake's missing-input error."""
    gone = [p for p in paths if not Path(p).exists()]
    if gone:
        raise WorkflowError(f"{gone[0]} is missing ({len(gone)} file(s) of the {job} job's datasets); "
                            f"rebuild them with: snakemake --forcerun {job} --config ...")
    return paths


def raw_tables():
    return [out(f"raw/{form}.parquet") for form, _ in raw_forms()]


def ingest_outputs():
    """Declared outputs of the ingest checkpoint (the tables are read through validated_tables)."""
    return [out("raw/data_issues.csv"), out("raw/reconciliation.csv"), out("raw/cut_log.csv")]


def validated_tables(wildcards=None):
    checkpoints.ingest.get()
    return present(raw_tables(), "ingest")


def sdtm_spec_files():
    return sorted(str(p) for p in (STUDY_SPEC.parent / "sdtm").glob("*") if p.is_file())


def sdtm_datasets():
    """One XPT per dataset listed in specs/sdtm/datasets.csv."""
    import csv

    with open(STUDY_SPEC.parent / "sdtm" / "datasets.csv", newline="") as fh:
        names = [row["dataset"].lower() for row in csv.DictReader(fh)]
    return [out(f"sdtm/{name}.xpt") for name in names]


def sdtm_outputs():
    """Declared outputs of the SDTM checkpoint (the XPTs are read through sdtm_xpts)."""
    return [out("sdtm/reconciliation.csv"), out("sdtm/not_tabulated.csv")]


def sdtm_xpts(wildcards=None):
    checkpoints.sdtm.get()
    return present(sdtm_datasets(), "sdtm")


def ct_spec_files():
    return sorted(str(p) for p in (STUDY_SPEC.parent / "ct").glob("*.csv"))


def adam_spec_files():
    return sorted(str(p) for p in (STUDY_SPEC.parent / "adam").rglob("*") if p.is_file())


def adam_datasets(names=None):
    """One XPT per dataset listed in specs/adam/datasets.csv (or the given lower-case names)."""
    import csv

    if names is None:
        with open(STUDY_SPEC.parent / "adam" / "datasets.csv", newline="") as fh:
            names = [row["dataset"].lower() for row in csv.DictReader(fh)]
    return [out(f"adam/{name}.xpt") for name in names]


def adam_outputs():
    """Declared output of the ADaM checkpoint (the XPTs are read through adam_xpts)."""
    return [out("adam/adam_summary.csv")]


def adam_xpts(wildcards=None):
    checkpoints.adam.get()
    return present(adam_datasets(), "adam")


def group_adam_xpts(wildcards):
    """The ADaM datasets one output group reads (analysis.outputs.DATASETS)."""
    checkpoints.adam.get()
    return present(adam_datasets(group_datasets(wildcards.group)), "adam")


def analysis_spec_files(group):
    """The analysis options of one output group: specs/analysis/<area>.yaml for its areas."""
    return [str(STUDY_SPEC.parent / "analysis" / f"{name}.yaml") for name in group_spec_areas(group)]
