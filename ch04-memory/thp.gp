# thp.gp - first touch with 4 KiB pages vs THP: faults (log scale) and ns per
# MiB, medians.  DATA: thp summary.tsv (mode faults ns_per_mib ...).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 1,2 title title("First touch: MADV\\_NOHUGEPAGE (4 KiB) vs MADV\\_HUGEPAGE (2 MiB)")
set style data histogram
set style histogram clustered gap 1
set grid noxtics ytics
unset key
set boxwidth 0.8
set logscale y 10
set ylabel "page faults (log scale)"
set yrange [1:*]
plot DATA using "faults":xtic(1) lc rgb "#0072B2", \
     ''   using 0:(column("faults")):(sprintf("%.0f", column("faults"))) with labels offset 0,1 notitle
unset logscale y
set yrange [0:*]
set ylabel "time per MiB touched [ms]"
plot DATA using (column("ns_per_mib")/1e6):xtic(1) lc rgb "#D55E00", \
     ''   using 0:(column("ns_per_mib")/1e6):(sprintf("%.2f ms", column("ns_per_mib")/1e6)) with labels offset 0,1 notitle
unset multiplot
