"""Dose finding: DLT summary, the 3+3 decision trail, BOIN (Liu & Yuan 2015) and the RP2D table.

Pure design functions (``three_plus_three``, ``boin``) work on per-dose counts; ``dlt`` turns
ADSL/ADDLT into those counts and the DLT summary; ``results`` and ``rp2d`` build the tables;
``cli`` exposes them (``dlt-summary``, ``dose-finding``, ``boin-boundaries``) and ``run_all``.
"""
