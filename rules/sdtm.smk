checkpoint sdtm:
    """Build every SDTM domain from the validated raw tables and write XPT v5 files (a domain
    whose bytes do not change keeps its file time, see common.smk)."""
    input:
        tables=validated_tables,
        study=config["study_spec"],
        specs=study_spec_files(),
        sdtm_specs=sdtm_spec_files(),
    output:
        sdtm_outputs(),
    log:
        out("logs/sdtm.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        tables_dir=out("raw"),
        out_dir=lambda wildcards, output: Path(output[0]).parent,
        cutoff=config.get("cutoff") or "",
    shell:
        "python -m analysis sdtm --raw-tables {params.tables_dir:q} --study {input.study:q}"
        " --out {params.out_dir:q} --cutoff '{params.cutoff}' 2>&1 | tee {log:q}"


rule sdtm_define:
    """define.xml 2.1 for the SDTM datasets, checked against the Define-XML 2.1 schema."""
    input:
        xpt=sdtm_xpts,
        study=config["study_spec"],
        sdtm_specs=sdtm_spec_files(),
        ct=ct_spec_files(),
    output:
        define=out("sdtm/define.xml"),
        stylesheet=out("sdtm/define2-1.xsl"),
    log:
        out("logs/sdtm_define.log"),
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    params:
        sdtm_dir=out("sdtm"),
        specs_dir=lambda wildcards, input: Path(input.sdtm_specs[0]).parent,
        ct_dir=lambda wildcards, input: Path(input.ct[0]).parent,
        date=config.get("cutoff") or "",
    shell:
        "python -m analysis define --sdtm {params.sdtm_dir:q} --specs {params.specs_dir:q}"
        " --study {input.study:q} --ct {params.ct_dir:q} --out {output.define:q}"
        " --date '{params.date}' 2>&1 | tee {log:q}"


rule sdtm_validate:
    """Conformance checks on the SDTM datasets; errors stop the workflow."""
    input:
        xpt=sdtm_xpts,
        study=config["study_spec"],
        sdtm_specs=sdtm_spec_files(),
    output:
        csv=out("conformance/sdtm_conformance.csv"),
        md=out("conformance/sdtm_conformance.md"),
    log:
        out("logs/sdtm_validate.log"),
    threads: 1
    resources:
        mem_mb=2500,
        runtime=20,
    params:
        sdtm_dir=out("sdtm"),
        specs_dir=lambda wildcards, input: Path(input.sdtm_specs[0]).parent,
        report_dir=lambda wildcards, output: Path(output.csv).parent,
        fail_on=config.get("conformance_fail_on", "error"),
    shell:
        "python -m analysis validate {params.sdtm_dir:q} --specs {params.specs_dir:q} --study {input.study:q}"
        " --report {params.report_dir:q} --fail-on {params.fail_on} 2>&1 | tee {log:q}"
