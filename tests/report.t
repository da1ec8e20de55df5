#!/usr/bin/env bash
# report.t - scripts/report on a small fixture run: order, failures first,
# collapsible verdicts, the no-gnuplot notice, speed; then the page in a real
# browser (headless chromium): a screenshot, every image loaded, every
# internal link resolves.
source "$(dirname "$0")/tap.sh"
source "$(dirname "$0")/fixture-run.sh"
S=$TAP_TOP/scripts
command -v cmark-gfm >/dev/null || plan_skip_all "cmark-gfm not installed (scripts/install-deps)"
command -v jq >/dev/null || plan_skip_all "jq not installed"

rd=$TAP_TMP/results/20260101T000000Z-fixture
fixture_run "$rd"

t0=$(date +%s.%N)
run_exit 0 "report renders the fixture run" "$S/report" "$rd"
t1=$(date +%s.%N)
cmp_ok "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '<' 5 "report takes under 5 s"
md=$rd/report.md html=$rd/report.html
ok "report.md written" test -s "$md"
ok "report.html written" test -s "$html"
ok "no temporary file left" test -z "$(find "$rd" -name '*.tmp.*')"

line_of() { grep -n -m1 -F -- "$1" "$2" | cut -d: -f1; }
like "$(line_of 'Contents' "$md")" '^[0-9]+$' "a table of contents"
cmp_ok "$(line_of 'id="attention"' "$md")" '<' "$(line_of 'id="ch01-syscall"' "$md")" "failures and skips come before the chapters"
att=$(sed -n '/id="attention"/,/id="ch01-syscall"/p' "$md")
like "$att" 'FAIL.*ch03-sched / slices' "the FAIL is listed first"
like "$att" 'SKIP.*install hyperfine' "the SKIP is listed with its reason"
cmp_ok "$(grep -n -m1 'FAIL\*\* | \[ch03' "$md" | cut -d: -f1)" '<' "$(grep -n -m1 'SKIP\*\* | \[ch01' "$md" | cut -d: -f1)" "FAIL rows before SKIP rows"
like "$att" 'nice' "the interrupted experiment is named"
cmp_ok "$(line_of 'id="ch01-syscall-hello"' "$md")" '<' "$(line_of 'id="ch01-syscall-syscall-cost"' "$md")" "experiments in the declared order (experiments.tsv)"
ok "the declared description is shown" grep -qF '*hello vs hello-static: size, start-up*' "$md"
sc=$(sed -n '/id="ch01-syscall-syscall-cost"/,/id="ch03-sched"/p' "$md")
cmp_ok "$(grep -n -m1 '!\[' <<<"$sc" | cut -d: -f1)" '<' "$(grep -n -m1 'getppid() costs' <<<"$sc" | cut -d: -f1)" "the graph comes before the explanation"
cmp_ok "$(grep -n -m1 'getppid() costs' <<<"$sc" | cut -d: -f1)" '<' "$(grep -n -m1 '<details' <<<"$sc" | cut -d: -f1)" "the explanation comes before the verdicts"
like "$sc" 'getppid\(\) costs 100.5 ns' "the explanation has the measured numbers"
like "$sc" '<details><summary>Verdicts: 3 PASS</summary>' "passing verdicts are collapsed"
like "$(sed -n '/id="ch03-sched-slices"/,$p' "$md")" '<details open><summary>Verdicts: 0 PASS, 1 FAIL' "failing verdicts are open"
like "$sc" 'getppid_ns = 100.5, call_ns = 1.12' "6-column verdict.tsv: observed read by header name"
like "$(sed -n '/id="ch01-syscall-hello"/,/id="ch01-syscall-syscall-cost"/p' "$md")" 'install hyperfine' "5-column verdict.tsv still read"
ok "machine facts in a box" grep -q '<div class="facts">' "$md"
ok "CPUID's TLB facts (meta.json tlb) in the box" grep -q 'TLB (CPUID) | L1 data: 64 x 4K fully assoc. (as the hypervisor reports it)' "$md"
ok "report.html escapes HTML in verdicts" grep -qF 'a cell with a | pipe &amp; &lt;angle&gt;' "$html"
ok "report.html escapes HTML in summary.md, not in code" grep -qF 'Some <code>code</code> &amp; &lt;angle&gt;.' "$html"
ok "report.html keeps a | inside a cell" grep -qF 'yes | really' "$html"
ok "report.html inlines the PNGs" grep -q 'src="data:image/png;base64,iVBOR' "$html"
ok "report.html links the SVG" grep -qF 'href="ch01-syscall/syscall-cost/syscall-cost.svg"' "$html"
ok "report.html has a table (cmark-gfm's table extension)" grep -q '<table>' "$html"
ok "no 'No graphs' notice when the graphs are there" bash -c "! grep -q 'No graphs' '$md'"

