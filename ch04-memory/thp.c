/*
 * thp - transparent huge pages: one fault maps 2 MiB instead of 4 KiB.
 *
 * Touches N MiB of fresh anonymous memory one byte per 4 KiB page, twice per
 * repetition: with MADV_NOHUGEPAGE (every page is a fault) and with
 * MADV_HUGEPAGE (one fault per 2 MiB huge page, if the kernel can find free
 * 2 MiB blocks). Per repetition: minor faults (getrusage), time per MiB,
 * AnonHugePages (/proc/self/smaps_rollup) and VmPTE (/proc/self/status):
 * huge pages also need no last-level page table.
 * Skips (exit 4) when THP is "never" or not built into the kernel.
 *
 * Usage: thp [-q] [-s SIZE] [-r REPS] [-o FILE]
 * Try:   taskset -c 1 ./thp -q | column -t
 */
#include "ch04.h"

#define DEFAULT_SIZE (UINT64_C(256) << 20)
#define QUICK_SIZE (UINT64_C(40) << 20)   /* 5 reps x 40 MiB: as long as the former 3 x 64 MiB */
#define DEFAULT_REPS 5
#define QUICK_REPS 5

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'s', "size", "SIZE", "mapping size (multiple of 2 MiB is best), at most MemAvailable/2"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "First touch of SIZE with MADV_NOHUGEPAGE vs MADV_HUGEPAGE: faults, ns per MiB,\n"
		      "AnonHugePages, VmPTE. Exit 4 (SKIP) if THP is never/unavailable.");
	printf("\nDefaults: SIZE %llu MiB, %d reps; quick: %llu MiB, %d reps.\n"
	       "Output columns: mode rep size_kib faults ns_per_mib anon_huge_kib vm_pte_kib\n"
	       "  (mode: nohugepage or hugepage; vm_pte_kib is the growth of VmPTE)\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q\n"
	       "  taskset -c 1 %s -s 1G -r 7\n",
	       (unsigned long long)(DEFAULT_SIZE >> 20), DEFAULT_REPS,
	       (unsigned long long)(QUICK_SIZE >> 20), QUICK_REPS, sk_prog, sk_prog);
}

static void one_rep(struct sk_tsv *t, int huge, int rep, size_t len)
{
	struct sk_smaps sm0, sm1;
	struct ch04_self s0, s1;
	char *p = sk_map_anon(len, huge);   /* huge: aligned to the huge-page size */
	ch04_self_read(&s0);
	if (sk_read_smaps_rollup(0, &sm0))
		sk_die_errno("read /proc/self/smaps_rollup");
	long long f0 = sk_minflt();
	uint64_t a = sk_now_ns();
	sk_touch_pages(p, len);
	uint64_t ns = sk_now_ns() - a;
	long long faults = sk_minflt() - f0;
	ch04_self_read(&s1);
	if (sk_read_smaps_rollup(0, &sm1))
		sk_die_errno("read /proc/self/smaps_rollup");
	double mib = (double)len / (double)SK_MIB;
	long long huge_kib = sm1.anon_huge_pages - sm0.anon_huge_pages;
	long long pte_kib = s1.vm_pte_kib - s0.vm_pte_kib;
	const char *mode = huge ? "hugepage" : "nohugepage";
	sk_tsv_row(t, "%s\t%d\t%zu\t%lld\t%.0f\t%lld\t%lld", mode, rep, len >> 10, faults,
		   (double)ns / mib, huge_kib, pte_kib);
	sk_note("%-10s rep %d: %7lld faults, %8.0f ns/MiB, AnonHugePages +%lld KiB, VmPTE +%lld KiB",
		mode, rep, faults, (double)ns / mib, huge_kib, pte_kib);
	if (munmap(p, len))
		sk_die_errno("munmap");
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	uint64_t size = ch04_size_options(argc, argv, opts, STD_OPTS, &std, usage, DEFAULT_SIZE, QUICK_SIZE);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);

	char mode[32];
	sk_thp_mode(mode, sizeof(mode));
	if (!sk_thp_possible(mode))
		sk_skip("transparent huge pages are '%s' (/sys/kernel/mm/transparent_hugepage/enabled)", mode);
	/* "always defer defer+madvise [madvise] never": keep the bracketed word. */
	char raw[128] = "", defrag[64] = "unknown";
	if (!sk_read_line("/sys/kernel/mm/transparent_hugepage/defrag", raw, sizeof(raw))) {
		const char *a = strchr(raw, '['), *b = a ? strchr(a, ']') : NULL;
		if (a && b)
			snprintf(defrag, sizeof(defrag), "%.*s", (int)(b - a - 1), a + 1);
	}
	size_t len = ch04_page_round(size), hpage = (size_t)sk_hugepage_size();

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "size_bytes", "%zu", len);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "thp_enabled", "%s", mode);
	sk_tsv_meta(&tsv, "thp_defrag", "%s", defrag);
	sk_tsv_meta(&tsv, "huge_page_bytes", "%zu", hpage);
	sk_tsv_header(&tsv, "mode\trep\tsize_kib\tfaults\tns_per_mib\tanon_huge_kib\tvm_pte_kib");
	/* A throw-away first touch: warms the allocator and the page-table upper levels. */
	char *w = sk_map_anon(hpage * 4, 0);
	sk_touch_pages(w, hpage * 4);
	munmap(w, hpage * 4);
	for (int r = 0; r < reps; r++) {
		sk_cpu_note();
		one_rep(&tsv, 0, r, len);
		one_rep(&tsv, 1, r, len);
	}
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
