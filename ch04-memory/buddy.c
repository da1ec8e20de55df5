/*
 * buddy - the buddy allocator's free lists, before and after fragmenting
 * memory; and whether a transparent huge page could be had.
 *
 * /proc/buddyinfo lists, per zone, how many free blocks of 2^order pages the
 * buddy allocator holds (order 0 = 4 KiB ... order 10 = 4 MiB). A freed block
 * merges with its "buddy" (the neighbouring block of the same size) only if
 * that one is free too. The program maps SIZE of anonymous memory with 4 KiB
 * pages (MADV_NOHUGEPAGE) and snapshots the free lists at four stages:
 *   before      nothing allocated yet
 *   populated   every page touched: SIZE taken, mostly from large blocks
 *   fragmented  every other 4 KiB page freed (MADV_DONTNEED): SIZE/2 comes
 *               back, but each freed page's buddy is still in use, so it
 *               stays a single page: free memory rises, large blocks do not
 *   released    the rest freed (munmap): the buddies merge again
 * Freed pages first go to the per-CPU page lists (zoneinfo "count"), which
 * buddyinfo does not show and which can hold ~200 MiB per CPU after a burst
 * of frees (their limit grows with the burst, and decays by 1/8 a second).
 * The program waits SETTLE ms after each free and writes the per-CPU lists
 * as zone "pcp", order 0 (single pages, for the frees here), so that
 * "free" is buddy + per-CPU lists.
 * Then (unless THP is "never" or unavailable) it touches THP_SIZE with
 * MADV_HUGEPAGE and reads /proc/vmstat's thp_fault_alloc (a 2 MiB block was
 * found) and thp_fault_fallback (none was: 4 KiB pages instead) around it.
 * Whole-machine counters: other processes allocate too.
 *
 * Usage: buddy [-q] [-s SIZE] [--thp-size SIZE] [--settle MS] [-o FILE]
 * Try:   ./buddy -q | grep -v '^#' | column -t
 */
#include "ch04.h"

#include <inttypes.h>

#define MAX_ZONES 8
#define MAX_ORDERS 16
#define DEFAULT_CAP (UINT64_C(512) << 20)   /* more than the per-CPU lists absorb (~190 MiB here) */
#define QUICK_CAP (UINT64_C(256) << 20)
#define DEFAULT_THP (UINT64_C(64) << 20)    /* 32 huge pages */
#define QUICK_THP (UINT64_C(32) << 20)
#define DEFAULT_SETTLE_MS 1000              /* one round of the per-CPU lists' decay */
#define QUICK_SETTLE_MS 300

static const struct sk_opt opts[] = {
	{'s', "size", "SIZE", "memory to fragment (default min(512M, MemAvailable/8); quick min(256M, ...))"},
	{SK_LONG(1), "thp-size", "SIZE", "memory to touch with MADV_HUGEPAGE, 0 = skip (default 64M; quick 32M)"},
	{SK_LONG(2), "settle", "MS", "wait after each free for the per-CPU lists [ms] (default 1000; quick 300)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[-q] [-s SIZE] [--thp-size SIZE] [--settle MS] [-o FILE]", opts, SK_STD_Q | SK_STD_O,
		      "/proc/buddyinfo before and after freeing every other page of SIZE; THP\n"
		      "fault successes and fallbacks (/proc/vmstat) around a MADV_HUGEPAGE touch.");
	printf("\nOutput columns: stage zone order free_blocks free_kib\n"
	       "  (zone pcp: the per-CPU lists' pages, shown as order 0)\n"
	       "  (stage: before populated fragmented released; preamble: pcp_kib_STAGE,\n"
	       "   mem_free_kib_STAGE, thp_fault_alloc_delta, thp_fault_fallback_delta, ...)\n"
	       "Example:\n  %s -q | grep -v '^#' | column -t\n", sk_prog);
}

struct zone_free {
	char name[16];
	int norders;
	long long blocks[MAX_ORDERS];
};
struct snapshot {
	const char *stage;
	int nzones;
	struct zone_free z[MAX_ZONES];
	long long pcp_kib, mem_free_kib;
};

/* Zones of one node are summed (a NUMA machine lists each node's zones). */
static void read_buddyinfo(struct snapshot *s)
{
	FILE *f = fopen("/proc/buddyinfo", "re");
	if (!f)
		sk_die_errno("open /proc/buddyinfo");
	char line[512];
	s->nzones = 0;
	while (fgets(line, sizeof(line), f)) {
		char zone[16];
		int pos = 0;
		if (sscanf(line, "Node %*d, zone %15s%n", zone, &pos) != 1)
			continue;
		struct zone_free *z = NULL;
		for (int i = 0; i < s->nzones; i++)
			if (!strcmp(s->z[i].name, zone))
				z = &s->z[i];
		if (!z) {
			if (s->nzones == MAX_ZONES)
				continue;
			z = &s->z[s->nzones++];
			memset(z, 0, sizeof(*z));
			snprintf(z->name, sizeof(z->name), "%s", zone);
		}
		const char *p = line + pos;
		int o = 0, n;
		long long v;
		while (o < MAX_ORDERS && sscanf(p, "%lld%n", &v, &n) == 1) {
			z->blocks[o++] += v;
			p += n;
		}
		if (o > z->norders)
			z->norders = o;
	}
	fclose(f);
	if (!s->nzones)
		sk_skip("/proc/buddyinfo lists no zone (not this kernel's format?)");
}

/* Pages on the per-CPU free lists: every "count:" of /proc/zoneinfo. */
static long long read_pcp_kib(void)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -1;
	char line[256];
	long long pages = 0, v;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &v) == 1)
			pages += v;
	fclose(f);
	return pages * sk_page_size() / 1024;
}

