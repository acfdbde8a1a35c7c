"""HTML rendering (great_tables): content, escaping, self-containment and stable bytes."""

import re

import pandas as pd

from analysis.ard import ListingResult
from analysis.tlf.html import render_html, table_id, write_html
from analysis.tlf.render import render_table_files


def test_html_has_titles_n_headers_footnotes_and_source(small_table, context):
    page = render_html(small_table, context)
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "<title>Table 14.1.2 Demographics and Baseline Characteristics</title>" in page
    assert "Table 14.1.2<br>Demographics and Baseline Characteristics" in page
    assert "Population: Safety Population Flag (SAFFL = Y)" in page
    for label in ["UC-MSC 1x10^6 cells/kg<br>(N=6)", "UC-MSC 4x10^6 cells/kg<br>(N=6)", "Total<br>(N=18)"]:
        assert label in page, label
    assert "N = number of subjects in the safety population." in page
    assert ("NCT05948982. Program: analysis demographics; output demographics; data cutoff 2025-06-30; "
            "code version 0.1.0+test") in page
    # label columns left, group columns centred
    assert re.search(r'class="gt_col_heading[^"]*gt_left"[^>]*>Characteristic<', page)
    assert re.search(r'class="gt_col_heading[^"]*gt_center"[^>]*>Total<br>\(N=18\)<', page)
    assert page.count('class="gt_row') == 5 * 6


def test_html_is_self_contained_and_stable(small_table, long_listing, context, tmp_path):
    page = render_html(long_listing, context)
    # nothing is fetched when the page opens: no scripts, links, images, imports or url()
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page, re.IGNORECASE)
    assert not re.search(r"(src|href)\s*=|@import|url\(", page, re.IGNORECASE)
    assert not re.search(r"https?://", page)
    assert 'id="tlf-l_ae_all"' in page and "#tlf-l_ae_all .gt_table" in page
    a = write_html(long_listing, tmp_path / "a.html", context).read_bytes()
    b = write_html(long_listing, tmp_path / "b.html", context).read_bytes()
    assert a == b
    assert page.count("NCT05948982-0") == 120


def test_html_escapes_text(context):
    res = ListingResult("l x/1", "A <b>bold</b> & title",
                        pd.DataFrame({"Term <x>": ["<script>alert(1)</script>", "  indented"]}),
                        footnotes=["p < 0.05 & *not markdown*"])
    page = render_html(res, context)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A &lt;b&gt;bold&lt;/b&gt; &amp; title" in page
    assert "Term &lt;x&gt;" in page and "p &lt; 0.05 &amp; *not markdown*" in page
    assert ">  indented</td>" in page and "white-space: pre-wrap" in page
    assert table_id("l x/1") == "tlf-l-x-1"


def test_render_table_files_writes_rtf_and_html(small_table, context, tmp_path):
    paths = render_table_files(small_table, tmp_path, context)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["tlf/demographics.rtf",
                                                                    "tlf/demographics.html"]
    assert paths[0].read_bytes().startswith(b"{\\rtf1") and b"<table" in paths[1].read_bytes()
    assert sorted(p.name for p in (tmp_path / "tlf").iterdir()) == ["demographics.html", "demographics.rtf"]
