# Reference numbers for the panel diagnostics, computed with R plm (and by formula in R for
# Stata's xttest3, which plm does not offer).
#
# Run from the repository root:
#   Rscript validation/diagnostics/plm_diagnostics.R > validation/diagnostics/plm_output.txt
# Writes validation/diagnostics/plm_raw.csv (case, quantity, term, value).
suppressPackageStartupMessages(library(plm))
options(digits = 15)
cat("R", R.version$major, ".", R.version$minor, " plm ", as.character(packageVersion("plm")), "\n", sep = "")

grunfeld <- read.csv("stfi_models/datasets/grunfeld/grunfeld.csv")
abdata <- read.csv("stfi_models/datasets/abdata/abdata.csv")
china <- read.csv("stfi_models/datasets/china/panel.csv")
SETUPS <- list(
  grunfeld = list(data = grunfeld, index = c("firm", "year"), formula = inv ~ value + capital),
  abdata = list(data = abdata, index = c("id", "year"), formula = n ~ w + k + ys),
  china = list(data = china, index = c("prov_code", "year"),
               formula = log(patent_grant_total) ~ log(gdp_per_capita) + urbanization_rate)
)

rows <- list()
add <- function(case, quantity, value, term = "") {
  rows[[length(rows) + 1L]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = unname(value))
}
htest <- function(case, name, h) {
  print(h)
  add(case, name, h$statistic)
  if (!is.null(h$p.value)) add(case, paste0(name, ":pvalue"), h$p.value)
}

# xttest3 by formula (Greene 2000, p. 598; Baum 2001), on within residuals
xttest3 <- function(m) {
  e <- as.numeric(resid(m))
  id <- index(m)[[1]]
  s2i <- tapply(e^2, id, mean)
  Ti <- tapply(e, id, length)
  s2 <- mean(e^2)
  vi <- tapply((e^2 - s2i[as.character(id)])^2, id, sum) / (Ti * (Ti - 1))
  sum((s2i - s2)^2 / vi)
}

for (name in names(SETUPS)) {
  s <- SETUPS[[name]]
  pd <- pdata.frame(s$data, index = s$index)
  fe <- plm(s$formula, pd, model = "within", effect = "individual")
  fe2 <- plm(s$formula, pd, model = "within", effect = "twoways")
  fd <- plm(s$formula, pd, model = "fd")
  po <- plm(s$formula, pd, model = "pooling")
  for (test in c("cd", "lm", "sclm", "bcsclm")) {
    htest(paste0(name, "/fe"), test, suppressWarnings(pcdtest(fe, test = test)))
    htest(paste0(name, "/fe2"), test, suppressWarnings(pcdtest(fe2, test = test)))
  }
  for (test in c("cd", "lm", "sclm")) {
    htest(paste0(name, "/pooled"), test, suppressWarnings(pcdtest(po, test = test)))
  }
  if (name == "china") {  # local CD over the bundled contiguity (rows/columns: adcode order)
    W <- as.matrix(read.csv("stfi_models/datasets/china/contiguity.csv", row.names = 1))
    htest("china/fe", "local_cd", pcdtest(fe, test = "cd", w = W))
    htest("china/fe2", "local_cd", pcdtest(fe2, test = "cd", w = W))
  }
  htest(paste0(name, "/fd"), "wooldridge_fd_fe", pwfdtest(fd, h0 = "fe"))
  htest(paste0(name, "/fd"), "wooldridge_fd_fd", pwfdtest(fd, h0 = "fd"))
  htest(paste0(name, "/fe"), "wooldridge_fe", pwartest(fe))
  w <- xttest3(fe)
  cat("xttest3 (by formula):", format(w, digits = 15), "\n")
  add(paste0(name, "/fe"), "groupwise_het", w)
  for (effect in c("individual", "time", "twoways")) {
    types <- if (effect == "twoways") c("bp", "honda", "kw", "ghm") else c("bp", "honda")
    for (type in types) {
      htest(paste0(name, "/pooled"), paste0("re_lm_", effect, "_", type),
            plmtest(po, effect = effect, type = type))
    }
  }
}
residual_rows <- do.call(rbind, rows)

# Unit roots: Levin-Lin-Chu and Hadri (purtest) and CIPS (cipstest; statistic only, see README)
rows <- list()
UNITROOT <- list(
  grunfeld_inv = list(data = grunfeld, index = c("firm", "year"), variable = "inv"),
  grunfeld_value = list(data = grunfeld, index = c("firm", "year"), variable = "value"),
  # 30 provinces (Tibet, 54, left out as usual): plm's critvals.cips fails to interpolate
  # its p-value for N = 31 ("'x' and 'y' lengths differ"), and the statistic comes with it
  china_rd = list(data = china[china$year >= 2011 & china$prov_code != 54, ],
                  index = c("prov_code", "year"), variable = "rd_intensity"),
  abdata_n = list(data = abdata, index = c("id", "year"), variable = "n")
)
for (name in names(UNITROOT)) {
  u <- UNITROOT[[name]]
  x <- pdata.frame(u$data, index = u$index)[[u$variable]]
  if (name != "abdata_n") {
    for (exo in c("none", "intercept", "trend")) for (lags in 0:2) {
      h <- suppressWarnings(purtest(x, test = "levinlin", exo = exo, lags = lags))$statistic
      add(paste0(name, "/data"), paste0("llc_", exo, "_", lags), h$statistic)
      add(paste0(name, "/data"), paste0("llc_", exo, "_", lags, ":pvalue"), h$p.value)
    }
    for (exo in c("intercept", "trend")) for (hc in c(TRUE, FALSE)) for (dfc in c(FALSE, TRUE)) {
      h <- purtest(x, test = "hadri", exo = exo, Hcons = hc, dfcor = dfc)$statistic
      q <- paste0("hadri_", exo, if (hc) "_het" else "_hom", if (dfc) "_dfcor" else "")
      add(paste0(name, "/data"), q, h$statistic)
      add(paste0(name, "/data"), paste0(q, ":pvalue"), h$p.value)
    }
  }
  for (type in c("none", "drift", "trend")) for (lags in 1:2) {
    h <- tryCatch(suppressWarnings(cipstest(x, lags = lags, type = type)),
                  error = function(e) NULL)
    if (is.null(h)) { cat(name, type, lags, "cipstest failed (p-value interpolation)\n"); next }
    cat(name, type, lags, "CIPS =", format(h$statistic, digits = 15), " p =", h$p.value, "\n")
    add(paste0(name, "/data"), paste0("cips_", type, "_", lags), h$statistic)
  }
}
write.csv(rbind(residual_rows, do.call(rbind, rows)), "validation/diagnostics/plm_raw.csv",
          row.names = FALSE)
