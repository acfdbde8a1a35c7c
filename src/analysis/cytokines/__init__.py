"""Cytokine trajectories after each UC-MSC infusion (ADCYT): summaries by dose group and nominal
time since infusion, AUC per cycle, a mixed model of the fold change vs the cycle's pre-infusion
value, spaghetti plots and a fold-change heatmap. See docs/cytokines.md; the command line is in
`analysis.cytokines.cli`."""
