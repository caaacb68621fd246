# Reference numbers for the static panel estimators, computed with R plm.
#
# Run from the repository root:
#   Rscript validation/static_plm/plm_static.R ../shared/data/abdata.csv stfi_models/datasets/grunfeld/grunfeld.csv \
#       > validation/static_plm/plm_static_output.txt
# It writes validation/static_plm/plm_raw.csv (case, quantity, term, value) and prints the
# plm summaries (the raw output kept next to this script).
#
# Data: abdata.csv is the float32 export of Stata's abdata.dta (see ../shared/reference/data.md);
# it is read as is, NOT plm's EmplUK (whose logs differ by up to 2.7e-7).  Grunfeld is the CSV
# exported from plm's `Grunfeld` by validation/static_grunfeld/export_grunfeld.R.
suppressPackageStartupMessages(library(plm))
options(digits = 15)

args <- commandArgs(trailingOnly = TRUE)
abdata <- read.csv(args[1])
grunfeld <- read.csv(args[2])
cat("R", R.version$major, ".", R.version$minor, " plm ", as.character(packageVersion("plm")), "\n", sep = "")

rows <- list()
add <- function(case, quantity, values) {
  rows[[length(rows) + 1L]] <<- data.frame(case = case, quantity = quantity,
                                          term = names(values), value = unname(values))
}
se <- function(v) sqrt(diag(v))

# Every covariance plm offers for a model, under a stable name (see README.md for the mapping).
add_all_se <- function(case, m, robust = TRUE) {
  add(case, "coef", coef(m))
  add(case, "se:vcov", se(vcov(m)))
  if (!robust) return(invisible())
  for (type in c("HC0", "HC1", "sss")) {
    add(case, paste0("se:hc_group_", type), se(vcovHC(m, method = "arellano", cluster = "group", type = type)))
    add(case, paste0("se:hc_time_", type), se(vcovHC(m, method = "arellano", cluster = "time", type = type)))
    add(case, paste0("se:dc_", type), se(vcovDC(m, type = type)))
    add(case, paste0("se:scc_", type), se(vcovSCC(m, type = type)))
  }
  for (type in c("HC0", "HC1")) {
    add(case, paste0("se:white1_", type), se(vcovHC(m, method = "white1", type = type)))
  }
  add(case, "se:scc_HC0_lag2", se(vcovSCC(m, type = "HC0", maxlag = 2)))
}

run <- function(prefix, data, index, formula) {
  pd <- pdata.frame(data, index = index)
  cat("\n==================== ", prefix, ": ", deparse(formula), "\n", sep = "")
  pool <- plm(formula, pd, model = "pooling")
  fe_i <- plm(formula, pd, model = "within", effect = "individual")
  fe_t <- plm(formula, pd, model = "within", effect = "time")
  fe_2 <- plm(formula, pd, model = "within", effect = "twoways")
  re <- plm(formula, pd, model = "random", effect = "individual", random.method = "swar")
  fd <- plm(formula, pd, model = "fd")
  be <- plm(formula, pd, model = "between")
  models <- list(pooling = pool, within_individual = fe_i, within_time = fe_t,
                 within_twoways = fe_2, random_swar = re, fd = fd, between = be)
  for (name in names(models)) {
    m <- models[[name]]
    cat("\n---- ", name, "\n", sep = "")
    print(summary(m))
    case <- paste0(prefix, "/", name)
    add_all_se(case, m, robust = name != "between")
    add(case, "rsquared", c(r2 = unname(r.squared(m))))
    add(case, "nobs", c(nobs = nobs(m)))
    add(case, "df_resid", c(df_resid = df.residual(m)))
  }
  ec <- ercomp(formula, pd, method = "swar", effect = "individual")
  print(ec)
  add(paste0(prefix, "/random_swar"), "sigma2", c(idios = ec$sigma2[["idios"]], id = ec$sigma2[["id"]]))
  theta <- ec$theta
  add(paste0(prefix, "/random_swar"), "theta", c(min = min(theta), max = max(theta)))
  for (eff in c("individual", "time", "twoways")) {
    ft <- pFtest(models[[paste0("within_", eff)]], pool)
    print(ft)
    add(paste0(prefix, "/within_", eff), "Ftest",
        c(stat = unname(ft$statistic), df1 = unname(ft$parameter[1]), df2 = unname(ft$parameter[2]),
          pvalue = unname(ft$p.value)))
  }
  h <- phtest(fe_i, re)
  print(h)
  add(paste0(prefix, "/random_swar"), "hausman",
      c(stat = unname(h$statistic), df = unname(h$parameter), pvalue = unname(h$p.value)))
}

run("abdata", abdata, c("id", "year"), n ~ w + k + ys)
run("grunfeld", grunfeld, c("firm", "year"), inv ~ value + capital)

out <- do.call(rbind, rows)
write.csv(out, "validation/static_plm/plm_raw.csv", row.names = FALSE)
cat("\nwrote", nrow(out), "numbers to validation/static_plm/plm_raw.csv\n")
