# Independent reference numbers for the cytokine mixed model (analysis.cytokines.model), from
# R nlme::gls (REML).
#
# Run from the repository root (R with nlme; this output: R 4.2.2, nlme 3.1-162):
#
#     Rscript tests/cytokines/results/nlme_cytokine_model.R
#
# Input: tests/cytokines/results/cyt_model_data_il6.csv, the cyt_model dataset of IL6 on the
# embedded simulated study NCT05948982 (written by export_model_data.py: post-dose scheduled
# analysis records, LFC = ln(R2CYCBS), 244 rows, 18 subjects).
# Model: LFC ~ TRT * TIME + CYCLE, treatment coding with the first level of each factor as
# reference; repeated measures over VISIT (15 cycle x time levels, integer index VISNUM) within
# USUBJID, with covariance
#   AR1H = corAR1(~ VISNUM | USUBJID) + varIdent(~ 1 | VISIT),
#   AR1  = corAR1(~ VISNUM | USUBJID),
#   CS   = corCompSymm(~ 1 | USUBJID).
# Output: tests/cytokines/results/nlme_cytokine_model.csv, long form model, quantity, row, col, value:
#   coef, se     fixed effects, named as patsy names them (TRT[T.level]:TIME[T.level]); se model-based
#   neg2ll       -2 REML log-likelihood (same constant as SAS / analysis.stats)
#   lsmean       LS mean of TRT (row) x TIME (col) on the log scale, equal weights over CYCLE:
#                estimate (col "<TIME>|estimate") and se ("<TIME>|se"), built here from a
#                reference grid of model.matrix rows (not emmeans)
#   dose_F       Wald F of TRT LS means averaged over TIME and CYCLE being equal (row "F", "num_df")
#   inter_F      anova(type = "marginal") F of TRT:TIME (row "F", "num_df")

suppressPackageStartupMessages(library(nlme))

in_path <- "tests/cytokines/results/cyt_model_data_il6.csv"
out_path <- "tests/cytokines/results/nlme_cytokine_model.csv"

d <- read.csv(in_path, stringsAsFactors = FALSE)
trt_levels <- c("UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg")
time_levels <- c("2 h", "24 h", "48 h", "Week 1", "Week 4")
cycle_levels <- c("Cycle 1", "Cycle 2", "Cycle 3")
visit_levels <- as.vector(t(outer(cycle_levels, time_levels, paste)))
d$TRT <- factor(d$TRT, levels = trt_levels)
d$TIME <- factor(d$TIME, levels = time_levels)
d$CYCLE <- factor(d$CYCLE, levels = cycle_levels)
d$VISIT <- factor(d$VISIT, levels = visit_levels)
d$VISNUM <- as.integer(d$VISIT)
d$USUBJID <- factor(d$USUBJID)
d <- d[order(d$USUBJID, d$VISNUM), ]

form <- LFC ~ TRT * TIME + CYCLE
controls <- list(
  nlminb = glsControl(maxIter = 500, msMaxIter = 1000, tolerance = 1e-12, msTol = 1e-14),
  optim = glsControl(maxIter = 500, msMaxIter = 1000, tolerance = 1e-12, msTol = 1e-14,
                     opt = "optim", optimMethod = "BFGS")
)
best_fit <- function(...) {
  fits <- lapply(controls, function(ctrl) tryCatch(gls(..., control = ctrl), error = function(e) NULL))
  fits <- Filter(Negate(is.null), fits)
  fits[[which.max(vapply(fits, function(f) as.numeric(logLik(f)), 0))]]
}
fits <- list(
  AR1H = best_fit(form, data = d, method = "REML", correlation = corAR1(form = ~ VISNUM | USUBJID),
                  weights = varIdent(form = ~ 1 | VISIT)),
  AR1 = best_fit(form, data = d, method = "REML", correlation = corAR1(form = ~ VISNUM | USUBJID)),
  CS = best_fit(form, data = d, method = "REML", correlation = corCompSymm(form = ~ 1 | USUBJID))
)

patsy_name <- function(r) {
  if (r == "(Intercept)") return("Intercept")
  parts <- strsplit(r, ":", fixed = TRUE)[[1]]
  conv <- vapply(parts, function(p) {
    f <- c("TRT", "TIME", "CYCLE")[startsWith(p, c("TRT", "TIME", "CYCLE"))][1]
    paste0(f, "[T.", substring(p, nchar(f) + 1), "]")
  }, "")
  paste(conv, collapse = ":")
}

# Reference grid: every TRT x TIME x CYCLE; an LS-mean row averages the grid over CYCLE.
grid <- expand.grid(TRT = factor(trt_levels, trt_levels), TIME = factor(time_levels, time_levels),
                    CYCLE = factor(cycle_levels, cycle_levels))
X <- model.matrix(~ TRT * TIME + CYCLE, grid)

rows <- list()
add <- function(model, quantity, row, col, value) {
  rows[[length(rows) + 1]] <<- data.frame(model = model, quantity = quantity, row = row, col = col,
                                          value = value, stringsAsFactors = FALSE)
}
for (m in names(fits)) {
  fit <- fits[[m]]
  b <- coef(fit)
  V <- vcov(fit)
  stopifnot(identical(colnames(X), names(b)))
  for (i in seq_along(b)) {
    add(m, "coef", patsy_name(names(b)[i]), "", unname(b[i]))
    add(m, "se", patsy_name(names(b)[i]), "", sqrt(V[i, i]))
  }
  add(m, "neg2ll", "", "", -2 * as.numeric(logLik(fit)))
  L_trt <- list()
  for (tr in trt_levels) {
    for (tm in time_levels) {
      l <- colMeans(X[grid$TRT == tr & grid$TIME == tm, , drop = FALSE])
      add(m, "lsmean", tr, paste0(tm, "|estimate"), sum(l * b))
      add(m, "lsmean", tr, paste0(tm, "|se"), sqrt(drop(t(l) %*% V %*% l)))
    }
    L_trt[[tr]] <- colMeans(X[grid$TRT == tr, , drop = FALSE])
  }
  L <- rbind(L_trt[[2]] - L_trt[[1]], L_trt[[3]] - L_trt[[1]])
  est <- L %*% b
  f_dose <- drop(t(est) %*% solve(L %*% V %*% t(L)) %*% est) / nrow(L)
  add(m, "dose_F", "F", "", f_dose)
  add(m, "dose_F", "num_df", "", nrow(L))
  a <- anova(fit, type = "marginal")
  add(m, "inter_F", "F", "", a["TRT:TIME", "F-value"])
  add(m, "inter_F", "num_df", "", a["TRT:TIME", "numDF"])
}
out <- do.call(rbind, rows)
write.csv(out, out_path, row.names = FALSE)
