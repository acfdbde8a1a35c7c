# Reference values for tests/survival/test_survival_pilot.py.
# Ran on: the public CDISC pilot ADTTE (tests/data/cdiscpilot01/adtte.xpt), PARAMCD TTDE,
# grouped by TRTA (ordered by TRTAN: Placebo, Xanomeline Low Dose, Xanomeline High Dose) and
# pooled ("Total"); event = CNSR == 0. R survival (3.5-3): survfit(conf.type = "log-log"),
# quantile(), survdiff(), coxph() (Efron ties, the default).
# Regenerate: cd tests/survival/results && Rscript pilot_km.R
library(survival)
library(foreign)
d <- read.xport("../../data/cdiscpilot01/adtte.xpt")
d <- d[d$PARAMCD == "TTDE" & d$SAFFL == "Y", ]
d$TRTA <- factor(d$TRTA, levels = c("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"))
d$EV <- as.integer(d$CNSR == 0)
times <- c(1, 7, 30, 91, 150, 182, 190, 198, 250)
groups <- c(levels(d$TRTA), "Total")
est <- NULL
qs <- NULL
for (g in groups) {
  sub <- if (g == "Total") d else d[d$TRTA == g, ]
  fit <- survfit(Surv(AVAL, EV) ~ 1, data = sub, conf.type = "log-log")
  for (t in times) {
    # times after the last observed time are not estimable (summary(extend = FALSE) drops them)
    if (t > max(sub$AVAL)) {
      est <- rbind(est, data.frame(group = g, time = t, n_risk = NA, surv = NA, std_err = NA, lower = NA, upper = NA))
    } else {
      s <- summary(fit, times = t)
      est <- rbind(est, data.frame(group = g, time = t, n_risk = s$n.risk, surv = s$surv,
                                   std_err = s$std.err, lower = s$lower, upper = s$upper))
    }
  }
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
  qs <- rbind(qs, data.frame(group = g, p = c(0.25, 0.5, 0.75), estimate = as.numeric(q$quantile),
                             lower = as.numeric(q$lower), upper = as.numeric(q$upper)))
}
sd <- survdiff(Surv(AVAL, EV) ~ TRTA, data = d)
cx <- coxph(Surv(AVAL, EV) ~ TRTA, data = d)
ci <- exp(confint(cx))
sm <- summary(cx)$coefficients
tests <- data.frame(
  stat = c("logrank_chisq", "logrank_df", "logrank_p",
           paste0("hr_", 2:3), paste0("hr_ci_lower_", 2:3), paste0("hr_ci_upper_", 2:3), paste0("hr_p_", 2:3)),
  value = c(sd$chisq, length(sd$n) - 1, pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE),
            exp(coef(cx)), ci[, 1], ci[, 2], sm[, "Pr(>|z|)"]))
write.csv(est, "pilot_km_estimates.csv", row.names = FALSE)
write.csv(qs, "pilot_km_quantiles.csv", row.names = FALSE)
write.csv(tests, "pilot_km_tests.csv", row.names = FALSE)
