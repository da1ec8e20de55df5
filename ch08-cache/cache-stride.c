/*
 * cache-stride - access time against buffer size: the cliffs where the
 * working set outgrows L1, L2 and the last-level cache.
 *
 * For buffer sizes from --min to --max (several points per octave) the
 * program times one of two access patterns over a buffer that is mapped
 * once, touched before any timing (no page faults in the figure) and kept
 * free of transparent huge pages unless --thp is given:
 *   seq    the book's sweep: one write per cache line (line size from sysfs),
 *          through a volatile pointer so -O2 can neither drop nor vectorise it.
 *          The hardware prefetcher sees the pattern and hides much of the
 *          latency: what shows is bandwidth per line.
 *   chase  lmbench lat_mem_rd's idea with a random chain: each line holds the
 *          address of the next one, in the order of one random cycle
 *          (Sattolo's algorithm), so every load depends on the previous one
 *          and no prefetcher can guess the next address: load latency.
 * Each point is time-bounded (not a fixed number of accesses), warmed up,
 * and repeated; every repetition is one TSV row.
 * Full runs (not -q) with chase and a --max beyond 64 MiB end with the DRAM
 * figure on its own: the chase over 5 fresh buffers on transparent huge
 * pages (no page walks), each one's best repetition, the median over them
 * and their spread in the preamble (dram_chase_ns, dram_chase_spread_pct).
 *
 * Usage: cache-stride [-m seq|chase|both] [--min SIZE] [--max SIZE]
 *                     [--ppo N] [--stride BYTES] [--thp] [-r REPS] [-t MS] [-q] [-o FILE]
 * Try:   taskset -c 1 ./cache-stride -q --mode chase | ./cliffs.sh
 */
#include "shikumi.h"

#include <math.h>
#include <sys/mman.h>

#include "ch08.h"

#define DEFAULT_MIN (4 * SK_KIB)        /* one page: below that nothing changes */
#define DEFAULT_CAP (512 * SK_MIB)      /* issue: 4x LLC, but at most 512 MiB */
#define QUICK_CAP (64 * SK_MIB)         /* past this VM's L3->DRAM step (8-32 MiB) */
#define LLC_FACTOR 4                    /* go to 4x the last-level cache */
#define DEFAULT_PPO 4
#define QUICK_PPO 4
#define MAX_PPO 32
#define DEFAULT_REPS 5
#define QUICK_REPS 5
#define DEFAULT_TARGET_MS 30            /* per repetition: >> clock cost, < a tick x 10 */
#define QUICK_TARGET_MS 5               /* 5 x 5 ms: as long as the former 3 x 8 ms */
#define BATCH_ACCESSES 4096             /* accesses between two clock reads */
#define ROUNDS_MAX (64 * SK_MIB)        /* up to here: repetitions in rounds (see main) */
#define FULL_PASS_MAX (64 * SK_MIB)     /* beyond: no cache to fill before timing */
#define DRAM_BUFFERS 5                  /* full runs: the DRAM figure over this many buffers */
#define DRAM_CAP (256 * SK_MIB)         /* their size: the curve's largest, at most this */

enum mode { MODE_SEQ, MODE_CHASE, MODE_BOTH };
static const char *const mode_names[] = {"seq", "chase", "both", NULL};

struct buf {
	char *base;
	size_t len;       /* mapped length */
	size_t stride;    /* bytes between two accessed elements */
};

/* ---- seq: one write per stride, sweeping the first n elements ---------- */

struct seq_state {
	volatile char *p;   /* volatile: every store happens, one at a time */
	size_t n, stride, pos;
};

