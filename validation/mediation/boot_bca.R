# R boot's BCa interval on a FIXED set of bootstrap replicates exported from Python, so the
# random number generators do not matter: only the BCa arithmetic and the jackknife are compared.
# Run from this folder:  Rscript boot_bca.R > boot_bca_output.csv
#
# * Data: inputs/pingouin_mediation.csv; statistic: the indirect effect a*b with a from
#   lm(M ~ X) and b from lm(Y ~ X + M), case (row) resampling.
# * Replicates: inputs/bca_replicates.csv (stfi mediate(..., bootstrap = 5000,
#   seed = numpy.random.RandomState(42)), written by compute.write_replicates()).  They replace
#   the t of a boot object whose data, statistic and t0 are R's own.
# * Acceleration: Lt0 = empinf(type = "jack"), boot's delete-one-row jackknife influence values
#   (n - 1)(t0 - t_(i)), computed by R from the data (not taken from Python).  Efron &
#   Tibshirani (1993, eq. 14.15), and stfi, centre the jackknife values at their mean instead:
#   (n - 1)(mean(t_(.)) - t_(i)) = Lt0 - mean(Lt0).  That centred L is passed as
#   boot.ci(..., L = L); bca.ci then uses a = sum(L^3) / (6 sum(L^2)^1.5).  The rows ending in
#   "_t0centred" repeat the interval with boot's default Lt0 (not compared: other convention).
# * Output: bca_low/bca_high = boot.ci(type = "bca") limits (boot interpolates between order
#   statistics on the normal-quantile scale, norm.inter; numpy uses linear type-7 quantiles, so
#   these limits are compared with a tolerance of one order-statistic spacing);
#   bca_level_low/high = boot's adjusted quantile levels, recovered exactly by running boot's
#   own bca.ci on the normal scores qnorm(k / (R + 1)) (for which norm.inter returns qnorm of
#   its level) with the same count below t0; z0 = qnorm(#{t < t0} / R); acceleration from L;
#   then the n jackknife influence values L (for an element-wise comparison).
library(boot)
d <- read.csv("inputs/pingouin_mediation.csv")
indirect <- function(data, i) {
  x <- data[i, ]
  coef(lm(M ~ X, data = x))[["X"]] * coef(lm(Y ~ X + M, data = x))[["M"]]
}
reps <- read.csv("inputs/bca_replicates.csv", comment.char = "#")$indirect
set.seed(1)
bt <- boot(d, indirect, R = 2)
bt$t <- matrix(reps, ncol = 1)
bt$R <- length(reps)
Lt0 <- empinf(bt, type = "jack")
L <- Lt0 - mean(Lt0)
ci <- boot.ci(bt, conf = 0.95, type = "bca", L = L)$bca
ci_t0 <- boot.ci(bt, conf = 0.95, type = "bca", L = Lt0)$bca
below <- sum(reps < bt$t0)
scores <- qnorm(seq_len(bt$R) / (bt$R + 1))
levels <- pnorm(boot:::bca.ci(bt, conf = 0.95, t0 = (scores[below] + scores[below + 1]) / 2,
                              t = scores, L = L)[, 4:5])
out <- data.frame(
  quantity = c("t0", "bca_low", "bca_high", "bca_level_low", "bca_level_high", "z0",
               "acceleration", "bca_low_t0centred", "bca_high_t0centred",
               "acceleration_t0centred", paste0("L_", seq_along(L))),
  value = c(bt$t0, ci[4], ci[5], levels, qnorm(below / bt$R), sum(L^3) / (6 * sum(L^2)^1.5),
            ci_t0[4], ci_t0[5], sum(Lt0^3) / (6 * sum(Lt0^2)^1.5), L)
)
out$value <- trimws(formatC(out$value, digits = 17, format = "g"))
write.csv(out, row.names = FALSE, quote = FALSE)
cat(sprintf("# %s; boot %s\n", R.version.string, packageVersion("boot")))
