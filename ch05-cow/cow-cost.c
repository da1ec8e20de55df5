/*
 * cow-cost - what one copy-on-write fault costs, next to the other ways of
 * touching a page.
 *
 * Five passes, each of one access per page over SIZE bytes of
 * private anonymous memory (MADV_NOHUGEPAGE: 4 KiB pages), timed with
 * CLOCK_MONOTONIC and counted with getrusage's ru_minflt so that every row
 * proves what it measured:
 *   zero_fault     first write to a fresh mapping: demand-zero fault
 *                  (allocate a page, zero it, map it)             ~1 fault/page
 *   cow_fault      first write by a child to a page it shares with its parent
 *                  after fork (allocate, copy 4 KiB, remap)      ~1 fault/page
 *   cow_read       read by a child of a page shared after fork: fork copied
 *                  the page-table entries, so no fault              0 faults
 *                  (but fork made those entries "old": the first access
 *                  pays a page walk that sets the accessed bit)
 *   cow_reread     the same read again: still shared, accessed bit set 0 faults
 *   private_write  second write by the child to the pages it already copied:
 *                  a plain store                                    0 faults
 * Every repetition uses fresh mappings (and a fresh child), so no pass finds
 * pages left over by an earlier one. The per-page loop costs ~1 ns, far below
 * what is measured, and is not subtracted. Pinning is the caller's job
 * (taskset); the child inherits it.
 *
 * Usage: cow-cost [-s SIZE] [-r REPS] [-q] [-o FILE]
 * Try:   taskset -c 1 ./cow-cost -q | column -t
 */
#include "shikumi.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define DEFAULT_SIZE (64 * SK_MIB)   /* 16384 pages: ~40 ms of CoW faults per pass */
#define QUICK_SIZE (16 * SK_MIB)
#define DEFAULT_REPS 9
#define QUICK_REPS 5
#define MAPPINGS_AT_ONCE 4           /* parent: read + write maps, child: copies, zero map */

enum op { OP_ZERO, OP_COW, OP_READ, OP_REREAD, OP_PRIVATE, NOPS };
static const char *const op_name[NOPS] = {"zero_fault", "cow_fault", "cow_read", "cow_reread",
					  "private_write"};

struct pass {            /* one timed pass, also filled in by the child (shared memory) */
	uint64_t ns, minflt;
};

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'s', "size", "SIZE", "memory per pass [bytes, K/M/G suffix]"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "ns per page for a CoW fault, a demand-zero fault, a read (and a second read) of a\n"
		      "CoW-shared page and a write to an already-private page; TSV to stdout.");
	printf("\nDefaults: SIZE 64M, %d reps; quick: 16M, %d reps. %d x SIZE must fit in half of\n"
	       "MemAvailable. Each repetition maps afresh.\n"
	       "Output columns: op rep pages elapsed_ns minflt ns_per_page faults_per_page\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q | column -t\n"
	       "  taskset -c 1 %s -s 256M -r 11\n",
	       DEFAULT_REPS, QUICK_REPS, MAPPINGS_AT_ONCE, sk_prog, sk_prog);
}

static char *map_pages(size_t len)
{
	return sk_map_anon(len, 0);   /* MADV_NOHUGEPAGE: one fault per 4 KiB page */
}

/* One access per page. The volatile pointer keeps every access under -O2. */
static void pass_write(char *p, size_t len, size_t page, char v, struct pass *out)
{
	volatile char *c = p;
	uint64_t f0 = sk_minflt(), t0 = sk_now_ns();
	for (size_t off = 0; off < len; off += page)
		c[off] = v;
	uint64_t t1 = sk_now_ns();
	out->ns = t1 - t0;
	out->minflt = sk_minflt() - f0;
}

static void pass_read(const char *p, size_t len, size_t page, struct pass *out)
{
	const volatile char *c = p;
	uint64_t sum = 0, f0 = sk_minflt(), t0 = sk_now_ns();
	for (size_t off = 0; off < len; off += page)
		sum += (unsigned char)c[off];
	uint64_t t1 = sk_now_ns();
	sk_sink = sum;
	out->ns = t1 - t0;
	out->minflt = sk_minflt() - f0;
}

