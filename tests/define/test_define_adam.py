"""define.xml for ADaM, on the small fixture of adam_fixture.py: schema-valid, ADaM dataset
classes, origins and methods, SAS numeric dates, value-level metadata by PARAMCD, the PARAMCD
codelists, every reference resolved, byte-identical reruns, and the `--adam` command."""

from __future__ import annotations

import re

import pytest
from adam_fixture import (
    DATASETS,
    MELD,
    PARAMS,
    VARIABLES,
    datasets,
    write_datasets,
    write_specs,
)
from define_paths import CT, STUDY

from analysis.adam.metadata import load_adam_specs
from analysis.define import write_adam_define
from analysis.define.adam import date_format
from analysis.define.cli import run
from analysis.define.stylesheet import STYLESHEET_NAME, render_html
from analysis.define.validate import validate_define
from analysis.errors import SpecError, UserError

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "xlink": "http://www.w3.org/1999/xlink"}
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
TEXT = "odm:Description/odm:TranslatedText/text()"


def _all(node, xpath):
    return node.xpath(xpath, namespaces=NS)


def _one(node, xpath):
    found = _all(node, xpath)
    assert len(found) == 1, (xpath, found)
    return found[0]


def _item(tree, oid):
    return _one(tree, f"//odm:ItemDef[@OID='{oid}']")


def test_adam_define_is_valid_and_names_the_adamig(adam_define):
    result, tree = adam_define
    assert validate_define(result.path) == []
    assert result.issues == []
    assert (result.datasets, result.variables, result.value_level) == (3, len(VARIABLES), 5)
    root = tree.getroot()
    assert root.get("FileOID") == "DEFINE.NCT05948982.ADaM"
    assert root.get("CreationDateTime") == "2024-06-30T00:00:00"
    mdv = _one(tree, "//odm:MetaDataVersion")
    assert mdv.get("Name") == "Study NCT05948982, ADaM data definitions"
    standards = {s.get("Name"): s for s in _all(mdv, "def:Standards/def:Standard")}
    assert set(standards) == {"ADaMIG", "CDISC/NCI"}
    assert (standards["ADaMIG"].get("Type"), standards["ADaMIG"].get("Version")) == ("IG", "1.3")
    assert standards["CDISC/NCI"].get("Type") == "CT"
    assert 'href="define2-1.xsl"' in str(root.getprevious())
    assert (result.path.parent / STYLESHEET_NAME).exists()


def test_item_groups_carry_adam_class_subclass_structure_keys_and_leaf(adam_define):
    _, tree = adam_define
    groups = {g.get("Name"): g for g in _all(tree, "//odm:ItemGroupDef")}
    assert list(groups) == ["ADSL", "ADLB", "ADTTE"]  # subject level first, then BDS by name
    adamig = _one(tree, "//def:Standard[@Name='ADaMIG']/@OID")
    for name, label, cls, subclass, structure, keys in DATASETS:
        g = groups[name]
        assert g.get("Purpose") == "Analysis" and g.get("SASDatasetName") == name
        assert g.get("IsReferenceData") == "No"
        assert g.get("Domain") is None  # an SDTM/SEND attribute
        assert g.get(f"{DEF}StandardOID") == adamig
        assert g.get(f"{DEF}Structure") == structure
        assert _all(g, TEXT) == [label]
        assert _all(g, "def:Class/@Name") == [cls]
        assert _all(g, "def:Class/def:SubClass/@Name") == ([subclass] if subclass else [])
        leaf = _one(g, "def:leaf")
        assert leaf.get("ID") == g.get(f"{DEF}ArchiveLocationID")
        assert leaf.get(f"{{{NS['xlink']}}}href") == f"{name.lower()}.xpt"
        refs = _all(g, "odm:ItemRef")
        assert [r.get("ItemOID") for r in refs] == [f"IT.{name}.{v[1]}" for v in VARIABLES if v[0] == name]
        keyed = sorted((int(r.get("KeySequence")), r.get("ItemOID").split(".")[-1]) for r in refs
                       if r.get("KeySequence"))
        assert [n for _, n in keyed] == keys.split(";")
    assert groups["ADSL"].get("Repeating") == "No"
    assert groups["ADLB"].get("Repeating") == groups["ADTTE"].get("Repeating") == "Yes"
    assert _one(groups["ADTTE"], "def:Class/def:SubClass/@Name") == "TIME-TO-EVENT"


