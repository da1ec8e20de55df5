# membw.gp - sequential bandwidth against buffer size per thread (log2 x):
# read, write, copy; one thread (solid) and one per CPU (dashed). Medians.
# DATA: summary.tsv (op threads size_bytes n median p10 p90 ...). ARG4: thread count of "all".
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
NALL = (ARGC >= 4) ? ARG4 : "2"
load 'shikumi.gp'
set title title("Sequential memory bandwidth against buffer size")
@LOG2X
set xlabel "buffer size per thread [bytes] (log2)"
set ylabel "bandwidth [GB/s] (10^9 bytes/s)"
set yrange [0:*]
set key top right
sel(o, t) = (strcol("op") eq o && strcol("threads") eq t)
plot for [o in "read write copy"] DATA using (sel(o, "1") ? column("size_bytes") : NaN):"median" \
        lt (o eq "read" ? 1 : o eq "write" ? 2 : 3) title sprintf("%s, 1 thread", o), \
     for [o in "read write copy"] DATA using (sel(o, NALL) ? column("size_bytes") : NaN):"median" \
        lt (o eq "read" ? 1 : o eq "write" ? 2 : 3) dt 2 title sprintf("%s, %s threads (sum)", o, NALL)
