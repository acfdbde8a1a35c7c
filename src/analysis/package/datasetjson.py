"""Dataset-JSON v1.1 copies of XPT datasets (CDISC Dataset-JSON Specification 1.1, 2024-12-05).

Top-level attributes in the order the specification recommends: datasetJSONCreationDateTime
(required; the cutoff or a fixed stamp, never the wall clock), datasetJSONVersion, fileOID,
originator, sourceSystem, studyOID, metaDataVersionOID, metaDataRef (the define.xml, relative),
itemGroupOID, records, name, label, columns, rows.

Column metadata: names, labels and text lengths from the XPT (pyreadstat); itemOID and the
logical type from define.xml when it describes the dataset (else IT.<DS>.<VAR> and the XPT
type). Types: define text -> string; integer -> integer; float -> float; date/datetime/time ->
the same (ISO 8601 strings, SDTM --DTC); partial or interval ISO 8601 types -> string (the
values are ISO 8601 text but not complete dates); a numeric XPT variable with a SAS date,
datetime or time format (ADaM *DT, *DTM, *TM) -> date/datetime/time with targetDataType
integer and its SAS format as displayFormat, the value written as an ISO 8601 string.

Values: numbers as JSON numbers (integers without a fraction), missing numbers as null, text as
in the XPT (a blank SAS character value is the empty string "", which the specification keeps
distinct from null).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import UserError

DEFINE_TO_JSON = {"text": "string", "integer": "integer", "float": "float", "date": "date",
                  "datetime": "datetime", "time": "time", "URI": "URI", "boolean": "boolean",
                  "double": "double", "decimal": "decimal"}
_SAS_DATE = ("DATE", "YYMMDD", "E8601DA", "IS8601DA", "MMDDYY", "DDMMYY", "B8601DA")
_SAS_DATETIME = ("DATETIME", "E8601DT", "IS8601DT", "B8601DT")
_SAS_TIME = ("TIME", "E8601TM", "IS8601TM", "TOD", "B8601TM")


@dataclass(frozen=True)
class DefineDataset:
    """What define.xml says about one dataset: OIDs, keys and per-variable item metadata."""

    study_oid: str
    mdv_oid: str
    file_oid: str
    item_group_oid: str
    label: str
    items: dict  # variable -> {"oid", "data_type", "key_sequence", "display_format"}


def read_define(path: str | Path) -> dict[str, DefineDataset]:
    """Every ItemGroupDef of a define.xml by dataset name (upper case)."""
    from lxml import etree

    odm = "{http://www.cdisc.org/ns/odm/v1.3}"
    defns = "{http://www.cdisc.org/ns/def/v2.1}"
    try:
        root = etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise UserError(f"{path}: define.xml cannot be read: {exc}") from None
    study = root.find(f"{odm}Study")
    mdv = study.find(f"{odm}MetaDataVersion") if study is not None else None
    if mdv is None:
        raise UserError(f"{path}: define.xml has no Study/MetaDataVersion")
    item_defs = {e.get("OID"): e for e in mdv.iter(f"{odm}ItemDef")}
    out = {}
    for group in mdv.iter(f"{odm}ItemGroupDef"):
        name = (group.get("Name") or "").upper()
        text = group.find(f"{odm}Description/{odm}TranslatedText")
        items = {}
        for ref in group.findall(f"{odm}ItemRef"):
            item = item_defs.get(ref.get("ItemOID"))
            if item is None:
                continue
            key = ref.get("KeySequence")
            items[item.get("Name")] = {"oid": item.get("OID"), "data_type": item.get("DataType"),
                                       "key_sequence": int(key) if key else None,
                                       "display_format": item.get(f"{defns}DisplayFormat")}
        out[name] = DefineDataset(study.get("OID"), mdv.get("OID"), root.get("FileOID") or "",
                                  group.get("OID"), text.text if text is not None else "", items)
    return out


def sas_temporal_type(sas_format: str | None) -> str | None:
    """date / datetime / time for a SAS numeric format, else None.

    >>> sas_temporal_type("DATE9"), sas_temporal_type("DATETIME20."), sas_temporal_type("TIME8")
    ('date', 'datetime', 'time')
    >>> sas_temporal_type("8.2") is None, sas_temporal_type(None) is None
    (True, True)
    """
    fmt = (sas_format or "").upper().lstrip("$")
    fmt = fmt.rstrip("0123456789.")
    if fmt in _SAS_DATETIME:
        return "datetime"
    if fmt in _SAS_DATE:
        return "date"
    if fmt in _SAS_TIME:
        return "time"
    return None


def column_type(define_type: str | None, numeric: bool, sas_format: str | None) -> tuple[str, str | None]:
    """(dataType, targetDataType) of one column; see the module docstring for the rules.

    >>> column_type("integer", True, "DATE9")
    ('date', 'integer')
    >>> column_type("partialDatetime", False, None), column_type("date", False, None)
    (('string', None), ('date', None))
    >>> column_type(None, True, None), column_type("float", True, None)
    (('double', None), ('float', None))
    """
    temporal = sas_temporal_type(sas_format) if numeric else None
    if temporal:
        return temporal, "integer"
    if define_type is None:
        return ("double" if numeric else "string"), None
    json_type = DEFINE_TO_JSON.get(define_type, "string")
    if numeric and json_type not in ("integer", "float", "double", "decimal"):
        json_type = "double"
    return json_type, None


def _sas_display_format(fmt: str | None) -> str | None:
    if not fmt:
        return None
    return fmt if "." in fmt else fmt + "."


def _iso(value, kind: str) -> str | None:
    """A pyreadstat date/datetime/time value as an ISO 8601 string (None when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        value = value.to_pydatetime()
    if kind == "date":
        return value.isoformat() if isinstance(value, dt.date) and not isinstance(value, dt.datetime) \
            else value.date().isoformat()
    if kind == "datetime":
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")


def _column_values(series: pd.Series, data_type: str, target: str | None, where: str) -> list:
    """The JSON values of one column, in row order."""
    if target == "integer":
        return [_iso(v, data_type) for v in series.tolist()]
    if data_type == "string" or series.dtype == object and data_type not in ("integer", "float", "double"):
        return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in series.tolist()]
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(values)
    if data_type == "integer":
        bad = ~missing & (values != np.round(values))
        if bad.any():
            row = int(np.flatnonzero(bad)[0]) + 1
            raise UserError(f"{where}: define.xml says integer but row {row} holds {float(values[row - 1])!r}")
        return [None if m else int(v) for v, m in zip(values.tolist(), missing.tolist())]
    return [None if m else v for v, m in zip(values.tolist(), missing.tolist())]