def test_origins_predecessor_derived_with_method_and_assigned(adam_define):
    _, tree = adam_define
    methods = {m.get("OID"): m for m in _all(tree, "//odm:MethodDef")}
    for ds, var, label, _type, _len, core, _cl, origin, source, method in VARIABLES:
        item = _item(tree, f"IT.{ds}.{var}")
        ref = _one(tree, f"//odm:ItemGroupDef[@Name='{ds}']/odm:ItemRef[@ItemOID='IT.{ds}.{var}']")
        o = _one(item, "def:Origin")
        assert o.get("Type") == origin, (ds, var)
        assert _all(item, TEXT) == [label]
        assert ref.get("Mandatory") == ("Yes" if core == "Req" else "No")
        if origin == "Predecessor":
            assert _all(o, TEXT) == [source] and o.get("Source") is None
            assert ref.get("MethodOID") is None
        elif origin == "Derived":
            m = methods[ref.get("MethodOID")]
            assert m.get("Type") == "Computation" and _all(m, TEXT) == [method]
            assert _all(o, TEXT) == [] and o.get("Source") == "Sponsor"
        else:
            assert ref.get("MethodOID") is None and o.get("Source") == "Sponsor"
            assert _all(o, TEXT) == ([source or method] if source or method else [])
    assert _all(_item(tree, "IT.ADTTE.STARTDT"), f"def:Origin/{TEXT}") == ["ADSL.TRTSDT"]
    assert _all(methods["MT.ADSL.TRTSDT"], TEXT) == ["Date part of the first EX.EXSTDTC, as a SAS date"]


def test_numeric_dates_are_integers_with_a_sas_display_format(adam_define):
    _, tree = adam_define
    expected = {"IT.ADSL.TRTSDT": "DATE9.", "IT.ADSL.TRTSDTM": "DATETIME20.", "IT.ADLB.ADT": "DATE9.",
                "IT.ADTTE.STARTDT": "DATE9.", "IT.ADTTE.ADT": "DATE9."}
    for oid, fmt in expected.items():
        item = _item(tree, oid)
        assert (item.get("DataType"), item.get(f"{DEF}DisplayFormat")) == ("integer", fmt), oid
    shown = {i.get("OID") for i in _all(tree, "//odm:ItemDef[@def:DisplayFormat]")}
    assert shown == set(expected)  # AGE, AVAL, CNSR, AVISITN: numbers, not dates
    assert date_format("ASTTM", "Num") == "TIME8." and date_format("ADTM", "Num") == "DATETIME20."
    assert date_format("ADT", "Char") is None and date_format("ADY", "Num") is None


def test_types_and_lengths_come_from_the_data(adam_define):
    _, tree = adam_define
    data = datasets()
    for ds, var, *_ in VARIABLES:
        item, col = _item(tree, f"IT.{ds}.{var}"), data[ds][var]
        if item.get("DataType") == "text":
            assert int(item.get("Length")) == col.str.len().max(), (ds, var)
    assert int(_item(tree, "IT.ADSL.TRT01P").get("Length")) == len("UC-MSC 1x10^6 cells/kg")  # spec allows 40
    assert _item(tree, "IT.ADSL.AGE").get("DataType") == "integer"
    aval = _item(tree, "IT.ADLB.AVAL")
    assert (aval.get("DataType"), aval.get("SignificantDigits")) == ("float", "3")  # MELD 9.125


