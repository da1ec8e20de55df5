# bs-sweep.gp - bandwidth and IOPS vs block size, direct I/O, one line per
# access pattern (io), fio's random reads as points.  DATA: data.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 1,2 title title("Direct I/O: bandwidth and IOPS vs block size (one I/O in flight)")
@LOG2X
set xlabel "block size [bytes]"
set logscale y 10
set ylabel "bandwidth [MiB/s] (log scale)"
set key top left
sel(t, r, v) = (strcol("tool") eq t && strcol("rw") eq r) ? column(v) : NaN
plot for [r in "read randread write randwrite"] DATA using "bs_bytes":(sel("io", r, "bw_bytes_per_s") / 1048576) title r, \
     DATA using "bs_bytes":(sel("fio", "randread", "bw_bytes_per_s") / 1048576) with points pt 6 ps 2 lc rgb "#000000" title "fio randread"
set ylabel "IOPS (log scale)"
set key top right
plot for [r in "read randread write randwrite"] DATA using "bs_bytes":(sel("io", r, "iops")) title r, \
     DATA using "bs_bytes":(sel("fio", "randread", "iops")) with points pt 6 ps 2 lc rgb "#000000" title "fio randread"
unset multiplot
