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


def _columns(meta, define: DefineDataset | None, name: str) -> tuple[list[dict], list[tuple[str, str | None]]]:
    """Column metadata of the Dataset-JSON and each column's (dataType, targetDataType)."""
    items = define.items if define else {}
    columns, kinds = [], []
    for var in meta.column_names:
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
        kinds.append((data_type, target))
    return columns, kinds


def _head(meta, xpt_path: Path, n_rows: int, columns: list[dict], *, creation: str, version: str,
          define: DefineDataset | None, metadata_ref: str | None, originator: str | None,
          source_system: dict | None, file_oid: str | None, label: str | None) -> dict:
    """The top-level attributes but the rows, in the specification's order."""
    name = (meta.table_name or xpt_path.stem).upper()
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
    obj["records"] = int(n_rows)
    obj["name"] = name
    obj["label"] = label or (define.label if define else "") or meta.file_label or ""
    obj["columns"] = columns
    return obj


def dataset_json(xpt_path: str | Path, *, creation: str, version: str, define: DefineDataset | None,
                 metadata_ref: str | None, originator: str | None, source_system: dict | None,
                 file_oid: str | None = None, label: str | None = None) -> dict:
    """The Dataset-JSON v1.1 object of one XPT file (dict in the specification's key order).

    Reads the whole file into Python objects (pyreadstat): for small files and tests;
    `write_dataset_json_file` streams the same JSON text from any size of file."""
    import pyreadstat

    xpt_path = Path(xpt_path)
    try:
        df, meta = pyreadstat.read_xport(str(xpt_path))
    except Exception as exc:  # pyreadstat raises its own error types
        raise UserError(f"{xpt_path}: cannot be read as SAS transport: {exc}") from None
    name = (meta.table_name or xpt_path.stem).upper()
    columns, kinds = _columns(meta, define, name)
    rows_by_column = [_column_values(df[var], data_type, target, f"{xpt_path.name}: {var}")
                      for var, (data_type, target) in zip(df.columns, kinds)]
    obj = _head(meta, xpt_path, len(df), columns, creation=creation, version=version, define=define,
                metadata_ref=metadata_ref, originator=originator, source_system=source_system,
                file_oid=file_oid, label=label)
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


# --- streaming: the same JSON text, a block of rows at a time, without Python objects per cell ---

BLOCK_ROWS = 1 << 17  # rows formatted together: bounds memory (a few hundred MB at most)
_SAS_EPOCH = dt.datetime(1960, 1, 1)


class _Fallback(Exception):
    """The fast path does not handle this file; write it through `dataset_json` instead."""


def sas_temporal_value(value: float, kind: str):
    """A SAS date (days) / datetime / time (seconds) as pyreadstat converts it: a date, datetime
    or time object (days truncated; seconds split into days, seconds and rounded microseconds).

    >>> sas_temporal_value(22000.0, "date"), sas_temporal_value(86400.5, "datetime")
    (datetime.date(2020, 3, 26), datetime.datetime(1960, 1, 2, 0, 0, 0, 500000))
    >>> sas_temporal_value(3661.0, "time")
    datetime.time(1, 1, 1)
    """
    if kind == "date":
        return (_SAS_EPOCH + dt.timedelta(days=int(value))).date()
    fraction = value % 1.0 * 1e6  # Python's sign rule for %, as pyreadstat's Cython
    usecs = math.floor(fraction) + (1 if fraction - math.floor(fraction) >= 0.5 else 0)  # C round()
    stamp = _SAS_EPOCH + dt.timedelta(days=math.floor(value / 86400), seconds=int(value % 86400),
                                      microseconds=usecs)
    return stamp if kind == "datetime" else stamp.time()


_NAN_BITS = 0x7FF8_0000_0000_0000


