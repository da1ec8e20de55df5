/*
 * syscall-loop - call getppid() in a tight loop: the CPU it runs on shows a
 * large %system share, because each call enters and leaves the kernel.
 *
 * Usage: syscall-loop [-d DURATION_MS]     (without -d: until killed)
 * Try:   taskset -c 1 ./syscall-loop -d 3000 & sar -P 1 1 3
 */
#include "ch01.h"

#define CHECK_EVERY 4096   /* calls between clock reads: the vDSO read is ~1/5 of a call */

static void usage(void)
{
	sk_usage_head("[-d DURATION_MS]", ch01_spin_opts, 0,
		      "Call getppid() in a loop until killed or for DURATION_MS.");
	printf("\nPrints calls per second to stderr at the end.\n"
	       "Example: taskset -c 1 %s -d 3000\n", sk_prog);
}

static void getppid_batch(void)
{
	for (int i = 0; i < CHECK_EVERY; i++)
		SK_KEEP(getppid());
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	return ch01_spin(argc, argv, usage, getppid_batch, CHECK_EVERY, "getppid calls");
}
