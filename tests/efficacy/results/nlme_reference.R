# Reference numbers for tests/efficacy/test_efficacy_mmrm_nlme.py: the change-from-baseline MMRM
# CHG ~ BASE + TRT * AVISIT of analysis.efficacy, fitted by nlme::gls (REML) with the covariance
# structure the efficacy fallback chose on the embedded study:
#   MELD    (ADRS, 9 visits): TOEPH = corARMA(p = 8, q = 0) on the visit index + varIdent by visit
#           (an AR(m-1) correlation over m equally spaced visits is the general Toeplitz one)
#   SF36PCS (ADQS, 4 visits): UN    = corSymm on the visit index + varIdent by visit
# Also the single-visit ANCOVA of eff_ancova at WEEK 12 by lm() (LS means, differences, linear
# dose-response contrast with centred doses 1, 2, 4).
# Input: model_data_<param>.csv beside this script (written by export_model_data.py from the
# embedded study's ADaM: exactly the rows analysis.efficacy fits).
# Ran with R 4.2.2 Patched, nlme 3.1-162:  Rscript tests/efficacy/results/nlme_reference.R
# Output: nlme_efficacy.csv (model, kind, term, trt, visit, value), regenerated exactly by a rerun.
suppressPackageStartupMessages(library(nlme))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))

fit_case <- function(code, structure) {
  d <- read.csv(file.path(here, sprintf("model_data_%s.csv", tolower(code))), stringsAsFactors = FALSE)
  trt_levels <- c("UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg")
  visits <- unique(d$AVISIT[order(d$VIDX)])  # VIDX: the visit order of the Python model
  d$TRT <- factor(d$TRT, levels = trt_levels)
  d$AVISIT <- factor(d$AVISIT, levels = visits)
  m <- length(visits)
  cor <- switch(structure,
                UN = corSymm(form = ~ VIDX | USUBJID),
                TOEPH = corARMA(form = ~ VIDX | USUBJID, p = m - 1, q = 0))
  fit <- gls(CHG ~ BASE + TRT * AVISIT, data = d, correlation = cor,
             weights = varIdent(form = ~ 1 | AVISIT), method = "REML", na.action = na.omit,
             control = glsControl(maxIter = 500, msMaxIter = 500, tolerance = 1e-10,
                                  msTol = 1e-10))
  b <- coef(fit)
  V <- vcov(fit)
  out <- data.frame(model = code, kind = "neg2_reml", term = "", trt = "", visit = "",
                    value = -2 * as.numeric(logLik(fit, REML = TRUE)))
  out <- rbind(out, data.frame(model = code, kind = "coef", term = names(b), trt = "", visit = "",
                               value = unname(b)))
  out <- rbind(out, data.frame(model = code, kind = "se", term = names(b), trt = "", visit = "",
                               value = unname(sqrt(diag(V)))))
  # LS means by hand: Intercept + TRT + AVISIT + TRT:AVISIT + BASE at its mean over the rows
  mb <- mean(d$BASE)
  for (t in trt_levels) for (v in visits) {
    l <- setNames(numeric(length(b)), names(b))
    l["(Intercept)"] <- 1
    l["BASE"] <- mb
    for (nm in c(paste0("TRT", t), paste0("AVISIT", v), paste0("TRT", t, ":AVISIT", v)))
      if (nm %in% names(l)) l[nm] <- 1
    out <- rbind(out, data.frame(model = code, kind = c("lsmean", "lsmean_se"), term = "", trt = t,
                                 visit = v, value = c(sum(l * b), sqrt(drop(t(l) %*% V %*% l)))))
  }
  out
}

# ANCOVA at WEEK 12 (eff_ancova): lm(CHG ~ TRT + BASE), LS means at the mean baseline,
# differences vs the lowest dose, linear dose-response contrast with centred doses 1, 2, 4.
ancova_case <- function(code, visit = "WEEK 12") {
  d <- read.csv(file.path(here, sprintf("model_data_%s.csv", tolower(code))), stringsAsFactors = FALSE)
  d <- d[d$AVISIT == visit, ]
  trt_levels <- c("UC-MSC 1x10^6 cells/kg", "UC-MSC 2x10^6 cells/kg", "UC-MSC 4x10^6 cells/kg")
  d$TRT <- factor(d$TRT, levels = trt_levels)
  fit <- lm(CHG ~ TRT + BASE, data = d)
  b <- coef(fit); V <- vcov(fit); mb <- mean(d$BASE)
  L <- rbind(c(1, 0, 0, mb), c(1, 1, 0, mb), c(1, 0, 1, mb))
  w <- c(1, 2, 4) - mean(c(1, 2, 4))
  rows <- rbind(L, L[2, ] - L[1, ], L[3, ] - L[1, ], colSums(w * L))
  est <- drop(rows %*% b); se <- sqrt(diag(rows %*% V %*% t(rows)))
  p <- 2 * pt(-abs(est / se), df = fit$df.residual)
  kind <- c(rep("ancova_lsmean", 3), rep("ancova_diff", 2), "ancova_dose_response")
  trt <- c(trt_levels, trt_levels[2:3], "")
  out <- data.frame(model = code, kind = kind, term = "estimate", trt = trt, visit = visit, value = est)
  out <- rbind(out, data.frame(model = code, kind = kind, term = "se", trt = trt, visit = visit, value = se))
  rbind(out, data.frame(model = code, kind = kind, term = "p", trt = trt, visit = visit, value = p))
}

res <- rbind(fit_case("MELD", "TOEPH"), fit_case("SF36PCS", "UN"), ancova_case("MELD"), ancova_case("SF36PCS"))
res$value <- sprintf("%.10g", res$value)
write.csv(res, file.path(here, "nlme_efficacy.csv"), row.names = FALSE, quote = TRUE)
