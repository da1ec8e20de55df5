/*
 * cpu-weight - two cgroups share one CPU by their weights. Each group holds
 * one busy worker, both pinned to the same CPU; group A has weight WA, group
 * B weight WB (v2: cpu.weight, default 100; v1: cpu.shares = weight * 1024 /
 * 100, default 1024). The scheduler gives each group WA/(WA+WB) of the CPU
 * while both want it: measured from each worker's rusage over the same wall
 * time, next to the prediction.
 *
 * Usage: cpu-weight [--weights WA:WB[,WA:WB...]] [-c CPU] [-d DURATION_MS] [-q] [-o FILE]
 * Try:   sudo ./cpu-weight --weights 100:300 -d 3000 | column -t
 */
#include "shikumi.h"
#include "ch12.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_PAIRS 16

static const struct sk_opt opts[] = {
	{SK_LONG(1), "weights", "WA:WB[,...]", "weight pairs, 1..10000 each (default 100:200,100:400)"},
	{'c', "cpu", "CPU", "the CPU both workers share (default: the last allowed)"},
	{'d', "duration", "DURATION_MS", "run time per pair [ms], 200..60000 (default 5000, quick 2000)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[--weights WA:WB[,...]] [-c CPU] [-d DURATION_MS] [-q] [-o FILE]", opts, SK_STD_Q | SK_STD_O,
		      "Two groups with CPU weights WA and WB, one busy worker each, on one CPU: the\n"
		      "share each gets vs WA/(WA+WB).");
	printf("\nNeeds root (or a delegated cgroup subtree); otherwise exits 4 (SKIP).\n"
	       "Output columns: pair group weight v1_shares wall_ms cpu_ms group_cpu_ms share_pct\n"
	       "  expected_pct cgroup_version\n"
	       "Example: %s --weights 100:300 -c 1\n", sk_prog);
}

static int parse_pairs(const char *arg, int (*w)[2], int n)
{
	char buf[256];
	if (strlen(arg) >= sizeof(buf))
		sk_bad_arg("--weights", arg, "too long");
	strcpy(buf, arg);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == MAX_PAIRS)
			sk_bad_arg("--weights", arg, "too many pairs");
		char *colon = strchr(t, ':');
		if (!colon)
			sk_bad_arg("--weights", arg, "expected WA:WB");
		*colon = '\0';
		long long a, b;
		const char *why = sk_parse_ll_r(t, 1, 10000, &a);
		if (!why)
			why = sk_parse_ll_r(colon + 1, 1, 10000, &b);
		if (why)
			sk_bad_arg("--weights", arg, why);
		w[n][0] = (int)a;
		w[n][1] = (int)b;
		n++;
	}
	if (!n)
		sk_bad_arg("--weights", arg, "no pair given");
	return n;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int pairs[MAX_PAIRS][2], np = 0, cpu = -1;
	long long duration_ms = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): np = parse_pairs(optarg, pairs, np); break;
		case 'c': cpu = sk_parse_cpu(optarg, "--cpu"); break;
		case 'd': duration_ms = sk_parse_ll(optarg, "--duration", 200, 60000); break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	if (!np) {
		pairs[0][0] = 100, pairs[0][1] = 200;
		pairs[1][0] = 100, pairs[1][1] = 400;
		np = 2;
	}
	if (!duration_ms)
		duration_ms = std.quick ? 2000 : 5000;
	if (cpu < 0) {
		cpu_set_t set;
		int n = sk_allowed_cpus(&set);
		cpu = sk_nth_allowed_cpu(n - 1);
	}

	unsigned mask = SK_CG_BIT(SK_CG_CPU) | SK_CG_BIT(SK_CG_CPUACCT);
	sk_cg_setup(mask, argv);
	int version = sk_cg_system()->h[SK_CG_CPU].version;

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "cpu", "%d", cpu);
	sk_tsv_meta(&t, "duration_ms", "%lld", duration_ms);
	sk_tsv_meta(&t, "cgroup_mode", "%s", sk_cg_mode_name(sk_cg_system()->mode));
	sk_tsv_meta(&t, "weight_file", "%s", version == 2 ? "cpu.weight (1..10000, default 100)"
							  : "cpu.shares (weight * 1024 / 100; default 1024)");
	sk_tsv_meta(&t, "what", "one busy worker per group, both pinned to the same CPU; share = CPU time / sum of both");
	sk_tsv_header(&t, "pair\tgroup\tweight\tv1_shares\twall_ms\tcpu_ms\tgroup_cpu_ms\tshare_pct\texpected_pct\tcgroup_version");
	for (int i = 0; i < np; i++) {
		char pair[32];
		snprintf(pair, sizeof(pair), "%d:%d", pairs[i][0], pairs[i][1]);
		sk_note("weights %s on CPU %d for %lld ms", pair, cpu, duration_ms);
		struct sk_cg *g[2];
		pid_t pid[2];
		for (int k = 0; k < 2; k++) {
			g[k] = sk_cg_create(k ? "weight-b" : "weight-a");
			if (sk_cg_set_cpu_weight(g[k], pairs[i][k]))
				sk_cg_die();
		}
		uint64_t t0 = sk_now_ns();
		for (int k = 0; k < 2; k++)
			pid[k] = ch12_start_busy(g[k], cpu);
		sk_sleep_ns((uint64_t)duration_ms * 1000000u);
		uint64_t t1 = sk_now_ns();
		kill(pid[0], SIGKILL);
		kill(pid[1], SIGKILL);
		double ms[2], gms[2];
		for (int k = 0; k < 2; k++) {
			struct rusage ru;
			int status = sk_wait(pid[k], &ru);
			if (!WIFSIGNALED(status))
				sk_die("worker %d could not be pinned to CPU %d (exit status %d)", (int)pid[k], cpu,
				       WEXITSTATUS(status));
			ms[k] = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e3 +
				((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e3;
			struct sk_cg_cpu_stat st;
			gms[k] = sk_cg_cpu_stat(g[k], &st) || st.usage_usec < 0 ? -1 : (double)st.usage_usec / 1000;
		}
		for (int k = 1; k >= 0; k--)
			if (sk_cg_destroy(g[k]))
				sk_die("%s", sk_cg_error());
		double sum = ms[0] + ms[1], wsum = pairs[i][0] + pairs[i][1];
		if (sum <= 0)
			sk_die("the workers got no CPU time at all");
		for (int k = 0; k < 2; k++)
			sk_tsv_row(&t, "%s\t%c\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\tv%d", pair, k ? 'b' : 'a', pairs[i][k],
				   pairs[i][k] * 1024 / 100, (double)(t1 - t0) / 1e6, ms[k], gms[k], 100 * ms[k] / sum,
				   100 * pairs[i][k] / wsum, version);
	}
	sk_cpu_note();
	return sk_tsv_close(&t) ? SK_EXIT_FAIL : 0;
}
