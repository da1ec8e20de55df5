/*
 * membw - sequential memory bandwidth against buffer size: what L1, L2, the
 * last-level cache and DRAM deliver when the access pattern is a stream.
 *
 * Three operations over a buffer of SIZE bytes, repeated until a repetition
 * has lasted the target time:
 *   read   sum the buffer with the widest vectors the CPU has (x86: 64-byte
 *          AVX-512, 32-byte AVX2, else 16 bytes; chosen at run time,
 *          --vector to force one) and eight independent accumulators, so
 *          neither the loop nor a dependency chain limits it: a core that
 *          does two vector loads per cycle reads 2 x width bytes per cycle
 *          from L1 (16-byte loads held this Zen 5 core at 0.3 of that)
 *   write  memset (glibc picks the widest stores the CPU has)
 *   copy   memcpy SIZE bytes into a second buffer; bytes counted once, as
 *          lmbench's bw_mem cp does (the traffic is read + write)
 * once with one thread and once with one thread per allowed CPU (each pinned
 * to its own CPU, with its own buffers, first touched by that thread); the
 * aggregate is the sum of the threads' rates. GB/s are 10^9 bytes per second.
 *
 * Usage: membw [--op read|write|copy|all] [--min SIZE] [--max SIZE] [--ppo N]
 *              [--threads 1|all|both] [--vector auto|16|32|64] [-r REPS] [-t MS]
 *              [-q] [-o FILE]
 * Try:   ./membw -q --op read | column -t
 */
#include "shikumi.h"

#include "ch08.h"

#include <math.h>
#include <pthread.h>
#include <sys/mman.h>

#define DEFAULT_MIN (16 * SK_KIB)
#define DEFAULT_MAX (256 * SK_MIB)   /* >> this VM's effective LLC (8-32 MiB) */
#define QUICK_MAX (64 * SK_MIB)
#define DEFAULT_PPO 1
#define DEFAULT_REPS 5
#define QUICK_REPS 5
#define DEFAULT_TARGET_MS 30
#define QUICK_TARGET_MS 5   /* 5 x 5 ms: as long as the former 3 x 8 ms */
#define MAX_THREADS 256
#define BATCH_BYTES (1 * SK_MIB)   /* bytes between two clock reads (small buffers) */

enum op { OP_READ, OP_WRITE, OP_COPY, OP_ALL };
static const char *const op_names[] = {"read", "write", "copy", "all", NULL};
static const char *const thread_names[] = {"1", "all", "both", NULL};

typedef uint64_t v2u64 __attribute__((vector_size(16)));
typedef uint64_t v4u64 __attribute__((vector_size(32)));
typedef uint64_t v8u64 __attribute__((vector_size(64)));

/* Sum LEN bytes (a multiple of 16) as vectors of type T with eight
 * independent accumulators: the adds overlap (one add per load, latency 1),
 * the loop costs one add and one compare per eight loads, and what is left
 * is the load ports. The caller keeps the result alive, so the loads cannot
 * be dropped. The 16-byte loop finishes what the wide one leaves. */
#define READ_KERNEL(NAME, T, ATTR)                                                         \
	ATTR static uint64_t NAME(const char *buf, size_t len)                              \
	{                                                                                  \
		const T *p = (const T *)buf, *end = (const T *)(buf + len);                  \
		T a = {0}, b = {0}, c = {0}, d = {0}, e = {0}, f = {0}, g = {0}, h = {0};    \
		for (; p + 8 <= end; p += 8) {                                             \
			a += p[0], b += p[1], c += p[2], d += p[3];                          \
			e += p[4], f += p[5], g += p[6], h += p[7];                          \
		}                                                                          \
		T s = (a + b) + (c + d) + (e + f) + (g + h);                                 \
		uint64_t sum = 0;                                                          \
		for (size_t k = 0; k < sizeof(T) / sizeof(uint64_t); k++)                  \
			sum += s[k];                                                       \
		for (const v2u64 *q = (const v2u64 *)p; q < (const v2u64 *)end; q++)      \
			sum += (*q)[0] + (*q)[1];                                          \
		return sum;                                                                \
	}
READ_KERNEL(read_16, v2u64, )
#if defined(__x86_64__) || defined(__i386__)
#define HAVE_WIDE_READS 1
READ_KERNEL(read_32, v4u64, __attribute__((target("avx2"))))
READ_KERNEL(read_64, v8u64, __attribute__((target("avx512f"))))
#endif

