# Analysis outputs. With `fanout: group` (the default, best on one machine: each Python job pays
# ~1.3 s of imports) each output group is one job. With `fanout: part` (a cluster) every piece of
# a group is its own job: one MMRM parameter, one cytokine model, one simulated design scenario
# (`analysis group-parts <group>` lists them), and a short job gathers them into the same files.


def group_pieces(group):
    """{slug: "area:part"} of a group's pieces (imports the area modules: only in part mode)."""
    from analysis.outputs import group_parts, part_slug

    return {part_slug(area, part): f"{area}:{part}" for area, part in group_parts(group, ANALYSIS_SPEC_DIR)}


if config.get("fanout", "group") == "part":

    rule analysis_part:
        """One piece of an output group, written under parts/<group>/ with its own file list."""
        input:
            adam=group_adam_xpts,
            specs=lambda wildcards: analysis_spec_files(wildcards.group),
        output:
            index=out("parts/{group}/{slug}.index.csv"),
        wildcard_constraints:
            group="|".join(OUTPUT_GROUPS),
        log:
            out("logs/parts/{group}/{slug}.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=20,
        params:
            adam_dir=out("adam"),
            parts_dir=lambda wildcards: out(f"parts/{wildcards.group}"),
            part=lambda wildcards: group_pieces(wildcards.group)[wildcards.slug],
        shell:
            "python -m analysis {wildcards.group}-outputs --part {params.part:q} --adam {params.adam_dir:q}"
            " --specs {ANALYSIS_SPEC_DIR:q} --out {params.parts_dir:q} 2>&1 | tee {log:q}"

    rule analysis_outputs:
        """Gather the pieces of a group into tlf/, ard/ and meta/ with the group's index."""
        input:
            parts=lambda wildcards: [out(f"parts/{wildcards.group}/{slug}.index.csv")
                                     for slug in group_pieces(wildcards.group)],
            specs=lambda wildcards: analysis_spec_files(wildcards.group),
        output:
            index=out("tlf/index-{group}.csv"),
        wildcard_constraints:
            group="|".join(OUTPUT_GROUPS),
        log:
            out("logs/{group}_outputs.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            parts_dir=lambda wildcards: out(f"parts/{wildcards.group}"),
            out_dir=out(""),
        shell:
            "python -m analysis {wildcards.group}-outputs --merge-parts {params.parts_dir:q}"
            " --specs {ANALYSIS_SPEC_DIR:q} --out {params.out_dir:q} 2>&1 | tee {log:q}"

else:

    rule analysis_outputs:
        """Tables, listings and figures with their ARD for one group of analysis areas, in one job:
        `safety` (population, AE, dose finding, lab safety), `efficacy`, `survival`, `cytokines` or
        `design` (3+3 and BOIN operating characteristics). The index lists every file."""
        input:
            adam=group_adam_xpts,
            specs=lambda wildcards: analysis_spec_files(wildcards.group),
        output:
            index=out("tlf/index-{group}.csv"),
        wildcard_constraints:
            group="|".join(OUTPUT_GROUPS),
        log:
            out("logs/{group}_outputs.log"),
        threads: 1
        resources:
            mem_mb=3000,
            runtime=60,
        params:
            adam_dir=out("adam"),
            out_dir=out(""),
        shell:
            "python -m analysis {wildcards.group}-outputs --adam {params.adam_dir:q}"
            " --specs {ANALYSIS_SPEC_DIR:q} --out {params.out_dir:q} 2>&1 | tee {log:q}"
