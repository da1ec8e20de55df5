# spawn-cost.gp - time per process creation (+ reap) vs the parent's touched
# memory, one line per method, log-log, p10..p90 error bars. DATA: summary.tsv
# (method, parent_mem_bytes, median, p10, p90), rows grouped by method.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("Creating a process as the parent grows (median of repetitions, p10-p90)")
@LOG2X
set logscale y 10
set format y "%g"
set xlabel "parent's touched private memory [bytes] (4 KiB pages)"
set ylabel "time per creation, reaping included [µs] (log scale)"
set key top left noenhanced
methods = "fork fork_exec posix_spawn vfork pthread fork_thp"
labels = "fork+_exit+wait fork+exec+wait posix_spawn+wait vfork+_exit+wait pthread_create+join fork_thp"
plot for [i=1:words(methods)] DATA \
     using (strcol("method") eq word(methods, i) ? column("parent_mem_bytes") : NaN):"median":"p10":"p90" \
     with yerrorlines lt (i == 6 ? 7 : i) title (i == 6 ? "fork, parent in huge pages (THP)" : word(labels, i))
