/*
 * cpuperf - turnaround time and throughput against the number of processes.
 *
 * For N = 1 .. MAX_N, forks N children that start together (barrier) and
 * each do the same fixed amount of calibrated busy work. Each child notes
 * its own finishing time (CLOCK_MONOTONIC) in shared memory; the parent
 * reaps them with wait4 for their CPU time. Turnaround of a child = its end
 * - the common start; throughput = N / (last end - start). Mode "one" pins
 * every child to one CPU (the CPU is shared: throughput stays flat,
 * turnaround grows with N); mode "all" leaves them free on every allowed CPU
 * (throughput grows until N = CPUs, then flattens). The book's cpuperf.sh,
 * without parsing `time`.
 *
 * Usage: cpuperf [-q] [-n MAX_N] [-r REPS] [--work WORK_MS] [-m one|all|both] [-c CPU] [-o FILE]
 * Try:   ./cpuperf -q | column -t
 */
#include "ch03.h"

#include <math.h>

#define MAX_MAX_N 256
#define DEFAULT_WORK_MS 200   /* >> a 4 ms tick: dozens of slices per child */
#define QUICK_WORK_MS 25    /* 5 reps: about as long as the former 3 x 50 ms */
#define DEFAULT_REPS 5
#define QUICK_REPS 5

enum { MODE_ONE, MODE_ALL, MODE_BOTH };
static const char *const mode_names[] = {"one", "all", "both", NULL};

static uint64_t units_per_ms;

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'n', "max", "MAX_N", "largest N, 1.." SK_STR(MAX_MAX_N) " (default: 2 x allowed CPUs)"},
	{SK_LONG(1), "work", "MS", "work per process [ms of one CPU], 1..60000"},
	{'m', "mode", "MODE", "one (all on one CPU), all (free), both (default)"},
	{'c', "cpu", "CPU", "the CPU for mode one (default: the first allowed)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Turnaround and throughput of N identical CPU-bound processes, N = 1..MAX_N,\n"
		      "all pinned to one CPU and/or free on every allowed CPU. TSV to stdout.");
	printf("\nDefaults: %d ms of work per process, %d reps; quick: %d ms, %d reps.\n"
	       "Output columns: mode  nproc  rep  avg_turnaround_ms  max_turnaround_ms\n"
	       "                batch_wall_ms  throughput_per_s  cpu_ms\n"
	       "Examples:\n"
	       "  %s -q\n"
	       "  %s -m one -c 1 -n 8 --work 100\n",
	       DEFAULT_WORK_MS, DEFAULT_REPS, QUICK_WORK_MS, QUICK_REPS, sk_prog, sk_prog);
}

struct batch {
	double avg_ms, max_ms, wall_ms, cpu_ms;
};

