"""ADaM layer: derivation verbs, clinical scores and the analysis datasets built from SDTM."""
