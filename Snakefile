# Clinical-trial statistics pipeline: raw export -> validated raw tables -> SDTM -> ADaM -> (TLF).
# The Snakefile only loads and validates the config, includes the rules, and defines `all`.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "specs/schemas/config.schema.yaml")


include: "rules/common.smk"
include: "rules/ingest.smk"
include: "rules/sdtm.smk"
include: "rules/adam.smk"
include: "rules/analyses.smk"


rule all:
    input:
        ingest_outputs(),
        sdtm_outputs(),
        out("sdtm/define.xml"),
        out("conformance/sdtm_conformance.csv"),
        adam_outputs(),
        out("adam/define.xml"),
        out("conformance/adam_conformance.csv"),
        expand(out("tlf/index-{group}.csv"), group=OUTPUT_GROUPS),
    default_target: True
