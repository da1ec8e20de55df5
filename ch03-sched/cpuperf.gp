# cpuperf.gp - average turnaround and throughput against the number of
# processes, all on one CPU and free on all CPUs.  DATA: cpuperf/summary.tsv
# (mode nproc what n median p10 p90 ...), median with p10..p90 bars.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 1,2 title title("Turnaround and throughput against the number of processes") font ",14"
set xlabel "number of processes N"
set xtics 1
set xrange [0.5:*]
set yrange [0:*]
set key top left
sel(m, w) = (strcol("mode") eq m && strcol("what") eq w)
set title "average turnaround time" font ",12"
set ylabel "average turnaround [ms]"
plot DATA using "nproc":(sel("one", "avg_turnaround_ms") ? column("median") : NaN):"p10":"p90" with yerrorlines lt 1 title "all on one CPU", \
     ''   using "nproc":(sel("all", "avg_turnaround_ms") ? column("median") : NaN):"p10":"p90" with yerrorlines lt 2 title "free on all CPUs"
set title "throughput" font ",12"
set ylabel "throughput [processes/s]"
plot DATA using "nproc":(sel("one", "throughput_per_s") ? column("median") : NaN):"p10":"p90" with yerrorlines lt 1 title "all on one CPU", \
     ''   using "nproc":(sel("all", "throughput_per_s") ? column("median") : NaN):"p10":"p90" with yerrorlines lt 2 title "free on all CPUs"
unset multiplot
