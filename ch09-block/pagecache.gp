# pagecache.gp - one read of the scratch file, buffered cold, buffered warm,
# direct: bandwidth and the bytes the device moved.  DATA: data.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 1,2 title title("The same 1 MiB sequential read: cold, warm (page cache), direct")
set style data histogram
set style histogram clustered gap 1
set boxwidth 0.8
set logscale y 10
set ylabel "bandwidth [MiB/s] (log scale)"
set key off
plot DATA using (column("bw_bytes_per_s") / 1048576):xtic(strcol("case")) lt 1
unset logscale y
set yrange [0:*]
set ylabel "bytes moved by the device / bytes read"
plot DATA using (column("dev_bytes") / column("issued_bytes")):xtic(strcol("case")) lt 2
unset multiplot
