#!/usr/bin/env bash
# args.t - every ch11 program: --help, malformed arguments exit 2 with a
# one-line message, quick runs produce well-formed TSV (or SKIP exit 4).
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

ns_kinds=(ns-pid ns-uts ns-mnt ns-ipc ns-net ns-user ns-cgroup ns-time)
others=(ns-show mini-container container-check chroot-lab mount-lab ns-cost)
progs ch11-container "${ns_kinds[@]}" "${others[@]}"
common_args_ok "${ns_kinds[@]}"
for p in "${others[@]}"; do help_ok "${P[$p]}"; done

show=${P[ns-show]} mc=${P[mini-container]} cc=${P[container-check]}
cost=${P[ns-cost]} clab=${P[chroot-lab]} mlab=${P[mount-lab]}
# malformed arguments
bad_args "$show" -p abc
bad_args "$show" -p 0
bad_args "$show" -p 99999999999
bad_args "$show" -p 4194304   # no such process (pid_max is lower here)
bad_args "$show" -p
bad_args "$show" stray
bad_args "$(bin ch11-container/ns-uts)" -n ''
bad_args "$(bin ch11-container/ns-uts)" -n 'a b'
bad_args "$(bin ch11-container/ns-uts)" -n "$(printf 'x%.0s' {1..70})"
bad_args "$(bin ch11-container/ns-user)" -u -1
bad_args "$(bin ch11-container/ns-user)" -u abc
bad_args "$(bin ch11-container/ns-user)" -u 4294967295
bad_args "$mc" -- true                       # no rootfs
bad_args "$mc" -r /nonexistent -- true
bad_args "$mc" -r / -- true
bad_args "$mc" -r "$TAP_TMP"                 # no command
bad_args "$mc" -r "$TAP_TMP" --cpu 0 -- true
bad_args "$mc" -r "$TAP_TMP" --cpu 99999 -- true
bad_args "$mc" -r "$TAP_TMP" --cpu x -- true
bad_args "$mc" -r "$TAP_TMP" --memory 1M -- true
bad_args "$mc" -r "$TAP_TMP" --memory 1000T -- true
bad_args "$mc" -r "$TAP_TMP" --memory 64Q -- true
bad_args "$mc" -r "$TAP_TMP" --pids 0 -- true
bad_args "$mc" -r "$TAP_TMP" --pids -5 -- true
bad_args "$mc" -r "$TAP_TMP" --hostname 'a/b' -- true
bad_args "$mc" -r "$TAP_TMP" --bogus -- true
bad_args "$cc" --host-ns nosuchkind:5
bad_args "$cc" --host-ns pid:abc
bad_args "$cc" --host-ns pid
bad_args "$cc" --pids 0
bad_args "$cc" --memory 12X
bad_args "$cc" stray
bad_args "$clab"
bad_args "$clab" -D /nonexistent -r rootfs
bad_args "$clab" -D / -r rootfs
bad_args "$clab" -D "$TAP_TMP" -r ../x
bad_args "$clab" -D "$TAP_TMP" -r rootfs   # no marker
bad_args "$mlab"
bad_args "$mlab" -D /
bad_args "$mlab" -D /nonexistent
bad_args "$cost" -m nosuchkind
bad_args "$cost" -n 0
bad_args "$cost" -n x
bad_args "$cost" -r 2
bad_args "$cost" stray

# quick runs: well-formed TSV, or SKIP (exit 4 with the reason) without privilege
run_exit 0 "ns-show runs" "$show" -p $$
printf '%s\n' "$OUT" >"$TAP_TMP/show.tsv"
tsv_ok "$TAP_TMP/show.tsv" "pid comm ns inode link" "ns-show TSV is well-formed"
is "$(grep -c $'\t'"pid"$'\t' "$TAP_TMP/show.tsv")" 1 "one pid row per kind"
# quick_tsv NAME "COLUMNS" CMD...: CMD exits 0 with a well-formed TSV (saved as
# NAME.tsv), or SKIPs (exit 4) with its reason.
quick_tsv() {
	local name=$1 cols=$2
	shift 2
	run "$@"
	if [[ $RC == 4 ]]; then
		skip "$name: ${ERR##*SKIP: }"
		return 0
	fi
	is "$RC" 0 "$name -q exits 0"
	printf '%s\n' "$OUT" >"$TAP_TMP/$name.tsv"
	tsv_ok "$TAP_TMP/$name.tsv" "$cols" "$name TSV is well-formed"
}
for p in ns-pid ns-uts ns-mnt ns-ipc ns-net ns-user ns-cgroup ns-time; do
	quick_tsv "$p" "view item value" timeout 20 "$(bin "ch11-container/$p")" -q
	[[ $RC == 4 ]] || no_sanitizer_report "$p"
done
quick_tsv ns-cost "kind rep create_us create_min_us cycle_us" timeout 60 "$cost" -q -n 2 -r 5 -m uts -m pid
ok "no scratch directory left by the demos" test -z "$(find "${TMPDIR:-/var/tmp}" -maxdepth 1 -name "shikumi-ns-*.$$*" 2>/dev/null)"
done_testing
