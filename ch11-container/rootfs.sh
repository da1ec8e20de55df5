# shellcheck shell=bash
# ch11-container/rootfs.sh - a container root filesystem from Debian's
# busybox-static, in a directory the caller owns (the driver's scratch dir).
#
#   source "$HERE/rootfs.sh"
#   ch11_busybox                      # path of a static busybox, or return 1
#   ch11_rootfs DIR [PROGRAM...]      # DIR/{bin,sbin,proc,dev,sys,tmp,etc}: busybox
#                                     # and its applets, plus each PROGRAM in /bin
#                                     # with the shared libraries it needs
# Nothing outside DIR is written.

# A static busybox: Debian's busybox-static installs /bin/busybox (the dynamic
# `busybox` package installs the same path, which is useless in a rootfs).
ch11_busybox() {
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		[[ -x $b ]] || continue
		if LC_ALL=C file -L "$b" 2>/dev/null | grep -q 'statically linked' ||
			! ldd "$b" >/dev/null 2>&1; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

# ch11_copy_with_libs FILE DIR: FILE to DIR/bin, and every library ldd lists
# to the same path under DIR (the dynamic loader included).
ch11_copy_with_libs() {
	local f=$1 dir=$2 lib
	cp "$f" "$dir/bin/" || return 1
	while read -r lib; do
		[[ -n $lib && -e $lib ]] || continue
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib" || return 1
	done < <(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
}

ch11_rootfs() {
	local dir=$1 bb app p
	shift
	bb=$(ch11_busybox) || return 1
	mkdir -p "$dir"/{bin,sbin,proc,dev,sys,tmp,etc,root} || return 1
	chmod 1777 "$dir/tmp"
	cp "$bb" "$dir/bin/busybox" || return 1
	for app in $("$bb" --list); do
		[[ $app == busybox || -e $dir/bin/$app ]] || ln -s busybox "$dir/bin/$app"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	for p in "$@"; do ch11_copy_with_libs "$p" "$dir" || return 1; done
}
