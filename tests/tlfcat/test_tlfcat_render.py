"""The rendering job on a small hand-made output folder: every file written, the catalogue's
number/title/population/footnotes applied, byte-identical reruns, one-line errors."""

import argparse
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis.ard import ArdRows, FigureResult, ListingResult, TableResult, write_csv_atomic
from analysis.errors import SpecError, UserError
from analysis.tlf import figure_style, save_figure, write_result
from analysis.tlfcat.cli import register
from analysis.tlfcat.render import render_tlfs

CATALOGUE = """
sections: {"14.1": Population, "14.3": Safety, "16.2": Listings}
defaults: {layout: {paper: A4}}
entries:
  - id: demographics
    number: "14.1.2"
    kind: table
    area: population
    source: [ADSL]
    title: "Demographics ({title})"
    population: Safety population (SAFFL = "Y")
    footnotes: ["Catalogue footnote."]
    report: {category: Population, subcategory: Demographics}
  - id: l_deaths
    number: "14.3.2.1"
    kind: listing
    area: safety
    source: [ADSL, ADAE]
    sort: [Subject]
    layout: {paper: letter, font_size: 8}
  - match: "tte_km_{paramcd}_plot"
    number: "14.3.9.{seq}"
    kind: figure
    area: safety
    source: [ADTTE]
    order: [os]
    report: {category: Efficacy, subcategory: Time to event}
  - id: never_made
    number: "16.2.1.1"
    kind: listing
    area: safety
    source: [ADSL]
"""


def _outputs(out):
    """Three results written as the group jobs write them, plus their two index files."""
    ard = ArdRows("demographics")
    ard.add("n", 6, group1="TRT01A", group1_level="A", variable="AGE")
    table = pd.DataFrame({"Characteristic": ["Age (years)", "  n"], "A (N=6)": ["", "6"], "B (N=6)": ["", "5"]})
    files = write_result(TableResult("demographics", "Demographics and Baseline Characteristics", table,
                                     ard.frame(), ["Own footnote."], "SAFFL"), out)
    listing = pd.DataFrame({"Subject": ["01-003", "01-001"], "Cause": ["Liver failure", "Sepsis {x}"]})
    files += write_result(ListingResult("l_deaths", "Listing of deaths", listing, [], 'SAFFL = "Y"'), out)
    for pid in ("tfs", "os"):
        with figure_style("test"):
            fig, ax = plt.subplots(figsize=(4, 3))
            ax.step([0, 10, 20], [1, 0.8, 0.5])
            figs = save_figure(fig, out, f"tte_km_{pid}_plot")
        files += write_result(FigureResult(f"tte_km_{pid}_plot", f"KM of {pid.upper()}", figs, None, ["KM note."]),
                              out)
    rows = [{"area": "population" if "demo" in p.name else "safety", "analysis_id": p.stem,
             "file": p.relative_to(out).as_posix(), "title": ""} for p in files]
    frame = pd.DataFrame(rows).sort_values("file")
    write_csv_atomic(frame[frame.area == "population"], out / "tlf" / "index-population.csv")
    write_csv_atomic(frame[frame.area == "safety"], out / "tlf" / "index-safety.csv")


@pytest.fixture()
def outdir(tmp_path):
    out = tmp_path / "run"
    _outputs(out)
    (tmp_path / "cat.yaml").write_text(CATALOGUE)
    return out


def _render(out, **kw):
    logs = []
    kw.setdefault("cutoff", "2025-06-30")
    kw.setdefault("version", "0.1.0+gabc1234")
    written = render_tlfs(out, out.parent / "cat.yaml", log=logs.append, **kw)
    return written, logs


