# shikumi.gp - the one plot style of the suite. A chapter's plot script starts with
#     DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3
#     load 'shikumi.gp'
# (gnuplot's load hides ARG1..ARG9 from the loaded file, hence the first line)
# and is run as  gnuplot -c SCRIPT.gp DATA OUT SUBTITLE [ARGS...]  (scripts/plot does
# this with GNUPLOT_LIB pointing here). ARG4.. stay readable in the chapter
# script. The terminal follows OUT's extension:
# .svg -> svg, anything else -> pngcairo. Data is TSV with '#' preamble lines;
# columns are referred to by header name:  using "size_bytes":"ns_per_access".
#
# Defined for the chapter script: the function
#   title(what) = what + newline + small subtitle (machine).

if (!exists("OUT") || !exists("DATA")) {
    print "shikumi.gp: set DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3 before load"
    exit status 2
}
if (!exists("SUBTITLE")) { SUBTITLE = "" }

if (strstrt(OUT, ".svg") > 0) {
    set terminal svg size 1000,620 dynamic enhanced font "DejaVu Sans,13" background rgb "white"
} else {
    set terminal pngcairo size 1200,744 enhanced font "DejaVu Sans,13" background rgb "white"
}
set output OUT

set datafile separator "\t"
set datafile commentschars "#"
set datafile missing "NaN"
set encoding utf8
set border 3 lw 1.2
set tics nomirror out
set grid xtics ytics lc rgb "#d0d0d0" lw 1 dt 2
set key top left opaque box lc rgb "#c0c0c0"
set style fill solid 0.85 border -1
set style data linespoints
set pointsize 1.0

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
set linetype 1 lc rgb "#0072B2" lw 2 pt 7 ps 0.8
set linetype 2 lc rgb "#D55E00" lw 2 pt 5 ps 0.8
set linetype 3 lc rgb "#009E73" lw 2 pt 9 ps 0.9
set linetype 4 lc rgb "#CC79A7" lw 2 pt 11 ps 0.9
set linetype 5 lc rgb "#E69F00" lw 2 pt 13 ps 0.9
set linetype 6 lc rgb "#56B4E9" lw 2 pt 3 ps 0.9
set linetype 7 lc rgb "#000000" lw 2 pt 1 ps 0.9
set linetype 8 lc rgb "#F0E442" lw 2 pt 2 ps 0.9
set linetype cycle 8

title(what) = (SUBTITLE eq "") ? what : sprintf("%s\n{/*0.7 %s}", what, SUBTITLE)

# Sizes on a log2 axis, labelled 4K, 64K, 1M ...
set macros
LOG2X = 'set logscale x 2; set format x "%.0b%B"'