def dataset_json(xpt_path: str | Path, *, creation: str, version: str, define: DefineDataset | None,
                 metadata_ref: str | None, originator: str | None, source_system: dict | None,
                 file_oid: str | None = None, label: str | None = None) -> dict:
    """The Dataset-JSON v1.1 object of one XPT file (dict in the specification's key order)."""
    import pyreadstat

    xpt_path = Path(xpt_path)
    try:
        df, meta = pyreadstat.read_xport(str(xpt_path))
    except Exception as exc:  # pyreadstat raises its own error types
        raise UserError(f"{xpt_path}: cannot be read as SAS transport: {exc}") from None
    name = (meta.table_name or xpt_path.stem).upper()
    items = define.items if define else {}
    columns, rows_by_column = [], []
    for var in df.columns:
        numeric = meta.readstat_variable_types[var] != "string"
        fmt = meta.original_variable_types.get(var)
        item = items.get(var, {})
        data_type, target = column_type(item.get("data_type"), numeric, fmt)
        col = {"itemOID": item.get("oid") or f"IT.{name}.{var}", "name": var,
               "label": meta.column_names_to_labels.get(var) or "", "dataType": data_type}
        if target:
            col["targetDataType"] = target
        if not numeric:
            col["length"] = int(meta.variable_storage_width[var])
        if target:
            display = item.get("display_format") or _sas_display_format(fmt)
            if display:
                col["displayFormat"] = display
        if item.get("key_sequence"):
            col["keySequence"] = item["key_sequence"]
        columns.append(col)
        rows_by_column.append(_column_values(df[var], data_type, target, f"{xpt_path.name}: {var}"))
    obj = {"datasetJSONCreationDateTime": creation, "datasetJSONVersion": version}
    if file_oid:
        obj["fileOID"] = file_oid
    if originator:
        obj["originator"] = originator
    if source_system:
        obj["sourceSystem"] = source_system
    if define:
        obj["studyOID"] = define.study_oid
        obj["metaDataVersionOID"] = define.mdv_oid
    if metadata_ref:
        obj["metaDataRef"] = metadata_ref
    obj["itemGroupOID"] = define.item_group_oid if define else f"IG.{name}"
    obj["records"] = int(len(df))
    obj["name"] = name
    obj["label"] = label or (define.label if define else "") or meta.file_label or ""
    obj["columns"] = columns
    obj["rows"] = [list(r) for r in zip(*rows_by_column)] if rows_by_column else []
    return obj


def dumps(obj: dict) -> str:
    """JSON text: metadata indented, one row per line, UTF-8 characters kept, NaN refused.

    >>> print(dumps({"name": "DM", "rows": [[1, "a"], [2, None]]}))
    {
     "name": "DM",
     "rows": [
    [1,"a"],
    [2,null]
     ]
    }
    <BLANKLINE>
    """
    head = json.dumps({k: v for k, v in obj.items() if k != "rows"}, indent=1, ensure_ascii=False,
                      allow_nan=False)
    rows = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
                      for r in obj.get("rows", []))
    body = f'{head[:-2]},\n "rows": [\n{rows}\n ]\n}}\n' if rows else f'{head[:-2]},\n "rows": []\n}}\n'
    return body


def write_dataset_json(obj: dict, path: str | Path) -> Path:
    """Write one Dataset-JSON object as UTF-8 with LF line ends."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(obj), encoding="utf-8", newline="\n")
    return path
