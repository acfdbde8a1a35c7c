"""The catalogue spec: validation (one-line SpecErrors), safe placeholder patterns, and
deterministic numbering of families. References are hand-worked expectations."""

import copy

import pytest

from analysis.errors import SpecError
from analysis.tlfcat.catalogue import (
    assign,
    fill_template,
    load_catalogue,
    matching_entries,
    number_key,
    parse_catalogue,
    pattern_regex,
)

AREAS = {"population", "efficacy", "safety"}
BASE = {
    "sections": {"14.1": "Population", "14.2": "Efficacy", "16.2": "Listings"},
    "entries": [
        {"id": "demographics", "number": "14.1.2", "kind": "table", "area": "population", "source": ["ADSL"]},
        {"match": "eff_mmrm_{paramcd}", "number": "14.2.2.{seq}", "kind": "table", "area": "efficacy",
         "source": ["ADSL", "ADLB"], "order": ["meld", "cpscore"]},
        {"match": "eff_mmrm_{paramcd}_plot", "number": "14.2.2.{seq}", "kind": "figure", "area": "efficacy",
         "source": ["ADLB"]},
    ],
}


def _cat(mutate=None):
    data = copy.deepcopy(BASE)
    if mutate:
        mutate(data)
    return parse_catalogue(data, "cat.yaml", AREAS)


def _entry(i, **changes):
    def mutate(data):
        for k, v in changes.items():
            if v is None:
                data["entries"][i].pop(k, None)
            else:
                data["entries"][i][k] = v
    return mutate


@pytest.mark.parametrize("mutate, message", [
    (_entry(0, source=None), "cat.yaml: entry demographics: source must list the ADaM datasets"),
    (_entry(0, source=["adsl"]), "entry demographics: source must list"),
    (_entry(0, match="demo_{x}"), "entries[0]: needs exactly one of id (one output) or match"),
    (_entry(0, id=None), "entries[0]: needs exactly one of id"),
    (_entry(0, number="14.1.x"), "entry demographics: number '14.1.x' must look like 14.2.1"),
    (_entry(0, number="14.1.{seq}"), "entry demographics: {seq} is only for match: families"),
    (_entry(1, number="14.2.2"), "entry eff_mmrm_{paramcd}: number '14.2.2' of a family must end in .{seq}"),
    (_entry(0, kind="graph"), "entry demographics: kind 'graph' must be one of table, listing, figure"),
    (_entry(0, area="pk"), "entry demographics: area 'pk' must be one of efficacy, population, safety"),
    (_entry(0, colour="red"), "entries[0]: unknown key(s) colour"),
    (_entry(0, title="{title} for {paramcd}"), "placeholder {paramcd} in '{title} for {paramcd}' is not one of"),
    (_entry(0, layout={"paper": "A3"}), "layout paper 'A3' must be one of A4, letter"),
    (_entry(0, layout={"orientation": "portrait"}), "layout orientation 'portrait' not supported"),
    (_entry(0, layout={"font_size": 20}), "layout font_size 20 must be a number from 6 to 12"),
    (_entry(0, number="15.1.1"), "entry demographics: number 15.1.1 is in no section (14.1, 14.2, 16.2)"),
    (_entry(0, order=["a"]), "entry demographics: order is only for match: families"),
    (_entry(0, sort=["Subject"]), "sort (display columns to order rows by) is only for listings"),
    (_entry(0, report={"category": "Safety"}), "report must have category and subcategory"),
    (_entry(0, report={"category": "a/b", "subcategory": "x"}), "report category 'a/b' must be letters"),
    (_entry(0, id="demo_{x}"), "entry demo_{x}: an id cannot hold {placeholders}"),
    (_entry(1, match="eff_mmrm_{p}_{p}"), "placeholder {p} is used twice"),
    (_entry(1, match="eff_mmrm"), "a match pattern needs at least one {placeholder}"),
    (_entry(0, id="demo.*"), "id/match 'demo.*' must be letters, digits, _ and {placeholders}"),
    (lambda d: d["entries"].append(dict(d["entries"][0], number="14.1.3")), "entry demographics: listed twice"),
    (lambda d: d["entries"].append(dict(d["entries"][0], id="disposition")),
     "entry disposition: Table 14.1.2 is already used by entry demographics"),
    (lambda d: d.pop("sections"), "sections must map section numbers"),
    (lambda d: d.update(sections={14.1: "x"}), "sections: 14.1 must be a quoted two-part number"),
    (lambda d: d.update(entries=[]), "entries must be a non-empty list"),
    (lambda d: d.update(extra=1), "unknown top-level key(s) extra"),
])
def test_validation_errors_are_one_line(mutate, message):
    with pytest.raises(SpecError) as exc:
        _cat(mutate)
    text = str(exc.value)
    assert message in text
    assert "\n" not in text and text.startswith("cat.yaml: ")


