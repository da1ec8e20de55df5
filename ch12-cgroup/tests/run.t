#!/usr/bin/env bash
# run.t - ch12's quick run on this machine: each experiment's phenomenon
# (PASS, or SKIP with a reason), data and plots; no cgroup and no process left
# behind after a normal run and after Ctrl-C; bad driver arguments exit 2.
source "$(dirname "$0")/../../tests/tap.sh"
source "$TAP_TOP/scripts/cgroup.sh"
drv=$TAP_TOP/ch12-cgroup/run.sh
[[ -x $TAP_TOP/ch12-cgroup/cpu-limit ]] || plan_skip_all "programs not built (make)"
export SHIKUMI_CG_TAG=shikumi-t$$ SHIKUMI_NO_REPORT=1

bad_args "$drv" -c abc
bad_args "$drv" -e nosuch
bad_args "$drv" -z
bad_args "$drv" stray

rd=$TAP_TMP/run
run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd" -e cpu-limit -e cpu-weight -e mem-limit -e pids-limit
d=$rd/ch12-cgroup
for e in cpu-limit cpu-weight mem-limit pids-limit; do
	ok "$e: published" test -d "$d/$e"
	ok "$e: no partial directory left" test ! -e "$d/.$e.partial"
done
if grep -q $'\tSKIP\t' "$d/cpu-limit/verdict.tsv" && grep -q 'not writable\|not delegated\|SKIP' "$d/cpu-limit/verdict.tsv" &&
	[[ ! -s $d/cpu-limit/data.tsv ]]; then
	skip "no cgroup here: $(cut -f5 "$d/cpu-limit/verdict.tsv" | tail -1)"
else
	tsv_ok "$d/cpu-limit/data.tsv" "quota_pct worker_share_pct group_share_pct model_share_pct nr_throttled" "cpu-limit data"
	tsv_ok "$d/cpu-weight/data.tsv" "pair group weight share_pct expected_pct" "cpu-weight data"
	tsv_ok "$d/mem-limit/data.tsv" "mode touched_bytes charge_bytes limit_bytes" "mem-limit data"
	tsv_ok "$d/pids-limit/data.tsv" "pids_max forked fork_errno reaped" "pids-limit data"
fi
verdict_ok "$d/cpu-limit/verdict.tsv" cpu-limit-kept
verdict_ok "$d/cpu-limit/verdict.tsv" cpu-limit-measurements-agree
verdict_ok "$d/cpu-weight/verdict.tsv" cpu-weight-100-200
verdict_ok "$d/cpu-weight/verdict.tsv" cpu-weight-100-400
verdict_ok "$d/mem-limit/verdict.tsv" mem-oom-in-group
verdict_ok "$d/mem-limit/verdict.tsv" mem-oom-charge-at-limit
verdict_ok "$d/mem-limit/verdict.tsv" mem-page-cache-charged
verdict_ok "$d/mem-limit/verdict.tsv" mem-charge-follows-touch
verdict_ok "$d/mem-limit/verdict.tsv" mem-high-throttles
verdict_ok "$d/pids-limit/verdict.tsv" pids-limit-eagain
verdict_ok "$d/pids-limit/verdict.tsv" pids-limit-reaped
if command -v gnuplot >/dev/null && [[ -s $d/cpu-limit/data.tsv ]]; then
	ok "cpu-limit plot drawn" test -s "$d/cpu-limit/cpu-limit.png" -a -s "$d/cpu-limit/cpu-limit.svg"
	ok "mem-limit plot drawn" test -s "$d/mem-limit/mem-limit.png"
else
	skip "gnuplot not installed, or no data"
	skip "gnuplot not installed, or no data"
fi
is "$(sk_cg_leftovers "$SHIKUMI_CG_TAG")" "" "no cgroup left after a normal run"

# Ctrl-C while the workers run inside their groups: every group emptied and removed.
rd2=$TAP_TMP/run2
interrupt_when "$rd2/ch12-cgroup/.cpu-limit.partial" 1.5 "$drv" -q -o "$rd2" -e cpu-limit
interrupted_ok "$rd2"
sleep 0.3
is "$(sk_cg_leftovers "$SHIKUMI_CG_TAG")" "" "no cgroup left after Ctrl-C"
# this run's programs only: they carry this test's SHIKUMI_CG_TAG in their environment
# (a benchmark of the same checkout, or flock waiting to start one, is not ours)
ours_left() {
	local pid
	for pid in $(pgrep -x 'cpu-limit|cpu-weight|mem-limit|pids-limit|cg-run' 2>/dev/null || true); do
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "SHIKUMI_CG_TAG=$SHIKUMI_CG_TAG" &&
			echo "$pid $(cat "/proc/$pid/comm" 2>/dev/null)"
	done
	return 0
}
is "$(ours_left)" "" "no program left running after Ctrl-C"

# Ctrl-C to a program itself (no driver): its exit hook removes the group.
interrupt_when "" 1 "$TAP_TOP/ch12-cgroup/cpu-weight" -d 5000 --weights 100:200
sleep 0.3
is "$(sk_cg_leftovers "$SHIKUMI_CG_TAG")" "" "no cgroup left after Ctrl-C to cpu-weight"
done_testing
