"""The study catalogue against the real outputs of the embedded study: every analysis id of the
safety, survival and cytokine jobs (run here) and of the efficacy job (ids derived from
specs/analysis/efficacy.yaml: the job itself takes ~1.5 min) matches exactly one entry; the
rendered index opens in headless Chromium."""

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analysis.outputs import run_outputs
from analysis.tlfcat.catalogue import assign, load_catalogue
from analysis.tlfcat.render import render_tlfs

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "analysis"


@pytest.fixture(scope="module")
def rendered(embedded_adam_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("tlfcat-embedded")
    for group in ("safety", "survival", "cytokines"):
        run_outputs(group, embedded_adam_dir, SPECS, out)
    logs = []
    render_tlfs(out, cutoff="", version="0.1.0+gtest", log=logs.append, jobs=2)
    return out, logs


def _efficacy_ids():
    """The ids the efficacy job makes, from its spec (analysis.efficacy.cli names them so)."""
    from analysis.efficacy.config import load_spec

    spec = load_spec(SPECS / "efficacy.yaml")
    ids = ["eff_ancova"]
    for p in spec["parameters"]:
        code = p["paramcd"].lower()
        ids.append(f"eff_desc_{code}")
        if p.get("analysis") == "mmrm":
            ids += [f"eff_mmrm_{code}", f"eff_mmrm_{code}_plot"]
    return ids


def test_every_embedded_output_matches_exactly_one_entry(rendered):
    out, logs = rendered
    cat = pd.read_csv(out / "tlf" / "catalogue.csv", dtype=str, keep_default_na=False)
    index = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((out / "tlf").glob("index-*.csv"))])
    assert sorted(cat.analysis_id) == sorted(index.analysis_id.unique())
    assert cat.output.is_unique
    assert len(cat) == 67  # 26 safety-group + 13 survival + 28 cytokine outputs of the embedded study
    got = dict(zip(cat.analysis_id, cat.output))
    assert got["disposition"] == "Table 14.1.1" and got["ae_soc_pt"] == "Table 14.3.1.2"
    assert got["tte_km_os_plot"] == "Figure 14.2.4.2.1" and got["l_deaths"] == "Listing 14.3.2.1"
    assert got["cyt_summary_il6"] == "Table 14.2.5.1.1"  # order: [il6, tnfa, il10, crp]
    # entries for the efficacy job are unused in this run: warned, not an error
    assert any("catalogue entry eff_ancova matches no output" in line for line in logs)
    for row in cat.itertuples():
        for rel in row.files.split():
            assert (out / rel).is_file(), rel
        kind_files = {"table": [".rtf", ".html"], "listing": [".rtf", ".html"], "figure": [".pdf"]}[row.kind]
        for ext in kind_files:
            assert f"tlf/{row.analysis_id}{ext}" in row.files.split()


def test_efficacy_ids_from_the_spec_match_too():
    ids = _efficacy_ids()
    assert len(ids) == 1 + 57 + 2 * 47  # = the 152 ids of a full efficacy run (outputs/full)
    assigned, _ = assign(load_catalogue(), [(i, "efficacy") for i in ids])
    labels = {a.analysis_id: a.label for a in assigned}
    assert labels["eff_desc_meld"] == "Table 14.2.1.1" and labels["eff_mmrm_cpscore"] == "Table 14.2.2.4"
    assert labels["eff_mmrm_meld_plot"] == "Figure 14.2.2.1" and labels["eff_ancova"] == "Table 14.2.3.1"
    assert len(set(labels.values())) == len(ids)


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium not installed (Debian: apt-get install chromium)")
def test_index_renders_in_headless_chromium(rendered, tmp_path):
    out, _ = rendered
    page = (out / "tlf" / "index.html").as_uri()
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(base + ["--dump-dom", page], capture_output=True, text=True, timeout=120, check=True).stdout
    cat = pd.read_csv(out / "tlf" / "catalogue.csv", dtype=str, keep_default_na=False)
    assert "<h1>NCT05948982: tables, listings and figures</h1>" in dom
    for row in cat.itertuples():
        assert f'<tr id="{row.analysis_id}"><td class="num">{row.output}</td>' in dom
    assert "Subject Disposition" in dom and "Kaplan-Meier curves of Overall Survival" in dom
    links = re.findall(r'<a href="([^"#][^"]*)"', dom)
    assert len(links) == sum(len(f.split()) for f in cat.files)  # one link per file of every output
    assert all((out / "tlf" / href).resolve().is_file() for href in links)
    shot = tmp_path / "index.png"
    subprocess.run(base + ["--window-size=1280,900", f"--screenshot={shot}", page], capture_output=True,
                   timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
