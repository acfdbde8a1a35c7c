"""Reading ADSL for the population displays: the data plus its variable labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd



def read_adsl_with_labels(path: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """ADSL from an XPT file and its variable labels (``{name: label}``, blank labels dropped).

    A missing or unreadable file is a one-line UserError naming the file.
    """
    from analysis.xpt import read_analysis_dataset

    return read_analysis_dataset(path, "ADSL", with_labels=True)
