# oversleep.gp - nanosleep overshoot against the requested sleep, default timer
# slack vs 1 ns: median (solid) and p99 (dashed), log-log.  DATA: oversleep/summary.tsv;
# ARG4: the default slack [ns].
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3; DEF = ARG4 + 0
load 'shikumi.gp'
set title title("nanosleep: how much longer than asked")
set logscale xy 10
set xlabel "requested sleep [us] (log scale)"
set ylabel "overshoot [us] (log scale)"
set grid xtics ytics
set key top left
sel(s) = (column("slack_ns") == s)
plot DATA using "request_us":(sel(DEF) ? column("median_us") : NaN) with linespoints lt 1 lw 2 title sprintf("median, slack %g us (default)", DEF / 1000.0), \
     ''   using "request_us":(sel(DEF) ? column("p99_us") : NaN) with linespoints lt 1 dt 2 title "p99, default slack", \
     ''   using "request_us":(sel(1) ? column("median_us") : NaN) with linespoints lt 2 lw 2 title "median, slack 1 ns", \
     ''   using "request_us":(sel(1) ? column("p99_us") : NaN) with linespoints lt 2 dt 2 title "p99, slack 1 ns"
