rule analysis_outputs:
    """Tables, listings and figures with their ARD for one group of analysis areas, in one job
    (each Python job pays ~1.3 s of imports): `safety` (population, AE, dose finding, lab
    safety) or `efficacy` (efficacy by visit, survival, cytokines). The index lists every file;
    the two groups run side by side on two cores."""
    input:
        adam=adam_outputs(),
        specs=lambda wildcards: analysis_spec_files(wildcards.group),
    output:
        index=out("tlf/index-{group}.csv"),
    wildcard_constraints:
        group="|".join(OUTPUT_GROUPS),
    log:
        out("logs/{group}_outputs.log"),
    params:
        adam_dir=lambda wildcards, input: Path(input.adam[0]).parent,
        specs_dir=str(STUDY_SPEC.parent / "analysis"),
        out_dir=out(""),
    shell:
        "python -m analysis {wildcards.group}-outputs --adam {params.adam_dir:q}"
        " --specs {params.specs_dir:q} --out {params.out_dir:q} 2>&1 | tee {log:q}"
