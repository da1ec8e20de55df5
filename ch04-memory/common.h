/*
 * common.h - small helpers shared by the ch04-memory programs (candidates for
 * lib/ once another chapter needs them): a cheap snapshot of this process's
 * memory (VSZ, RSS, page-table size, faults), a size option bounded by
 * MemAvailable, a scratch directory that is removed on every exit path, and
 * anonymous mappings aligned for transparent huge pages.
 */
#ifndef CH04_COMMON_H
#define CH04_COMMON_H

#include "shikumi.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* What `ps -o vsz,rss,min_flt,maj_flt` shows, read from inside. */
struct m4_self {
	long long vsz_kib, rss_kib, vm_pte_kib;
	long long minflt, majflt;
};

/* /proc/self/status for the sizes, getrusage for the faults: two cheap reads. */
static inline void m4_self_read(struct m4_self *s)
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

static inline long long m4_minflt(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		sk_die_errno("getrusage");
	return ru.ru_minflt;
}

/* A size option that must be at least one page and at most half of
 * MemAvailable (exit 2 naming the limit otherwise). */
static inline uint64_t m4_parse_mem_size(const char *s, const char *name)
{
	uint64_t v = sk_parse_size(s, name, (uint64_t)sk_page_size(), UINT64_C(1) << 46);
	sk_check_mem_bound(v, name, s);
	return v;
}

/* A default size (not chosen by the user): shrink it to a quarter of
 * MemAvailable on a small machine, with a note, instead of refusing. */
static inline uint64_t m4_default_size(uint64_t want)
{
	uint64_t cap = sk_mem_available_bytes() / 4;
	if (want <= cap)
		return want;
	sk_note("default size %llu MiB shrunk to %llu MiB (a quarter of MemAvailable)",
		(unsigned long long)(want >> 20), (unsigned long long)(cap >> 20));
	return cap;
}

/* Round up to a multiple of the page size. */
static inline size_t m4_page_round(uint64_t bytes)
{
	size_t ps = (size_t)sk_page_size();
	return (size_t)((bytes + ps - 1) / ps * ps);
}

#define M4_HUGE_BYTES (UINT64_C(2) << 20)   /* x86-64 / arm64 (4K) PMD size */

/* An anonymous private mapping whose start is 2 MiB-aligned (so THP can use
 * whole huge pages from the first byte); thp as in sk_map_anon. Returns the
 * aligned start; *cookie and *cookie_len are what to munmap. */
static inline void *m4_map_aligned(size_t len, int thp, void **cookie, size_t *cookie_len)
{
	size_t total = len + M4_HUGE_BYTES;
	char *raw = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		sk_die_errno("mmap %zu bytes", total);
	uintptr_t a = ((uintptr_t)raw + M4_HUGE_BYTES - 1) & ~(uintptr_t)(M4_HUGE_BYTES - 1);
	if (thp >= 0 && madvise((void *)a, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		sk_warn_errno("madvise %s", thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE");
	*cookie = raw;
	*cookie_len = total;
	return (void *)a;
}

/* Was this program built with AddressSanitizer? (It reserves terabytes of
 * shadow memory and owns SIGSEGV, which changes what some programs show.) */
#if defined(__SANITIZE_ADDRESS__)
#define M4_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define M4_ASAN 1
#endif
#endif
#ifndef M4_ASAN
#define M4_ASAN 0
#endif

/* ---- a scratch directory removed on every exit path ----------------------
 * m4_scratch_make creates DIR/shikumi-ch04.XXXXXX (DIR = $TMPDIR, else
 * /var/tmp) with mkdtemp; m4_scratch_file names one file inside. atexit and
 * SIGINT/SIGTERM/SIGHUP handlers unlink the file and remove the directory
 * (unlink/rmdir are async-signal-safe), then the signal is re-raised; the
 * handler also kills and reaps registered children (it replaces
 * sk_children_guard's, so call this after it). */
static char m4_scratch_dir[4096];
static char m4_scratch_path[4096 + 256];

static inline void m4_scratch_cleanup(void)
{
	if (m4_scratch_path[0])
		unlink(m4_scratch_path);
	if (m4_scratch_dir[0])
		rmdir(m4_scratch_dir);
}

static inline void m4_scratch_signal(int sig)
{
	sk_children_reap_all();   /* kill() + waitpid(): async-signal-safe */
	m4_scratch_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static inline const char *m4_scratch_make(void)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base || access(base, W_OK))
		base = "/var/tmp";
	snprintf(m4_scratch_dir, sizeof(m4_scratch_dir), "%s/shikumi-ch04.XXXXXX", base);
	if (!mkdtemp(m4_scratch_dir)) {
		char failed[4096];
		snprintf(failed, sizeof(failed), "%s", m4_scratch_dir);
		m4_scratch_dir[0] = '\0';
		sk_die_errno("mkdtemp %s", failed);
	}
	atexit(m4_scratch_cleanup);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = m4_scratch_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return m4_scratch_dir;
}

static inline const char *m4_scratch_file(const char *name)
{
	snprintf(m4_scratch_path, sizeof(m4_scratch_path), "%s/%.200s", m4_scratch_dir, name);
	return m4_scratch_path;
}

#endif /* CH04_COMMON_H */
