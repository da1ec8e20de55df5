# meminfo.gp - free(1)'s columns at each stage (MiB): used and buff/cache
# move, total stays.  DATA: meminfo data.tsv (one row per stage, KiB).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("free(1) columns per stage: touching memory vs writing a file")
set style data histogram
set style histogram clustered gap 1
set ylabel "MiB"
set xlabel "stage"
set grid noxtics ytics
set key top right
set yrange [0:*]
plot DATA using (column("used_kib")/1024):xtic(1) title "used" lc rgb "#0072B2", \
     ''   using (column("buff_cache_kib")/1024) title "buff/cache" lc rgb "#E69F00", \
     ''   using (column("shared_kib")/1024) title "shared" lc rgb "#009E73"
