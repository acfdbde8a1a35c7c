"""TLF catalogue and rendering job: `specs/tlf/catalogue.yaml` gives every output of the group
jobs a number, title, population label, footnotes, source datasets and layout;
`analysis render-tlfs --out DIR` renders them (RTF, HTML, figure PDF) and writes the browsable
index ``DIR/tlf/index.html`` and ``DIR/tlf/catalogue.csv`` (docs/tlf-catalogue.md)."""

from .catalogue import DEFAULT_CATALOGUE, Assigned, Catalogue, Entry, assign, load_catalogue
from .render import code_version, render_tlfs

__all__ = ["DEFAULT_CATALOGUE", "Assigned", "Catalogue", "Entry", "assign", "code_version",
           "load_catalogue", "render_tlfs"]
