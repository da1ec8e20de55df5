#!/usr/bin/env bash
# ch11-container/run.sh - namespaces from both sides, and a container built
# from scratch that checks its own isolation.
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]...
# Experiments, each in RUNDIR/ch11-container/<name>/:
#   ns-show      the namespace inodes of this shell and of a process in new
#                UTS+IPC namespaces, cross-checked with util-linux lsns
#   namespaces   one program per kind (pid uts mnt ipc net user cgroup time):
#                isolation seen from inside and outside, and the same with
#                unshare(1)/nsenter(1) beside it
#   container    mini-container on a busybox rootfs: container-check inside
#                (namespaces, uid_map, capabilities, no_new_privs, seccomp,
#                private root, pid view, limits visible and enforced, chroot
#                escape blocked), exit status, signals and PID 1, rootless,
#                and an strace -f timeline of the runtime next to unshare's
#   labs         failure labs in mount namespaces of their own: a chroot
#                escape reaches a marker outside the root (pivot_root does
#                not); a mount leaks out without MS_PRIVATE
#   ns-cost      clone3 with each CLONE_NEW* flag vs a plain fork (pinned)
#   start-cost   mini-container vs unshare --fork --pid --mount-proc vs
#                fork+exec of the same busybox `true` (hyperfine), and where
#                the runtime's time goes (its own phase stamps)
# REQUIREMENTS: root for most (not root: the user-namespace parts run where the
#   kernel allows unprivileged user namespaces, the rest SKIPs with the reason);
#   busybox-static (the rootfs); util-linux (unshare, nsenter, lsns, setpriv).
#   Optional: hyperfine, strace, gnuplot.
# SAFETY: every mount is made inside a mount namespace this suite created and
#   made private first; the host's mount tree and network interfaces are never
#   touched; cgroups only beneath ours; the scratch rootfs is removed on exit.
# eg,
#   sudo ./run.sh -q              # quick: ~40 s
#   sudo ./run.sh -e container    # only the container
set -euo pipefail
SK_PROG=ch11-container/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/cgroup.sh
source "$SK_TOP/scripts/cgroup.sh"
# shellcheck source=ch11-container/rootfs.sh
source "$SK_TOP/ch11-container/rootfs.sh"
HERE="$SK_TOP/ch11-container"
CHAPTER=ch11-container
KINDS=(pid uts mnt ipc net user cgroup time)
HOSTNAME_IN=shikumi-box
LIMIT_PIDS=32 LIMIT_MEMORY=64M LIMIT_CPU=50

sk_experiment ns-show run_ns_show "namespace inodes of processes, cross-checked with lsns" ns-show
sk_experiment namespaces run_namespaces "each namespace kind from inside and outside, with unshare/nsenter" \
	ns-pid ns-uts ns-mnt ns-ipc ns-net ns-user ns-cgroup ns-time
sk_experiment container run_container "mini-container on busybox, checked from inside by container-check" \
	mini-container container-check
sk_experiment labs run_labs "failure labs: chroot escape, mount leak without MS_PRIVATE" chroot-lab mount-lab
sk_experiment ns-cost run_ns_cost "cost of creating each namespace kind vs a plain fork" ns-cost
sk_experiment start-cost run_start_cost "mini-container vs unshare vs fork+exec start-up (hyperfine)" mini-container

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]...
Namespaces from both sides, and a container built from scratch that checks its own isolation.

$(sk_std_usage)

Examples:
  sudo $SK_PROG -q
  sudo $SK_PROG -e container -e labs
EOF
}

sk_options ":qc:o:he:" "$@"
sk_driver_ready "$CHAPTER"
cpu=$SK_CPU

# Groups made by mini-container carry this tag, so that whatever a killed
# runtime could not remove is found and removed on the way out.
export SHIKUMI_CG_TAG="shikumi-ch11-$$"
sk_cg_own

# ---- scratch: rootfs, jail, mount points (removed on every way out) ----------
SCRATCH=""
ch11_remove_scratch() {
	[[ -n $SCRATCH && -d $SCRATCH ]] || return 0
	# Nothing should be mounted there from the host's view (every mount lived in a
	# namespace that is gone). If something is, leave the tree alone and say so.
	if findmnt -rn -o TARGET | grep -qF "$SCRATCH"; then
		sk_warn "a mount under $SCRATCH is visible on the host: not removing it (findmnt | grep $SCRATCH)"
		return 1
	fi
	rm -rf --one-file-system "$SCRATCH"
}
ch11_remove_groups() {
	local g pid
	while read -r g; do
		[[ -n $g ]] || continue
		if [[ -f $g/cgroup.procs ]]; then
			while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$g/cgroup.procs"
		fi
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$g" 2>/dev/null && break; sleep 0.1; done
	done < <(sk_cg_leftovers "$SHIKUMI_CG_TAG" | sort -r)
}
sk_cleanup_push ch11_remove_groups
sk_cleanup_push ch11_remove_scratch
scratch() {
	if [[ -z $SCRATCH ]]; then
		SCRATCH=$(mktemp -d "${TMPDIR:-/var/tmp}/shikumi-ch11.XXXXXX") || sk_die "cannot create a scratch directory"
		chmod 755 "$SCRATCH"   # the rootless container runs as nobody
	fi
}