def _number_tokens(values: np.ndarray, data_type: str, target: str | None, where: str, first_row: int,
                   cache: dict):
    """(dictionary of JSON tokens, indices) of one numeric column of a block."""
    import pyarrow as pa

    missing = np.isnan(values)
    if data_type == "integer" and target is None:
        bad = ~missing & (values != np.round(values))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise UserError(f"{where}: define.xml says integer but row {first_row + i + 1} holds {float(values[i])!r}")
    bits = values.view(np.int64).copy()
    bits[missing] = _NAN_BITS  # one NaN (the SAS missing kinds all read as null)
    encoded = pa.array(bits).dictionary_encode()
    unique_bits = encoded.dictionary.to_numpy()
    uniques = unique_bits.view(np.float64)
    if target == "integer":  # few distinct dates, each costly: remembered across blocks
        tokens = []
        for key, v in zip(unique_bits.tolist(), uniques.tolist()):
            token = cache.get(key)
            if token is None:
                token = cache[key] = ("null" if math.isnan(v) else
                                      json.encoder.encode_basestring(_iso(sas_temporal_value(v, data_type), data_type)))
            tokens.append(token)
        return tokens, encoded.indices
    nan_at = np.flatnonzero(unique_bits == _NAN_BITS)
    if data_type == "integer":
        tokens = list(map(str, map(int, np.where(np.isnan(uniques), 0.0, uniques).tolist())))
    else:
        tokens = list(map(float.__repr__, uniques.tolist()))
    for i in nan_at.tolist():
        tokens[i] = "null"
    return tokens, encoded.indices


def _text_tokens(raw: np.ndarray, cache: dict):
    """(dictionary of JSON tokens, indices) of one text column of a block; values lose their
    trailing blanks and NULs, as ReadStat reads them."""
    import pyarrow as pa

    width = raw.dtype.itemsize  # the padded bytes as they are, no copy
    encoded = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(raw), [None, pa.py_buffer(raw)])
    encoded = encoded.dictionary_encode()
    tokens = []
    for value in encoded.dictionary.to_pylist():
        token = cache.get(value)
        if token is None:
            try:
                text = value.rstrip(b" \0").decode("ascii")
            except UnicodeDecodeError:
                raise _Fallback from None  # let pyreadstat decide the encoding
            token = cache[value] = json.encoder.encode_basestring(text)
        tokens.append(token)
    return tokens, encoded.indices


