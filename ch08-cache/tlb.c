/*
 * tlb - the TLB's reach: one access per page over a growing number of pages,
 * with 4 KiB pages and with transparent huge pages (2 MiB on x86-64).
 *
 * A random pointer chain visits one cache line in each of N pages. The line
 * inside each page is spread by a hash of the page number, so the N lines
 * fall evenly over the cache sets and the data itself stays small (N x 64 B: 768 pages
 * fit in a 48 KiB L1). What grows with N is the number of distinct pages, so
 * once N exceeds the TLB's entries every load also needs a page walk (in a
 * VM a two-dimensional one, guest and host tables). The same chain over a
 * THP-backed buffer needs 512 times fewer translations: the difference
 * between the two curves is the cost of translation -- if the huge pages are
 * huge all the way down: in a VM whose host backs guest memory with 4 KiB
 * pages, the guest's huge page is 512 host pages and the TLB still caches
 * 4 KiB translations. So a third curve is the control that no host can
 * spoil: the same N lines packed side by side (N x 64 B, N/64 pages). Same
 * number of loads, same data size, same cache sets; only the number of
 * pages differs. 4 KiB against packed is the cost of translation anywhere.
 *
 * The TLB's geometry as CPUID reports it (Intel 0x18/0x2, AMD 0x80000005/6)
 * goes into the preamble (--tlb-info prints only that); in a VM it is what
 * the hypervisor reports, which is why the curves measure the reach too.
 *
 * Usage: tlb [--backing 4k|thp|packed|both|all] [--min-pages N] [--max-pages N]
 *            [--ppo N] [-r REPS] [-t MS] [-q] [-o FILE] | tlb --tlb-info
 * Try:   taskset -c 1 ./tlb -q | column -t
 */
#include "shikumi.h"

#include <math.h>
#include <sys/mman.h>

#include "ch08.h"

#define DEFAULT_MIN_PAGES 8
#define DEFAULT_MAX_PAGES 65536      /* 256 MiB of 4 KiB pages: far past a 2048-entry STLB */
#define QUICK_MAX_PAGES 16384        /* 64 MiB: still 8x the STLB's reach */
#define DEFAULT_PPO 4
#define QUICK_PPO 2
#define DEFAULT_REPS 5
#define QUICK_REPS 5
#define DEFAULT_TARGET_MS 20
#define QUICK_TARGET_MS 5           /* 5 x 5 ms: as long as the former 3 x 8 ms */
#define BATCH 4096

enum backing { B_4K, B_THP, B_PACKED, B_BOTH, B_ALL };   /* the first three are curves */
static const char *const backing_names[] = {"4k", "thp", "packed", "both", "all", NULL};
#define NCURVES 3

struct region {
	char *base;        /* huge-page aligned when THP-backed (sk_map_anon) */
	size_t len;
};

static void region_map(struct region *r, size_t len, bool thp)
{
	/* With thp = 1, sk_map_anon aligns the start to the huge-page size, so
	 * that THP can back the whole range with PMD mappings. */
	r->base = sk_map_anon(len, thp ? 1 : 0);
	r->len = len;
	memset(r->base, 0, len);   /* fault everything in before timing */
}

/* Which line of page i the chain uses. Not i % lines: with huge pages the
 * page number's low bits are physical address bits too, and (page, line)
 * pairs that move together would crowd a few L2 sets. Fibonacci hashing
 * spreads consecutive pages evenly over the lines, whatever the backing. */
static size_t line_of(size_t i, size_t lines_per_page)
{
	return (size_t)(((uint64_t)i * 0x9E3779B97F4A7C15ull) >> 40) % lines_per_page;
}

/* Where the chain's element i lives: one line in page i, or (packed) line i. */
static char *slot(const struct region *r, size_t i, size_t page, size_t line, bool packed)
{
	return packed ? r->base + i * line : r->base + i * page + line_of(i, page / line) * line;
}