# a run made without gnuplot says so at the top
rd2=$TAP_TMP/results/20260101T000001Z-nognuplot
fixture_run "$rd2"
rm -f "$rd2"/ch*/*/*.png "$rd2"/ch*/*/*.svg
printf 'tool\tstatus\ngnuplot\tmissing\n' >"$rd2/tools.tsv"
run_exit 0 "report renders a run without graphs" "$S/report" "$rd2"
like "$(sed -n 3p "$rd2/report.md")" 'No graphs in this report.*gnuplot was not installed' "the top says there are no graphs and why"
ok "and how to draw them" grep -q 'make plots RUN=' "$rd2/report.md"
rm -f "$rd2/tools.tsv"
echo "sk_plot: warning: gnuplot not installed: data and verdicts are written, plots skipped" >>"$rd2/ch01-syscall/hello/log.txt"
run_exit 0 "report, no tools.tsv" "$S/report" "$rd2"
like "$(sed -n 3p "$rd2/report.md")" 'No graphs' "a driver's log saying gnuplot was missing is enough"

run_exit 2 "report rejects a non-run directory" "$S/report" "$TAP_TMP"
run_exit 2 "report rejects two arguments" "$S/report" "$rd" "$rd"
run_exit 0 "report -h" "$S/report" -h

# ---- in a browser ---------------------------------------------------------------
browser=""
for b in chromium chromium-browser google-chrome; do
	[[ " ${SHIKUMI_HIDE_TOOLS:-} " == *" chromium "* ]] && break   # to test the SKIP path
	command -v "$b" >/dev/null && { browser=$b; break; }
done
if [[ -z $browser ]]; then
	skip "chromium not installed (scripts/install-deps)"
	skip "chromium"; skip "chromium"; skip "chromium"; skip "chromium"
	done_testing
	exit 0
fi
outdir=${SHIKUMI_TEST_OUT:-$TAP_TOP/build/test-output}
mkdir -p "$outdir"
shot=$outdir/report-screenshot.png
rm -f "$shot"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions
	--user-data-dir="$TAP_TMP/chromium-profile" --virtual-time-budget=5000)
timeout 120 "$browser" "${flags[@]}" --window-size=1200,2400 --screenshot="$shot" "file://$html" >"$TAP_TMP/chromium.log" 2>&1
ok "chromium took a screenshot ($shot)" test -s "$shot"
diag "screenshot: $shot"

# The same page plus a probe that writes what it finds into the DOM.
probe=$rd/.probe.html
{
	sed 's|</body></html>||' "$html"
	cat <<'JS'
<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images), bad = [], anchors = [], files = [];
  imgs.forEach(function (i) { if (!(i.complete && i.naturalWidth > 0)) bad.push(i.alt || i.src.slice(0, 40)); });
  Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (a) {
    var h = a.getAttribute("href");
    if (h.charAt(0) === "#") { if (!document.getElementById(decodeURIComponent(h.slice(1)))) anchors.push(h); }
    else if (!/^[a-z]+:/.test(h)) files.push(h);
  });
  var p = document.createElement("pre"); p.id = "shikumi-probe";
  p.textContent = "IMAGES " + imgs.length + "\nBROKEN_IMAGES " + bad.join(" ") + "\nBROKEN_ANCHORS " + anchors.join(" ") +
    "\nFILES " + files.join(" ") + "\nDETAILS " + document.querySelectorAll("details").length + "\nEND";
  document.body.appendChild(p);
});
</script></body></html>
JS
} >"$probe"
dom=$(timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$probe" 2>>"$TAP_TMP/chromium.log")
rm -f "$probe"
probe_line() { sed -n "/id=\"shikumi-probe\"/,/END/p" <<<"$dom" | sed -n "s/^.*$1 \{0,1\}//p" | head -n 1; }
nimg=$(probe_line IMAGES)
if [[ -z $nimg ]]; then
	fail "the page loaded in chromium" "$(tail -n 5 "$TAP_TMP/chromium.log")"
else
	pass "the page loaded in chromium"
fi
cmp_ok "${nimg:-0}" '>=' 2 "chromium sees the inlined graphs ($nimg images)"
is "$(probe_line BROKEN_IMAGES)" "" "every image loaded"
is "$(probe_line BROKEN_ANCHORS)" "" "every internal #link has its target"
missing=""
for f in $(probe_line FILES); do [[ -e $rd/$f ]] || missing+="$f "; done
is "$missing" "" "every relative link points at a file of the run"
done_testing
