/*
 * spawn-tiny - the smallest program worth exec'ing: it exits 0 at once.
 *
 * spawn-cost and fork-exec measure what creating a process costs; the program
 * they start must add as little as possible. Two builds of this one file:
 *   spawn-tiny         ordinary dynamic glibc program (ld.so + libc start-up)
 *   spawn-tiny-static  (build.mk, x86_64/aarch64) no libc at all: without
 *                      arguments _start makes the exit_group system call, 5
 *                      instructions in user mode; -h and junk in a few more
 * On a VM glibc's start-up alone costs ~0.5 ms (CPUID traps to the
 * hypervisor), so the static one shows the kernel's share of exec.
 *
 * Usage: spawn-tiny [-h]       (any other argument is rejected, exit 2)
 * Try:   hyperfine -N ./spawn-tiny-static ./spawn-tiny
 */
#ifdef SK_TINY_NOLIBC
/* No C library, no stack set-up. Without arguments (what spawn-cost runs):
 * argc == 1 -> exit_group(0), two instructions more than nothing. With any:
 * "-h"/"--help" -> usage on stdout, exit 0; anything else -> one line on
 * stderr, exit 2 (the suite's contract, in a few bytes). */
/* The data of both architectures' versions: the words -h and --help, the usage, the complaint. */
#define TINY_STRINGS \
	"tiny_h: .asciz \"-h\"\n" \
	"tiny_help: .asciz \"--help\"\n" \
	"tiny_usage_msg: .ascii \"" "Usage: spawn-tiny-static [-h]\\n" \
	"Exit 0 at once, without any C library: the program spawn-cost starts.\\n" "\"\n" \
	".equ tiny_usage_len, . - tiny_usage_msg\n" \
	"tiny_bad: .ascii \"spawn-tiny-static: takes no arguments (try 'spawn-tiny-static --help')\\n\"\n" \
	".equ tiny_bad_len, . - tiny_bad\n"
#if defined(__x86_64__)
__asm__(".globl _start\n"
	"_start:\n"
	"\tcmpq $1, (%rsp)\n"          /* argc */
	"\tjne 1f\n"
	"\tmov $231, %eax\n"           /* __NR_exit_group */
	"\txor %edi, %edi\n"
	"\tsyscall\n"
	"1:\tmov 16(%rsp), %rsi\n"     /* argv[1] */
	"\tlea tiny_h(%rip), %rdi\n"
	"\tcall tiny_streq\n"
	"\tje tiny_usage\n"
	"\tlea tiny_help(%rip), %rdi\n"
	"\tcall tiny_streq\n"
	"\tje tiny_usage\n"
	"\tmov $2, %edi\n"             /* fd 2, the message, then exit 2 */
	"\tlea tiny_bad(%rip), %rsi\n"
	"\tmov $tiny_bad_len, %edx\n"
	"\tjmp tiny_out\n"
	"tiny_usage:\n"
	"\tmov $1, %edi\n"
	"\tlea tiny_usage_msg(%rip), %rsi\n"
	"\tmov $tiny_usage_len, %edx\n"
	"tiny_out:\n"
	"\tmov $1, %eax\n"             /* __NR_write */
	"\tpush %rdi\n"
	"\tsyscall\n"
	"\tpop %rdi\n"
	"\tdec %edi\n"                 /* exit code: fd 1 -> 0, fd 2 -> ... */
	"\tadd %edi, %edi\n"           /* ... 2 */
	"\tmov $231, %eax\n"
	"\tsyscall\n"
	"tiny_streq:\n"                /* ZF set if the strings at rsi and rdi are equal */
	"\tmov %rsi, %r8\n"
	"2:\tmovb (%r8), %al\n"
	"\tcmpb (%rdi), %al\n"
	"\tjne 3f\n"
	"\tinc %r8\n"
	"\tinc %rdi\n"
	"\ttest %al, %al\n"
	"\tjnz 2b\n"
	"3:\tret\n"
	TINY_STRINGS);
#elif defined(__aarch64__)
__asm__(".globl _start\n"
	"_start:\n"
	"\tldr x0, [sp]\n"             /* argc */
	"\tcmp x0, #1\n"
	"\tb.ne 1f\n"
	"\tmov x8, #94\n"              /* __NR_exit_group */
	"\tmov x0, #0\n"
	"\tsvc #0\n"
	"1:\tldr x1, [sp, #16]\n"      /* argv[1] */
	"\tadr x3, tiny_h\n"
	"\tbl tiny_streq\n"
	"\tb.eq tiny_usage\n"
	"\tadr x3, tiny_help\n"
	"\tbl tiny_streq\n"
	"\tb.eq tiny_usage\n"
	"\tmov x0, #2\n"
	"\tadr x1, tiny_bad\n"
	"\tmov x2, #tiny_bad_len\n"
	"\tmov x8, #64\n"              /* __NR_write */
	"\tsvc #0\n"
	"\tmov x0, #2\n"
	"\tmov x8, #94\n"
	"\tsvc #0\n"
	"tiny_usage:\n"
	"\tmov x0, #1\n"
	"\tadr x1, tiny_usage_msg\n"
	"\tmov x2, #tiny_usage_len\n"
	"\tmov x8, #64\n"
	"\tsvc #0\n"
	"\tmov x0, #0\n"
	"\tmov x8, #94\n"
	"\tsvc #0\n"
	"tiny_streq:\n"                /* flags EQ if the strings at x1 and x3 are equal */
	"\tmov x4, x1\n"
	"2:\tldrb w5, [x4], #1\n"
	"\tldrb w6, [x3], #1\n"
	"\tcmp w5, w6\n"
	"\tb.ne 3f\n"
	"\tcbnz w5, 2b\n"
	"\tcmp w5, w5\n"
	"3:\tret\n"
	TINY_STRINGS
	".balign 4\n");
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
