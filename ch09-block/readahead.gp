# readahead.gp - buffered sequential 1 MiB reads of a loop device with
# read_ahead_kb 0 / 128 / default: bandwidth and device request size.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 1,2 title title("Readahead: buffered sequential reads of a loop device")
set style data histogram
set style histogram clustered gap 1
set boxwidth 0.8
set key off
set xlabel "read\\_ahead\\_kb"
set ylabel "bandwidth [MiB/s]"
set yrange [0:*]
plot DATA using (column("bw_bytes_per_s") / 1048576):xtic(strcol("ra_kb")) lt 1
set ylabel "average device request [KiB]"
plot DATA using (column("dev_requests") > 0 ? column("dev_bytes") / column("dev_requests") / 1024 : NaN):xtic(strcol("ra_kb")) lt 2
unset multiplot
