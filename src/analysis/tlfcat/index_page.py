"""The browsable TLF index (``tlf/index.html``) and its machine-readable twin
(``tlf/catalogue.csv``): every output grouped by section, in number order, with relative links
to all its files. Self-contained (inline CSS, no scripts), deterministic (no clock time).

>>> row = {"analysis_id": "ae_soc_pt", "label": "Table 14.3.1.2", "number": "14.3.1.2", "kind": "table",
...        "section": "14.3", "title": "AEs", "population": "Safety", "area": "safety", "group": "safety",
...        "source": "ADSL ADAE", "files": ["tlf/ae_soc_pt.rtf", "ard/ae_soc_pt.csv"]}
>>> page = render_index_html([row], {"14.3": "Safety data"}, "NCT05948982", "2025-06-30", "0.1.0")
>>> '<a href="ae_soc_pt.rtf">RTF</a>' in page, '<a href="../ard/ae_soc_pt.csv">ARD</a>' in page
(True, True)
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from analysis.ard import write_csv_atomic
from analysis.tlf.layout import write_text_atomic

from .catalogue import KINDS, number_key

# link label of each file, in the order links are shown
LINKS = [("tlf/{id}.rtf", "RTF"), ("tlf/{id}.html", "HTML"), ("tlf/{id}.pdf", "PDF"), ("tlf/{id}.png", "PNG"),
         ("tlf/{id}.svg", "SVG"), ("tlf/{id}.csv", "CSV"), ("tlf/{id}.md", "MD"), ("ard/{id}.csv", "ARD"),
         ("meta/{id}.json", "META")]
KIND_ORDER = {"table": 0, "figure": 1, "listing": 2}
CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin-bottom:.2em}p.run{color:#555;margin-top:0}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.25em .5em;border-bottom:1px solid #ddd}
th{background:#f0f0f0}td.num{white-space:nowrap}td.files{white-space:nowrap}td.files a{margin-right:.5em}nav a{margin-right:1em}td.pop{color:#555;font-size:.9em}"""


def index_order(rows: list[dict]) -> list[dict]:
    """Rows by number, then tables before figures before listings, then analysis id.

    >>> [r["id"] for r in index_order([{"id": "b", "number": "14.2.10", "kind": "table"},
    ...                                {"id": "a", "number": "14.2.9", "kind": "figure"}])]
    ['a', 'b']
    """
    return sorted(rows, key=lambda r: (number_key(r["number"]), KIND_ORDER[r["kind"]], r.get("analysis_id", r.get("id"))))


def _links(row: dict) -> str:
    files = set(row["files"])
    out = []
    for template, label in LINKS:
        rel = template.format(id=row["analysis_id"])
        if rel in files:
            href = rel[len("tlf/"):] if rel.startswith("tlf/") else "../" + rel
            out.append(f'<a href="{html.escape(href)}">{label}</a>')
    return "".join(out)


def render_index_html(rows: list[dict], sections: dict[str, str], study_id: str, data_cutoff: str,
                      code_version: str) -> str:
    """The index page as text (rows need analysis_id, label, number, kind, section, title,
    population, files)."""
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{esc(study_id)}: tables, listings and figures</title>", f"<style>{CSS}</style>",
             "</head>", "<body>", f"<h1>{esc(study_id)}: tables, listings and figures</h1>",
             f'<p class="run">Data cutoff {esc(data_cutoff)}; code version {esc(code_version)}; '
             f'{len(rows)} outputs.</p>']
    ordered = index_order(rows)
    present = sorted({r["section"] for r in ordered}, key=number_key)
    parts.append("<nav>" + "".join(f'<a href="#s{esc(s)}">{esc(s)} {esc(sections.get(s, ""))}</a>'
                                   for s in present) + "</nav>")
    for section in present:
        members = [r for r in ordered if r["section"] == section]
        parts.append(f'<h2 id="s{esc(section)}">{esc(section)} {esc(sections.get(section, ""))}</h2>')
        parts.append('<table><thead><tr><th>Output</th><th>Title</th><th>Population</th><th>Files</th>'
                     '</tr></thead><tbody>')
        for r in members:
            parts.append(f'<tr id="{esc(r["analysis_id"])}"><td class="num">{esc(r["label"])}</td>'
                         f'<td>{esc(r["title"])}</td><td class="pop">{esc(r["population"])}</td>'
                         f'<td class="files">{_links(r)}</td></tr>')
        parts.append("</tbody></table>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def write_index(rows: list[dict], sections: dict[str, str], out_dir: str | Path, study_id: str,
                data_cutoff: str, code_version: str) -> list[Path]:
    """Write ``tlf/index.html`` and ``tlf/catalogue.csv`` under ``out_dir``; returns both paths."""
    tlf = Path(out_dir) / "tlf"
    page = write_text_atomic(tlf / "index.html",
                             render_index_html(rows, sections, study_id, data_cutoff, code_version))
    table = pd.DataFrame([{"analysis_id": r["analysis_id"], "output": r["label"], "kind": r["kind"],
                           "number": r["number"], "section": r["section"], "title": r["title"],
                           "population": r["population"], "area": r["area"], "group": r["group"],
                           "source": r["source"], "files": " ".join(sorted(r["files"]))}
                          for r in index_order(rows)],
                         columns=["analysis_id", "output", "kind", "number", "section", "title", "population",
                                  "area", "group", "source", "files"])
    return [page, write_csv_atomic(table, tlf / "catalogue.csv")]


__all__ = ["KINDS", "render_index_html", "write_index"]
