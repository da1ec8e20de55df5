# scheduler.gp - 4 KiB direct random writes to a loop device: IOPS and mean
# latency vs numjobs, one line per I/O scheduler.  DATA: data.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 1,2 title title("I/O schedulers: 4 KiB direct random writes, loop device")
set xlabel "numjobs (processes, one write in flight each)"
set ylabel "IOPS"
set yrange [0:*]
set key bottom right
sel(s, v) = strcol("sched") eq s ? column(v) : NaN
plot for [s in "none mq-deadline kyber bfq"] DATA using "numjobs":(sel(s, "iops")) title s
set ylabel "mean latency [µs]"
set key top left
plot for [s in "none mq-deadline kyber bfq"] DATA using "numjobs":(sel(s, "lat_mean_ns") / 1000) title s
unset multiplot
