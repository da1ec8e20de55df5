# pagetable.gp - page-table memory (VmPTE growth) vs memory touched, with the
# expected 8-byte-entry line.  DATA: pagetable data.tsv; ARG4: expected KiB/MiB.
DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
EXPECT = (ARG4 eq "") ? 2.0 : real(ARG4)
load 'shikumi.gp'
set title title("Page-table memory vs memory mapped and touched (4 KiB pages, THP off)")
@LOG2X
set logscale y 2
set xlabel "memory mapped [MiB] (log scale)"
set ylabel "page-table growth [KiB] (log scale)"
set format x "%.0f"
set key top left
set yrange [0.5:*]
expected(x) = EXPECT * x
plot DATA using (strcol("state") eq "touched" ? column("size_mib") : NaN):(column("vm_pte_delta_kib")) title "VmPTE, touched (this process)" with linespoints lt 1, \
     ''   using (strcol("state") eq "touched" ? column("size_mib") : NaN):(column("page_tables_delta_kib") > 0 ? column("page_tables_delta_kib") : NaN) title "PageTables, touched (whole system, batched)" with points lt 5 pt 9 ps 1.3, \
     ''   using (strcol("state") eq "mapped" ? column("size_mib") : NaN):(column("vm_pte_delta_kib") > 0 ? column("vm_pte_delta_kib") : 0.6) title "VmPTE, mapped only (0 drawn at the bottom)" with points lt 2 pt 5, \
     expected(x) title sprintf("%.1f KiB per MiB: 8-byte entries, 512 per 4 KiB table", EXPECT) with lines dt 2 lt 7