# ch11_val FILE VIEW ITEM: the value column of a view/item/value table.
ch11_val() { awk -F'\t' -v v="$2" -v i="$3" '/^#/ { next } $1 == v && $2 == i { print $3; exit }' "$1"; }
# is01 A B: 1 if the strings are equal, else 0 (for sk_check conditions).
is01() { if [[ $1 == "$2" ]]; then echo 1; else echo 0; fi; }
# The host's namespace inodes, KIND:INODE,... (the driver's own).
host_ns() {
	local k out=""
	for k in "$@"; do out+="${out:+,}$k:$(stat -L -c %i "/proc/self/ns/$k")"; done
	echo "$out"
}
# Root that may create namespaces (root inside a container may lack CAP_SYS_ADMIN).
is_root() { ((EUID == 0)) && (($(awk '/^CapEff:/ { print "0x" $2 }' /proc/self/status) & (1 << 21))); }
ROOT_WHY="needs root with CAP_SYS_ADMIN (running as uid $EUID)"
# Log a command and its output (the equivalents file), return its status.
equiv() {
	local out=$1 rc=0
	shift
	{
		printf '$ %s\n' "$*"
		"$@" 2>&1 || rc=$?
		((rc == 0)) || printf '(exit %d)\n' "$rc"
	} >>"$out"
	return "$rc"
}