def _merge_columns(parts: list[tuple[list[str], np.ndarray]], n_rows: int) -> list[tuple[list[str], np.ndarray]]:
    """Fuse runs of neighbouring columns into one column of "a,b" tokens while the distinct
    combinations stay few (at most a quarter of the rows): subject-level variables repeated on
    every record then cost one lookup per row instead of one per column.

    >>> merged = _merge_columns([(["1", "2"], np.array([0, 1, 0])), (['"a"', '"b"'], np.array([1, 0, 1]))], 12)
    >>> [[tokens[i] for i in codes] for tokens, codes in merged]
    [['1,"b"', '2,"a"', '1,"b"']]
    """
    import pyarrow as pa

    limit = max(n_rows // 4, 1)
    out = []

    def close(group, combos):
        if len(group) == 1:
            out.append((group[0][0], codes))
            return
        columns = [[tokens[i] for i in combo.tolist()] for (tokens, _), combo in zip(group, combos)]
        out.append(([",".join(cells) for cells in zip(*columns)], codes))

    group, codes = [parts[0]], parts[0][1]
    combos = [np.arange(len(parts[0][0]))]  # per distinct combination: each column's token index
    for part in parts[1:]:
        tokens, part_codes = part
        width, n_combos = len(tokens), len(combos[0])
        if n_combos <= limit and width <= limit:
            combined = pa.array(codes.astype(np.int64) * width + part_codes).dictionary_encode()
            if len(combined.dictionary) <= limit:
                pairs = combined.dictionary.to_numpy()
                combos = [c[pairs // width] for c in combos] + [pairs % width]
                group.append(part)
                codes = combined.indices.to_numpy()
                continue
        close(group, combos)
        group, codes, combos = [part], part_codes, [np.arange(width)]
    close(group, combos)
    return out


def _block_rows(x, kinds, start: int, stop: int, caches: list[dict], where: str) -> memoryview:
    """UTF-8 text of rows start..stop, each as "[v1,v2,...],\\n"."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = x.rows(start, stop)
    parts = []
    for j, (data_type, target) in enumerate(kinds):
        if x.numeric[j]:
            tokens, indices = _number_tokens(x.number(rows, j), data_type, target, f"{where}: {x.names[j]}", start,
                                             caches[j])
        else:
            tokens, indices = _text_tokens(x.text(rows, j), caches[j])
        parts.append((tokens, indices.to_numpy()))
    parts = _merge_columns(parts, stop - start)
    parts[0] = (["[" + t for t in parts[0][0]], parts[0][1])
    parts[-1] = ([t + "],\n" for t in parts[-1][0]], parts[-1][1])
    cells = [pa.array(tokens, pa.string()).take(pa.array(codes)) for tokens, codes in parts]
    joined = pc.binary_join_element_wise(*cells, ",") if len(cells) > 1 else cells[0]
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[joined.offset:joined.offset + len(joined) + 1]
    return memoryview(joined.buffers()[2])[int(offsets[0]):int(offsets[-1])]


def write_dataset_json_file(xpt_path: str | Path, path: str | Path, *, creation: str, version: str,
                            define: DefineDataset | None, metadata_ref: str | None, originator: str | None,
                            source_system: dict | None, file_oid: str | None = None,
                            label: str | None = None) -> Path:
    """Write the Dataset-JSON of one XPT file: the bytes `dumps(dataset_json(...))` gives, but
    streamed a block of rows at a time with vectorised formatting (see module `xptread`);
    files it does not read take the `dataset_json` path."""
    import pyreadstat

    from .xptread import SecondMember, open_xpt

    xpt_path, path = Path(xpt_path), Path(path)
    kw = dict(creation=creation, version=version, define=define, metadata_ref=metadata_ref,
              originator=originator, source_system=source_system, file_oid=file_oid, label=label)
    try:
        _, meta = pyreadstat.read_xport(str(xpt_path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own error types
        raise UserError(f"{xpt_path}: cannot be read as SAS transport: {exc}") from None
    x = open_xpt(xpt_path)
    name = (meta.table_name or xpt_path.stem).upper()
    columns, kinds = _columns(meta, define, name)
    text_types = {"integer", "float", "double"}  # a text column of these types: dataset_json decides
    if x is None or x.names != list(meta.column_names) or not kinds \
            or any(not num and t[0] in text_types for num, t in zip(x.numeric, kinds)) \
            or any(num != (meta.readstat_variable_types[v] != "string") for num, v in zip(x.numeric, x.names)):
        return write_dataset_json(dataset_json(xpt_path, **kw), path)
    head = json.dumps(_head(meta, xpt_path, x.n_rows, columns, **kw), indent=1, ensure_ascii=False,
                      allow_nan=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as fh:
            if not x.n_rows:
                fh.write(f'{head[:-2]},\n "rows": []\n}}\n'.encode("utf-8"))
            else:
                fh.write(f'{head[:-2]},\n "rows": [\n'.encode("utf-8"))
                caches = [{} for _ in kinds]
                for start in range(0, x.n_rows, BLOCK_ROWS):
                    stop = min(start + BLOCK_ROWS, x.n_rows)
                    text = _block_rows(x, kinds, start, stop, caches, xpt_path.name)
                    fh.write(text[:-2] if stop == x.n_rows else text)  # the last row has no ",\n"
                fh.write(b"\n ]\n}\n")
        tmp.replace(path)
    except (_Fallback, SecondMember):  # not ASCII text, or a second member: pyreadstat decides
        tmp.unlink(missing_ok=True)
        return write_dataset_json(dataset_json(xpt_path, **kw), path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