static void time_zero_fault(size_t len, size_t page, struct pass *out)
{
	char *p = map_pages(len);
	pass_write(p, len, page, 1, out);
	if (munmap(p, len))
		sk_die_errno("munmap");
}

/* The parent fills two mappings and forks; the child reads the first twice
 * (shared, no fault), writes the second (CoW faults), writes it again (private). The
 * child reports through shared memory and leaves with _exit. */
static void time_after_fork(size_t len, size_t page, struct pass *res /* [NOPS] */)
{
	char *rd = map_pages(len), *wr = map_pages(len);
	sk_touch_pages(rd, len);
	sk_touch_pages(wr, len);
	struct pass *shared = sk_shared_alloc(sizeof(struct pass) * NOPS);
	memset(shared, 0, sizeof(struct pass) * NOPS);

	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		pass_read(rd, len, page, &shared[OP_READ]);
		pass_read(rd, len, page, &shared[OP_REREAD]);
		pass_write(wr, len, page, 2, &shared[OP_COW]);
		pass_write(wr, len, page, 3, &shared[OP_PRIVATE]);
		_exit(0);
	}
	int status = sk_wait(pid, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		sk_die("child %d failed (status 0x%x)", (int)pid, status);
	res[OP_READ] = shared[OP_READ];
	res[OP_REREAD] = shared[OP_REREAD];
	res[OP_COW] = shared[OP_COW];
	res[OP_PRIVATE] = shared[OP_PRIVATE];
	if (munmap(shared, sizeof(struct pass) * NOPS) || munmap(rd, len) || munmap(wr, len))
		sk_die_errno("munmap");
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t size = DEFAULT_SIZE;
	const char *size_arg = NULL;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 's':
			size = sk_parse_size(optarg, "--size", SK_MIB, UINT64_C(1) << 44);
			size_arg = optarg;
			break;
		}
	}
	sk_no_operands(argc, argv);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	if (std.quick && !size_arg)
		size = QUICK_SIZE;
	uint64_t avail_half = sk_mem_available_bytes() / 2;
	if (size > avail_half / MAPPINGS_AT_ONCE) {
		char a[32], why[160];
		snprintf(why, sizeof(why), "%d x SIZE exceeds half of MemAvailable (limit %s)",
			 MAPPINGS_AT_ONCE, sk_fmt_size(avail_half / MAPPINGS_AT_ONCE, a, sizeof(a)));
		sk_bad_arg("--size", size_arg ? size_arg : "default", why);
	}
	size_t page = (size_t)sk_page_size();
	size = (size + page - 1) / page * page;
	size_t pages = size / page;

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "size_bytes", "%llu", (unsigned long long)size);
	sk_tsv_meta(&tsv, "pages", "%zu", pages);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "madvise", "MADV_NOHUGEPAGE");
	sk_tsv_meta(&tsv, "what", "one access per page; ns_per_page = elapsed_ns / pages; "
				  "faults_per_page from ru_minflt of the process that did the pass");
	sk_tsv_header(&tsv, "op\trep\tpages\telapsed_ns\tminflt\tns_per_page\tfaults_per_page");
	sk_children_guard();

	/* Warm-up: one throw-away round so that the first repetition does not pay
	 * for cold allocator paths and an idle vCPU. */
	struct pass res[NOPS];
	time_zero_fault(size, page, &res[OP_ZERO]);
	time_after_fork(size, page, res);

	static double med[NOPS][SK_BENCH_MAX_REPS];
	for (int rep = 0; rep < reps; rep++) {
		sk_cpu_note();
		time_zero_fault(size, page, &res[OP_ZERO]);
		time_after_fork(size, page, res);
		for (int op = 0; op < NOPS; op++) {
			double nspp = (double)res[op].ns / (double)pages;
			med[op][rep] = nspp;
			sk_tsv_row(&tsv, "%s\t%d\t%zu\t%llu\t%llu\t%.2f\t%.4f", op_name[op], rep, pages,
				   (unsigned long long)res[op].ns, (unsigned long long)res[op].minflt,
				   nspp, (double)res[op].minflt / (double)pages);
		}
	}
	for (int op = 0; op < NOPS; op++)
		sk_note("%-14s %9.1f ns/page (median of %d, %zu pages)", op_name[op],
			sk_median(med[op], (size_t)reps), reps, pages);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
