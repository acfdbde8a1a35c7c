"""Efficacy by visit (issue 6, part 2): descriptive summaries by visit and dose group, MMRM of
change from baseline with covariance fallback and Kenward-Roger df, ANCOVA at the primary time
point with a linear dose-response contrast. Study facts: specs/analysis/efficacy.yaml;
conventions: docs/efficacy.md. Entry points: `cli.register`, `cli.run_all`."""
