#!/usr/bin/env bash
# fetch-co2.sh [DEST]  — the weekly Mauna Loa CO2 series (1958-03-29 .. 2001-12-29, 2284
# weeks, ppm) as DEST (default: data/co2.csv next to this repository's examples/), for
# examples/co2_forecast.nn and bench/rnn.sh.
#
# The file comes from Debian's python3-statsmodels package (statsmodels/datasets/co2/
# co2.csv, columns `date,co2`), downloaded with `apt-get download` and unpacked with
# dpkg-deb, so neither Python nor the package's dependencies get installed. 59 weeks have
# no measurement (an empty co2 field); they are filled by linear interpolation between the
# nearest measured weeks (statsmodels' own examples fill them too), because the series
# reader wants a number in every row of a window. The result has the columns
# `date,co2,weekly_change`, the last being co2 minus the previous week's (0 in the first
# row): a stationary series to learn from, see examples/co2_forecast.nn.
#
# Idempotent: does nothing when DEST already exists. Needs apt-get and dpkg-deb (Debian).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$here/data/co2.csv}
member=./usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv

if [ -s "$dest" ]; then
    echo "fetch-co2: $dest is already there"
    exit 0
fi
for tool in apt-get dpkg-deb awk; do
    command -v "$tool" >/dev/null || { echo "fetch-co2: error: $tool is needed" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q python3-statsmodels >/dev/null 2>"$tmp/apt.log") || {
    cat "$tmp/apt.log" >&2
    echo "fetch-co2: error: apt-get download python3-statsmodels failed (try apt-get update)" >&2
    exit 1
}
deb=$(ls "$tmp"/python3-statsmodels_*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$member" > "$tmp/raw.csv" || {
    echo "fetch-co2: error: $deb holds no $member" >&2
    exit 1
}
mkdir -p "$(dirname "$dest")"
# Linear interpolation of empty co2 fields; leading or trailing gaps take the nearest value.
awk -F, 'NR == 1 { if ($0 != "date,co2") { print "unexpected header: " $0 > "/dev/stderr"; exit 1 }
                   print "date,co2,weekly_change"; next }
         { n++; date[n] = $1; v[n] = $2; if ($2 != "") known[n] = 1 }
         END {
             last = 0; filled = 0
             for (i = 1; i <= n; i++) {
                 if (!(i in known)) continue
                 for (k = last + 1; k < i; k++) {
                     v[k] = last ? v[last] + (v[i] - v[last]) * (k - last) / (i - last) : v[i]
                     filled++
                 }
                 last = i
             }
             for (k = last + 1; k <= n; k++) { v[k] = v[last]; filled++ }
             for (i = 1; i <= n; i++) {
                 now = sprintf("%.2f", v[i])
                 printf "%s,%s,%.2f\n", date[i], now, (i == 1 ? 0 : now - prev)
                 prev = now
             }
             printf "fetch-co2: %d weeks, %d missing values interpolated\n", n, filled > "/dev/stderr"
         }' "$tmp/raw.csv" > "$tmp/co2.csv"
mv "$tmp/co2.csv" "$dest"
echo "fetch-co2: wrote $dest"
