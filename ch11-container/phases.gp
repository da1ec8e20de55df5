# phases.gp - where mini-container's start-up time goes: the time each phase
# took after the previous one (its own CLOCK_MONOTONIC stamps, parent and
# child).  DATA: timing.tsv written by mini-container --timing.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("mini-container: time spent in each start-up phase")
set style data histogram
set style histogram clustered gap 1
set yrange [0:*]
set ylabel "time since the previous phase [µs]"
set xtics rotate by -35 left noenhanced
set grid noxtics ytics
set bmargin 8
unset key
plot DATA using (column("delta_us") < 0 ? 0 : column("delta_us")):xtic(1) lc rgb "#009E73", \
     ''   using 0:(column("delta_us")):(sprintf("%.0f", column("delta_us"))) with labels offset 0,1 notitle
