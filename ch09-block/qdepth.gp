# qdepth.gp - IOPS and latency vs queue depth (io_uring, 4 KiB direct random
# reads), and Little's law: I/Os in flight = IOPS x mean latency vs iodepth.
# DATA: data.tsv (psync QD1 row first, then io_uring rows; fio rows).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 1,2 title title("Queue depth: 4 KiB direct random reads through io\\_uring")
set logscale x 2
set xlabel "iodepth (I/Os in flight per job)"
set ylabel "IOPS"
set y2label "mean latency [µs]"
set ytics nomirror
set y2tics
set key top left
eng(t) = strcol("tool") eq t && !(strcol("tool") eq "io" && column("iodepth") == 1 && strcol("rw") eq "randread" && column(0) == 0)
plot DATA using "iodepth":(strcol("tool") eq "io" ? column("iops") : NaN) every ::1 lt 1 title "IOPS (io)", \
     DATA using "iodepth":(strcol("tool") eq "fio" ? column("iops") : NaN) lt 1 dt 2 pt 6 title "IOPS (fio)", \
     DATA using "iodepth":(strcol("tool") eq "io" ? column("lat_mean_ns") / 1000 : NaN) every ::1 axes x1y2 lt 2 title "mean latency (io)", \
     DATA using "iodepth":(strcol("tool") eq "fio" ? column("lat_mean_ns") / 1000 : NaN) axes x1y2 lt 2 dt 2 pt 6 title "mean latency (fio)"
unset y2label; unset y2tics
set logscale y 2
set ylabel "I/Os in flight = IOPS x mean latency"
set key top left
plot x with lines lt 7 dt 3 title "= iodepth (Little's law)", \
     DATA using "iodepth":(strcol("tool") eq "io" ? column("inflight_mean") : NaN) every ::1 lt 3 pt 7 title "io", \
     DATA using "iodepth":(strcol("tool") eq "fio" ? column("inflight_mean") : NaN) with points lt 4 pt 6 ps 1.5 title "fio"
unset multiplot
