# writeback.gp - Dirty and Writeback (system-wide, /proc/meminfo) over time
# while a file is written (buffered), left to the kernel, then fsync'ed.
# DATA: trace.tsv (t_ms dirty_kib writeback_kib phase). ARG4: fsync start [ms].
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
FSYNC = (ARGC >= 4) ? real(ARG4) : -1
load 'shikumi.gp'
set title title("Dirty page cache after a buffered write: waiting, written back, fsync")
set xlabel "time [s]"
set ylabel "memory [MiB]"
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0   # room for the key above the plateau
set key top right
if (FSYNC >= 0) {
    set arrow from FSYNC / 1000., graph 0 to FSYNC / 1000., graph 1 nohead dt 2 lw 1.5 lc rgb "#555555"
    set label "fsync()" at FSYNC / 1000., graph 0.95 right offset -0.5, 0 tc rgb "#555555"
}
plot DATA using (column("t_ms") / 1000.):(column("dirty_kib") / 1024.) with lines lt 2 title "Dirty (waiting to be written)", \
     ''   using (column("t_ms") / 1000.):(column("writeback_kib") / 1024.) with lines lt 1 title "Writeback (being written)"
