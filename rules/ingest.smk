checkpoint ingest:
    """Read every raw form, check it against the raw spec, and pass on validated tables.

    Hard problems stop here (one line each, naming file, row, column and rule); soft ones
    are listed in data_issues.csv; reconciliation.csv accounts for every raw record. A table
    whose bytes do not change keeps its file time (see common.smk).
    """
    input:
        raw=raw_files(),
        study=config["study_spec"],
        specs=study_spec_files(),
    output:
        ingest_outputs(),
    log:
        out("logs/ingest.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        raw_dir=lambda wildcards, input: Path(input.raw[0]).parent,
        out_dir=lambda wildcards, output: Path(output[0]).parent,
        cutoff=config.get("cutoff") or "",
    shell:
        "python -m analysis ingest --raw {params.raw_dir:q} --study {input.study:q}"
        " --out {params.out_dir:q} --cutoff '{params.cutoff}' 2>&1 | tee {log:q}"
