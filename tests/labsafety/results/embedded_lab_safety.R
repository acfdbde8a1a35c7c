# Independent reference (R, base + foreign) for the lab-safety outputs of the embedded study.
# Run from the repository root after `snakemake` has built outputs/full/adam:
#   Rscript tests/labsafety/results/embedded_lab_safety.R outputs/full/adam tests/labsafety/results
# Writes embedded_shift.csv, embedded_te.csv, embedded_edish.csv, embedded_exposure.csv.
# Definitions (written from the task, not from the Python code): post-baseline = ABLFL != "Y"
# and ADY > 1; worst = highest post-baseline grade; baseline grade = the subject's BTOXGRx;
# population = ADSL SAFFL == "Y", group = ADSL TRT01A.
library(foreign)
args <- commandArgs(trailingOnly = TRUE)
adam <- args[1]; out <- args[2]
rd <- function(name) {
  d <- read.xport(file.path(adam, paste0(name, ".xpt")))
  for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- trimws(as.character(d[[v]]))
  for (v in names(d)) if (is.character(d[[v]])) d[[v]] <- trimws(d[[v]])
  d
}
adsl <- rd("adsl"); adlb <- rd("adlb"); adex <- rd("adex")
saf <- adsl[adsl$SAFFL == "Y", c("USUBJID", "TRT01A")]
lb <- merge(adlb[, setdiff(names(adlb), "TRT01A")], saf, by = "USUBJID")
lb$POST <- lb$ABLFL != "Y" & !is.na(lb$ADY) & lb$ADY > 1
params <- list(ALT = "H", AST = "H", ALP = "H", GGT = "H", BILI = "H", INR = "H", ALB = "L",
               CREAT = "H", PLAT = "L")
grades <- c("0", "1", "2", "3", "4", "Missing")
shift <- list(); te <- list()
for (p in names(params)) {
  bv <- paste0("BTOXGR", params[[p]]); pv <- paste0("ATOXGR", params[[p]])
  d <- lb[lb$PARAMCD == p, ]
  subj <- sort(unique(d$USUBJID))
  per <- do.call(rbind, lapply(subj, function(s) {
    x <- d[d$USUBJID == s, ]
    b <- unique(x[[bv]][x[[bv]] != ""])
    g <- as.numeric(x[[pv]][x$POST & x[[pv]] != ""])
    data.frame(USUBJID = s, TRT01A = x$TRT01A[1],
               base = if (length(b)) b else "Missing",
               worst = if (length(g)) as.character(max(g)) else "Missing")
  }))
  for (grp in c(sort(unique(per$TRT01A)), "Total")) {
    q <- if (grp == "Total") per else per[per$TRT01A == grp, ]
    tab <- table(factor(q$base, grades), factor(q$worst, grades))
    for (b in grades) for (w in grades) if (tab[b, w] > 0)
      shift[[length(shift) + 1]] <- data.frame(paramcd = p, group = grp, baseline = b, worst = w,
                                               n = tab[b, w], N = nrow(q))
    ev <- q[q$base != "Missing" & q$worst != "Missing", ]
    worse <- as.numeric(ev$worst) > as.numeric(ev$base)
    for (m in c("WORSE", "WORSE_SEVERE")) {
      flag <- if (m == "WORSE") worse else worse & as.numeric(ev$worst) >= 3
      n <- sum(flag); N <- nrow(ev)
      ci <- binom.test(n, N)$conf.int
      te[[length(te) + 1]] <- data.frame(paramcd = p, group = grp, measure = m, n = n, N = N,
                                         lower = sprintf("%.10f", ci[1]), upper = sprintf("%.10f", ci[2]))
    }
  }
}
write.csv(do.call(rbind, shift), file.path(out, "embedded_shift.csv"), row.names = FALSE)
write.csv(do.call(rbind, te), file.path(out, "embedded_te.csv"), row.names = FALSE)

# eDISH: peak post-baseline AVAL/ANRHI for ALT and BILI per subject, quadrant at >= 3 and >= 2.
peak <- function(p) {
  d <- lb[lb$PARAMCD == p & lb$POST & !is.na(lb$AVAL), ]
  aggregate(list(peak = d$AVAL / d$ANRHI), list(USUBJID = d$USUBJID), max)
}
e <- merge(merge(saf, setNames(peak("ALT"), c("USUBJID", "alt"))), setNames(peak("BILI"), c("USUBJID", "bili")))
e$quadrant <- ifelse(e$alt >= 3, ifelse(e$bili >= 2, "Potential Hy's law", "Temple's corollary"),
                     ifelse(e$bili >= 2, "Hyperbilirubinaemia", "Normal"))
e$alt <- sprintf("%.10f", e$alt); e$bili <- sprintf("%.10f", e$bili)
write.csv(e[order(e$USUBJID), ], file.path(out, "embedded_edish.csv"), row.names = FALSE)

# Exposure: NINF, CUMDOSE (one ADEX record each), TOTCELL (sum over infusions), ADSL TRTDURD.
ex <- merge(adex[, c("USUBJID", "PARAMCD", "AVAL")], saf, by = "USUBJID")
val <- function(p, f) aggregate(list(v = ex$AVAL[ex$PARAMCD == p]),
                                list(USUBJID = ex$USUBJID[ex$PARAMCD == p]), f)
vars <- list(NINF = val("NINF", identity), CUMDOSE = val("CUMDOSE", identity),
             TOTCELL = val("TOTCELL", sum),
             TRTDURD = data.frame(USUBJID = adsl$USUBJID, v = adsl$TRTDURD))
res <- list()
for (v in names(vars)) {
  d <- merge(saf, vars[[v]])
  for (grp in c(sort(unique(d$TRT01A)), "Total")) {
    x <- if (grp == "Total") d$v else d$v[d$TRT01A == grp]
    res[[length(res) + 1]] <- data.frame(variable = v, group = grp, n = length(x),
      mean = sprintf("%.10f", mean(x)), sd = sprintf("%.10f", sd(x)),
      median = sprintf("%.10f", median(x)), min = min(x), max = max(x))
  }
}
write.csv(do.call(rbind, res), file.path(out, "embedded_exposure.csv"), row.names = FALSE)
