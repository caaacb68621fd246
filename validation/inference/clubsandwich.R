# Reference numbers for the small-sample cluster-robust covariances (CR0-CR3), their
# Satterthwaite degrees of freedom and the HTZ Wald test, computed with R clubSandwich on plm
# models; plus plm's adjusted R-squared (summary(m)$r.squared["adjrsq"]).
#
# Run from the repository root:
#   Rscript validation/inference/clubsandwich.R ../shared/data/abdata.csv \
#       stfi_models/datasets/grunfeld/grunfeld.csv stfi_models/datasets/china/panel.csv \
#       > validation/inference/clubsandwich_output.txt
# It writes validation/inference/reference.csv (case, quantity, term, value, tolerance, source)
# and prints every coef_test / Wald_test (the raw output kept next to this script).
suppressPackageStartupMessages({library(plm); library(clubSandwich)})
options(digits = 15)  # write.csv keeps 15 significant digits

args <- commandArgs(trailingOnly = TRUE)
abdata <- read.csv(args[1])
grunfeld <- read.csv(args[2])
china <- read.csv(args[3])
cat("R", R.version$major, ".", R.version$minor, " plm ", as.character(packageVersion("plm")),
    " clubSandwich ", as.character(packageVersion("clubSandwich")), "\n", sep = "")

rows <- list()
add <- function(case, quantity, values) {
  rows[[length(rows) + 1L]] <<- data.frame(case = case, quantity = quantity,
                                          term = names(values), value = unname(values))
}

# Every CR kind clustered on `cl` (a vector); suffix names the clustering.
add_cr <- function(case, m, cl, suffix, hyp) {
  add(case, "coef", coef(m))
  for (type in c("CR0", "CR1", "CR1S", "CR2", "CR3")) {
    v <- vcovCR(m, cluster = cl, type = type)
    add(case, paste0("se:", type, suffix), sqrt(diag(v)))
    if (type %in% c("CR0", "CR2", "CR3")) {
      ct <- coef_test(m, vcov = v, test = "Satterthwaite")
      if (type == "CR2") print(ct)
      add(case, paste0("df:", type, suffix), setNames(ct$df_Satt, rownames(ct)))
    }
  }
  v2 <- vcovCR(m, cluster = cl, type = "CR2")
  w <- Wald_test(m, constraints = constrain_zero(hyp), vcov = v2, test = c("HTZ", "chi-sq"))
  print(w)
  htz <- w[w$test == "HTZ", ]
  add(case, paste0("htz:CR2", suffix),
      c(Fstat = htz$Fstat, df_num = htz$df_num, df_denom = htz$df_denom, p_val = htz$p_val))
}

run <- function(prefix, data, index, formula, hyp, models) {
  pd <- pdata.frame(data, index = index)
  cat("\n==================== ", prefix, ": ", deparse(formula), "\n", sep = "")
  for (name in names(models)) {
    spec <- models[[name]]
    m <- do.call(plm, c(list(formula = formula, data = pd), spec))
    idx <- attr(model.frame(m), "index")
    case <- paste0(prefix, "/", name)
    cat("\n---- ", case, "\n", sep = "")
    add(case, "adjrsq", c(adjrsq = unname(summary(m)$r.squared[["adjrsq"]])))
    add_cr(case, m, idx[[1]], "", hyp)
    if (name == "within_individual") add_cr(case, m, idx[[2]], "_time", hyp)
  }
}

MODELS <- list(
  pooling = list(model = "pooling"),
  within_individual = list(model = "within", effect = "individual"),
  within_twoways = list(model = "within", effect = "twoways"),
  random_swar = list(model = "random", effect = "individual", random.method = "swar")
)
run("abdata", abdata, c("id", "year"), n ~ w + k + ys, c("w", "k"), MODELS)
run("grunfeld", grunfeld, c("firm", "year"), inv ~ value + capital, c("value", "capital"),
    MODELS)
china$lpat <- log(china$patent_app_invention)
china$lrd <- log(china$rd_exp_total)
china$lgdp <- log(china$gdp_nbs)
china$lpop <- log(china$pop_yearend)
run("china", china[, c("province_en", "year", "lpat", "lrd", "lgdp", "lpop")],
    c("province_en", "year"), lpat ~ lrd + lgdp + lpop, c("lrd", "lgdp"), MODELS)

out <- do.call(rbind, rows)
out$term[out$term == "(Intercept)"] <- "Intercept"
out$tolerance <- 1e-6  # absolute; the issue's acceptance bound (both sides read the same files)
out$source <- paste0("R 4.2 clubSandwich 0.5.8 on plm 2.6.2, validation/inference/",
                     "clubsandwich.R (output in clubsandwich_output.txt)")
write.csv(out, "validation/inference/reference.csv", row.names = FALSE)
cat("\nwrote", nrow(out), "rows\n")