def test_the_study_catalogue_loads():
    cat = load_catalogue()
    assert list(cat.sections) == ["14.1", "14.2", "14.3", "16.2"]
    keys = [e.key for e in cat.entries]
    assert "eff_mmrm_{paramcd}_plot" in keys and "demographics" in keys
    assert all(e.layout["paper"] == "A4" for e in cat.entries)  # from defaults


def test_missing_catalogue_file(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_catalogue(tmp_path / "none.yaml")


def test_pattern_is_literal_apart_from_placeholders():
    rx = pattern_regex("a.b_{x}")
    assert rx.fullmatch("a.b_meld")
    assert not rx.fullmatch("axb_meld")  # the dot is literal, not "any character"
    assert not rx.fullmatch("a.b_meld_plot")  # a placeholder never spans an underscore
    assert not rx.fullmatch("a.b_")
    assert pattern_regex("q_{a}(x)").fullmatch("q_1(x)")  # parentheses are literal too


def test_family_and_its_plot_twin_do_not_overlap():
    cat = _cat()
    assert [e.key for e, _ in matching_entries(cat, "eff_mmrm_meld")] == ["eff_mmrm_{paramcd}"]
    assert [(e.key, v) for e, v in matching_entries(cat, "eff_mmrm_meld_plot")] == \
        [("eff_mmrm_{paramcd}_plot", {"paramcd": "meld"})]
    assert matching_entries(cat, "eff_mmrm_") == []


def test_numbering_order_then_id_and_independent_of_input_order():
    outputs = [("eff_mmrm_alb", "efficacy"), ("eff_mmrm_cpscore", "efficacy"), ("eff_mmrm_meld", "efficacy"),
               ("eff_mmrm_zzz", "efficacy"), ("eff_mmrm_alb_plot", "efficacy"), ("eff_mmrm_meld_plot", "efficacy"),
               ("demographics", "population")]
    cat = _cat()
    got, unused = assign(cat, outputs)
    labels = {a.analysis_id: a.label for a in got}
    # order: meld, cpscore first; then the rest by analysis id (alb, zzz)
    assert labels == {"eff_mmrm_meld": "Table 14.2.2.1", "eff_mmrm_cpscore": "Table 14.2.2.2",
                      "eff_mmrm_alb": "Table 14.2.2.3", "eff_mmrm_zzz": "Table 14.2.2.4",
                      "eff_mmrm_alb_plot": "Figure 14.2.2.1", "eff_mmrm_meld_plot": "Figure 14.2.2.2",
                      "demographics": "Table 14.1.2"}
    assert unused == []
    again, _ = assign(cat, list(reversed(outputs)))
    assert {a.analysis_id: a.label for a in again} == labels
    assert [a.analysis_id for a in again] == [o for o, _ in reversed(outputs)]


def test_unknown_id_is_an_error_naming_it():
    with pytest.raises(SpecError) as exc:
        assign(_cat(), [("demographics", "population"), ("ae_new_table", "safety")])
    assert str(exc.value) == ("cat.yaml: analysis id ae_new_table (area safety) matches no catalogue entry; "
                              "add an entry (id: or match:) for it")


def test_id_matching_two_entries_is_an_error():
    def add(data):
        data["entries"].append({"match": "eff_{kind}_meld", "number": "14.2.9.{seq}", "kind": "table",
                                "area": "efficacy", "source": ["ADLB"]})
    with pytest.raises(SpecError, match=r"analysis id eff_mmrm_meld matches 2 entries \(eff_mmrm_\{paramcd\}, "
                                        r"eff_\{kind\}_meld\); it must match exactly one"):
        assign(_cat(add), [("eff_mmrm_meld", "efficacy")])


def test_area_mismatch_and_unused_entries():
    with pytest.raises(SpecError, match="demographics is made by area safety but its entry demographics says "
                                        "area population"):
        assign(_cat(), [("demographics", "safety")])
    _, unused = assign(_cat(), [("demographics", "population")])
    assert unused == ["eff_mmrm_{paramcd}", "eff_mmrm_{paramcd}_plot"]


def test_expanded_number_clash_is_an_error():
    def add(data):
        data["entries"].append({"id": "eff_fixed", "number": "14.2.2.2", "kind": "table", "area": "efficacy",
                                "source": ["ADLB"]})
    with pytest.raises(SpecError, match="Table 14.2.2.2 is given to both"):
        assign(_cat(add), [("eff_fixed", "efficacy"), ("eff_mmrm_a", "efficacy"), ("eff_mmrm_b", "efficacy")])


def test_templates_and_number_order():
    assert fill_template("{title}: {PARAMCD} ({paramcd})", {"title": "T", "paramcd": "meld"}) == "T: MELD (meld)"
    assert sorted(["14.2.10", "14.2.2", "14.10.1", "14.2.1.3"], key=number_key) == \
        ["14.2.1.3", "14.2.2", "14.2.10", "14.10.1"]
