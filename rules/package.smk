import json

from analysis.package.config import load_spec as load_package_spec
from analysis.package.programs import program_files

PACKAGE_SPEC = STUDY_SPEC.parent / "analysis" / "package.yaml"


def package_programs():
    """The code copied into m5/.../analysis/adam/programs (globs of the package spec)."""
    return program_files(".", load_package_spec(PACKAGE_SPEC)["programs"]["include"])


def config_files():
    """The config file(s) this run read (configfile: and --configfile)."""
    return [str(p) for p in workflow.configfiles]


rule package:
    """eCTD m5 dataset folders of the snapshot: SDTM and ADaM XPT + define.xml, Dataset-JSON v1.1
    copies, the programs as .txt, cSDRG/ADRG skeletons; m5/index.csv lists every file."""
    input:
        sdtm=sdtm_xpts,
        sdtm_define=out("sdtm/define.xml"),
        adam=adam_xpts,
        adam_define=out("adam/define.xml"),
        conformance=[out("conformance/sdtm_conformance.csv"), out("conformance/adam_conformance.csv")],
        study=config["study_spec"],
        specs=study_spec_files() + [str(PACKAGE_SPEC)],
        sdtm_specs=sdtm_spec_files(),
        adam_specs=adam_spec_files(),
        programs=package_programs(),
    output:
        index=out("m5/index.csv"),
    log:
        out("logs/package.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        snapshot=out(""),
        cutoff=config.get("cutoff") or "",
        spec=str(PACKAGE_SPEC),
    shell:
        "python -m analysis package {params.snapshot:q} --study {input.study:q} --spec {params.spec:q}"
        " --code-dir . --cutoff '{params.cutoff}' 2>&1 | tee {log:q}"


rule manifest:
    """Runs last: SHA-256 and size of every input and output of the snapshot (logs excepted),
    software and code versions, config and cutoff; `analysis verify <snapshot>` re-checks it."""
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
        out("report"),
        out("m5/index.csv"),
        raw=raw_files(),
        study=config["study_spec"],
        specs=spec_files(),
        spec_tables=sdtm_spec_files() + adam_spec_files() + ct_spec_files(),
        configs=config_files(),
    output:
        out("manifest.json"),
    log:
        out("logs/manifest.log"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=15,
    params:
        snapshot=out(""),
        raw_dir=config["raw_dir"],
        cutoff=config.get("cutoff") or "",
        config_json=json.dumps(dict(config), sort_keys=True),
        config_args=lambda wildcards, input: " ".join(f"--config-file '{c}'" for c in input.configs),
        spec=str(PACKAGE_SPEC),
    shell:
        "python -m analysis manifest {params.snapshot:q} --raw {params.raw_dir:q} --study {input.study:q}"
        " {params.config_args} --config-json {params.config_json:q} --cutoff '{params.cutoff}'"
        " --spec {params.spec:q} --code-dir . 2>&1 | tee {log:q}"