def test_bds_value_level_metadata_on_aval_and_avalc_by_paramcd(adam_define):
    _, tree = adam_define

    def value_list(oid):
        return [(r.get("ItemOID"), _one(r, "def:WhereClauseRef/@WhereClauseOID"), r.get("MethodOID"))
                for r in _all(tree, f"//def:ValueListDef[@OID='{oid}']/odm:ItemRef")]

    # HBVDNAC has no AVAL; MELD has no AVALC: each list holds the parameters with values
    assert value_list("VL.ADLB.AVAL") == [("IT.ADLB.AVAL.ALT", "WC.ADLB.PARAMCD.ALT", None),
                                          ("IT.ADLB.AVAL.MELD", "WC.ADLB.PARAMCD.MELD", "MT.ADLB.PARAM.MELD")]
    assert value_list("VL.ADLB.AVALC") == [("IT.ADLB.AVALC.ALT", "WC.ADLB.PARAMCD.ALT", "MT.ADLB.AVALC"),
                                           ("IT.ADLB.AVALC.HBVDNAC", "WC.ADLB.PARAMCD.HBVDNAC", None)]
    assert value_list("VL.ADTTE.AVAL") == [("IT.ADTTE.AVAL.OS", "WC.ADTTE.PARAMCD.OS", "MT.ADTTE.PARAM.OS")]
    assert _one(_item(tree, "IT.ADLB.AVAL"), "def:ValueListRef/@ValueListOID") == "VL.ADLB.AVAL"
    assert _one(_item(tree, "IT.ADLB.AVALC"), "def:ValueListRef/@ValueListOID") == "VL.ADLB.AVALC"
    for code in ("ALT", "MELD", "HBVDNAC"):
        wc = _one(tree, f"//def:WhereClauseDef[@OID='WC.ADLB.PARAMCD.{code}']")
        check = _one(wc, "odm:RangeCheck")
        assert (check.get("Comparator"), check.get(f"{DEF}ItemOID")) == ("EQ", "IT.ADLB.PARAMCD")
        assert _all(check, "odm:CheckValue/text()") == [code]
    # each parameter's ItemDef: its name (with unit), its own type, its origin from params.csv
    alt, meld, os_ = _item(tree, "IT.ADLB.AVAL.ALT"), _item(tree, "IT.ADLB.AVAL.MELD"), _item(tree, "IT.ADTTE.AVAL.OS")
    assert _all(alt, TEXT) == ["Alanine Aminotransferase (U/L)"]  # the unit is already in PARAM
    assert _all(os_, TEXT) == ["Overall Survival (DAYS)"]
    assert (alt.get("DataType"), alt.get("SignificantDigits")) == ("integer", None)
    assert (meld.get("DataType"), meld.get("SignificantDigits")) == ("float", "3")
    assert _one(alt, "def:Origin/@Type") == "Predecessor"
    assert _all(alt, f"def:Origin/{TEXT}") == ["LB.LBSTRESN where LBTESTCD = ALT"]
    assert _one(meld, "def:Origin/@Type") == "Derived"
    assert _all(tree, f"//odm:MethodDef[@OID='MT.ADLB.PARAM.MELD']/{TEXT}") == [MELD]
    # AVALC of a numeric parameter keeps the variable's origin; of a character parameter, params.csv's
    assert _one(_item(tree, "IT.ADLB.AVALC.ALT"), "def:Origin/@Type") == "Derived"
    hbv = _item(tree, "IT.ADLB.AVALC.HBVDNAC")
    assert _all(hbv, f"def:Origin/{TEXT}") == ["LB.LBSTRESC where LBTESTCD = HBVDNA"]
    assert (hbv.get("DataType"), hbv.get("Length")) == ("text", str(len("NOT DETECTED")))


def test_paramcd_codelists_come_from_params_csv(adam_define):
    _, tree = adam_define
    for ds in ("ADLB", "ADTTE"):
        assert _one(_item(tree, f"IT.{ds}.PARAMCD"), "odm:CodeListRef/@CodeListOID") == f"CL.{ds}.PARAMCD"
        cl = _one(tree, f"//odm:CodeList[@OID='CL.{ds}.PARAMCD']")
        assert cl.get(f"{DEF}StandardOID") is None  # sponsor-defined
        items = [(i.get("CodedValue"), _one(i, "odm:Decode/odm:TranslatedText/text()"))
                 for i in _all(cl, "odm:CodeListItem")]
        assert items == [(p[1], p[2]) for p in sorted((p for p in PARAMS if p[0] == ds), key=lambda p: p[3])]
    # codelists the spec names come from specs/ct, as for SDTM
    assert _one(_item(tree, "IT.ADSL.SEX"), "odm:CodeListRef/@CodeListOID") == "CL.SEX"
    sex = _one(tree, "//odm:CodeList[@OID='CL.SEX']")
    assert sex.get(f"{DEF}StandardOID") == _one(tree, "//def:Standard[@Type='CT']/@OID")


def test_every_reference_resolves_and_every_definition_is_used(adam_define):
    _, tree = adam_define
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
        assert used <= set(defined), (attr, sorted(used - set(defined)))
        if attr not in ("ArchiveLocationID", "StandardOID"):  # the CT standard is named, not referenced
            assert set(defined) <= used, (attr, sorted(set(defined) - used))


def test_rerun_is_byte_identical(adam_define, adam_files, study, tmp_path):
    result, _ = adam_define
    specs_dir, adam_dir = adam_files
    again = write_adam_define(adam_dir, specs_dir, STUDY, tmp_path / "define.xml", CT, created="2024-06-30")
    assert again.path.read_bytes() == result.path.read_bytes()


