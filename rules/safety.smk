rule safety_outputs:
    """Population, AE, dose-finding and lab-safety tables, listings and figures with their ARD,
    in one job (each Python job pays ~1.3 s of imports); the index lists every file."""
    input:
        adam=adam_outputs(),
        specs=analysis_spec_files(),
    output:
        index=out("tlf/index-safety.csv"),
    log:
        out("logs/safety_outputs.log"),
    params:
        adam_dir=lambda wildcards, input: Path(input.adam[0]).parent,
        specs_dir=str(STUDY_SPEC.parent / "analysis"),
        out_dir=out(""),
    shell:
        "python -m analysis safety-outputs --adam {params.adam_dir:q} --specs {params.specs_dir:q}"
        " --out {params.out_dir:q} 2>&1 | tee {log:q}"
