# shellcheck shell=bash
# scripts/cgroup.sh - the shell side of the cgroup helper (lib/cgroup.c does
# the work; C programs create, limit and remove groups themselves).
#
#   source "$SK_TOP/scripts/cgroup.sh"
#   sk_cg_mode                 -> v1 | v2 | hybrid | none  (cgroup-info's detection)
#   sk_cg_leftovers [TAG]      -> every group named TAG-* (default $SHIKUMI_CG_TAG or
#                                 shikumi) still under any hierarchy; empty = clean
#   sk_cg_own                  -> export SHIKUMI_CG_OWNER=$$: this script and its
#                                 descendants are "the suite's own" processes (the only
#                                 ones the helper may move on cgroup v2)
#
# SHIKUMI_CGROUP_ROOT (default /sys/fs/cgroup) is honoured, as in the C helper.

sk_cg_root() { printf '%s\n' "${SHIKUMI_CGROUP_ROOT:-/sys/fs/cgroup}"; }

sk_cg_mode() {
	local info
	info="$(dirname "${BASH_SOURCE[0]}")/../ch12-cgroup/cgroup-info"
	if [[ -x $info ]]; then
		"$info" 2>/dev/null | awk -F': ' '$1 == "# cgroup_mode" { print $2; found = 1 } END { if (!found) print "none" }'
	else
		echo none
	fi
}

sk_cg_leftovers() {
	local tag=${1:-${SHIKUMI_CG_TAG:-shikumi}} root
	root=$(sk_cg_root)
	[[ -d $root ]] || return 0
	# Groups are directories; -xdev is wrong here (each hierarchy is its own mount).
	find "$root" -mindepth 1 -maxdepth 8 -type d -name "$tag-*" 2>/dev/null | sort
}

sk_cg_own() { export SHIKUMI_CG_OWNER=$$; }
