# tlb.gp - ns per load against the number of pages touched (one line per
# page): 4 KiB pages, transparent huge pages, and the control (the same
# number of lines packed side by side); median with p10..p90 bars. Dashed
# lines: the data TLBs' entries for 4 KiB pages as CPUID reports them (their
# reach, in pages); dotted: where the lines (N x 64 B) stop fitting in L2.
# DATA: summary.tsv (backing pages n median p10 p90 ...).
# ARG4: "L1=96 L2=2048" (CPUID 4 KiB entries; may be empty)
# ARG5: the page count whose lines fill L2 (may be empty)
# ARG6: where the TLB sizes come from ("cpuid 0x18", "unknown", ...)
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
TLBS = (ARGC >= 4) ? ARG4 : ""
L2N = (ARGC >= 5 && strlen(ARG5) > 0) ? real(ARG5) : 0
SRC = (ARGC >= 6) ? ARG6 : ""
load 'shikumi.gp'
set title title("TLB reach: one load per page, 4 KiB pages vs huge pages vs packed lines")
set logscale x 2
set format x "%.0f"
set logscale y 10
set xlabel "pages touched (one cache line in each, random order) (log2)"
set ylabel "time per load [ns] (log scale)"
set key top left reverse Left noenhanced
stats DATA using "pages" nooutput
XMAX = STATS_max
key(w) = substr(w, 1, strstrt(w, "=") - 1)
val(w) = real(substr(w, strstrt(w, "=") + 1, strlen(w)))
do for [i = 1:words(TLBS)] {
    w = word(TLBS, i)
    if (val(w) <= XMAX) {
        set arrow from val(w), graph 0 to val(w), graph 1 nohead dt 2 lw 1.5 lc rgb "#555555"
        set label sprintf("%s TLB: %d x 4 KiB (%s)", key(w), val(w), SRC) at val(w), graph 0.55 rotate by 90 left offset -0.8, 0 font ",11" tc rgb "#555555" noenhanced
    }
}
if (words(TLBS) == 0) { set label sprintf("TLB sizes unknown (%s)", SRC) at graph 0.99, graph 0.04 right font ",11" noenhanced }
if (L2N > 0 && L2N <= XMAX) {
    set arrow from L2N, graph 0 to L2N, graph 1 nohead dt 3 lw 1.5 lc rgb "#999999"
    set label "lines fill L2" at L2N, graph 0.06 rotate by 90 left offset -0.8, 0 font ",11" tc rgb "#777777"
}
is(b) = strcol("backing") eq b
plot DATA using (is("4k") ? column("pages") : NaN):"median":"p10":"p90" with yerrorlines lt 2 title "4 KiB pages (MADV_NOHUGEPAGE)", \
     ''   using (is("thp") ? column("pages") : NaN):"median":"p10":"p90" with yerrorlines lt 1 title "2 MiB transparent huge pages (MADV_HUGEPAGE)", \
     ''   using (is("packed") ? column("pages") : NaN):"median":"p10":"p90" with yerrorlines lt 3 title "control: as many lines packed side by side"
