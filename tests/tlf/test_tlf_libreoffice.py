"""The RTF opens in a real word processor: LibreOffice (headless) converts it to PDF, and the PDF
has the pages this module planned (no overflow page), "Page x of y" filled in by the fields, the
title on page 1 and the column labels repeated on later pages. Skips when soffice is absent
(Debian: apt-get install libreoffice-writer poppler-utils)."""

import os
import re
import shutil
import subprocess

import pytest

from analysis.tlf.layout import RenderContext
from analysis.tlf.rtf import write_rtf

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def _convert(rtf_files, tmp_path):
    profile = tmp_path / "lo-profile"
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    out = tmp_path / "pdf"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, rtf_files)],
                   check=True, capture_output=True, env=env, timeout=300)
    return {f.stem: out / f"{f.stem}.pdf" for f in rtf_files}


def _pdf_pages(pdf) -> int:
    # count page objects; avoids needing pdfinfo/pypdf
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def _page_text(pdf, page: int) -> str:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run([PDFTOTEXT, "-f", str(page), "-l", str(page), str(pdf), "-"],
                          check=True, capture_output=True, text=True)
    return " ".join(done.stdout.split())


def test_libreoffice_renders_the_planned_pages(small_table, long_listing, tmp_path):
    ctx = RenderContext("NCT05948982", "2025-06-30", "analysis ae-listings", "0.1.0+test", "16.2.7.1")
    table_ctx = RenderContext("NCT05948982", "2025-06-30", "analysis demographics", "0.1.0+test", "14.1.2")
    rtfs = [write_rtf(small_table, tmp_path / "t_demo.rtf", table_ctx),
            write_rtf(long_listing, tmp_path / "l_ae_all.rtf", ctx)]
    pdf = _convert(rtfs, tmp_path)

    planned = len(re.findall(r"\\page(?![a-z])", rtfs[1].read_text())) + 1
    pages = _pdf_pages(pdf["l_ae_all"])
    assert pages == planned > 1
    assert _pdf_pages(pdf["t_demo"]) == 1

    first = _page_text(pdf["l_ae_all"], 1)
    assert "Listing 16.2.7.1" in first and "Listing of all adverse events" in first
    assert f"Page 1 of {pages}" in first and "NCT05948982" in first
    assert "data cutoff 2025-06-30; code version 0.1.0+test" in first
    second = _page_text(pdf["l_ae_all"], 2)
    assert f"Page 2 of {pages}" in second and "Preferred Term" in second and "Onset day" in second
    last = _page_text(pdf["l_ae_all"], pages)
    assert "Onset day is relative to the first infusion (Day 1)." in last
    assert "NCT05948982-01-119" in last or "NCT05948982-03-119" in last or "NCT05948982-02-119" in last

    table = _page_text(pdf["t_demo"], 1)
    for text in ["Table 14.1.2", "Demographics and Baseline Characteristics", "Page 1 of 1", "(N=6)",
                 "Total", "(N=18)", "57.0 (4.15)", "N = number of subjects in the safety population.",
                 "Liver stiffness {kPa} \\ µ ≥ 5"]:
        assert text in table, text
