# Extra peer numbers from R plm::pgmm on shared/data/abdata.csv (the same float32 copy our
# tests read), for options the published sources do not cover: collapsed instruments and the
# two-step system estimator.  Run from the repository root:
#   Rscript validation/gmm/plm_extra.R > validation/gmm/plm_extra.out
suppressPackageStartupMessages(library(plm))
cat("plm", as.character(packageVersion("plm")), "|", R.version.string, "\n")
ab <- read.csv("../shared/data/abdata.csv")
pd <- pdata.frame(ab, index = c("id", "year"))
show <- function(case, fit) {
  for (robust in c(TRUE)) {
    s <- summary(fit, robust = robust)
    co <- s$coefficients
    for (i in seq_len(nrow(co))) {
      cat(sprintf("%s,coef,%s,%.12g\n", case, rownames(co)[i], co[i, 1]))
      cat(sprintf("%s,se,%s,%.12g\n", case, rownames(co)[i], co[i, 2]))
    }
    cat(sprintf("%s,hansen,,%.10g\n", case, sargan(fit)$statistic))
    cat(sprintf("%s,ar,1,%.10g\n", case, mtest(fit, order = 1, vcov = vcovHC)$statistic))
    cat(sprintf("%s,ar,2,%.10g\n", case, mtest(fit, order = 2, vcov = vcovHC)$statistic))
    cat(sprintf("%s,n_instruments,,%d\n", case, ncol(fit$W[[1]])))
  }
}
# AB column (b) model, two-step, collapsed GMM instruments
show("plm_ab_b_collapse_twostep_windmeijer",
     pgmm(n ~ lag(n, 1:2) + lag(w, 0:1) + k + lag(ys, 0:1) | lag(n, 2:99), data = pd,
          effect = "twoways", model = "twosteps", collapse = TRUE))
# BB98 model, system GMM (transformation "ld" = xtabond2 h(3)), two-step
show("plm_bb_sys_twostep_windmeijer",
     pgmm(n ~ lag(n, 1) + lag(w, 0:1) + lag(k, 0:1) | lag(n, 2:99) + lag(w, 2:99) + lag(k, 2:99),
          data = pd, effect = "twoways", model = "twosteps", transformation = "ld"))
# BB98 model, system GMM, one-step, collapsed instruments
show("plm_bb_sys_collapse_onestep_robust",
     pgmm(n ~ lag(n, 1) + lag(w, 0:1) + lag(k, 0:1) | lag(n, 2:99) + lag(w, 2:99) + lag(k, 2:99),
          data = pd, effect = "twoways", model = "onestep", transformation = "ld",
          collapse = TRUE))
# Difference GMM, lag limits and collapse, no time effects, two-step
show("plm_dif_lags_collapse_twostep_windmeijer",
     pgmm(n ~ lag(n, 1:2) + w + k | lag(n, 2:4) + lag(w, 1:3), data = pd,
          effect = "individual", model = "twosteps", collapse = TRUE))
# Unbalanced panel with gaps inside firms: every 17th row of abdata.csv removed (1-based rows
# 6, 23, 40, ...; pandas: data.drop(index=data.index[5::17])), AB column (b) model
gappy <- pdata.frame(ab[-seq(6, nrow(ab), by = 17), ], index = c("id", "year"))
show("plm_ab_b_gaps_twostep_windmeijer",
     pgmm(n ~ lag(n, 1:2) + lag(w, 0:1) + k + lag(ys, 0:1) | lag(n, 2:99), data = gappy,
          effect = "twoways", model = "twosteps"))
show("plm_ab_b_gaps_onestep_robust",
     pgmm(n ~ lag(n, 1:2) + lag(w, 0:1) + k + lag(ys, 0:1) | lag(n, 2:99), data = gappy,
          effect = "twoways", model = "onestep"))
