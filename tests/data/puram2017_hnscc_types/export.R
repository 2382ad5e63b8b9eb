# Export the CHETAH package's `headneck_ref` (Puram 2017 HNSCC subset) to plain files.
# Usage: Rscript export.R headneck_ref.rda OUTDIR
# Needs R with the SingleCellExperiment package (Debian: r-bioc-singlecellexperiment).
suppressMessages(library(SingleCellExperiment))
args <- commandArgs(trailingOnly = TRUE)
load(args[1])
o <- headneck_ref
m <- as.matrix(assay(o, "counts"))
dir.create(args[2], showWarnings = FALSE)
write.csv(data.frame(cell = colnames(o), celltype = colData(o)$celltypes),
          file.path(args[2], "cells.csv"), row.names = FALSE)
con <- gzfile(file.path(args[2], "matrix.csv.gz"), "w")
write.csv(m, con)
close(con)
