# tlb.gp - ns per load against the number of pages touched (one line per
# page), 4 KiB pages vs transparent huge pages; median with p10..p90 bars.
# DATA: summary.tsv (backing pages n median p10 p90 ...).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("TLB reach: one load per page, 4 KiB pages vs 2 MiB huge pages")
set logscale x 2
set format x "%.0f"
set logscale y 10
set xlabel "pages touched (one cache line in each, random order) (log2)"
set ylabel "time per load [ns] (log scale)"
set key top left reverse Left noenhanced
is(b) = strcol("backing") eq b
plot DATA using (is("4k") ? column("pages") : NaN):"median":"p10":"p90" with yerrorlines lt 2 title "4 KiB pages (MADV_NOHUGEPAGE)", \
     ''   using (is("thp") ? column("pages") : NaN):"median":"p10":"p90" with yerrorlines lt 1 title "2 MiB transparent huge pages (MADV_HUGEPAGE)"
