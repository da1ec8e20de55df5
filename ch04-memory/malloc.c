/*
 * malloc - where does malloc get its memory from?
 *
 * glibc's malloc serves small requests from the heap, which it grows with
 * brk(2) (the "program break"), and large ones (>= M_MMAP_THRESHOLD, 128 KiB
 * by default, header included) each with its own mmap(2), returned to the
 * kernel by free. For a list of sizes this program mallocs one block each
 * (all kept until the end: freeing an mmapped block would raise glibc's
 * dynamic threshold), and records where it landed: inside the [heap] region
 * of /proc/self/maps, or in an anonymous mapping of its own, and how far the
 * program break moved (sbrk(0) before/after). With --alloc SIZE --count N it only makes N blocks of SIZE, so
 * that `strace -c -e trace=brk,mmap` can count the system calls.
 * Built with ASan, malloc is ASan's own allocator (no brk): the table says so.
 *
 * Usage: malloc [--threshold SIZE] [--alloc SIZE -n N] [-o FILE]
 * Try:   ./malloc | column -t
 */
#include "ch04.h"

#include <inttypes.h>
#include <malloc.h>

#define MAPS_BUF (1u << 20)
/* 120 KiB last: a large request is served from the heap's free top when it
 * happens to fit there; only when the heap must grow does glibc choose
 * between brk and mmap by the threshold. This order shows the rule plainly. */
static const uint64_t default_sizes[] = {16, 1024, 64 << 10, 128 << 10, 256 << 10, 1 << 20,
					 16 << 20, 120 << 10};

struct where {
	char name[64];   /* "heap", "mmap" (anonymous region of its own), or the region's name */
};

/* Read maps with read(2) into a static buffer: stdio would malloc. */
static void locate(const void *ptr, struct where *w)
{
	static char buf[MAPS_BUF];
	if (sk_read_file("/proc/self/maps", buf, sizeof(buf)) < 0)
		sk_die_errno("read /proc/self/maps");
	uintptr_t a = (uintptr_t)ptr;
	snprintf(w->name, sizeof(w->name), "?");
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		unsigned long long s, e;
		int pos = 0;
		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s%n", &s, &e, &pos) >= 2) {
			if (a >= s && a < e && ptr) {
				const char *nm = line + pos;
				while (*nm == ' ')
					nm++;
				snprintf(w->name, sizeof(w->name), "%s",
					 !strcmp(nm, "[heap]") ? "heap" : *nm ? nm : "mmap");
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{SK_LONG(1), "threshold", "SIZE", "set M_MMAP_THRESHOLD with mallopt (e.g. 1M), 0..32M"},
	{SK_LONG(2), "alloc", "SIZE", "only make -n blocks of SIZE (for strace -c)"},
	{'n', "count", "N", "how many blocks for --alloc, 1..100000 (default 100)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Where glibc's malloc takes memory from: brk heap vs mmap, per request size.");
	printf("\n--alloc: at most MemAvailable/2 in total. -q is the same as the default.\n"
	       "Output columns: size_bytes count where brk_delta_bytes address\n"
	       "  (where: heap = inside [heap], grown with brk; mmap = an anonymous mapping)\n"
	       "Examples:\n"
	       "  %s | column -t\n"
	       "  strace -c -e trace=brk,mmap,munmap %s --alloc 64 -n 10000 >/dev/null\n"
	       "  strace -c -e trace=brk,mmap,munmap %s --alloc 1M -n 100 >/dev/null\n",
	       sk_prog, sk_prog, sk_prog);
}

static void one_row(struct sk_tsv *t, uint64_t size, long count, void **keep)
{
	struct where w1;
	char *brk0 = sbrk(0);
	void *first = NULL;
	for (long i = 0; i < count; i++) {
		char *p = malloc(size);
		if (!p)
			sk_die("malloc %" PRIu64 " bytes failed", size);
		p[0] = 1;   /* touch: a real use of the block */
		keep[i] = p;
		if (!first)
			first = p;
	}
	char *brk1 = sbrk(0);
	locate(first, &w1);
	sk_tsv_row(t, "%" PRIu64 "\t%ld\t%s\t%td\t%p", size, count, w1.name, brk1 - brk0, first);
	sk_note("malloc(%8" PRIu64 ") x %ld -> %-5s  program break moved %8td B, first block at %p", size,
		count, w1.name, brk1 - brk0, first);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	long long threshold = -1;
	uint64_t alloc = 0;
	long count = 100;
	bool count_given = false;
	const char *alloc_arg = NULL, *count_arg = NULL;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): threshold = (long long)sk_parse_size(optarg, "--threshold", 0, 32 * SK_MIB); break;
		case SK_LONG(2): alloc = sk_parse_size(optarg, "--alloc", 1, UINT64_C(1) << 40); alloc_arg = optarg; break;
		case 'n': count = (long)sk_parse_ll(optarg, "--count", 1, 100000); count_given = true; count_arg = optarg; break;
		}
	}
	sk_no_operands(argc, argv);
	if (count_given && !alloc)
		sk_bad_arg("--count", count_arg, "only with --alloc");
	if (alloc) {
		/* Bound the total by MemAvailable/2 (each block is touched once). */
		uint64_t per = alloc < (uint64_t)sk_page_size() ? (uint64_t)sk_page_size() : alloc;
		if (per > (UINT64_C(1) << 46) / (uint64_t)count)
			sk_bad_arg("--alloc", alloc_arg, "times --count is too large");
		sk_check_mem_bound(per * (uint64_t)count, "--alloc", alloc_arg);
	}
	if (threshold >= 0 && !mallopt(M_MMAP_THRESHOLD, (int)threshold))
		sk_warn("mallopt(M_MMAP_THRESHOLD, %lld) refused", threshold);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "mmap_threshold", "%s", threshold >= 0 ? "set with mallopt" : "glibc default (128 KiB, dynamic)");
	if (threshold >= 0)
		sk_tsv_meta(&tsv, "mmap_threshold_bytes", "%lld", threshold);
	sk_tsv_meta(&tsv, "asan_build", "%d", CH04_ASAN);
	if (CH04_ASAN)
		sk_note("built with AddressSanitizer: malloc is ASan's allocator (mmap'd arenas, no brk)");
	sk_tsv_header(&tsv, "size_bytes\tcount\twhere\tbrk_delta_bytes\taddress");
	/* Warm up malloc (its first call sets up the main arena) and the maps reader. */
	free(malloc(1));
	struct where w;
	locate(NULL, &w);

	size_t n = alloc ? (size_t)count : SK_ARRAY_LEN(default_sizes);
	void **keep = calloc(n, sizeof(void *));
	if (!keep)
		sk_die("out of memory");
	if (alloc) {
		one_row(&tsv, alloc, count, keep);
	} else {
		for (size_t i = 0; i < n; i++)
			one_row(&tsv, default_sizes[i], 1, keep + i);
	}
	for (size_t i = 0; i < n; i++)
		free(keep[i]);
	free(keep);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
