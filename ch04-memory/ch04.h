/*
 * ch04.h - small helpers shared by the ch04-memory programs: a cheap
 * snapshot of this process's memory (VSZ, RSS, page-table size, faults), a
 * size option bounded by MemAvailable and the run's size, a fault caught in
 * a child (siginfo into shared memory), and whether this is an ASan build.
 * (Scratch directories, THP-aligned mappings, the huge-page size and the
 * minor-fault counter come from lib/: sk_scratch_dir, sk_map_anon,
 * sk_hugepage_size, sk_minflt.)
 */
#ifndef CH04_H
#define CH04_H

#include "shikumi.h"

#include <signal.h>
#include <sys/mman.h>      /* every ch04 program maps memory */
#include <sys/resource.h>

/* What `ps -o vsz,rss,min_flt,maj_flt` shows, read from inside. */
struct ch04_self {
	long long vsz_kib, rss_kib, vm_pte_kib;
	long long minflt, majflt;
};

/* /proc/self/status for the sizes, getrusage for the faults: two cheap reads. */
static inline void ch04_self_read(struct ch04_self *s)
{
	struct sk_procstatus st;
	if (sk_read_status(0, &st))
		sk_die_errno("read /proc/self/status");
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		sk_die_errno("getrusage");
	s->vsz_kib = st.vm_size;
	s->rss_kib = st.vm_rss;
	s->vm_pte_kib = st.vm_pte;
	s->minflt = ru.ru_minflt;
	s->majflt = ru.ru_majflt;
}

/* A size option that must be at least one page and at most half of
 * MemAvailable (exit 2 naming the limit otherwise). */
static inline uint64_t ch04_parse_mem_size(const char *s, const char *name)
{
	uint64_t v = sk_parse_size(s, name, (uint64_t)sk_page_size(), UINT64_C(1) << 46);
	sk_check_mem_bound(v, name, s);
	return v;
}

/* A default size (not chosen by the user): shrink it to a quarter of
 * MemAvailable on a small machine, with a note, instead of refusing. */
static inline uint64_t ch04_default_size(uint64_t want)
{
	uint64_t cap = sk_mem_available_bytes() / 4;
	if (want <= cap)
		return want;
	sk_note("default size %llu MiB shrunk to %llu MiB (a quarter of MemAvailable)",
		(unsigned long long)(want >> 20), (unsigned long long)(cap >> 20));
	return cap;
}

/* The size of the run: the one given with --size (not 0), else the quick or
 * normal default, shrunk by ch04_default_size on a small machine. */
static inline uint64_t ch04_run_size(uint64_t given, bool quick, uint64_t normal, uint64_t quick_size)
{
	return given ? given : ch04_default_size(quick ? quick_size : normal);
}

/* The whole option loop of a program whose only own option is -s SIZE,
 * no operands; returns the run's size (ch04_run_size). */
static inline uint64_t ch04_size_options(int argc, char **argv, const struct sk_opt *opts, unsigned flags,
					 struct sk_std *std, void (*usage)(void), uint64_t normal,
					 uint64_t quick_size)
{
	uint64_t size = 0;
	int c;
	while ((c = sk_getopt(argc, argv, opts, flags, std, usage)) != -1)
		if (c == 's')
			size = ch04_parse_mem_size(optarg, "--size");
	sk_no_operands(argc, argv);
	return ch04_run_size(size, std->quick, normal, quick_size);
}

/* A fault caught in a child (filemap, segv): the child's handler records
 * what siginfo said in shared memory and exits 0; the parent reads it after
 * waiting. ch04_fault_shared (before forking) makes the record; the child
 * calls ch04_fault_catch(SIGSEGV) etc. (-1 with errno on failure). */
struct ch04_fault {
	volatile int got, signo, code;
	volatile uintptr_t addr;
};
static struct ch04_fault *ch04_fault_seen;

static inline void ch04_fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	ch04_fault_seen->signo = sig;
	ch04_fault_seen->code = si->si_code;
	ch04_fault_seen->addr = (uintptr_t)si->si_addr;
	ch04_fault_seen->got = 1;
	_exit(0);
}

static inline struct ch04_fault *ch04_fault_shared(void)
{
	return ch04_fault_seen = sk_shared_alloc(sizeof(*ch04_fault_seen));
}

static inline int ch04_fault_catch(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ch04_fault_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* Round up to a multiple of the page size. */
static inline size_t ch04_page_round(uint64_t bytes)
{
	size_t ps = (size_t)sk_page_size();
	return (size_t)((bytes + ps - 1) / ps * ps);
}

/* Was this program built with AddressSanitizer? (It reserves terabytes of
 * shadow memory and owns SIGSEGV, which changes what some programs show.) */
#if defined(__SANITIZE_ADDRESS__)
#define CH04_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CH04_ASAN 1
#endif
#endif
#ifndef CH04_ASAN
#define CH04_ASAN 0
#endif

#endif /* CH04_H */
