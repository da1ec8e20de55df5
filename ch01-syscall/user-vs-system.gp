# user-vs-system.gp - %user / %system / %idle of the pinned CPU over time,
# one panel for loop, one for syscall-loop.  DATA: data.tsv (long format).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set multiplot layout 2,1 title title("Where the CPU's time goes: user vs system") font ",14"
set yrange [0:105]
set ylabel "share of CPU time [%]"
set key outside right top vertical
is(p) = strcol("program") eq p
do for [p in "loop syscall-loop"] {
    set title sprintf("%s (pinned)", p) font ",12"
    if (p eq "syscall-loop") { set xlabel "elapsed time [ms]" } else { unset xlabel }
    plot DATA using "t_ms":(is(p) ? column("user_pct") : NaN) title "%user" lt 1, \
         ''   using "t_ms":(is(p) ? column("system_pct") : NaN) title "%system" lt 2, \
         ''   using "t_ms":(is(p) ? column("idle_pct") : NaN) title "%idle" lt 3
}
unset multiplot
