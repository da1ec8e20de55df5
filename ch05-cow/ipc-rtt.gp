# ipc-rtt.gp - round-trip time of a small message between two processes, per
# kind of IPC, with both pinned to one CPU and to two CPUs (median of the
# repetitions, log scale).  DATA: rtt.tsv (kind same_cpu_ns cross_cpu_ns);
# ARG4: the message size in bytes.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
BYTES = (ARG4 eq "") ? "64" : ARG4
load 'shikumi.gp'
set title title(sprintf("IPC round trip of a %s-byte message: same CPU vs two CPUs", BYTES))
set style data histogram
set style histogram clustered gap 1.5
set boxwidth 0.9
set logscale y 10
set yrange [100:*]
set ylabel "time per round trip [ns] (log scale, median)"
set xtics noenhanced
set grid noxtics ytics
set key top left
set offsets 0, 0, graph 0.08, 0
lab(v) = (v != v) ? "" : (v >= 10000 ? sprintf("%.0f µs", v / 1000) : sprintf("%.1f µs", v / 1000))
plot DATA using "same_cpu_ns":xtic(1) lt 1 title "same CPU (2 context switches per round trip)", \
     ''   using "cross_cpu_ns" lt 2 title "two CPUs (a cross-CPU wake-up each way)", \
     ''   using ($0 - 0.2):(column("same_cpu_ns")):(lab(column("same_cpu_ns"))) with labels offset 0,0.7 font ",10" notitle, \
     ''   using ($0 + 0.2):(column("cross_cpu_ns")):(lab(column("cross_cpu_ns"))) with labels offset 0,0.7 font ",10" notitle
