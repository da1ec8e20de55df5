/*
 * ch08.h - what the chapter's programs share: a random single-cycle pointer
 * chain (the latency probe of cache-stride and tlb), and for pagecache and
 * writeback the choice of a disk-backed parent for the library's scratch
 * directory and the cap on the file size.
 * Everything is static: each program includes it once.
 */
#ifndef CH08_H
#define CH08_H

#include "shikumi.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

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

/* ---- core clock ---------------------------------------------------------- */

/* The core clock right now, from a chain of dependent 64-bit multiplies
 * (3 cycles each on current x86 cores): turns ns into cycles, which is what
 * stays put when a VM's host changes the frequency. 0 where unknown. */
static inline double ch08_estimate_ghz(void)
{
#if defined(__x86_64__)
	enum { STEPS = 1 << 20, TRIES = 5 };
	double best = 0;
	for (int t = 0; t < TRIES; t++) {
		uint64_t x = sk_sink | 3, t0 = sk_now_ns();
		for (int i = 0; i < STEPS; i++) {
			x *= x;
			__asm__ __volatile__("" : "+r"(x));
		}
		uint64_t dt = sk_now_ns() - t0;
		sk_sink = x;
		double ghz = 3.0 * STEPS / (double)(dt ? dt : 1);
		if (ghz > best)
			best = ghz;
	}
	return best > 0.2 && best < 10 ? best : 0;
#else
	return 0;
#endif
}

/* ---- scratch directory ----------------------------------------------------
 * The directory itself is the library's (sk_scratch_dir/sk_scratch_path,
 * removed on every exit path); what is particular to this chapter is that
 * it must be on a disk: on tmpfs or ramfs the page cache *is* the storage,
 * so there is nothing to read "cold" and nothing to write back. */

/* Is PATH on a memory filesystem (tmpfs, or ramfs, which sk_fs_type names
 * by its magic number)? */
static inline bool ch08_is_memfs(const char *path)
{
	char t[32];
	const char *fs = sk_fs_type(path, t, sizeof(t));
	return fs && (!strcmp(fs, "tmpfs") || !strcmp(fs, "0x858458f6"));
}

/* The parent for sk_scratch_dir: DIR if given (not a directory, or on a
 * memory filesystem: exit 2 with WHY), else $TMPDIR, else /var/tmp, else
 * /tmp, skipping memory filesystems with a warning (exit 4 if none is
 * left). Creates nothing: call it before any work, to validate -d. */
static inline const char *ch08_disk_dir(const char *dir, const char *optname, const char *why)
{
	struct stat st;
	if (dir) {
		if (stat(dir, &st) || !S_ISDIR(st.st_mode))
			sk_bad_arg(optname, dir, "not a directory");
		if (ch08_is_memfs(dir))
			sk_bad_arg(optname, dir, why);
		return dir;
	}
	const char *cands[] = {getenv("TMPDIR"), "/var/tmp", "/tmp"};
	for (size_t i = 0; i < SK_ARRAY_LEN(cands); i++) {
		if (!cands[i] || !*cands[i] || stat(cands[i], &st) || !S_ISDIR(st.st_mode) ||
		    access(cands[i], W_OK))
			continue;
		if (ch08_is_memfs(cands[i])) {
			sk_warn("%s is on tmpfs (memory): choosing another directory", cands[i]);
			continue;
		}
		return cands[i];
	}
	sk_skip("no writable disk-backed directory ($TMPDIR, /var/tmp, /tmp are tmpfs or "
		"missing): give one with %s", optname);
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

/* The size of the file to write under DIR: SIZE as given with --size
 * (SIZE_ARG; exit 2 above the cap), else DEF cut down to the cap in whole
 * MiB (exit 4 if that leaves less than MIN bytes). */
static inline uint64_t ch08_file_size(const char *dir, const char *size_arg, uint64_t size,
				      uint64_t def, uint64_t min)
{
	uint64_t cap = ch08_scratch_cap(dir);
	char b1[32];
	if (size_arg) {
		if (size > cap) {
			char why[96];
			snprintf(why, sizeof(why), "exceeds the cap (MemAvailable/4, free space/2) = %s",
				 sk_fmt_size(cap, b1, sizeof(b1)));
			sk_bad_arg("--size", size_arg, why);
		}
		return size;
	}
	size = def < cap ? def : cap / SK_MIB * SK_MIB;
	if (size < min)
		sk_skip("not enough memory or disk space in %s for a %s file", dir,
			sk_fmt_size(min, b1, sizeof(b1)));
	return size;
}

/* -D DIR and -s SIZE of the programs that write a scratch file (pagecache,
 * writeback): taken in the getopt loop by ch08_file_opt, explained in -h by
 * CH08_FILE_NOTES, checked by ch08_disk_dir and ch08_file_size. */
#define CH08_FILE_SIZE (256 * SK_MIB)        /* >> readahead (8 MiB here), a few 100 ms cold */
#define CH08_FILE_QUICK_SIZE (32 * SK_MIB)   /* 5 reps x 32 MiB: about the former 2 x 64 MiB */
#define CH08_FILE_NOTES                                                          \
	"-D: default $TMPDIR, else /var/tmp, else /tmp; never tmpfs.\n"         \
	"-s: default 256M, quick 32M; at most a quarter of MemAvailable and half the free space.\n"
struct ch08_file_opts {
	const char *dir, *size_arg;   /* NULL: not given */
	uint64_t size;
};
/* true if c was -D or -s (taken), false to leave it to the caller. */
static inline bool ch08_file_opt(struct ch08_file_opts *f, int c)
{
	if (c == 'D')
		f->dir = optarg;
	else if (c == 's') {
		f->size = sk_parse_size(optarg, "--size", 64 * SK_KIB, UINT64_C(1) << 42);
		f->size_arg = optarg;
	} else
		return false;
	return true;
}

#endif /* CH08_H */
