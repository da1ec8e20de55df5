# aslr.gp - how many distinct addresses each region had across the runs, for
# the PIE build, the non-PIE build, and the PIE under ADDR_NO_RANDOMIZE.
# DATA: summary.tsv (region, pie_distinct, nopie_distinct,
# pie_norandomize_distinct). ARG4: runs per build.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
RUNS = ARG4
load 'shikumi.gp'
set title title(sprintf("ASLR: distinct addresses per region in %s runs", RUNS))
set style data histogram
set style histogram clustered gap 1
set yrange [0:RUNS + 1]
set ylabel "distinct addresses across runs [count]"
set xtics rotate by -30 left noenhanced
set grid noxtics ytics
set key top right noenhanced
plot DATA using "pie_distinct":xtic(1) title "PIE" lc rgb "#0072B2", \
     ''   using "nopie_distinct" title "non-PIE" lc rgb "#D55E00", \
     ''   using "pie_norandomize_distinct" title "PIE, ADDR_NO_RANDOMIZE (2 runs)" lc rgb "#009E73"
