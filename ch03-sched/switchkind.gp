# switchkind.gp - ns per switch on one CPU, by kind: two processes, two threads
# (pipe cost subtracted), two user-level contexts (swapcontext); median,
# p10..p90 bars, log scale.  DATA: ctxsw/kinds.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("One context switch on one CPU, by kind")
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set logscale y 10
set yrange [10:*]
set ylabel "time per switch [ns] (log scale)"
set xtics noenhanced
set grid noxtics ytics
unset key
plot DATA using "median":"p10":"p90":xtic(1) lc rgb "#009E73", \
     ''   using 0:(column("median")):(sprintf("%.0f ns", column("median"))) with labels offset 0,1.2 notitle
