# progress.gp - the book's figure: progress of each worker against time, one
# panel per number of workers sharing one CPU.  DATA: slices/data.tsv
# (nproc proc elapsed_ms progress_pct cpu); ARG4: the largest nproc;
# ARG5 (optional): zoom on the first ARG5 ms, where the steps are visible.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
MAXN = int(ARG4)
load 'shikumi.gp'
ZOOM = (ARGC >= 5) ? real(ARG5) : 0
stats DATA using "elapsed_ms" nooutput
XMAX = (ZOOM > 0) ? ZOOM : STATS_max * 1.02
rows = (MAXN + 1) / 2
WHAT = (ZOOM > 0) ? sprintf("Time slices: the first %g ms, enlarged", ZOOM) : "Time slices: workers sharing one CPU (progress against time)"
set multiplot layout rows,2 title title(WHAT) font ",14"
set xrange [0:XMAX]
if (ZOOM > 0) { set yrange [0:*] } else { set yrange [0:105] }
set key bottom right
set style data steps   # progress only moves at a sample: flat while off the CPU
do for [n = 1:MAXN] {
    set title sprintf("%d worker%s on one CPU", n, n > 1 ? "s" : "") font ",12"
    set xlabel "elapsed time [ms]"
    set ylabel "progress [%]"
    plot for [p = 0:n - 1] DATA using "elapsed_ms":((column("nproc") == n && column("proc") == p) ? column("progress_pct") : NaN) \
         lt p + 1 lw 2 title sprintf("worker %d", p)
}
unset multiplot
