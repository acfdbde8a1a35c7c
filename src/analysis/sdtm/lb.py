"""LB: local labs (chemistry, haematology, coagulation) and the central lab transfer
(cytokines with time points around each infusion, immunoglobulins, tumour markers, HBV DNA).

Standard units and conversion factors come from specs/lab_tests.yaml. Results below the
quantification limit keep their text ("<1.5"): --STRESC carries it in standard units,
--STRESN stays null and LBLLOQ holds the limit (domain reference 7.4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sdtm.derive import dtc_date, epoch_at, iso_dtc, per_distinct, raw_rows, study_day, usubjid
from analysis.sdtm.exposure import set_sv_visit
from analysis.specs import Study

HBV_ORGANISM = "Hepatitis B Virus"


def number_text(values: pd.Series) -> pd.Series:
    """Numbers as plain text with at most 4 decimals and no trailing zeros (NaN -> '').

    >>> number_text(pd.Series([1.5, 2.0, None, 0.123456])).tolist()
    ['1.5', '2', '', '0.1235']
    """
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    return per_distinct(_number_text, values)


def _number_text(values: pd.Series) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    out = np.full(len(v), "", dtype=object)
    ok = ~np.isnan(v)
    text = np.char.mod("%.4f", np.round(v[ok], 4))
    out[ok] = np.char.rstrip(np.char.rstrip(text, "0"), ".")
    return pd.Series(out, index=values.index, dtype=object)


def standardise_results(result: pd.Series, unit: pd.Series, testcd: pd.Series, study: Study) -> pd.DataFrame:
    """--STRESC/--STRESN/--STRESU from the reported result and unit (per distinct result text
    and per distinct test and unit: LB repeats them over a million records)."""
    factor = per_distinct(lambda code, u: _unit_factor(code, u, study), testcd, unit)
    text = result.fillna("").astype(str)
    parsed = per_distinct(_parse_result, text)
    numeric, has_q = parsed["numeric"], parsed["sign"].notna()
    std = (numeric * factor).round(6)  # no binary noise such as 15.732000000000003
    limit = parsed["limit"] * factor
    stresc = number_text(std)
    stresc[has_q] = parsed.loc[has_q, "sign"] + number_text(limit[has_q])
    other = (text != "") & numeric.isna() & ~has_q
    stresc[other] = text[other]
    stresu = testcd.map({k: t.std_unit for k, t in study.lab_tests.items()}).where(text != "", "")
    return pd.DataFrame({"LBSTRESC": stresc, "LBSTRESN": std, "LBSTRESU": stresu, "factor": factor})


def _unit_factor(testcd: pd.Series, unit: pd.Series, study: Study) -> pd.Series:
    """Factor from the reported to the standard unit (NaN: unknown test or unit)."""
    factor = pd.Series(np.nan, index=testcd.index)
    for code, test in study.lab_tests.items():
        sel = testcd == code
        if sel.any():
            factor[sel] = unit[sel].map(test.units).astype(float)
    return factor


def _parse_result(text: pd.Series) -> pd.DataFrame:
    """A result as a number, or as a qualifier sign and limit ("<1.5": '<', 1.5).

    >>> _parse_result(pd.Series(["2.5", "<1.5", "NEG"])).to_dict("list")
    {'numeric': [2.5, nan, nan], 'sign': [nan, '<', nan], 'limit': [nan, 1.5, nan]}
    """
    qualifier = text.str.extract(r"^([<>])\s*([0-9.eE+-]+)$")
    return pd.DataFrame({"numeric": pd.to_numeric(text, errors="coerce"), "sign": qualifier[0],
                         "limit": pd.to_numeric(qualifier[1], errors="coerce")}, index=text.index)


def add_baseline_flag(lb: pd.DataFrame, dm: pd.DataFrame, pre_dose: frozenset[str]) -> pd.DataFrame:
    """Adds LBLOBXFL (see baseline_flag) to a copy of `lb`."""
    out = lb.copy()
    out["LBLOBXFL"] = baseline_flag(out, dm, pre_dose)
    return out


def baseline_flag(out: pd.DataFrame, dm: pd.DataFrame, pre_dose: frozenset[str], prefix: str = "LB") -> np.ndarray:
    """--LOBXFL: last non-missing result per subject and test on or before the first infusion
    start (date and time; a same-day record without time counts only when its time point is
    one of `pre_dose` (study.pre_dose_timepoints) or it has no time point)."""
    p = prefix
    rfx = per_distinct(lambda u: u.map(dm.set_index("USUBJID")["RFXSTDTC"]).fillna(""), out["USUBJID"])
    dtc = out[f"{p}DTC"]
    tpt = out[f"{p}TPT"] if f"{p}TPT" in out else pd.Series("", index=out.index)
    # Per distinct (date, reference, time point): a collection's tests share all three.
    before = per_distinct(lambda d, r, t: _before_reference(d, r, t, pre_dose), dtc, rfx, tpt).to_numpy(dtype=bool)
    cand = np.flatnonzero((out[f"{p}STRESC"] != "").to_numpy() & (rfx != "").to_numpy() & (dtc != "").to_numpy()
                          & before)
    flag = np.full(len(out), "", dtype=object)
    flag[cand[_last_per_group(out["USUBJID"].iloc[cand], out[f"{p}TESTCD"].iloc[cand], dtc.iloc[cand],
                              out.index[cand])]] = "Y"
    return flag


def _before_reference(dtc: pd.Series, rfx: pd.Series, tpt: pd.Series, pre_dose: frozenset[str]) -> pd.Series:
    """Whether each date(/time) is on or before the first infusion start (see baseline_flag)."""
    same_day_ok = tpt.isin({"", *pre_dose})
    return pd.Series(np.where((dtc.str.len() == 16) & (rfx.str.len() == 16), dtc <= rfx,
                              (dtc.str[:10] < rfx.str[:10]) | ((dtc.str[:10] == rfx.str[:10]) & same_day_ok)),
                     index=dtc.index)


def _last_per_group(subject: pd.Series, test: pd.Series, dtc: pd.Series, label: pd.Index) -> np.ndarray:
    """Positions of the latest record (by date text, then row label) per subject and test.

    Integer codes stand in for the text: sorting a million str objects costs seconds.

    >>> _last_per_group(pd.Series(["A", "A", "B"]), pd.Series(["X", "X", "X"]),
    ...                 pd.Series(["2024-02", "2024-01", "2024-01"]), pd.Index([0, 1, 2])).tolist()
    [0, 2]
    """
    if not len(subject):
        return np.array([], dtype=int)
    group = pd.MultiIndex.from_arrays([subject.to_numpy(), test.to_numpy()]).factorize()[0]
    when = pd.factorize(dtc.to_numpy(), sort=True)[0]
    tie = pd.factorize(label.to_numpy(), sort=True)[0]
    order = np.lexsort((tie, when, group))
    g = group[order]
    return np.sort(order[np.r_[g[1:] != g[:-1], True]])


def _local(local: pd.DataFrame, study: Study) -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": usubjid(study.studyid, local["SUBJID"]), "LBTESTCD": local["LBTESTCD"],
        "LBTEST": local["LBTEST"], "LBCAT": local["LBCAT"], "LBORRES": local["LBORRES"],
        "LBORRESU": local["LBORRESU"], "LBORNRLO": number_text(local["LBORNRLO"]),
        "LBORNRHI": number_text(local["LBORNRHI"]), "LBSTAT": local["LBSTAT"],
        "LBREASND": "", "LBNAM": "LOCAL", "LBSPEC": np.where(local["LBCAT"] == "HEMATOLOGY", "WHOLE BLOOD",
                                                               np.where(local["LBCAT"] == "COAGULATION", "PLASMA", "SERUM")),
        "VISIT": local["VISIT"], "LBDTC": iso_dtc(local["LBDAT"], local["LBTIM"]), "LBTPT": "",
        "LLOQ": np.nan, "NHOID": "", "_SRC_FORM": "local_lab", "_SRC_ROW": raw_rows(local),
    })


def _central(central: pd.DataFrame, study: Study) -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": usubjid(study.studyid, central["SUBJID"]), "LBTESTCD": central["LBTESTCD"],
        "LBTEST": central["LBTEST"], "LBCAT": central["LBCAT"], "LBORRES": central["RESULT"],
        "LBORRESU": central["UNIT"], "LBORNRLO": number_text(central["REFLO"]),
        "LBORNRHI": number_text(central["REFHI"]), "LBSTAT": central["STATUS"], "LBREASND": "",
        "LBNAM": "CENTRAL", "LBSPEC": central["SPEC"], "VISIT": central["VISIT"],
        "LBDTC": iso_dtc(central["COLDAT"], central["COLTIM"]), "LBTPT": central["TPT"],
        "LLOQ": pd.to_numeric(central["LLOQ"], errors="coerce"),
        "NHOID": np.where(central["LBCAT"] == "VIRAL LOAD", HBV_ORGANISM, ""),
        "_SRC_FORM": "central_lab", "_SRC_ROW": raw_rows(central),
    })


def build_lb(local: pd.DataFrame, central: pd.DataFrame, dm: pd.DataFrame, se: pd.DataFrame,
             sv: pd.DataFrame, study: Study) -> pd.DataFrame:
    lb = pd.concat([_local(local, study), _central(central, study)], ignore_index=True)
    # Columns are added in place: LB of a large study is over a million records.
    std = standardise_results(lb["LBORRES"], lb["LBORRESU"], lb["LBTESTCD"], study)
    for col in std.columns:
        lb[col] = std[col]
    del std
    lo = (pd.to_numeric(lb["LBORNRLO"], errors="coerce") * lb["factor"]).round(6)
    hi = (pd.to_numeric(lb["LBORNRHI"], errors="coerce") * lb["factor"]).round(6)
    lb["LBSTNRLO"] = lo
    lb["LBSTNRHI"] = hi
    lb["LBLLOQ"] = lb["LLOQ"] * lb["factor"]
    no_lloq = lb["LBLLOQ"].isna()
    lb.loc[no_lloq, "LBLLOQ"] = lb.loc[no_lloq, "LBTESTCD"].map(
        {k: t.lloq for k, t in study.lab_tests.items()}).astype(float)
    lb["LBNRIND"] = np.select([lb["LBSTRESN"] < lo, lb["LBSTRESN"] > hi,
                               lb["LBSTRESN"].notna() & lo.notna() & hi.notna()], ["LOW", "HIGH", "NORMAL"], "")
    lb["LBREASND"] = np.where(lb["LBSTAT"] == "NOT DONE", "NOT REPORTED BY LABORATORY", "")
    tpts = {t["tpt"]: float(t["tptnum"]) for t in study.data["infusion_timepoints"]}
    lb["LBTPTNUM"] = lb["LBTPT"].map(tpts)
    on_infusion = lb["LBTPT"] != ""
    lb["LBTPTREF"] = np.where(on_infusion, study.data["timepoint_reference"], "")
    ex_start = _infusion_starts(dm, se)
    start = per_distinct(lambda u, d: ex_start.reindex(pd.MultiIndex.from_arrays([u, d.str[:10]])).fillna(""),
                         lb["USUBJID"], lb["LBDTC"])
    lb["LBRFTDTC"] = np.where(on_infusion, start.to_numpy(), "")
    set_sv_visit(lb, sv)
    rfst = lb["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"])
    lb["LBDY"] = study_day(lb["LBDTC"], rfst)
    lb["EPOCH"] = epoch_at(lb["LBDTC"], lb["USUBJID"], se)
    lb["LBLOBXFL"] = baseline_flag(lb, dm, study.pre_dose_timepoints)
    lb["STUDYID"] = study.studyid
    lb["DOMAIN"] = "LB"
    del lb["factor"], lb["LLOQ"]
    lb = lb.sort_values(["USUBJID", "LBCAT", "LBTESTCD", "LBDTC", "LBTPTNUM"], kind="stable", na_position="first")
    lb["LBSEQ"] = (lb.groupby("USUBJID").cumcount() + 1).astype(float)
    return lb.reset_index(drop=True)


def _infusion_starts(dm: pd.DataFrame, se: pd.DataFrame) -> pd.Series:
    """Infusion start date/time by (USUBJID, date): the start of each infusion element."""
    inf = se[se["EPOCH"] == "TREATMENT"]
    return pd.Series(inf["SESTDTC"].to_numpy(), index=pd.MultiIndex.from_arrays(
        [inf["USUBJID"], inf["SESTDTC"].str[:10]])).groupby(level=[0, 1]).first()


__all__ = ["add_baseline_flag", "baseline_flag", "build_lb", "dtc_date", "number_text", "standardise_results"]
