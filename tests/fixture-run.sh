# shellcheck shell=bash
# tests/fixture-run.sh - a small run directory built from tiny data, for the
# tests of report, lab-check and compare (sourced after tap.sh).
#
#   fixture_run DIR [HOST] [SCALE]   two chapters, four experiments:
#     ch01-syscall/syscall-cost  3 PASS (6-column verdict.tsv with ids), a graph
#     ch01-syscall/hello         1 PASS, 1 SKIP (old 5-column verdict.tsv)
#     ch03-sched/slices          1 FAIL, a graph
#     ch03-sched/nice.interrupted
#   experiments.tsv declares hello before syscall-cost (publishing order is the
#   other way round). SCALE multiplies the measured numbers (compare tests).
#   Every experiment is sealed with scripts/manifest, as sk_exp_end does.

# A 1x1 PNG, for when gnuplot is not there to draw a real graph.
FIXTURE_PNG_B64=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==

fixture_graph() {   # fixture_graph EXPDIR DATA XCOL YCOL BASE
	local d=$1 data=$2 x=$3 y=$4 base=$5
	if command -v gnuplot >/dev/null 2>&1 && [[ " ${SHIKUMI_HIDE_TOOLS:-} " != *" gnuplot "* ]]; then
		printf 'DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3\nload "shikumi.gp"\nset title title("%s")\nset xlabel "%s"; set ylabel "%s"\nplot DATA using "%s":"%s" with points title "%s"\n' \
			"$base" "${x//_/ }" "${y//_/ }" "$x" "$y" "${y//_/ }" >"$d/.fixture.gp"
		"$TAP_TOP/scripts/plot" "$d/.fixture.gp" "$d/$data" "$d/$base" "fixture, $(uname -r)" >/dev/null 2>&1 || true
		rm -f "$d/.fixture.gp"
		printf '%s\t%s\t%s\t%s\n' "ch01-syscall/syscall-cost.gp" "$data" "$base" "fixture" >>"$d/plots.tsv"
	fi
	if [[ ! -s $d/$base.png ]]; then
		base64 -d <<<"$FIXTURE_PNG_B64" >"$d/$base.png"
		printf '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n' >"$d/$base.svg"
	fi
}

