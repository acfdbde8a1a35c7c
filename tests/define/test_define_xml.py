"""define.xml for the embedded study: schema-valid, complete against the specs, consistent
with the XPT files, every reference resolved, and byte-identical on a rerun."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.define import write_define
from analysis.define.validate import validate_define
from analysis.sdtm.metadata import load_sdtm_specs
from analysis.xpt import read_xpt
from define_paths import CT, SPECS, STUDY

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "xlink": "http://www.w3.org/1999/xlink"}
DEF = "{http://www.cdisc.org/ns/def/v2.1}"


def _all(tree, xpath):
    return tree.xpath(xpath, namespaces=NS)


def _item_defs(tree) -> dict:
    return {e.get("OID"): e for e in _all(tree, "//odm:ItemDef")}


def test_define_is_well_formed_and_valid_against_the_define_xml_2_1_schema(define):
    result, tree = define
    assert validate_define(result.path) == []
    root = tree.getroot()
    assert root.get("CreationDateTime") == "2024-06-30T00:00:00"
    assert root.get("FileOID") == "DEFINE.NCT05948982.SDTM"
    assert re.fullmatch(r"2\.1\.\d+", _all(tree, "//odm:MetaDataVersion/@def:DefineVersion")[0])
    assert _all(tree, "//odm:StudyName/text()") == ["NCT05948982"]
    assert _all(tree, "//odm:ProtocolName/text()") == ["NCT05948982"]
    assert "Hepatitis B Cirrhosis" in _all(tree, "//odm:StudyDescription/text()")[0]
    assert 'href="define2-1.xsl"' in str(tree.getroot().getprevious())


def test_schema_check_reports_what_breaks_the_schema(define, tmp_path):
    result, _ = define
    text = result.path.read_text(encoding="utf-8")
    bad = tmp_path / "define.xml"
    bad.write_text(text.replace('Purpose="Tabulation"', 'Purpose="Tabulation" Colour="red"', 1), encoding="utf-8")
    errors = validate_define(bad)
    assert len(errors) == 1 and "attribute 'Colour' is not allowed" in errors[0]
    bad.write_text(text[:1000], encoding="utf-8")
    assert validate_define(bad)[0].startswith("not well-formed XML")


def test_every_spec_dataset_and_variable_is_defined_in_spec_order_with_keys(define):
    _, tree = define
    specs = load_sdtm_specs(SPECS)
    groups = {g.get("Name"): g for g in _all(tree, "//odm:ItemGroupDef")}
    assert set(groups) == set(specs)
    items = _item_defs(tree)
    for name, spec in specs.items():
        g = groups[name]
        assert g.get("Purpose") == "Tabulation" and g.get("SASDatasetName") == name and g.get("Domain") == name
        assert g.get(f"{DEF}Structure") == spec.structure
        assert _all(g, "def:Class/@Name") == [spec.cls]
        assert _all(g, "odm:Description/odm:TranslatedText/text()") == [spec.label]
        leaf = _all(g, "def:leaf")[0]
        assert g.get(f"{DEF}ArchiveLocationID") == leaf.get("ID")
        assert leaf.get("{http://www.w3.org/1999/xlink}href") == f"{name.lower()}.xpt"
        refs = _all(g, "odm:ItemRef")
        assert [items[r.get("ItemOID")].get("Name") for r in refs] == spec.names
        assert [int(r.get("OrderNumber")) for r in refs] == [v.order for v in spec.variables]
        keyed = sorted((int(r.get("KeySequence")), items[r.get("ItemOID")].get("Name")) for r in refs
                       if r.get("KeySequence"))
        assert [n for _, n in keyed] == list(spec.keys)
        for r, v in zip(refs, spec.variables, strict=True):
            item = items[r.get("ItemOID")]
            assert _all(item, "odm:Description/odm:TranslatedText/text()") == [v.label]
            assert r.get("Mandatory") == ("Yes" if v.core == "Req" else "No")
            assert _all(item, "def:Origin/@Type") == [v.origin]
    assert groups["DM"].get("Repeating") == "No" and groups["AE"].get("Repeating") == "Yes"
    assert groups["TS"].get("IsReferenceData") == "Yes"
    assert groups["XF"].get(f"{DEF}IsNonStandard") == "Yes" and groups["XF"].get(f"{DEF}CommentOID")


def test_text_lengths_equal_the_longest_value_in_the_xpt_and_numbers_fit_their_type(define, sdtm_dir):
    _, tree = define
    items = _item_defs(tree)
    for name, spec in load_sdtm_specs(SPECS).items():
        df = read_xpt(sdtm_dir / f"{name.lower()}.xpt")
        for v in spec.variables:
            item = items[f"IT.{name}.{v.name}"]
            col = df[v.name]
            if item.get("DataType") == "text":
                assert int(item.get("Length")) == max(col.astype(str).str.len().max(), 1), (name, v.name)
            elif item.get("DataType") == "integer":
                present = col.dropna()
                assert (present == present.round()).all(), (name, v.name)
                if not present.empty:
                    assert int(item.get("Length")) == len(str(int(present.abs().max()))), (name, v.name)
            elif item.get("DataType") == "float":
                assert int(item.get("SignificantDigits")) >= 1, (name, v.name)
            else:  # ISO 8601 types carry no Length
                assert v.name.endswith(("DTC", "DUR")) and item.get("Length") is None, (name, v.name)
    assert items["IT.DM.AGE"].get("DataType") == "integer"
    assert items["IT.DM.RFENDTC"].get("DataType") == "date"
    assert items["IT.DM.BRTHDTC"].get("DataType") == "partialDate"   # year only
    assert items["IT.DM.RFSTDTC"].get("DataType") == "partialDatetime"  # date and hh:mm, no seconds
    assert items["IT.TE.TEDUR"].get("DataType") == "durationDatetime"
    assert items["IT.VS.VSSTRESN"].get("DataType") == "float"
    assert items["IT.SV.VISITNUM"].get("SignificantDigits") == "2"  # unscheduled visits: n + 0.01
    assert items["IT.LB.LBSTRESN.ALT"].get("DataType") == "integer"


def test_lb_value_level_metadata_has_one_where_clause_per_test_code(define, sdtm_dir, study):
    _, tree = define
    lb = read_xpt(sdtm_dir / "lb.xpt")
    codes = set(lb["LBTESTCD"])
    wheres = _all(tree, "//def:WhereClauseDef[odm:RangeCheck/@def:ItemOID='IT.LB.LBTESTCD']")
    values = [w.xpath("odm:RangeCheck/odm:CheckValue/text()", namespaces=NS) for w in wheres]
    assert sorted(v[0] for v in values) == sorted(codes) and all(len(v) == 1 for v in values)
    assert all(w.xpath("odm:RangeCheck/@Comparator", namespaces=NS) == ["EQ"] for w in wheres)
    items = _item_defs(tree)
    for var in ("LBORRES", "LBSTRESC", "LBSTRESN"):
        assert items[f"IT.LB.{var}"].xpath("def:ValueListRef/@ValueListOID", namespaces=NS) == [f"VL.LB.{var}"]
        refs = _all(tree, f"//def:ValueListDef[@OID='VL.LB.{var}']/odm:ItemRef")
        where_oids = [r.xpath("def:WhereClauseRef/@WhereClauseOID", namespaces=NS)[0] for r in refs]
        present = lb[var].notna() & (lb[var] != "")
        tested = set(lb.loc[present, "LBTESTCD"])
        assert sorted(where_oids) == sorted(f"WC.LB.LBTESTCD.{c}" for c in tested), var
    # unit and data type per test: units from specs/lab_tests.yaml, type from the values
    alb = items["IT.LB.LBORRES.ALB"]
    label = "odm:Description/odm:TranslatedText/text()"
    assert _all(alb, label) == [f"Albumin ({', '.join(study.lab_tests['ALB'].units)})"]
    assert _all(items["IT.LB.LBSTRESN.ALB"], label) == ["Albumin (g/L)"]
    assert items["IT.LB.LBORRES.HBVDNA"].get("DataType") == "text"   # TARGET NOT DETECTED, <20
    hbv = lb.loc[lb["LBTESTCD"] == "HBVDNA", "LBORRES"]
    assert int(items["IT.LB.LBORRES.HBVDNA"].get("Length")) == hbv.str.len().max()
    # local lab results come from the site, central lab results from the vendor
    assert items["IT.LB.LBORRES.ALT"].xpath("def:Origin/@Source", namespaces=NS) == ["Investigator"]
    assert items["IT.LB.LBORRES.IL6"].xpath("def:Origin/@Source", namespaces=NS) == ["Vendor"]


@pytest.mark.parametrize("domain", ["VS", "QS", "RS", "CP", "XF"])
def test_other_findings_have_value_level_metadata_by_test_code(define, sdtm_dir, domain):
    _, tree = define
    df = read_xpt(sdtm_dir / f"{domain.lower()}.xpt")
    refs = _all(tree, f"//def:ValueListDef[@OID='VL.{domain}.{domain}ORRES']/odm:ItemRef")
    where = [r.xpath("def:WhereClauseRef/@WhereClauseOID", namespaces=NS)[0] for r in refs]
    tested = set(df.loc[df[f"{domain}ORRES"] != "", f"{domain}TESTCD"])
    assert sorted(where) == sorted(f"WC.{domain}.{domain}TESTCD.{c}" for c in tested)


def test_supp_qval_and_dsdecod_have_value_level_metadata(define):
    _, tree = define
    items = _item_defs(tree)
    assert _all(tree, "//def:ValueListDef[@OID='VL.SUPPAE.QVAL']/odm:ItemRef/@ItemOID") == \
        ["IT.SUPPAE.QVAL.AEDLT", "IT.SUPPAE.QVAL.AEINFR"]
    assert items["IT.SUPPAE.QVAL.AEDLT"].xpath("odm:Description/odm:TranslatedText/text()", namespaces=NS) == \
        ["Dose-Limiting Toxicity (Investigator)"]
    ds = {r.get("ItemOID"): r.xpath("def:WhereClauseRef/@WhereClauseOID", namespaces=NS)[0]
          for r in _all(tree, "//def:ValueListDef[@OID='VL.DS.DSDECOD']/odm:ItemRef")}
    assert ds == {"IT.DS.DSDECOD.DISPOSITION_EVENT": "WC.DS.DSCAT.DISPOSITION_EVENT",
                  "IT.DS.DSDECOD.PROTOCOL_MILESTONE": "WC.DS.DSCAT.PROTOCOL_MILESTONE"}
    assert items["IT.DS.DSDECOD.PROTOCOL_MILESTONE"].xpath("odm:CodeListRef/@CodeListOID", namespaces=NS) == \
        ["CL.PROTMLST"]
    assert not items["IT.DS.DSDECOD"].xpath("odm:CodeListRef", namespaces=NS)  # the value level says which


def test_every_reference_resolves_and_every_oid_is_unique(define):
    _, tree = define
    targets = {
        "CodeListOID": "//odm:CodeList/@OID", "ValueListOID": "//def:ValueListDef/@OID",
        "WhereClauseOID": "//def:WhereClauseDef/@OID", "MethodOID": "//odm:MethodDef/@OID",
        "ItemOID": "//odm:ItemDef/@OID", "ArchiveLocationID": "//def:leaf/@ID",
        "CommentOID": "//def:CommentDef/@OID", "StandardOID": "//def:Standard/@OID",
    }
    for attr, target in targets.items():
        defined = _all(tree, target)
        assert len(defined) == len(set(defined)), f"duplicate {target}"
        used = set(_all(tree, f"//@{attr} | //@def:{attr}"))
        assert used and used <= set(defined), (attr, sorted(used - set(defined))[:5])
        if attr != "ArchiveLocationID":
            assert set(defined) <= used, (attr, "defined but never used", sorted(set(defined) - used)[:5])
    for spec in load_sdtm_specs(SPECS).values():
        for v in spec.variables:
            if v.codelist and (spec.name, v.name) != ("DS", "DSDECOD"):
                refs = _all(tree, f"//odm:ItemDef[@OID='IT.{spec.name}.{v.name}']/odm:CodeListRef/@CodeListOID")
                assert refs == [f"CL.{v.codelist}"], (spec.name, v.name)


def test_data_values_are_in_their_codelists_and_derivations_have_methods(define):
    result, tree = define
    assert result.issues == []
    visits = _all(tree, "//odm:CodeList[@OID='CL.VISIT']/odm:EnumeratedItem/@CodedValue")
    unscheduled = [v for v in visits if v.startswith("UNSCHEDULED")]
    # SDTM names an unscheduled visit after its VISITNUM; define.xml adds the names found
    assert unscheduled and all(re.fullmatch(r"UNSCHEDULED \d+\.\d{2}", v) for v in unscheduled)
    sex = {i.get("CodedValue"): i.xpath("odm:Alias/@Name", namespaces=NS)
           for i in _all(tree, "//odm:CodeList[@OID='CL.SEX']/odm:CodeListItem")}
    assert sex == {"F": ["C16576"], "M": ["C20197"]}
    unit = "//odm:CodeList[@OID='CL.UNIT']/odm:EnumeratedItem[@CodedValue='10^6 cells/kg']"
    assert _all(tree, f"{unit}/@def:ExtendedValue") == ["Yes"]
    assert _all(tree, "//odm:CodeList[@OID='CL.MEDDRA']/odm:ExternalCodeList/@Dictionary") == ["MedDRA"]
    methods = {m.get("OID"): m.xpath("odm:Description/odm:TranslatedText/text()", namespaces=NS)[0]
               for m in _all(tree, "//odm:MethodDef")}
    for spec in load_sdtm_specs(SPECS).values():
        for v in spec.variables:
            oid = f"IT.{spec.name}.{v.name}"
            ref = _all(tree, f"//odm:ItemGroupDef[@Name='{spec.name}']/odm:ItemRef[@ItemOID='{oid}']")[0]
            origin = _all(tree, f"//odm:ItemDef[@OID='IT.{spec.name}.{v.name}']/def:Origin")[0]
            if v.origin == "Derived":
                assert methods[ref.get("MethodOID")] == v.source
            else:
                assert ref.get("MethodOID") is None
                assert origin.xpath("odm:Description/odm:TranslatedText/text()", namespaces=NS) == [v.source]
            if v.origin == "Collected" and origin.get("Source") is None:
                # two raw forms with different sources (local and central lab): the value level says which
                assert spec.name == "LB", (spec.name, v.name)


def test_rerun_is_byte_identical(define, sdtm_dir, study, tmp_path):
    result, _ = define
    again = write_define(sdtm_dir, SPECS, STUDY, tmp_path / "define.xml", CT, created="2024-06-30")
    assert again.path.read_bytes() == result.path.read_bytes()
    assert again.stylesheet.read_bytes() == result.stylesheet.read_bytes()
    other_day = write_define(sdtm_dir, SPECS, study, tmp_path / "d2" / "define.xml", CT)
    assert b'CreationDateTime="2000-01-01T00:00:00"' in other_day.path.read_bytes()


def test_values_missing_from_a_codelist_are_reported_not_fatal(sdtm_dir, study, tmp_path):
    ct = tmp_path / "ct"
    ct.mkdir()
    for f in CT.iterdir():
        text = f.read_text(encoding="utf-8")
        if f.name == "terms.csv":
            text = "\n".join(line for line in text.splitlines() if not line.startswith("ROUTE,ORAL,")) + "\n"
        (ct / f.name).write_text(text, encoding="utf-8")
    result = write_define(sdtm_dir, SPECS, study, tmp_path / "define.xml", ct)
    assert result.issues == ["CM.CMROUTE: value 'ORAL' is not in codelist ROUTE"]
    assert validate_define(result.path) == []


def test_dates_that_are_not_iso_8601_are_reported(sdtm_dir, study, tmp_path):
    from analysis.xpt import write_xpt

    copy = tmp_path / "sdtm"
    copy.mkdir()
    for f in sdtm_dir.glob("*.xpt"):
        (copy / f.name).write_bytes(f.read_bytes())
    ce = read_xpt(copy / "ce.xpt")
    ce.loc[0, "CESTDTC"] = "31/12/2023"
    write_xpt(ce, copy / "ce.xpt", name="CE")
    result = write_define(copy, SPECS, study, tmp_path / "define.xml", CT)
    assert result.issues == ["CE.CESTDTC: not ISO 8601: 31/12/2023"]


def test_a_missing_dataset_is_a_user_error(study, tmp_path):
    from analysis.errors import UserError

    with pytest.raises(UserError, match=r"dm\.xpt: SDTM dataset not found"):
        write_define(tmp_path, SPECS, study, tmp_path / "define.xml", CT)
    assert not (tmp_path / "define.xml").exists()


def test_profile_rules_on_small_cases():
    from analysis.define.profile import iso8601_type, profile_number, profile_text

    assert iso8601_type(["2020-01-02"], "X")[0] == "date"
    assert iso8601_type(["2020-01-02T10:11:12"], "X")[0] == "datetime"
    assert iso8601_type(["2020", "2020-01", "2020-01-02"], "X")[0] == "partialDate"
    assert iso8601_type(["2020-01-02", "2020-01-02T10:11"], "X")[0] == "partialDatetime"
    assert iso8601_type([], "X")[0] == "partialDatetime"
    assert iso8601_type(["P28D"], "TEDUR")[0] == "durationDatetime"
    noisy = profile_number(pd.Series([15.732000000000003, 4019.9999999999995, -2.0]), "LBSTRESN")
    assert (noisy.data_type, noisy.length, noisy.digits) == ("float", 5, 3)
    assert profile_number(pd.Series([float("nan")]), "IEDY").data_type == "integer"
    assert profile_text(pd.Series(["12", "7", ""]), "QSORRES", numeric_ok=True).data_type == "integer"
    assert profile_text(pd.Series(["<20", "21"]), "LBORRES", numeric_ok=True).data_type == "text"
    assert profile_text(pd.Series(["", ""]), "TSVALNF").length == 1