# ---------------------------------------------------------------------------
# 1. ns-show: what identifies a namespace, and lsns agrees
# ---------------------------------------------------------------------------
run_ns_show() {
	local pids=(-p $$) other="" d="$SK_EXP_DIR/data.tsv"
	if is_root; then
		unshare --uts --ipc sleep 30 &
		other=$!
		sleep 0.2
		pids+=(-p "$other")
	fi
	sk_prog "$d" "$HERE/ns-show" "${pids[@]}" || return 0
	local k p agree=0 total=0 ino lsino
	for p in $$ $other; do
		for k in cgroup ipc mnt net pid time user uts; do
			ino=$(awk -F'\t' -v p="$p" -v k="$k" '!/^#/ && $1 == p && $3 == k { print $4 }' "$d")
			# lsns reads every process's /proc entry and can fail when one vanishes meanwhile
			lsino=$(lsns -n -p "$p" -t "$k" -o NS 2>>"$SK_LOG" | head -n 1 | tr -d ' ') || lsino=""
			printf '%s\t%s\t%s\t%s\n' "$p" "$k" "$ino" "${lsino:-NaN}" >>"$SK_EXP_DIR/lsns.tsv"
			total=$((total + 1))
			[[ -n $ino && $ino == "$lsino" ]] && agree=$((agree + 1))
		done
	done
	sk_check ns-show-lsns "ns-show and lsns name the same namespace inodes" 'agree == total && total >= 8' \
		agree="$agree" total="$total" --observed "$agree of $total (kind, pid) pairs agree"
	if [[ -n $other ]]; then
		local differ="" same=0
		for k in cgroup ipc mnt net pid time user uts; do
			if [[ $(awk -F'\t' -v k="$k" -v a=$$ -v b="$other" '!/^#/ && $3 == k { v[$1] = $4 } END { print (v[a] == v[b]) }' "$d") == 1 ]]; then
				same=$((same + 1))
			else
				differ+="${differ:+ }$k"
			fi
		done
		kill "$other" 2>/dev/null || true
		wait "$other" 2>/dev/null || true
		sk_check ns-show-sharing "unshare --uts --ipc changes exactly those two inodes" \
			'same == 6 && ipc_uts_differ == 1' same="$same" ipc_uts_differ="$(is01 "$differ" "ipc uts")" \
			--observed "$same of 8 shared; different: $differ"
	else
		sk_verdict -i ns-show-sharing "unshare --uts --ipc changes exactly those two inodes" "6 of 8 shared" \
			"not run" SKIP "$ROOT_WHY: unshare --uts --ipc"
	fi
	sk_summary <<EOF
## Namespace handles

Every process has one namespace of each kind; /proc/PID/ns/KIND is a handle whose inode names it. ns-show lists them and lsns agrees on $agree of $total. A process started with \`unshare --uts --ipc\` shares six of the eight with the shell that started it: only the two kinds asked for are new.
EOF
}

# ---------------------------------------------------------------------------
# 2. namespaces: each kind from inside and outside, and the util-linux way
# ---------------------------------------------------------------------------
run_namespaces() {
	local k f eq="$SK_EXP_DIR/equivalents.txt" rc
	scratch
	: >"$eq"
	for k in "${KINDS[@]}"; do
		f="$SK_EXP_DIR/data-$k.tsv"
		local dir=()
		[[ $k == mnt || $k == user ]] && dir=(-D "$SCRATCH")
		rc=0
		sk_prog "$f" "$HERE/ns-$k" "${dir[@]}" || rc=$?
		((rc == 0)) || continue
		"judge_$k" "$f" "$eq"
	done
	sk_summary <<EOF
## Each namespace, from inside and from outside

One small program per kind creates the namespace in a child and looks from both sides; beside it the driver runs the util-linux command that does the same (equivalents.txt). Inside, the child sees its own PID 1, hostname, mounts, IPC objects, a lone loopback interface, uid 0, a cgroup root of "/" and clocks a day ahead; outside, nothing changed, yet the host can look in through /proc/PID (NSpid, mountinfo, net/dev, status).
EOF
}

judge_pid() {
	local f=$1 eq=$2 nspid last out
	nspid=$(ch11_val "$f" outside pid1_nspid)
	last=${nspid##* }
	out=""
	if is_root; then
		equiv "$eq" unshare --fork --pid --mount-proc sh -c 'echo "pid $$"; ls -d /proc/[0-9]* | wc -l' || true
		out=$(unshare --fork --pid --mount-proc sh -c 'echo $$' 2>/dev/null || true)
	fi
	sk_check ns-pid "the first child in a new PID namespace is pid 1 and sees only itself" \
		'getpid == 1 && getppid == 0 && fresh_procs == 1 && nspid_inner == 1 && host_pid > 1 && after_exit_enomem == 1' \
		getpid="$(ch11_val "$f" inside getpid)" getppid="$(ch11_val "$f" inside getppid)" \
		fresh_procs="$(ch11_val "$f" inside procs_in_fresh_proc)" nspid_inner="$last" \
		host_pid="$(ch11_val "$f" outside pid1_host_pid)" \
		after_exit_enomem="$(is01 "$(ch11_val "$f" unsharer fork_after_pid1_exit)" ENOMEM)" \
		--observed "inside getpid $(ch11_val "$f" inside getpid), fresh /proc lists $(ch11_val "$f" inside procs_in_fresh_proc) (host /proc: $(ch11_val "$f" inside procs_in_host_proc)); host sees NSpid '$nspid'; fork after pid 1 exited: $(ch11_val "$f" unsharer fork_after_pid1_exit)"
	if is_root; then
		sk_check ns-pid-unshare "unshare --fork --pid --mount-proc: the shell is pid 1" 'pid == 1' pid="$out"
	fi
}

judge_uts() {
	local f=$1 eq=$2 in out joined host nsenter_out=""
	in=$(ch11_val "$f" inside hostname)
	out=$(ch11_val "$f" outside hostname)
	joined=$(ch11_val "$f" joined hostname)
	host=$(hostname)
	if is_root; then
		equiv "$eq" unshare --uts sh -c 'hostname shikumi-uts; hostname' || true
		equiv "$eq" hostname || true
		unshare --uts sh -c 'hostname shikumi-nsenter; exec sleep 5' &
		local p=$!
		sleep 0.2
		nsenter_out=$(nsenter --uts --target "$p" hostname 2>/dev/null || true)
		printf '$ nsenter --uts --target %s hostname\n%s\n' "$p" "$nsenter_out" >>"$eq"
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	fi
	sk_check ns-uts "a hostname set in a UTS namespace stays inside; setns sees it" \
		'inside_new == 1 && outside_same == 1 && joined_new == 1' inside_new="$(is01 "$in" shikumi-uts)" \
		outside_same="$(is01 "$out" "$host")" joined_new="$(is01 "$joined" shikumi-uts)" \
		--observed "inside '$in', outside '$out', after setns '$joined'"
	if is_root; then
		sk_check ns-uts-nsenter "nsenter --uts reads the namespace's hostname" 'same == 1' \
			same="$(is01 "$nsenter_out" shikumi-nsenter)" --observed "'$nsenter_out'"
	fi
}

judge_mnt() {
	local f=$1 eq=$2
	if is_root; then
		local d="$SCRATCH/mnt-equiv"
		mkdir -p "$d"
		equiv "$eq" unshare --mount --propagation private sh -c "mount -t tmpfs shikumi $d && findmnt -n -o SOURCE,FSTYPE $d" || true
		equiv "$eq" findmnt -n "$d" || true
	fi
	sk_check ns-mnt "a mount made in a private mount namespace is invisible outside" \
		'inside == 1 && outside == 0 && seen_via_proc == 1 && gone_after == 0' \
		inside="$(is01 "$(ch11_val "$f" inside file_visible)" yes)" \
		outside="$(is01 "$(ch11_val "$f" outside file_visible)" yes)" \
		seen_via_proc="$(is01 "$(ch11_val "$f" outside mount_listed_in_child_mountinfo)" yes)" \
		gone_after="$(is01 "$(ch11_val "$f" outside mount_listed_after_child_exit)" yes)" \
		--observed "file inside: $(ch11_val "$f" inside file_visible), outside: $(ch11_val "$f" outside file_visible); /proc/CHILD/mountinfo lists it: $(ch11_val "$f" outside mount_listed_in_child_mountinfo); after exit: $(ch11_val "$f" outside mount_listed_after_child_exit)"
}

judge_ipc() {
	local f=$1 eq=$2
	if is_root; then equiv "$eq" unshare --ipc ipcs -q || true; fi
	sk_check ns-ipc "a System V queue exists on one side of an IPC namespace only" \
		'lookup_enoent == 1 && created == 1 && outside_own == 1' \
		lookup_enoent="$(is01 "$(ch11_val "$f" inside lookup_host_key)" ENOENT)" \
		created="$(is01 "$(ch11_val "$f" inside create_same_key)" created)" \
		outside_own="$(is01 "$(ch11_val "$f" outside lookup_key)" "own queue")" \
		--observed "key $(ch11_val "$f" outside key): inside lookup $(ch11_val "$f" inside lookup_host_key), same key created inside: $(ch11_val "$f" inside create_same_key); outside still its own queue"
}

judge_net() {
	local f=$1 eq=$2
	if is_root; then
		if sk_have ip; then equiv "$eq" unshare --net ip -brief link || true; else equiv "$eq" unshare --net cat /proc/net/dev || true; fi
	fi
	sk_check ns-net "a new network namespace has only lo, down" \
		'interfaces == 1 && only_lo == 1 && lo_down == 1 && seen_via_proc == 1' \
		interfaces="$(ch11_val "$f" inside interfaces)" only_lo="$(is01 "$(ch11_val "$f" inside interface_names)" lo)" \
		lo_down="$(is01 "$(ch11_val "$f" inside lo_state)" down)" seen_via_proc="$(ch11_val "$f" outside child_net_dev_lines)" \
		--observed "inside: $(ch11_val "$f" inside interface_names) ($(ch11_val "$f" inside lo_state)); outside: $(ch11_val "$f" outside interface_names)"
}

judge_user() {
	local f=$1 eq=$2 outside
	outside=$(sk_meta "$f" outside_uid)
	equiv "$eq" unshare --user --map-root-user sh -c 'id -u; cat /proc/self/uid_map' || true
	sk_check ns-user "root inside a user namespace is an unprivileged uid outside" \
		'uid_inside == 0 && child_uid == outside && file_uid == outside && hostname_eperm == 1' \
		uid_inside="$(ch11_val "$f" inside uid)" child_uid="$(ch11_val "$f" outside child_uid)" \
		file_uid="$(ch11_val "$f" outside file_owner_uid)" outside="$outside" \
		hostname_eperm="$(is01 "$(ch11_val "$f" inside sethostname_on_host_uts)" EPERM)" \
		--observed "inside uid $(ch11_val "$f" inside uid) with CapEff $(ch11_val "$f" inside cap_eff); host sees uid $(ch11_val "$f" outside child_uid), its file owned by $(ch11_val "$f" outside file_owner_uid); sethostname on the host's UTS: $(ch11_val "$f" inside sethostname_on_host_uts)"
}

judge_cgroup() {
	local f=$1 eq=$2
	if is_root; then equiv "$eq" unshare --cgroup cat /proc/self/cgroup || true; fi
	sk_check ns-cgroup "inside a cgroup namespace every cgroup path is /" 'inside_not_root == 0 && lines > 0' \
		inside_not_root="$(ch11_val "$f" inside paths_not_root)" \
		lines="$(awk -F'\t' '!/^#/ && $1 == "inside" && $2 ~ /^cgroup\[/' "$f" | wc -l)" \
		--observed "inside: all /; outside: $(ch11_val "$f" outside paths_not_root) hierarchies below the root" \
		--note "a host whose shell sits in the root group everywhere shows / on both sides"
}

judge_time() {
	local f=$1 eq=$2
	if is_root; then equiv "$eq" unshare --time --fork --boottime 86400 cat /proc/uptime || true; fi
	sk_check ns-time "a time namespace shifts CLOCK_MONOTONIC/BOOTTIME, not CLOCK_REALTIME" \
		'mono > 86399 && mono < 86401 && boot > 86399 && boot < 86401 && real > -1 && real < 1' \
		mono="$(ch11_val "$f" inside monotonic_ahead_s)" boot="$(ch11_val "$f" inside boottime_ahead_s)" \
		real="$(ch11_val "$f" inside realtime_ahead_s)"
}

# ---------------------------------------------------------------------------
# 3. container: mini-container + container-check, exit status, signals, rootless
# ---------------------------------------------------------------------------
ROOTFS=""
make_rootfs() {
	[[ -n $ROOTFS ]] && return 0
	scratch
	ch11_busybox >/dev/null || return 1
	ch11_rootfs "$SCRATCH/rootfs" "$HERE/container-check" || sk_die "cannot build the rootfs in $SCRATCH"
	echo "a file on the host, outside every container root" >"$SCRATCH/marker"
	ROOTFS=$SCRATCH/rootfs
}

# A runtime that the user's Ctrl-C (or a SIGTERM) reached returns the container's
# status, 130 or 143, possibly before this shell has run its own trap: the run is
# being interrupted, not failing.
ch11_runtime_failed() {
	local what=$1 rc=$2
	if ((rc == 130 || rc == 143)); then
		# shellcheck disable=SC2034 # read by lib.sh's exit trap
		SK_INTERRUPTED=${SK_INTERRUPTED:-INT}
		exit "$rc"
	fi
	sk_die "$what failed with exit code $rc (see $SK_LOG)"
}

# check_rows FILE PREFIX [LABEL]: container-check's rows become verdicts PREFIX-ID.
check_rows() {
	local f=$1 prefix=$2 label=${3:-} id what expected observed result
	while IFS=$'\t' read -r id what expected observed result; do
		sk_verdict -i "$prefix-$id" "$label$what" "$expected" "$observed" "$result" ""
	done < <(awk -F'\t' '!/^#/ && NR > 0 && $1 != "id"' "$f")
}

# sigterm_after_start CMD...: start CMD, SIGTERM it half a second later; its
# exit code in TERM_RC and how long it took to die after the signal in TERM_MS.
TERM_RC="" TERM_MS=""
sigterm_after_start() {
	local p t0 t1
	"$@" 2>>"$SK_LOG" &
	p=$!
	sleep 0.5
	t0=$(date +%s%N)
	kill -TERM "$p"
	TERM_RC=0
	wait "$p" || TERM_RC=$?
	t1=$(date +%s%N)
	TERM_MS=$(((t1 - t0) / 1000000))
}

run_container() {
	make_rootfs || { sk_skip_exp "no static busybox: install the package busybox-static (make run does, as root)"; return 0; }
	local mc="$HERE/mini-container" rc
	local limits=(--pids "$LIMIT_PIDS" --memory "$LIMIT_MEMORY" --cpu "$LIMIT_CPU")
	if is_root; then
		local args=(-r "$ROOTFS" --hostname "$HOSTNAME_IN" --init --seccomp --timing "$SK_EXP_DIR/timing.tsv"
			--ns-record "$SK_EXP_DIR/namespaces.tsv")
		local check=(container-check --host-ns "$(host_ns pid mnt uts ipc net cgroup)" --uid-map "0 0 4294967295"
			--hostname "$HOSTNAME_IN" --seccomp --init --marker "$SCRATCH/marker")
		sk_note "mini-container ${args[*]} ${limits[*]} -- ${check[*]} ${limits[*]}"
		rc=0
		sk_run_prog "$SK_EXP_DIR/check.tsv" "$mc" "${args[@]}" "${limits[@]}" -- "${check[@]}" "${limits[@]}" || rc=$?
		if ((rc == 4)); then
			# limits not allowed here (no delegation): say why, run without them
			sk_verdict -i container-limits "limits through chapter 12's cgroup helper" "cgroup created" "skipped" SKIP \
				"$(sed -n 's/^[^ ]*: SKIP: //p' "$SK_LOG" | tail -n 1)"
			rc=0
			sk_run_prog "$SK_EXP_DIR/check.tsv" "$mc" "${args[@]}" -- "${check[@]}" || rc=$?
		fi
		((rc == 0 || rc == 1)) || ch11_runtime_failed mini-container "$rc"
		check_rows "$SK_EXP_DIR/check.tsv" container

		# The command's exit status comes back through the runtime.
		rc=0
		"$mc" -r "$ROOTFS" -- sh -c 'exit 7' 2>>"$SK_LOG" || rc=$?
		sk_check exit-status "the runtime returns the command's exit status" 'rc == 7' rc="$rc"

		# Signals and PID 1: with --init, SIGTERM is forwarded and the command dies;
		# without, a PID 1 with no handler ignores it until the runtime's SIGKILL.
		local ms_init ms_bare rc_init rc_bare
		sigterm_after_start "$mc" -r "$ROOTFS" --init -- sleep 30
		rc_init=$TERM_RC ms_init=$TERM_MS
		sigterm_after_start "$mc" -r "$ROOTFS" -- sleep 30
		rc_bare=$TERM_RC ms_bare=$TERM_MS
		sk_check init-forwards "with --init, SIGTERM reaches the command (exit 143 at once)" 'rc == 143 && ms < 2000' \
			rc="$rc_init" ms="$ms_init" --observed "exit $rc_init after $ms_init ms"
		sk_check pid1-ignores "without an init, sleep as PID 1 ignores SIGTERM: killed after the 3 s grace (137)" \
			'rc == 137 && ms >= 2500' rc="$rc_bare" ms="$ms_bare" --observed "exit $rc_bare after $ms_bare ms"

		# A syscall timeline of our runtime, and unshare's, from strace -f.
		if sk_have strace; then
			strace -f -tt -e trace=clone,clone3,unshare,setns,mount,umount2,pivot_root,chroot,sethostname,prctl,capset,seccomp,execve,exit_group \
				-o "$SK_EXP_DIR/strace-mini-container.txt" "$mc" -r "$ROOTFS" --init --seccomp -- true 2>>"$SK_LOG" || true
			strace -f -tt -e trace=clone,clone3,unshare,setns,mount,umount2,pivot_root,chroot,sethostname,prctl,capset,seccomp,execve,exit_group \
				-o "$SK_EXP_DIR/strace-unshare.txt" unshare --fork --pid --mount-proc "$ROOTFS/bin/true" 2>>"$SK_LOG" || true
		fi
	else
		sk_verdict -i container-root "mini-container as root" "runs" "not run" SKIP "$ROOT_WHY; the rootless run follows"
	fi

	# Rootless: the same container as nobody (or as the caller), through a user namespace.
	local as=() uid=$EUID
	if is_root; then as=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all); uid=65534; fi
	if ! "${as[@]}" test -x "$ROOTFS/bin/busybox"; then
		sk_verdict -i rootless-runs "rootless mini-container (user namespace)" "runs" "skipped" SKIP \
			"uid $uid cannot reach $ROOTFS (a directory above it is not searchable: set TMPDIR elsewhere)"
		return 0
	fi
	rc=0
	sk_run_prog "$SK_EXP_DIR/check-rootless.tsv" "${as[@]}" "$mc" -r "$ROOTFS" --hostname "$HOSTNAME_IN" -- \
		container-check --host-ns "$(host_ns pid mnt uts ipc net user)" --uid-map "0 $uid 1" --hostname "$HOSTNAME_IN" \
		--marker "$SCRATCH/marker" || rc=$?
	if ((rc == 4)); then
		sk_verdict -i rootless-runs "rootless mini-container (user namespace)" "runs" "skipped" SKIP \
			"$(sed -n 's/^[^ ]*: SKIP: //p' "$SK_LOG" | tail -n 1)"
	elif ((rc == 0 || rc == 1)); then
		check_rows "$SK_EXP_DIR/check-rootless.tsv" rootless "rootless: "
	else
		ch11_runtime_failed "rootless mini-container" "$rc"
	fi
	[[ -s $SK_EXP_DIR/timing.tsv ]] && sk_plot "$HERE/phases.gp" timing.tsv phases
	local n_pass n_all
	n_pass=$(awk -F'\t' 'NR > 1 && $4 == "PASS"' "$SK_EXP_DIR/verdict.tsv" | wc -l)
	n_all=$(awk -F'\t' 'NR > 1' "$SK_EXP_DIR/verdict.tsv" | wc -l)
	sk_summary <<EOF
## A container from scratch, checked from inside

mini-container clones a child into new pid, mount, UTS, IPC and network namespaces (plus a user namespace when rootless), puts it in a cgroup with pids.max $LIMIT_PIDS, memory $LIMIT_MEMORY and $LIMIT_CPU % of a CPU (chapter 12's helper), then the child enters its own cgroup namespace, makes every mount private, bind-mounts the busybox rootfs onto itself, mounts a fresh /proc and a minimal /dev, pivot_roots and detaches the old root, cuts its capabilities to Docker's default set, sets no_new_privs, loads a seccomp deny-list and execs the command (as PID 2 under a small init with --init). container-check then looks around from inside: $n_pass of $n_all verdicts pass (check.tsv, check-rootless.tsv). The runtime's own start-up phases are in timing.tsv and phases.png; strace-mini-container.txt is its syscall timeline next to unshare's.
EOF
}

# ---------------------------------------------------------------------------
# 4. labs: what goes wrong without pivot_root and without MS_PRIVATE
# ---------------------------------------------------------------------------
run_labs() {
	is_root || { sk_skip_exp "$ROOT_WHY: chroot, pivot_root and shared mounts"; return 0; }
	scratch
	local jail="$SCRATCH/jail" stage="$SCRATCH/stage" c="$SK_EXP_DIR/chroot.tsv" m="$SK_EXP_DIR/mount.tsv"
	mkdir -p "$jail/rootfs" "$stage"
	echo "outside the chroot: you should not be able to read this" >"$jail/marker"
	# Each lab unshares a mount namespace of its own as well; unshare(1) adds one more layer.
	sk_prog "$c" unshare --mount --propagation private "$HERE/chroot-lab" -D "$jail" -r rootfs || return 0
	sk_check chroot-escapes "from a plain chroot the classic escape reaches a file outside the root" 'reached == 1' \
		reached="$(is01 "$(ch11_val "$c" chroot escape_reached_marker)" yes)" \
		--observed "marker before: $(ch11_val "$c" chroot marker_before_escape); after the escape: '$(ch11_val "$c" chroot marker_text)'" \
		--note "inside a mount namespace of its own whose root is the jail: the host was never reachable"
	sk_check pivot-root-holds "after pivot_root with the old root detached the same escape finds nothing" 'reached == 0 && ran == 1' \
		reached="$(is01 "$(ch11_val "$c" pivot_root escape_reached_marker)" yes)" \
		ran="$(is01 "$(ch11_val "$c" pivot_root escape_reached_marker)" no)"
	sk_prog "$m" unshare --mount --propagation private "$HERE/mount-lab" -D "$stage" || return 0
	sk_check mount-leaks "without MS_PRIVATE a mount made inside appears outside (and outlives the namespace)" \
		'seen == 1 && stays == 1' seen="$(is01 "$(ch11_val "$m" propagation_unchanged inner_mount_seen_outside)" yes)" \
		stays="$(is01 "$(ch11_val "$m" propagation_unchanged still_mounted_after_inner_exit)" yes)" \
		--note "outside = the lab's own namespace; the host's mount table is checked below"
	sk_check private-holds "made private first, the same mount stays inside" 'seen == 0 && ran == 1' \
		seen="$(is01 "$(ch11_val "$m" private_first inner_mount_seen_outside)" yes)" \
		ran="$(is01 "$(ch11_val "$m" private_first inner_mount_seen_outside)" no)"
	local left
	left=$(findmnt -rn -o TARGET | grep -cF "$SCRATCH" || true)
	sk_check host-untouched "no mount of the labs is visible on the host afterwards" 'left == 0' left="$left"
	sk_summary <<EOF
## Failure labs

chroot only changes where "/" starts for path lookup: a process that may call chroot again makes a subdirectory its root while its working directory stays outside, climbs with "..", and reads '$(ch11_val "$c" chroot marker_text)' outside the root. After pivot_root with the old root detached there is no "above" left: the same climb ends at the new root. A new mount namespace copies mounts *with* their propagation: under a shared mount, a mount made inside appears in the parent namespace and stays after the child is gone; made private first (what unshare(1) does by default and every runtime must do), it stays inside. Both labs ran in mount namespaces of their own; the host's mount table shows $left of their mounts.
EOF
}

# ---------------------------------------------------------------------------
# 5. ns-cost: what creating each kind costs
# ---------------------------------------------------------------------------
run_ns_cost() {
	local d="$SK_EXP_DIR/data.tsv" s="$SK_EXP_DIR/summary.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/ns-cost" "${SK_QOPT[@]}" || return 0
	# The fastest clone3 of each repetition: creation cost with the least
	# disturbance from a busy machine (noise only ever adds time).
	sk_summarize -b kind -v create_min_us "$d" | sk_atomic_write "$s"
	sk_summarize -b kind -v cycle_us "$d" | sk_atomic_write "$SK_EXP_DIR/summary-cycle.tsv"
	local fork k med worst="" worst_us=0 rows=""
	fork=$(sk_tsv_get "$s" kind fork median)
	for k in cgroup ipc mnt net pid time user uts; do
		med=$(sk_tsv_get "$s" kind "$k" median)
		[[ -n $med ]] || continue
		rows+="${rows:+, }$k $(sk_calc "$med" %.0f)"
		if sk_cmp "$med > $worst_us"; then worst=$k worst_us=$med; fi
	done
	sk_check ns-cost-fork "a plain clone (fork) is measured" 'fork_us > 0' fork_us="$fork"
	if [[ -n $(sk_tsv_get "$s" kind net median) ]]; then
		sk_check ns-cost-net "creating a network namespace costs clearly more than a plain clone" 'net_us > 1.5 * fork_us' \
			net_us="$(sk_tsv_get "$s" kind net median)" fork_us="$fork" \
			--observed "net $(sk_calc "$(sk_tsv_get "$s" kind net median)" %.0f) us vs fork $(sk_calc "$fork" %.0f) us per clone3 call" \
			--note "the most expensive here: $worst ($(sk_calc "$worst_us" %.0f) us); all: $rows"
	fi
	sk_plot "$HERE/ns-cost.gp" summary.tsv ns-cost
	sk_summary <<EOF
## What a namespace costs

clone3 of a child that exits at once, with one CLONE_NEW* flag, against the same clone without flags (a plain fork), pinned to CPU $cpu. The namespaces are created inside the clone3 call, in the parent; the fastest call of each repetition (median over repetitions, microseconds): fork $(sk_calc "$fork" %.0f), $rows. The most expensive kind here is $worst. A network namespace brings a loopback device, its sysctls and per-namespace tables, and is torn down by a kernel worker after the child exits. The whole cycle with the child's exit and the wait is in summary-cycle.tsv.
EOF
}

# ---------------------------------------------------------------------------
# 6. start-cost: a whole container vs unshare vs fork+exec
# ---------------------------------------------------------------------------
run_start_cost() {
	is_root || { sk_skip_exp "$ROOT_WHY: unshare --pid, mini-container as root"; return 0; }
	make_rootfs || { sk_skip_exp "no static busybox: install the package busybox-static"; return 0; }
	sk_have hyperfine || { sk_skip_exp "hyperfine is not installed (scripts/install-deps)"; return 0; }
	local runs=60 warm=5 j="$SK_EXP_DIR/hyperfine.json" d="$SK_EXP_DIR/data.tsv"
	((SK_QUICK)) && runs=20 warm=3
	local true_bin="$ROOTFS/bin/true"
	sk_note "hyperfine -N, $runs runs each, pinned to CPU $cpu"
	sk_pin "$cpu" hyperfine -N --style basic --warmup "$warm" --runs "$runs" --export-json "$j" \
		-n fork+exec "$true_bin" \
		-n unshare "unshare --fork --pid --mount-proc $true_bin" \
		-n mini-container "$HERE/mini-container -r $ROOTFS -- /bin/true" \
		-n mini-container-init-seccomp "$HERE/mini-container -r $ROOTFS --init --seccomp -- /bin/true" >>"$SK_LOG" 2>&1 ||
		{ sk_warn "hyperfine failed (see $SK_LOG)"; return 0; }
	{
		printf '# program: hyperfine %s\n# cpu: %s\n# runs: %s\n' "$(hyperfine --version | awk '{print $2}')" "$cpu" "$runs"
		printf 'command\tmedian_ms\tp10_ms\tp90_ms\n'
		if sk_have jq; then sk_hyperfine_stats "$j" ms 3 | cut -f1-4; fi
	} | sk_atomic_write "$d"
	local fe us mc mcs
	fe=$(sk_tsv_get "$d" command fork+exec median_ms)
	us=$(sk_tsv_get "$d" command unshare median_ms)
	mc=$(sk_tsv_get "$d" command mini-container median_ms)
	mcs=$(sk_tsv_get "$d" command mini-container-init-seccomp median_ms)
	sk_check start-vs-fork "a container start costs more than fork+exec of the same command" 'mc > fe' mc="$mc" fe="$fe" \
		--observed "mini-container $mc ms, fork+exec $fe ms ($(sk_calc "$mc / $fe" %.1f)x), unshare --pid --mount-proc $us ms" \
		--absent "jq is needed to read hyperfine's JSON"
	# Where the runtime's time goes: its own stamps, median over a few starts.
	local i
	for i in 1 2 3 4 5; do
		"$HERE/mini-container" -r "$ROOTFS" --timing "$SK_EXP_DIR/timing-$i.tsv" -- /bin/true 2>>"$SK_LOG" || true
	done
	awk -F'\t' 'FNR == 1 { r++ } /^#/ || $1 == "phase" { next } { print r "\t" $1 "\t" $3 }' "$SK_EXP_DIR"/timing-*.tsv |
		{ printf '# program: mini-container --timing (5 starts)\nrep\tphase\tdelta_us\n'; cat; } | sk_atomic_write "$SK_EXP_DIR/phases.tsv"
	rm -f "$SK_EXP_DIR"/timing-*.tsv
	sk_summarize -b phase -v delta_us "$SK_EXP_DIR/phases.tsv" | sk_atomic_write "$SK_EXP_DIR/phases-summary.tsv"
	awk -F'\t' -v OFS='\t' 'NR == 1 { print "phase", "delta_us"; next } { print $1, $3 }' "$SK_EXP_DIR/phases-summary.tsv" |
		sk_atomic_write "$SK_EXP_DIR/phases-median.tsv"
	sk_plot "$HERE/phases.gp" phases-median.tsv phases
	local top top_us
	read -r top top_us < <(awk -F'\t' 'NR > 1 && $1 != "command_exited" { print $1, $3 }' "$SK_EXP_DIR/phases-summary.tsv" | sort -k2 -g -r | head -n 1)
	sk_check start-breakdown "the runtime's slowest start-up phase is named" 'top_us > 0' top_us="${top_us:-}" \
		--observed "$top: $top_us us (median of 5 starts; phases-summary.tsv)"
	sk_plot "$HERE/start-cost.gp" data.tsv start-cost
	sk_summary <<EOF
## Starting a container

hyperfine -N, $runs runs each, pinned to CPU $cpu, the same static busybox \`true\`: fork+exec $fe ms, \`unshare --fork --pid --mount-proc\` $us ms, mini-container $mc ms ($(sk_calc "$mc / $fe" %.1f)x fork+exec), with --init --seccomp $mcs ms. The runtime stamps its own phases: the slowest is $top ($top_us us, median of 5 starts); see phases-summary.tsv. Each time includes tearing everything down again (namespaces, mounts).
EOF
}

sk_run_experiments
sk_run_finish
