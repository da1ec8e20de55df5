# syscall-cost.gp - median ns per operation (bars) with p10..p90 error bars,
# log y axis so that 1 ns and 1000 ns fit on one graph.  DATA: summary.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("What one operation costs (pinned, median of repetitions)")
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set logscale y 10
set yrange [0.3:*]
set ylabel "time per operation [ns] (log scale)"
set xtics rotate by -25 left noenhanced
set grid noxtics ytics
unset key
plot DATA using "median":"p10":"p90":xtic(1) lc rgb "#0072B2", \
     ''   using 0:(column("median")):(sprintf("%.0f ns", column("median"))) with labels offset 0,1.2 notitle