/* Performs exactly count stores, continuing where the last call stopped. */
static void seq_run(struct seq_state *s, uint64_t count)
{
	volatile char *p = s->p;
	const size_t stride = s->stride, n = s->n;
	size_t pos = s->pos;
	while (count) {
		size_t run = n - pos;
		if (run > count)
			run = (size_t)count;
		volatile char *q = p + pos * stride;
		size_t i = 0;
		for (; i + 4 <= run; i += 4) {
			q[0] = 1;
			q[stride] = 1;
			q[2 * stride] = 1;
			q[3 * stride] = 1;
			q += 4 * stride;
		}
		for (; i < run; i++, q += stride)
			*q = 1;
		pos += run;
		count -= run;
		if (pos == n)
			pos = 0;
	}
	s->pos = pos;
}

/* Link the first n elements (stride apart) into one random cycle. */
static void **chase_build(struct buf *b, size_t n, uint32_t *order)
{
	ch08_random_cycle(order, n);
	for (size_t i = 0; i < n; i++)
		*(void **)(b->base + i * b->stride) = b->base + (size_t)order[i] * b->stride;
	return (void **)b->base;
}

struct chase_state {
	void **p;
};

static void chase_run(struct chase_state *s, uint64_t count)
{
	s->p = ch08_chase(s->p, count);
}

/* ---- timing ------------------------------------------------------------- */

struct point_opts {
	int reps;
	uint64_t target_ns, warmup_ns;
};

/* Run batches until at least target_ns have passed; ns per access. */
static double time_accesses(enum mode m, void *state, uint64_t target_ns, uint64_t batch)
{
	uint64_t done = 0, t0 = sk_now_ns(), now;
	do {
		if (m == MODE_SEQ)
			seq_run(state, batch);
		else
			chase_run(state, batch);
		done += batch;
		now = sk_now_ns();
	} while (now - t0 < target_ns);
	return (double)(now - t0) / (double)done;
}

/* One size, ready to time: for chase, the chain is built (the same chain
 * every time for a size: the seed derives from it). */
struct point {
	enum mode m;
	size_t size, n;
	uint64_t batch;
	struct seq_state ss;
	struct chase_state cs;
};

static void point_prepare(struct point *p, enum mode m, struct buf *b, size_t size,
			  uint32_t *order)
{
	p->m = m;
	p->size = size;
	p->n = size / b->stride;
	p->ss = (struct seq_state){.p = b->base, .n = p->n, .stride = b->stride, .pos = 0};
	if (m == MODE_CHASE) {
		ch08_rng_state = 0x9E3779B97F4A7C15ull ^ (uint64_t)size;
		p->cs.p = chase_build(b, p->n, order);
	}
	/* A batch: several sweeps for small buffers, so the clock is read rarely. */
	uint64_t batch = p->n >= BATCH_ACCESSES ? p->n : BATCH_ACCESSES;
	if (batch > 16 * BATCH_ACCESSES)
		batch = 16 * BATCH_ACCESSES;
	p->batch = (batch + CHASE_UNROLL - 1) / CHASE_UNROLL * CHASE_UNROLL;
}

/* One repetition: warm up (time-bounded, plus one full pass where the buffer
 * may fit in a cache, so the caches hold what they can), then time. */
static double point_time(struct point *p, const struct point_opts *po)
{
	void *state = p->m == MODE_SEQ ? (void *)&p->ss : (void *)&p->cs;
	time_accesses(p->m, state, po->warmup_ns, p->batch);
	if (p->size <= FULL_PASS_MAX) {
		if (p->m == MODE_SEQ)
			seq_run(&p->ss, p->n);
		else
			chase_run(&p->cs, (p->n + CHASE_UNROLL - 1) / CHASE_UNROLL * CHASE_UNROLL);
	}
	sk_cpu_note();
	return time_accesses(p->m, state, po->target_ns, p->batch);
}

/* Steal time of CPU cpu so far (/proc/stat, USER_HZ ticks); -1 if unknown. */
static long long steal_ticks(int cpu)
{
	char want[16], line[256];
	long long v[8] = {0};
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)) &&
		    sscanf(line + strlen(want), "%lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
			fclose(f);
			return v[7];
		}
	fclose(f);
	return -1;
}

