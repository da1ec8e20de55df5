/*
 * cg-run - run a command inside a fresh cgroup with the limits given, wait for
 * it, print what the group used, remove the group (like cgexec, on v1 and v2).
 * The command's stdout is left alone (so its data can be captured); the group's
 * usage goes to stderr. The exit status is the command's.
 *
 * Usage: cg-run [--cpu-max PCT] [--memory-max SIZE] [--pids-max N]
 *               [--io-max "MAJ:MIN KEY=VALUE"]... -- COMMAND [ARG...]
 * Try:   sudo ./cg-run --cpu-max 20 -- ./cpu-limit -h; sudo ./cg-run --pids-max 8 -- bash
 */
#include "shikumi.h"
#include "ch12.h"

#include <math.h>
#include <signal.h>
#include <sys/wait.h>

#define MAX_IO 8

static const struct sk_opt opts[] = {
	{SK_LONG(1), "cpu-max", "PCT", "CPU quota in % of one CPU (period 100 ms), > 0, <= 100 x CPUs"},
	{SK_LONG(2), "memory-max", "SIZE", "memory limit, >= 16M, <= MemAvailable/2 (swap off)"},
	{SK_LONG(3), "pids-max", "N", "most tasks in the group, 1..4194304"},
	{SK_LONG(4), "io-max", "'MAJ:MIN KEY=V'", "I/O limit, KEY rbps|wbps|riops|wiops (repeatable)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[--cpu-max PCT] [--memory-max SIZE] [--pids-max N] [--io-max 'MAJ:MIN KEY=V']... -- COMMAND [ARG...]", opts, 0,
		      "Run COMMAND in a new cgroup (beneath this process's) with these limits; report its usage.");
	printf("\nNeeds root (or a delegated cgroup subtree); otherwise exits 4 (SKIP).\n"
	       "Example: %s --cpu-max 20 --memory-max 64M -- sh -c 'yes >/dev/null'\n", sk_prog);
}

struct io_lim {
	unsigned maj, min;
	char key[8];
	uint64_t value;
};

static void parse_io(const char *arg, struct io_lim *l)
{
	char key[8];
	unsigned long long v;
	int n = 0;
	if (sscanf(arg, "%u:%u %7[a-z]=%llu%n", &l->maj, &l->min, key, &v, &n) != 4 || arg[n] != '\0')
		sk_bad_arg("--io-max", arg, "expected 'MAJ:MIN KEY=VALUE' (e.g. '7:0 rbps=1048576')");
	if (strcmp(key, "rbps") && strcmp(key, "wbps") && strcmp(key, "riops") && strcmp(key, "wiops"))
		sk_bad_arg("--io-max", arg, "KEY is one of rbps wbps riops wiops");
	if (v == 0)
		sk_bad_arg("--io-max", arg, "VALUE must be > 0");
	snprintf(l->key, sizeof(l->key), "%s", key);
	l->value = v;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	cpu_set_t set;
	int ncpus = sk_allowed_cpus(&set);
	double cpu_pct = 0;
	uint64_t mem = 0;
	long long pids = 0;
	struct io_lim io[MAX_IO];
	int nio = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, 0, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): {
			const char *why = sk_parse_double_r(optarg, -1e9, 1e9, &cpu_pct);
			if (why)
				sk_bad_arg("--cpu-max", optarg, why);
			if (cpu_pct <= 0)
				sk_bad_arg("--cpu-max", optarg, "a quota must be > 0 %");
			if (cpu_pct > 100.0 * ncpus)
				sk_bad_arg("--cpu-max", optarg, "above the CPUs available");
			break;
		}
		case SK_LONG(2):
			mem = sk_parse_size(optarg, "--memory-max", 1, UINT64_MAX / 2);
			sk_cg_check_memory_limit(mem, "--memory-max", optarg);
			break;
		case SK_LONG(3): pids = sk_parse_ll(optarg, "--pids-max", 1, 4194304); break;
		case SK_LONG(4):
			if (nio == MAX_IO)
				sk_bad_arg("--io-max", optarg, "too many");
			parse_io(optarg, &io[nio++]);
			break;
		default: sk_usage_hint();
		}
	}
	if (optind >= argc)
		sk_usage_error("missing COMMAND (try '%s --help')", sk_prog);
	unsigned mask = SK_CG_BIT(SK_CG_CPUACCT);
	if (cpu_pct > 0)
		mask |= SK_CG_BIT(SK_CG_CPU);
	if (mem)
		mask |= SK_CG_BIT(SK_CG_MEMORY);
	if (pids)
		mask |= SK_CG_BIT(SK_CG_PIDS);
	if (nio)
		mask |= SK_CG_BIT(SK_CG_IO);
	sk_cg_setup(mask, argv);
	struct sk_cg *g = sk_cg_create("cg-run");
	if (cpu_pct > 0 && sk_cg_set_cpu_max(g, llround(cpu_pct * 1000), 100000))
		sk_cg_die();
	if (mem && sk_cg_set_memory_max(g, mem))
		sk_cg_die();
	if (pids && sk_cg_set_pids_max(g, pids))
		sk_cg_die();
	for (int i = 0; i < nio; i++)
		if (sk_cg_set_io_max(g, io[i].maj, io[i].min, io[i].key, io[i].value))
			sk_cg_die();
	pid_t pid = sk_cg_fork(g);
	if (pid < 0)
		sk_cg_die();
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "%s: exec %s: %s\n", sk_prog, argv[optind], sk_errno_name(errno));
		_exit(127);
	}
	int status = sk_wait(pid, NULL);
	struct sk_cg_cpu_stat cs;
	if (!sk_cg_cpu_stat(g, &cs) && cs.usage_usec >= 0)
		sk_note("group %s: cpu usage %.1f ms%s", sk_cg_name(g), (double)cs.usage_usec / 1000,
			cs.nr_periods > 0 ? " (throttled in some periods: see cpu.stat)" : "");
	if (mem) {
		struct sk_cg_mem_stat ms;
		if (!sk_cg_mem_stat(g, &ms))
			sk_note("group %s: memory peak %lld bytes, oom_kill %lld", sk_cg_name(g), ms.peak, ms.oom_kill);
	}
	if (sk_cg_destroy(g))
		sk_die("%s", sk_cg_error());
	fflush(NULL);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
