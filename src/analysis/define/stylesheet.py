"""The CDISC Define-XML 2.1 stylesheet (define2-1.xsl, Lex Jansen / CDISC, MIT licence) that
browsers use to show define.xml, and an HTML rendering of define.xml with it.

The stylesheet is not copied into this repository: it comes from the `defineutils` package
(PyPI, MIT), which ships it unchanged next to its licence.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from analysis.errors import UserError

STYLESHEET_PACKAGE = "defineutils.definehtml"
STYLESHEET_NAME = "define2-1.xsl"


def stylesheet_bytes() -> bytes:
    try:
        return (resources.files(STYLESHEET_PACKAGE) / STYLESHEET_NAME).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        raise UserError(f"the Define-XML stylesheet {STYLESHEET_NAME} comes with the `defineutils` package, "
                        "which is not installed (pip install 'defineutils>=0.2.1,<0.3')") from None


def render_html(define_path: str | Path, html_path: str | Path | None = None) -> bytes:
    """Transform define.xml with define2-1.xsl (lxml, XSLT 1.0); write the HTML if `html_path`."""
    from lxml import etree

    transform = etree.XSLT(etree.fromstring(stylesheet_bytes()))
    html = bytes(transform(etree.parse(str(define_path))))
    if html_path is not None:
        Path(html_path).write_bytes(html)
    return html
