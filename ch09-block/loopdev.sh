# shellcheck shell=bash
# ch09-block/loopdev.sh - a loop device over the suite's own scratch file, for
# experiments that change block-device settings (scheduler, read_ahead_kb,
# io.max): they change the loop device's, never the system disk's.
#
#   source "$SK_TOP/scripts/lib.sh"; source "$SK_TOP/ch09-block/loopdev.sh"
#   why=$(ch09_loop_unavailable 256) && sk_skip_exp "$why"   # prints a reason if not possible
#   ch09_loop_create 256 >/dev/null     # NOT in $( ): it registers its cleanup in this shell
#   dev=$CH09_LOOP_DEV                  # /dev/loopN, 256 MiB, direct I/O on, filled
#   ch09_loop_set "$dev" scheduler mq-deadline   # restored on every exit path
#   ch09_loop_detach "$dev"             # early detach (also done at exit)
#
# The backing file is written in full through the device (io, 1 MiB direct
# writes of a non-zero pattern): unwritten extents would read back as zeros
# without any device I/O, and zeros might be deduplicated by a virtual disk.
# `losetup --direct-io=on`: without it the backing file's page cache sits
# under the loop device and the experiments measure the filesystem.
# Requirements: root, losetup (util-linux), free space for SIZE_MIB + 64 MiB.

CH09_LOOP_DEV=""
# shellcheck disable=SC2034 # for the callers: the backing file of CH09_LOOP_DEV
CH09_LOOP_FILE=""
CH09_LOOP_RESERVE_MIB=64   # left free beside the backing file

# ch09_loop_dir: where the backing file goes ($TMPDIR, else /var/tmp).
ch09_loop_dir() { echo "${TMPDIR:-/var/tmp}"; }

# ch09_loop_unavailable SIZE_MIB: prints why a loop device cannot be made here
# (and returns 0), or prints nothing and returns 1.
ch09_loop_unavailable() {
	local size_mib=$1 dir avail_mib
	dir=$(ch09_loop_dir)
	if [[ $(id -u) != 0 ]]; then echo "needs root (losetup, sysfs queue settings)"; return 0; fi
	if ! command -v losetup >/dev/null; then echo "losetup not found (util-linux)"; return 0; fi
	if [[ ! -e /dev/loop-control ]]; then echo "no /dev/loop-control (loop module not loaded)"; return 0; fi
	if [[ ! -x $SK_TOP/ch09-block/io ]]; then echo "ch09-block/io is not built (make)"; return 0; fi
	avail_mib=$(df -Pk "$dir" 2>/dev/null | awk 'NR == 2 { printf "%d", $4 / 1024 }')
	if [[ -z $avail_mib ]]; then echo "cannot read the free space of $dir"; return 0; fi
	if ((avail_mib < size_mib + CH09_LOOP_RESERVE_MIB)); then
		echo "a ${size_mib} MiB loop device needs $((size_mib + CH09_LOOP_RESERVE_MIB)) MiB free in $dir; only ${avail_mib} MiB is"
		return 0
	fi
	return 1
}

# ch09_loop_detach_file FILE: detach every loop device backed by FILE (the
# cleanup registered before losetup runs, so that no window leaks a device).
ch09_loop_detach_file() {
	local f=$1 d
	[[ -n $f ]] || return 0
	for d in $(losetup -j "$f" 2>/dev/null | cut -d: -f1); do ch09_loop_detach "$d"; done
	return 0
}

# ch09_loop_detach DEV: detach, retrying while something still holds it.
ch09_loop_detach() {
	local dev=$1 i
	[[ -n $dev ]] || return 0
	for ((i = 0; i < 25; i++)); do
		losetup "$dev" >/dev/null 2>&1 || break   # already gone
		losetup -d "$dev" 2>/dev/null && break
		sleep 0.2
	done
	if losetup "$dev" >/dev/null 2>&1 && [[ -n $(losetup -n -O BACK-FILE "$dev" 2>/dev/null) ]]; then
		sk_warn "could not detach $dev (still in use?)"
		return 1
	fi
	[[ $dev == "$CH09_LOOP_DEV" ]] && CH09_LOOP_DEV=""
	return 0
}

# ch09_loop_create SIZE_MIB: make the device, fill it, register its removal.
# Sets CH09_LOOP_DEV and prints it. Dies (exit 1) on failure; check
# ch09_loop_unavailable first for the SKIP cases.
ch09_loop_create() {
	local size_mib=$1 dir file dev name
	[[ $BASHPID == "$$" ]] ||
		sk_die "internal: call ch09_loop_create directly, not in \$( ): its cleanup must register in the driver's shell"
	[[ $size_mib =~ ^[0-9]+$ ]] && ((size_mib >= 16)) || sk_die "internal: ch09_loop_create: bad size '$size_mib'"
	dir=$(ch09_loop_dir)
	file=$(mktemp "$dir/shikumi-loop.XXXXXX") || sk_die "cannot create a file in $dir"
	# Cleanups run in reverse order: detach first, then remove the file.
	sk_cleanup_push "rm -f '$file'"
	sk_cleanup_push "ch09_loop_detach_file '$file'"
	# shellcheck disable=SC2034 # read by the callers
	CH09_LOOP_FILE=$file
	fallocate -l "${size_mib}M" "$file" 2>/dev/null || truncate -s "${size_mib}M" "$file" ||
		sk_die "cannot size $file to $size_mib MiB"
	dev=$(losetup --find --show --direct-io=on "$file") || sk_die "losetup --direct-io=on $file failed"
	name=${dev#/dev/}
	CH09_LOOP_DEV=$dev
	if [[ $(cat "/sys/block/$name/loop/dio" 2>/dev/null) != 1 ]]; then
		sk_warn "$dev: direct I/O did not turn on (filesystem of $dir?): the host page cache sits below it"
	fi
	"$SK_TOP/ch09-block/io" --filename "$dev" --rw write -b 1M --direct --io-size "${size_mib}M" \
		--i-understand-this-destroys-data >/dev/null 2>&1 || sk_die "cannot fill $dev"
	sk_note "loop device $dev over $file: $size_mib MiB used in $dir (direct I/O $(cat "/sys/block/$name/loop/dio" 2>/dev/null || echo '?'))"
	echo "$dev"
}

# ch09_loop_set DEV ATTR VALUE: set /sys/block/loopN/queue/ATTR on a loop device
# (only there: the system disk is never changed); the old value comes back on
# every exit path. Returns 1 if the kernel refuses the value.
ch09_loop_set() {
	local dev=$1 attr=$2 value=$3 name knob old
	name=${dev#/dev/}
	[[ $name == loop[0-9]* ]] || sk_die "internal: ch09_loop_set only changes loop devices, not $dev"
	knob=/sys/block/$name/queue/$attr
	old=$(cat "$knob") || return 1
	[[ $attr == scheduler ]] && old=$(sed -n 's/.*\[\(.*\)\].*/\1/p' <<<"$old")
	if [[ -z ${CH09_SAVED[$knob]+x} ]]; then
		CH09_SAVED[$knob]=$old
		sk_cleanup_push "ch09_restore '$knob'"
	fi
	echo "$value" >"$knob" 2>/dev/null
}

declare -gA CH09_SAVED=()
# ch09_restore KNOB: write back the value saved by ch09_loop_set.
ch09_restore() {
	local knob=$1
	[[ -n ${CH09_SAVED[$knob]+x} && -e $knob ]] || return 0
	echo "${CH09_SAVED[$knob]}" >"$knob" 2>/dev/null || sk_warn "could not restore $knob to ${CH09_SAVED[$knob]}"
}
