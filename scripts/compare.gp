# compare.gp - one experiment from several runs on one graph (scripts/compare).
# DATA: one block per series (run, or run: other key values), blocks separated
# by a blank line, each starting with the series name; rows: x, median, p10,
# p90, key; with categories, a last block lists them (index, 0, 0, 0, key). ARG4 experiment, ARG5 measured column (with its unit), ARG6 x
# column name, ARG7 1 if x is numeric (else x is a category index and the key
# labels the tics), ARG8 number of series.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
EXP = ARG4; YNAME = ARG5; XNAME = ARG6; NUMERIC = (ARG7 eq "1"); NS = int(ARG8)
set title title(EXP . ": the runs side by side")
set ylabel YNAME . " (median, p10..p90)" noenhanced
set key outside bottom center horizontal noenhanced
set datafile separator "\t"
stats DATA using 2 nooutput
if (STATS_min > 0 && STATS_max / STATS_min > 50) { set logscale y 10 }
if (NUMERIC) {
    set xlabel XNAME noenhanced
    stats DATA using 1 nooutput
    if (STATS_min > 0 && (strstrt(XNAME, "bytes") > 0 || strstrt(XNAME, "size") > 0 || strstrt(XNAME, "pages") > 0)) { @LOG2X }
    plot for [i = 0:NS - 1] DATA index i using 1:2:3:4 with yerrorlines title columnheader(1)
} else {
    set xlabel "" ; set xtics rotate by -25 left noenhanced
    set offsets 0.5, 0.5, 0, 0
    plot for [i = 0:NS - 1] DATA index i using ($1 + (i - (NS - 1) / 2.0) * 0.12):2:3:4 with yerrorbars pt 7 ps 1.2 title columnheader(1), \
         DATA index NS using 1:(NaN):xtic(5) notitle
}