/* Link n elements into one random cycle (the same order for every backing). */
static void **build_chain(struct region *r, size_t n, size_t page, size_t line, bool packed, uint32_t *order)
{
	ch08_rng_state = 0x9E3779B97F4A7C15ull ^ n;
	ch08_random_cycle(order, n);
	for (size_t i = 0; i < n; i++)
		*(void **)slot(r, i, page, line, packed) = slot(r, order[i], page, line, packed);
	return (void **)slot(r, 0, page, line, packed);
}

/* The TLB facts as "key value" pairs: into the preamble, or (--tlb-info) alone. */
static void tlb_facts(struct sk_tlb *t, void (*put)(void *, const char *, const char *), void *ctx)
{
	char b[256];
	sk_tlb_info(t);
	put(ctx, "tlb_source", t->source);
	put(ctx, "tlb_cpuid_hypervisor", t->hypervisor ? "1" : "0");
	put(ctx, "tlb_summary", sk_tlb_str(t, b, sizeof(b)));
	for (int i = 0; i < t->n; i++) {
		char k[48], v[24];
		snprintf(k, sizeof(k), "tlb_l%d_4k_entries", t->level[i].level);
		snprintf(v, sizeof(v), "%u", t->level[i].entries_4k);
		put(ctx, k, v);
		snprintf(k, sizeof(k), "tlb_l%d_2m_entries", t->level[i].level);
		snprintf(v, sizeof(v), "%u", t->level[i].entries_2m);
		put(ctx, k, v);
	}
}

static void put_meta(void *ctx, const char *k, const char *v)
{
	sk_tsv_meta(ctx, k, "%s", v);
}

static void put_line(void *ctx, const char *k, const char *v)
{
	(void)ctx;
	printf("%s\t%s\n", k, v);
}

static double time_chain(void **p, uint64_t target_ns)
{
	uint64_t done = 0, t0 = sk_now_ns(), now;
	do {
		p = ch08_chase(p, BATCH);
		done += BATCH;
		now = sk_now_ns();
	} while (now - t0 < target_ns);
	return (double)(now - t0) / (double)done;
}

static long long anon_huge_kib(void)
{
	struct sk_smaps s;
	return sk_read_smaps_rollup(0, &s) == 0 ? s.anon_huge_pages : -1;
}

