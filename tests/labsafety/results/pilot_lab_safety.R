# Independent reference (R, base + foreign) on the public CDISC pilot ADaM (cdiscpilot01):
# normal-range shift BNRIND -> worst post-baseline ANRIND (severity N < L < H; blank -> Missing)
# and eDISH peaks (R2A1HI) for ALT and BILI. Population ADSL SAFFL == "Y", group TRT01A.
# Run from the repository root:
#   Rscript tests/labsafety/results/pilot_lab_safety.R \
#     /work/shared/reference-data/cdiscpilot01/adam/adlbc.xpt tests/data/cdiscpilot01/adsl.xpt \
#     tests/labsafety/results
library(foreign)
args <- commandArgs(trailingOnly = TRUE)
rd <- function(path) {
  d <- read.xport(path)
  for (v in names(d)) if (is.factor(d[[v]]) || is.character(d[[v]])) d[[v]] <- trimws(as.character(d[[v]]))
  d
}
adlb <- rd(args[1]); adsl <- rd(args[2]); out <- args[3]
saf <- adsl[adsl$SAFFL == "Y", c("USUBJID", "TRT01A")]
lb <- merge(adlb[, c("USUBJID", "PARAMCD", "ABLFL", "ADY", "BNRIND", "ANRIND", "R2A1HI")], saf, by = "USUBJID")
lb$POST <- lb$ABLFL != "Y" & !is.na(lb$ADY) & lb$ADY > 1
sev <- c(N = 0, L = 1, H = 2)
cats <- c("L", "N", "H", "Missing")
res <- list()
for (p in c("ALT", "AST", "BILI", "CREAT")) {
  d <- lb[lb$PARAMCD == p, ]
  per <- do.call(rbind, lapply(split(d, d$USUBJID), function(x) {
    b <- unique(x$BNRIND[x$BNRIND != ""])
    v <- x$ANRIND[x$POST & x$ANRIND != ""]
    data.frame(TRT01A = x$TRT01A[1], base = if (length(b)) b else "Missing",
               worst = if (length(v)) v[which.max(sev[v])] else "Missing")
  }))
  for (grp in c(sort(unique(per$TRT01A)), "Total")) {
    q <- if (grp == "Total") per else per[per$TRT01A == grp, ]
    tab <- table(factor(q$base, cats), factor(q$worst, cats))
    for (b in cats) for (w in cats) if (tab[b, w] > 0)
      res[[length(res) + 1]] <- data.frame(paramcd = p, group = grp, baseline = b, worst = w,
                                           n = tab[b, w], N = nrow(q))
  }
}
write.csv(do.call(rbind, res), file.path(out, "pilot_nrind_shift.csv"), row.names = FALSE)

peak <- function(p) {
  d <- lb[lb$PARAMCD == p & lb$POST & !is.na(lb$R2A1HI), ]
  aggregate(list(peak = d$R2A1HI), list(USUBJID = d$USUBJID), max)
}
e <- merge(merge(saf, setNames(peak("ALT"), c("USUBJID", "alt"))), setNames(peak("BILI"), c("USUBJID", "bili")))
e$quadrant <- ifelse(e$alt >= 3, ifelse(e$bili >= 2, "Potential Hy's law", "Temple's corollary"),
                     ifelse(e$bili >= 2, "Hyperbilirubinaemia", "Normal"))
q <- as.data.frame(table(TRT01A = e$TRT01A, quadrant = e$quadrant))
q <- rbind(q, data.frame(TRT01A = "Total", as.data.frame(table(quadrant = e$quadrant))))
write.csv(q[q$Freq > 0, ], file.path(out, "pilot_edish_quadrants.csv"), row.names = FALSE)
