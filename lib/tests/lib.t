#!/usr/bin/env bash
# lib.t - unit tests of lib/ (the C program speaks TAP itself). As root, in a
# private /dev (tests/tap.sh private_dev), so that the cases that write onto a
# device by its /dev name can never reach the machine's.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"
trap - EXIT
rm -rf "$TAP_TMP"
if [[ -z $(private_dev_why) ]]; then
	private_dev "$(bin lib/tests/test-lib)"
	exit
fi
exec "$(bin lib/tests/test-lib)"
