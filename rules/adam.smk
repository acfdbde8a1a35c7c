checkpoint adam:
    """Build every ADaM dataset from the SDTM datasets and write XPT v5 files (a dataset whose
    bytes do not change keeps its file time, see common.smk); adam_summary.csv lists them."""
    input:
        xpt=sdtm_xpts,
        study=config["study_spec"],
        specs=study_spec_files(),
        adam_specs=adam_spec_files(),
    output:
        adam_outputs(),
    log:
        out("logs/adam.log"),
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        sdtm_dir=out("sdtm"),
        out_dir=lambda wildcards, output: Path(output[0]).parent,
        cutoff=config.get("cutoff") or "",
    shell:
        "python -m analysis adam --sdtm {params.sdtm_dir:q} --study {input.study:q}"
        " --out {params.out_dir:q} --cutoff '{params.cutoff}' 2>&1 | tee {log:q}"


rule adam_define:
    """define.xml 2.1 for the ADaM datasets, checked against the Define-XML 2.1 schema."""
    input:
        xpt=adam_xpts,
        study=config["study_spec"],
        adam_specs=adam_spec_files(),
        ct=ct_spec_files(),
    output:
        define=out("adam/define.xml"),
        stylesheet=out("adam/define2-1.xsl"),
    log:
        out("logs/adam_define.log"),
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    params:
        adam_dir=out("adam"),
        specs_dir=str(STUDY_SPEC.parent / "adam"),
        ct_dir=lambda wildcards, input: Path(input.ct[0]).parent,
        date=config.get("cutoff") or "",
    shell:
        "python -m analysis define --adam {params.adam_dir:q} --specs {params.specs_dir:q}"
        " --study {input.study:q} --ct {params.ct_dir:q} --out {output.define:q}"
        " --date '{params.date}' 2>&1 | tee {log:q}"


rule adam_validate:
    """Conformance checks on the ADaM datasets; errors stop the workflow."""
    input:
        xpt=adam_xpts,
        study=config["study_spec"],
        adam_specs=adam_spec_files(),
    output:
        csv=out("conformance/adam_conformance.csv"),
        md=out("conformance/adam_conformance.md"),
    log:
        out("logs/adam_validate.log"),
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        adam_dir=out("adam"),
        specs_dir=str(STUDY_SPEC.parent / "adam"),
        report_dir=lambda wildcards, output: Path(output.csv).parent,
        fail_on=config.get("conformance_fail_on", "error"),
    shell:
        "python -m analysis validate {params.adam_dir:q} --standard adam --specs {params.specs_dir:q}"
        " --study {input.study:q} --report {params.report_dir:q} --fail-on {params.fail_on} 2>&1 | tee {log:q}"
