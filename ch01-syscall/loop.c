/*
 * loop - burn CPU in user mode only: the CPU it runs on shows ~100 %user.
 *
 * The loop never enters the kernel: it checks the time through the vDSO
 * (a user-mode read) every few million iterations to honour -d.
 *
 * Usage: loop [-d DURATION_MS]     (without -d: until killed)
 * Try:   taskset -c 1 ./loop -d 3000 & sar -P 1 1 3
 */
#include "ch01.h"

#define UNITS_PER_BATCH 1000   /* busy units between two clock reads */

static void usage(void)
{
	sk_usage_head("[-d DURATION_MS]", ch01_spin_opts, 0,
		      "Spin in user mode (no system calls) until killed or for DURATION_MS.");
	printf("\nPrints iterations per second to stderr at the end.\n"
	       "Example: taskset -c 1 %s -d 3000\n", sk_prog);
}

/* register-only work: no memory traffic, no kernel entry */
static void busy_batch(void)
{
	sk_busy(UNITS_PER_BATCH);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	return ch01_spin(argc, argv, usage, busy_batch, UNITS_PER_BATCH, "busy units");
}
