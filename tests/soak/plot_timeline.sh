#!/usr/bin/env bash
# Draws the upstream auth calls of a soak run (soak --timeline CSV) as a timeline:
#   tests/soak/plot_timeline.sh calls.csv docs/refresh.svg [seconds]
# One row per API; each successful login or refresh starts a bar as long as the token's
# lifetime (4 s in the soak); injected faults are red crosses.
set -euo pipefail
csv=$1 out=$2 span=${3:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -F, -v span="$span" '
    NR == 1 { next }
    !($1 in row) { row[$1] = ++rows; name[rows] = $1 }
    !t0 { t0 = $3 }
    { t = $3 - t0; if (t > span) next; y = row[$1] }
    $5 != "none" || $4 >= 400 || $4 == 0 { print t, y > (w "/fault.dat"); next }
    $2 == "login"   { print t, y, 4 > (w "/login.dat"); next }
    $2 == "refresh" { print t, y, 4 > (w "/refresh.dat"); next }
    END { for (i = 1; i <= rows; i++) printf "\"%s\" %d%s", name[i], i, (i < rows ? ", " : "") > (w "/tics") }
' w="$work" "$csv"
touch "$work/fault.dat" "$work/login.dat" "$work/refresh.dat"
gnuplot <<GP
set terminal svg size 900,300 font "sans,11" background rgb "white"
set output "$out"
set title "Upstream auth calls under random faults (soak, 5 s tokens, 50 clients)"
set xlabel "seconds"
set xrange [0:$span]
set yrange [0.4:3.8]
set ytics ($(cat "$work/tics"))
set grid xtics
set key outside right
plot "$work/login.dat" using 1:2:3:(0) with vectors nohead lw 6 lc rgb "#9ecae1" title "token valid (login)", \
     "$work/refresh.dat" using 1:2:3:(0) with vectors nohead lw 6 lc rgb "#a1d99b" title "token valid (refresh)", \
     "$work/login.dat" using 1:2 with points pt 7 ps 0.8 lc rgb "#08519c" title "login", \
     "$work/refresh.dat" using 1:2 with points pt 9 ps 0.9 lc rgb "#006d2c" title "refresh", \
     "$work/fault.dat" using 1:2 with points pt 2 ps 1.2 lw 2 lc rgb "#cb181d" title "injected fault"
GP
echo "wrote $out"
