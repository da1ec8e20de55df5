/*
 * spawn-tiny - the smallest program worth exec'ing: it exits 0 at once.
 *
 * spawn-cost and fork-exec measure what creating a process costs; the program
 * they start must add as little as possible. Two builds of this one file:
 *   spawn-tiny         ordinary dynamic glibc program (ld.so + libc start-up)
 *   spawn-tiny-static  (build.mk, x86_64/aarch64) no libc at all: _start makes
 *                      the exit_group system call, 3 instructions in user mode
 * On a VM glibc's start-up alone costs ~0.5 ms (CPUID traps to the
 * hypervisor), so the static one shows the kernel's share of exec.
 *
 * Usage: spawn-tiny [-h]       (any other argument is rejected, exit 2)
 * Try:   hyperfine -N ./spawn-tiny-static ./spawn-tiny
 */
#ifdef SK_TINY_NOLIBC
/* No C library, no stack set-up: exit_group(0) straight from the entry point. */
#if defined(__x86_64__)
__asm__(".globl _start\n"
	"_start:\n"
	"\tmov $231, %eax\n"   /* __NR_exit_group */
	"\txor %edi, %edi\n"
	"\tsyscall\n"
	"\thlt\n");
#elif defined(__aarch64__)
__asm__(".globl _start\n"
	"_start:\n"
	"\tmov x8, #94\n"      /* __NR_exit_group */
	"\tmov x0, #0\n"
	"\tsvc #0\n");
#else
#error "spawn-tiny-static: only x86_64 and aarch64"
#endif
#else
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	/* No shikumi.h here: the point is to run as little as possible. */
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: spawn-tiny [-h]\n"
		       "Exit 0 at once: the program that spawn-cost and fork-exec start.\n\n"
		       "  -h, --help   this help\n\n"
		       "Example:\n  hyperfine -N ./spawn-tiny-static ./spawn-tiny\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "spawn-tiny: unexpected argument '%s' (try 'spawn-tiny --help')\n", argv[1]);
		return 2;
	}
	return 0;
}
#endif
