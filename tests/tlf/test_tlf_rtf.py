"""RTF rendering (rtflite): layout markers, escaping, pagination and byte-identical reruns.
Widths and wrap counts are checked against hand calculations from the Liberation Serif metrics
(the metric-compatible Times New Roman that rtflite ships): advance widths in font units of a
2048-unit em, e.g. "Subject" = S 1139 + u 1024 + b 1024 + j 569 + e 909 + c 909 + t 569 = 6143."""

import re

import pandas as pd
import pytest

from analysis.ard import ListingResult, TableResult
from analysis.errors import UserError
from analysis.tlf.layout import RenderContext
from analysis.tlf.rtf import (
    PAPER,
    column_widths,
    paginate,
    render_rtf,
    rtf_escape,
    text_width,
    wrapped_lines,
    write_rtf,
)

PAGE_BREAK = re.compile(r"\\page(?![a-z])")


def n_pages(rtf: str) -> int:
    return len(PAGE_BREAK.findall(rtf)) + 1


def test_small_table_has_titles_footnotes_and_run_identity(small_table, context):
    rtf = render_rtf(small_table, context)
    assert rtf.startswith("{\\rtf1\\ansi") and rtf.rstrip().endswith("}")
    assert rtf.count("{") == rtf.count("}") + rtf.count("\\{") - rtf.count("\\}")
    for text in ["Table 14.1.2", "Demographics and Baseline Characteristics",
                 "Population: Safety Population Flag (SAFFL = Y)",
                 "N = number of subjects in the safety population.",
                 ("Program: analysis demographics; output demographics; data cutoff 2025-06-30; "
                  "code version 0.1.0+test"), "NCT05948982"]:
        assert text in rtf, text
    # page x of y as RTF fields, in the page header
    header = rtf[rtf.index("{\\header"):rtf.index("{\\footer")]
    assert "{\\field{\\*\\fldinst PAGE }" in header and "{\\field{\\*\\fldinst NUMPAGES }" in header
    # A4 landscape: 297 x 210 mm = 16838 x 11906 twips; 1 inch margins
    assert "\\paperw16838\\paperh11906\\landscape" in rtf
    assert "\\margl1440\\margr1440\\margt1440\\margb1440" in rtf
    assert n_pages(rtf) == 1 and rtf.count("\\trhdr") == 1


def test_group_labels_split_before_big_n_and_text_kept_literally(small_table, context):
    rtf = render_rtf(small_table, context)
    assert "UC-MSC 1x10^6 cells/kg\\line (N=6)" in rtf
    assert "Total\\line (N=18)" in rtf
    assert "\\super" not in rtf and "\\sub " not in rtf  # rtflite's LaTeX-like conversion is off
    assert "ANL01FL_X" in rtf
    # braces, backslash and non-ASCII escaped: the file is pure ASCII
    assert "Liver stiffness \\{kPa\\} \\\\ \\uc1\\u181? \\uc1\\u8805? 5" in rtf
    rtf.encode("ascii")


def test_rtf_escape_hand_cases():
    assert rtf_escape("a{b}\\c") == "a\\{b\\}\\\\c"
    assert rtf_escape("x\ny\tz") == "x\\line y\\tab z"
    assert "{\\*\\anhdr}" not in rtf_escape("{\\*\\anhdr}")  # user text cannot fake the header tag
    assert rtf_escape("é") == "\\uc1\\u233?"
    assert rtf_escape("肝") == "\\uc1\\u-32611?"  # U+809D = 32925, written as signed 16-bit
    assert rtf_escape("😀") == "\\uc1\\u-10179?\\uc1\\u-8704?"  # UTF-16 surrogates, signed 16-bit


def test_long_listing_paginates_with_repeated_headers_and_footnotes(long_listing, context):
    rtf = render_rtf(long_listing, RenderContext("NCT05948982", "2025-06-30", "analysis ae-listings",
                                                 "0.1.0+test", "16.2.7.1"))
    pages = n_pages(rtf)
    assert pages >= 3
    # every page: the title block, one column-label row marked \trhdr, the footnote, the source line
    assert rtf.count("\\trhdr") == pages
    assert rtf.count("Listing 16.2.7.1") == pages
    assert rtf.count("Onset day is relative to the first infusion (Day 1).") == pages
    assert rtf.count("\\paperw16838\\paperh11906\\landscape") == pages
    # every record printed exactly once, in order
    subjects = re.findall(r"NCT05948982-0\d-\d{3}", rtf)
    assert subjects == list(long_listing.table["Subject"])
    assert rtf.count("\\trgaph72") > 0 and "\\trgaph108" not in rtf


def test_write_rtf_is_byte_identical_on_rerun(long_listing, context, tmp_path):
    a = write_rtf(long_listing, tmp_path / "a" / "l.rtf", context).read_bytes()
    b = write_rtf(long_listing, tmp_path / "b" / "l.rtf", context).read_bytes()
    assert a == b
    assert not re.search(rb"\\(creatim|revtim|printim)|\\yr\d", a)  # no dates in the info group
    assert not list((tmp_path / "a").glob("*.tmp"))


