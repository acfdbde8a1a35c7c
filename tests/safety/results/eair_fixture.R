# Reference EAIRs for the hand-made fixture (tests/safety/ae_fixtures.py), from days at risk
# worked out by hand (time to first onset, else to EOSDT; both days counted):
#   any TEAE: A 1 subject / 205 days (S1 day 5 + S2 200), B 2 / 8 (S3 day 5 + S5 day 3)
#   Nausea:   A 1 / 210 (S1 day 10 + S2 200), B 2 / 24 (S3 day 21 + S5 day 3)
#   Hepatic failure: A 0 / 300 (S1 100 + S2 200), B 1 / 351 (S3 day 51 + S5 300)
#   Rash:     B 1 / 152 (S3 51 + S5 day 101)
# Totals add the groups. Rate per 100 person-years (days / 365.25), exact Poisson CI (poisson.test).
# Run: Rscript tests/safety/results/eair_fixture.R
cases <- data.frame(
  term = c("ANY", "ANY", "ANY", "Nausea", "Nausea", "Nausea", "Hepatic failure", "Hepatic failure",
           "Hepatic failure", "Rash", "Rash"),
  col = c("A", "B", "Total", "A", "B", "Total", "A", "B", "Total", "B", "Total"),
  n = c(1, 2, 3, 1, 2, 3, 0, 1, 1, 1, 1),
  days = c(205, 8, 213, 210, 24, 234, 300, 351, 651, 152, 452))
cases$py <- cases$days / 365.25
for (i in seq_len(nrow(cases))) {
  ci <- poisson.test(cases$n[i], cases$py[i])$conf.int
  cases$rate[i] <- 100 * cases$n[i] / cases$py[i]
  cases$ci_lower[i] <- 100 * ci[1]
  cases$ci_upper[i] <- 100 * ci[2]
}
write.csv(cases, "tests/safety/results/eair_fixture.csv", row.names = FALSE)
