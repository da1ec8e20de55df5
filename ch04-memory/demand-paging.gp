# demand-paging.gp - top: VSZ and RSS over time; bottom: minor and major
# faults over time.  DATA: demand-paging data.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 2,1 title title("Demand paging: VSZ jumps at mmap, RSS and faults grow with each touched step")
set key top left
set ylabel "size [MiB]"
set xlabel "time [s]"
set yrange [0:*]
plot DATA using (column("t_ms")/1000):(column("vsz_kib")/1024) title "VSZ (virtual size)" with steps lw 2, \
     ''   using (column("t_ms")/1000):(column("rss_kib")/1024) title "RSS (resident)" with linespoints
set ylabel "page faults since start"
plot DATA using (column("t_ms")/1000):"minflt" title "minor faults" with linespoints lt 3, \
     ''   using (column("t_ms")/1000):"majflt" title "major faults" with linespoints lt 2
unset multiplot
