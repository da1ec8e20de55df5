/*
 * cpu-limit - how closely does a cgroup keep a CPU quota? Busy workers run in
 * a fresh group whose quota is QUOTA % of one CPU (v2: cpu.max "Q P"; v1:
 * cpu.cfs_quota_us + cpu.cfs_period_us), always more workers than the quota
 * can feed, so the quota is what binds. For each quota the CPU time the
 * workers got is measured twice: from their own rusage (utime + stime, from
 * wait4) and from the group's accounting (cpu.stat usage_usec / cpuacct.usage),
 * each over wall time; the group's throttling counters (nr_periods,
 * nr_throttled, throttled time) are read too, and the kernel's model is
 * printed beside it: in D ms of periods P with quota Q the group may run
 * floor(D/P)*Q + min(D mod P, Q) (the model of the kernel selftest test_cpu.c).
 *
 * The group also gets the highest CPU weight, so that other work on a busy
 * machine cannot keep it below its quota (the quota still caps it).
 *
 * Usage: cpu-limit [--quota PCT[,PCT...]] [--period US] [-d DURATION_MS] [-q] [-o FILE]
 * Try:   sudo ./cpu-limit --quota 20 -d 2000 | column -t
 */
#include "shikumi.h"
#include "ch12.h"

#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_POINTS 32
#define MAX_ATTEMPTS 3   /* measurements of one quota while the CPUs are busy elsewhere */
#define DEFAULT_PERIOD_US 100000   /* the kernel's default period, 100 ms */
#define CPU_WEIGHT_MAX 10000       /* cpu.weight's maximum (v1: cpu.shares 102400) */

static const struct sk_opt opts[] = {
	{SK_LONG(1), "quota", "PCT[,PCT...]", "quota in % of one CPU (default 10,25,50,75,100,150)"},
	{SK_LONG(2), "period", "US", "period [us], 1000..1000000 (default 100000)"},
	{'d', "duration", "DURATION_MS", "run time per quota [ms], 200..60000 (default 5000, quick 2000)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[--quota PCT[,PCT...]] [--period US] [-d DURATION_MS] [-q] [-o FILE]", opts, SK_STD_Q | SK_STD_O,
		      "Busy workers in a cgroup with a CPU quota: the share they get, measured from\n"
		      "their rusage and from the group's usage, with the group's throttling counters.");
	printf("\nNeeds root (or a delegated cgroup subtree); otherwise exits 4 (SKIP).\n"
	       "A quota must be > 0 and at most 100 x the CPUs this process may use.\n"
	       "Output columns: quota_pct period_us quota_us workers wall_ms worker_cpu_ms group_cpu_ms\n"
	       "  worker_share_pct group_share_pct model_cpu_ms model_share_pct nr_periods nr_throttled\n"
	       "  throttled_ms attempts cgroup_version\n"
	       "Example: %s --quota 20,50 -d 2000\n", sk_prog);
}

static int parse_quotas(const char *arg, double *q, int n, int ncpus)
{
	char buf[256];
	if (strlen(arg) >= sizeof(buf))
		sk_bad_arg("--quota", arg, "too long");
	strcpy(buf, arg);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == MAX_POINTS)
			sk_bad_arg("--quota", arg, "too many quotas");
		double v;
		const char *why = sk_parse_double_r(t, -1e9, 1e9, &v);
		if (why)
			sk_bad_arg("--quota", arg, why);
		if (v <= 0)
			sk_bad_arg("--quota", arg, "a quota must be > 0 %");
		if (v > 100.0 * ncpus) {
			char why2[96];
			snprintf(why2, sizeof(why2), "above the %d CPU(s) available (at most %d %%)", ncpus, 100 * ncpus);
			sk_bad_arg("--quota", arg, why2);
		}
		q[n++] = v;
	}
	if (!n)
		sk_bad_arg("--quota", arg, "no quota given");
	return n;
}

struct point {
	double quota_pct;
	long long period_us, quota_us;
	int workers;
	double wall_ms, worker_cpu_ms, group_cpu_ms, model_cpu_ms;
	struct sk_cg_cpu_stat st;
};

