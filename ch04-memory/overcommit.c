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
 * Usage: overcommit [-q] [-r RESERVE] [-t TOUCH] [-o FILE]
 * Try:   ./overcommit | column -t
 */
#include "common.h"

#include <getopt.h>

#define DEFAULT_RESERVE_FACTOR 2            /* 2 x MemTotal: clearly more than exists */
#define MAX_RESERVE (UINT64_C(1) << 44)     /* 16 TiB: far below the 128 TiB user space */
#define DEFAULT_TOUCH (UINT64_C(64) << 20)
#define QUICK_TOUCH (UINT64_C(32) << 20)

static const char *const mode_meaning[] = {
	"0 = heuristic: refuse only obviously excessive requests",
	"1 = always: never refuse",
	"2 = strict: refuse beyond CommitLimit (swap + overcommit_ratio% of RAM)"};

struct state {
	struct m4_self self;
	struct sk_meminfo mi;
};

static void read_state(struct state *s)
{
	m4_self_read(&s->self);
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

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "Reserve far more address space than there is memory (MAP_NORESERVE and not), touch a\n"
	       "little of it, and show VSZ, RSS, Committed_AS; report vm.overcommit_memory.\n\n"
	       "  -q, --quick            TOUCH %llu MiB (default %llu MiB)\n"
	       "  -r, --reserve RESERVE  address space to ask for (default %d x MemTotal), 1M..16T\n"
	       "  -t, --touch TOUCH      how much of it to touch, at most MemAvailable/2\n"
	       "  -o, --output FILE      write the TSV to FILE (atomically) instead of stdout\n"
	       "  -h, --help             this help\n\n"
	       "Output columns: step ok errno reserved_kib touched_kib vsz_kib rss_kib\n"
	       "  committed_as_kib commit_limit_kib mem_available_kib\n"
	       "Examples:\n"
	       "  %s -q | column -t\n"
	       "  %s -r 1T -t 16M\n",
	       sk_prog, (unsigned long long)(QUICK_TOUCH >> 20), (unsigned long long)(DEFAULT_TOUCH >> 20),
	       DEFAULT_RESERVE_FACTOR, sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t reserve = 0, touch = DEFAULT_TOUCH;
	bool quick = false, touch_given = false;
	const char *out = NULL;
	static const struct option longopts[] = {
		{"quick", no_argument, NULL, 'q'}, {"reserve", required_argument, NULL, 'r'},
		{"touch", required_argument, NULL, 't'}, {"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "qr:t:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': quick = true; break;
		case 'r': reserve = sk_parse_size(optarg, "--reserve", SK_MIB, MAX_RESERVE); break;
		case 't': touch = m4_parse_mem_size(optarg, "--touch"); touch_given = true; break;
		case 'o': out = optarg; break;
		case 'h': usage(); return 0;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	if (quick && !touch_given)
		touch = QUICK_TOUCH;
	if (!touch_given)
		touch = m4_default_size(touch);
	struct state s;
	read_state(&s);
	if (!reserve)
		reserve = (uint64_t)s.mi.mem_total * 1024 * DEFAULT_RESERVE_FACTOR;
	if (reserve > MAX_RESERVE)
		reserve = MAX_RESERVE;
	size_t len = m4_page_round(reserve), tlen = m4_page_round(touch);
	if (tlen > len)
		tlen = len;

	long long mode = -1, ratio = -1;
	if (sk_read_ll("/proc/sys/vm/overcommit_memory", &mode))
		sk_warn_errno("read /proc/sys/vm/overcommit_memory");
	if (sk_read_ll("/proc/sys/vm/overcommit_ratio", &ratio))
		ratio = -1;

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, out);
	sk_tsv_meta(&tsv, "overcommit_memory", "%lld", mode);
	sk_tsv_meta(&tsv, "overcommit_meaning", "%s", mode >= 0 && mode <= 2 ? mode_meaning[mode] : "unknown");
	sk_tsv_meta(&tsv, "overcommit_ratio", "%lld", ratio);
	sk_tsv_meta(&tsv, "mem_total_kib", "%lld", s.mi.mem_total);
	sk_tsv_meta(&tsv, "reserve_bytes", "%zu", len);
	sk_tsv_meta(&tsv, "touch_bytes", "%zu", tlen);
	sk_tsv_meta(&tsv, "asan_build", "%d", M4_ASAN);
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
