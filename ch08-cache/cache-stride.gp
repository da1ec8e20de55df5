# cache-stride.gp - ns per access against buffer size (log2 x, log y), seq and
# chase, median of the repetitions with p10..p90 bars; dashed vertical lines
# at the cache sizes sysfs reports, crosses at the detected cliffs.
# DATA: summary.tsv (mode size_bytes n median p10 p90 ...).
# ARG4: "L1d=49152 L2=2097152 L3=..." (sysfs; may be empty)
# ARG5: cliffs, "mode=bytes ..." (may be empty)
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
CACHES = (ARGC >= 4) ? ARG4 : ""
CLIFFS = (ARGC >= 5) ? ARG5 : ""
load 'shikumi.gp'
set title title("Access time against buffer size: one plateau per cache level")
@LOG2X
set logscale y 10
set xlabel "buffer size [bytes] (log2)"
set ylabel "time per access [ns] (log scale)"
set key top left reverse Left
stats DATA using "size_bytes" nooutput
XMAX = STATS_max
XMIN = STATS_min
set xrange [XMIN / 1.2 : XMAX * 1.2]
key(w) = substr(w, 1, strstrt(w, "=") - 1)
val(w) = real(substr(w, strstrt(w, "=") + 1, strlen(w)))
beyond = ""
do for [i = 1:words(CACHES)] {
    w = word(CACHES, i)
    if (val(w) <= XMAX * 1.2) {
        set arrow from val(w), graph 0 to val(w), graph 1 nohead dt 2 lw 1.5 lc rgb "#555555"
        set label sprintf("%s (sysfs)", key(w)) at val(w), graph 0.06 rotate by 90 left offset -0.8, 0 font ",11" tc rgb "#555555"
    } else {
        beyond = beyond . sprintf("%s (sysfs) = %.0f MiB, beyond the plot  ", key(w), val(w) / 1048576.)
    }
}
if (strlen(beyond) > 0) { set label beyond at graph 0.99, graph 0.97 right font ",11" tc rgb "#555555" }
if (words(CACHES) == 0) { set label "sysfs cache sizes unavailable" at graph 0.99, graph 0.04 right font ",11" }
is(m) = strcol("mode") eq m
# detected cliffs: triangles on the bottom edge, in the colour of their mode
do for [i = 1:words(CLIFFS)] {
    w = word(CLIFFS, i)
    set label "" at val(w), graph 0.015 point pt 9 ps 1.8 lc rgb (key(w) eq "seq" ? "#0072B2" : "#D55E00")
}
plot DATA using (is("chase") ? column("size_bytes") : NaN):"median":"p10":"p90" with yerrorlines lt 2 title "chase: random dependent loads (latency)", \
     ''   using (is("seq") ? column("size_bytes") : NaN):"median":"p10":"p90" with yerrorlines lt 1 title "seq: one store per line (prefetched)", \
     ''   using (is("chase_thp") ? column("size_bytes") : NaN):"median" with linespoints lt 2 dt 3 pt 6 ps 0.7 title "chase on 2 MiB huge pages (--thp)", \
     NaN with points pt 9 ps 1.8 lc rgb "#333333" title "detected cliff (colour of its mode)"