def test_the_stylesheet_renders_adam_datasets_and_value_level_metadata(adam_define):
    result, _ = adam_define
    html = render_html(result.path).decode("utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    for name, label, *_ in DATASETS:
        assert f"{label} ({name})" in text
    assert 'PARAMCD = "MELD" (MELD Score)' in text
    assert "TIME-TO-EVENT" in text and "DATE9." in text


def _fixture(tmp_path, variables=VARIABLES, params=PARAMS, data=None, datasets_=DATASETS):
    return (write_specs(tmp_path / "specs", variables=variables, params=params, datasets=datasets_),
            write_datasets(tmp_path / "adam", data))


def test_data_that_disagree_with_params_csv_are_reported_not_fatal(tmp_path, study):
    data = datasets()
    adlb = data["ADLB"]
    adlb.loc[adlb["PARAMCD"] == "MELD", "PARAM"] = "MELD"
    adlb.loc[0, "PARAMCD"] = "AST"
    specs_dir, adam_dir = _fixture(tmp_path, data=data)
    result = write_adam_define(adam_dir, specs_dir, study, tmp_path / "define.xml", CT)
    assert result.issues == ["ADLB: PARAMCD MELD has PARAM 'MELD', params.csv says 'MELD Score'",
                             "ADLB.PARAMCD: value 'AST' is not in codelist ADLB.PARAMCD"]
    assert validate_define(result.path) == []


@pytest.mark.parametrize("change, message", [
    ({"params": [p for p in PARAMS if p[0] != "ADTTE"]}, r"params.csv: no parameters for BDS dataset ADTTE"),
    ({"params": [*PARAMS, ("ADSL", "X", "X", 1, "", "", "", "")]}, r"ADSL is not a dataset with PARAMCD"),
    ({"datasets_": [d if d[0] != "ADTTE" else (*d[:3], "SURVIVAL", *d[4:]) for d in DATASETS]},
     r"ADTTE: subclass 'SURVIVAL' is not a Define-XML 2.1 sub-class"),
])
def test_specs_define_xml_cannot_represent_are_spec_errors(tmp_path, study, change, message):
    specs_dir, adam_dir = _fixture(tmp_path, **change)
    with pytest.raises(SpecError, match=message):
        write_adam_define(adam_dir, specs_dir, study, tmp_path / "define.xml", CT)
    assert not (tmp_path / "define.xml").exists()


def test_a_missing_adam_dataset_is_a_user_error(tmp_path, study, adam_files):
    specs_dir, _ = adam_files
    with pytest.raises(UserError, match=r"adsl\.xpt: ADaM dataset not found"):
        write_adam_define(tmp_path, specs_dir, study, tmp_path / "define.xml", CT)


def test_fixture_specs_load_with_the_adam_reader(adam_files):
    specs = load_adam_specs(adam_files[0])
    assert specs["ADTTE"].subclass == "TIME-TO-EVENT" and specs["ADSL"].variables[4].length == 40


def test_cli_adam_writes_a_valid_define(adam_files, tmp_path, capsys):
    specs_dir, adam_dir = adam_files
    out = tmp_path / "m5" / "define.xml"
    code = run(["--adam", str(adam_dir), "--specs", str(specs_dir), "--study", str(STUDY), "--ct", str(CT),
                "--out", str(out), "--date", "2024-06-30"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    assert "3 datasets, 25 variables, 5 value-level definitions" in captured.out
    assert "is valid against" in captured.out
    assert (out.parent / STYLESHEET_NAME).exists()
    assert b'FileOID="DEFINE.NCT05948982.ADaM"' in out.read_bytes()


def test_cli_takes_exactly_one_of_sdtm_and_adam(adam_files, tmp_path, capsys):
    specs_dir, adam_dir = adam_files
    for args in ([], ["--sdtm", str(adam_dir), "--adam", str(adam_dir)]):
        with pytest.raises(SystemExit) as exc:
            run([*args, "--specs", str(specs_dir), "--out", str(tmp_path / "define.xml")])
        assert exc.value.code == 2
    assert "one of the arguments --sdtm --adam is required" in capsys.readouterr().err
    code = run(["--adam", str(tmp_path / "nope"), "--specs", str(specs_dir), "--ct", str(CT),
                "--study", str(STUDY), "--out", str(tmp_path / "define.xml")])
    err = capsys.readouterr().err
    assert code == 2 and "ADaM folder not found" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "define.xml").exists()
