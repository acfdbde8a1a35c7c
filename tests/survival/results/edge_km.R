# Reference values for tests/survival/test_survival_edges.py.
# Ran on: km_edge_fixture.csv (hand-made: an event at the last time 393 = a timepoint, a
# censoring exactly at timepoint 85, an event and a censoring tied at 20 and 60, group B
# without events, group E with a single subject). status 1 = event, 0 = censored.
# R survival (3.5-3): survfit(conf.type = "log-log"), quantile(), survdiff(), coxph() (Efron).
# Regenerate: cd tests/survival/results && Rscript edge_km.R
library(survival)
d <- read.csv("km_edge_fixture.csv")
d$group <- factor(d$group, levels = c("A", "B", "D", "E"))
times <- c(4, 15, 20, 85, 100, 393, 400)
est <- NULL
qs <- NULL
for (g in c(levels(d$group), "Total")) {
  sub <- if (g == "Total") d else d[d$group == g, ]
  fit <- survfit(Surv(time, status) ~ 1, data = sub, conf.type = "log-log")
  for (t in times) {
    if (t > max(sub$time)) {
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
sd <- survdiff(Surv(time, status) ~ group, data = d)
# Cox without group B (no events): the limit of the full model as B's log HR -> -Inf
noB <- droplevels(d[d$group != "B", ])
cx <- coxph(Surv(time, status) ~ group, data = noB)
ci <- exp(confint(cx))
full <- coxph(Surv(time, status) ~ group, data = d)  # warns: B's coefficient may be infinite
tests <- data.frame(
  stat = c("logrank_chisq", "logrank_df", "hr_D", "hr_E", "hr_ci_lower_D", "hr_ci_lower_E",
           "hr_ci_upper_D", "hr_ci_upper_E", "full_hr_D", "full_hr_E", "full_coef_B"),
  value = c(sd$chisq, length(sd$n) - 1, exp(coef(cx)), ci[, 1], ci[, 2],
            exp(coef(full))[c("groupD", "groupE")], coef(full)["groupB"]))
write.csv(est, "km_edge_estimates.csv", row.names = FALSE)
write.csv(qs, "km_edge_quantiles.csv", row.names = FALSE)
write.csv(tests, "km_edge_tests.csv", row.names = FALSE)
