# Clinical-trial statistics pipeline: raw export -> validated raw tables -> SDTM -> ADaM -> TLF ->
# eCTD m5 package + manifest.
# The Snakefile only loads and validates the config, includes the rules, and defines `all`.
from snakemake.utils import min_version, validate

min_version("9.0")


report: "report/workflow.rst"


configfile: "config/config.yaml"


validate(config, "specs/schemas/config.schema.yaml")


include: "rules/common.smk"
include: "rules/ingest.smk"
include: "rules/sdtm.smk"
include: "rules/adam.smk"
include: "rules/analyses.smk"
include: "rules/tlf.smk"
include: "rules/package.smk"


rule all:
    input:
        ingest_outputs(),
        validated_tables,
        sdtm_outputs(),
        sdtm_xpts,
        out("sdtm/define.xml"),
        out("conformance/sdtm_conformance.csv"),
        adam_outputs(),
        adam_xpts,
        out("adam/define.xml"),
        out("conformance/adam_conformance.csv"),
        expand(out("tlf/index-{group}.csv"), group=OUTPUT_GROUPS),
        out("tlf/index.html"),
        out("m5/index.csv"),
        out("manifest.json"),
    default_target: True
