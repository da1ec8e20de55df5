# timeline.gp - who is on the CPU: every uninterrupted on-CPU run of every
# worker as a bar, one panel per number of workers.  DATA: slices/runs.tsv
# (nproc proc start_ms end_ms run_ms complete); ARG4: the largest nproc;
# ARG5 (optional): show only the first ARG5 ms.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
MAXN = int(ARG4)
load 'shikumi.gp'
ZOOM = (ARGC >= 5) ? real(ARG5) : 0
stats DATA using "end_ms" nooutput
XMAX = (ZOOM > 0) ? ZOOM : STATS_max * 1.02
WHAT = (ZOOM > 0) ? sprintf("Who is on the CPU: the first %g ms", ZOOM) : "Who is on the CPU: on-CPU runs of each worker"
set multiplot layout MAXN,1 title title(WHAT) font ",14"
set xrange [0:XMAX]
unset key
set grid xtics noytics
do for [n = 1:MAXN] {
    set title sprintf("%d worker%s", n, n > 1 ? "s" : "") font ",11"
    set yrange [-0.7:n - 0.3]
    set ytics 1
    set ylabel "worker"
    if (n == MAXN) { set xlabel "elapsed time [ms]" } else { unset xlabel }
    plot DATA using "start_ms":((column("nproc") == n) ? column("proc") : NaN):(column("run_ms")):(0):(int(column("proc")) + 1) \
         with vectors nohead lw 9 lc variable
}
unset multiplot
