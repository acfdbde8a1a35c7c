"""Study population displays, generic over ADSL: subject disposition and demographics /
baseline characteristics by treatment group and total (TableResult + ARD each)."""

from .demographics import demographics_table
from .disposition import disposition_table
from .run import run_all

__all__ = ["demographics_table", "disposition_table", "run_all"]
