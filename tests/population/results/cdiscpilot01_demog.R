# Independent reference for the demographics table on the CDISC pilot ADSL (254 subjects).
# Base R + foreign only. Run from the repository root:
#   Rscript tests/population/results/cdiscpilot01_demog.R
# Writes tests/population/results/cdiscpilot01_demog.csv: one row per
# (group, variable, level, stat) with the value at full precision (%.17g); groups are the
# TRT01A arms and "Total"; continuous variables give n, mean, sd, median, min, max, n_missing;
# categorical variables give n per level (level "" = missing) and the denominator N.
library(foreign)

adsl <- read.xport("tests/data/cdiscpilot01/adsl.xpt")
adsl <- adsl[adsl$SAFFL == "Y", ]
continuous <- c("AGE", "HEIGHTBL", "WEIGHTBL", "BMIBL", "MMSETOT", "DURDIS", "EDUCLVL")
categorical <- c("AGEGR1", "SEX", "RACE", "ETHNIC")

groups <- c(sort(unique(as.character(adsl$TRT01A))), "Total")
rows <- list()
add <- function(group, variable, level, stat, value) {
  rows[[length(rows) + 1]] <<- data.frame(group = group, variable = variable, level = level,
                                          stat = stat, value = sprintf("%.17g", value))
}
for (g in groups) {
  sub <- if (g == "Total") adsl else adsl[as.character(adsl$TRT01A) == g, ]
  add(g, "", "", "N", nrow(sub))
  for (v in continuous) {
    x <- sub[[v]]
    y <- x[!is.na(x)]
    add(g, v, "", "n", length(y))
    add(g, v, "", "mean", mean(y))
    add(g, v, "", "sd", sd(y))
    add(g, v, "", "median", median(y))
    add(g, v, "", "min", min(y))
    add(g, v, "", "max", max(y))
    add(g, v, "", "n_missing", sum(is.na(x)))
  }
  for (v in categorical) {
    x <- trimws(as.character(sub[[v]]))
    x[is.na(x)] <- ""
    for (lv in sort(unique(trimws(as.character(adsl[[v]]))))) {
      add(g, v, lv, "n", sum(x == lv))
    }
    add(g, v, "", "N", length(x))
  }
}
out <- do.call(rbind, rows)
write.csv(out, "tests/population/results/cdiscpilot01_demog.csv", row.names = FALSE)
cat(R.version.string, "\n")
