# pids-limit.gp - tasks in the group at the limit vs pids.max, and what was reaped.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("pids.max: a fork loop stopped by the group")
set style data histogram
set style histogram clustered gap 1
set ylabel "tasks"
set yrange [0:*]
set grid noxtics ytics
set xtics ("" 0)
set key outside right top
plot DATA using "pids_max" lc rgb "#999999" title "pids.max", \
     ''   using "pids_current_at_limit" lc rgb "#0072B2" title "pids.current when fork failed", \
     ''   using "forked" lc rgb "#E69F00" title "children forked", \
     ''   using "reaped" lc rgb "#009E73" title "children reaped", \
     ''   using "pids_current_after" lc rgb "#D55E00" title "pids.current after"
