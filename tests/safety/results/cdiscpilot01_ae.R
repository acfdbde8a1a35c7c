# Independent reference for the AE tables on the CDISC pilot (cdiscpilot01) ADaM.
# Run from the repository root:  Rscript tests/safety/results/cdiscpilot01_ae.R
# Writes tests/safety/results/cdiscpilot01_ae.csv: subjects with >= 1 treatment-emergent AE
# (TRTEMFL == "Y") by arm (ADSL TRT01A) for any TEAE, every SOC (AEBODSYS) and every PT within
# its SOC (AEDECOD), plus serious TEAEs (AESER == "Y"), with N from ADSL (SAFFL == "Y") and the
# number of events, and any TEAE by maximum severity (AESEV). Base R and foreign only.
library(foreign)

dir <- "tests/data/cdiscpilot01"
adsl <- read.xport(file.path(dir, "adsl.xpt"))
adae <- read.xport(file.path(dir, "adae.xpt"))
trim <- function(x) trimws(as.character(x))

adsl <- adsl[trim(adsl$SAFFL) == "Y", ]
adsl$ARM <- trim(adsl$TRT01A)
arms <- unique(adsl$ARM)
big_n <- table(factor(adsl$ARM, levels = arms))

ae <- adae[trim(adae$TRTEMFL) == "Y" & trim(adae$USUBJID) %in% trim(adsl$USUBJID), ]
ae$USUBJID <- trim(ae$USUBJID)
ae$ARM <- adsl$ARM[match(ae$USUBJID, trim(adsl$USUBJID))]
ae$SOC <- trim(ae$AEBODSYS)
ae$PT <- trim(ae$AEDECOD)

tally <- function(d, level, soc, pt) {
  out <- NULL
  for (arm in c(arms, "Total")) {
    x <- if (arm == "Total") d else d[d$ARM == arm, ]
    N <- if (arm == "Total") nrow(adsl) else as.integer(big_n[arm])
    out <- rbind(out, data.frame(level = level, soc = soc, pt = pt, arm = arm,
                                 n = length(unique(x$USUBJID)), N = N, events = nrow(x)))
  }
  out
}

res <- tally(ae, "any", "", "")
for (s in sort(unique(ae$SOC))) {
  d <- ae[ae$SOC == s, ]
  res <- rbind(res, tally(d, "soc", s, ""))
  for (p in sort(unique(d$PT))) res <- rbind(res, tally(d[d$PT == p, ], "pt", s, p))
}
res <- rbind(res, tally(ae[trim(ae$AESER) == "Y", ], "serious", "", ""))
# any TEAE by each subject's maximum severity (MILD < MODERATE < SEVERE)
sev <- match(trim(ae$AESEV), c("MILD", "MODERATE", "SEVERE"))
worst <- tapply(sev, ae$USUBJID, max)
ae$WORST <- c("MILD", "MODERATE", "SEVERE")[worst[ae$USUBJID]]
first <- ae[!duplicated(ae$USUBJID), ]
for (s in c("MILD", "MODERATE", "SEVERE")) {
  x <- tally(first[first$WORST == s, ], "maxsev", "", s)
  res <- rbind(res, x[, names(x) != "events"] |> transform(events = NA))
}
write.csv(res, "tests/safety/results/cdiscpilot01_ae.csv", row.names = FALSE)
cat(nrow(res), "rows\n")

# Exposure-adjusted incidence (Liu et al. 2006) -> cdiscpilot01_eair.csv: for any TEAE and every
# PT, subjects with the event / days at risk, where days = first onset (ASTDT) - TRTSDT + 1 for
# subjects with it, else TRTEDT - TRTSDT + 1 (ADSL); rate per 100 person-years (days / 365.25)
# with the exact Poisson CI (poisson.test).
adsl$START <- adsl$TRTSDT
adsl$FULL <- adsl$TRTEDT - adsl$TRTSDT + 1
ae$ONSET <- ae$ASTDT - adsl$START[match(ae$USUBJID, trim(adsl$USUBJID))] + 1
eair <- function(d, soc, pt) {
  first <- tapply(d$ONSET, d$USUBJID, min)
  days <- adsl$FULL
  hit <- match(names(first), trim(adsl$USUBJID))
  days[hit] <- first
  had <- trim(adsl$USUBJID) %in% names(first)
  out <- NULL
  for (arm in c(arms, "Total")) {
    keep <- if (arm == "Total") rep(TRUE, nrow(adsl)) else adsl$ARM == arm
    n <- sum(had & keep)
    py <- sum(days[keep]) / 365.25
    ci <- poisson.test(n, py)$conf.int
    out <- rbind(out, data.frame(soc = soc, pt = pt, arm = arm, n = n, days = sum(days[keep]),
                                 rate = 100 * n / py, ci_lower = 100 * ci[1], ci_upper = 100 * ci[2]))
  }
  out
}
er <- eair(ae, "", "")
for (s in sort(unique(ae$SOC))) {
  d <- ae[ae$SOC == s, ]
  for (p in sort(unique(d$PT))) er <- rbind(er, eair(d[d$PT == p, ], s, p))
}
write.csv(er, "tests/safety/results/cdiscpilot01_eair.csv", row.names = FALSE)
cat(nrow(er), "EAIR rows\n")
