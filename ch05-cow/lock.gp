# lock.gp - lost updates (median over runs, % of the increments) per mode, for
# the book's total (ARG4) and for the larger totals that make a race certain.
# DATA: summary.tsv (mode total runs runs_with_loss lost_median ... lost_median_pct).
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
BOOK = (ARG4 eq "") ? 1000 : int(ARG4)
load 'shikumi.gp'
set title title("Lost updates: workers incrementing one counter, with and without locks")
set style data histogram
set style histogram clustered gap 1.5
set boxwidth 0.9
set yrange [0:*]
set offsets 0, 0, graph 0.3, 0
set ylabel "lost updates [% of all increments] (median of runs)"
set xtics rotate by -25 left noenhanced
set grid noxtics ytics
set key top right
set rmargin 8
# x position per mode, in a fixed order; each total gets its own bar beside it.
modes = "none wrong_lock excl_lock flock fcntl thread_plain thread_atomic thread_mutex"
pos(m) = (m eq "none") ? 0 : (m eq "wrong_lock") ? 1 : (m eq "excl_lock") ? 2 : (m eq "flock") ? 3 : \
         (m eq "fcntl") ? 4 : (m eq "thread_plain") ? 5 : (m eq "thread_atomic") ? 6 : 7
set xtics () 
do for [i=1:words(modes)] { set xtics add (word(modes, i) i - 1) }
set xrange [-0.6:7.6]
set style fill solid 0.85 border -1
plot DATA using (pos(strcol("mode")) - 0.2):(column("total") == BOOK ? column("lost_median_pct") : NaN):(0.38) \
          with boxes lt 1 title sprintf("%d increments in all (the book)", BOOK), \
     ''   using (pos(strcol("mode")) + 0.2):(column("total") != BOOK ? column("lost_median_pct") : NaN):(0.38) \
          with boxes lt 2 title "many increments (processes 20000, threads 2 or 20 million)", \
     ''   using (pos(strcol("mode")) + (column("total") == BOOK ? -0.2 : 0.2)):(column("lost_median_pct")):(sprintf("%.0f", column("lost_median"))) \
          with labels offset 0,0.8 notitle
