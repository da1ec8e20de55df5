/*
 * ch08.h - what the chapter's programs share: a random single-cycle pointer
 * chain (the latency probe of cache-stride and tlb) and a scratch directory
 * that is removed on every exit path (pagecache, writeback).
 * Everything is static: each program includes it once.
 */
#ifndef CH08_H
#define CH08_H

#include "shikumi.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC 0x858458f6
#endif

/* ---- random single cycle ------------------------------------------------- */

#define CHASE_UNROLL 16   /* loads per loop iteration: loop overhead ~0 */

/* xorshift64*: fast, good enough to shuffle; fixed seed so runs compare. */
static uint64_t ch08_rng_state = 0x9E3779B97F4A7C15ull;
static inline uint64_t ch08_rng(void)
{
	uint64_t x = ch08_rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	ch08_rng_state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Multiply-shift range reduction: uniform enough for n << 2^64. */
static inline size_t ch08_rng_below(size_t n)
{
	return (size_t)(((unsigned __int128)ch08_rng() * n) >> 64);
}

/* order[0..n-1] becomes a cyclic permutation: i -> order[i] visits all n
 * elements before it returns. Sattolo's variant of Fisher-Yates (j < i,
 * never j == i) is what guarantees one single cycle. */
static inline void ch08_random_cycle(uint32_t *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = ch08_rng_below(i);
		uint32_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* Follow the chain count times (count a multiple of CHASE_UNROLL). Each load
 * needs the previous one's result, so the time per step is the load latency. */
#define CH08_STEP p = (void **)*p;
static inline void **ch08_chase(void **p, uint64_t count)
{
	for (uint64_t i = 0; i < count; i += CHASE_UNROLL) {
		CH08_STEP CH08_STEP CH08_STEP CH08_STEP CH08_STEP CH08_STEP CH08_STEP CH08_STEP
		CH08_STEP CH08_STEP CH08_STEP CH08_STEP CH08_STEP CH08_STEP CH08_STEP CH08_STEP
	}
	SK_KEEP(p);   /* the end of the chain is "used": the loads cannot go */
	return p;
}
#undef CH08_STEP

/* ---- scratch directory ----------------------------------------------------
 * One directory per run, created with mkdtemp under a disk-backed parent; the
 * file inside is unlinked and the directory removed at exit and on
 * SIGINT/SIGTERM/SIGHUP (the handler cleans up, then dies of the signal). */

/* The directory leaves room for "/" and a short file name in the path. */
#define CH08_NAME_MAX 64
static char ch08_scratch_dir[PATH_MAX - CH08_NAME_MAX];
static char ch08_scratch_file[PATH_MAX];

static void ch08_scratch_cleanup(void)
{
	if (ch08_scratch_file[0])
		unlink(ch08_scratch_file);
	if (ch08_scratch_dir[0])
		rmdir(ch08_scratch_dir);
	ch08_scratch_file[0] = ch08_scratch_dir[0] = '\0';
}

static void ch08_scratch_on_signal(int sig)
{
	/* unlink and rmdir are async-signal-safe */
	if (ch08_scratch_file[0])
		unlink(ch08_scratch_file);
	if (ch08_scratch_dir[0])
		rmdir(ch08_scratch_dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Is PATH on a memory filesystem (tmpfs, ramfs)? Reading "from disk" there
 * would be reading from memory. */
static inline bool ch08_is_memfs(const char *path, char *fstype, size_t len)
{
	struct statfs sf;
	if (statfs(path, &sf))
		return false;
	bool mem = sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC;
	snprintf(fstype, len, "%s", mem ? "tmpfs" : "disk");
	return mem;
}

/* Choose the parent directory: DIR if given (a tmpfs DIR is an error: exit
 * 2), else $TMPDIR, else /var/tmp, else /tmp, skipping memory filesystems
 * with a warning. Creates PARENT/shikumi-ch08.XXXXXX and installs the
 * cleanup. Returns the directory. */
static inline const char *ch08_scratch_create(const char *dir, const char *optname)
{
	char fstype[16];
	const char *parent = NULL;
	if (dir) {
		struct stat st;
		if (stat(dir, &st) || !S_ISDIR(st.st_mode))
			sk_bad_arg(optname, dir, "not a directory");
		if (ch08_is_memfs(dir, fstype, sizeof(fstype)))
			sk_bad_arg(optname, dir, "on tmpfs/ramfs: the page cache is the storage there");
		parent = dir;
	} else {
		const char *cands[] = {getenv("TMPDIR"), "/var/tmp", "/tmp"};
		for (size_t i = 0; i < SK_ARRAY_LEN(cands) && !parent; i++) {
			struct stat st;
			if (!cands[i] || !*cands[i] || stat(cands[i], &st) || !S_ISDIR(st.st_mode) ||
			    access(cands[i], W_OK))
				continue;
			if (ch08_is_memfs(cands[i], fstype, sizeof(fstype))) {
				sk_warn("%s is on tmpfs (memory): choosing another directory", cands[i]);
				continue;
			}
			parent = cands[i];
		}
		if (!parent)
			sk_skip("no writable disk-backed directory ($TMPDIR, /var/tmp, /tmp are tmpfs or "
				"missing): give one with %s", optname);
	}
	if ((size_t)snprintf(ch08_scratch_dir, sizeof(ch08_scratch_dir), "%s/shikumi-ch08.XXXXXX",
			     parent) >= sizeof(ch08_scratch_dir))
		sk_bad_arg(optname, parent, "path too long");
	if (!mkdtemp(ch08_scratch_dir)) {
		int e = errno;
		ch08_scratch_dir[0] = '\0';
		errno = e;
		sk_die_errno("mkdtemp in %s", parent);
	}
	atexit(ch08_scratch_cleanup);
	struct sigaction sa = {.sa_handler = ch08_scratch_on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return ch08_scratch_dir;
}

/* The scratch file's path (registered for removal); NAME is short. */
static inline const char *ch08_scratch_path(const char *name)
{
	snprintf(ch08_scratch_file, sizeof(ch08_scratch_file), "%s/%.*s", ch08_scratch_dir,
		 CH08_NAME_MAX - 2, name);
	return ch08_scratch_file;
}

/* Largest file size the run may write: a quarter of MemAvailable (it must
 * fit in the page cache for the warm read) and half the free disk space. */
static inline uint64_t ch08_scratch_cap(const char *dir)
{
	uint64_t cap = sk_mem_available_bytes() / 4;
	struct statvfs sv;
	if (dir && statvfs(dir, &sv) == 0) {
		uint64_t free_b = (uint64_t)sv.f_bavail * sv.f_frsize / 2;
		if (free_b < cap)
			cap = free_b;
	}
	return cap;
}

#endif /* CH08_H */
