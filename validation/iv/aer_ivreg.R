# Second, independent reference for 2SLS with absorbed effects: R AER::ivreg on the LSDV
# design (effects as factor dummies), covariances from sandwich.
#
# Run from the repository root:
#   Rscript validation/iv/aer_ivreg.R > validation/iv/aer_output.txt
# Writes validation/iv/aer_raw.csv (case, quantity, term, value); make_reference.py merges it.
#
# Mapping (README.md): vcov(m) = small unadjusted; vcovHC HC0 / HC1 = robust large / small;
# vcovCL(cluster = entity) HC0 with cadjust = FALSE / HC1 (G/(G-1) (n-1)/(n-k)) = cluster
# large / small.  "large" unadjusted (sigma^2 = e'e/n) is vcov(m) * (n-k)/n.
suppressPackageStartupMessages({library(AER); library(sandwich)})
options(digits = 15)
cat("R", R.version$major, ".", R.version$minor, " AER ", as.character(packageVersion("AER")),
    " sandwich ", as.character(packageVersion("sandwich")), "\n", sep = "")

lag1 <- function(d, id, time, v) {
  prev <- d[, c(id, time, v)]
  prev[[time]] <- prev[[time]] + 1
  names(prev)[3] <- "lagged"
  merge(d, prev, by = c(id, time), all.x = TRUE)$lagged[order(order(d[[id]], d[[time]]))]
}
ab <- read.csv("stfi_models/datasets/abdata/abdata.csv")
ab <- ab[order(ab$id, ab$year), ]
ab$L1_ys <- lag1(ab, "id", "year", "ys")
ab <- ab[!is.na(ab$L1_ys), ]
gr <- read.csv("stfi_models/datasets/grunfeld/grunfeld.csv")
gr <- gr[order(gr$firm, gr$year), ]
gr$L1_value <- lag1(gr, "firm", "year", "value")
gr$L2_value <- lag1(transform(gr, value = L1_value), "firm", "year", "value")
gr <- gr[!is.na(gr$L2_value), ]

CASES <- list(
  abdata = list(m = ivreg(n ~ k + w + factor(id) + factor(year) |
                            k + ys + L1_ys + factor(id) + factor(year), data = ab),
                cluster = ~id, terms = c("k", "w")),
  grunfeld = list(m = ivreg(inv ~ capital + value | capital + L1_value + L2_value, data = gr),
                  cluster = ~firm, terms = c("(Intercept)", "capital", "value"))
)
rows <- list()
add <- function(case, quantity, values) {
  rows[[length(rows) + 1L]] <<- data.frame(case = case, quantity = quantity,
                                          term = names(values), value = unname(values))
}
for (name in names(CASES)) {
  cs <- CASES[[name]]
  m <- cs$m
  n <- nobs(m); k <- length(coef(m))
  se <- function(v) sqrt(diag(v))[cs$terms]
  print(summary(m))
  for (size in c("large", "small")) add(paste0(name, "/2sls/unadjusted/", size), "coef_aer",
                                        coef(m)[cs$terms])
  add(paste0(name, "/2sls/unadjusted/small"), "se_aer", se(vcov(m)))
  add(paste0(name, "/2sls/unadjusted/large"), "se_aer", se(vcov(m) * (n - k) / n))
  add(paste0(name, "/2sls/robust/large"), "se_aer", se(vcovHC(m, type = "HC0")))
  add(paste0(name, "/2sls/robust/small"), "se_aer", se(vcovHC(m, type = "HC1")))
  add(paste0(name, "/2sls/cluster/large"), "se_aer",
      se(vcovCL(m, cluster = cs$cluster, type = "HC0", cadjust = FALSE)))
  add(paste0(name, "/2sls/cluster/small"), "se_aer",
      se(vcovCL(m, cluster = cs$cluster, type = "HC1")))
}
out <- do.call(rbind, rows)
out$term[out$term == "(Intercept)"] <- "const"
write.csv(out, "validation/iv/aer_raw.csv", row.names = FALSE)
