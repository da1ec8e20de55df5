# cpu-weight.gp - each group's measured share of one CPU next to the share its
# weight predicts, per weight pair.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("CPU weight: two groups on one CPU")
set style data histogram
set style histogram clustered gap 1
set ylabel "share of the CPU [%]"
set yrange [0:100]
set xtics noenhanced
set grid noxtics ytics
set key top left
plot DATA using "share_pct":xtic(sprintf("%s %s (w %d)", strcol("pair"), strcol("group"), column("weight"))) lc rgb "#0072B2" title "measured", \
     ''   using "expected_pct" lc rgb "#E69F00" title "predicted weight / sum"
