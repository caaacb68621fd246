# Export plm's Grunfeld data (10 US firms x 20 years, 1935-1954) to the package's dataset folder.
# Run from the repository root:  Rscript validation/static_grunfeld/export_grunfeld.R
suppressPackageStartupMessages(library(plm))
data("Grunfeld", package = "plm")
stopifnot(identical(names(Grunfeld), c("firm", "year", "inv", "value", "capital")),
          nrow(Grunfeld) == 200L)
write.csv(Grunfeld, "stfi_models/datasets/grunfeld/grunfeld.csv", row.names = FALSE)
cat("plm", as.character(packageVersion("plm")), ": wrote", nrow(Grunfeld), "rows\n")
