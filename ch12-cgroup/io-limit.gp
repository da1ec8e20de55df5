# io-limit.gp - measured rate inside the group vs the io.max limit, and the
# device's rate without a limit (log scale: they differ by orders of magnitude).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("io.max on a loop device: limit vs measured")
set style data histogram
set style histogram clustered gap 1
set logscale y 10
set ylabel "rate (bandwidth: bytes/s; iops: I/Os per s), log scale"
set grid noxtics ytics
set key top right
plot DATA using "limit":xtic(1) lc rgb "#999999" title "io.max limit", \
     ''   using "measured" lc rgb "#0072B2" title "measured in the group", \
     ''   using "unlimited" lc rgb "#E69F00" title "without a limit"
