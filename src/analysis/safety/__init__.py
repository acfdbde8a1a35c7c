"""Adverse-event tables and listings, generic over ADaM (ADSL + ADAE).

Entry points: `prepare` (checks and joins ADSL/ADAE under `AeOptions`), the table functions
(`ae_overview`, `ae_soc_pt`, `ae_soc_pt_grade`, `ae_soc_pt_related`, `ae_soc_pt_serious`,
`ae_eair`), the listings (`l_ae_serious`, `l_deaths`, `l_dlt`, `l_ae_disc`), `run_all` for a
whole study, and `cli.register` for the command line.
"""

from .data import AeData, prepare
from .eair import ae_eair
from .listings import l_ae_disc, l_ae_serious, l_deaths, l_dlt
from .options import AeOptions, Criterion, GradeScale, options_from_spec
from .run import run_all
from .tables import ae_overview, ae_soc_pt, ae_soc_pt_grade, ae_soc_pt_related, ae_soc_pt_serious

__all__ = ["AeData", "AeOptions", "Criterion", "GradeScale", "ae_eair", "ae_overview", "ae_soc_pt",
           "ae_soc_pt_grade", "ae_soc_pt_related", "ae_soc_pt_serious", "l_ae_disc", "l_ae_serious",
           "l_deaths", "l_dlt", "options_from_spec", "prepare", "run_all"]
