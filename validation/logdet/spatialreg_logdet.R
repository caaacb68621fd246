# Log-determinants ln|I - rho W| by R spatialreg's Jacobian set-up functions (do_ldet):
#   exact       eigen_setup (N = 31) or LU_setup (N = 1000, 2800)
#   chebyshev   cheb_setup(q = 5, 10): Pace & LeSage (2004), deterministic
#   mc          mcdet_setup(p = 16, m = 30) after set.seed(1): Barry & Pace (1999), with its "sd"
#               attribute; for the two N = 31 weights also the normal draws themselves
#               (mc_draws_<w>.csv: set.seed(1); matrix(rnorm(n * p), n, p), the draws
#               mcdet_setup makes), so the arithmetic can be checked on the same draws.
# Weights, all row-standardised:
#   china_contiguity   the bundled contiguity of China's 31 provinces
#   china_knn5         5 nearest provincial capitals (great-circle, longlat = TRUE)
#   lattice_56x50      rook lattice of 56 x 50 cells (N = 2800), cell (r, c) -> id (r-1)*50 + c
#   points1000_knn6    6 nearest of 1000 uniform points (points1000.csv, written here)
# And fixed-effects SAR / SEM fits with method = "Chebyshev" (cheb_q = 5) on demeaned stacked
# data with the listw kronecker(I_T, W), as validation/spatial_panel/spatialreg_fe.R does
# with method = "eigen": Produc (entity effects) and the China panel (two-way effects).
# Run from the repository root: Rscript validation/logdet/spatialreg_logdet.R
suppressPackageStartupMessages({library(spdep); library(spatialreg)})
options(digits = 15, width = 120)
here <- "validation/logdet"
ds <- "stfi_models/datasets"

# ---------------------------------------------------------------- weights
B <- as.matrix(read.csv(file.path(ds, "china/contiguity.csv"), row.names = 1))
cap <- read.csv(file.path(ds, "china/capitals.csv"))
cap <- cap[order(cap$adcode), ]
grid <- expand.grid(c = 1:50, r = 1:56)  # c fastest: id = (r - 1) * 50 + c
set.seed(20240607)
pts <- data.frame(x = runif(1000), y = runif(1000))
write.csv(data.frame(x = sprintf("%.17g", pts$x), y = sprintf("%.17g", pts$y)),
          file.path(here, "points1000.csv"), row.names = FALSE, quote = FALSE)
pts <- read.csv(file.path(here, "points1000.csv"))
weights <- list(
  china_contiguity = mat2listw(B, style = "W"),
  china_knn5 = nb2listw(knn2nb(knearneigh(cbind(cap$lon, cap$lat), 5, longlat = TRUE)),
                        style = "W"),
  lattice_56x50 = nb2listw(dnearneigh(as.matrix(grid[, c("c", "r")]), 0, 1), style = "W"),
  points1000_knn6 = nb2listw(knn2nb(knearneigh(as.matrix(pts), 6)), style = "W")
)
rhos <- c(-0.9, -0.5, 0.2, 0.5, 0.8, 0.95)

setup <- function(lw, what, ...) {
  env <- new.env()
  assign("listw", lw, envir = env); assign("family", "SAR", envir = env)
  assign("verbose", FALSE, envir = env); assign("can.sim", can.be.simmed(lw), envir = env)
  what(env, ...)
  env
}

