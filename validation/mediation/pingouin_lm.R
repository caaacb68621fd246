# Baron-Kenny steps, Sobel / Aroian / Goodman tests on pingouin's mediation data with base R lm.
# Run from this folder:  Rscript pingouin_lm.R > pingouin_lm_output.csv
d <- read.csv("inputs/pingouin_mediation.csv")
total  <- summary(lm(Y ~ X, data = d))$coefficients
apath  <- summary(lm(M ~ X, data = d))$coefficients
direct <- summary(lm(Y ~ X + M, data = d))$coefficients
a <- apath["X", 1]; sa <- apath["X", 2]
b <- direct["M", 1]; sb <- direct["M", 2]
base <- b^2 * sa^2 + a^2 * sb^2
se <- c(sobel = sqrt(base), aroian = sqrt(base + sa^2 * sb^2), goodman = sqrt(base - sa^2 * sb^2))
z <- a * b / se
out <- rbind(
  data.frame(quantity = c("c", "c_se", "a", "a_se", "b", "b_se", "cprime", "cprime_se",
                          "indirect", "proportion"),
             value = c(total["X", 1], total["X", 2], a, sa, b, sb, direct["X", 1],
                       direct["X", 2], a * b, a * b / total["X", 1])),
  data.frame(quantity = paste0(names(se), "_se"), value = unname(se)),
  data.frame(quantity = paste0(names(z), "_z"), value = unname(z)),
  data.frame(quantity = paste0(names(z), "_p"), value = unname(2 * pnorm(-abs(z))))
)
out$value <- trimws(formatC(out$value, digits = 15, format = "g"))
write.csv(out, row.names = FALSE, quote = FALSE)
cat(sprintf("# %s\n", R.version.string))
