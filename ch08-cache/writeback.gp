# writeback.gp - Dirty and Writeback (system-wide, /proc/meminfo) over time
# while a file is written (buffered), left to the kernel, then fsync'ed.
# DATA: trace.tsv (t_ms dirty_kib writeback_kib phase). ARG4: fsync start [ms].
# ARG5: the time the written data expires (write end + dirty_expire_centisecs) [ms].
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
FSYNC = (ARGC >= 4) ? real(ARG4) : -1
EXPIRE = (ARGC >= 5) ? real(ARG5) : -1   # write end + dirty_expire [ms]
load 'shikumi.gp'
set title title("Dirty page cache after a buffered write: waiting, written back, fsync")
set xlabel "time [s]"
set ylabel "memory [MiB]"
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0   # room for the key above the plateau
set key top right
if (FSYNC >= 0) {
    set arrow from FSYNC / 1000., graph 0 to FSYNC / 1000., graph 1 nohead dt 2 lw 1.5 lc rgb "#555555"
    set label "fsync()" at FSYNC / 1000., graph 0.55 right offset -0.5, 0 tc rgb "#555555"
}
stats DATA using "t_ms" nooutput
if (EXPIRE > 0 && EXPIRE <= STATS_max) {
    set arrow from EXPIRE / 1000., graph 0 to EXPIRE / 1000., graph 1 nohead dt 3 lw 1.5 lc rgb "#009E73"
    set label "written + dirty\\_expire\\_centisecs" at EXPIRE / 1000., graph 0.45 right offset -0.5, 0 tc rgb "#009E73"
}
plot DATA using (column("t_ms") / 1000.):(column("dirty_kib") / 1024.) with lines lt 2 title "Dirty (waiting to be written)", \
     ''   using (column("t_ms") / 1000.):(column("writeback_kib") / 1024.) with lines lt 1 title "Writeback (being written)"
