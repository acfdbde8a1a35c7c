"""A small hand-made ADSL/ADAE whose tallies are worked out by hand in test_tables.py:

Group A: S1 (several nausea events, max grade 3; a pre-treatment grade 4 event that must not
count), S2 (no AEs, still in N). Group B: S3 (fatal hepatic failure, DLT with treatment
withdrawn), S5 (an ungraded rash with blank relationship). Group C: requested, no subjects.
S4 is outside the safety population and has an AE (excluded). Dates are SAS day numbers.
"""

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
PILOT = ROOT / "tests" / "data" / "cdiscpilot01"
RESULTS = Path(__file__).resolve().parent / "results"

GI, NERV, HEP, SKIN = ("Gastrointestinal disorders", "Nervous system disorders", "Hepatobiliary disorders",
                       "Skin and subcutaneous tissue disorders")


def make_adsl() -> pd.DataFrame:
    nan = float("nan")
    return pd.DataFrame({
        "STUDYID": "T1",
        "USUBJID": ["S1", "S2", "S3", "S4", "S5"],
        "SUBJID": ["001", "002", "003", "004", "005"],
        "TRT01A": ["A", "A", "B", "", "B"],
        "TRT01AN": [1.0, 1.0, 2.0, nan, 2.0],
        "SAFFL": ["Y", "Y", "Y", "N", "Y"],
        "TRTSDT": [0.0, 5.0, 10.0, nan, 20.0],
        "TRTEDT": [56.0, 61.0, 38.0, nan, 76.0],
        "EOSDT": [99.0, 204.0, 60.0, 50.0, 319.0],
        "DTHFL": ["", "", "Y", "", ""],
        "DTHDT": [nan, nan, 60.0, nan, nan],
        "DTHCAUS": ["", "", "HEPATIC FAILURE", "", ""],
    })


def make_adae() -> pd.DataFrame:
    rows = [
        # USUBJID, SOC, PT, grade, TE, ASTDT, AESER, AREL, AEACN, ADLTFL, AESDTH, AEOUT, AESEQ
        ("S1", GI, "Nausea", 1, "Y", 9, "N", "NOT RELATED", "DOSE NOT CHANGED", "N", "N", "RECOVERED/RESOLVED", 2),
        ("S1", GI, "Nausea", 3, "Y", 19, "Y", "RELATED", "DOSE NOT CHANGED", "N", "N", "RECOVERED/RESOLVED", 3),
        ("S1", GI, "Abdominal distension", 2, "Y", 29, "N", "NOT RELATED", "NOT APPLICABLE", "N", "N",
         "RECOVERED/RESOLVED", 4),
        ("S1", NERV, "Headache", 1, "Y", 4, "N", "RELATED", "NOT APPLICABLE", "N", "N", "RECOVERED/RESOLVED", 1),
        ("S1", GI, "Abdominal pain", 4, "", -5, "Y", "NOT RELATED", "NOT APPLICABLE", "N", "N",
         "RECOVERED/RESOLVED", 5),
        ("S3", GI, "Nausea", 1, "Y", 30, "N", "NOT RELATED", "NOT APPLICABLE", "N", "N", "RECOVERED/RESOLVED", 2),
        ("S3", HEP, "Hepatic failure", 5, "Y", 60, "Y", "NOT RELATED", "NOT APPLICABLE", "N", "N", "FATAL", 3),
        ("S3", NERV, "Headache", 2, "Y", 14, "N", "RELATED", "DRUG WITHDRAWN", "Y", "N", "RECOVERED/RESOLVED", 1),
        ("S4", GI, "Nausea", 1, "Y", 40, "N", "NOT RELATED", "NOT APPLICABLE", "N", "N", "RECOVERED/RESOLVED", 1),
        ("S5", GI, "Nausea", 2, "Y", 22, "N", "NOT RELATED", "NOT APPLICABLE", "N", "N", "RECOVERED/RESOLVED", 1),
        ("S5", SKIN, "Rash", None, "Y", 120, "N", "", "NOT APPLICABLE", "N", "N", "NOT RECOVERED/NOT RESOLVED", 2),
    ]
    df = pd.DataFrame(rows, columns=["USUBJID", "AEBODSYS", "AEDECOD", "ATOXGRN", "TRTEMFL", "ASTDT", "AESER",
                                     "AREL", "AEACN", "ADLTFL", "AESDTH", "AEOUT", "AESEQ"])
    df["ATOXGRN"] = df["ATOXGRN"].astype(float)
    df["ASTDT"] = df["ASTDT"].astype(float)
    df["AETERM"] = df["AEDECOD"].str.lower()
    df["TRT01A"] = df["USUBJID"].map({"S1": "A", "S3": "B", "S4": "", "S5": "B"})
    return df.sample(frac=1, random_state=3).reset_index(drop=True)  # order must not matter


def ard_stat(ard: pd.DataFrame, stat: str, col: str, **where) -> str:
    """The one ARD value for a statistic, column (group1_level) and row keys."""
    m = (ard["stat_name"] == stat) & (ard["group1_level"] == col)
    for k, v in where.items():
        m &= ard[k] == v
    hits = ard.loc[m, "stat"]
    assert len(hits) == 1, (stat, col, where, len(hits))
    return hits.iloc[0]
