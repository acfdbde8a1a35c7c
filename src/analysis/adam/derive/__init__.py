"""Derivation verbs (admiral style): one small function per derivation, named for what it
adds, checking its input columns first. Datasets are built as chains of these."""

from analysis.adam.derive.checks import require_columns  # noqa: F401
