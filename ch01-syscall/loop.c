/*
 * loop - burn CPU in user mode only: the CPU it runs on shows ~100 %user.
 *
 * The loop never enters the kernel: it checks the time through the vDSO
 * (a user-mode read) every few million iterations to honour -d.
 *
 * Usage: loop [-d DURATION_MS]     (without -d: until killed)
 * Try:   taskset -c 1 ./loop -d 3000 & sar -P 1 1 3
 */
#include "shikumi.h"

static const struct sk_opt opts[] = {
	{'d', "duration", "MS", "stop after this many ms, 1..86400000 (default: until killed)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[-d DURATION_MS]", opts, 0,
		      "Spin in user mode (no system calls) until killed or for DURATION_MS.");
	printf("\nPrints iterations per second to stderr at the end.\n"
	       "Example: taskset -c 1 %s -d 3000\n", sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	long long duration_ms = 0;
	int c;
	while ((c = sk_getopt(argc, argv, opts, 0, NULL, usage)) != -1)
		if (c == 'd')
			duration_ms = sk_parse_ll(optarg, "--duration", 1, 86400000);
	sk_no_operands(argc, argv);

	uint64_t start = sk_now_ns(), end = start + (uint64_t)duration_ms * 1000000u, iters = 0;
	for (;;) {
		sk_busy(1000);   /* register-only work: no memory traffic, no kernel entry */
		iters++;
		if (duration_ms && sk_now_ns() >= end)
			break;
	}
	double s = (double)(sk_now_ns() - start) / 1e9;
	char used[64];
	sk_cpu_note();
	sk_note("%.0f busy units per second over %.2f s on CPU %s", (double)iters * 1000 / s, s,
		sk_cpus_used(used, sizeof(used)));
	return 0;
}
