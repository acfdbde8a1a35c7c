"""Time-to-event analyses: Kaplan-Meier, log-rank, Cox hazard ratios, Aalen-Johansen
cumulative incidence with competing risks, and incidence proportions (docs/survival.md)."""
