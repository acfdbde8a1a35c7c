"""Check define.xml against the Define-XML 2.1 XML schema that the `odmlib` package ships
(odmlib/schemas/define/2.1/define2-1-0.xsd, with the ODM 1.3.2 foundation schema it extends).

odmlib is needed only for its schema files: it is looked up, not imported.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from analysis.errors import UserError

XSD_RELATIVE = Path("schemas") / "define" / "2.1" / "define2-1-0.xsd"


def define_xsd_path() -> Path:
    spec = importlib.util.find_spec("odmlib")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("checking define.xml needs the Define-XML 2.1 schema from the `odmlib` package, "
                        "which is not installed (pip install odmlib==0.2.1)")
    path = Path(list(spec.submodule_search_locations)[0]) / XSD_RELATIVE
    if not path.is_file():
        raise UserError(f"{path}: Define-XML 2.1 schema not found in the installed odmlib")
    return path


@lru_cache(maxsize=1)
def _schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(define_xsd_path())))


def validate_define(path: str | Path) -> list[str]:
    """Schema errors as 'line N: message' (empty when define.xml is valid); a file that is not
    well-formed XML gives its parse error."""
    from lxml import etree

    try:
        doc = etree.parse(str(path))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
