# Reference numbers for stfi_models.unitroot: R plm::purtest on the bundled Grunfeld data.
# Run from the repository root:  Rscript validation/unitroot/plm_purtest.R > validation/unitroot/plm_purtest_output.txt
suppressPackageStartupMessages(library(plm))
cat("plm", as.character(packageVersion("plm")), "\n")
g <- read.csv("stfi_models/datasets/grunfeld/grunfeld.csv")
pg <- pdata.frame(g, index = c("firm", "year"))
show <- function(label, r) {
  cat(sprintf("%s,stat,%.15g\n", label, r$statistic$statistic))
  cat(sprintf("%s,pvalue,%.15g\n", label, r$statistic$p.value))
  lags <- sapply(r$idres, function(u) u$lags)
  tstats <- sapply(r$idres, function(u) unname(u$trho))
  pvals <- sapply(r$idres, function(u) unname(u$p.trho))
  cat(sprintf("%s,lags,%s\n", label, paste(lags, collapse = ";")))
  cat(sprintf("%s,tau,%s\n", label, paste(sprintf("%.15g", tstats), collapse = ";")))
  cat(sprintf("%s,p_unit,%s\n", label, paste(sprintf("%.15g", pvals), collapse = ";")))
}
for (v in c("inv", "value")) {
  for (exo in c("intercept", "trend")) {
    for (lg in c(1, 2)) {
      show(sprintf("%s/%s/ips/lags=%d", v, exo, lg),
           purtest(pg[[v]], test = "ips", exo = exo, lags = lg, ips.stat = "Wtbar", dfcor = TRUE))
      show(sprintf("%s/%s/madwu/lags=%d", v, exo, lg),
           purtest(pg[[v]], test = "madwu", exo = exo, lags = lg, dfcor = TRUE))
      show(sprintf("%s/%s/invnormal/lags=%d", v, exo, lg),
           purtest(pg[[v]], test = "invnormal", exo = exo, lags = lg, dfcor = TRUE))
    }
    show(sprintf("%s/%s/ips/lags=AIC4", v, exo),
         purtest(pg[[v]], test = "ips", exo = exo, lags = "AIC", pmax = 4, ips.stat = "Wtbar", dfcor = TRUE))
  }
}
tab <- get("adj.ips.wtbar", asNamespace("plm"))
for (e in c("intercept", "trend")) for (s in c("mean", "var")) {
  cat(sprintf("table,%s,%s,%s\n", e, s, paste(sprintf("%.3f", t(tab[, , s, e])), collapse = ";")))
}
