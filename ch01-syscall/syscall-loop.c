/*
 * syscall-loop - call getppid() in a tight loop: the CPU it runs on shows a
 * large %system share, because each call enters and leaves the kernel.
 *
 * Usage: syscall-loop [-d DURATION_MS]     (without -d: until killed)
 * Try:   taskset -c 1 ./syscall-loop -d 3000 & sar -P 1 1 3
 */
#include "shikumi.h"

#define CHECK_EVERY 4096   /* calls between clock reads: the vDSO read is ~1/5 of a call */

static const struct sk_opt opts[] = {
	{'d', "duration", "MS", "stop after this many ms, 1..86400000 (default: until killed)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[-d DURATION_MS]", opts, 0,
		      "Call getppid() in a loop until killed or for DURATION_MS.");
	printf("\nPrints calls per second to stderr at the end.\n"
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

	uint64_t start = sk_now_ns(), end = start + (uint64_t)duration_ms * 1000000u, calls = 0;
	for (;;) {
		for (int i = 0; i < CHECK_EVERY; i++)
			SK_KEEP(getppid());
		calls += CHECK_EVERY;
		if (duration_ms && sk_now_ns() >= end)
			break;
	}
	double s = (double)(sk_now_ns() - start) / 1e9;
	char used[64];
	sk_cpu_note();
	sk_note("%.0f getppid calls per second over %.2f s on CPU %s", (double)calls / s, s,
		sk_cpus_used(used, sizeof(used)));
	return 0;
}
