# cow-cost.gp - median ns per page (bars, p10..p90 error bars) for a CoW fault,
# a demand-zero fault, a read of a CoW-shared page and a write to a private
# page; each bar labelled with its faults per page.  DATA: summary.tsv.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("What touching a page costs after fork (one access per 4 KiB page)")
set style data histogram
set style histogram errorbars gap 1 lw 1.5
set logscale y 10
set yrange [5:*]
set ylabel "time per page [ns] (log scale)"
set xtics noenhanced
set grid noxtics ytics
unset key
set offsets 0, 0, graph 0.1, 0
plot DATA using "median":"p10":"p90":xtic(1) lc rgb "#0072B2", \
     ''   using 0:(column("median")):(sprintf("%.0f ns\n%.2f faults/page", column("median"), column("faults_per_page"))) \
          with labels offset 0,2.2 notitle
