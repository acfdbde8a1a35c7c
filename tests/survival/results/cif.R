# Reference values for tests/survival/test_survival_cif.py.
# Ran on: cif_fixture.csv (hand-made: ties between events, competing events and censorings)
# and embedded_tte.csv (the embedded study's TTDECOMP and TTLTX analysis records, exported
# from ADTTE; status 1 = event, 2 = competing event (CMPEVFL = "Y"), 0 = censored).
# R survival (3.5-3): survfit(Surv(time, factor status) ~ 1, conf.type = "log-log"), the
# Aalen-Johansen estimator with infinitesimal-jackknife standard errors.
# Regenerate: cd tests/survival/results && Rscript cif.R
library(survival)
one <- function(sub, source, g, times) {
  sub$f <- factor(sub$status, levels = 0:2, labels = c("censor", "event", "competing"))
  fit <- survfit(Surv(time, f) ~ 1, data = sub, conf.type = "log-log")
  out <- NULL
  for (t in times) {
    if (t > max(sub$time)) {
      out <- rbind(out, data.frame(source = source, group = g, time = t, n_risk = NA, cif = NA,
                                   std_err = NA, lower = NA, upper = NA))
    } else {
      s <- summary(fit, times = t)
      k <- which(s$states == "event")
      out <- rbind(out, data.frame(source = source, group = g, time = t, n_risk = s$n.risk[, 1],
                                   cif = s$pstate[, k], std_err = s$std.err[, k],
                                   lower = s$lower[, k], upper = s$upper[, k]))
    }
  }
  out
}
res <- NULL
fx <- read.csv("cif_fixture.csv")
for (g in c("A", "B", "Total")) {
  sub <- if (g == "Total") fx else fx[fx$group == g, ]
  res <- rbind(res, one(sub, "fixture", g, c(0.5, 1, 2, 3, 4.5, 5, 8, 9, 10)))
}
em <- read.csv("embedded_tte.csv")
for (p in c("TTDECOMP", "TTLTX")) {
  ep <- em[em$paramcd == p, ]
  for (g in c(sort(unique(ep$group)), "Total")) {
    sub <- if (g == "Total") ep else ep[ep$group == g, ]
    res <- rbind(res, one(sub, p, g, c(85, 169, 250, 393)))
  }
}
write.csv(res, "cif_reference.csv", row.names = FALSE)