fixture_run() {
	local rd=$1 host=${2:-fixturehost} k=${3:-1} d
	mkdir -p "$rd"
	cat >"$rd/meta.json" <<EOF
{"suite": "shikumi", "suite_version": "test", "date_utc": "2026-01-01T00:00:00Z", "command": "fixture", "host": "$host",
 "kernel": {"release": "6.1.0-$host", "version": "#1", "arch": "x86_64", "hz": 250}, "distro": "Debian GNU/Linux 12 (bookworm)",
 "virtualization": "kvm", "cpu": {"model": "Fixture CPU @ 1 GHz", "count": 2, "online": "0-1", "allowed": "0-1"},
 "caches": [{"level": 1, "type": "Data", "size": "32K", "line_size_bytes": 64}],
 "memory": {"total_kib": 8000000, "available_kib": 6000000, "swap_total_kib": 0, "page_size_bytes": 4096, "thp_enabled": "madvise", "overcommit_memory": 0},
 "scheduler": {"class": "EEVDF", "base_slice_ns": 3000000, "autogroup": 1}, "cgroup_mode": "v2", "clocksource": "tsc",
 "block_device": {"name": "vda", "scheduler": "none", "rotational": 0}, "compiler": "cc 12 <fixture>",
 "tlb": {"source": "cpuid 0x80000005", "cpuid_hypervisor": 1, "summary": "L1 data: 64 x 4K fully assoc."}}
EOF
	echo complete >"$rd/status"
	printf 'chapter\texit_code\twall_s\nch01-syscall\t0\t3.0\nch03-sched\t0\t4.0\n' >"$rd/chapters.tsv"

	d=$rd/ch01-syscall/syscall-cost
	mkdir -p "$d"
	{
		printf '# program: syscall-cost\n# host: %s\nop\trep\tns_per_op\n' "$host"
		local r
		for r in 0 1 2 3 4; do
			printf 'function_call\t%d\t%s\n' "$r" "$(awk -v k="$k" -v r="$r" 'BEGIN { print (1.1 + r / 100) * k }')"
			printf 'getppid\t%d\t%s\n' "$r" "$(awk -v k="$k" -v r="$r" 'BEGIN { print (98.5 + r) * k }')"
			printf 'vdso_clock_gettime\t%d\t%s\n' "$r" "$(awk -v k="$k" -v r="$r" 'BEGIN { print (20.25 + r / 10) * k }')"
		done
	} >"$d/data.tsv"
	"$TAP_TOP/scripts/summarize" -b op -v ns_per_op "$d/data.tsv" >"$d/summary.tsv"
	local fn gp vd
	fn=$(awk -F'\t' '$1 == "function_call" { print $3 }' "$d/summary.tsv")
	gp=$(awk -F'\t' '$1 == "getppid" { print $3 }' "$d/summary.tsv")
	vd=$(awk -F'\t' '$1 == "vdso_clock_gettime" { print $3 }' "$d/summary.tsv")
	printf 'id\tcheck\texpected\tobserved\tresult\tnote\n' >"$d/verdict.tsv"
	printf 'syscall-vs-call\ta system call costs far more than a function call\tgetppid_ns >= 10 * call_ns\tgetppid_ns = %s, call_ns = %s\tPASS\t\n' "$gp" "$fn" >>"$d/verdict.tsv"
	printf 'vdso-cheaper\tthe vDSO avoids the kernel entry\tgetppid_ns > vdso_ns\tgetppid_ns = %s, vdso_ns = %s\tPASS\t\n' "$gp" "$vd" >>"$d/verdict.tsv"
	printf 'pipe-escape\ta cell with a | pipe & <angle>\tyes\tyes | really\tPASS\t\n' >>"$d/verdict.tsv"
	printf '## The cost of a system call (CPU 1)\n\ngetppid() costs %s ns, a function call %s ns, the vDSO %s ns. Some `code` & <angle>.\n\n- getppid: %s ns\n' \
		"$gp" "$fn" "$vd" "$gp" >"$d/summary.md"
	fixture_graph "$d" data.tsv rep ns_per_op syscall-cost
	echo "+ syscall-cost" >"$d/log.txt"

	d=$rd/ch01-syscall/hello
	mkdir -p "$d"
	local small big
	small=$(awk -v k="$k" 'BEGIN { printf "%.0f", 16000 * k }') big=$(awk -v k="$k" 'BEGIN { printf "%.0f", 800000 * k }')
	printf '# program: run.sh hello\nvariant\tsize_bytes\nhello\t%s\nhello-static\t%s\n' "$small" "$big" >"$d/data.tsv"
	printf 'check\texpected\tobserved\tresult\tnote\n' >"$d/verdict.tsv"
	printf 'a static binary carries its libc\tstatic >= 10 x dynamic size\tstatic %s B vs dynamic %s B\tPASS\t\n' "$big" "$small" >>"$d/verdict.tsv"
	printf 'start-up time\tstatic < dynamic\thyperfine missing\tSKIP\tinstall hyperfine\n' >>"$d/verdict.tsv"
	printf '## Hello world, dynamic vs static\n\nThe dynamic binary is %s bytes.\n' "$small" >"$d/summary.md"
	touch -d '2026-01-01 00:00:00' "$rd/ch01-syscall/syscall-cost"
	touch -d '2026-01-01 00:01:00' "$d"
	printf 'name\tdescription\nhello\thello vs hello-static: size, start-up\nsyscall-cost\tns per call: function, getppid, vDSO\n' >"$rd/ch01-syscall/experiments.tsv"

	d=$rd/ch03-sched/slices
	mkdir -p "$d"
	{
		printf '# program: sched\n# host: %s\nnproc\tfinish_ms\n' "$host"
		printf '1\t%s\n2\t%s\n3\t%s\n' "$(awk -v k="$k" 'BEGIN { print 100.5 * k }')" "$(awk -v k="$k" 'BEGIN { print 290.25 * k }')" \
			"$(awk -v k="$k" 'BEGIN { print 301.75 * k }')"
	} >"$d/data.tsv"
	printf 'check\texpected\tobserved\tresult\tnote\n' >"$d/verdict.tsv"
	printf 'N workers finish at ~N x the single-worker time\tlast/single in 0.75..1.35 x N\tN=3: %s ms vs single %s ms\tFAIL\tCPU 1\n' \
		"$(awk -v k="$k" 'BEGIN { print 301.75 * k }')" "$(awk -v k="$k" 'BEGIN { print 100.5 * k }')" >>"$d/verdict.tsv"
	printf '## Time slices\n\nThree workers on one CPU.\n' >"$d/summary.md"
	fixture_graph "$d" data.tsv nproc finish_ms slices
	mkdir -p "$rd/ch03-sched/nice.interrupted"
	echo partial >"$rd/ch03-sched/nice.interrupted/log.txt"

	for d in "$rd"/ch*/*/; do
		[[ $d == *.interrupted/ ]] || "$TAP_TOP/scripts/manifest" write "${d%/}"
	done
	"$TAP_TOP/scripts/manifest" run "$rd"
}
