# nice.gp - progress of two workers sharing one CPU: nice 0 vs nice K, or a
# SCHED_FIFO worker vs a normal one.  DATA: data.tsv (proc elapsed_ms
# progress_pct cpu); ARG4: the nice value of worker 1, or "fifo".
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
WHAT = ARG4
load 'shikumi.gp'
if (WHAT eq "fifo") {
    set title title("SCHED\\_FIFO against a normal task on one CPU")
    L0 = "worker 0: SCHED_FIFO"; L1 = "worker 1: normal (SCHED_OTHER)"
} else {
    set title title(sprintf("nice 0 against nice %s on one CPU", WHAT))
    L0 = "worker 0: nice 0"; L1 = sprintf("worker 1: nice %s", WHAT)
}
set xlabel "elapsed time [ms]"
set ylabel "progress [%]"
set yrange [0:105]
set xrange [0:*]
set key bottom right noenhanced
set style data steps   # progress only moves at a sample
plot DATA using "elapsed_ms":(column("proc") == 0 ? column("progress_pct") : NaN) lt 1 lw 2.5 title L0, \
     ''   using "elapsed_ms":(column("proc") == 1 ? column("progress_pct") : NaN) lt 2 lw 2.5 title L1
