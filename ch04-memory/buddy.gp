# buddy.gp - free memory per block size (buddy order), summed over zones, at
# each stage: before, populated, fragmented (every other page freed), released.
# DATA: buddy summary.tsv (order, one MiB column per stage; order 0 includes
# the per-CPU lists' pages).  Log scale: order 10 holds gigabytes, order 0 megabytes.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("Free memory by buddy block size: freeing every other page gives single pages, not big blocks")
set style data histogram
set style histogram clustered gap 1
set logscale y 2
set ylabel "free memory in blocks of this size [MiB] (log scale)"
set xlabel "block size: order (2^{order} pages of 4 KiB; order 0 incl. the per-CPU lists)"
set xtics noenhanced
set grid noxtics ytics
set key top left
plot DATA using (column("before_mib") > 0 ? column("before_mib") : NaN):xtic(sprintf("%d (%s)", column("order"), strcol("block"))) title "before" lc rgb "#999999", \
     ''   using (column("populated_mib") > 0 ? column("populated_mib") : NaN) title "populated" lc rgb "#0072B2", \
     ''   using (column("fragmented_mib") > 0 ? column("fragmented_mib") : NaN) title "every other page freed" lc rgb "#D55E00", \
     ''   using (column("released_mib") > 0 ? column("released_mib") : NaN) title "all freed" lc rgb "#009E73"
