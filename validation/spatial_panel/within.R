# Within transformation and spatial lag of a time-major panel matrix, shared by the R reference
# scripts of validation/ (spatial_panel, spatial_convergence, logdet).
# Use from the repository root: source("validation/spatial_panel/within.R")
demean <- function(m, effect, T, N) {       # m: (N*T) x k, time-major rows
  a <- array(m, c(N, T, ncol(m)))
  for (j in seq_len(ncol(m))) {
    x <- a[, , j]
    if (effect %in% c("individual", "twoways")) x <- x - rowMeans(x)
    if (effect %in% c("time", "twoways")) x <- sweep(x, 2, colMeans(x))
    a[, , j] <- x
  }
  matrix(a, N * T, ncol(m))
}
spatial_lag <- function(m, W, T, N) {        # per period W %*% x, time-major
  a <- array(m, c(N, T, ncol(m)))
  for (j in seq_len(ncol(m))) a[, , j] <- W %*% a[, , j]
  matrix(a, N * T, ncol(m))
}
