# Reference quartiles for tests/efficacy/test_efficacy_quantiles.py: R quantile(type = 2)
# (= SAS QNTLDEF=5) plus mean, sd and median of small fixed vectors (defined here and in the test).
# Ran with R 4.2.2 Patched:  Rscript tests/efficacy/results/quantile_reference.R
# Output: quantile_type2.csv beside this script; a rerun regenerates it exactly.
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))
vectors <- list(
  v4 = c(1, 2, 3, 4),
  v5 = c(1, 2, 3, 4, 5),
  v6 = c(3, 1, 4, 1, 5, 9),
  v1 = c(7),
  v7 = c(2.5, 2.5, 10, 1, 8, 8, 3),
  v8 = c(0.12, -3.4, 5.5, 2.25, 2.25, 9.75, -0.5, 4),
  v10 = c(16, 20, 14, 14, 18, 11, 9, 15, 20, 13)
)
rows <- list()
for (nm in names(vectors)) {
  x <- vectors[[nm]]
  q <- quantile(x, c(0.25, 0.5, 0.75), type = 2, names = FALSE)
  rows[[nm]] <- data.frame(vector = nm, n = length(x), mean = mean(x),
                           sd = if (length(x) > 1) sd(x) else NA, median = median(x),
                           q1 = q[1], q2 = q[2], q3 = q[3], q7_q1 = quantile(x, 0.25, names = FALSE))
}
out <- do.call(rbind, rows)
for (col in names(out)[-1]) out[[col]] <- ifelse(is.na(out[[col]]), "", sprintf("%.15g", out[[col]]))
write.csv(out, file.path(here, "quantile_type2.csv"), row.names = FALSE, quote = FALSE)
