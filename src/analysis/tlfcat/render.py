"""The rendering job: every output listed by the group jobs' indexes gets its catalogue entry
(number, title, population label, extra footnotes, layout) and is written as RTF + HTML
(tables, listings) or as a PDF page (figures); then the TLF index page and catalogue.csv.

A run is identified by the data cutoff and the code version; nothing depends on the clock, so
rendering the same outputs twice gives the same bytes.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from analysis.codeversion import code_version
from analysis.errors import SpecError, UserError

from .catalogue import KINDS, Assigned, assign, fill_template, load_catalogue
from .results import Output, read_indexes, read_meta, rebuild_result

DEFAULT_STUDY = Path(__file__).resolve().parents[3] / "specs" / "study.yaml"
NO_CUTOFF = "none (all data)"
REPORT_DIR = "report"  # under the output folder: copies of the main outputs for `snakemake --report`


def study_id(study: str | Path | None = None) -> str:
    """``study.studyid`` of the study spec (default specs/study.yaml)."""
    from analysis.specs import read_yaml

    path = Path(study) if study else DEFAULT_STUDY
    data = read_yaml(path)
    try:
        value = str(data["study"]["studyid"]).strip()
    except (TypeError, KeyError):
        raise SpecError(f"{path}: study.studyid missing") from None
    if not value:
        raise SpecError(f"{path}: study.studyid is empty")
    return value


def cutoff_label(cutoff: str | None) -> str:
    """The data cutoff as printed: the date, or "none (all data)".

    >>> cutoff_label("2025-06-30"), cutoff_label("")
    ('2025-06-30', 'none (all data)')
    """
    cutoff = (cutoff or "").strip()
    if not cutoff:
        return NO_CUTOFF
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cutoff):
        raise UserError(f"render-tlfs --cutoff {cutoff!r}: must be YYYY-MM-DD or empty")
    return cutoff


def program_name(output: Output) -> str:
    """The producing job and module, printed in every page footer.

    >>> program_name(Output("edish", "safety", "lab_safety", ()))
    'analysis safety-outputs (analysis.labsafety.cli)'
    """
    from analysis.outputs import RUNNERS

    module = RUNNERS.get(output.area)
    return f"analysis {output.group}-outputs" + (f" ({module})" if module else "")


def sort_listing(result, columns: tuple[str, ...], where: str):
    """Rows of a listing in the order of the given display columns (stable; text order)."""
    if not columns:
        return result
    missing = [c for c in columns if c not in list(result.table.columns)]
    if missing:
        raise SpecError(f"{where}: sort column(s) {', '.join(missing)} not in the listing "
                        f"(columns: {', '.join(map(str, result.table.columns))})")
    result.table = result.table.sort_values(list(columns), kind="mergesort", ignore_index=True)
    return result


def _texts(item: Assigned, meta: dict) -> tuple[str, str, list[str]]:
    values = {**item.values, "title": str(meta.get("title", "")), "population": str(meta.get("population", ""))}
    entry = item.entry
    title = fill_template(entry.title, values).strip() or item.analysis_id
    population = fill_template(entry.population, values).strip()
    footnotes = [str(f) for f in meta.get("footnotes", [])] + [fill_template(f, values) for f in entry.footnotes]
    return title, population, footnotes


def render_one(out_dir: Path, output: Output, item: Assigned, study: str, cutoff: str, version: str,
               catalogue_path: str) -> tuple[dict, list[Path]]:
    """Render one output; returns its index row and the files written."""
    from analysis.tlf import RenderContext
    from analysis.tlf.html import write_html
    from analysis.tlf.rtf import write_rtf

    from .figure_pdf import figure_page_pdf

    meta = read_meta(out_dir, output.analysis_id)
    entry = item.entry
    if meta["kind"] != entry.kind:
        raise SpecError(f"{catalogue_path}: entry {entry.key} says kind {entry.kind} but "
                        f"meta/{output.analysis_id}.json says {meta['kind']}")
    title, population, footnotes = _texts(item, meta)
    ctx = RenderContext(study, cutoff, program_name(output), version, item.number).check()
    paper = entry.layout.get("paper", "A4")
    tlf = out_dir / "tlf"
    if entry.kind == "figure":
        png = tlf / f"{output.analysis_id}.png"
        if not png.exists():
            raise UserError(f"{png}: missing; figure {output.analysis_id} has no PNG to put on its PDF page")
        titles = [item.label, title] + ([f"Population: {population}"] if population else [])
        source = (f"Program: {ctx.program}; output {output.analysis_id}; data cutoff {cutoff}; "
                  f"code version {version}")
        written = [figure_page_pdf(png, tlf / f"{output.analysis_id}.pdf", titles, footnotes, source, study,
                                   paper, entry.layout.get("font_size"))]
    else:
        result = rebuild_result(out_dir, output.analysis_id, meta)
        result.title, result.population, result.footnotes = title, population, footnotes
        result = sort_listing(result, entry.sort, f"{catalogue_path}: entry {entry.key}")
        written = [write_rtf(result, tlf / f"{output.analysis_id}.rtf", ctx, paper=paper,
                             font_size=entry.layout.get("font_size")),
                   write_html(result, tlf / f"{output.analysis_id}.html", ctx)]
    files = set(output.files) | {p.relative_to(out_dir).as_posix() for p in written}
    row = {"analysis_id": output.analysis_id, "label": item.label, "number": item.number, "kind": entry.kind,
           "section": item.section, "title": title, "population": population, "area": output.area,
           "group": output.group, "source": " ".join(entry.source), "files": sorted(files)}
    return row, written


def report_copies(out_dir: Path, rows: list[dict], assigned: dict[str, Assigned]) -> list[Path]:
    """Copy the main outputs (entries with ``report:``) to ``<out>/report/<category>/<subcategory>/``
    (HTML of tables/listings, PNG of figures) for `snakemake --report`; the folder is rebuilt."""
    target = out_dir / REPORT_DIR
    shutil.rmtree(target, ignore_errors=True)
    written = []
    for row in rows:
        item = assigned[row["analysis_id"]]
        report = item.entry.report
        if not report or (report["only"] and row["analysis_id"] not in report["only"]):
            continue
        ext = "png" if row["kind"] == "figure" else "html"
        name = f"{item.label.replace(' ', '_')}_{row['analysis_id']}.{ext}"
        dest = target / report["category"] / report["subcategory"] / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out_dir / "tlf" / f"{row['analysis_id']}.{ext}", dest)
        written.append(dest)
    return written


def _render_star(args):
    return render_one(*args)


def render_tlfs(out_dir: str | Path, catalogue: str | Path | None = None, cutoff: str | None = "",
                version: str | None = None, study: str | Path | None = None, log=None,
                jobs: int = 1) -> list[Path]:
    """Render every output under ``out_dir`` with the catalogue; returns the files written
    (RTF, HTML, PDF, report copies, ``tlf/index.html``, ``tlf/catalogue.csv``). ``jobs`` > 1
    renders in that many processes (each file is independent, so the bytes do not change)."""
    from .index_page import write_index

    log = log or (lambda line: print(line, file=sys.stderr))
    out_dir = Path(out_dir)
    cat = load_catalogue(catalogue)
    outputs = read_indexes(out_dir)
    items, unused = assign(cat, [(o.analysis_id, o.area) for o in outputs])
    for key in unused:
        log(f"WARNING {cat.path}: catalogue entry {key} matches no output of this run")
    version = (version or "").strip() or code_version()
    cutoff_text = cutoff_label(cutoff)
    sid = study_id(study)
    tasks = [(out_dir, output, item, sid, cutoff_text, version, cat.path) for output, item in zip(outputs, items)]
    if jobs > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: a forked child can inherit a lock held by another thread and hang
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = list(pool.map(_render_star, tasks, chunksize=4))
    else:
        done = [render_one(*task) for task in tasks]
    rows, written = [], []
    for row, files in done:
        rows.append(row)
        written += files
    written += report_copies(out_dir, rows, {i.analysis_id: i for i in items})
    written += write_index(rows, cat.sections, out_dir, sid, cutoff_text, version)
    counts = {k: sum(r["kind"] == k for r in rows) for k in KINDS}
    log(f"render-tlfs: {len(rows)} outputs ({', '.join(f'{n} {k}s' for k, n in counts.items())}) -> "
        f"{out_dir / 'tlf' / 'index.html'}")
    return written
