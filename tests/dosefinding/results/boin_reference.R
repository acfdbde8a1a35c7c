# Independent R reference for analysis.dosefinding (BOIN, Clopper-Pearson).
# Run: cd tests/dosefinding/results && Rscript boin_reference.R
# Writes the CSVs beside this script; the tests read them (CI needs no R).
# Base R only (stats::pbeta/qbeta/binom.test/isoreg). The BOIN R package is not installable
# here, so its formulas (Liu & Yuan 2015; cran/BOIN get.boundary.R and select.mtd.R as
# described in domain-reference.md 4.2) are re-implemented below WITHOUT PAVA: the isotonic
# fit uses the max-min formula m_i = max_{s<=i} min_{t>=i} Avg_w(s..t) (Barlow et al. 1972),
# a different algorithm from pooling adjacent violators, and the unweighted P(overdose) is
# cross-checked with stats::isoreg.

options(digits = 17)
fmt <- function(x) ifelse(is.na(x), "", trimws(formatC(x, digits = 17, format = "g")))

lambdas <- function(target, p.saf = 0.6 * target, p.tox = 1.4 * target) {
  c(lambda_e = log((1 - p.saf) / (1 - target)) / log(target * (1 - p.saf) / (p.saf * (1 - target))),
    lambda_d = log((1 - target) / (1 - p.tox)) / log(p.tox * (1 - target) / (target * (1 - p.tox))))
}

elim_count <- function(n, target, cutoff = 0.95) {
  if (n < 3) return(NA)
  ys <- which(1 - pbeta(target, (1:n) + 1, n - (1:n) + 1) > cutoff)
  if (length(ys)) min(ys) else NA
}

# ---- boundaries and lambdas ------------------------------------------------------------
bounds <- NULL; lam <- NULL
for (target in c(0.25, 0.30)) {
  l <- lambdas(target)
  lam <- rbind(lam, data.frame(target = target, lambda_e = fmt(l[1]), lambda_d = fmt(l[2])))
  for (n in 1:18) {
    el <- elim_count(n, target)
    de <- ceiling(l[2] * n)
    if (!is.na(el) && de > el) de <- el
    stop_es <- elim_count(n, target, 0.95 - 0.05)  # extrasafe stop boundary (offset 0.05)
    bounds <- rbind(bounds, data.frame(target = target, n = n, escalate = floor(l[1] * n),
                                       deescalate = de, eliminate = el, stop_extrasafe = stop_es))
  }
}
write.csv(lam, "boin_lambdas_r.csv", row.names = FALSE, quote = FALSE)
write.csv(bounds, "boin_boundaries_r.csv", row.names = FALSE, quote = FALSE, na = "")

# ---- posterior P(p > target), Beta(1,1) prior ------------------------------------------
post <- NULL
for (target in c(0.25, 0.30)) for (ny in list(c(3, 2), c(3, 3), c(6, 3), c(6, 4), c(6, 1), c(6, 0), c(9, 5)))
  post <- rbind(post, data.frame(target = target, n = ny[1], y = ny[2],
                                 p_gt_target = fmt(1 - pbeta(target, ny[2] + 1, ny[1] - ny[2] + 1))))
write.csv(post, "boin_posterior_r.csv", row.names = FALSE, quote = FALSE)

# ---- isotonic regression by the max-min formula ----------------------------------------
iso_maxmin <- function(x, w = rep(1, length(x))) {
  k <- length(x)
  sapply(1:k, function(i) max(sapply(1:i, function(s) min(sapply(i:k, function(t)
    sum(w[s:t] * x[s:t]) / sum(w[s:t]))))))
}

