"""Figures as PDF: no creation date, byte-identical reruns; the PNG/SVG default is unchanged."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from analysis.tlf.figures import figure_style, save_figure, save_figure_pdf


def _figure():
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 29, 57, 84], [12.0, 11.2, 10.1, 9.8], marker="o", label="UC-MSC 1x10^6 cells/kg")
    ax.set_xlabel("Study day")
    ax.set_ylabel("MELD score")
    ax.legend()
    return fig


def test_pdf_is_byte_identical_across_runs(tmp_path):
    outs = []
    for run in ("a", "b"):
        with figure_style("meld"):
            files = save_figure_pdf(_figure(), tmp_path / run, "f_meld")
        assert [f.name for f in files] == ["f_meld.png", "f_meld.pdf"]
        outs.append([f.read_bytes() for f in files])
    assert outs[0] == outs[1]
    pdf = outs[0][1]
    assert pdf.startswith(b"%PDF-")
    for key in (b"/CreationDate", b"/Producer", b"/Creator", b"/ModDate"):
        assert key not in pdf


def test_pdf_only_and_default_formats(tmp_path):
    with figure_style("meld"):
        only = save_figure_pdf(_figure(), tmp_path, "f_pdf", with_png=False)
        default = save_figure(_figure(), tmp_path, "f_default")
    assert [f.name for f in only] == ["f_pdf.pdf"]
    assert [f.name for f in default] == ["f_default.png", "f_default.svg"]
    assert sorted(p.name for p in (tmp_path / "tlf").iterdir()) == ["f_default.png", "f_default.svg", "f_pdf.pdf"]


def test_unknown_format_is_refused(tmp_path):
    with figure_style("meld"), pytest.raises(ValueError, match=r"unsupported format\(s\) \['eps'\]"):
        save_figure(_figure(), tmp_path, "f_bad", formats=("png", "eps"))
    assert not (tmp_path / "tlf").exists()