/* The DRAM figure on its own (full runs): the chase over DRAM_BUFFERS
 * buffers of SIZE, all mapped afresh on transparent huge pages, timed in
 * rounds (repetition r of every buffer, then r+1).
 * - Huge pages take the TLB misses and page walks out of the figure: at
 *   4 KiB nearly every load of a DRAM-sized chain misses the TLB, and a
 *   guest's page walk is two-dimensional, its cost depending on how the
 *   host happens to back the memory.
 * - Several buffers sample several physical placements (DRAM channels and
 *   banks, host backing), which one buffer per run cannot.
 * - Rounds spread a burst of load over the buffers instead of spoiling one.
 * Per buffer the best repetition counts (a neighbour can only add time to a
 * load that misses every cache, as with lmbench's minimum); the figure is
 * the median over the buffers. Their spread and the CPU's steal time while
 * it ran are printed with it: a host whose memory or CPUs are busy shows. */
static void dram_figure(struct sk_tsv *tsv, size_t size, size_t stride, uint32_t *order,
			const struct point_opts *po)
{
	struct buf b[DRAM_BUFFERS];
	struct point pt[DRAM_BUFFERS];
	double best[DRAM_BUFFERS];
	long long huge_kib = 0;
	for (int k = 0; k < DRAM_BUFFERS; k++) {
		b[k] = (struct buf){.len = size, .stride = stride};
		b[k].base = sk_map_anon(size, 1);
		memset(b[k].base, 0, size);
		point_prepare(&pt[k], MODE_CHASE, &b[k], size, order);
		best[k] = 1e300;
	}
	struct sk_smaps sm;
	if (sk_read_smaps_rollup(0, &sm) == 0)
		huge_kib = sm.anon_huge_pages;
	int cpu = sched_getcpu();
	long long st0 = steal_ticks(cpu);
	uint64_t t0 = sk_now_ns();
	for (int r = 0; r < po->reps; r++)
		for (int k = 0; k < DRAM_BUFFERS; k++) {
			double v = point_time(&pt[k], po);
			best[k] = v < best[k] ? v : best[k];
		}
	double secs = (double)(sk_now_ns() - t0) / 1e9;
	long long st1 = steal_ticks(cpu);
	double steal_pct = st0 >= 0 && st1 >= st0 && secs > 0 ? 100.0 * (double)(st1 - st0) / (double)sk_clk_tck() / secs : -1;
	for (int k = 0; k < DRAM_BUFFERS; k++)
		munmap(b[k].base, b[k].len);

	double lo = best[0], hi = best[0];
	char list[DRAM_BUFFERS * 12] = "", sb[32], stb[48] = "unknown";
	for (int k = 0; k < DRAM_BUFFERS; k++) {
		lo = best[k] < lo ? best[k] : lo;
		hi = best[k] > hi ? best[k] : hi;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%.1f", k ? " " : "", best[k]);
	}
	double m = sk_median(best, DRAM_BUFFERS), spread = m > 0 ? (hi - lo) / m * 100 : 0;
	double huge_pct = 100.0 * (double)huge_kib * 1024 / ((double)size * DRAM_BUFFERS);
	if (huge_pct > 100)
		huge_pct = 100;
	if (steal_pct >= 0)
		snprintf(stb, sizeof(stb), "%.1f %% of CPU %d", steal_pct, cpu);
	sk_fmt_size(size, sb, sizeof(sb));
	sk_tsv_meta(tsv, "dram_chase_ns", "%.2f (median over %d buffers of %s on MADV_HUGEPAGE, %.0f %% in huge pages, of each one's best of %d reps)",
		    m, DRAM_BUFFERS, sb, huge_pct, po->reps);
	sk_tsv_meta(tsv, "dram_chase_spread_pct", "%.1f ((max - min) / median over the buffers: %s ns; steal time meanwhile %s)",
		    spread, list, stb);
	sk_note("DRAM (chase, %d fresh %s buffers on THP, %.0f %% huge): %.1f ns, spread over the buffers %.1f %%, steal %s",
		DRAM_BUFFERS, sb, huge_pct, m, spread, stb);
}

