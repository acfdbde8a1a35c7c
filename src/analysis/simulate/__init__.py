"""Simulated raw export of the study (see analysis.simulate.export)."""

from analysis.simulate.export import simulate

__all__ = ["simulate"]
