# shellcheck shell=bash
# scripts/fidelity.sh - rows for the one fidelity table `make bench` ends with
# (scripts/bench prints it). A chapter's bench.sh sources this file and, for
# every figure that has a peer on this machine, calls
#     sk_fidelity "what is measured [unit]" OURS "peer tool and options" PEER
# Without SHIKUMI_FIDELITY (a bench.sh run on its own) it does nothing.
sk_fidelity() {
	[[ -n ${SHIKUMI_FIDELITY:-} ]] || return 0
	(($# == 4)) || { echo "sk_fidelity: 4 arguments expected, got $#" >&2; return 1; }
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$SHIKUMI_FIDELITY"
}
