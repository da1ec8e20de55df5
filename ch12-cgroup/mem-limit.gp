# mem-limit.gp - the group's charge as the child touches (oom, charge, high) or
# reads (cache) memory step by step, with each run's limit.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("Memory limit: the group's charge vs bytes touched or read")
set xlabel "bytes touched / read by the child [MiB]"
set ylabel "group charge [MiB]"
set key bottom right
set yrange [0:*]
MiB = 1048576.0
mode(m) = (strcol("mode") eq m) ? 1 : NaN
plot DATA using (column("touched_bytes")/MiB):(mode("oom") * column("charge_bytes")/MiB) with linespoints pt 6 ps 1.8 lc rgb "#D55E00" title "oom: touch 2x limit (killed at the limit)", \
     ''   using (column("touched_bytes")/MiB):(mode("cache") * column("charge_bytes")/MiB) with linespoints lc rgb "#0072B2" title "cache: read a 2x-limit file", \
     ''   using (column("touched_bytes")/MiB):(mode("charge") * column("charge_bytes")/MiB) with linespoints lc rgb "#009E73" title "charge: no binding limit", \
     ''   using (column("touched_bytes")/MiB):(mode("high") * column("charge_bytes")/MiB) with linespoints lc rgb "#CC79A7" title "high: memory.high (v2)", \
     ''   using (column("touched_bytes")/MiB):(mode("cache") * column("limit_bytes")/MiB) with lines dt 2 lw 2 lc rgb "#555555" title "memory limit (oom, cache)"
