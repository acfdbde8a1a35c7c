"""SDTM tabulations built from the validated raw tables (SDTMIG 3.4)."""
