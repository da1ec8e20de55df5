# queue.gp - response time against offered load: measured mean and p99
# (points), M/D/1 mean (line), M/G/1 with the measured service times (open
# circles), a perfect server's p99 for the same arrivals
# (dashed), log y.  DATA: queue/data.tsv; ARG4: service time S [us].
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3; S = ARG4 + 0
load 'shikumi.gp'
set title title(sprintf("Response time of %g us jobs against load: one server, Poisson arrivals", S))
set logscale y 10
set xlabel "offered load [%]"
set ylabel "response time [us] (log scale)"
set xrange [0:100]
set grid xtics ytics
set key top left
set samples 200
md1(x) = x < 99.5 ? S * (1 + (x / 100.0) / (2 * (1 - x / 100.0))) : NaN
plot md1(x) with lines lt 1 lw 2 title "M/D/1 mean: S + rho S / (2 (1 - rho))", \
     DATA using "load_pct":"resp_mean_us" with points lt 1 pt 7 ps 1.3 title "measured mean", \
     ''   using "load_pct":"pk_mean_us" with points lt 1 pt 6 ps 1.6 title "M/G/1 mean with the measured service times", \
     ''   using "load_pct":"ideal_p99_us" with lines lt 2 dt 2 lw 2 title "p99, perfect server, same arrivals", \
     ''   using "load_pct":"resp_p99_us" with points lt 2 pt 5 ps 1.3 title "measured p99", \
     ''   using "load_pct":"resp_p50_us" with points lt 3 pt 9 ps 1.1 title "measured p50"
