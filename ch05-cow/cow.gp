# cow.gp - copy-on-write after fork: the process's RSS, PSS, Shared_Dirty and
# Private_Dirty, and the system's anonymous memory (change since before_fork),
# at each stage; medians over repetitions.  DATA: stages.tsv.  ARG4: nothp|thp.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
VARIANT = (ARG4 eq "") ? "nothp" : ARG4
load 'shikumi.gp'
what = (VARIANT eq "thp") ? "MADV\\_HUGEPAGE" : "MADV\\_NOHUGEPAGE, 4 KiB pages"
set title title(sprintf("Copy-on-write after fork (%s): what each stage costs in memory", what))
set style data histogram
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel "memory [MiB]"
set grid noxtics ytics
set key top left horizontal
set xtics noenhanced
set offsets 0, 0, graph 0.15, 0
set bmargin 5
lab(s, p, f) = sprintf("%s\n(%s)\n%d faults", s, p, f)
if (VARIANT eq "thp") {
plot DATA using "rss_mib":xtic(lab(strcol("stage"), strcol("process"), column("stage_minflt"))) title "RSS" lt 1, \
     ''   using "pss_mib" title "PSS" lt 3, \
     ''   using "shared_dirty_mib" title "Shared\\_Dirty" lt 6, \
     ''   using "private_dirty_mib" title "Private\\_Dirty" lt 2, \
     ''   using "system_anon_delta_mib" title "system AnonPages, change since before\\_fork" lt 7, \
     ''   using "anon_huge_mib" title "AnonHugePages" lt 5
} else {
plot DATA using "rss_mib":xtic(lab(strcol("stage"), strcol("process"), column("stage_minflt"))) title "RSS" lt 1, \
     ''   using "pss_mib" title "PSS" lt 3, \
     ''   using "shared_dirty_mib" title "Shared\\_Dirty" lt 6, \
     ''   using "private_dirty_mib" title "Private\\_Dirty" lt 2, \
     ''   using "system_anon_delta_mib" title "system AnonPages, change since before\\_fork" lt 7
}
