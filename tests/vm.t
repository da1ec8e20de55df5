#!/usr/bin/env bash
# vm.t - a second kernel on demand: boots Debian 12's Linux 6.1 (CFS, pure cgroup v2) once in a
# throwaway VM (tests/vm/run-in-vm) and runs every test file marked '# shikumi: vm' inside it
# (tests/vm/check-vm), one line per file. Also the harness's own contract: bad arguments exit 2,
# a kernel package apt cannot get is a SKIP naming it, the time limit kills qemu and shows the
# console's last lines, Ctrl-C leaves no qemu and no scratch, the host is never written.
# No qemu or busybox-static: SKIP with the reason (scripts/install-deps installs both).
# The first run downloads the kernel package (~70 MB) into the cache (/var/cache/shikumi-vm as
# root); later runs reuse it. Budget: under 3 minutes in all.
source "$(dirname "$0")/tap.sh"
vm=$TAP_TOP/tests/vm/run-in-vm

bad_args "$vm" -t 0 -- true
bad_args "$vm" -a 'x;y' -- true
bad_args "$vm" -t 5x -- true
bad_args "$vm" -m 64 -- true
bad_args "$vm" -s 0 -- true
bad_args "$vm" -d 0 -- true
bad_args "$vm" -g user.slice -- true
bad_args "$vm" -g '/a/../b' -- true
bad_args "$vm" -k 6.1 -- true
bad_args "$vm" -k '6.1.0-57;rm' -- true
bad_args "$vm" -z
bad_args "$vm"
run "$vm" -h
if [[ $RC == 0 && $OUT == *"run-in-vm [options]"* ]]; then pass "run-in-vm -h"; else fail "run-in-vm -h" "exit $RC"; fi

why=""
command -v qemu-system-x86_64 >/dev/null || why="qemu-system-x86_64 not installed (package qemu-system-x86)"
command -v busybox >/dev/null || why="busybox not installed (package busybox-static)"
if [[ -n $why ]]; then
	skip "$why"
	done_testing
	exit
fi

# A kernel package apt does not have: SKIP (exit 4) naming the package; the real cache untouched.
run "$vm" -C "$TAP_TMP/nocache" -k 6.1.0-99999 -- true
is "$RC" 4 "unavailable kernel package: exit 4 (SKIP)"
like "$ERR" "SKIP: .*linux-image-6\.1\.0-99999-amd64" "the SKIP names the package"

run "$vm" --prepare
if [[ $RC == 4 ]]; then
	skip "$(grep -m1 'SKIP' <<<"$ERR")"
	done_testing
	exit
fi
like "$OUT" '^6\.1\.0-[0-9]+-amd64$' "--prepare fetches (or finds) the kernel and prints its release ($OUT)"

# The one real session: the guest's TAP comes back through the second serial port.
probe=/var/tmp/shikumi-vm-probe.$$
rm -f "$probe"
cd "$TAP_TOP" || exit 1
t0=$(date +%s)
# check-vm fits the files into the hard limit (a file left when the time is spent is a SKIP).
SHIKUMI_VM_PROBE=$probe SHIKUMI_VM_TIMES=1 run "$vm" -t 150 -l "$TAP_TMP/console.log" -- tests/vm/check-vm
secs=$(($(date +%s) - t0))
if [[ $RC == 4 ]]; then
	skip "$(grep -m1 'SKIP' <<<"$ERR")"
	done_testing
	exit
fi
if [[ $OUT != *"1.."* ]]; then
	fail "the VM boots and runs tests/vm/check-vm (exit $RC, $secs s)" "$ERR"
	done_testing
	exit
fi
pass "the VM boots and runs tests/vm/check-vm ($secs s in all)"
diag "$(grep -E '^run-in-vm: (kernel|downloading|unpacking|building)' <<<"$ERR")"
like "$ERR" "check-vm: 6\.1\.[^ ]*, cgroup cgroup2fs" "the guest's stderr streams back: 6.1 on cgroup2"
# The guest's lines, renumbered into this file's TAP.
inner_fail=0 planned="" seen=0 last=""
while IFS= read -r line; do
	case $line in
	"1..0 # SKIP"*) planned=0; skip "in the VM: ${line#1..0 # SKIP }" ;;
	1..*) planned=${line#1..}; planned=${planned%% *} ;;
	"ok "*"# SKIP"*) seen=$((seen + 1)); skip "in the VM: ${line#*# SKIP }" ;;
	"ok "*) seen=$((seen + 1)); pass "in the VM: ${line#ok * - }" ;;
	"not ok "*) seen=$((seen + 1)); inner_fail=1; last="in the VM: ${line#not ok * - }"; fail "$last" ;;
	"#"*) [[ -n $last ]] && echo "$line" ;;
	esac
done <<<"$OUT"
is "$seen" "$planned" "every file the guest planned reported"
if ((inner_fail)); then cmp_ok "$RC" "!=" 0 "a failing test inside makes the VM's exit status non-zero"; else is "$RC" 0 "the VM's exit status is check-vm's (0)"; fi
ok "the host was not written (the guest's write went to its overlay)" test ! -e "$probe"
rm -f "$probe"

# The time limit: qemu killed, the console log kept, its last lines shown.
mkdir -p "$TAP_TMP/lim"
TMPDIR=$TAP_TMP/lim run "$vm" -t 4 -l "$TAP_TMP/lim.log" -- sleep 600
is "$RC" 1 "time limit reached: exit 1"
like "$ERR" "time limit of 4 s reached: qemu killed; console log kept in $TAP_TMP/lim.log" "the message names the kept log"
ok "the console log is kept" test -e "$TAP_TMP/lim.log"
is "$(find "$TAP_TMP/lim" -mindepth 1 | wc -l)" 0 "no scratch left after the time limit"

# Ctrl-C while the guest boots: qemu killed, scratch initramfs and overlay gone.
mkdir -p "$TAP_TMP/int"
TMPDIR=$TAP_TMP/int interrupt_when "$TAP_TMP/int/shikumi-vm.*/console" 2 "$vm" -- sleep 600
is "$RC" 130 "Ctrl-C: exit 130"
sleep 0.3
is "$(pgrep -f "qemu-system-x86_64 .*$TAP_TMP/int" || true)" "" "Ctrl-C: no qemu left"
is "$(find "$TAP_TMP/int" -mindepth 1 | wc -l)" 0 "Ctrl-C: scratch initramfs removed"
done_testing