/* Sizes: min, then ppo points per octave (2^(k/ppo) x 4 KiB grid, rounded to
 * whole elements), then max. */
static size_t make_sizes(uint64_t min, uint64_t max, int ppo, size_t stride, uint64_t *out,
			 size_t cap)
{
	size_t n = 0;
	uint64_t last = 0;
	for (int k = 0; n < cap; k++) {
		double s = (double)min * pow(2.0, (double)k / ppo);
		uint64_t v = (uint64_t)llround(s / (double)stride) * stride;
		if (v > max)
			break;
		if (v > last)
			out[n++] = last = v;
	}
	if (n < cap && last < max && max - last >= stride)
		out[n++] = max / stride * stride;
	return n;
}

#define STD_OPTS SK_STD_ALL
static const struct sk_opt opts[] = {
	{'m', "mode", "MODE", "seq, chase or both (default both)"},
	{SK_LONG(1), "min", "SIZE", "smallest buffer (default 4K)"},
	{SK_LONG(2), "max", "SIZE", "largest buffer (see below)"},
	{'p', "ppo", "N", "points per octave, 1.." SK_STR(MAX_PPO)},
	{SK_LONG(3), "stride", "BYTES", "distance between accessed elements, a power of two >="},
	{'H', "thp", NULL, "back the buffer with transparent huge pages"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Access time per element against buffer size (seq writes and/or a random\n"
		      "pointer chase); TSV to stdout.");
	printf("\n--max: default %d x LLC, at most 512M (quick 64M), never more than MemAvailable/4.\n"
	       "--stride: at least the pointer size (default: the cache line size from sysfs).\n"
	       "-H: default MADV_NOHUGEPAGE (4 KiB pages, as the book).\n"
	       "Full runs (not -q) of chase up to beyond 64M end with the DRAM figure: the\n"
	       "chase over %d fresh THP buffers (no page walks), median and spread in the preamble.\n"
	       "Defaults: %d points per octave, %d reps of %d ms; quick: %d, %d reps of %d ms.\n"
	       "SIZE accepts suffixes: 4K, 64M, 1G. Output columns: mode size_bytes rep ns_per_access\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q\n"
	       "  taskset -c 1 %s -m chase --min 16K --max 64M -p 8 -o chase.tsv\n",
	       LLC_FACTOR, DRAM_BUFFERS, DEFAULT_PPO, DEFAULT_REPS, DEFAULT_TARGET_MS, QUICK_PPO, QUICK_REPS,
	       QUICK_TARGET_MS, sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int mode = MODE_BOTH, ppo = 0;
	uint64_t min = DEFAULT_MIN, max = 0, stride = 0;
	const char *min_arg = NULL, *max_arg = NULL;
	bool thp = false;

	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'm': mode = sk_parse_choice(optarg, "--mode", mode_names); break;
		case SK_LONG(1): min = sk_parse_size(optarg, "--min", 64, UINT64_C(1) << 40); min_arg = optarg; break;
		case SK_LONG(2): max = sk_parse_size(optarg, "--max", 64, UINT64_C(1) << 40); max_arg = optarg; break;
		case 'p': ppo = sk_parse_int(optarg, "--ppo", 1, MAX_PPO); break;
		case SK_LONG(3):
			stride = sk_parse_size(optarg, "--stride", sizeof(void *), 1 << 20);
			if (stride & (stride - 1))
				sk_bad_arg("--stride", optarg, "not a power of two");
			break;
		case 'H': thp = true; break;
		}
	}
	sk_no_operands(argc, argv);
	bool quick = std.quick;

	/* The caps: MemAvailable/4 always; the default also stops at 4x LLC and
	 * 512 MiB (64 MiB quick). */
	uint64_t mem_cap = sk_mem_available_bytes() / 4;
	uint64_t llc = sk_cache_size(3);
	if (!llc)
		llc = sk_cache_size(2);
	if (!stride)
		stride = (uint64_t)sk_cache_line_size();
	if (!ppo)
		ppo = quick ? QUICK_PPO : DEFAULT_PPO;
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	int target_ms = sk_std_target_ms(&std, DEFAULT_TARGET_MS, QUICK_TARGET_MS);
	if (max_arg) {
		if (max > mem_cap) {
			char why[96], b1[32];
			snprintf(why, sizeof(why), "exceeds the cap MemAvailable/4 = %s",
				 sk_fmt_size(mem_cap, b1, sizeof(b1)));
			sk_bad_arg("--max", max_arg, why);
		}
	} else {
		max = quick ? QUICK_CAP : DEFAULT_CAP;
		if (llc && !quick && LLC_FACTOR * llc < max)
			max = LLC_FACTOR * llc;
		if (max > mem_cap)
			max = mem_cap;
		if (max < min)
			max = min;
	}
	if (min > max)
		sk_bad_arg(min_arg ? "--min" : "--max", min_arg ? min_arg : max_arg,
			   "--min is larger than --max");
	if (min < stride || max < stride)
		sk_bad_arg(min < stride ? "--min" : "--max", min < stride ? (min_arg ? min_arg : "4K") : max_arg,
			   "smaller than the stride");
	if (max / stride > UINT32_MAX)
		sk_bad_arg("--max", max_arg ? max_arg : "default", "too many elements for this stride");

	uint64_t sizes[4096];
	size_t nsizes = make_sizes(min, max, ppo, stride, sizes, SK_ARRAY_LEN(sizes));

	struct buf b = {.len = (size_t)max, .stride = (size_t)stride};
	b.base = sk_map_anon(b.len, thp ? 1 : 0);
	/* Touch every page now: the first-touch faults (~1.4 us each here) must not
	 * land in the first points of the curve, as they do in the book. */
	memset(b.base, 0, b.len);
	uint32_t *order = NULL;
	if (mode != MODE_SEQ) {
		order = sk_map_anon((max / stride) * sizeof(uint32_t), -1);
		memset(order, 0, (max / stride) * sizeof(uint32_t));
	}
	struct sk_smaps sm;
	long long huge_kib = sk_read_smaps_rollup(0, &sm) == 0 ? sm.anon_huge_pages : -1;

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	char tb[32];
	sk_tsv_meta(&tsv, "mode", "%s", mode_names[mode]);
	sk_tsv_meta(&tsv, "min_bytes", "%llu", (unsigned long long)min);
	sk_tsv_meta(&tsv, "max_bytes", "%llu", (unsigned long long)max);
	sk_tsv_meta(&tsv, "points_per_octave", "%d", ppo);
	sk_tsv_meta(&tsv, "stride_bytes", "%llu", (unsigned long long)stride);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "target_ms", "%d", target_ms);
	sk_tsv_meta(&tsv, "thp", "%s (system: %s; AnonHugePages %lld kB)",
		    thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE", sk_thp_mode(tb, sizeof(tb)), huge_kib);
	struct sk_cache caches[16];
	int nc = sk_read_caches(-1, caches, 16);
	int listed = 0;
	for (int i = 0; i < nc; i++) {
		if (!strcmp(caches[i].type, "Instruction"))
			continue;
		char key[32];
		snprintf(key, sizeof(key), "cache_l%d%s_bytes", caches[i].level,
			 caches[i].level == 1 ? "d" : "");
		sk_tsv_meta(&tsv, key, "%llu", (unsigned long long)caches[i].size_bytes);
		listed++;
	}
	if (!listed) {
		sk_tsv_meta(&tsv, "caches", "unavailable");
		sk_warn("sysfs cache sizes unavailable: cliffs can still be found, not named");
	}
	double ghz = ch08_estimate_ghz();
	if (ghz > 0)
		sk_tsv_meta(&tsv, "core_ghz_estimate", "%.2f (dependent imul chain, 3 cycles each)", ghz);
	sk_tsv_meta(&tsv, "what", "ns per access; seq = one volatile store per stride, "
		    "chase = one dependent load per element (random single cycle)");
	sk_tsv_header(&tsv, "mode\tsize_bytes\trep\tns_per_access");

	struct point_opts po = {.reps = reps,
				.target_ns = (uint64_t)target_ms * 1000000u,
				.warmup_ns = (uint64_t)target_ms * 1000000u / 3};
	char sb[32];
	sk_note("%zu sizes %s..%s, %d per octave, stride %llu B, %d x %d ms per point%s", nsizes,
		sk_fmt_size(min, tb, sizeof(tb)), sk_fmt_size(max, sb, sizeof(sb)), ppo,
		(unsigned long long)stride, reps, target_ms, thp ? ", THP" : "");
	/* Rounds: repetition r of every size, then r+1 (up to ROUNDS_MAX). A
	 * disturbance (another program, a host neighbour) then spoils one
	 * repetition of many sizes, which the median drops, instead of every
	 * repetition of a few neighbouring sizes, which would look like a cliff. */
	double *v = calloc(nsizes * (size_t)reps, sizeof(double));
	if (!v)
		sk_die("out of memory");
	for (int m = MODE_SEQ; m <= MODE_CHASE; m++) {
		if (mode != MODE_BOTH && mode != m)
			continue;
		uint64_t t0 = sk_now_ns();
		struct point pt;
		for (int r = 0; r < reps; r++)
			for (size_t i = 0; i < nsizes && sizes[i] <= ROUNDS_MAX; i++) {
				point_prepare(&pt, (enum mode)m, &b, (size_t)sizes[i], order);
				v[i * (size_t)reps + (size_t)r] = point_time(&pt, &po);
			}
		/* Beyond every cache there is no cliff left to fake, and building a
		 * chain over hundreds of MiB costs a second: build it once, then
		 * the repetitions back to back. */
		for (size_t i = 0; i < nsizes; i++) {
			if (sizes[i] <= ROUNDS_MAX)
				continue;
			point_prepare(&pt, (enum mode)m, &b, (size_t)sizes[i], order);
			for (int r = 0; r < reps; r++)
				v[i * (size_t)reps + (size_t)r] = point_time(&pt, &po);
		}
		for (size_t i = 0; i < nsizes * (size_t)reps; i++)
			if (!(v[i] > 0.05 && v[i] < 1e6))
				sk_die("implausible %.3g ns per access at %s", v[i],
				       sk_fmt_size(sizes[i / (size_t)reps], sb, sizeof(sb)));
		for (size_t i = 0; i < nsizes; i++) {
			double *vi = v + i * (size_t)reps;
			for (int r = 0; r < reps; r++)
				sk_tsv_row(&tsv, "%s\t%llu\t%d\t%.3f", mode_names[m],
					   (unsigned long long)sizes[i], r, vi[r]);
			if (i % (size_t)ppo == 0 || i + 1 == nsizes)
				sk_note("%-5s %10s %8.2f ns", mode_names[m],
					sk_fmt_size(sizes[i], sb, sizeof(sb)), sk_median(vi, (size_t)reps));
		}
		sk_note("%s: %.1f s", mode_names[m], (double)(sk_now_ns() - t0) / 1e9);
	}
	uint64_t dram_size = max < DRAM_CAP ? max : DRAM_CAP;
	if (dram_size > mem_cap / DRAM_BUFFERS)
		dram_size = mem_cap / DRAM_BUFFERS;
	if (!quick && mode != MODE_SEQ && max > ROUNDS_MAX && dram_size > ROUNDS_MAX)
		dram_figure(&tsv, (size_t)(dram_size / stride * stride), (size_t)stride, order, &po);
	/* The clock again: on a VM the host may have changed it during the run. */
	double ghz_end = ch08_estimate_ghz();
	if (ghz_end > 0)
		sk_tsv_meta(&tsv, "core_ghz_estimate_end", "%.2f (the same, after the last point)", ghz_end);
	free(v);
	munmap(b.base, b.len);
	if (order)
		munmap(order, (max / stride) * sizeof(uint32_t));
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