rows <- list(); mc <- list()
add <- function(case, quantity, term, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.15g", value))
}
for (name in names(weights)) {
  lw <- weights[[name]]
  n <- length(lw$neighbours)
  exact <- if (n <= 100) setup(lw, eigen_setup) else setup(lw, LU_setup)
  cheb <- lapply(c(5, 10), function(q) setup(lw, cheb_setup, q = q))
  set.seed(1)
  mcenv <- setup(lw, mcdet_setup, p = 16, m = 30)
  if (n <= 100) {
    set.seed(1)
    write.csv(matrix(rnorm(n * 16), n, 16), file.path(here, sprintf("mc_draws_%s.csv", name)),
              row.names = FALSE)
  }
  for (rho in rhos) {
    term <- sprintf("%g", rho)
    add(name, "exact", term, do_ldet(rho, exact))
    add(name, "chebyshev5", term, do_ldet(rho, cheb[[1]]))
    add(name, "chebyshev10", term, do_ldet(rho, cheb[[2]]))
    v <- do_ldet(rho, mcenv)
    mc[[length(mc) + 1]] <- data.frame(weights = name, rho = rho, value = sprintf("%.15g", v),
                                       sd = sprintf("%.15g", attr(v, "sd")))
  }
}

# ---------------------------------------------------------------- fits
source("validation/spatial_panel/within.R")   # demean(), spatial_lag()
fit_case <- function(case, y, X, B, T, N, effect) {
  # from the symmetric binary links, so that spatialreg sees W as similar to a symmetric
  # matrix (its Chebyshev method refuses other weights)
  lwT <- mat2listw(kronecker(diag(T), B), style = "W")
  yd <- demean(matrix(y), effect, T, N)[, 1]
  Xd <- demean(X, effect, T, N); colnames(Xd) <- colnames(X)
  df <- data.frame(y = yd, Xd, check.names = FALSE)
  fm <- as.formula(paste("y ~", paste0("`", colnames(Xd), "`", collapse = " + "), "- 1"))
  ctl <- list(tol.opt = .Machine$double.eps^0.75, cheb_q = 5, fdHess = FALSE)
  for (model in c("sar", "sem")) {
    fit <- if (model == "sem") {
      errorsarlm(fm, data = df, listw = lwT, method = "Chebyshev", control = ctl)
    } else {
      lagsarlm(fm, data = df, listw = lwT, method = "Chebyshev", control = ctl)
    }
    cs <- sprintf("%s/%s_%s/chebyshev5", case, model, effect)
    cf <- coef(fit)
    par <- if (model == "sem") "lambda" else "rho"
    b <- cf[names(cf) != par]
    names(b) <- gsub("`", "", names(b))
    for (k in names(b)) add(cs, "coef", k, b[[k]])
    add(cs, "coef", par, if (model == "sem") fit$lambda else fit$rho)
    add(cs, "sigma2", "", fit$s2)
    add(cs, "loglik", "", as.numeric(logLik(fit)))
    cat(cs, "\n"); print(summary(fit))
  }
}
produc <- read.csv(file.path(ds, "produc/produc.csv"))
usaww <- as.matrix(read.csv(file.path(ds, "produc/usaww.csv"), row.names = 1))
states <- rownames(usaww)
produc <- produc[order(produc$year, match(produc$state, states)), ]
Xp <- cbind("np.log(pcap)" = log(produc$pcap), "np.log(pc)" = log(produc$pc),
            "np.log(emp)" = log(produc$emp), "unemp" = produc$unemp)
fit_case("produc", log(produc$gsp), Xp, (usaww > 0) * 1, 17, 48, "individual")

panel <- read.csv(file.path(ds, "china/panel.csv"))
panel <- panel[order(panel$year, panel$prov_code), ]
Xc <- cbind("np.log(rd_exp_total)" = log(panel$rd_exp_total),
            "np.log(gdp_nbs / pop_yearend)" = log(panel$gdp_nbs / panel$pop_yearend))
fit_case("china", log(panel$patent_grant_total), Xc, B, 14, 31, "twoways")

out <- do.call(rbind, rows)
write.csv(out, file.path(here, "spatialreg_raw.csv"), row.names = FALSE)
write.csv(do.call(rbind, mc), file.path(here, "spatialreg_mc.csv"), row.names = FALSE)
print(out, row.names = FALSE)
cat(R.version.string, "spatialreg", as.character(packageVersion("spatialreg")), "spdep",
    as.character(packageVersion("spdep")), "\n")
