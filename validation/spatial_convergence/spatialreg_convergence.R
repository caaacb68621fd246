# Independent reference numbers for spatial beta-convergence on the China panel: R spatialreg
# (lagsarlm / errorsarlm, method "eigen") on within-transformed data stacked time-major,
# listw = I_T %x% W (the direct approach, splm's convention: W applied to the demeaned growth).
#
# Data: the bundled 31-province panel 2010-2023, y = GDP per resident (gdp_nbs / pop_yearend),
#   growth_it = ln y_it - ln y_i,t-1  on  log_initial = ln y_i,t-1  (t = 2011..2023, T = 13),
#   SDM: plus W.log_initial = W ln y_t-1 (lag of the raw level, then demeaned, as splm slag()).
# W: the bundled contiguity (Hainan-Guangdong linked), row-standardised.
# Reported: beta (the coefficient of log_initial), rho / lambda, theta, their SEs (asymptotic
# information matrix), sigma2, log-likelihood; the speed lambda = -ln(1 + beta) (one-period
# growth, tau = 1) and the half-life ln 2 / lambda with delta-method SEs; the LeSage-Pace effects
# of log_initial by brute force, S = (I - rho W)^-1 (beta I + theta W): direct = mean(diag(S)),
# total = mean(rowSums(S)), and their delta-method SEs.  Every delta-method SE here uses a
# numerical gradient (central differences) with spatialreg's covariance `resvar`, so it is
# independent of the analytic derivatives of stfi_models.
# Run from the repository root:
#   Rscript validation/spatial_convergence/spatialreg_convergence.R \
#     > validation/spatial_convergence/spatialreg_output.txt
# Output: validation/spatial_convergence/spatialreg_raw.csv
suppressPackageStartupMessages({library(spdep); library(spatialreg)})
options(digits = 15)
ds <- "stfi_models/datasets/china"

source("validation/spatial_panel/within.R")   # demean(), spatial_lag()

grad <- function(f, p) {                     # central differences
  sapply(seq_along(p), function(i) {
    h <- 1e-6 * max(1, abs(p[i])); up <- p; dn <- p
    up[i] <- up[i] + h; dn[i] <- dn[i] - h
    (f(up) - f(dn)) / (2 * h)
  })
}

rows <- list()
add <- function(case, quantity, term, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.15g", value))
}

china <- read.csv(file.path(ds, "panel.csv"))
china <- china[order(china$year, china$prov_code), ]
B <- as.matrix(read.csv(file.path(ds, "contiguity.csv"), row.names = 1))
stopifnot(identical(as.integer(rownames(B)) %/% 10000L, unique(china$prov_code)))
W <- B / rowSums(B)
N <- 31; years <- sort(unique(china$year)); T0 <- length(years)
ly <- matrix(log(china$gdp_nbs / china$pop_yearend), N, T0)   # N x T0, columns = years
growth <- ly[, -1] - ly[, -T0]                                  # t = 2011..2023
initial <- ly[, -T0]                                            # ln y_{t-1}
T <- T0 - 1
lwT <- mat2listw(kronecker(diag(T), W), style = "W")
ctl <- list(tol.opt = .Machine$double.eps^0.75)

speed <- function(b) -log(1 + b)
half_life <- function(b) log(2) / speed(b)
effects <- function(p) {                     # p = (rho, beta, theta)
  S <- solve(diag(N) - p[1] * W) %*% (p[2] * diag(N) + p[3] * W)
  d <- mean(diag(S)); t <- mean(rowSums(S))
  c(direct = d, indirect = t - d, total = t)
}

for (effect in c("individual", "time", "twoways")) {
  g <- demean(matrix(growth), effect, T, N)[, 1]
  x <- demean(matrix(initial), effect, T, N)[, 1]
  wx <- demean(W %*% initial, effect, T, N)[, 1]
  df <- data.frame(growth = g, log_initial = x, W.log_initial = wx, check.names = FALSE)
  for (model in c("sar", "sem", "sdm")) {
    fm <- if (model == "sdm") growth ~ log_initial + W.log_initial - 1 else
      growth ~ log_initial - 1
    fit <- if (model == "sem") {
      errorsarlm(fm, data = df, listw = lwT, method = "eigen", control = ctl)
    } else {
      lagsarlm(fm, data = df, listw = lwT, method = "eigen", control = ctl)
    }
    case <- sprintf("china/%s_%s", model, effect)
    cat(case, "\n"); print(summary(fit))
    cf <- coef(fit)
    par <- if (model == "sem") "lambda" else "rho"
    b <- cf[names(cf) != par]
    for (k in names(b)) add(case, "coef", k, b[[k]])
    for (i in seq_along(b)) add(case, "se", names(b)[i], fit$rest.se[[i]])
    add(case, "coef", par, if (model == "sem") fit$lambda else fit$rho)
    add(case, "se", par, if (model == "sem") fit$lambda.se else fit$rho.se)
    add(case, "sigma2", "", fit$s2)
    add(case, "loglik", "", as.numeric(logLik(fit)))
    beta <- b[["log_initial"]]; se_beta <- fit$rest.se[[1]]
    add(case, "convergence", "beta", beta)
    add(case, "convergence", "beta_se", se_beta)
    add(case, "convergence", "speed", speed(beta))
    add(case, "convergence", "speed_se", abs(grad(speed, beta)) * se_beta)
    add(case, "convergence", "half_life", half_life(beta))
    add(case, "convergence", "half_life_se", abs(grad(half_life, beta)) * se_beta)
    if (model != "sem") {
      V <- fit$resvar
      names_p <- c("rho", "log_initial", if (model == "sdm") "W.log_initial")
      V <- V[names_p, names_p, drop = FALSE]
      p <- c(fit$rho, beta, if (model == "sdm") b[["W.log_initial"]] else 0)
      f3 <- function(q) effects(c(q, if (model == "sar") 0))
      est <- effects(p)
      q <- p[seq_along(names_p)]
      J <- sapply(1:3, function(k) grad(function(z) f3(z)[[k]], q))   # n_par x 3
      se <- sqrt(diag(t(J) %*% V %*% J))
      for (k in 1:3) {
        add(case, names(est)[k], "log_initial", est[[k]])
        add(case, paste0(names(est)[k], "_se"), "log_initial", se[[k]])
      }
    }
  }
}

out <- do.call(rbind, rows)
write.csv(out, "validation/spatial_convergence/spatialreg_raw.csv", row.names = FALSE,
          quote = TRUE)
cat(R.version.string, "spdep", as.character(packageVersion("spdep")), "spatialreg",
    as.character(packageVersion("spatialreg")), "\n")
