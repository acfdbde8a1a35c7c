"""Small results shared by the rendering tests: a demographics-like table and a 120-row listing."""

import pandas as pd
import pytest

from analysis.ard import ArdRows, ListingResult, TableResult
from analysis.tlf.layout import RenderContext

GROUPS = ["UC-MSC 1x10^6 cells/kg (N=6)", "UC-MSC 2x10^6 cells/kg (N=6)", "UC-MSC 4x10^6 cells/kg (N=6)",
          "Total (N=18)"]


@pytest.fixture
def context() -> RenderContext:
    return RenderContext("NCT05948982", "2025-06-30", "analysis demographics", "0.1.0+test", "14.1.2")


@pytest.fixture
def small_table() -> TableResult:
    rows = [["Age (years)", "n", "6", "6", "6", "18"],
            ["", "Mean (SD)", "57.0 (4.15)", "53.2 (7.63)", "51.5 (8.09)", "53.9 (6.86)"],
            ["Sex", "F", "3 (50.0)", "1 (16.7)", "1 (16.7)", "5 (27.8)"],
            ["", "M", "3 (50.0)", "5 (83.3)", "5 (83.3)", "13 (72.2)"],
            ["Liver stiffness {kPa} \\ µ ≥ 5", "Median", "24.15", "31.10", "18.55", "25.00"]]
    table = pd.DataFrame(rows, columns=["Characteristic", "Statistic"] + GROUPS)
    ard = ArdRows("demographics")
    ard.add("n", 6, group1="TRT01A", group1_level="UC-MSC 1x10^6 cells/kg", variable="AGE")
    return TableResult("demographics", "Demographics and Baseline Characteristics", table, ard.frame(),
                       footnotes=["N = number of subjects in the safety population.",
                                  "Percentages use N as denominator; ANL01FL_X is printed literally."],
                       population="Safety Population Flag (SAFFL = Y)")


@pytest.fixture
def long_listing() -> ListingResult:
    terms = ["Ascites", "Esophageal varices haemorrhage", "Hepatic encephalopathy", "Pyrexia"]
    outcomes = ["RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED", "FATAL"]
    rows = []
    for i in range(120):
        rows.append({"Dose group": GROUPS[i % 3].split(" (N=")[0],
                     "Subject": f"NCT05948982-0{1 + i % 3}-{i:03d}",
                     "Preferred Term": terms[i % 4],
                     "Reported term": terms[i % 4].lower() + (" with a longer verbatim description" if i % 7 == 0 else ""),
                     "Onset day": str(1 + 3 * i), "Grade": str(1 + i % 5), "Outcome": outcomes[i % 3]})
    return ListingResult("l_ae_all", "Listing of all adverse events", pd.DataFrame(rows),
                         footnotes=["Onset day is relative to the first infusion (Day 1)."],
                         population='SAFFL = "Y"')