select_mtd_ref <- function(target, n, y, cutoff = 0.95, extrasafe = FALSE, offset = 0.05,
                           boundMTD = FALSE) {
  nd <- length(n)
  elim <- rep(FALSE, nd)
  for (i in 1:nd) if (n[i] >= 3 && 1 - pbeta(target, y[i] + 1, n[i] - y[i] + 1) > cutoff) {
    elim[i:nd] <- TRUE; break
  }
  if (extrasafe && n[1] >= 3 && 1 - pbeta(target, y[1] + 1, n[1] - y[1] + 1) > cutoff - offset)
    elim[] <- TRUE
  v <- function(yy, nn) (yy + 0.05) * (nn - yy + 0.05) / ((nn + 0.1)^2 * (nn + 1.1))
  mtd <- 99
  adm <- which(n > 0 & !elim)
  if (!elim[1] && length(adm)) {
    ph <- iso_maxmin((y[adm] + 0.05) / (n[adm] + 0.1), 1 / v(y[adm], n[adm]))
    ph <- ph + seq_along(ph) * 1e-10
    ok <- if (boundMTD) which(ph < lambdas(target)[2]) else seq_along(ph)
    if (length(ok)) mtd <- adm[ok[which.min(abs(ph[ok] - target))]]
  }
  trt <- which(n > 0)
  a <- y[trt] + 0.05; b <- n[trt] - y[trt] + 0.05; w <- 1 / v(y[trt], n[trt])
  est <- lo <- hi <- pod <- rep(NA, nd)
  est[trt] <- iso_maxmin(a / (n[trt] + 0.1), w)
  lo[trt] <- iso_maxmin(qbeta(0.025, a, b), w)
  hi[trt] <- iso_maxmin(qbeta(0.975, a, b), w)
  pod[trt] <- iso_maxmin(1 - pbeta(target, a, b))
  # stats::isoreg (unweighted PAVA) must agree with the max-min fit for P(overdose).
  if (length(trt) > 1) stopifnot(isTRUE(all.equal(pod[trt], isoreg(1 - pbeta(target, a, b))$yf)))
  data.frame(dose = 1:nd, n = n, y = y, eliminated = elim, estimate = fmt(est), ci_lower = fmt(lo),
             ci_upper = fmt(hi), p_overdose = fmt(pod), mtd = mtd)
}

scen <- list(
  list(id = "package_example", target = 0.3, n = c(3, 3, 15, 9, 0), y = c(0, 0, 4, 4, 0)),
  list(id = "study", target = 0.3, n = c(6, 6, 6), y = c(1, 0, 0)),
  list(id = "study_phi025", target = 0.25, n = c(6, 6, 6), y = c(1, 0, 0)),
  list(id = "pooled_below_target", target = 0.3, n = c(3, 6, 6, 6), y = c(0, 3, 1, 4)),
  list(id = "pooled_above_target", target = 0.3, n = c(3, 6, 6), y = c(0, 3, 2)),
  list(id = "nonmonotone_three", target = 0.25, n = c(6, 6, 6, 3), y = c(2, 0, 1, 0)),
  list(id = "lowest_eliminated", target = 0.3, n = c(3, 0), y = c(3, 0)),
  list(id = "boundmtd_none", target = 0.3, n = c(6, 6), y = c(3, 4), boundMTD = TRUE),
  list(id = "boundmtd_off", target = 0.3, n = c(6, 6), y = c(3, 4)),
  list(id = "untreated_middle", target = 0.3, n = c(3, 0, 6), y = c(0, 0, 1)),
  list(id = "extrasafe_stop", target = 0.3, n = c(3, 3), y = c(2, 0), extrasafe = TRUE),
  list(id = "extrasafe_off", target = 0.3, n = c(3, 3), y = c(2, 0))
)
out <- NULL
for (s in scen) {
  r <- select_mtd_ref(s$target, s$n, s$y, extrasafe = isTRUE(s$extrasafe), boundMTD = isTRUE(s$boundMTD))
  out <- rbind(out, cbind(scenario = s$id, target = s$target, extrasafe = isTRUE(s$extrasafe),
                          bound_mtd = isTRUE(s$boundMTD), r))
}
write.csv(out, "boin_select_mtd_r.csv", row.names = FALSE, quote = FALSE)

# ---- Clopper-Pearson (binom.test) for the study's DLT counts -----------------------------
cp <- NULL
for (xn in list(c(1, 6), c(0, 6), c(1, 18), c(2, 6), c(1, 3), c(0, 3))) {
  ci <- binom.test(xn[1], xn[2])$conf.int
  cp <- rbind(cp, data.frame(x = xn[1], n = xn[2], lower = fmt(ci[1]), upper = fmt(ci[2])))
}
write.csv(cp, "clopper_pearson_r.csv", row.names = FALSE, quote = FALSE)
cat("R", R.version$major, R.version$minor, "\n")