/* ends[i]: child i's finishing time; cpus[i]: the CPU it finished on. */
static struct batch run_batch(int n, int work_ms, int pin_cpu, uint64_t *ends, int *cpus, cpu_set_t *seen)
{
	struct ch03_barrier b;
	ch03_barrier_init(&b);
	pid_t pids[MAX_MAX_N];
	for (int i = 0; i < n; i++) {
		pid_t p = sk_fork();
		if (p < 0)
			sk_die_errno("fork");
		if (p == 0) {
			ch03_barrier_child_init(&b);
			int err = 0;
			if (pin_cpu >= 0 && sk_pin_self(pin_cpu))
				err = errno;
			ch03_barrier_child_wait(&b, (unsigned char)err);
			sk_busy(units_per_ms * (uint64_t)work_ms);
			ends[i] = sk_now_ns();
			cpus[i] = sched_getcpu();
			_exit(0);
		}
		pids[i] = p;
	}
	int err = ch03_barrier_collect(&b, n);
	if (err)
		sk_die("child set-up failed (pin to CPU %d): %s", pin_cpu, sk_errno_name(err));
	uint64_t t0 = ch03_barrier_release(&b);
	struct batch r = {0};
	for (int i = 0; i < n; i++) {
		struct rusage ru;
		int st = sk_wait(pids[i], &ru);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			char sb[64];
			sk_die("child %d (pid %d) %s", i, (int)pids[i], sk_status_str(st, sb, sizeof(sb)));
		}
		r.cpu_ms += sk_tv_ms(ru.ru_utime) + sk_tv_ms(ru.ru_stime);
		if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE)
			CPU_SET(cpus[i], seen);
		double ta = (double)(ends[i] - t0) / 1e6;
		r.avg_ms += ta / n;
		if (ta > r.max_ms)
			r.max_ms = ta;
	}
	r.wall_ms = r.max_ms;
	return r;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	cpu_set_t allowed;
	int ncpus = sk_allowed_cpus(&allowed);
	int max_n = 0, work_ms = 0, mode = MODE_BOTH, cpu = -1;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'n': max_n = sk_parse_int(optarg, "--max", 1, MAX_MAX_N); break;
		case SK_LONG(1): work_ms = sk_parse_int(optarg, "--work", 1, 60000); break;
		case 'm': mode = sk_parse_choice(optarg, "--mode", mode_names); break;
		case 'c': cpu = sk_parse_cpu(optarg, "--cpu"); break;
		}
	}
	sk_no_operands(argc, argv);
	if (!max_n)
		max_n = ncpus * 2 > MAX_MAX_N ? MAX_MAX_N : ncpus * 2;
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	if (!work_ms)
		work_ms = std.quick ? QUICK_WORK_MS : DEFAULT_WORK_MS;
	if (cpu < 0)
		cpu = sk_first_allowed_cpu();

	bool do_one = mode != MODE_ALL, do_all = mode != MODE_ONE;
	const char *all_note = "run";
	if (do_all && ncpus < 2) {
		all_note = "skipped: only 1 CPU allowed";
		sk_warn("mode all skipped: only one CPU is allowed (%s)", "nothing to spread over");
		do_all = false;
		if (!do_one)
			sk_skip("mode all needs at least 2 allowed CPUs");
	}

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_children_guard();
	sk_cpu_note();
	sk_note("calibrating the busy-work unit ...");
	units_per_ms = sk_busy_calibrate();
	uint64_t *ends = sk_shared_alloc(MAX_MAX_N * sizeof(uint64_t));
	int *cpus = sk_shared_alloc(MAX_MAX_N * sizeof(int));
	cpu_set_t seen[2];
	CPU_ZERO(&seen[0]);
	CPU_ZERO(&seen[1]);

	char buf[256];
	sk_tsv_meta(&t, "units_per_ms", "%llu", (unsigned long long)units_per_ms);
	sk_tsv_meta(&t, "work_ms", "%d", work_ms);
	sk_tsv_meta(&t, "max_n", "%d", max_n);
	sk_tsv_meta(&t, "reps", "%d", reps);
	sk_tsv_meta(&t, "cpu_mode_one", "%d", cpu);
	sk_tsv_meta(&t, "cpus_mode_all", "%s", sk_cpuset_str(&allowed, buf, sizeof(buf)));
	sk_tsv_meta(&t, "allowed_cpus", "%d", ncpus);
	sk_tsv_meta(&t, "mode_all", "%s", mode == MODE_ONE ? "not requested" : all_note);
	sk_tsv_header(&t, "mode\tnproc\trep\tavg_turnaround_ms\tmax_turnaround_ms\tbatch_wall_ms\t"
			  "throughput_per_s\tcpu_ms");
	/* Repetitions outermost: slow drifts (other load, frequency) spread over
	 * every point instead of biasing one. */
	for (int rep = 1; rep <= reps; rep++) {
		for (int m = MODE_ONE; m <= MODE_ALL; m++) {
			if ((m == MODE_ONE && !do_one) || (m == MODE_ALL && !do_all))
				continue;
			for (int n = 1; n <= max_n; n++) {
				struct batch r = run_batch(n, work_ms, m == MODE_ONE ? cpu : -1, ends, cpus, &seen[m]);
				sk_tsv_row(&t, "%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f", mode_names[m], n, rep,
					   r.avg_ms, r.max_ms, r.wall_ms, n / (r.wall_ms / 1e3), r.cpu_ms);
			}
		}
		sk_note("repetition %d/%d done", rep, reps);
	}
	sk_tsv_meta(&t, "cpus_used_mode_one", "%s", sk_cpuset_str(&seen[MODE_ONE], buf, sizeof(buf)));
	sk_tsv_meta(&t, "cpus_used_mode_all", "%s", sk_cpuset_str(&seen[MODE_ALL], buf, sizeof(buf)));
	struct rusage self;
	if (getrusage(RUSAGE_SELF, &self) == 0)   /* the calibration, the bookkeeping */
		sk_tsv_meta(&t, "self_cpu_ms", "%.1f", sk_tv_ms(self.ru_utime) + sk_tv_ms(self.ru_stime));
	return sk_tsv_close(&t) ? 1 : 0;
}
