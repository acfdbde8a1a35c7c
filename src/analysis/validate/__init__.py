"""SDTM conformance checker: generic SDTMIG rules for any package of XPT files, plus rules
against our specs and study spec when given (docs/conformance-rules.md lists them all).

>>> from analysis.validate import validate_sdtm  # doctest: +SKIP
>>> report = validate_sdtm("outputs/sdtm", specs_dir="specs/sdtm", study="specs/study.yaml")  # doctest: +SKIP
>>> report.counts  # doctest: +SKIP
{'ERROR': 0, 'WARNING': 3, 'NOTICE': 0}
"""

from analysis.validate.engine import main_validate, validate_package, validate_sdtm
from analysis.validate.package import Dataset, Package
from analysis.validate.registry import RULES
from analysis.validate.report import Finding, Report

__all__ = ["validate_sdtm", "validate_package", "main_validate", "Report", "Finding", "Dataset", "Package", "RULES"]
