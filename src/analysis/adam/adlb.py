"""ADLB: liver chemistry, haematology, coagulation, immunoglobulins, tumour markers, HBV DNA
(with a log10 parameter and detection categories) and lymphocyte subsets (CP, with CD4/CD8 and
Th17/Treg ratios). Cytokines have their own dataset (ADCYT).

Chain: LB + CP records -> parameters -> below-LLOQ imputation -> ADSL variables and study day
-> derived parameters (HBV DNA log10, ratios) -> baseline, change, windows, ANL01FL -> normal
ranges (ANRIND/BNRIND, xULN) -> CTCAE v5 grades and shift -> liver criteria flags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.adam.adcyt import cytokine_schedule
from analysis.adam.adsl import merge_adsl_vars
from analysis.adam.bds import (
    analysis_windows,
    derive_bds_baseline_chain,
    derive_bds_timing,
    findings_to_bds,
)
from analysis.adam.context import AdamContext
from analysis.adam.ctcae import (
    derive_var_atoxgr_dir,
    derive_var_btoxgr,
    derive_var_shift,
)
from analysis.adam.derive.baseline import derive_var_base
from analysis.adam.derive.checks import fresh, require_columns
from analysis.adam.derive.labs import (
    derive_var_anrind,
    derive_var_crit_uln,
    derive_var_r2anrhi,
    derive_vars_blq,
)
from analysis.adam.metadata import Param
from analysis.errors import SpecError


def schedule_by_category(study) -> dict[str, str]:
    """LBCAT -> the assessment schedule (specs/study.yaml `assessments`) that collects it."""
    return {a["category"]: name for name, a in study.data["assessments"].items() if "category" in a}


def schedule_by_form(study, form: str) -> str:
    return next(name for name, a in study.data["assessments"].items() if a["form"] == form)


def derive_vars_param(bds: pd.DataFrame, params: dict[str, Param]) -> pd.DataFrame:
    """PARAM, PARAMN and PARCAT1 from the parameter spec; a PARAMCD the spec does not know is
    an error (a new test code needs its parameter defined first).

    >>> p = {"ALT": Param("ADLB", "ALT", "Alanine Aminotransferase (U/L)", 1, "CHEMISTRY", "U/L", "", "")}
    >>> derive_vars_param(pd.DataFrame({"PARAMCD": ["ALT"]}), p)[["PARAM", "PARCAT1"]].values.tolist()
    [['Alanine Aminotransferase (U/L)', 'CHEMISTRY']]
    """
    require_columns(bds, ["PARAMCD"], "derive_vars_param")
    unknown = ~bds["PARAMCD"].isin(list(params))
    if unknown.any():
        # a test code the export carries but the ADaM specs do not define: the user adds it
        first = bds[unknown].iloc[0]
        where = next(iter(params.values())).spec_file if params else "the parameter specs"
        source = (f"{first['SRCDOM']} record {first['SRCDOM']}SEQ {first['SRCSEQ']:g} of {first['USUBJID']}"
                  if {"SRCDOM", "SRCSEQ", "USUBJID"} <= set(bds.columns) else "a record")
        raise SpecError(f"{where}: no parameter for PARAMCD {sorted(set(bds.loc[unknown, 'PARAMCD']))} "
                        f"({int(unknown.sum())} record(s), e.g. {source}); add it to the parameter spec")
    out = fresh(bds)
    out["PARAM"] = bds["PARAMCD"].map({k: p.param for k, p in params.items()})
    out["PARAMN"] = bds["PARAMCD"].map({k: float(p.paramn) for k, p in params.items()})
    out["PARCAT1"] = bds["PARAMCD"].map({k: p.parcat1 for k, p in params.items()})
    return out


def derive_param_log10(bds: pd.DataFrame, source: str, new: str, categories: dict) -> pd.DataFrame:
    """Add `new` records: log10 of `source`'s AVAL (after below-LLOQ imputation), with
    AVALCAT1 on both: not detected / detected below LLOQ / quantifiable.

    >>> df = pd.DataFrame({"PARAMCD": ["HBVDNA"] * 3, "AVAL": [10.0, 10.0, 100.0],
    ...     "AVALC": ["TARGET NOT DETECTED", "<20", "100"], "BLQFL": ["Y", "Y", ""]})
    >>> cats = {"not_detected": "TARGET NOT DETECTED", "below_lloq": "DETECTED <LLOQ", "quantifiable": "QUANTIFIABLE"}
    >>> out = derive_param_log10(df, "HBVDNA", "HBVDNALG", cats)
    >>> out[out.PARAMCD == "HBVDNALG"][["AVAL", "AVALCAT1"]].values.tolist()
    [[1.0, 'TARGET NOT DETECTED'], [1.0, 'DETECTED <LLOQ'], [2.0, 'QUANTIFIABLE']]
    """
    require_columns(bds, ["PARAMCD", "AVAL", "AVALC", "BLQFL"], "derive_param_log10")
    out = fresh(bds)
    is_src = out["PARAMCD"] == source
    cat = np.select([out["AVALC"].str.upper() == categories["not_detected"].upper(), out["BLQFL"] == "Y",
                     out["AVAL"].notna()],
                    [categories["not_detected"], categories["below_lloq"], categories["quantifiable"]], "")
    if "AVALCAT1" not in out:
        out["AVALCAT1"] = ""
    out.loc[is_src, "AVALCAT1"] = cat[is_src.to_numpy()]
    logs = out[is_src].copy()
    logs["PARAMCD"] = new
    logs["AVAL"] = np.log10(logs["AVAL"].where(logs["AVAL"] > 0))
    logs["AVALC"] = ""
    for col in ("ANRLO", "ANRHI"):  # the source's ranges are on the original scale
        if col in logs:
            logs[col] = np.nan
    return pd.concat([out, logs], ignore_index=True)


def derive_param_ratio(bds: pd.DataFrame, new: str, numerator: str, denominator: str) -> pd.DataFrame:
    """Add `new` records = numerator / denominator from the same sample: same subject, date-time
    and visit (two visits can share a date when the time is not collected).

    >>> df = pd.DataFrame({"USUBJID": ["1", "1"], "ADTM": pd.to_datetime(["2024-01-01 08:00"] * 2), "VISITNUM": [6.0] * 2,
    ...     "PARAMCD": ["CD4ABS", "CD8ABS"], "AVAL": [600.0, 300.0], "AVALC": ["600", "300"], "SRCSEQ": [1.0, 2.0]})
    >>> derive_param_ratio(df, "CD4CD8R", "CD4ABS", "CD8ABS").query("PARAMCD == 'CD4CD8R'")["AVAL"].tolist()
    [2.0]
    """
    keys = ["USUBJID", "ADTM", "VISITNUM"]
    require_columns(bds, [*keys, "PARAMCD", "AVAL"], "derive_param_ratio")
    num = bds[bds["PARAMCD"] == numerator]
    den = bds[bds["PARAMCD"] == denominator][[*keys, "AVAL"]].rename(columns={"AVAL": "_DEN"})
    pair = num.merge(den, on=keys, how="inner", validate="one_to_one")
    pair["AVAL"] = pair["AVAL"] / pair["_DEN"].where(pair["_DEN"] > 0)
    pair["PARAMCD"], pair["AVALC"] = new, ""
    pair["SRCVAR"], pair["SRCSEQ"] = "", np.nan  # derived from two records: traceable by the method
    return pd.concat([bds, pair.drop(columns="_DEN")], ignore_index=True)


def lab_records(ctx: AdamContext) -> pd.DataFrame:
    """LB (but cytokines) and CP records as BDS base records with normal ranges and LLOQ."""
    study = ctx.study
    lb = ctx.domain("LB")
    lb = lb[lb["LBCAT"] != cytokine_schedule(study, ctx.conventions)[1]]  # those go to ADCYT
    schedules = schedule_by_category(study)
    base = findings_to_bds(lb, "LB", schedule=lb["LBCAT"].map(schedules))
    keep = lb[lb["LBSTAT"] != "NOT DONE"]
    base["ANRLO"] = keep["LBSTNRLO"].to_numpy(dtype=float)
    base["ANRHI"] = keep["LBSTNRHI"].to_numpy(dtype=float)
    base["ALLOQ"] = keep["LBLLOQ"].to_numpy(dtype=float)
    cp = ctx.domain("CP")
    cp_base = findings_to_bds(cp, "CP", schedule=schedule_by_form(study, "flow_cytometry"))
    # flow cytometry arrives without ranges: the study's reference ranges apply
    ref = {cd: t.ref for cd, t in study.lab_tests.items()}
    cp_base["ANRLO"] = cp_base["PARAMCD"].map({k: float(v[0]) for k, v in ref.items()})
    cp_base["ANRHI"] = cp_base["PARAMCD"].map({k: float(v[1]) for k, v in ref.items()})
    cp_base["ALLOQ"] = np.nan
    return pd.concat([base, cp_base], ignore_index=True)


def derive_vars_ctcae(bds: pd.DataFrame, criteria) -> pd.DataFrame:
    """CTCAE v5 grades in both directions (ATOXDSCH/ATOXGRH, ATOXDSCL/ATOXGRL), the baseline
    grades (BTOXGRH/BTOXGRL) and the shifts baseline -> record (SHIFT1 high, SHIFT2 low).

    Pre-dose records (baseline included) are graded on the ULN criteria: the baseline-multiple
    criteria of v5 compare a post-baseline value with baseline, and a baseline graded against
    itself would always be grade 0 (admiral issue 2512)."""
    require_columns(bds, ["_PREDOSE", "BNRIND"], "derive_vars_ctcae")
    graded = fresh(bds)
    graded["_BNRIND"] = graded["BNRIND"]
    graded.loc[graded["_PREDOSE"], "BNRIND"] = ""
    graded = derive_var_atoxgr_dir(graded, criteria, "H")
    graded = derive_var_atoxgr_dir(graded, criteria, "L")
    graded["BNRIND"] = graded.pop("_BNRIND")
    graded = derive_var_btoxgr(graded)
    graded = derive_var_shift(graded, "BTOXGRH", "ATOXGRH", "SHIFT1")
    return derive_var_shift(graded, "BTOXGRL", "ATOXGRL", "SHIFT2")


def build_adlb(ctx: AdamContext, adsl: pd.DataFrame, params: dict[str, Param], criteria) -> pd.DataFrame:
    """ADLB from LB and CP, graded with the CTCAE `criteria` (analysis.adam.ctcae)."""
    conv = ctx.conventions
    bds = lab_records(ctx)
    bds = derive_vars_blq(bds, lloq="ALLOQ", blq_factor=conv["blq_factor"],
                          not_detected=tuple(conv["not_detected_results"]))
    bds = merge_adsl_vars(bds, adsl)
    hbv = conv["hbv_dna"]
    bds = derive_param_log10(bds, hbv["paramcd"], hbv["log_paramcd"], hbv["categories"])
    for r in conv["cp_ratios"]:
        bds = derive_param_ratio(bds, r["paramcd"], r["numerator"], r["denominator"])
    bds = derive_vars_param(bds, params)
    bds = derive_bds_timing(bds, adsl)
    windows = analysis_windows(ctx.study, adsl, ctx.domain("EX"), sorted(set(bds["_SCHEDULE"].dropna())))
    bds = derive_bds_baseline_chain(bds, ctx.study, windows)
    bds = derive_var_anrind(bds)
    bds = derive_var_base(bds, ["USUBJID", "PARAMCD"], source_var="ANRIND", new_var="BNRIND")
    bds = derive_var_r2anrhi(bds)
    for c in conv["lab_criteria"]:
        bds = derive_var_crit_uln(bds, paramcds=tuple(c["paramcds"]), multiple=c["multiple"], crit=c["crit"],
                                  label=c["label"])
    return derive_vars_ctcae(bds, criteria)
