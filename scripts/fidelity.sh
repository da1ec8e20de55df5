# shellcheck shell=bash
# scripts/fidelity.sh - rows for the one fidelity table `make bench` ends with
# (scripts/bench prints it). A chapter's bench.sh sources this file and, for
# every figure that has a peer on this machine, calls
#     sk_fidelity "what is measured [unit]" OURS "peer tool and options" PEER [RATIOS]
# RATIOS, where the bench alternates the two tools round by round, is the
# ratio ours/peer within each round ("1.02 0.98 ..."; sk_round_ratios makes
# it): the table then judges the median of those ratios, not the ratio of
# the two medians, since the two runs of a round are seconds apart and a
# slow spell of a shared host slows both.
# Without SHIKUMI_FIDELITY (a bench.sh run on its own) it does nothing.
sk_fidelity() {
	[[ -n ${SHIKUMI_FIDELITY:-} ]] || return 0
	(($# == 4 || $# == 5)) || { echo "sk_fidelity: 4 or 5 arguments expected, got $#" >&2; return 1; }
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >>"$SHIKUMI_FIDELITY"
}

# sk_round_ratios "OURS..." "PEER...": the ratios ours/peer of the rounds,
# pair by pair, on one line; a round with a missing, non-numeric or zero
# figure on either side gives none.
sk_round_ratios() {
	paste -d' ' <(tr -s ' ' '\n' <<<"$1") <(tr -s ' ' '\n' <<<"$2") |
		sk_awk 'is_num($1) && is_num($2) && $2 > 0 { printf "%s%.4f", sep, $1 / $2; sep = " " } END { print "" }'
}

# sk_fidelity_table FILE MACHINE: the table scripts/bench ends with, from the
# rows sk_fidelity appended to FILE. ratio is the median of the round-by-round
# ratios where a row has them ("rounds" gives how many and their range), else
# ours / peer; a row with no number on either side is n/a and never "yes".
sk_fidelity_table() {
	if [[ ! -s $1 ]]; then
		echo "no figure with a peer (peers missing? scripts/install-deps)"
		return 0
	fi
	{
		printf 'figure\tours\tpeer\tpeer_value\tratio\trounds\tin 0.9-1.1\n'
		sk_awk '{
			n = split($5, a, " "); k = 0
			for (i = 1; i <= n; i++) if (is_num(a[i])) b[++k] = a[i]
			if (k) { r = median(b, k); isort(b, k); span = sprintf("%d: %.2f-%.2f", k, b[1], b[k]) }
			else { r = (is_num($2) && is_num($4) && $4 > 0) ? $2 / $4 : 0; span = "-" }
			print $1, $2, $3, $4, (r > 0 ? sprintf("%.2f", r) : "n/a"), span, (r >= 0.9 && r <= 1.1 ? "yes" : "NO")
			delete b
		}' -F'\t' -v OFS='\t' "$1"
	} | column -t -s $'\t'
	echo "machine: $2"
	echo "(ratio: the median of the ratios within each round where a bench alternates the two tools; rounds: how many, and their range)"
}
