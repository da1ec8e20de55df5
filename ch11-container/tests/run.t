#!/usr/bin/env bash
# run.t - ch11's quick run shows its phenomena (PASS verdicts by id, or SKIP
# with a reason), leaves data and plots; bad driver arguments exit 2; Ctrl-C
# in the middle of the container experiment kills the container's processes,
# leaves no mount, no scratch rootfs, no cgroup and no process in any
# namespace the run created.
source "$(dirname "$0")/../../tests/tap.sh"
drv=$TAP_TOP/ch11-container/run.sh
[[ -x $TAP_TOP/ch11-container/mini-container ]] || plan_skip_all "programs not built (make)"

bad_args "$drv" -c abc
bad_args "$drv" -e nosuch
bad_args "$drv" -z
bad_args "$drv" stray

export SHIKUMI_NO_REPORT=1
mkdir -p "$TAP_TMP/tmp"
chmod 711 "$TAP_TMP"   # the rootless container runs as nobody and must reach its rootfs
export TMPDIR=$TAP_TMP/tmp   # the run's scratch directories land here
rd=$TAP_TMP/run
run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd"
d=$rd/ch11-container
for e in ns-show namespaces container labs ns-cost start-cost; do
	ok "$e: experiment published" test -d "$d/$e"
	ok "$e: summary.md written" test -s "$d/$e/summary.md"
done
verdict_ok "$d/ns-show/verdict.tsv" ns-show-lsns
if ((EUID != 0)); then
	# Not root: the root-only parts SKIP with the reason; what remains is checked.
	ok "not root: the container SKIPs the root run with the reason" grep -q $'needs root' "$d/container/verdict.tsv"
	ok "not root: the labs SKIP with the reason" grep -q $'needs root' "$d/labs/verdict.tsv"
	verdict_ok "$d/namespaces/verdict.tsv" ns-user
	done_testing
	exit
fi
verdict_ok "$d/ns-show/verdict.tsv" ns-show-sharing
for k in pid pid-unshare uts uts-nsenter mnt ipc net user cgroup time; do
	verdict_ok "$d/namespaces/verdict.tsv" "ns-$k"
done
for id in ns-differ-pid ns-differ-mnt ns-differ-net ns-differ-cgroup uid-map cap-bounding cap-effective \
	no-new-privs seccomp root-private host-mounts pid-view hostname cgroup-ns orphan-reaped chroot-escape; do
	verdict_ok "$d/container/verdict.tsv" "container-$id"
done
if grep -q $'\tcontainer-limits$' "$d/container/verdict.tsv"; then
	skip "limits: $(awk -F'\t' '$6 == "container-limits" { print $5 }' "$d/container/verdict.tsv")"
else
	for id in limit-pids-visible limit-memory-visible limit-cpu-visible pids-enforced memory-enforced; do
		verdict_ok "$d/container/verdict.tsv" "container-$id"
	done
fi
for id in exit-status init-forwards pid1-ignores; do verdict_ok "$d/container/verdict.tsv" "$id"; done
if grep -q $'\trootless-runs$' "$d/container/verdict.tsv"; then
	skip "rootless: $(awk -F'\t' '$6 == "rootless-runs" { print $5 }' "$d/container/verdict.tsv")"
else
	for id in ns-differ-user uid-map cap-bounding pid-view chroot-escape; do
		verdict_ok "$d/container/verdict.tsv" "rootless-$id"
	done
fi
for id in chroot-escapes pivot-root-holds mount-leaks private-holds host-untouched; do
	verdict_ok "$d/labs/verdict.tsv" "$id"
done
verdict_ok "$d/ns-cost/verdict.tsv" ns-cost-fork
tsv_ok "$d/ns-cost/data.tsv" "kind rep create_us create_min_us cycle_us" "ns-cost data"
if command -v hyperfine >/dev/null && command -v jq >/dev/null; then
	verdict_ok "$d/start-cost/verdict.tsv" start-vs-fork
	tsv_ok "$d/start-cost/data.tsv" "command median_ms p10_ms p90_ms" "start-cost data"
else
	skip "hyperfine or jq not installed"
fi
plots_ok "$d" ns-cost/ns-cost container/phases
if command -v strace >/dev/null; then
	ok "strace timeline of the runtime kept" grep -q pivot_root "$d/container/strace-mini-container.txt"
else
	skip "strace not installed"
fi
ok "run status is complete" grep -qx complete "$rd/status"
is "$(ls -A "$TAP_TMP/tmp")" "" "no scratch directory left after a normal run"
is "$(findmnt -rn -o TARGET | grep -c "$TAP_TMP" || true)" 0 "no mount left on the host"

# Ctrl-C while the container experiment runs (a container is alive from the
# first namespaces.tsv line on: container-check, then the signal tests).
rd2=$TAP_TMP/run2
interrupt_when "$rd2/ch11-container/.container.partial/namespaces.tsv" 0.3 "$drv" -q -e container -o "$rd2"
interrupted_ok "$rd2"
sleep 0.5
rec=$rd2/ch11-container/container.interrupted/namespaces.tsv
ok "the container's namespaces were recorded" test -s "$rec"
left=""
while IFS=$'\t' read -r _ ns; do
	for f in /proc/[0-9]*/ns/pid /proc/[0-9]*/ns/mnt; do
		i=$(stat -L -c %i "$f" 2>/dev/null) || continue
		[[ " ${ns//[a-z]*:/ } " == *" $i "* ]] && left+=" ${f#/proc/}"
	done
done < <(awk -F'\t' '{ printf "%s\t", $1; for (i = 2; i <= NF; i++) if ($i ~ /^(pid|mnt):/) printf " %s", $i; print "" }' "$rec" 2>/dev/null)
is "$left" "" "no process left in the container's pid or mount namespaces"
is "$(pgrep -f "mini-container.*$TAP_TMP" || true)" "" "no runtime process of this run left"
is "$(ls -A "$TAP_TMP/tmp")" "" "scratch rootfs deleted after Ctrl-C"
is "$(findmnt -rn -o TARGET | grep -c "$TAP_TMP" || true)" 0 "no mount left on the host after Ctrl-C"
is "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name 'shikumi-ch11-*' 2>/dev/null)" "" "no cgroup left after Ctrl-C"
done_testing
