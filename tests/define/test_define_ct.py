"""specs/ct: complete for what the SDTM specs reference and what the study specs define, and
its loader rejects what define.xml could not represent."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from analysis.define.ct import CDISC_CT, load_ct
from analysis.errors import SpecError
from analysis.sdtm.metadata import load_sdtm_specs
from define_paths import CT, SPECS


@pytest.fixture(scope="module")
def ct():
    return load_ct(CT)


def test_every_codelist_the_sdtm_specs_name_is_defined(ct):
    named = {v.codelist for s in load_sdtm_specs(SPECS).values() for v in s.variables if v.codelist}
    assert named - set(ct.codelists) == set()


def test_study_spec_values_are_in_their_codelists(ct, study):
    values = lambda cid: ct.codelists[cid].values  # noqa: E731
    assert values("ARMCD") == [c["armcd"] for c in study.cohorts]
    assert values("ARM") == [c["arm"] for c in study.cohorts]
    assert dict(zip(values("ARMCD"), [t.decode for t in ct.codelists["ARMCD"].terms], strict=True)) == \
        {c["armcd"]: c["arm"] for c in study.cohorts}
    assert values("VISIT") == [v["visit"] for v in study.visits]
    assert values("ETCD") == [e["etcd"] for e in study.data["elements"]]
    assert set(values("EPOCH")) == {e["epoch"] for e in study.data["elements"]}
    # SSTDTC (study start date) is derived from the data, not listed in the study spec
    assert set(values("TSPARMCD")) == {p["code"] for p in study.data["trial_summary"]} | {"SSTDTC"}
    labs = {t.testcd: t for t in study.lab_tests.values() if t.form != "flow_cytometry"}
    assert set(values("LBTESTCD")) == set(labs)
    assert {t.value: t.decode for t in ct.codelists["LBTESTCD"].terms} == {k: t.test for k, t in labs.items()}
    assert set(values("LBTEST")) == {t.test for t in labs.values()}
    units = {u for t in study.lab_tests.values() for u in [t.std_unit, *t.units]}
    assert units <= set(values("UNIT"))
    findings = yaml.safe_load((SPECS / "findings.yaml").read_text(encoding="utf-8"))["domains"]
    for domain in ("VS", "QS", "RS", "XF"):
        entries = findings[domain] if isinstance(findings[domain], list) else [findings[domain]]
        tests = {t["testcd"]: t["test"] for e in entries for t in e["tests"].values()}
        assert {t.value: t.decode for t in ct.codelists[f"{domain}TESTCD"].terms} == tests, domain
    for name in ("SEX", "RACE", "ETHNIC", "ROUTE"):
        assert set(study.codelists[name]) <= set(values(name)), name
    assert set(study.codelists["AEOUT"]) <= set(values("OUT"))
    assert set(study.codelists["AEACN"]) <= set(values("ACN"))


def test_cdisc_codelists_carry_their_nci_code_and_codes_look_like_nci_codes(ct):
    for cl in ct.codelists.values():
        if cl.standard == CDISC_CT:
            assert re.fullmatch(r"C\d+", cl.nci_code), cl.id
        assert all(re.fullmatch(r"C\d*", t.nci_code) for t in cl.terms if t.nci_code), cl.id
    assert ct.codelists["NY"].nci_code == "C66742" and ct.codelists["NY"].extensible == "N"
    assert [t.status for t in ct.codelists["UNIT"].terms if t.value == "10^6 cells/kg"] == ["extended"]


def _broken_copy(tmp_path, file: str, edit) -> None:
    shutil.copytree(CT, tmp_path / "ct")
    path = tmp_path / "ct" / file
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize("file, edit, message", [
    ("terms.csv", lambda t: t.replace("NY,Y,Yes,C49488,cdisc,", "NY,Y,Yes,C49488,sure,"),
     r"terms.csv, line \d+: NY 'Y': status must be one of"),
    ("terms.csv", lambda t: t.replace("NY,Y,Yes,C49488,cdisc,", "NY,Y,Yes,,extended,"),
     r"NY 'Y': codelist is not extensible, so it cannot be extended"),
    ("terms.csv", lambda t: t.replace("NY,Y,Yes,C49488,cdisc,", "NY,Y,,C49488,cdisc,"),
     r"NY: give a decode for every term or for none"),
    ("terms.csv", lambda t: t + "NOPE,X,,,sponsor,\n", r"NOPE 'X': codelist not in codelists.csv"),
    ("codelists.csv", lambda t: t.replace("NY,No Yes Response,C66742,N,", "NY,No Yes Response,C66742,,"),
     r"NY: a CDISC codelist needs extensible Y or N"),
    ("codelists.csv", lambda t: t.replace("C66742", "66742"), r"NCI code '66742' is not C<digits>"),
    ("origin_sources.csv", lambda t: t.replace("ecog,Investigator", "ecog,Doctor"),
     r"ecog: source must be one of"),
])
def test_broken_ct_is_reported_with_file_and_line(tmp_path, file, edit, message):
    _broken_copy(tmp_path, file, edit)
    with pytest.raises(SpecError, match=message):
        load_ct(tmp_path / "ct")