def test_render_writes_every_file_with_catalogue_texts(outdir):
    written, logs = _render(outdir)
    names = sorted(p.relative_to(outdir).as_posix() for p in written)
    assert names == sorted([
        "tlf/demographics.rtf", "tlf/demographics.html", "tlf/l_deaths.rtf", "tlf/l_deaths.html",
        "tlf/tte_km_os_plot.pdf", "tlf/tte_km_tfs_plot.pdf", "tlf/index.html", "tlf/catalogue.csv",
        "report/Population/Demographics/Table_14.1.2_demographics.html",
        "report/Efficacy/Time to event/Figure_14.3.9.1_tte_km_os_plot.png",
        "report/Efficacy/Time to event/Figure_14.3.9.2_tte_km_tfs_plot.png"])
    assert logs[0] == "WARNING " + str(outdir.parent / "cat.yaml") + ": catalogue entry never_made matches no output of this run"
    assert logs[-1].startswith("render-tlfs: 4 outputs (1 tables, 1 listings, 2 figures)")
    rtf = (outdir / "tlf" / "demographics.rtf").read_text(encoding="ascii")
    for text in ("Table 14.1.2", "Demographics (Demographics and Baseline Characteristics)",
                 'Population: Safety population (SAFFL = "Y")', "Own footnote.", "Catalogue footnote.",
                 "data cutoff 2025-06-30", "code version 0.1.0+gabc1234", "NUMPAGES",
                 "Program: analysis population-outputs (analysis.population.run)", "\\paperw16838"):
        assert text in rtf, text
    assert rtf.index("Own footnote.") < rtf.index("Catalogue footnote.")
    html = (outdir / "tlf" / "demographics.html").read_text()
    assert "Table 14.1.2" in html and "Catalogue footnote." in html
    lst = (outdir / "tlf" / "l_deaths.rtf").read_text(encoding="ascii")
    assert "\\paperw15840\\paperh12240" in lst  # letter landscape from the entry's layout
    assert "\\fs16" in lst  # font_size 8 pt = 16 half-points
    assert lst.index("01-001") < lst.index("01-003")  # sort: [Subject]
    assert "Sepsis \\{x\\}" in lst
    assert 'Population: SAFFL = "Y"' in lst  # no override: the analysis' own label
    pdf = (outdir / "tlf" / "tte_km_os_plot.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/CreationDate" not in pdf and b"/Producer" not in pdf
    cat = pd.read_csv(outdir / "tlf" / "catalogue.csv", dtype=str, keep_default_na=False)
    assert cat.output.tolist() == ["Table 14.1.2", "Listing 14.3.2.1", "Figure 14.3.9.1", "Figure 14.3.9.2"]
    assert cat.analysis_id.tolist()[2:] == ["tte_km_os_plot", "tte_km_tfs_plot"]  # order: [os] first
    assert cat.files[0] == ("ard/demographics.csv meta/demographics.json tlf/demographics.csv "
                            "tlf/demographics.html tlf/demographics.md tlf/demographics.rtf")
    assert cat.source.tolist()[0] == "ADSL"


def test_index_page_links_and_order(outdir):
    _render(outdir)
    page = (outdir / "tlf" / "index.html").read_text()
    assert page.index("Table 14.1.2") < page.index("Listing 14.3.2.1") < page.index("Figure 14.3.9.1")
    for href in ("demographics.rtf", "demographics.html", "demographics.csv", "demographics.md",
                 "../ard/demographics.csv", "tte_km_os_plot.pdf", "tte_km_os_plot.png", "tte_km_os_plot.svg"):
        assert f'href="{href}"' in page, href
    # nav (2 sections) + table (RTF HTML CSV MD ARD META) + listing (no ARD) + 2 figures (PDF PNG SVG META)
    assert page.count("<a href=") == 2 + 6 + 5 + 2 * 4
    assert "Data cutoff 2025-06-30; code version 0.1.0+gabc1234; 4 outputs." in page
    assert "http" not in page and "<script" not in page


def test_rerun_is_byte_identical_and_parallel_equals_serial(outdir, tmp_path):
    import shutil

    twin = tmp_path / "twin"
    shutil.copytree(outdir, twin)
    shutil.copy(tmp_path / "cat.yaml", tmp_path / "twin.yaml")
    first, _ = _render(outdir)
    before = {p: p.read_bytes() for p in first}
    again, _ = _render(outdir)
    assert sorted(again) == sorted(first)
    assert all(p.read_bytes() == before[p] for p in again)
    par, _ = _render(twin, jobs=2)
    assert {p.relative_to(twin): p.read_bytes() for p in par} == \
        {p.relative_to(outdir): b for p, b in before.items()}


def test_unknown_id_stops_with_one_line(outdir):
    index = outdir / "tlf" / "index-safety.csv"
    frame = pd.read_csv(index, dtype=str, keep_default_na=False)
    extra = pd.DataFrame([{"area": "safety", "analysis_id": "ae_brand_new", "file": "tlf/ae_brand_new.csv",
                           "title": ""}])
    write_csv_atomic(pd.concat([frame, extra]), index)
    with pytest.raises(SpecError) as exc:
        _render(outdir)
    assert "analysis id ae_brand_new (area safety) matches no catalogue entry" in str(exc.value)
    assert "\n" not in str(exc.value)
    assert not (outdir / "tlf" / "index.html").exists()


def test_kind_mismatch_missing_meta_and_bad_cutoff(outdir):
    meta = outdir / "meta" / "l_deaths.json"
    data = json.loads(meta.read_text())
    meta.write_text(json.dumps({**data, "kind": "table"}))
    with pytest.raises(SpecError, match="entry l_deaths says kind listing but meta/l_deaths.json says table"):
        _render(outdir)
    meta.unlink()
    with pytest.raises(UserError, match=r"meta/l_deaths.json: missing"):
        _render(outdir)
    with pytest.raises(UserError, match="--cutoff '30/06/2025': must be YYYY-MM-DD or empty"):
        _render(outdir, cutoff="30/06/2025")


def test_no_index_and_empty_cutoff(tmp_path, outdir):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no index-<group>.csv found"):
        render_tlfs(tmp_path / "empty", tmp_path / "cat.yaml")
    _render(outdir, cutoff="")
    assert "data cutoff none (all data)" in (outdir / "tlf" / "demographics.rtf").read_text(encoding="ascii")


def test_command_line_registration(outdir):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["render-tlfs", "--out", str(outdir), "--catalogue", str(outdir.parent / "cat.yaml"),
                              "--cutoff", "2025-06-30", "--code-version", "9.9.9"])
    args.func(args)
    assert "code version 9.9.9" in (outdir / "tlf" / "l_deaths.html").read_text()
