# TLF catalogue and rendering (issue 7): every output of the group jobs gets its number, title,
# population label and footnotes from specs/tlf/catalogue.yaml and is rendered as RTF + HTML
# (tables, listings) or a PDF page (figures); tlf/index.html links them all. The main tables and
# figures (catalogue entries with `report:`) are copied to report/<category>/<subcategory>/ so that
# `snakemake --report report.html` shows them with categories and captions.
from analysis.codeversion import code_version as tlf_code_version


rule render_tlfs:
    """Render every table, listing and figure of the data cut with the TLF catalogue, and write
    the TLF index page; an output the catalogue does not know stops the job (one line naming it)."""
    input:
        indexes=expand(out("tlf/index-{group}.csv"), group=OUTPUT_GROUPS),
        catalogue="specs/tlf/catalogue.yaml",
        study=config["study_spec"],
    output:
        index=report(out("tlf/index.html"), caption="../report/tlf_index.rst", category="TLF index"),
        main=report(directory(out("report")), patterns=["{category}/{subcategory}/{name}.{ext}"],
                    caption="../report/tlf_main.rst", category="{category}", subcategory="{subcategory}"),
    log:
        out("logs/render_tlfs.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        out_dir=out(""),
        cutoff=config.get("cutoff") or "",
        # the code version is printed on every page; a new commit re-renders (params changed)
        code_version=tlf_code_version(),
    shell:
        "python -m analysis render-tlfs --out {params.out_dir:q} --catalogue {input.catalogue:q}"
        " --study {input.study:q} --cutoff '{params.cutoff}' --code-version '{params.code_version}'"
        " 2>&1 | tee {log:q}"
