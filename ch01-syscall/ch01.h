/*
 * ch01.h - what loop and syscall-loop share (static, header only): the -d
 * option, and spinning on a batch of work until the duration is over (or
 * until killed), then saying how fast it went.
 */
#ifndef CH01_H
#define CH01_H

#include "shikumi.h"

#define CH01_MAX_DURATION_MS 86400000   /* a day */

static const struct sk_opt ch01_spin_opts[] = {
	{'d', "duration", "MS", "stop after this many ms, 1..86400000 (default: until killed)"},
	{0}};

/* Options (-d only, no operands), then batch() again and again until -d MS
 * is over (without -d: until killed); each call does `per_batch` of WHAT.
 * The clock is read between batches only, through the vDSO: no kernel entry.
 * At the end, on stderr: "N WHAT per second over S s on CPU L". */
static inline int ch01_spin(int argc, char **argv, void (*usage)(void), void (*batch)(void),
			    uint64_t per_batch, const char *what)
{
	long long duration_ms = 0;
	int c;
	while ((c = sk_getopt(argc, argv, ch01_spin_opts, 0, NULL, usage)) != -1)
		if (c == 'd')
			duration_ms = sk_parse_ll(optarg, "--duration", 1, CH01_MAX_DURATION_MS);
	sk_no_operands(argc, argv);

	uint64_t start = sk_now_ns(), end = start + (uint64_t)duration_ms * 1000000u, done = 0;
	for (;;) {
		batch();
		done += per_batch;
		if (duration_ms && sk_now_ns() >= end)
			break;
	}
	double s = (double)(sk_now_ns() - start) / 1e9;
	char used[64];
	sk_cpu_note();
	sk_note("%.0f %s per second over %.2f s on CPU %s", (double)done / s, what, s,
		sk_cpus_used(used, sizeof(used)));
	return 0;
}

#endif /* CH01_H */