static uint64_t (*read_pass)(const char *, size_t) = read_16;
static int read_width = 16;

/* The widest vectors this CPU runs (0: auto), or exit 2 if WANT is one it
 * does not have. */
static void choose_reads(int want, const char *arg)
{
	int best = 16;
#ifdef HAVE_WIDE_READS
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		best = 32;
	if (__builtin_cpu_supports("avx512f"))
		best = 64;
#endif
	if (want > best)
		sk_bad_arg("--vector", arg, "this CPU has no loads that wide");
	read_width = want ? want : best;
#ifdef HAVE_WIDE_READS
	read_pass = read_width == 64 ? read_64 : read_width == 32 ? read_32 : read_16;
#endif
}

struct job {
	enum op op;
	size_t size;
	uint64_t target_ns;
};

struct worker {
	pthread_t tid;
	int cpu, index;
	char *a, *b;           /* own buffers, max size each */
	size_t cap;
	double rate;           /* bytes per ns of the last job */
	int err;
};

static struct {
	pthread_barrier_t start, done;
	struct job job;
	bool quit;
	struct worker *w;
	int n;
} pool;

static double run_job(struct worker *w, const struct job *j)
{
	uint64_t bytes = 0, t0 = sk_now_ns(), now;
	uint64_t sum = 0;
	int k = 0;
	/* Passes between two clock reads: a 16 KiB pass takes ~50 ns at L1
	 * speed, as long as reading the clock; BATCH_BYTES per batch keeps the
	 * clock under 1 % of the time. */
	size_t passes = j->size < BATCH_BYTES ? BATCH_BYTES / j->size : 1;
	do {
		for (size_t n = 0; n < passes; n++) {
			switch (j->op) {
			case OP_READ: sum += read_pass(w->a, j->size); break;
			case OP_WRITE: memset(w->a, k & 0xff, j->size); break;
			case OP_COPY: memcpy(w->b, w->a, j->size); break;
			default: break;
			}
			SK_BARRIER();   /* stores must reach memory: nothing reads them back */
			k++;
		}
		bytes += j->size * passes;
		now = sk_now_ns();
	} while (now - t0 < j->target_ns);
	SK_KEEP(sum);
	return (double)bytes / (double)(now - t0);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	if (sk_pin_self(w->cpu))
		w->err = errno;
	/* First touch by this thread: the pages come from its own node. */
	memset(w->a, 1, w->cap);
	memset(w->b, 2, w->cap);
	for (;;) {
		pthread_barrier_wait(&pool.start);
		if (pool.quit)
			break;
		struct job j = pool.job;
		/* one untimed pass warms caches and TLB */
		struct job warm = j;
		warm.target_ns = 0;
		run_job(w, &warm);
		w->rate = run_job(w, &j);
		pthread_barrier_wait(&pool.done);
	}
	return NULL;
}

static void pool_start(int n, const int *cpus, size_t cap)
{
	pool.n = n;
	pool.quit = false;
	pool.w = calloc((size_t)n, sizeof(*pool.w));
	if (!pool.w)
		sk_die("out of memory");
	pthread_barrier_init(&pool.start, NULL, (unsigned)n + 1);
	pthread_barrier_init(&pool.done, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		struct worker *w = &pool.w[i];
		w->cpu = cpus[i];
		w->index = i;
		w->cap = cap;
		w->a = sk_map_anon(cap, -1);
		w->b = sk_map_anon(cap, -1);
		int e = pthread_create(&w->tid, NULL, worker_main, w);
		if (e) {
			errno = e;
			sk_die_errno("pthread_create");
		}
	}
}

static double pool_run(const struct job *j)
{
	pool.job = *j;
	pthread_barrier_wait(&pool.start);
	pthread_barrier_wait(&pool.done);
	double total = 0;
	for (int i = 0; i < pool.n; i++) {
		if (pool.w[i].err) {
			errno = pool.w[i].err;
			sk_die_errno("pin thread %d to CPU %d", i, pool.w[i].cpu);
		}
		total += pool.w[i].rate;
	}
	return total;   /* bytes/ns = GB/s */
}

static void pool_stop(void)
{
	pool.quit = true;
	pthread_barrier_wait(&pool.start);
	for (int i = 0; i < pool.n; i++) {
		pthread_join(pool.w[i].tid, NULL);
		munmap(pool.w[i].a, pool.w[i].cap);
		munmap(pool.w[i].b, pool.w[i].cap);
	}
	pthread_barrier_destroy(&pool.start);
	pthread_barrier_destroy(&pool.done);
	free(pool.w);
	pool.w = NULL;
}

