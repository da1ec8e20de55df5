/*
 * oversleep - how much longer than asked nanosleep sleeps, with the default
 * timer slack and with a slack of 1 ns.
 *
 * A sleep ends at a timer interrupt. Linux lets a normal task's timer fire
 * anywhere in [expiry, expiry + slack] so that nearby timers can share one
 * interrupt (fewer wake-ups, less power): the default slack is 50 us
 * (prctl(PR_SET_TIMERSLACK) changes it per thread; real-time tasks get 0).
 * On top of that come the interrupt, the wake-up and the switch back to us
 * (on a VM also the exit that wakes an idle vCPU, ~25 us here). The program
 * asks for sleeps of 1 us .. 10 ms, COUNT times each, first with the slack
 * the process was started with (normally 50 us), then with 1 ns, and writes
 * each sleep's overshoot (measured - requested, CLOCK_MONOTONIC).
 *
 * Usage: oversleep [-q] [-n COUNT] [-o FILE]
 * Try:   ./oversleep -q | column -t
 */
#include "shikumi.h"

#include <sys/prctl.h>

#define DEFAULT_COUNT 200
#define QUICK_COUNT 100
#define MIN_COUNT 10
#define BUDGET_MS 300   /* per request and slack: COUNT is cut so that a 10 ms sleep does not take 2 s */
#define TIGHT_SLACK_NS 1

static const long long request_ns[] = {1000, 10000, 50000, 100000, 500000, 1000000, 5000000, 10000000};

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{'n', "count", "COUNT", "sleeps per request and slack, " SK_STR(MIN_COUNT) "..100000 (default "
					SK_STR(DEFAULT_COUNT) ", quick " SK_STR(QUICK_COUNT) "; long sleeps are cut"
					" to ~" SK_STR(BUDGET_MS) " ms)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "nanosleep overshoot for requests of 1 us .. 10 ms, default timer slack vs 1 ns. TSV to stdout.");
	printf("\nOutput columns: slack_ns  request_ns  i  slept_ns  overshoot_ns\n"
	       "  (one row per sleep; slack_ns is the thread's timer slack while it slept)\n"
	       "Preamble: default_slack_ns (what the process was started with), policy.\n"
	       "Examples:\n"
	       "  %s -q\n"
	       "  taskset -c 1 %s -n 1000\n",
	       sk_prog, sk_prog);
}

static long long get_slack(void)
{
	int r = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	if (r < 0)
		sk_die_errno("prctl(PR_GET_TIMERSLACK)");
	return r;
}

static void set_slack(long long ns)
{
	if (prctl(PR_SET_TIMERSLACK, (unsigned long)ns, 0, 0, 0))
		sk_die_errno("prctl(PR_SET_TIMERSLACK, %lld)", ns);
}

/* One nanosleep of ns, not restarted: an interrupted sleep would not be one sleep. */
static long long one_sleep(long long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	uint64_t t0 = sk_now_ns();
	if (nanosleep(&ts, NULL))
		sk_die_errno("nanosleep");
	return (long long)(sk_now_ns() - t0);
}

static void sleep_series(struct sk_tsv *t, long long slack, int count)
{
	set_slack(slack);
	long long eff = get_slack();   /* what the kernel really set */
	for (size_t k = 0; k < SK_ARRAY_LEN(request_ns); k++) {
		long long req = request_ns[k];
		long long n = (long long)BUDGET_MS * 1000000 / req;
		if (n > count)
			n = count;
		if (n < MIN_COUNT)
			n = MIN_COUNT;
		one_sleep(req);   /* warm-up: the timer path and our pages */
		for (long long i = 1; i <= n; i++) {
			long long s = one_sleep(req);
			sk_tsv_row(t, "%lld\t%lld\t%lld\t%lld\t%lld", eff, req, i, s, s - req);
		}
		sk_cpu_note();
	}
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int count = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'n': count = sk_parse_int(optarg, "--count", MIN_COUNT, 100000); break;
		}
	}
	sk_no_operands(argc, argv);
	if (!count)
		count = std.quick ? QUICK_COUNT : DEFAULT_COUNT;
	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	long long def = get_slack();
	int pol = sched_getscheduler(0);
	sk_tsv_meta(&t, "default_slack_ns", "%lld", def);
	sk_tsv_meta(&t, "tight_slack_ns", "%d", TIGHT_SLACK_NS);
	sk_tsv_meta(&t, "policy", "%s", pol == SCHED_OTHER ? "SCHED_OTHER" : pol == SCHED_FIFO ? "SCHED_FIFO" :
					 pol == SCHED_RR ? "SCHED_RR" : pol == SCHED_BATCH ? "SCHED_BATCH" :
					 pol == SCHED_IDLE ? "SCHED_IDLE" : "other");
	sk_tsv_meta(&t, "count", "%d", count);
	sk_tsv_meta(&t, "budget_ms_per_request", "%d", BUDGET_MS);
	sk_tsv_header(&t, "slack_ns\trequest_ns\ti\tslept_ns\tovershoot_ns");
	if (def == TIGHT_SLACK_NS)
		sk_warn("started with a timer slack of %lld ns already: both series are alike", def);
	sk_note("sleeping: %d x each of %zu requests, slack %lld ns then %d ns", count, SK_ARRAY_LEN(request_ns),
		def, TIGHT_SLACK_NS);
	sleep_series(&t, def, count);
	sleep_series(&t, TIGHT_SLACK_NS, count);
	set_slack(def);
	return sk_tsv_close(&t) ? 1 : 0;
}
