# Distance-based weights of China's 31 provinces from the bundled capital coordinates
# (stfi_models/datasets/china/capitals.csv, built by capitals.R), with spdep and
# longlat = TRUE (great-circle km on the WGS84 ellipsoid), all row-standardised (style "W"):
#   knn4, knn5      knearneigh(xy, k, longlat = TRUE) -> knn2nb
#   band_min        dnearneigh(xy, 0, d) with d = the largest nearest-neighbour distance
#   band_1000       dnearneigh(xy, 0, 1000): islands (zero.policy = TRUE)
#   idw1, idw2      all pairs, weights 1/d and 1/d^2 (nbdists)
#   idw1_band_min   1/d within band_min
# For each: the Cliff-Ord constants S0, S1, S2, the number of links, and moran.test of log GDP
# per capita (gdp_nbs / pop_yearend) and of R&D intensity in 2020 (normality and
# randomisation variances); for the k-NN cases also each province's mean distance to its
# neighbours. Full weight matrices go to weights_<case>.csv for the tests.
# Run from the repository root: Rscript validation/distance_weights/spdep_distance.R
suppressPackageStartupMessages(library(spdep))
options(digits = 15, width = 120)
here <- "validation/distance_weights"
ds <- "stfi_models/datasets/china"
cap <- read.csv(file.path(ds, "capitals.csv"), encoding = "UTF-8")
cap <- cap[order(cap$adcode), ]
code <- cap$adcode %/% 10000
xy <- cbind(cap$lon, cap$lat)
all_nb <- dnearneigh(xy, 0, 1e5, longlat = TRUE, row.names = code)
nn1 <- nbdists(knn2nb(knearneigh(xy, 1, longlat = TRUE), row.names = code), xy, longlat = TRUE)
band_min <- max(unlist(nn1))
inv <- function(nb, p) lapply(nbdists(nb, xy, longlat = TRUE), function(d) d^-p)
band <- dnearneigh(xy, 0, band_min, longlat = TRUE, row.names = code)
cases <- list(
  knn4 = list(nb = knn2nb(knearneigh(xy, 4, longlat = TRUE), row.names = code)),
  knn5 = list(nb = knn2nb(knearneigh(xy, 5, longlat = TRUE), row.names = code)),
  band_min = list(nb = band),
  band_1000 = list(nb = dnearneigh(xy, 0, 1000, longlat = TRUE, row.names = code)),
  idw1 = list(nb = all_nb, glist = inv(all_nb, 1)),
  idw2 = list(nb = all_nb, glist = inv(all_nb, 2)),
  idw1_band_min = list(nb = band, glist = inv(band, 1))
)
panel <- read.csv(file.path(ds, "panel.csv"))
d <- panel[panel$year == 2020, ]
d <- d[order(d$prov_code), ]
stopifnot(all(d$prov_code == code))
vars <- list(lngdppc_2020 = log(d$gdp_nbs / d$pop_yearend), rd_intensity_2020 = d$rd_intensity)
rows <- list()
add <- function(case, quantity, term, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.15g", value))
}
add("band_min", "threshold_km", "", band_min)
for (name in names(cases)) {
  cs <- cases[[name]]
  lw <- nb2listw(cs$nb, glist = cs$glist, style = "W", zero.policy = TRUE)
  k <- spweights.constants(lw, zero.policy = TRUE, adjust.n = FALSE)
  add(name, c("S0", "S1", "S2", "links"), "", c(k$S0, k$S1, k$S2, sum(card(cs$nb))))
  write.csv(listw2mat(lw), file.path(here, sprintf("weights_%s.csv", name)), row.names = code)
  if (startsWith(name, "knn")) {
    md <- sapply(nbdists(cs$nb, xy, longlat = TRUE), mean)
    add(name, "mean_nb_dist_km", code, md)
  }
  for (v in names(vars)) for (rand in c(TRUE, FALSE)) {
    t <- moran.test(vars[[v]], lw, randomisation = rand, zero.policy = TRUE,
                    alternative = "two.sided")
    kind <- if (rand) "rand" else "norm"
    add(sprintf("%s/%s", name, v), c("I", "expected", paste0("var_", kind)), "",
        t$estimate[1:3])
  }
}
out <- unique(do.call(rbind, rows))
write.csv(out, file.path(here, "spdep_raw.csv"), row.names = FALSE)
print(out, row.names = FALSE)
cat(R.version.string, "spdep", as.character(packageVersion("spdep")), "\n")
