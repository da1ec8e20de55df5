# slab.gp - how the kernel's dentry and inode counts moved since the first
# snapshot, per stage (thousands of objects).  DATA: slab data.tsv; ARG4: files created.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
N = ARG4 + 0
load 'shikumi.gp'
stats DATA using "nr_dentry" every ::0::0 nooutput
D0 = STATS_min
stats DATA using "nr_inodes" every ::0::0 nooutput
I0 = STATS_min
stats DATA using "nr_negative" every ::0::0 nooutput
G0 = STATS_min
set title title(sprintf("Dentries and inodes while %d empty files are created and deleted (change since 'before')", N))
set style data histogram
set style histogram clustered gap 1
set ylabel "change since the first snapshot [thousands of objects]"
set xlabel "stage"
set xtics noenhanced
set grid noxtics ytics
set key top right
set xzeroaxis lt -1
plot DATA using ((column("nr_dentry") - D0)/1000):xtic(1) title "dentries (dentry-state)" lc rgb "#0072B2", \
     ''   using ((column("nr_negative") - G0)/1000) title "of them negative" lc rgb "#56B4E9", \
     ''   using ((column("nr_inodes") - I0)/1000) title "inodes (inode-nr)" lc rgb "#E69F00"
