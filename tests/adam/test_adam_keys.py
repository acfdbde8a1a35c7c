"""The integer-key and per-distinct-value shortcuts give what the record-by-record code gave."""

import numpy as np
import pandas as pd

from analysis.adam.derive.baseline import derive_var_ablfl, derive_var_base
from analysis.adam.derive.keys import joint_keys, nonblank


def test_joint_keys_match_missing_values_like_a_merge():
    a, b = joint_keys(pd.DataFrame({"S": ["x", None], "N": [1.0, np.nan]}),
                      pd.DataFrame({"S": [None, "x"], "N": [np.nan, 1.0]}))
    assert a.tolist() == [0, 1] and b.tolist() == [1, 0]


def test_nonblank_text_and_numbers():
    assert nonblank(pd.Series([" ", "a", np.nan]), strip=True).tolist() == [False, True, False]
    assert nonblank(pd.Series([0, 1])).tolist() == [True, True]
    assert nonblank(pd.Series([], dtype=object)).tolist() == []


def test_ablfl_ignores_a_group_with_a_missing_key():
    df = pd.DataFrame({"USUBJID": ["1", None], "PARAMCD": ["ALT", "ALT"], "ADY": [-1.0, -1.0],
                       "AVAL": [1.0, 2.0], "AVALC": ["1", "2"], "_PREDOSE": [True, True]})
    assert derive_var_ablfl(df, ["USUBJID", "PARAMCD"], ["ADY"])["ABLFL"].tolist() == ["Y", ""]


def test_base_text_and_number_without_a_baseline():
    df = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": ["A"] * 3, "AVAL": [3.0, 4.0, 5.0],
                       "AVALC": ["3", "4", "5"], "ABLFL": ["Y", "", ""]})
    assert derive_var_base(df, ["USUBJID", "PARAMCD"])["BASE"].tolist()[:2] == [3.0, 3.0]
    assert np.isnan(derive_var_base(df, ["USUBJID", "PARAMCD"])["BASE"].iloc[2])
    assert derive_var_base(df, ["USUBJID", "PARAMCD"], source_var="AVALC", new_var="BASEC")["BASEC"].tolist() == \
        ["3", "3", ""]
