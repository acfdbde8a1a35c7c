"""ADSL + ADAE -> the records the AE tables count, with the checks that keep counts honest:
denominators from ADSL, every ADAE subject known to ADSL, ADAE's treatment equal to ADSL's."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.errors import UserError
from analysis.stats.groups import Groups, analysis_groups, require

from .options import AeOptions, as_text

UNCODED = "(Uncoded)"


@dataclass(frozen=True)
class AeData:
    """`records`: ADAE rows of population subjects (all, for listings) with `_GROUP` and the
    text columns `_SOC`, `_PT`; `teae`: the treatment-emergent subset the tables count;
    `notes`: footnotes on what was excluded and why."""

    groups: Groups
    records: pd.DataFrame
    teae: pd.DataFrame
    options: AeOptions
    notes: tuple[str, ...]


def _examples(ids: pd.Series, k: int = 5) -> str:
    return ", ".join(sorted(pd.unique(ids.astype(str)))[:k])


def check_treatment_agrees(adae: pd.DataFrame, subjects: pd.DataFrame, options: AeOptions,
                           adsl_var: str) -> None:
    """ADAE's own treatment variable, when it has one, must equal ADSL's for every record."""
    ae_var = next((v for v in (options.treatment, adsl_var) if v in adae.columns), None)
    if ae_var is None:
        return
    expected = adae["USUBJID"].map(subjects.set_index("USUBJID")["_GROUP"])
    differ = as_text(adae[ae_var]) != expected
    if differ.any():
        raise UserError(f"ADAE: {ae_var} differs from ADSL {adsl_var} for {int(differ.sum())} record(s) "
                        f"(e.g. subject {_examples(adae.loc[differ, 'USUBJID'], 1)}); "
                        f"denominators come from ADSL, so the two must agree")


def required_variables(options: AeOptions) -> list[str]:
    crits = [options.related, options.serious, options.dlt, options.discontinuation, *options.fatal]
    wanted = ["USUBJID", options.soc, options.pt]
    wanted += [options.teae_flag] if options.teae_flag else []
    wanted += [options.grade.variable] if options.grade else []
    wanted += [c.variable for c in crits if c is not None]
    return list(dict.fromkeys(wanted))


def prepare(adsl: pd.DataFrame, adae: pd.DataFrame, options: AeOptions) -> AeData:
    """Check and join ADSL and ADAE; see AeData.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRT01A": ["A", "B", ""],
    ...                      "SAFFL": ["Y", "Y", "N"]})
    >>> adae = pd.DataFrame({"USUBJID": ["1", "1", "3"], "AEBODSYS": ["S", "S", "S"],
    ...                      "AEDECOD": ["P", "Q", "P"], "TRTEMFL": ["Y", "", "Y"]})
    >>> d = prepare(adsl, adae, AeOptions())
    >>> len(d.records), len(d.teae), d.groups.n
    (2, 1, {'A': 1, 'B': 1, 'Total': 2})
    """
    options = options.resolve(adsl, adae)
    groups = analysis_groups(adsl, options.treatment, options.population,
                             list(options.levels) if options.levels else None, total=True)
    require(adae, required_variables(options), "ADAE")
    notes = list(options.notes)

    unknown = ~adae["USUBJID"].isin(adsl["USUBJID"])
    if unknown.any():
        raise UserError(f"ADAE: {int(unknown.sum())} record(s) of subject(s) not in ADSL "
                        f"(e.g. {_examples(adae.loc[unknown, 'USUBJID'])})")
    in_pop = adae["USUBJID"].isin(groups.subjects["USUBJID"])
    if (~in_pop).any():
        notes.append(f"{int((~in_pop).sum())} ADAE record(s) of {adae.loc[~in_pop, 'USUBJID'].nunique()} "
                     f"subject(s) outside the population ({groups.population} != \"Y\") are excluded.")
    records = adae.loc[in_pop].copy()
    check_treatment_agrees(records, groups.subjects, options, groups.treatment)
    records["_GROUP"] = records["USUBJID"].map(groups.subjects.set_index("USUBJID")["_GROUP"])
    for src, dst in ((options.soc, "_SOC"), (options.pt, "_PT")):
        text = as_text(records[src])
        records[dst] = text.where(text != "", UNCODED)
    if options.grade is not None:
        records["_GRADE"] = options.grade.ranks(records)

    if options.teae_flag:
        te = as_text(records[options.teae_flag]) == "Y"
        if (~te).any():
            notes.append(f"{int((~te).sum())} record(s) not treatment-emergent ({options.teae_flag} != \"Y\") "
                         f"are excluded from the tables.")
        teae = records.loc[te]
    else:
        teae = records
    uncoded = (teae["_SOC"] == UNCODED) | (teae["_PT"] == UNCODED)
    if uncoded.any():
        notes.append(f"{int(uncoded.sum())} event(s) without a coded {options.soc}/{options.pt} are shown as "
                     f"{UNCODED}.")
    return AeData(groups, records, teae, options, tuple(notes))