static void measure(struct point *p, long long duration_ms)
{
	struct sk_cg *g = sk_cg_create("cpu-limit");
	/* The highest weight as well: other work on a busy machine must not keep
	 * the group below its quota, or the quota would not be what is measured.
	 * The quota still caps it, so the machine keeps the rest. */
	if (sk_cg_set_cpu_max(g, p->quota_us, p->period_us) || sk_cg_set_cpu_weight(g, CPU_WEIGHT_MAX))
		sk_cg_die();
	pid_t pids[64];
	uint64_t t0 = sk_now_ns();
	for (int i = 0; i < p->workers; i++)
		pids[i] = ch12_start_busy(g, -1);
	sk_sleep_ns((uint64_t)duration_ms * 1000000u);
	uint64_t t1 = sk_now_ns();
	for (int i = 0; i < p->workers; i++)
		kill(pids[i], SIGKILL);
	double cpu_us = 0;
	for (int i = 0; i < p->workers; i++) {
		struct rusage ru;
		int status = sk_wait(pids[i], &ru);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			sk_die("worker %d ended on its own (status 0x%x): could it not be pinned?", (int)pids[i], status);
		cpu_us += (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
			  (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
	}
	if (sk_cg_cpu_stat(g, &p->st) || p->st.usage_usec < 0)
		sk_die("cpu usage of %s: %s", sk_cg_name(g), sk_cg_error());
	if (sk_cg_destroy(g))
		sk_die("%s", sk_cg_error());
	p->wall_ms = (double)(t1 - t0) / 1e6;
	p->worker_cpu_ms = cpu_us / 1000;
	p->group_cpu_ms = (double)p->st.usage_usec / 1000;
	/* the selftest's model: whole periods at the quota, the last one partial,
	 * and never more than the workers can use */
	double d_us = p->wall_ms * 1000, per = (double)p->period_us, q = (double)p->quota_us;
	double n = floor(d_us / per), rem = d_us - n * per;
	double model = n * q + (rem < q ? rem : q);
	double demand = d_us * p->workers;
	p->model_cpu_ms = (model < demand ? model : demand) / 1000;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	cpu_set_t set;
	int ncpus = sk_allowed_cpus(&set);
	double quotas[MAX_POINTS];
	int nq = 0;
	long long period_us = DEFAULT_PERIOD_US, duration_ms = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): nq = parse_quotas(optarg, quotas, nq, ncpus); break;
		case SK_LONG(2): period_us = sk_parse_ll(optarg, "--period", 1000, 1000000); break;
		case 'd': duration_ms = sk_parse_ll(optarg, "--duration", 200, 60000); break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	if (!nq) {
		static const double def[] = {10, 25, 50, 75, 100, 150};
		for (size_t i = 0; i < SK_ARRAY_LEN(def); i++)
			if (def[i] <= 100.0 * ncpus)
				quotas[nq++] = def[i];
	}
	if (!duration_ms)
		duration_ms = std.quick ? 2000 : 5000;

	unsigned mask = SK_CG_BIT(SK_CG_CPU) | SK_CG_BIT(SK_CG_CPUACCT);
	sk_cg_setup(mask, argv);
	sk_busy_calibrate();   /* warms the CPU up; the workers need no calibration */

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "duration_ms", "%lld", duration_ms);
	sk_tsv_meta(&t, "cpus_available", "%d", ncpus);
	sk_tsv_meta(&t, "what", "busy workers (more than the quota can feed) in a group with a CPU quota; share = CPU time / wall time");
	sk_tsv_meta(&t, "weight", "%d (the maximum: other work must not hold the group below its quota)", CPU_WEIGHT_MAX);
	sk_tsv_meta(&t, "model", "floor(D/P)*Q + min(D mod P, Q), at most workers*D (kernel selftest test_cpu.c)");
	sk_tsv_header(&t, "quota_pct\tperiod_us\tquota_us\tworkers\twall_ms\tworker_cpu_ms\tgroup_cpu_ms\t"
			  "worker_share_pct\tgroup_share_pct\tmodel_cpu_ms\tmodel_share_pct\tnr_periods\t"
			  "nr_throttled\tthrottled_ms\tattempts\tcgroup_version");
	bool meta_done = false;
	for (int i = 0; i < nq; i++) {
		struct point p = {.quota_pct = quotas[i], .period_us = period_us};
		p.quota_us = llround(quotas[i] / 100.0 * (double)period_us);
		if (p.quota_us < 1000)
			sk_bad_arg("--quota", "", "quota below 1 ms per period (the kernel's minimum): raise --period");
		/* one more worker than the quota can keep busy, within the CPUs we have */
		p.workers = (int)floor(quotas[i] / 100.0) + 1;
		if (p.workers > ncpus)
			p.workers = ncpus;
		sk_note("quota %.0f %% (%lld us per %lld us), %d worker(s), %lld ms", p.quota_pct, p.quota_us, p.period_us,
			p.workers, duration_ms);
		/* Demand always exceeds the quota, so the group is throttled in nearly
		 * every period; if it was not, other work held the CPUs and the quota
		 * was not what limited it: measure again (at most MAX_ATTEMPTS). */
		int attempt;
		for (attempt = 1;; attempt++) {
			measure(&p, duration_ms);
			if (p.st.nr_periods > 0 && 2 * p.st.nr_throttled >= p.st.nr_periods)
				break;
			if (attempt == (std.quick ? 2 : MAX_ATTEMPTS))
				break;
			sk_note("quota %.0f %%: throttled in only %lld of %lld periods (CPUs busy elsewhere?): again",
				p.quota_pct, p.st.nr_throttled, p.st.nr_periods);
		}
		if (!meta_done) {
			/* the groups are gone by now; their place is what the meta says */
			sk_tsv_meta(&t, "cgroup_mode", "%s", sk_cg_mode_name(sk_cg_system()->mode));
			sk_tsv_meta(&t, "cpu_files", "%s", sk_cg_system()->h[SK_CG_CPU].version == 2
								   ? "cpu.max, cpu.stat (usage_usec, nr_periods, nr_throttled, throttled_usec)"
								   : "cpu.cfs_quota_us, cpu.cfs_period_us, cpu.stat (throttled_time), cpuacct.usage");
			meta_done = true;
		}
		sk_tsv_row(&t, "%.1f\t%lld\t%lld\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%lld\t%lld\t%.3f\t%d\tv%d",
			   p.quota_pct, p.period_us, p.quota_us, p.workers, p.wall_ms, p.worker_cpu_ms, p.group_cpu_ms,
			   100 * p.worker_cpu_ms / p.wall_ms, 100 * p.group_cpu_ms / p.wall_ms, p.model_cpu_ms,
			   100 * p.model_cpu_ms / p.wall_ms, p.st.nr_periods, p.st.nr_throttled,
			   p.st.throttled_usec < 0 ? -1.0 : (double)p.st.throttled_usec / 1000, attempt,
			   sk_cg_system()->h[SK_CG_CPU].version);
		sk_cpu_note();
	}
	return sk_tsv_close(&t) ? SK_EXIT_FAIL : 0;
}
