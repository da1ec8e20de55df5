#!/usr/bin/env bash
# threads.t - the threads program: --help, malformed arguments exit 2 with a
# one-line message, a quick run gives well-formed TSV with the values the
# phenomena imply, and Ctrl-C while the fork child waits on the mutex leaves
# no process behind.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

thr=$(bin ch05-cow/threads)
[[ -x $thr ]] || plan_skip_all "threads not built (make${SHIKUMI_VARIANT:+ asan})"

help_ok "$thr"
bad_args "$thr" -T 0
bad_args "$thr" -T 65
bad_args "$thr" -T two
bad_args "$thr" -T
bad_args "$thr" --timeout 99
bad_args "$thr" --timeout 10001
bad_args "$thr" --timeout 1s
bad_args "$thr" -s abc
bad_args "$thr" -s -1M
bad_args "$thr" -s "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)K"
bad_args "$thr" -r 4
bad_args "$thr" -t 0
bad_args "$thr" --bogus
bad_args "$thr" stray

run_exit 0 "threads -T 2 --timeout 100 -r 5 -t 5 runs" "$thr" -T 2 --timeout 100 -r 5 -t 5
printf '%s\n' "$OUT" >"$TAP_TMP/thr.tsv"
tsv_ok "$TAP_TMP/thr.tsv" "part subject metric value note" "threads TSV is well-formed"
val() { awk -F'\t' -v p="$1" -v s="$2" -v m="$3" '!/^#/ && $1 == p && $2 == s && $3 == m { print $4; exit }' "$TAP_TMP/thr.tsv"; }
is "$(val tasks process task_entries)" 3 "threads: /proc/self/task has main + 2 entries"
is "$(val fork child task_entries)" 1 "threads: the fork child has one task"
is "$(val memory thread value_seen_by_main)/$(val memory fork_child value_seen_by_parent)" "2/1" \
	"threads: main sees the thread's write, the parent not the child's"
is "$(val mutex no_atfork child_locked)/$(val mutex with_atfork child_locked)" "0/1" \
	"threads: the child times out without pthread_atfork, locks with it"
cmp_ok "$(val cost thread ns_per_create)" ">" 0 "threads: a thread creation cost is measured"

# Ctrl-C while the child waits on the mutex it can never get.
set -m
"$thr" -T 2 --timeout 10000 -r 5 -t 5 >/dev/null 2>&1 &
pid=$!
set +m
for _ in $(seq 50); do [[ -n $(pgrep -P "$pid") ]] && break; sleep 0.1; done
sleep 0.3
child=$(pgrep -P "$pid" | head -n 1)
ok "threads: the child waits on the mutex" test -n "$child"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
cmp_ok "$rc" "!=" 0 "threads: Ctrl-C ends the run with a non-zero status"
sleep 0.2
ok "threads: no child left after Ctrl-C" test -z "$child" -o ! -e "/proc/${child:-0}/status"
done_testing
