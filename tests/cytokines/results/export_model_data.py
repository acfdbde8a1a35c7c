"""Write the cyt_model dataset of one cytokine to CSV, the input of nlme_cytokine_model.R.

Run from the repository root on the embedded study's ADaM (python -m analysis ... or snakemake
output outputs/full/adam; tests build the same ADaM with the embedded_adam_dir fixture):

    python tests/cytokines/results/export_model_data.py outputs/full/adam IL6

It writes tests/cytokines/results/cyt_model_data_<paramcd>.csv: USUBJID, TRT, TIME, CYCLE,
VISIT, LFC = ln(R2CYCBS) of the post-dose scheduled analysis records (analysis.cytokines.model).
"""

import sys
from pathlib import Path

from analysis.cytokines.cli import build_context
from analysis.cytokines.config import load_spec
from analysis.cytokines.model import model_dataset
from analysis.xpt import read_analysis_dataset


def export(adam_dir: str, paramcd: str) -> Path:
    adam = Path(adam_dir)
    ctx = build_context(read_analysis_dataset(adam / "adsl.xpt", "ADSL"),
                        read_analysis_dataset(adam / "adcyt.xpt", "ADCYT"), load_spec(), params=[paramcd])
    data = model_dataset(ctx.recs, paramcd, ctx.schedule, ctx.groups.levels, ctx.predose)
    out = Path(__file__).parent / f"cyt_model_data_{paramcd.lower()}.csv"
    data.to_csv(out, index=False, lineterminator="\n", float_format="%.17g")
    return out


if __name__ == "__main__":
    print(export(sys.argv[1], sys.argv[2]))
