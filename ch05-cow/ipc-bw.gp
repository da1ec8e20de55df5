# ipc-bw.gp - stream bandwidth between two processes against the message size
# (log-log), one line per kind of IPC; solid: both on one CPU, dashed: on two
# CPUs.  DATA: bw.tsv (msg_bytes, then "KIND (1 CPU)" and "KIND (2 CPUs)" in
# MB/s, NaN where not measured); the kinds are read from the header.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("IPC bandwidth against message size (median of the repetitions)")
@LOG2X
set logscale y 10
set xlabel "message size [bytes] (log scale)"
set ylabel "bandwidth [MB/s] (log scale)"
set key outside right top noenhanced
set style data linespoints
# Columns 2.. are the kinds on 1 CPU and on 2 CPUs in pairs; count them from the header.
ncols = int(system(sprintf("awk -F'\t' '!/^#/ {print NF; exit}' '%s'", DATA)))
npairs = (ncols - 1) / 2
plot for [i=1:npairs] DATA using 1:(column(2 * i)) lt i dt 1 title columnhead(2 * i), \
     for [i=1:npairs] DATA using 1:(column(2 * i + 1)) lt i dt 2 title columnhead(2 * i + 1)
