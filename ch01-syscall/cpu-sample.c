/*
 * cpu-sample - where does a CPU's time go? Samples the CPU's line of
 * /proc/stat at a fixed interval and prints, per interval, the share of
 * user, nice, system, idle, iowait, irq, softirq and steal time (what sar -P
 * shows, without needing sysstat, in C-locale TSV).
 *
 * /proc/stat counts in USER_HZ ticks (usually 100 per second), so a 200 ms
 * interval resolves shares to ~5 %; the kernel charges whole ticks.
 *
 * Usage: cpu-sample -c CPU [-c CPU...] [-i INTERVAL_MS] [-d DURATION_MS] [-o FILE]
 * Try:   ./cpu-sample -c 1 -i 250 -d 3000 | column -t
 */
#include "shikumi.h"

#include <signal.h>

#define MAX_CPUS 256
#define DEFAULT_INTERVAL_MS 200

static volatile sig_atomic_t stop;
static void on_stop(int sig) { (void)sig; stop = 1; }

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {
	{'c', "cpu", "CPU", "CPU to sample (repeatable); 'all' for the total line"},
	{'i', "interval", "MS", "sampling interval [ms], 10..60000 (default " SK_STR(DEFAULT_INTERVAL_MS) ")"},
	{'d', "duration", "MS", "stop after this long [ms] (default: until SIGINT/SIGTERM)"},
	{0}};

static void usage(void)
{
	sk_usage_head("-c CPU [-c CPU...] [-i INTERVAL_MS] [-d DURATION_MS] [-o FILE]", opts, STD_OPTS,
		      "Sample per-CPU time shares from /proc/stat (like sar -P CPU); TSV to stdout.");
	printf("\nOutput columns: t_ms cpu user_pct nice_pct system_pct idle_pct iowait_pct irq_pct\n"
	       "                softirq_pct steal_pct\n"
	       "Example: %s -c 1 -i 250 -d 3000\n", sk_prog);
}

static double pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int cpus[MAX_CPUS], ncpus = 0;
	long long interval_ms = DEFAULT_INTERVAL_MS, duration_ms = 0;
	const char *duration_arg = NULL;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'c':
			if (ncpus == MAX_CPUS)
				sk_bad_arg("--cpu", optarg, "too many CPUs");
			if (!strcmp(optarg, "all")) {
				cpus[ncpus++] = -1;
				break;
			}
			/* Any online CPU may be sampled, not only the allowed ones. */
			cpus[ncpus] = sk_parse_int(optarg, "--cpu", 0, MAX_CPUS - 1);
			{
				struct sk_cpustat probe;
				if (sk_read_cpustat(cpus[ncpus], &probe))
					sk_bad_arg("--cpu", optarg, "no such CPU in /proc/stat");
			}
			ncpus++;
			break;
		case 'i': interval_ms = sk_parse_ll(optarg, "--interval", 10, 60000); break;
		case 'd':
			duration_ms = sk_parse_ll(optarg, "--duration", 1, 86400000);
			duration_arg = optarg;
			break;
		}
	}
	sk_no_operands(argc, argv);
	if (ncpus == 0)
		sk_usage_error("missing --cpu (try '%s --help')", sk_prog);
	if (duration_ms && duration_ms < interval_ms)
		sk_bad_arg("--duration", duration_arg, "shorter than one interval");

	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "interval_ms", "%lld", interval_ms);
	sk_tsv_meta(&tsv, "user_hz", "%ld", sk_clk_tck());
	sk_tsv_meta(&tsv, "what", "share of each interval's ticks per CPU from /proc/stat");
	sk_tsv_header(&tsv, "t_ms\tcpu\tuser_pct\tnice_pct\tsystem_pct\tidle_pct\tiowait_pct\t"
			    "irq_pct\tsoftirq_pct\tsteal_pct");

	struct sk_cpustat prev[MAX_CPUS], now;
	for (int i = 0; i < ncpus; i++)
		if (sk_read_cpustat(cpus[i], &prev[i]))
			sk_die_errno("read /proc/stat");
	uint64_t start = sk_now_ns();
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		/* absolute deadlines: the interval does not drift with our own work */
		next.tv_nsec += interval_ms % 1000 * 1000000;
		next.tv_sec += interval_ms / 1000 + next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		int rc;
		while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL)) == EINTR && !stop)
			;
		if (stop)
			break;
		double t_ms = (double)(sk_now_ns() - start) / 1e6;
		for (int i = 0; i < ncpus; i++) {
			if (sk_read_cpustat(cpus[i], &now))
				sk_die_errno("read /proc/stat");
			struct sk_cpustat d = {
				now.user - prev[i].user, now.nice - prev[i].nice,
				now.system - prev[i].system, now.idle - prev[i].idle,
				now.iowait - prev[i].iowait, now.irq - prev[i].irq,
				now.softirq - prev[i].softirq, now.steal - prev[i].steal};
			uint64_t tot = sk_cpustat_total(&d);
			char name[16];
			if (cpus[i] < 0)
				snprintf(name, sizeof(name), "all");
			else
				snprintf(name, sizeof(name), "%d", cpus[i]);
			sk_tsv_row(&tsv, "%.0f\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f", t_ms,
				   name, pct(d.user, tot), pct(d.nice, tot), pct(d.system, tot),
				   pct(d.idle, tot), pct(d.iowait, tot), pct(d.irq, tot),
				   pct(d.softirq, tot), pct(d.steal, tot));
			prev[i] = now;
		}
		if (duration_ms && t_ms >= (double)duration_ms - 0.5 * (double)interval_ms)
			break;
	}
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
