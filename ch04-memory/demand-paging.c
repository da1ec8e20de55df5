/*
 * demand-paging - physical memory arrives page by page, on first touch.
 *
 * Maps N MiB of anonymous memory (THP off for the mapping: MADV_NOHUGEPAGE,
 * so every 4 KiB page is one fault), then writes one byte per page, STEP MiB
 * at a time, one step per interval. After every step it samples, from inside:
 * VSZ, RSS and VmPTE (/proc/self/status), minor and major faults (getrusage),
 * and the system's MemFree/MemAvailable (/proc/meminfo). The book did this
 * with ps in a second terminal while a script waited for Enter; -i keeps the
 * Enter prompts for a classroom (only with a terminal on stdin).
 * The cost of taking each sample is measured and reported (sample_us).
 *
 * Usage: demand-paging [-q] [-s SIZE] [--step STEP] [-i INTERVAL_MS] [--interactive] [-H] [-o FILE]
 * Try:   ./demand-paging -i 500 | column -t
 */
#include "ch04.h"

#define DEFAULT_SIZE (UINT64_C(100) << 20)   /* the book's 100 MiB */
#define DEFAULT_STEP (UINT64_C(10) << 20)    /* the book's 10 MiB per step */
#define DEFAULT_INTERVAL_MS 1000             /* the book's 1 s */
#define QUICK_INTERVAL_MS 150

struct sample {
	struct ch04_self self;
	long long mem_free_kib, mem_available_kib;
	uint64_t cost_ns;
};

static void take_sample(struct sample *s)
{
	uint64_t t0 = sk_now_ns();
	ch04_self_read(&s->self);
	struct sk_meminfo m;
	if (sk_read_meminfo(&m))
		sk_die_errno("read /proc/meminfo");
	s->mem_free_kib = m.mem_free;
	s->mem_available_kib = m.mem_available;
	s->cost_ns = sk_now_ns() - t0;
}

static void row(struct sk_tsv *t, uint64_t t0, const char *phase, uint64_t touched, uint64_t touch_ns,
		const struct sample *s)
{
	sk_tsv_row(t, "%.1f\t%s\t%llu\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%.3f\t%.1f",
		   (double)(sk_now_ns() - t0) / 1e6, phase, (unsigned long long)(touched >> 10),
		   s->self.vsz_kib, s->self.rss_kib, s->self.minflt, s->self.majflt, s->self.vm_pte_kib,
		   s->mem_free_kib, s->mem_available_kib, (double)touch_ns / 1e6, (double)s->cost_ns / 1e3);
	sk_note("%-8s touched %6llu KiB  VSZ %8lld KiB  RSS %8lld KiB  minflt %7lld  majflt %lld  VmPTE %5lld KiB",
		phase, (unsigned long long)(touched >> 10), s->self.vsz_kib, s->self.rss_kib,
		s->self.minflt, s->self.majflt, s->self.vm_pte_kib);
}

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{'s', "size", "SIZE", "mapping size, at most MemAvailable/2"},
	{SK_LONG(1), "step", "SIZE", "touched per step"},
	{'i', "interval", "MS", "pause between steps [ms], 0..60000"},
	{SK_LONG(2), "interactive", NULL, "wait for Enter before the mmap and each step"},
	{'H', "thp", NULL, "leave THP to the system default (default: MADV_NOHUGEPAGE)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Map SIZE of anonymous memory, touch it STEP at a time, sample VSZ/RSS/faults per step.");
	printf("\n--interactive needs a terminal on stdin; otherwise timed steps, with a note.\n"
	       "Defaults: SIZE %llu MiB, STEP %llu MiB, interval %d ms (quick %d ms).\n"
	       "Output columns: t_ms phase touched_kib vsz_kib rss_kib minflt majflt vm_pte_kib\n"
	       "  mem_free_kib mem_available_kib touch_ms sample_us\n"
	       "  (phase: before = before mmap, mapped = after mmap, touch = after a step, unmapped)\n"
	       "Examples:\n"
	       "  %s -q | column -t\n"
	       "  %s --interactive   # classroom: press Enter, watch free/ps in another terminal\n",
	       (unsigned long long)(DEFAULT_SIZE >> 20), (unsigned long long)(DEFAULT_STEP >> 20),
	       DEFAULT_INTERVAL_MS, QUICK_INTERVAL_MS, sk_prog, sk_prog);
}

