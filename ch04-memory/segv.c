/*
 * segv - what the kernel tells a process about an invalid memory access.
 *
 * Each case runs in a child process that installs a SIGSEGV handler with
 * SA_SIGINFO, then makes one bad access. The handler writes the faulting
 * address (si_addr) and the reason (si_code) into memory shared with the
 * parent and leaves with _exit, so the parent survives and reports:
 *   null_read      read through a NULL pointer         -> SEGV_MAPERR (no mapping), addr 0
 *   unmapped_write write to a page that was munmap()ed -> SEGV_MAPERR
 *   readonly_write write to a PROT_READ page           -> SEGV_ACCERR (mapped, not allowed)
 *   exec_noexec    jump into a PROT_READ|WRITE page    -> SEGV_ACCERR at the jump target
 *   no_handler     NULL write without a handler: the book's case, the child is killed
 *                  by SIGSEGV (the parent sees WTERMSIG)
 * Under AddressSanitizer the children replace ASan's SIGSEGV handler with
 * theirs (ASan allows it by default), and the accesses are exempt from UBSan.
 *
 * Usage: segv [--case NAME]... [-o FILE]
 * Try:   ./segv | column -t
 */
#include "ch04.h"

#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>

enum { NULL_READ, UNMAPPED_WRITE, READONLY_WRITE, EXEC_NOEXEC, NO_HANDLER, NCASES };
static const char *const case_names[] = {"null_read", "unmapped_write", "readonly_write",
					 "exec_noexec", "no_handler", NULL};
static const int case_expect[] = {SEGV_MAPERR, SEGV_MAPERR, SEGV_ACCERR, SEGV_ACCERR, 0};


static const char *code_name(int code)
{
	switch (code) {
	case SEGV_MAPERR: return "SEGV_MAPERR";
	case SEGV_ACCERR: return "SEGV_ACCERR";
#ifdef SEGV_PKUERR
	case SEGV_PKUERR: return "SEGV_PKUERR";
#endif
	case SI_KERNEL: return "SI_KERNEL";
	case 0: return "-";
	default: return "other";
	}
}

/* The bad accesses. noinline + volatile: the compiler must emit them as is.
 * no_sanitize: UBSan would report the NULL access itself and exit before the
 * kernel gets to say anything. */
#if defined(__clang__) || __GNUC__ >= 8
#define CH04_NO_UBSAN __attribute__((no_sanitize("undefined")))
#else
#define CH04_NO_UBSAN
#endif
__attribute__((noinline)) CH04_NO_UBSAN static void do_null_read(void)
{
	volatile int *volatile np = NULL;
	SK_KEEP(*np);
}

__attribute__((noinline)) CH04_NO_UBSAN static void do_write(volatile char *p)
{
	*p = 1;
}

static void run_case(int c, uintptr_t target)
{
	if (c != NO_HANDLER) {
		if (ch04_fault_catch(SIGSEGV))
			_exit(3);
	} else {
		signal(SIGSEGV, SIG_DFL);
	}
	/* No core file for the intended crash. */
	struct rlimit rl = {0, 0};
	setrlimit(RLIMIT_CORE, &rl);
	switch (c) {
	case NULL_READ: do_null_read(); break;
	case NO_HANDLER: do_write((volatile char *)(uintptr_t)target); break;
	case UNMAPPED_WRITE:
	case READONLY_WRITE: do_write((volatile char *)target); break;
	case EXEC_NOEXEC: {
		void (*fn)(void);
		memcpy(&fn, &target, sizeof(fn));
		fn();
		break;
	}
	}
	_exit(2);   /* the access did not fault */
}

/* Prepare the target of a case in the parent, so it can check si_addr. */
static uintptr_t prepare(int c)
{
	size_t ps = (size_t)sk_page_size();
	switch (c) {
	case UNMAPPED_WRITE: {
		char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			sk_die_errno("mmap");
		if (munmap(p, ps))
			sk_die_errno("munmap");
		return (uintptr_t)p + 16;
	}
	case READONLY_WRITE: {
		char *p = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			sk_die_errno("mmap");
		return (uintptr_t)p + 16;
	}
	case EXEC_NOEXEC: {
		unsigned char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			sk_die_errno("mmap");
		/* A return instruction, in case the page turns out executable
		 * (READ_IMPLIES_EXEC personality): then the call just returns. */
#if defined(__x86_64__) || defined(__i386__)
		p[0] = 0xc3;
#elif defined(__aarch64__)
		uint32_t ret = 0xd65f03c0;
		memcpy(p, &ret, sizeof(ret));
#endif
		return (uintptr_t)p;
	}
	default: return 0;
	}
}

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{SK_LONG(1), "case", "NAME", "only this case (repeatable); one of:"
	 SK_USAGE_MORE "null_read unmapped_write readonly_write exec_noexec no_handler"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Invalid accesses caught with SA_SIGINFO in child processes: si_addr and si_code.");
	printf("\n-q is the same as the default (every case takes microseconds).\n"
	       "Output columns: case expected_code si_code target_addr si_addr addr_match exit\n"
	       "  (exit: how the child ended: handled, SIGSEGV, no_fault, ...)\n"
	       "Examples:\n"
	       "  %s | column -t\n"
	       "  %s --case exec_noexec --case readonly_write\n",
	       sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	bool selected[NCASES] = {false};
	int nselected = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): sk_parse_pick(optarg, "--case", case_names, selected, &nselected); break;
		}
	}
	sk_no_operands(argc, argv);
	if (CH04_ASAN)
		sk_note("built with AddressSanitizer: each child replaces ASan's SIGSEGV handler with its own "
			"(allowed by default; ASAN_OPTIONS=allow_user_segv_handler=0 would forbid it)");
	struct ch04_fault *rep = ch04_fault_shared();
	sk_children_guard();
	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "asan_build", "%d", CH04_ASAN);
	sk_tsv_header(&tsv, "case\texpected_code\tsi_code\ttarget_addr\tsi_addr\taddr_match\texit");
	for (int k = 0; k < NCASES; k++) {
		if (nselected && !selected[k])
			continue;
		uintptr_t target = prepare(k);
		memset((void *)rep, 0, sizeof(*rep));
		pid_t pid = sk_fork();
		if (pid < 0)
			sk_die_errno("fork");
		if (pid == 0)
			run_case(k, target);
		int st = sk_wait(pid, NULL);
		char how[32];
		if (WIFSIGNALED(st))
			snprintf(how, sizeof(how), "%s", WTERMSIG(st) == SIGSEGV ? "SIGSEGV" : "signal");
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && rep->got)
			snprintf(how, sizeof(how), "handled");
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
			snprintf(how, sizeof(how), "no_fault");
		else
			snprintf(how, sizeof(how), "exit_%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		bool match = rep->got && rep->addr == target;
		sk_tsv_row(&tsv, "%s\t%s\t%s\t0x%" PRIxPTR "\t0x%" PRIxPTR "\t%d\t%s", case_names[k],
			   code_name(case_expect[k]), rep->got ? code_name(rep->code) : "-", target,
			   (uintptr_t)rep->addr, match, how);
		if (rep->got)
			sk_note("%-15s si_code %-12s si_addr 0x%" PRIxPTR " (target 0x%" PRIxPTR ")%s",
				case_names[k], code_name(rep->code), (uintptr_t)rep->addr, target,
				rep->code == case_expect[k] ? "" : "  (unexpected code)");
		else
			sk_note("%-15s child ended: %s", case_names[k], how);
	}
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
