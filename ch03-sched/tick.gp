# tick.gp - local timer interrupts per second of one CPU, idle vs busy
# (median, p10..p90 bars), with HZ as a line.  DATA: tick/summary.tsv; ARG4: HZ (0 = unknown).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3; HZ = ARG4 + 0
load 'shikumi.gp'
set title title("Timer interrupts of one CPU: idle (tickless) vs busy")
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set yrange [0:*]
set ylabel "local timer interrupts per second"
set xtics noenhanced
set grid noxtics ytics
unset key
if (HZ > 0) set arrow from graph 0, first HZ to graph 1, first HZ nohead dt 2 lw 1.5 lc rgb "#D55E00"; \
            set label sprintf("HZ = %d", HZ) at graph 0.02, first HZ offset 0,0.8 tc rgb "#D55E00"
plot DATA using "median":"p10":"p90":xtic(1) lc rgb "#0072B2" notitle, \
     ''   using 0:(column("median")):(sprintf("%.0f/s", column("median"))) with labels offset 0,1.2 notitle
