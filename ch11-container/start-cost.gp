# start-cost.gp - start-up and teardown of the same busybox `true`: fork+exec,
# unshare --fork --pid --mount-proc, mini-container (hyperfine -N; median bars,
# p10..p90 error bars).  DATA: data.tsv of start-cost.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("Starting a command: plain, in a PID namespace, in a whole container")
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set yrange [0:*]
set ylabel "wall time per run [ms] (median, p10..p90)"
set xtics noenhanced
set grid noxtics ytics
unset key
plot DATA using "median_ms":"p10_ms":"p90_ms":xtic(1) lc rgb "#D55E00", \
     ''   using 0:(column("median_ms")):(sprintf("%.2f ms", column("median_ms"))) with labels offset 0,1.2 notitle
