# time.gp - real, user and sys time of each kind of process, side by side
# (what `time` prints).  DATA: time/summary.tsv (kind real_ms user_ms sys_ms).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("real vs user vs sys (medians, from wait4's rusage)")
set style data histogram
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set ylabel "time [ms]"
set yrange [0:*]
set grid noxtics ytics
set key top right
set xtics noenhanced
plot DATA using "real_ms":xtic(1) lt 7 title "real", \
     ''   using "user_ms" lt 1 title "user", \
     ''   using "sys_ms" lt 2 title "sys"
