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
#include "common.h"

#include <getopt.h>

#define DEFAULT_SIZE (UINT64_C(256) << 20)
#define QUICK_SIZE (UINT64_C(64) << 20)
#define DEFAULT_REPS 5
#define QUICK_REPS 3

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "First touch of SIZE with MADV_NOHUGEPAGE vs MADV_HUGEPAGE: faults, ns per MiB,\n"
	       "AnonHugePages, VmPTE. Exit 4 (SKIP) if THP is never/unavailable.\n\n"
	       "  -q, --quick            SIZE %llu MiB, %d reps (default %llu MiB, %d reps)\n"
	       "  -s, --size SIZE        mapping size (multiple of 2 MiB is best), at most MemAvailable/2\n"
	       "  -r, --reps REPS        repetitions of each mode, 1..100\n"
	       "  -o, --output FILE      write the TSV to FILE (atomically) instead of stdout\n"
	       "  -h, --help             this help\n\n"
	       "Output columns: mode rep size_kib faults ns_per_mib anon_huge_kib vm_pte_kib\n"
	       "  (mode: nohugepage or hugepage; vm_pte_kib is the growth of VmPTE)\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q\n"
	       "  taskset -c 1 %s -s 1G -r 3\n",
	       sk_prog, (unsigned long long)(QUICK_SIZE >> 20), QUICK_REPS,
	       (unsigned long long)(DEFAULT_SIZE >> 20), DEFAULT_REPS, sk_prog, sk_prog);
}

static void one_rep(struct sk_tsv *t, int huge, int rep, size_t len)
{
	struct sk_smaps sm0, sm1;
	struct m4_self s0, s1;
	char *p = sk_map_anon(len, huge);   /* huge: aligned to the huge-page size */
	m4_self_read(&s0);
	if (sk_read_smaps_rollup(0, &sm0))
		sk_die_errno("read /proc/self/smaps_rollup");
	long long f0 = m4_minflt();
	uint64_t a = sk_now_ns();
	sk_touch_pages(p, len);
	uint64_t ns = sk_now_ns() - a;
	long long faults = m4_minflt() - f0;
	m4_self_read(&s1);
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
	uint64_t size = DEFAULT_SIZE;
	int reps = DEFAULT_REPS;
	bool quick = false, size_given = false, reps_given = false;
	const char *out = NULL;
	static const struct option longopts[] = {
		{"quick", no_argument, NULL, 'q'}, {"size", required_argument, NULL, 's'},
		{"reps", required_argument, NULL, 'r'}, {"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "qs:r:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': quick = true; break;
		case 's': size = m4_parse_mem_size(optarg, "--size"); size_given = true; break;
		case 'r': reps = sk_parse_int(optarg, "--reps", 1, 100); reps_given = true; break;
		case 'o': out = optarg; break;
		case 'h': usage(); return 0;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	if (quick && !size_given)
		size = QUICK_SIZE;
	if (quick && !reps_given)
		reps = QUICK_REPS;
	if (!size_given)
		size = m4_default_size(size);

	char mode[32];
	sk_thp_mode(mode, sizeof(mode));
	if (!strcmp(mode, "never") || !strcmp(mode, "unavailable"))
		sk_skip("transparent huge pages are '%s' (/sys/kernel/mm/transparent_hugepage/enabled)", mode);
	/* "always defer defer+madvise [madvise] never": keep the bracketed word. */
	char raw[128] = "", defrag[64] = "unknown";
	if (!sk_read_line("/sys/kernel/mm/transparent_hugepage/defrag", raw, sizeof(raw))) {
		const char *a = strchr(raw, '['), *b = a ? strchr(a, ']') : NULL;
		if (a && b)
			snprintf(defrag, sizeof(defrag), "%.*s", (int)(b - a - 1), a + 1);
	}
	size_t len = m4_page_round(size), hpage = (size_t)sk_hugepage_size();

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, out);
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
