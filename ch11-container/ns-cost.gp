# ns-cost.gp - microseconds per clone3 call with one CLONE_NEW* flag (the fastest
# call of each repetition), against a plain fork (median bars, p10..p90 error
# bars).  DATA: summary.tsv of ns-cost (create_min_us).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("What creating one namespace costs: one clone3 call with that flag")
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set yrange [0:*]
set ylabel "one clone3 call [µs] (fastest per repetition: median, p10..p90)"
set xlabel "CLONE_NEW* flag of the clone (fork = no flag)" noenhanced
set xtics noenhanced
set grid noxtics ytics
unset key
plot DATA using "median":"p10":"p90":xtic(1) lc rgb "#0072B2", \
     ''   using 0:(column("median")):(sprintf("%.0f", column("median"))) with labels offset 0,1.2 notitle
