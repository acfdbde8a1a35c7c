"""Simulated raw export of the study (see analysis.simulate.export)."""


def simulate(*args, **kwargs):
    """Write a simulated raw export; see analysis.simulate.export.simulate."""
    from analysis.simulate.export import simulate as _simulate

    return _simulate(*args, **kwargs)
