# fault-cost.gp - median ns per 4 KiB page for each way of touching memory,
# p10..p90 error bars, log y.  DATA: fault-cost summary.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("What touching a page costs (median ns per 4 KiB page)")
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set logscale y 10
set yrange [5:*]
set ylabel "time per 4 KiB page [ns] (log scale)"
set xtics rotate by -20 left noenhanced
set grid noxtics ytics
unset key
plot DATA using "median":"p10":"p90":xtic(1) lc rgb "#0072B2", \
     ''   using 0:(column("median")):(sprintf("%.0f ns", column("median"))) with labels offset 0,1.2 notitle
