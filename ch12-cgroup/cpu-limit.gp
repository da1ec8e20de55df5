# cpu-limit.gp - CPU share asked (quota) vs got: from the workers' rusage and
# from the group's usage, with the kernel's model and the +-5 point band.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
load 'shikumi.gp'
set title title("CPU quota: asked vs measured share")
set xlabel "quota [% of one CPU]"
set ylabel "CPU share measured [% of one CPU]"
set xrange [0:*]
set yrange [0:*]
set key top left
# a quota limited the group when it was throttled in >= 80 % of its periods
bound(dummy) = (column("nr_periods") > 0 && column("nr_throttled") >= 0.8 * column("nr_periods"))
plot DATA using "quota_pct":(column("quota_pct") + 5) with lines dt 3 lc rgb "#999999" title "quota +-5 points", \
     ''   using "quota_pct":(column("quota_pct") - 5) with lines dt 3 lc rgb "#999999" notitle, \
     ''   using "quota_pct":"model_share_pct" with lines lw 2 lc rgb "#009E73" title "kernel model (test\\_cpu.c)", \
     ''   using "quota_pct":(bound(0) ? column("group_share_pct") : NaN) with points pt 7 ps 1.4 lc rgb "#0072B2" title "group usage (cpu.stat / cpuacct.usage)", \
     ''   using "quota_pct":(bound(0) ? column("worker_share_pct") : NaN) with points pt 6 ps 2.0 lc rgb "#D55E00" title "workers' rusage (utime + stime)", \
     ''   using "quota_pct":(bound(0) ? NaN : column("group_share_pct")) with points pt 2 ps 1.6 lc rgb "#999999" title "not limited by the quota (CPUs busy elsewhere)"
