"""SDTM and ADaM conformance checker: generic SDTMIG / ADaMIG rules for any package of XPT
files, plus rules against our specs and study spec when given (docs/conformance-rules.md lists
them all).

>>> from analysis.validate import validate_adam, validate_sdtm  # doctest: +SKIP
>>> report = validate_sdtm("outputs/sdtm", specs_dir="specs/sdtm", study="specs/study.yaml")  # doctest: +SKIP
>>> report.counts  # doctest: +SKIP
{'ERROR': 0, 'WARNING': 3, 'NOTICE': 0}
>>> report = validate_adam("outputs/adam", specs_dir="specs/adam")  # doctest: +SKIP
"""

from analysis.validate.engine import main_validate, validate, validate_adam, validate_package, validate_sdtm
from analysis.validate.package import Dataset, Package
from analysis.validate.registry import ADAM_RULES, RULES
from analysis.validate.report import Finding, Report

__all__ = ["validate", "validate_sdtm", "validate_adam", "validate_package", "main_validate", "Report", "Finding",
           "Dataset", "Package", "RULES", "ADAM_RULES"]
