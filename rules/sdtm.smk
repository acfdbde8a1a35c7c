rule sdtm:
    """Build every SDTM domain from the validated raw tables and write XPT v5 files."""
    input:
        tables=ingest_outputs(),
        study=config["study_spec"],
        specs=spec_files(),
        sdtm_specs=sdtm_spec_files(),
    output:
        sdtm_outputs(),
    log:
        out("logs/sdtm.log"),
    params:
        tables_dir=lambda wildcards, input: Path(input.tables[0]).parent,
        out_dir=lambda wildcards, output: Path(output[0]).parent,
        cutoff=config.get("cutoff") or "",
    shell:
        "python -m analysis sdtm --raw-tables {params.tables_dir:q} --study {input.study:q}"
        " --out {params.out_dir:q} --cutoff '{params.cutoff}' 2>&1 | tee {log:q}"
