# Independent reference numbers for the FE spatial panel models (SAR, SEM, SDM, SDEM, SAC; individual and
# two-way effects) with R spatialreg on pre-demeaned data stacked time-major, W = I_T %x% W_N.
# This is the "direct approach" with splm's spatial-lag convention (W applied to the demeaned y),
# sigma2 = SSE/(NT), log-likelihood with T ln|I - rho W|, analytic information matrix SEs.
# LeSage-Pace effects of SAR and SDM by brute force: S_k = (I - rho W)^-1 (b_k I + t_k W),
# direct = mean(diag(S_k)), total = mean(rowSums(S_k)).
# Run from the repository root:  Rscript validation/spatial_panel/spatialreg_fe.R
# Output: validation/spatial_panel/spatialreg_raw.csv (+ the console log spatialreg_output.txt).
suppressPackageStartupMessages({library(spdep); library(spatialreg)})
options(digits = 15)
ds <- "stfi_models/datasets"

source("validation/spatial_panel/within.R")   # demean(), spatial_lag()

rows <- list()
add <- function(case, quantity, term, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.15g", value))
}

run <- function(data_name, y, X, W, T, N) {
  lwT <- mat2listw(kronecker(diag(T), W), style = "W")
  WX <- spatial_lag(X, W, T, N)
  colnames(WX) <- paste0("W.", colnames(X))
  ctl <- list(tol.opt = .Machine$double.eps^0.75)
  for (effect in c("individual", "time", "twoways")) {
    yd <- demean(matrix(y), effect, T, N)[, 1]
    Xd <- demean(X, effect, T, N); colnames(Xd) <- colnames(X)
    WXd <- demean(WX, effect, T, N); colnames(WXd) <- colnames(WX)
    fits <- list()
    for (model in c("sar", "sem", "sdm", "sdem")) {
      Z <- if (model %in% c("sdm", "sdem")) cbind(Xd, WXd) else Xd
      df <- data.frame(y = yd, Z, check.names = FALSE)
      fm <- as.formula(paste("y ~", paste0("`", colnames(Z), "`", collapse = " + "), "- 1"))
      error <- model %in% c("sem", "sdem")
      fit <- if (error) {
        errorsarlm(fm, data = df, listw = lwT, method = "eigen", control = ctl)
      } else {
        lagsarlm(fm, data = df, listw = lwT, method = "eigen", control = ctl)
      }
      case <- sprintf("%s/%s_%s", data_name, model, effect)
      fits[[model]] <- fit
      cf <- coef(fit)
      par <- if (error) "lambda" else "rho"
      b <- cf[names(cf) != par & names(cf) != "lambda"]
      names(b) <- gsub("`", "", names(b))
      se_b <- fit$rest.se
      for (k in names(b)) add(case, "coef", k, b[[k]])
      for (i in seq_along(b)) add(case, "se", names(b)[i], se_b[[i]])
      rho <- if (error) fit$lambda else fit$rho
      add(case, "coef", par, rho)
      add(case, "se", par, if (error) fit$lambda.se else fit$rho.se)
      add(case, "sigma2", "", fit$s2)
      add(case, "loglik", "", as.numeric(logLik(fit)))
      cat(case, "\n"); print(summary(fit))
      if (model != "sem") {
        A <- if (error) diag(N) else solve(diag(N) - rho * W)  # SDEM: no multiplier
        for (k in colnames(X)) {
          th <- if (model %in% c("sdm", "sdem")) b[[paste0("W.", k)]] else 0
          S <- A %*% (b[[k]] * diag(N) + th * W)
          direct <- mean(diag(S)); total <- mean(rowSums(S))
          add(case, "direct", k, direct); add(case, "indirect", k, total - direct)
          add(case, "total", k, total)
        }
      }
    }
    # SAC (SARAR): sacsarlm on the same data (method "eigen": asymptotic information matrix)
    df <- data.frame(y = yd, Xd, check.names = FALSE)
    fm <- as.formula(paste("y ~", paste0("`", colnames(Xd), "`", collapse = " + "), "- 1"))
    sac <- sacsarlm(fm, data = df, listw = lwT, method = "eigen", control = ctl)
    case <- sprintf("%s/sac_%s", data_name, effect)
    cf <- coef(sac); names(cf) <- gsub("`", "", names(cf))
    for (k in colnames(X)) add(case, "coef", k, cf[[k]])
    add(case, "coef", "rho", sac$rho); add(case, "coef", "lambda", sac$lambda)
    add(case, "sigma2", "", sac$s2); add(case, "loglik", "", as.numeric(logLik(sac)))
    se <- sac$rest.se; names(se) <- gsub("`", "", names(se))
    for (k in colnames(X)) add(case, "se", k, se[[k]])
    add(case, "se", "rho", sac$rho.se); add(case, "se", "lambda", sac$lambda.se)
    cat(case, "\n"); print(summary(sac))
    # model choice: LM tests of the non-spatial FE model (spdep on the demeaned stacked data),
    # LR from the spatialreg log-likelihoods, Wald from spatialreg's asymptotic covariance
    case <- sprintf("%s/choice_%s", data_name, effect)
    ols <- lm(yd ~ Xd - 1)
    lmt <- lm.LMtests(ols, lwT, test = c("LMlag", "LMerr", "RLMlag", "RLMerr"))
    labels <- c(LMlag = "LM lag", LMerr = "LM error", RLMlag = "Robust LM lag",
                RLMerr = "Robust LM error")
    for (t in names(labels)) add(case, "statistic", labels[[t]], lmt[[t]]$statistic)
    ll <- sapply(fits, function(f) as.numeric(logLik(f)))
    add(case, "statistic", "LR SDM vs SAR", 2 * (ll[["sdm"]] - ll[["sar"]]))
    add(case, "statistic", "LR SDM vs SEM", 2 * (ll[["sdm"]] - ll[["sem"]]))
    V <- fits$sdm$resvar
    dimnames(V) <- lapply(dimnames(V), function(d) gsub("`", "", d))
    cf <- coef(fits$sdm); names(cf) <- gsub("`", "", names(cf))
    th <- paste0("W.", colnames(X))
    add(case, "statistic", "Wald SDM vs SAR",
        drop(t(cf[th]) %*% solve(V[th, th], cf[th])))
    g <- cf[th] + cf[["rho"]] * cf[colnames(X)]
    J <- matrix(0, length(th), ncol(V), dimnames = list(th, colnames(V)))
    for (i in seq_along(th)) {
      J[i, th[i]] <- 1; J[i, colnames(X)[i]] <- cf[["rho"]]; J[i, "rho"] <- cf[[colnames(X)[i]]]
    }
    add(case, "statistic", "Wald SDM vs SEM", drop(t(g) %*% solve(J %*% V %*% t(J), g)))
  }
}

