# hello.gp - start-up time (median, p10..p90) and size of hello vs hello-static.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 1,2 title title("hello world: dynamic vs static") font ",14"
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set grid noxtics ytics
set xtics noenhanced
unset key
set yrange [0:*]
set title "start-up time (hyperfine -N, median, p10..p90)" font ",12"
set ylabel "time [us]"
plot DATA using "startup_median_us":"startup_p10_us":"startup_p90_us":xtic(1) lc rgb "#0072B2"
set style histogram clustered
set title "binary size" font ",12"
set ylabel "size [KiB]"
plot DATA using (column("size_bytes")/1024.0):xtic(1) lc rgb "#D55E00"
unset multiplot
