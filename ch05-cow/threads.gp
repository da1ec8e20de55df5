# threads.gp - what creating a thread and creating a process cost: ns per
# pthread_create + pthread_join and per fork + _exit + waitpid (median of the
# repetitions, log scale).  DATA: threads/cost.tsv (what ns_per_create spread_pct).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("Creating a thread vs creating a process (created, then waited for)")
set style data histogram
set style histogram clustered gap 2
set boxwidth 0.6
set logscale y 10
set yrange [1000:*]
set ylabel "time per creation [ns] (log scale, median)"
set xtics noenhanced
set grid noxtics ytics
unset key
set offsets 0, 0, graph 0.1, 0
plot DATA using "ns_per_create":xtic(1) lt 1, \
     ''   using 0:(column("ns_per_create")):(sprintf("%.1f µs (spread %.0f%%)", column("ns_per_create") / 1000, column("spread_pct"))) \
          with labels offset 0,1 notitle
