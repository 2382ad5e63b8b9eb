# R 4.2.2, cmprsk 2.2-11: reference values for tests/outcome/test_*.py on cr_synth.csv
suppressMessages(library(cmprsk))
d <- read.csv("cr_synth.csv")
out <- list()
add <- function(what, key, value) out[[length(out) + 1]] <<- data.frame(what = what, key = key, value = value)
ci <- cuminc(d$time, d$status, group = d$grp)
for (i in seq_len(nrow(ci$Tests))) add("gray", rownames(ci$Tests)[i], ci$Tests[i, "stat"])
tp <- timepoints(ci, c(3, 7, 12, 20))
for (r in rownames(tp$est)) for (cc in colnames(tp$est)) {
  add("cif", paste(r, cc), tp$est[r, cc]); add("cifvar", paste(r, cc), tp$var[r, cc])
}
cs <- cuminc(d$time, d$status, group = d$grp, strata = d$stratum, rho = 1)
for (i in seq_len(nrow(cs$Tests))) add("gray_strata_rho1", rownames(cs$Tests)[i], cs$Tests[i, "stat"])
X <- cbind(x1 = d$x1, x2 = d$x2, grpB = as.numeric(d$grp == "B"), grpC = as.numeric(d$grp == "C"))
f <- crr(d$time, d$status, X, failcode = 1, cencode = 0)
for (v in names(f$coef)) { add("crr_coef", v, f$coef[v]); add("crr_se", v, sqrt(diag(f$var))[v == names(f$coef)]) }
add("crr_loglik", "model", f$loglik); add("crr_loglik", "null", f$loglik.null)
p <- predict(f, c(0.5, 1, 0, 1))
for (tt in c(3, 7, 12, 20)) add("crr_predict", as.character(tt), p[max(which(p[, 1] <= tt)), 2])
g <- crr(d$time, d$status, X, failcode = 2, cencode = 0, cengroup = d$cengrp)
for (v in names(g$coef)) { add("crr_cengroup_coef", v, g$coef[v]); add("crr_cengroup_se", v, sqrt(diag(g$var))[v == names(g$coef)]) }
write.csv(do.call(rbind, out), "ref_cr_synth.csv", row.names = FALSE)