#define STD_OPTS SK_STD_ALL
static const struct sk_opt opts[] = {
	{SK_LONG(1), "op", "OP", "read, write, copy or all (default all)"},
	{SK_LONG(2), "min", "SIZE", "smallest buffer per thread (default 16K)"},
	{SK_LONG(3), "max", "SIZE", "largest buffer per thread (see below)"},
	{'p', "ppo", "N", "points per octave, 1..8 (default " SK_STR(DEFAULT_PPO) ")"},
	{'T', "threads", "WHICH", "1, all (one per allowed CPU) or both (default both)"},
	{SK_LONG(4), "vector", "BYTES", "read with vectors of 16, 32 or 64 bytes, or auto"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Sequential read/write/copy bandwidth against buffer size, one thread and one\n"
		      "thread per allowed CPU (pinned); TSV to stdout.");
	printf("\n--max: default 256M, quick 64M; all buffers together at most MemAvailable/4.\n"
	       "--vector: default the widest this CPU has.\n"
	       "Defaults: %d reps of %d ms; quick: %d reps of %d ms.\n"
	       "Output columns: op threads size_bytes rep gb_per_s   (GB = 10^9 bytes)\n"
	       "Examples:\n"
	       "  %s -q\n"
	       "  %s --op copy -T 1 --min 1M --max 1G\n",
	       DEFAULT_REPS, DEFAULT_TARGET_MS, QUICK_REPS, QUICK_TARGET_MS, sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int op = OP_ALL, ppo = DEFAULT_PPO, which = 2;
	uint64_t min = DEFAULT_MIN, max = 0;
	const char *min_arg = NULL, *max_arg = NULL;
		static const char *const vec_names[] = {"auto", "16", "32", "64", NULL};
	int vec = 0;
	const char *vec_arg = NULL;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): op = sk_parse_choice(optarg, "--op", op_names); break;
		case SK_LONG(2): min = sk_parse_size(optarg, "--min", 4 * SK_KIB, UINT64_C(1) << 40); min_arg = optarg; break;
		case SK_LONG(3): max = sk_parse_size(optarg, "--max", 4 * SK_KIB, UINT64_C(1) << 40); max_arg = optarg; break;
		case 'p': ppo = sk_parse_int(optarg, "--ppo", 1, 8); break;
		case 'T': which = sk_parse_choice(optarg, "--threads", thread_names); break;
		case SK_LONG(4): vec = sk_parse_choice(optarg, "--vector", vec_names); vec_arg = optarg; break;
		}
	}
	sk_no_operands(argc, argv);
	bool quick = std.quick;
	choose_reads(vec ? 8 << vec : 0, vec_arg);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	int target_ms = sk_std_target_ms(&std, DEFAULT_TARGET_MS, QUICK_TARGET_MS);

	cpu_set_t set;
	int nallowed = sk_allowed_cpus(&set);
	int nall = nallowed < sk_online_cpus() ? nallowed : sk_online_cpus();
	if (nall > MAX_THREADS)
		nall = MAX_THREADS;
	if (nall < 1)
		nall = 1;
	int cpus[MAX_THREADS];
	/* Thread 0 on the last allowed CPU (the suite's default measuring CPU). */
	for (int i = 0; i < nall; i++)
		cpus[i] = sk_nth_allowed_cpu(nallowed - 1 - i);
	int maxthreads = which == 0 ? 1 : nall;
	/* Two buffers per thread of max bytes each. */
	uint64_t cap = sk_mem_available_bytes() / 4 / (2 * (uint64_t)maxthreads);
	if (max_arg) {
		if (max > cap)
			sk_bad_arg("--max", max_arg, "the buffers of all threads would exceed MemAvailable/4");
	} else {
		max = quick ? QUICK_MAX : DEFAULT_MAX;
		if (max > cap)
			max = cap;
	}
	if (min > max)
		sk_bad_arg(min_arg ? "--min" : "--max", min_arg ? min_arg : max_arg,
			   "--min is larger than --max");
	/* Sizes: multiples of 64 bytes (the read loop's unit). */
	uint64_t sizes[512];
	size_t nsizes = 0;
	for (int k = 0; nsizes < SK_ARRAY_LEN(sizes) - 1; k++) {
		uint64_t v = (uint64_t)llround((double)min * pow(2.0, (double)k / ppo)) / 64 * 64;
		if (v > max)
			break;
		if (!nsizes || v > sizes[nsizes - 1])
			sizes[nsizes++] = v;
	}
	if (sizes[nsizes - 1] < max / 64 * 64)
		sizes[nsizes++] = max / 64 * 64;

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "min_bytes", "%llu", (unsigned long long)min);
	sk_tsv_meta(&tsv, "max_bytes", "%llu", (unsigned long long)max);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "target_ms", "%d", target_ms);
	char cb[256];
	sk_tsv_meta(&tsv, "threads_all", "%d (CPUs %s)", nall, sk_cpuset_str(&set, cb, sizeof(cb)));
	/* The load-port limit: two vector loads per cycle on every x86 core of
	 * the last decade (and 64-byte loads on Zen 4 count twice: it is 1 x 64). */
	double ghz = ch08_estimate_ghz();
	sk_tsv_meta(&tsv, "read_vector_bytes", "%d", read_width);
	sk_tsv_meta(&tsv, "cache_l2_bytes", "%llu", (unsigned long long)sk_cache_size(2));
	sk_tsv_meta(&tsv, "load_limit_bytes_per_cycle", "%d (2 loads per cycle x %d B, an estimate)",
		    2 * read_width, read_width);
	if (ghz > 0)
		sk_tsv_meta(&tsv, "core_ghz_estimate", "%.2f (dependent imul chain, 3 cycles each)", ghz);
	sk_tsv_meta(&tsv, "what", "GB/s = 10^9 bytes/s; size_bytes per thread; copy counts bytes once");
	sk_tsv_header(&tsv, "op\tthreads\tsize_bytes\trep\tgb_per_s");

	int configs[2] = {1, nall}, nconf = which == 2 ? (nall > 1 ? 2 : 1) : 1;
	if (which == 1)
		configs[0] = nall;
	double *v = calloc(nsizes * (size_t)reps, sizeof(double));
	if (!v)
		sk_die("out of memory");
	for (int ci = 0; ci < nconf; ci++) {
		int nt = configs[ci];
		pool_start(nt, cpus, (size_t)max);
		for (int o = OP_READ; o <= OP_COPY; o++) {
			if (op != OP_ALL && op != o)
				continue;
			/* rounds: rep r of every size, then r+1 */
			for (int r = 0; r < reps; r++)
				for (size_t i = 0; i < nsizes; i++) {
					struct job j = {.op = (enum op)o, .size = (size_t)sizes[i],
							.target_ns = (uint64_t)target_ms * 1000000u};
					double gbs = pool_run(&j);
					if (!(gbs > 0.01 && gbs < 1e5))
						sk_die("implausible %.3g GB/s", gbs);
					v[i * (size_t)reps + (size_t)r] = gbs;
				}
			for (size_t i = 0; i < nsizes; i++) {
				double *vi = v + i * (size_t)reps;
				for (int r = 0; r < reps; r++)
					sk_tsv_row(&tsv, "%s\t%d\t%llu\t%d\t%.3f", op_names[o], nt,
						   (unsigned long long)sizes[i], r, vi[r]);
			}
			char b1[32], b2[32], b3[32];
			sk_note("%-5s %d thread(s): %s %.1f GB/s, %s %.1f GB/s, %s %.1f GB/s", op_names[o], nt,
				sk_fmt_size(sizes[0], b1, sizeof(b1)), sk_median(v, (size_t)reps),
				sk_fmt_size(sizes[nsizes / 2], b2, sizeof(b2)),
				sk_median(v + nsizes / 2 * (size_t)reps, (size_t)reps),
				sk_fmt_size(sizes[nsizes - 1], b3, sizeof(b3)),
				sk_median(v + (nsizes - 1) * (size_t)reps, (size_t)reps));
			if (o == OP_READ && nt == 1 && ghz > 0) {
				double bpc = sk_median(v, (size_t)reps) / ghz;
				sk_note("read %s: %.1f bytes/cycle at %.2f GHz = %.0f%% of the load ports' %d B/cycle",
					b1, bpc, ghz, 100 * bpc / (2 * read_width), 2 * read_width);
			}
		}
		for (int i = 0; i < nt; i++)
			sk_cpu_note();
		pool_stop();
	}
	free(v);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
