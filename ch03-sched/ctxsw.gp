# ctxsw.gp - ns per pipe round trip: one process, two on the same CPU, two on
# different CPUs (median, p10..p90 bars, log scale).  DATA: ctxsw/summary.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("Pipe ping-pong: ns per round trip (2 writes + 2 reads + switches)")
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set logscale y 10
set yrange [100:*]
set ylabel "time per round trip [ns] (log scale)"
set xtics noenhanced
set grid noxtics ytics
unset key
plot DATA using "median":"p10":"p90":xtic(1) lc rgb "#0072B2", \
     ''   using 0:(column("median")):(sprintf("%.0f ns", column("median"))) with labels offset 0,1.2 notitle
