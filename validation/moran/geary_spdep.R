# Geary's C peer numbers from spdep (run: Rscript geary_spdep.R > geary_spdep_output.txt).
# Inputs are the GAL/CSV files in inputs/; values are put in the order of the GAL ids.
suppressPackageStartupMessages(library(spdep))
cat("spdep", as.character(packageVersion("spdep")), "\n")
run <- function(case, csv, id, value, gal, style) {
  nb <- read.gal(file.path("inputs", gal), override.id = TRUE)
  d <- read.csv(file.path("inputs", csv), colClasses = setNames("character", id))
  y <- d[[value]][match(attr(nb, "region.id"), d[[id]])]
  lw <- nb2listw(nb, style = style)
  for (rand in c(TRUE, FALSE)) {
    g <- geary.test(y, lw, randomisation = rand, alternative = "greater")
    kind <- if (rand) "rand" else "norm"
    cat(sprintf("%s C %.15g\n%s E %.15g\n%s var_%s %.15g\n%s z_%s %.15g\n%s p_%s_greater %.15g\n",
                case, g$estimate[1], case, g$estimate[2], case, kind, g$estimate[3],
                case, kind, g$statistic, case, kind, g$p.value))
  }
}
run("geary_columbus_colnb", "columbus_spdep_oldcol.csv", "region_id", "CRIME",
    "columbus_spdep_COLnb.gal", "W")
run("geary_columbus_colnb_B", "columbus_spdep_oldcol.csv", "region_id", "CRIME",
    "columbus_spdep_COLnb.gal", "B")
run("geary_lattice3x3_binary", "lattice_3x3_y1to9.csv", "cell", "y", "lattice_3x3_rook.gal", "B")
# Permutation test (RNG-specific; only "p = 0.001 with 999 reshuffles" is portable)
nb <- read.gal("inputs/columbus_spdep_COLnb.gal", override.id = TRUE)
d <- read.csv("inputs/columbus_spdep_oldcol.csv", colClasses = c(region_id = "character"))
y <- d$CRIME[match(attr(nb, "region.id"), d$region_id)]
set.seed(1234)
mc <- geary.mc(y, nb2listw(nb, style = "W"), nsim = 999, alternative = "greater")
sims <- mc$res[1:999]
cat(sprintf("geary_columbus_colnb p_sim_greater %.15g (reshuffles with C_sim <= C: %d; min C_sim %.6f)\n",
            mc$p.value, sum(sims <= mc$statistic), min(sims)))
