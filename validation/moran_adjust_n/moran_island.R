# Moran's I with an island: spdep moran.test with adjust.n = TRUE (default) and FALSE.
# China's 31 provinces, contiguity WITHOUT the Hainan-Guangdong link (Hainan an island),
# row-standardised (zero.policy = TRUE), on log GDP per capita of 2020 and 2023.
# Run from the repository root: Rscript validation/moran_adjust_n/moran_island.R
suppressPackageStartupMessages(library(spdep))
options(digits = 15)
ds <- "stfi_models/datasets/china"
B <- as.matrix(read.csv(file.path(ds, "contiguity.csv"), row.names = 1))
colnames(B) <- rownames(B)
B["460000", "440000"] <- 0; B["440000", "460000"] <- 0
lw <- nb2listw(mat2listw(B)$neighbours, style = "W", zero.policy = TRUE)
panel <- read.csv(file.path(ds, "panel.csv"))
rows <- list()
for (year in c(2020, 2023)) {
  d <- panel[panel$year == year, ]
  d <- d[order(d$prov_code), ]
  x <- log(d$gdp_nbs / d$pop_yearend)
  for (adj in c(TRUE, FALSE)) for (rand in c(TRUE, FALSE)) {
    t <- moran.test(x, lw, zero.policy = TRUE, adjust.n = adj, randomisation = rand,
                    alternative = "two.sided")
    case <- sprintf("lngdppc_%d/adjust_n=%s", year, tolower(adj))
    kind <- if (rand) "rand" else "norm"
    rows[[length(rows) + 1]] <- data.frame(
      case = case, quantity = c("I", "expected", paste0("var_", kind)), term = "",
      value = sprintf("%.15g", c(t$estimate[1:2], t$estimate[3])))
  }
}
out <- unique(do.call(rbind, rows))
write.csv(out, "validation/moran_adjust_n/spdep_raw.csv", row.names = FALSE)
print(out); cat(R.version.string, "spdep", as.character(packageVersion("spdep")), "\n")
