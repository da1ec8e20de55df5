/*
 * pagetable - the page table grows with the memory a process touches.
 *
 * For growing sizes, maps SIZE of anonymous memory (MADV_NOHUGEPAGE) and
 * records this process's page-table size (VmPTE in /proc/self/status) and the
 * system's (PageTables in /proc/meminfo) twice: after the mmap (nothing
 * touched: no table needed yet) and after touching every page. With 4 KiB
 * pages and 8-byte entries, one 4 KiB last-level table maps 512 pages = 2 MiB,
 * so the table grows by about 2 KiB per MiB touched (plus 1/512 of that for
 * the level above). The slope of VmPTE against touched MiB is printed.
 *
 * Usage: pagetable [-q] [-s MAX_SIZE] [-o FILE]
 * Try:   ./pagetable -q | column -t
 */
#include "ch04.h"

#include <math.h>

#define DEFAULT_MAX (UINT64_C(1) << 30)   /* 1 GiB: 2 MiB of page table */
#define QUICK_MAX (UINT64_C(256) << 20)
#define MIN_SIZE (UINT64_C(16) << 20)

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{'s', "max", "SIZE", "largest size (>= 16 MiB), at most MemAvailable/2"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Page-table size (VmPTE, meminfo PageTables) vs memory mapped and touched, for sizes\n"
		      "doubling from %llu MiB to the largest size.",
		      (unsigned long long)(MIN_SIZE >> 20));
	printf("\nDefaults: largest size %llu MiB; quick: %llu MiB.\n"
	       "Output columns: size_mib state touched_mib vm_pte_kib vm_pte_delta_kib\n"
	       "  page_tables_kib page_tables_delta_kib   (state: mapped or touched; deltas from\n"
	       "  before the mmap)\n"
	       "Examples:\n"
	       "  %s -q | column -t\n"
	       "  %s -s 4G\n",
	       (unsigned long long)(DEFAULT_MAX >> 20), (unsigned long long)(QUICK_MAX >> 20), sk_prog,
	       sk_prog);
}

static long long page_tables_kib(void)
{
	struct sk_meminfo m;
	if (sk_read_meminfo(&m))
		sk_die_errno("read /proc/meminfo");
	return m.page_tables;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t max = DEFAULT_MAX;
	bool max_given = false;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 's':
			max = ch04_parse_mem_size(optarg, "--max");
			if (max < MIN_SIZE)
				sk_bad_arg("--max", optarg, "below the smallest size, 16 MiB");
			max_given = true;
			break;
		}
	}
	sk_no_operands(argc, argv);
	if (std.quick && !max_given)
		max = QUICK_MAX;
	if (!max_given)
		max = ch04_default_size(max);
	if (max < MIN_SIZE)
		sk_die("not enough memory for the smallest size (%llu MiB)", (unsigned long long)(MIN_SIZE >> 20));

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "max_bytes", "%llu", (unsigned long long)max);
	sk_tsv_meta(&tsv, "thp", "MADV_NOHUGEPAGE");
	sk_tsv_meta(&tsv, "what", "vm_pte: this process (VmPTE); page_tables: whole system (PageTables), noisy");
	sk_tsv_header(&tsv, "size_mib\tstate\ttouched_mib\tvm_pte_kib\tvm_pte_delta_kib\tpage_tables_kib\tpage_tables_delta_kib");

	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	int n = 0;
	struct ch04_self s;
	ch04_self_read(&s);   /* warm-up of the readers */
	page_tables_kib();
	for (uint64_t size = MIN_SIZE; size <= max; size *= 2) {
		size_t len = ch04_page_round(size);
		ch04_self_read(&s);
		long long pte0 = s.vm_pte_kib, sys0 = page_tables_kib();
		char *p = sk_map_anon(len, 0);
		for (int touched = 0; touched < 2; touched++) {
			if (touched)
				sk_touch_pages(p, len);
			ch04_self_read(&s);
			long long sys = page_tables_kib();
			unsigned long long mib = (unsigned long long)(len >> 20);
			sk_tsv_row(&tsv, "%llu\t%s\t%llu\t%lld\t%lld\t%lld\t%lld", mib,
				   touched ? "touched" : "mapped", touched ? mib : 0, s.vm_pte_kib,
				   s.vm_pte_kib - pte0, sys, sys - sys0);
			sk_note("%5llu MiB %-7s VmPTE %6lld KiB (+%5lld)  PageTables %7lld KiB (+%5lld)", mib,
				touched ? "touched" : "mapped", s.vm_pte_kib, s.vm_pte_kib - pte0, sys, sys - sys0);
			if (touched) {
				double x = (double)mib, y = (double)(s.vm_pte_kib - pte0);
				sx += x, sy += y, sxx += x * x, sxy += x * y, n++;
			}
		}
		if (munmap(p, len))
			sk_die_errno("munmap");
	}
	double slope = n > 1 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : NAN;
	sk_tsv_meta(&tsv, "slope_kib_per_mib", "%.3f", slope);
	sk_note("slope: %.3f KiB of page table per MiB touched (4 KiB pages, 8-byte entries: %.3f)", slope,
		8.0 * (double)SK_MIB / (double)sk_page_size() / 1024.0);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
