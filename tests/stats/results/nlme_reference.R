# Independent reference numbers for the MMRM engine (analysis.stats), from R nlme::gls.
#
# Run from the repository root (needs R with nlme, e.g. Debian r-base-core + r-cran-nlme):
#
#     Rscript tests/stats/results/nlme_reference.R
#
# It fits FEV1 ~ ARMCD*AVISIT + RACE + SEX on tests/stats/data/fev_data.csv (rows with missing
# FEV1 dropped) with six within-subject covariance structures, by REML and by ML, and writes
# tests/stats/results/nlme_fev_data.csv in long form:
#   model, method, quantity, row, col, value
# quantity is one of
#   coef       fixed-effect estimate (row = R coefficient name)
#   se         model-based standard error sqrt(diag((X' V^-1 X)^-1)) at the estimate, as SAS
#              prints it. nlme's own vcov() scales ML fits by sqrt(N / (N - p)); se_nlme keeps
#              nlme's number, se undoes that factor (for REML the two are equal).
#   se_nlme    nlme's summary() standard error
#   neg2ll     -2 * logLik(fit) as nlme reports it
#   cov        within-subject covariance matrix (row, col = visit)
#   contrast   TRT - PBO at VIS4 (ARMCDTRT + ARMCDTRT:AVISITVIS4, = the LS-mean difference in
#              this model): row "VIS4", col "estimate" or "se" (model-based, as se above)
#   n, p       observations used and fixed-effect columns
# For gls, nlme's REML log-likelihood uses the same constant as SAS's -2 Res Log Likelihood
# ((N - p) log 2 pi + log|V| + log|X'V^-1 X| + r'V^-1 r): the UN value is SAS's 3386.4499.
# The CI has no R: the tests read the committed CSV, not this script.

suppressPackageStartupMessages(library(nlme))

args <- commandArgs(trailingOnly = TRUE)
data_path <- if (length(args) >= 1) args[[1]] else "tests/stats/data/fev_data.csv"
out_path <- if (length(args) >= 2) args[[2]] else "tests/stats/results/nlme_fev_data.csv"

d <- read.csv(data_path, stringsAsFactors = FALSE)
d <- d[!is.na(d$FEV1), ]
d$ARMCD <- factor(d$ARMCD, levels = c("PBO", "TRT"))
d$AVISIT <- factor(d$AVISIT, levels = c("VIS1", "VIS2", "VIS3", "VIS4"))
d$RACE <- factor(d$RACE, levels = c("Asian", "Black or African American", "White"))
d$SEX <- factor(d$SEX, levels = c("Male", "Female"))
d$USUBJID <- factor(d$USUBJID)
d <- d[order(d$USUBJID, d$AVISIT), ]
d$VISNUM <- as.integer(d$AVISIT)

form <- FEV1 ~ ARMCD * AVISIT + RACE + SEX
# The REML surface of the UN model is flat along a ridge: nlme's default nlminb stops at
# -2RLL 3386.4498713839 with variances ~1e-3 off the optimum; optim's BFGS with tight
# tolerances reaches 3386.4498711624, the same optimum as analysis.stats. BFGS fails on
# corAR1 ("Coefficient matrix not invertible"), so each model is fitted with both optimisers
# and the fit with the higher likelihood is kept.
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

structures <- list(
  UN   = list(correlation = corSymm(form = ~ VISNUM | USUBJID),
              weights = varIdent(form = ~ 1 | AVISIT)),
  CS   = list(correlation = corCompSymm(form = ~ VISNUM | USUBJID), weights = NULL),
  CSH  = list(correlation = corCompSymm(form = ~ VISNUM | USUBJID),
              weights = varIdent(form = ~ 1 | AVISIT)),
  AR1  = list(correlation = corAR1(form = ~ VISNUM | USUBJID), weights = NULL),
  AR1H = list(correlation = corAR1(form = ~ VISNUM | USUBJID),
              weights = varIdent(form = ~ 1 | AVISIT))
)

# a subject seen at every visit, to read the full within-subject covariance matrix
full_id <- names(which(table(d$USUBJID) == nlevels(d$AVISIT)))[1]
X <- model.matrix(form, d)
N <- nrow(X)
p <- ncol(X)
rows <- list()
add <- function(model, method, quantity, row, col, value) {
  rows[[length(rows) + 1]] <<- data.frame(model = model, method = method, quantity = quantity,
                                          row = row, col = col, value = value,
                                          stringsAsFactors = FALSE)
}

for (model in names(structures)) {
  for (method in c("REML", "ML")) {
    s <- structures[[model]]
    fit <- best_fit(form, data = d, correlation = s$correlation, weights = s$weights,
                    method = method, na.action = na.omit)
    se_nlme <- sqrt(diag(vcov(fit)))
    se <- if (method == "ML") se_nlme * sqrt((N - p) / N) else se_nlme
    for (nm in names(coef(fit))) {
      add(model, method, "coef", nm, "", coef(fit)[[nm]])
      add(model, method, "se", nm, "", se[[nm]])
      add(model, method, "se_nlme", nm, "", se_nlme[[nm]])
    }
    add(model, method, "neg2ll", "", "", -2 * as.numeric(logLik(fit)))
    l <- setNames(numeric(length(coef(fit))), names(coef(fit)))
    l[c("ARMCDTRT", "ARMCDTRT:AVISITVIS4")] <- 1
    scale <- if (method == "ML") (N - p) / N else 1
    add(model, method, "contrast", "VIS4", "estimate", sum(l * coef(fit)))
    add(model, method, "contrast", "VIS4", "se", sqrt(scale * drop(t(l) %*% vcov(fit) %*% l)))
    V <- as.matrix(getVarCov(fit, individual = full_id))
    vis <- levels(d$AVISIT)
    for (i in seq_along(vis)) for (j in seq_along(vis)) add(model, method, "cov", vis[i], vis[j], V[i, j])
    add(model, method, "n", "", "", N)
    add(model, method, "p", "", "", p)
  }
}

out <- do.call(rbind, rows)
write.csv(out, out_path, row.names = FALSE)
cat(sprintf("wrote %d rows to %s (R %s, nlme %s)\n", nrow(out), out_path,
            getRversion(), packageVersion("nlme")))
