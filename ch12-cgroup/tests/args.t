#!/usr/bin/env bash
# args.t - every ch12 program: --help, malformed and unsafe arguments exit 2
# with a one-line message (quota <= 0 or above the CPUs, memory limit below
# 16 MiB or above half of MemAvailable, unknown controller or mode).
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"
cl=$(bin ch12-cgroup/cpu-limit)
cw=$(bin ch12-cgroup/cpu-weight)
ml=$(bin ch12-cgroup/mem-limit)
pl=$(bin ch12-cgroup/pids-limit)
cr=$(bin ch12-cgroup/cg-run)
[[ -x $cl && -x $cw && -x $ml && -x $pl && -x $cr ]] || plan_skip_all "programs not built (make${SHIKUMI_VARIANT:+ asan})"
ncpu=$(nproc)
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)

for p in "$cl" "$cw" "$ml" "$pl" "$cr"; do help_ok "$p"; done
bad_args "$cl" --quota 0
bad_args "$cl" --quota -10
bad_args "$cl" --quota abc
bad_args "$cl" --quota 10,x
bad_args "$cl" --quota "$((ncpu * 100 + 1))"
bad_args "$cl" --quota ""
bad_args "$cl" --period 999
bad_args "$cl" --period 1000001
bad_args "$cl" -d 0
bad_args "$cl" -d 9x
bad_args "$cl" stray
bad_args "$cl" --bogus
bad_args "$cw" --weights 0:100
bad_args "$cw" --weights 100:10001
bad_args "$cw" --weights 100
bad_args "$cw" --weights a:b
bad_args "$cw" -c 99999
bad_args "$cw" -d -1
bad_args "$ml" -m nosuch
bad_args "$ml" --limit 8M
bad_args "$ml" --limit 0
bad_args "$ml" --limit "${avail_kib}K"   # all of MemAvailable: well above half, however it moves
bad_args "$ml" --limit 1.5G
bad_args "$ml" -s 0
bad_args "$ml" --limit 16M -s 1G
bad_args "$ml" -m charge -s "$((avail_kib))K"
bad_args "$pl" -n 1
bad_args "$pl" -n 1025
bad_args "$pl" -n x
bad_args "$cr" --cpu-max 0 -- true
bad_args "$cr" --cpu-max "$((ncpu * 100 + 1))" -- true
bad_args "$cr" --memory-max 1M -- true
bad_args "$cr" --pids-max 0 -- true
bad_args "$cr" --io-max "7:0 foo=1" -- true
bad_args "$cr" --io-max "7:0 rbps=0" -- true
bad_args "$cr" --io-max "junk" -- true
bad_args "$cr" --cpu-max 10
done_testing
