/*
 * fault-cost - what one page fault costs.
 *
 * Each repetition maps SIZE of fresh anonymous memory and times, with
 * CLOCK_MONOTONIC, one pass that touches one byte per 4 KiB page:
 *   first_touch_4k   write, MADV_NOHUGEPAGE: a fault per page (allocate, zero, map)
 *   retouch_4k       the same pages written again: no fault, just a store per page
 *   read_zero_4k     first touch by a read: maps the shared zero page, no allocation
 *   populate_4k      mmap(MAP_POPULATE): the kernel pre-faults all pages in the mmap call
 *   first_touch_thp  write with MADV_HUGEPAGE: one fault per 2 MiB (if THP is usable)
 * Faults are counted with getrusage (ru_minflt) around the timed pass, so the
 * output gives both ns per page and ns per fault.
 *
 * Usage: fault-cost [-q] [-s SIZE] [-r REPS] [-m MODE]... [-o FILE]
 * Try:   taskset -c 1 ./fault-cost -q | column -t
 */
#include "ch04.h"

#include <sys/prctl.h>

#define DEFAULT_SIZE (UINT64_C(256) << 20)   /* 65536 pages: ms-long passes, well above clock cost */
#define QUICK_SIZE (UINT64_C(64) << 20)
#define DEFAULT_REPS 11
#define QUICK_REPS 5

enum mode { FIRST_4K, RETOUCH_4K, READ_ZERO_4K, POPULATE_4K, FIRST_THP, NMODES };
static const char *const mode_names[] = {"first_touch_4k", "retouch_4k", "read_zero_4k",
					 "populate_4k", "first_touch_thp", NULL};
static const char *const mode_what[] = {
	"write one byte per page of a fresh MADV_NOHUGEPAGE mapping",
	"write the same pages again (already mapped: no fault)",
	"read one byte per fresh page (maps the shared zero page)",
	"mmap(MAP_POPULATE): the kernel pre-faults every page (time of the mmap)",
	"write one byte per 4 KiB of a fresh MADV_HUGEPAGE mapping (THP)"};

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'s', "size", "SIZE", "mapping size per repetition, at most MemAvailable/2"},
	{'m', "mode", "NAME", "only this mode (repeatable; list below)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "ns per first-touch page fault (4 KiB and THP) vs re-touch, zero page, MAP_POPULATE.");
	printf("\nDefaults: SIZE %llu MiB, %d reps; quick: %llu MiB, %d reps.\nModes (-m):\n",
	       (unsigned long long)(DEFAULT_SIZE >> 20), DEFAULT_REPS,
	       (unsigned long long)(QUICK_SIZE >> 20), QUICK_REPS);
	for (int i = 0; i < NMODES; i++)
		printf("  %-16s %s\n", mode_names[i], mode_what[i]);
	printf("\nOutput columns: mode rep pages faults elapsed_ns ns_per_page ns_per_fault\n"
	       "  (ns_per_fault is NaN when the pass took no fault)\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q\n"
	       "  taskset -c 1 %s -m first_touch_4k -r 21\n",
	       sk_prog, sk_prog);
}

static void read_pages(const char *p, size_t len, size_t ps)
{
	const volatile char *c = p;
	uint64_t sum = 0;
	for (size_t off = 0; off < len; off += ps)
		sum += (uint64_t)c[off];
	sk_sink = sum;
}

/* Time one pass of MODE over a fresh mapping; faults and ns out. */
static void one_pass(enum mode m, size_t len, long long *faults, uint64_t *ns)
{
	size_t ps = (size_t)sk_page_size();
	char *p = NULL;
	long long f0;
	uint64_t a;
	switch (m) {
	case FIRST_4K:
	case RETOUCH_4K:
	case READ_ZERO_4K:
	case FIRST_THP:
		p = sk_map_anon(len, m == FIRST_THP ? 1 : 0);   /* THP: huge-page aligned */
		if (m == RETOUCH_4K)
			sk_touch_pages(p, len);
		f0 = sk_minflt();
		a = sk_now_ns();
		if (m == READ_ZERO_4K)
			read_pages(p, len, ps);
		else
			sk_touch_pages(p, len);
		*ns = sk_now_ns() - a;
		*faults = sk_minflt() - f0;
		break;
	case POPULATE_4K:
	default:
		/* MADV_NOHUGEPAGE would come too late (MAP_POPULATE faults inside
		 * mmap): turn THP off for the whole process around the call. */
		if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
			sk_warn_errno("prctl PR_SET_THP_DISABLE");
		f0 = sk_minflt();
		a = sk_now_ns();
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		*ns = sk_now_ns() - a;
		*faults = sk_minflt() - f0;
		prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
		if (p == MAP_FAILED)
			sk_die_errno("mmap MAP_POPULATE %zu bytes", len);
		break;
	}
	if (munmap(p, len))
		sk_die_errno("munmap");
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t size = 0;   /* 0: not given */
	bool selected[NMODES] = {false};
	int nselected = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 's': size = ch04_parse_mem_size(optarg, "--size"); break;
		case 'm': sk_parse_pick(optarg, "--mode", mode_names, selected, &nselected); break;
		}
	}
	sk_no_operands(argc, argv);
	size = ch04_run_size(size, std.quick, DEFAULT_SIZE, QUICK_SIZE);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	size_t len = ch04_page_round(size), pages = len / (size_t)sk_page_size();
	char thp[32];
	sk_thp_mode(thp, sizeof(thp));
	bool thp_ok = sk_thp_possible(thp);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "size_bytes", "%zu", len);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "thp_enabled", "%s", thp);
	sk_tsv_meta(&tsv, "timer_overhead_ns", "%.1f", sk_timer_overhead_ns());
	sk_tsv_header(&tsv, "mode\trep\tpages\tfaults\telapsed_ns\tns_per_page\tns_per_fault");
	/* Warm-up: the allocator's free lists and the upper page-table levels. */
	{
		long long f;
		uint64_t ns;
		one_pass(FIRST_4K, len < 16 * SK_MIB ? len : 16 * SK_MIB, &f, &ns);
	}
	for (int m = 0; m < NMODES; m++) {
		if (nselected && !selected[m])
			continue;
		if (m == FIRST_THP && !thp_ok) {
			sk_note("%s: skipped, THP is '%s'", mode_names[m], thp);
			continue;
		}
		double v[1000];
		for (int r = 0; r < reps; r++) {
			long long faults;
			uint64_t ns;
			sk_cpu_note();
			one_pass((enum mode)m, len, &faults, &ns);
			double per_page = (double)ns / (double)pages;
			v[r] = per_page;
			if (faults > 0)
				sk_tsv_row(&tsv, "%s\t%d\t%zu\t%lld\t%llu\t%.1f\t%.1f", mode_names[m], r, pages,
					   faults, (unsigned long long)ns, per_page, (double)ns / (double)faults);
			else
				sk_tsv_row(&tsv, "%s\t%d\t%zu\t%lld\t%llu\t%.1f\tNaN", mode_names[m], r, pages,
					   faults, (unsigned long long)ns, per_page);
		}
		sk_note("%-16s %8.1f ns/page (median of %d, %zu pages)", mode_names[m], sk_median(v, (size_t)reps),
			reps, pages);
	}
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
