# Independent reference for the disposition table on the CDISC pilot ADSL. Base R + foreign.
# Run from the repository root:  Rscript tests/population/results/cdiscpilot01_dispo.R
# Writes cdiscpilot01_dispo.csv: subject counts by TRT01A arm and Total of EOSSTT values and
# of DCSREAS among EOSSTT == "DISCONTINUED" (SAFFL == "Y").
library(foreign)

adsl <- read.xport("tests/data/cdiscpilot01/adsl.xpt")
adsl <- adsl[adsl$SAFFL == "Y", ]
groups <- c(sort(unique(as.character(adsl$TRT01A))), "Total")
rows <- list()
for (g in groups) {
  sub <- if (g == "Total") adsl else adsl[as.character(adsl$TRT01A) == g, ]
  status <- trimws(as.character(sub$EOSSTT))
  reason <- trimws(as.character(sub$DCSREAS))
  rows[[length(rows) + 1]] <- data.frame(group = g, variable = "", level = "", n = nrow(sub))
  for (s in c("COMPLETED", "DISCONTINUED")) {
    rows[[length(rows) + 1]] <- data.frame(group = g, variable = "EOSSTT", level = s,
                                           n = sum(status == s))
  }
  for (r in sort(unique(trimws(as.character(adsl$DCSREAS[adsl$EOSSTT == "DISCONTINUED"]))))) {
    rows[[length(rows) + 1]] <- data.frame(group = g, variable = "DCSREAS", level = r,
                                           n = sum(status == "DISCONTINUED" & reason == r))
  }
}
write.csv(do.call(rbind, rows), "tests/population/results/cdiscpilot01_dispo.csv", row.names = FALSE)
cat(R.version.string, "\n")
