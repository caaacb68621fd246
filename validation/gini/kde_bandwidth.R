# Reference numbers for stfi_models.inequality.kernel_density (R 4.2, base stats only).
# Bandwidth rules bw.nrd0 (Silverman) and bw.nrd (Scott), and the exact Gaussian kernel sum
# (not density(), which bins onto an FFT grid) at two points, on Mexico 1940 per-capita GDP.
# Run: Rscript kde_bandwidth.R > kde_bandwidth.out
x <- read.csv("inputs/mexico_pcgdp1940_hanson98.csv")$pcgdp1940
h0 <- bw.nrd0(x)
h1 <- bw.nrd(x)
f <- function(at, h) mean(dnorm((at - x) / h)) / h
out <- data.frame(
  quantity = c("bw_silverman", "bw_scott", "density_silverman", "density_silverman",
               "density_scott"),
  term = c("", "", "7000", "10000", "7000"),
  value = c(h0, h1, f(7000, h0), f(10000, h0), f(7000, h1))
)
write.csv(format(out, digits = 15), row.names = FALSE, quote = FALSE)
