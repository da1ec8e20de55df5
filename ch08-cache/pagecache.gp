# pagecache.gp - MB/s of each read, cold (evicted) and warm (in the page
# cache), per repetition.  DATA: data.tsv (rep phase ... mb_per_s ...).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("Reading a file cold (from the device) and warm (from the page cache)")
set style data histogram
set style histogram clustered gap 1
set logscale y 10
set yrange [10:*]
set ylabel "read throughput [MB/s] (log scale)"
set xlabel "repetition"
set key top left
plot DATA using (strcol("phase") eq "cold" ? column("mb_per_s") : NaN) every 2::0 lt 2 title "cold (evicted first)", \
     ''   using (strcol("phase") eq "warm" ? column("mb_per_s") : NaN):xtic(1) every 2::1 lt 1 title "warm (second read)"
