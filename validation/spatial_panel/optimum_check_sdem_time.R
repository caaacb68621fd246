# Is spatialreg's SDEM time-FE lambda (produc/sdem_time) at the maximum of its own likelihood?
# Refit with the search interval pinned to +-1e-9 around OUR lambda and around its own.
# Output: optimum_check_sdem_time.txt (lambda, logLik): spatialreg's log-likelihood is HIGHER at our lambda,
# so its default optimize() stopped 4.3e-7 short of the maximum. Run from the repository root.
suppressPackageStartupMessages({library(spdep); library(spatialreg)})
options(digits = 15)
source("validation/spatial_panel/within.R")   # demean(), spatial_lag()
produc <- read.csv("stfi_models/datasets/produc/produc.csv"); produc <- produc[order(produc$year, produc$state), ]
usaww <- as.matrix(read.csv("stfi_models/datasets/produc/usaww.csv", row.names = 1)); W <- usaww / rowSums(usaww)
T <- 17; N <- 48
X <- cbind(a = log(produc$pcap), b = log(produc$pc), c = log(produc$emp), d = produc$unemp)
WX <- spatial_lag(X, W, T, N); colnames(WX) <- paste0("W", colnames(X))
yd <- demean(matrix(log(produc$gsp)), "time", T, N)[, 1]
Z <- cbind(demean(X, "time", T, N), demean(WX, "time", T, N)); colnames(Z) <- c(colnames(X), colnames(WX))
df <- data.frame(y = yd, Z)
lwT <- mat2listw(kronecker(diag(T), W), style = "W")
for (iv in list(NULL, c(0.4053839472506522 - 1e-9, 0.4053839472506522 + 1e-9), c(0.405383514438052 - 1e-10, 0.405383514438052 + 1e-10))) {
  f <- errorsarlm(y ~ . - 1, data = df, listw = lwT, method = "eigen", interval = iv,
                  control = list(tol.opt = .Machine$double.eps^0.75))
  cat(sprintf("%.15f %.12f\n", f$lambda, as.numeric(logLik(f))))
}
