# phases.gp - where mini-container's start-up time goes: the time each phase
# took after the previous one (its own CLOCK_MONOTONIC stamps, parent and
# child), up to the exec of the command; command_exited (the command's own run
# and the teardown) is left out.  DATA: phase + delta_us columns (timing.tsv
# written by mini-container --timing, or the medians of several starts).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("mini-container: time from one start-up phase to the next, up to exec")
set style data histogram
set style histogram clustered gap 1
set yrange [0:*]
set ylabel "time since the previous phase [µs]"
set xtics rotate by -35 left noenhanced
set grid noxtics ytics
set bmargin 8
unset key
keep(p) = (p eq "command_exited" || p eq "start") ? 0 : 1
plot DATA using (keep(strcol(1)) ? (column("delta_us") < 0 ? 0 : column("delta_us")) : NaN):xtic(keep(strcol(1)) ? strcol(1) : "") lc rgb "#009E73", \
     ''   using 0:(keep(strcol(1)) ? column("delta_us") : NaN):(sprintf("%.0f", column("delta_us"))) with labels offset 0,1 notitle
