# meminfo.gp - how free(1)'s used and buff/cache, and AnonPages, moved since
# the first snapshot (MiB), per stage.  DATA: meminfo data.tsv (KiB).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
stats DATA using "used_kib" every ::0::0 nooutput
U0 = STATS_min
stats DATA using "buff_cache_kib" every ::0::0 nooutput
C0 = STATS_min
stats DATA using "anon_kib" every ::0::0 nooutput
A0 = STATS_min
set title title("free(1) per stage: touching memory vs writing a file (change since 'before')")
set style data histogram
set style histogram clustered gap 1
set ylabel "change since the first snapshot [MiB]"
set xlabel "stage"
set xtics noenhanced
set grid noxtics ytics
set key top right
set xzeroaxis lt -1
plot DATA using ((column("anon_kib") - A0)/1024):xtic(1) title "AnonPages" lc rgb "#009E73", \
     ''   using ((column("used_kib") - U0)/1024) title "used" lc rgb "#0072B2", \
     ''   using ((column("buff_cache_kib") - C0)/1024) title "buff/cache" lc rgb "#E69F00"
