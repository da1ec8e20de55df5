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

#include <getopt.h>

static void usage(void)
{
	printf("Usage: %s [-d DURATION_MS]\n"
	       "Spin in user mode (no system calls) until killed or for DURATION_MS.\n\n"
	       "  -d, --duration DURATION_MS  stop after this many ms, 1..86400000\n"
	       "  -h, --help                  this help\n\n"
	       "Prints iterations per second to stderr at the end.\n"
	       "Example: taskset -c 1 %s -d 3000\n", sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	long long duration_ms = 0;
	static const struct option longopts[] = {{"duration", required_argument, NULL, 'd'},
						 {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': duration_ms = sk_parse_ll(optarg, "--duration", 1, 86400000); break;
		case 'h': usage(); return 0;
		default: sk_usage_hint();
		}
	}
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