#define STD_OPTS SK_STD_ALL
static const struct sk_opt opts[] = {
	{SK_LONG(1), "backing", "KIND", "4k, thp, packed, both (4k and thp) or all (default all)"},
	{SK_LONG(2), "min-pages", "N", "fewest pages, 1.. (default " SK_STR(DEFAULT_MIN_PAGES) ")"},
	{SK_LONG(3), "max-pages", "N", "most pages (see below)"},
	{'p', "ppo", "N", "points per octave, 1..32"},
	{SK_LONG(4), "tlb-info", NULL, "print the data TLBs CPUID reports (key, value) and exit"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Latency of one load per page against the number of pages: 4 KiB pages, THP,\n"
		      "and the same lines packed into few pages (the control); TSV to stdout.");
	printf("\n--max-pages: default %d, quick %d; the buffer, N x page size, may use at most\n"
	       "MemAvailable/4.\n"
	       "Defaults: %d points per octave, %d reps of %d ms; quick: %d, %d reps of %d ms.\n"
	       "Output columns: backing pages span_bytes rep ns_per_access\n"
	       "(pages: the chain's length; packed puts its elements in consecutive lines)\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q\n"
	       "  taskset -c 1 %s --backing 4k --max-pages 4096 -p 8\n",
	       DEFAULT_MAX_PAGES, QUICK_MAX_PAGES, DEFAULT_PPO, DEFAULT_REPS, DEFAULT_TARGET_MS,
	       QUICK_PPO, QUICK_REPS, QUICK_TARGET_MS, sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int backing = B_ALL, ppo = 0;
	long long min_pages = DEFAULT_MIN_PAGES, max_pages = 0;
	const char *max_arg = NULL, *min_arg = NULL;
	bool info_only = false;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): backing = sk_parse_choice(optarg, "--backing", backing_names); break;
		case SK_LONG(2): min_pages = sk_parse_ll(optarg, "--min-pages", 1, 1LL << 28); min_arg = optarg; break;
		case SK_LONG(3): max_pages = sk_parse_ll(optarg, "--max-pages", 1, 1LL << 28); max_arg = optarg; break;
		case 'p': ppo = sk_parse_int(optarg, "--ppo", 1, 32); break;
		case SK_LONG(4): info_only = true; break;
		}
	}
	sk_no_operands(argc, argv);
	bool quick = std.quick;
	struct sk_tlb tlbi;
	if (info_only) {
		tlb_facts(&tlbi, put_line, NULL);
		return fflush(stdout) ? SK_EXIT_FAIL : 0;
	}
	size_t page = (size_t)sk_page_size(), line = (size_t)sk_cache_line_size();
	if (!ppo)
		ppo = quick ? QUICK_PPO : DEFAULT_PPO;
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	int target_ms = sk_std_target_ms(&std, DEFAULT_TARGET_MS, QUICK_TARGET_MS);
	bool use[NCURVES] = {backing == B_4K || backing >= B_BOTH, backing == B_THP || backing >= B_BOTH,
			     backing == B_PACKED || backing == B_ALL};
	uint64_t cap_pages = sk_mem_available_bytes() / 4 / page / (use[B_4K] && use[B_THP] ? 2 : 1);
	if (max_arg) {
		if ((uint64_t)max_pages > cap_pages)
			sk_bad_arg("--max-pages", max_arg, "the buffers would exceed MemAvailable/4");
	} else {
		max_pages = quick ? QUICK_MAX_PAGES : DEFAULT_MAX_PAGES;
		if ((uint64_t)max_pages > cap_pages)
			max_pages = (long long)cap_pages;
	}
	if (min_pages > max_pages)
		sk_bad_arg(min_arg ? "--min-pages" : "--max-pages", min_arg ? min_arg : max_arg,
			   "--min-pages is larger than --max-pages");

	/* Page counts: min, min x 2^(k/ppo), ..., max (whole pages, no repeats). */
	long long counts[2048];
	size_t ncounts = 0;
	for (int k = 0; ncounts < SK_ARRAY_LEN(counts) - 1; k++) {
		long long v = llround((double)min_pages * pow(2.0, (double)k / ppo));
		if (v > max_pages)
			break;
		if (!ncounts || v > counts[ncounts - 1])
			counts[ncounts++] = v;
	}
	if (counts[ncounts - 1] < max_pages)
		counts[ncounts++] = max_pages;

	char tb[32];
	const char *thp_sys = sk_thp_mode(tb, sizeof(tb));
	bool thp_possible = sk_thp_possible(thp_sys);
	size_t len = (size_t)max_pages * page;
	struct region reg[NCURVES] = {{0}};
	if (use[B_THP] && !thp_possible) {
		sk_warn("transparent huge pages are '%s' here: no thp curve", thp_sys);
		use[B_THP] = false;
		if (!use[B_4K] && !use[B_PACKED])
			sk_skip("transparent huge pages are '%s'", thp_sys);
	}
	long long huge0 = anon_huge_kib(), huge_thp = 0;
	if (use[B_4K])
		region_map(&reg[B_4K], len, false);
	if (use[B_THP]) {
		long long before = anon_huge_kib();
		region_map(&reg[B_THP], len, true);
		huge_thp = anon_huge_kib() - before;
	}
	if (use[B_PACKED])   /* huge pages if THP allows: as few translations as possible */
		region_map(&reg[B_PACKED], ((size_t)max_pages * line + page - 1) / page * page, thp_possible);
	double thp_fraction = use[B_THP] && len ? (double)huge_thp * 1024.0 / (double)len : 0;
	uint32_t *order = sk_map_anon((size_t)max_pages * sizeof(uint32_t), -1);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "page_bytes", "%zu", page);
	sk_tsv_meta(&tsv, "line_bytes", "%zu", line);
	sk_tsv_meta(&tsv, "min_pages", "%lld", min_pages);
	sk_tsv_meta(&tsv, "max_pages", "%lld", max_pages);
	sk_tsv_meta(&tsv, "points_per_octave", "%d", ppo);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "target_ms", "%d", target_ms);
	sk_tsv_meta(&tsv, "thp_system", "%s", thp_sys);
	sk_tsv_meta(&tsv, "huge_page_bytes", "%llu", (unsigned long long)sk_hugepage_size());
	sk_tsv_meta(&tsv, "anon_huge_kib_before", "%lld", huge0);
	if (use[B_THP])
		sk_tsv_meta(&tsv, "thp_backed_fraction", "%.3f", thp_fraction);
	tlb_facts(&tlbi, put_meta, &tsv);
	sk_tsv_meta(&tsv, "what", "ns per dependent load; one line per page (packed: lines side by side), random order");
	sk_tsv_header(&tsv, "backing\tpages\tspan_bytes\trep\tns_per_access");
	char hb[32], lb[32];
	if (use[B_THP] && len < sk_hugepage_size())
		sk_warn("the buffer (%s) is smaller than one huge page (%s): the thp curve uses 4 KiB pages",
			sk_fmt_size(len, lb, sizeof(lb)), sk_fmt_size(sk_hugepage_size(), hb, sizeof(hb)));
	else if (use[B_THP] && thp_fraction < 0.5)
		sk_warn("only %.0f%% of the THP buffer is backed by huge pages (fragmented memory?)",
			100 * thp_fraction);

	char ts[256];
	sk_note("data TLBs (%s%s): %s", tlbi.source, tlbi.hypervisor ? ", as the hypervisor reports them" : "",
		sk_tlb_str(&tlbi, ts, sizeof(ts)));
	sk_note("%zu page counts %lld..%lld, %d x %d ms per point; THP backing %.0f%%", ncounts,
		min_pages, max_pages, reps, target_ms, 100 * thp_fraction);
	/* v[bk][i * reps + r]: every repetition of every point, per backing */
	double *v[NCURVES];
	for (int bk = 0; bk < NCURVES; bk++)
		if (!(v[bk] = calloc(ncounts * (size_t)reps, sizeof(double))))
			sk_die("out of memory");
	uint64_t target_ns = (uint64_t)target_ms * 1000000u;
	/* Rounds, as in cache-stride, and the two backings side by side within a
	 * round: a disturbance, or the host changing the guest's clock or memory
	 * backing, hits one repetition of both curves alike instead of one whole
	 * curve, so their ratio (the phenomenon) stays honest. */
	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < ncounts; i++)
			for (int bk = 0; bk < NCURVES; bk++) {
				if (!use[bk])
					continue;
				void **p = build_chain(&reg[bk], (size_t)counts[i], page, line, bk == B_PACKED, order);
				uint64_t warm = (uint64_t)counts[i];
				p = ch08_chase(p, (warm + CHASE_UNROLL - 1) / CHASE_UNROLL * CHASE_UNROLL);
				time_chain(p, target_ns / 4);
				sk_cpu_note();
				double x = time_chain(p, target_ns);
				if (!(x > 0.05 && x < 1e6))
					sk_die("implausible %.3g ns per access at %lld pages", x, counts[i]);
				v[bk][i * (size_t)reps + (size_t)r] = x;
			}
	for (int bk = 0; bk < NCURVES; bk++) {
		if (!use[bk])
			continue;
		for (size_t i = 0; i < ncounts; i++) {
			double *vi = v[bk] + i * (size_t)reps;
			for (int r = 0; r < reps; r++)
				sk_tsv_row(&tsv, "%s\t%lld\t%llu\t%d\t%.3f", backing_names[bk], counts[i],
					   (unsigned long long)counts[i] * (bk == B_PACKED ? line : page), r, vi[r]);
			if (i % (size_t)ppo == 0 || i + 1 == ncounts)
				sk_note("%-6s %8lld pages %8.2f ns", backing_names[bk], counts[i],
					sk_median(vi, (size_t)reps));
		}
	}
	for (int bk = 0; bk < NCURVES; bk++)
		free(v[bk]);
	for (int bk = 0; bk < NCURVES; bk++)
		if (reg[bk].base)
			munmap(reg[bk].base, reg[bk].len);
	munmap(order, (size_t)max_pages * sizeof(uint32_t));
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