static void wait_enter(bool interactive, const char *what)
{
	if (!interactive)
		return;
	fprintf(stderr, "%s: press Enter to %s ", sk_prog, what);
	int ch;
	while ((ch = getchar()) != EOF && ch != '\n')
		;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t size = DEFAULT_SIZE, step = DEFAULT_STEP;
	int interval_ms = DEFAULT_INTERVAL_MS;
	bool size_given = false, interval_given = false, interactive = false;
	int thp = 0;
	const char *step_arg = NULL;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 's': size = ch04_parse_mem_size(optarg, "--size"); size_given = true; break;
		case SK_LONG(1):
			step = sk_parse_size(optarg, "--step", (uint64_t)sk_page_size(), UINT64_C(1) << 46);
			step_arg = optarg;
			break;
		case 'i': interval_ms = sk_parse_int(optarg, "--interval", 0, 60000); interval_given = true; break;
		case SK_LONG(2): interactive = true; break;
		case 'H': thp = -1; break;
		}
	}
	sk_no_operands(argc, argv);
	if (std.quick && !interval_given)
		interval_ms = QUICK_INTERVAL_MS;
	if (!size_given)
		size = ch04_default_size(size);
	if (step > size)
		sk_bad_arg("--step", step_arg, "larger than --size");
	if (interactive && !isatty(STDIN_FILENO)) {
		sk_note("-i: stdin is not a terminal: no Enter prompts, timed steps of %d ms instead",
			interval_ms);
		interactive = false;
	}
	size_t len = ch04_page_round(size), steplen = ch04_page_round(step);
	long ps = sk_page_size();

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "size_bytes", "%zu", len);
	sk_tsv_meta(&tsv, "step_bytes", "%zu", steplen);
	sk_tsv_meta(&tsv, "interval_ms", "%d", interval_ms);
	sk_tsv_meta(&tsv, "thp", "%s", thp == 0 ? "MADV_NOHUGEPAGE" : "system default");
	sk_tsv_meta(&tsv, "interactive", "%d", interactive);
	sk_tsv_header(&tsv, "t_ms\tphase\ttouched_kib\tvsz_kib\trss_kib\tminflt\tmajflt\tvm_pte_kib\t"
			    "mem_free_kib\tmem_available_kib\ttouch_ms\tsample_us");

	/* Warm up the readers (their static buffers, stdio) so that sampling
	 * itself faults in nothing later on. */
	struct sample s;
	take_sample(&s);
	take_sample(&s);
	uint64_t t0 = sk_now_ns();
	row(&tsv, t0, "before", 0, 0, &s);
	wait_enter(interactive, "mmap");
	char *p = sk_map_anon(len, thp);
	take_sample(&s);
	row(&tsv, t0, "mapped", 0, 0, &s);

	uint64_t sample_total = 0, touch_total = 0;
	int nsamples = 0;
	for (size_t off = 0; off < len;) {
		if (interactive)
			wait_enter(true, "touch the next step");
		else
			sk_sleep_ns((uint64_t)interval_ms * 1000000u);
		size_t n = len - off < steplen ? len - off : steplen;
		uint64_t a = sk_now_ns();
		volatile char *v = (volatile char *)p;
		for (size_t i = 0; i < n; i += (size_t)ps)
			v[off + i] = 1;
		uint64_t touch_ns = sk_now_ns() - a;
		off += n;
		take_sample(&s);
		row(&tsv, t0, "touch", off, touch_ns, &s);
		sample_total += s.cost_ns;
		touch_total += touch_ns;
		nsamples++;
	}
	if (munmap(p, len))
		sk_die_errno("munmap");
	take_sample(&s);
	row(&tsv, t0, "unmapped", 0, 0, &s);

	double overhead = touch_total ? 100.0 * (double)sample_total / (double)touch_total : 0;
	sk_tsv_meta(&tsv, "sample_us_mean", "%.1f", nsamples ? (double)sample_total / nsamples / 1e3 : 0);
	sk_tsv_meta(&tsv, "sample_overhead_pct_of_touch", "%.2f", overhead);
	sk_note("sampling /proc/self/status + getrusage + /proc/meminfo: %.1f us per step, %.2f%% of the touch time",
		nsamples ? (double)sample_total / nsamples / 1e3 : 0, overhead);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