def test_empty_listing_prints_no_records(context):
    res = ListingResult("l_deaths", "Deaths", pd.DataFrame({"Subject": [], "Cause": []}))
    rtf = render_rtf(res, context)
    assert "No records to report." in rtf and n_pages(rtf) == 1


def test_duplicate_display_labels_are_allowed(context):
    table = pd.DataFrame([["a", "1", "2"]], columns=["Parameter", "n", "n"])
    rtf = render_rtf(TableResult("dup", "Dup", table, pd.DataFrame()), context)
    assert rtf.count("{\\f0 n}") == 2


def test_blank_context_and_bad_paper_are_user_errors(small_table, context):
    with pytest.raises(UserError, match="render context: data_cutoff is empty"):
        render_rtf(small_table, RenderContext("NCT05948982", " ", "prog", "0.1.0"))
    with pytest.raises(UserError, match="paper 'A5' is not one of"):
        render_rtf(small_table, context, paper="A5")


def test_letter_paper(small_table, context):
    assert "\\paperw15840\\paperh12240\\landscape" in render_rtf(small_table, context, paper="letter")
    assert PAPER["letter"] == (11.0, 8.5)


def test_text_width_matches_font_units():
    assert text_width("Subject", 9) == pytest.approx(6143 / 2048 * 9 / 72, abs=1e-4)
    assert text_width("Subject", 18) == pytest.approx(2 * text_width("Subject", 9), rel=1e-3)


def test_column_widths_fit_content_then_cap_the_widest():
    # everything fits: widths proportional to natural width (text + 0.12 inch padding), sum = total
    w = column_widths([["Subject"], ["Grade"]], [["01-001", "3"]], 4.0, 9)
    nat = [text_width("Subject", 9) + 0.12, text_width("Grade", 9) + 0.12]
    assert w == pytest.approx([4.0 * n / sum(nat) for n in nat])
    # a long comment column is capped; the short column keeps its natural width (+ equal spare)
    long = "word " * 100
    w = column_widths([["Subject"], ["Comment"]], [["01-001", long]], 5.0, 9)
    assert sum(w) == pytest.approx(5.0)
    assert w[0] == pytest.approx(text_width("Subject", 9) + 0.12, abs=1e-6)
    # never narrower than the longest unbreakable piece ("RECOVERED/" may break after the slash)
    w = column_widths([["Outcome"], ["Comment"]], [["RECOVERED/RESOLVED", long]], 3.0, 9)
    assert w[0] >= text_width("RECOVERED/", 9) + 0.12 - 1e-9


def test_wrapped_lines_and_paginate_hand_cases():
    space = text_width(" ", 9)
    word = text_width("word", 9)
    usable = 1.0 - 2 * 0.05
    per_line = 1 + int((usable - word) // (word + space))  # words that fit on one line
    assert wrapped_lines("word " * 40, 1.0, 9) == -(-40 // per_line)
    assert wrapped_lines("a\nb\nc", 5.0, 9) == 3
    assert wrapped_lines("x" * 100, 1.0, 9) == -(-text_width("x" * 100, 9) // usable)
    # rows of one line: 9 pt x 1.17 + 1.5 pt = 12.03 pt each; 0.5 inch = 36 pt holds 2
    assert paginate([["a"]] * 5, [1.0], 9, 0.5) == [(0, 2), (2, 4), (4, 5)]
    # a row taller than a page still gets a page of its own
    assert paginate([["a"], ["w " * 400], ["b"]], [1.0], 9, 0.5) == [(0, 1), (1, 2), (2, 3)]


def test_rtf_and_html_identical_across_processes(tmp_path):
    """String hashing differs per process (PYTHONHASHSEED); no output may depend on it."""
    import os
    import subprocess
    import sys

    script = (
        "import sys, pandas as pd\n"
        "from analysis.ard import TableResult\n"
        "from analysis.tlf import RenderContext, render_table_files\n"
        "t = pd.DataFrame([['Age', 'n', '6', '12'], ['Sex', 'F', '3 (50.0)', '5 (41.7)']],\n"
        "                 columns=['Characteristic', 'Statistic', 'A (N=6)', 'Total (N=12)'])\n"
        "res = TableResult('demo', 'Demo', t, pd.DataFrame(), ['Footnote.'], 'SAFFL = Y')\n"
        "render_table_files(res, sys.argv[1], RenderContext('S', '2025-06-30', 'p', '1', '14.1'))\n")
    outs = []
    for seed in ("0", "4242"):
        out = tmp_path / seed
        subprocess.run([sys.executable, "-c", script, str(out)], check=True,
                       env=dict(os.environ, PYTHONHASHSEED=seed))
        outs.append([(out / "tlf" / f"demo.{ext}").read_bytes() for ext in ("rtf", "html")])
    assert outs[0] == outs[1]
