/*
 * mmap - mmap hands out address space, not memory.
 *
 * Prints this process's own memory map (/proc/self/maps) before and after an
 * anonymous private mmap of N MiB, marks the new region, and reads VSZ and RSS
 * (/proc/self/status) before the mmap, after it, and after touching every
 * page: VSZ grows by N at mmap time, RSS only when the pages are touched.
 *
 * Usage: mmap [-q] [-s SIZE] [-o FILE]
 * Try:   ./mmap -s 100M | column -t -s $'\t'
 */
#include "ch04.h"

#include <inttypes.h>

#define DEFAULT_SIZE (UINT64_C(100) << 20)   /* the book's 100 MiB */
#define QUICK_SIZE (UINT64_C(64) << 20)
#define MAPS_MAX 512

struct region {
	uint64_t start, end;
	char perms[8], name[256];
};

static int read_maps(struct region *r, int max)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		sk_die_errno("open /proc/self/maps");
	char line[4096];
	int n = 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		int pos = 0;
		unsigned long long a, b;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s%n", &a, &b, r[n].perms, &pos) < 3)
			continue;
		r[n].start = a;
		r[n].end = b;
		const char *nm = line + pos;
		while (*nm == ' ')
			nm++;
		snprintf(r[n].name, sizeof(r[n].name), "%.*s", (int)strcspn(nm, "\n"), nm);
		if (!r[n].name[0])
			snprintf(r[n].name, sizeof(r[n].name), "[anon]");
		n++;
	}
	fclose(f);
	return n;
}

static void print_maps(struct sk_tsv *t, const char *phase, const struct region *r, int n,
		       uintptr_t mark)
{
	for (int i = 0; i < n; i++) {
		bool is_new = mark >= r[i].start && mark < r[i].end;
		sk_tsv_row(t, "%s\t%" PRIx64 "\t%" PRIx64 "\t%s\t%" PRIu64 "\t%d\t%s", phase, r[i].start,
			   r[i].end, r[i].perms, (r[i].end - r[i].start) >> 10, is_new, r[i].name);
		if (mark)
			fprintf(stderr, "  %012" PRIx64 "-%012" PRIx64 " %s %10" PRIu64 " KiB %s%s\n",
				r[i].start, r[i].end, r[i].perms, (r[i].end - r[i].start) >> 10, r[i].name,
				is_new ? "   <== new mapping" : "");
	}
}

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{'s', "size", "SIZE", "size of the mapping (e.g. 100M), at most MemAvailable/2"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Own /proc/self/maps before and after an anonymous mmap of SIZE (new region marked),\n"
		      "and VSZ/RSS before, after the mmap, and after touching every page.");
	printf("\nDefaults: SIZE %llu MiB; quick: %llu MiB.\n"
	       "Output columns: phase start end perms size_kib new name (one row per region);\n"
	       "the preamble holds vsz_kib/rss_kib for the phases before, mapped, touched.\n"
	       "Examples:\n"
	       "  %s -q 2>&1 >/dev/null | less\n"
	       "  %s -s 1G | column -t -s $'\\t'\n",
	       (unsigned long long)(DEFAULT_SIZE >> 20), (unsigned long long)(QUICK_SIZE >> 20),
	       sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	uint64_t size = ch04_size_options(argc, argv, opts, STD_OPTS, &std, usage, DEFAULT_SIZE, QUICK_SIZE);
	size_t len = ch04_page_round(size);

	/* Everything that allocates (TSV buffers, region arrays) happens before
	 * the first snapshot, so the only change between the maps is our mmap. */
	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	static struct region before[MAPS_MAX], after[MAPS_MAX];
	struct ch04_self s0, s1, s2;

	read_maps(after, MAPS_MAX);   /* warm-up: stdio's first buffer may grow the heap */
	ch04_self_read(&s0);
	int nb = read_maps(before, MAPS_MAX);
	/* MADV_NOHUGEPAGE: the 4 KiB story; RSS then grows page by page. */
	char *p = sk_map_anon(len, 0);
	ch04_self_read(&s1);
	int na = read_maps(after, MAPS_MAX);
	sk_touch_pages(p, len);
	ch04_self_read(&s2);

	sk_tsv_meta(&tsv, "size_bytes", "%zu", len);
	sk_tsv_meta(&tsv, "mapping_start", "%p", (void *)p);
	sk_tsv_meta(&tsv, "regions_before", "%d", nb);
	sk_tsv_meta(&tsv, "regions_after", "%d", na);
	sk_tsv_meta(&tsv, "vsz_kib_before", "%lld", s0.vsz_kib);
	sk_tsv_meta(&tsv, "rss_kib_before", "%lld", s0.rss_kib);
	sk_tsv_meta(&tsv, "vsz_kib_mapped", "%lld", s1.vsz_kib);
	sk_tsv_meta(&tsv, "rss_kib_mapped", "%lld", s1.rss_kib);
	sk_tsv_meta(&tsv, "vsz_kib_touched", "%lld", s2.vsz_kib);
	sk_tsv_meta(&tsv, "rss_kib_touched", "%lld", s2.rss_kib);
	sk_tsv_meta(&tsv, "asan_build", "%d", CH04_ASAN);
	sk_tsv_header(&tsv, "phase\tstart\tend\tperms\tsize_kib\tnew\tname");
	print_maps(&tsv, "before", before, nb, 0);
	sk_note("memory map after mmap of %zu KiB at %p:", len >> 10, (void *)p);
	print_maps(&tsv, "mapped", after, na, (uintptr_t)p);
	sk_note("VSZ %lld -> %lld KiB at mmap (+%lld), RSS %lld -> %lld KiB (+%lld)", s0.vsz_kib,
		s1.vsz_kib, s1.vsz_kib - s0.vsz_kib, s0.rss_kib, s1.rss_kib, s1.rss_kib - s0.rss_kib);
	sk_note("after touching every page: VSZ %lld KiB (+%lld), RSS %lld KiB (+%lld)", s2.vsz_kib,
		s2.vsz_kib - s1.vsz_kib, s2.rss_kib, s2.rss_kib - s1.rss_kib);
	if (munmap(p, len))
		sk_die_errno("munmap");
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
