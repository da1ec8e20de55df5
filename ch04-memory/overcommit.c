/*
 * overcommit - the kernel promises more memory than it has; touching is
 * what costs.
 *
 * Reads vm.overcommit_memory, then asks for RESERVE bytes of address space
 * (default: twice MemTotal) with an anonymous private mmap, twice: with
 * MAP_NORESERVE (no commit charge) and without (charged to Committed_AS).
 * Under the default heuristic mode (0) the first succeeds and the second is
 * refused as "obviously" too large; under mode 1 both succeed; under mode 2
 * (strict accounting) MAP_NORESERVE is ignored and both fail: that is the
 * lesson there, not an error. After a successful reservation it touches only
 * TOUCH bytes (default 64 MiB, never more than half of MemAvailable) and
 * shows that VSZ moved by RESERVE but RSS only by TOUCH.
 * Nothing here can wake the OOM killer: untouched pages cost no memory.
 *
 * Usage: overcommit [-q] [--reserve SIZE] [--touch SIZE] [-o FILE]
 * Try:   ./overcommit | column -t
 */
#include "ch04.h"

#define DEFAULT_RESERVE_FACTOR 2            /* 2 x MemTotal: clearly more than exists */
#define MAX_RESERVE (UINT64_C(1) << 44)     /* 16 TiB: far below the 128 TiB user space */
#define DEFAULT_TOUCH (UINT64_C(64) << 20)
#define QUICK_TOUCH (UINT64_C(32) << 20)

static const char *const mode_meaning[] = {
	"0 = heuristic: refuse only obviously excessive requests",
	"1 = always: never refuse",
	"2 = strict: refuse beyond CommitLimit (swap + overcommit_ratio% of RAM)"};

struct state {
	struct ch04_self self;
	struct sk_meminfo mi;
};

static void read_state(struct state *s)
{
	ch04_self_read(&s->self);
	if (sk_read_meminfo(&s->mi))
		sk_die_errno("read /proc/meminfo");
}

static void row(struct sk_tsv *t, const char *step, int ok, int err, uint64_t reserved, uint64_t touched,
		const struct state *s)
{
	sk_tsv_row(t, "%s\t%d\t%s\t%llu\t%llu\t%lld\t%lld\t%lld\t%lld\t%lld", step, ok, err ? sk_errno_name(err) : "-",
		   (unsigned long long)(reserved >> 10), (unsigned long long)(touched >> 10), s->self.vsz_kib,
		   s->self.rss_kib, s->mi.committed_as, s->mi.commit_limit, s->mi.mem_available);
	sk_note("%-20s %-6s VSZ %12lld KiB  RSS %8lld KiB  Committed_AS %10lld KiB", step,
		ok ? "ok" : (err ? sk_errno_name(err) : "failed"), s->self.vsz_kib, s->self.rss_kib,
		s->mi.committed_as);
}

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{SK_LONG(1), "reserve", "SIZE", "address space to ask for, 1M..16T"},
	{SK_LONG(2), "touch", "SIZE", "how much of it to touch, at most MemAvailable/2"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Reserve far more address space than there is memory (MAP_NORESERVE and not), touch a\n"
		      "little of it, and show VSZ, RSS, Committed_AS; report vm.overcommit_memory.");
	printf("\nDefaults: reserve %d x MemTotal, touch %llu MiB (quick %llu MiB).\n"
	       "Output columns: step ok errno reserved_kib touched_kib vsz_kib rss_kib\n"
	       "  committed_as_kib commit_limit_kib mem_available_kib\n"
	       "Examples:\n"
	       "  %s -q | column -t\n"
	       "  %s --reserve 1T --touch 16M\n",
	       DEFAULT_RESERVE_FACTOR, (unsigned long long)(DEFAULT_TOUCH >> 20),
	       (unsigned long long)(QUICK_TOUCH >> 20), sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t reserve = 0, touch = DEFAULT_TOUCH;
	bool touch_given = false;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): reserve = sk_parse_size(optarg, "--reserve", SK_MIB, MAX_RESERVE); break;
		case SK_LONG(2): touch = ch04_parse_mem_size(optarg, "--touch"); touch_given = true; break;
		}
	}
	sk_no_operands(argc, argv);
	if (std.quick && !touch_given)
		touch = QUICK_TOUCH;
	if (!touch_given)
		touch = ch04_default_size(touch);
	struct state s;
	read_state(&s);
	if (!reserve)
		reserve = (uint64_t)s.mi.mem_total * 1024 * DEFAULT_RESERVE_FACTOR;
	if (reserve > MAX_RESERVE)
		reserve = MAX_RESERVE;
	size_t len = ch04_page_round(reserve), tlen = ch04_page_round(touch);
	if (tlen > len)
		tlen = len;

	long long mode = -1, ratio = -1;
	if (sk_read_ll("/proc/sys/vm/overcommit_memory", &mode))
		sk_warn_errno("read /proc/sys/vm/overcommit_memory");
	if (sk_read_ll("/proc/sys/vm/overcommit_ratio", &ratio))
		ratio = -1;

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "overcommit_memory", "%lld", mode);
	sk_tsv_meta(&tsv, "overcommit_meaning", "%s", mode >= 0 && mode <= 2 ? mode_meaning[mode] : "unknown");
	sk_tsv_meta(&tsv, "overcommit_ratio", "%lld", ratio);
	sk_tsv_meta(&tsv, "mem_total_kib", "%lld", s.mi.mem_total);
	sk_tsv_meta(&tsv, "reserve_bytes", "%zu", len);
	sk_tsv_meta(&tsv, "touch_bytes", "%zu", tlen);
	sk_tsv_meta(&tsv, "asan_build", "%d", CH04_ASAN);
	sk_tsv_header(&tsv, "step\tok\terrno\treserved_kib\ttouched_kib\tvsz_kib\trss_kib\tcommitted_as_kib\tcommit_limit_kib\tmem_available_kib");
	sk_note("vm.overcommit_memory = %lld (%s); asking for %zu GiB with MemTotal %lld GiB", mode,
		mode >= 0 && mode <= 2 ? mode_meaning[mode] : "?", len >> 30, s.mi.mem_total >> 20);

	read_state(&s);
	row(&tsv, "before", 1, 0, 0, 0, &s);

	/* 1. Without MAP_NORESERVE: charged to the commit accounting. */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err = p == MAP_FAILED ? errno : 0;
	read_state(&s);
	row(&tsv, "reserve_charged", p != MAP_FAILED, err, p != MAP_FAILED ? len : 0, 0, &s);
	if (p != MAP_FAILED && munmap(p, len))
		sk_die_errno("munmap");

	/* 2. With MAP_NORESERVE: no charge (except in mode 2). */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	err = p == MAP_FAILED ? errno : 0;
	read_state(&s);
	row(&tsv, "reserve_noreserve", p != MAP_FAILED, err, p != MAP_FAILED ? len : 0, 0, &s);
	if (p == MAP_FAILED) {
		sk_note("the kernel refused %zu GiB of address space: with overcommit_memory=%lld that is the lesson", len >> 30, mode);
		return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
	}
	/* 3. Touch a bounded part: only this costs memory. */
	if (madvise(p, tlen, MADV_NOHUGEPAGE))
		sk_warn_errno("madvise MADV_NOHUGEPAGE");
	sk_touch_pages(p, tlen);
	read_state(&s);
	row(&tsv, "touched", 1, 0, len, tlen, &s);
	if (munmap(p, len))
		sk_die_errno("munmap");
	read_state(&s);
	row(&tsv, "unmapped", 1, 0, 0, 0, &s);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