static void snap(struct snapshot *s, const char *stage)
{
	struct sk_meminfo m;
	s->stage = stage;
	read_buddyinfo(s);
	s->pcp_kib = read_pcp_kib();
	s->mem_free_kib = sk_read_meminfo(&m) ? -1 : m.mem_free;
}

static long long vmstat(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "re");
	if (!f)
		return -1;
	char k[64];
	long long v, out = -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, key))
			out = v;
	fclose(f);
	return out;
}

/* thp_fault_alloc / thp_fault_fallback around a MADV_HUGEPAGE first touch. */
static void thp_touch(struct sk_tsv *t, uint64_t size)
{
	char mode[32];
	sk_thp_mode(mode, sizeof(mode));
	sk_tsv_meta(t, "thp_mode", "%s", mode);
	if (!size || !sk_thp_possible(mode)) {
		sk_tsv_meta(t, "thp_skipped", "%s", size ? "THP is never/unavailable" : "--thp-size 0");
		return;
	}
	uint64_t hp = sk_hugepage_size();
	size_t len = (size_t)((size + hp - 1) / hp * hp);
	char *p = sk_map_anon(len, 1);
	long long a0 = vmstat("thp_fault_alloc"), f0 = vmstat("thp_fault_fallback");
	sk_touch_pages(p, len);
	long long a1 = vmstat("thp_fault_alloc"), f1 = vmstat("thp_fault_fallback");
	struct sk_smaps sm;
	long long huge_kib = sk_read_smaps_rollup(0, &sm) ? -1 : sm.anon_huge_pages;
	munmap(p, len);
	sk_tsv_meta(t, "thp_touch_bytes", "%zu", len);
	sk_tsv_meta(t, "thp_huge_pages", "%" PRIu64, (uint64_t)len / hp);
	sk_tsv_meta(t, "thp_fault_alloc_delta", "%lld", a0 < 0 || a1 < 0 ? -1 : a1 - a0);
	sk_tsv_meta(t, "thp_fault_fallback_delta", "%lld", f0 < 0 || f1 < 0 ? -1 : f1 - f0);
	sk_tsv_meta(t, "thp_anon_huge_kib", "%lld", huge_kib);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t size = 0, thp = UINT64_MAX;
	int settle = -1;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case 's': size = ch04_parse_mem_size(optarg, "--size"); break;
		case SK_LONG(1):
			thp = sk_parse_size(optarg, "--thp-size", 0, UINT64_C(1) << 46);
			if (thp)
				sk_check_mem_bound(thp, "--thp-size", optarg);
			break;
		case SK_LONG(2): settle = sk_parse_int(optarg, "--settle", 0, 60000); break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	if (!size) {
		uint64_t cap = std.quick ? QUICK_CAP : DEFAULT_CAP, eighth = sk_mem_available_bytes() / 8;
		size = cap < eighth ? cap : eighth;
	}
	if (thp == UINT64_MAX)
		thp = std.quick ? QUICK_THP : DEFAULT_THP;
	if (settle < 0)
		settle = std.quick ? QUICK_SETTLE_MS : DEFAULT_SETTLE_MS;
	long ps = sk_page_size();
	size_t len = ch04_page_round(size);
	if (len < 2 * (size_t)ps)
		len = 2 * (size_t)ps;

	static struct snapshot s[4];
	snap(&s[0], "before");
	char *p = sk_map_anon(len, 0);   /* 4 KiB pages: THP would hand out 2 MiB blocks whole */
	sk_touch_pages(p, len);
	snap(&s[1], "populated");
	for (size_t off = 0; off < len; off += 2 * (size_t)ps)
		if (madvise(p + off, (size_t)ps, MADV_DONTNEED))
			sk_die_errno("madvise MADV_DONTNEED");
	sk_sleep_ns((uint64_t)settle * 1000000u);
	snap(&s[2], "fragmented");
	if (munmap(p, len))
		sk_die_errno("munmap");
	sk_sleep_ns((uint64_t)settle * 1000000u);
	snap(&s[3], "released");
	sk_cpu_note();

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "size_bytes", "%zu", len);
	sk_tsv_meta(&t, "freed_bytes", "%zu", len / 2);
	sk_tsv_meta(&t, "page_size_bytes", "%ld", ps);
	sk_tsv_meta(&t, "settle_ms", "%d", settle);
	sk_tsv_meta(&t, "huge_page_order", "%d", __builtin_ctzll(sk_hugepage_size() / (uint64_t)ps));
	for (int i = 0; i < 4; i++) {
		char key[48];
		snprintf(key, sizeof(key), "pcp_kib_%s", s[i].stage);
		sk_tsv_meta(&t, key, "%lld", s[i].pcp_kib);
		snprintf(key, sizeof(key), "mem_free_kib_%s", s[i].stage);
		sk_tsv_meta(&t, key, "%lld", s[i].mem_free_kib);
	}
	thp_touch(&t, thp);
	sk_tsv_header(&t, "stage\tzone\torder\tfree_blocks\tfree_kib");
	for (int i = 0; i < 4; i++)
		for (int zi = 0; zi < s[i].nzones; zi++) {
			const struct zone_free *z = &s[i].z[zi];
			for (int o = 0; o < z->norders; o++)
				sk_tsv_row(&t, "%s\t%s\t%d\t%lld\t%lld", s[i].stage, z->name, o, z->blocks[o],
					   z->blocks[o] * (ps << o) / 1024);
			if (zi == s[i].nzones - 1 && s[i].pcp_kib >= 0)
				sk_tsv_row(&t, "%s\tpcp\t0\t%lld\t%lld", s[i].stage, s[i].pcp_kib * 1024 / ps, s[i].pcp_kib);
		}
	return sk_tsv_close(&t) ? SK_EXIT_FAIL : 0;
}