# --- Produc (Munnell 1990) with usaww, time-major (year, state)
produc <- read.csv(file.path(ds, "produc", "produc.csv"))
produc <- produc[order(produc$year, produc$state), ]
usaww <- as.matrix(read.csv(file.path(ds, "produc", "usaww.csv"), row.names = 1))
stopifnot(identical(rownames(usaww), unique(produc$state)))
W <- usaww / rowSums(usaww)
X <- cbind(`np.log(pcap)` = log(produc$pcap), `np.log(pc)` = log(produc$pc),
           `np.log(emp)` = log(produc$emp), unemp = produc$unemp)
run("produc", log(produc$gsp), X, W, T = 17, N = 48)

# --- China, 31 provinces x 2010-2023, row-standardised contiguity (Hainan-Guangdong linked)
china <- read.csv(file.path(ds, "china", "panel.csv"))
china <- china[order(china$year, china$prov_code), ]
B <- as.matrix(read.csv(file.path(ds, "china", "contiguity.csv"), row.names = 1))
stopifnot(identical(as.integer(rownames(B)) %/% 10000L, unique(china$prov_code)))
W <- B / rowSums(B)
X <- cbind(`np.log(rd_exp_total)` = log(china$rd_exp_total),
           `np.log(rd_fte_total)` = log(china$rd_fte_total),
           `np.log(budget_exp_scitech)` = log(china$budget_exp_scitech),
           `np.log(gdp_nbs / pop_yearend)` = log(china$gdp_nbs / china$pop_yearend))
run("china", log(china$patent_grant_invention), X, W, T = 14, N = 31)

out <- do.call(rbind, rows)
write.csv(out, "validation/spatial_panel/spatialreg_raw.csv", row.names = FALSE, quote = TRUE)
cat(R.version.string, "spdep", as.character(packageVersion("spdep")), "spatialreg",
    as.character(packageVersion("spatialreg")), "\n")
