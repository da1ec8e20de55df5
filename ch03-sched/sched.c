/*
 * sched - watch processes take turns on a CPU (the book's time-slice experiment).
 *
 * Calibrates a busy-work unit, forks NPROC workers that start together and
 * each do TOTAL_MS worth of work; after every RESOLUTION_MS worth a worker
 * records a CLOCK_MONOTONIC timestamp (and its CPU) into a preallocated
 * shared buffer. Pinned to one CPU, the trace shows the workers taking turns.
 * Between samples a worker also reads the clock every ~20 us of work: an
 * interval longer than its work by more than 100 us means it was off the CPU,
 * which gives the length of every uninterrupted run (the time slice actually
 * granted) without perf or tracing. Optionally the last worker runs at a
 * nice value (--nice) or the first one under SCHED_FIFO (--fifo).
 *
 * Usage: sched [--nice NICE] [--fifo] [--workers FILE] [--runs FILE] [-o FILE] NPROC TOTAL_MS RESOLUTION_MS
 * Try:   taskset -c 1 ./sched --workers /dev/stderr 2 100 1 | column -t | head
 */
#include "ch03.h"

#include <dirent.h>
#include <math.h>
#include <sys/resource.h>

#define MAX_NPROC 1024            /* issue: a sane limit */
#define MAX_TOTAL_MS 3600000      /* one hour of work per worker */
#define CHECKS_PER_MS 50          /* read the clock every ~20 us of work */
#define GAP_NS 100000             /* off-CPU: interrupts and VM exits take 10-20 us,
				     a scheduler slice >= 0.7 ms */
#define GAPS_PER_MS 4             /* gap buffer: 4 per ms of own work, at most ... */
#define MAX_GAPS 16384            /* ... this many per worker (overflow is counted) */
#define FIFO_PRIO 1               /* the lowest real-time priority is enough */

struct sample {
	uint64_t t_ns;
	int32_t cpu;
	int32_t pad;
};

struct gap {
	uint64_t from_ns, to_ns;
};

struct worker {                  /* per-worker header in shared memory */
	uint64_t start_ns, end_ns;
	uint32_t ngaps, gaps_lost;
	int32_t nice, policy;
};

struct shm {
	struct worker *w;
	struct sample *samples;   /* [nproc][nsamples] */
	struct gap *gaps;         /* [nproc][maxgaps] */
};

static int nproc, total_ms, res_ms, nsamples, maxgaps;
static int nice_val;
static bool nice_given, fifo;
static uint64_t units_per_ms;

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {
	{SK_LONG(1), "nice", "NICE", "run the last worker at nice NICE, -20..19 (the others at 0)"},
	{SK_LONG(2), "fifo", NULL, "run worker 0 under SCHED_FIFO priority " SK_STR(FIFO_PRIO)},
	{SK_LONG(3), "workers", "FILE", "per-worker TSV: nice, weight, CPU share, context switches"},
	{SK_LONG(4), "runs", "FILE", "TSV of every uninterrupted on-CPU run of every worker"},
	{0}};

static void usage(void)
{
	printf("Usage: %s [options] NPROC TOTAL_MS RESOLUTION_MS\n"
	       "Fork NPROC busy workers that start together; each does TOTAL_MS [ms] of work and\n"
	       "records a timestamp after every RESOLUTION_MS [ms] of it. TSV trace to stdout.\n"
	       "The program does not pin itself: run it under taskset to share one CPU.\n\n"
	       "  NPROC                      workers, 1..%d\n"
	       "  TOTAL_MS                   work per worker [ms], 1..%d, a multiple of RESOLUTION_MS\n"
	       "  RESOLUTION_MS              work between two samples [ms]\n",
	       sk_prog, MAX_NPROC, MAX_TOTAL_MS);
	sk_opts_usage(stdout, opts);
	sk_std_usage(stdout, STD_OPTS);
	printf("\n--nice below 0 and --fifo need privilege, else exit 4; RLIMIT_RTTIME bounds the\n"
	       "SCHED_FIFO worker. --workers: also user/sys time, CPUs, run (slice) statistics.\n\n"
	       "Trace columns: proc  elapsed_ms  progress_pct  cpu\n"
	       "Examples:\n"
	       "  taskset -c 1 %s 2 100 1                   # the book's figure: two workers on one CPU\n"
	       "  taskset -c 1 %s --nice 5 --workers w.tsv 2 200 1  # nice 0 vs nice 5\n",
	       sk_prog, sk_prog);
}

/* What one sample costs: a vDSO clock read, getcpu and a store. */
static double record_cost_ns(void)
{
	enum { N = 200000, RING = 256 };
	static struct sample ring[RING];
	double v[5];
	for (int r = 0; r < 5; r++) {
		uint64_t t0 = sk_now_ns();
		for (int i = 0; i < N; i++) {
			ring[i % RING].t_ns = sk_now_ns();
			ring[i % RING].cpu = sched_getcpu();
			SK_BARRIER();
		}
		v[r] = (double)(sk_now_ns() - t0) / N;
	}
	SK_KEEP(ring[0].t_ns);
	return sk_median(v, 5);
}

/* Set-up inside the worker; returns 0 or an errno. */
static int worker_setup(int id)
{
	if (nice_given && id == nproc - 1) {
		errno = 0;
		if (setpriority(PRIO_PROCESS, 0, nice_val))
			return errno ? errno : EPERM;
	}
	if (fifo && id == 0) {
		/* A runaway real-time loop would hog the CPU: the kernel sends SIGXCPU,
		 * then SIGKILL, after this much RT CPU time without sleeping. */
		uint64_t lim_us = ((uint64_t)total_ms * 3 + 2000) * 1000;
		struct rlimit rl = {.rlim_cur = lim_us, .rlim_max = lim_us + 1000000};
		if (setrlimit(RLIMIT_RTTIME, &rl))
			return errno;
		struct sched_param sp = {.sched_priority = FIFO_PRIO};
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			return errno;
	}
	return 0;
}

static void worker_run(int id, struct shm *m)
{
	struct worker *w = &m->w[id];
	struct sample *s = m->samples + (size_t)id * nsamples;
	struct gap *g = m->gaps + (size_t)id * maxgaps;
	const uint64_t per_sample = units_per_ms * (uint64_t)res_ms;
	uint64_t chunk = units_per_ms / CHECKS_PER_MS;
	if (chunk < 1)
		chunk = 1;
	const uint64_t chunk_ns = chunk * 1000000 / units_per_ms;

	errno = 0;
	w->nice = getpriority(PRIO_PROCESS, 0);
	w->policy = sched_getscheduler(0);
	uint64_t prev = sk_now_ns();
	w->start_ns = prev;
	for (int i = 0; i < nsamples; i++) {
		for (uint64_t left = per_sample; left;) {
			uint64_t n = left < chunk ? left : chunk;
			sk_busy(n);
			left -= n;
			uint64_t now = sk_now_ns();
			if (now - prev > chunk_ns + GAP_NS) {
				if (w->ngaps < (uint32_t)maxgaps)
					g[w->ngaps++] = (struct gap){prev, now};
				else
					w->gaps_lost++;
			}
			prev = now;
		}
		s[i].t_ns = prev;
		s[i].cpu = sched_getcpu();
	}
	w->end_ns = sk_now_ns();
}

/* Progress (0..1) of worker id at absolute time t. */
static double progress_at(const struct shm *m, int id, uint64_t t)
{
	const struct sample *s = m->samples + (size_t)id * nsamples;
	int done = 0;
	while (done < nsamples && s[done].t_ns <= t)
		done++;
	return (double)done / nsamples;
}

struct runstats {
	int nruns;                 /* complete runs (not the first, not the last) */
	struct sk_summary run_ms, wait_ms;
};

/* Runs of worker id: [start, gap0.from], [gap0.to, gap1.from], ..., [last.to, end].
 * With to_runs, every run is written there. */
static struct runstats worker_runs(const struct shm *m, int id, uint64_t t0, struct sk_tsv *runs)
{
	const struct worker *w = &m->w[id];
	const struct gap *g = m->gaps + (size_t)id * maxgaps;
	int n = (int)w->ngaps;
	struct runstats rs = {0};
	double *run = calloc((size_t)n + 1, sizeof(double));
	double *wait = calloc((size_t)n + 1, sizeof(double));
	if (!run || !wait)
		sk_die_errno("calloc");
	int nwait = 0;
	for (int k = 0; k <= n; k++) {
		uint64_t a = k == 0 ? w->start_ns : g[k - 1].to_ns;
		uint64_t b = k == n ? w->end_ns : g[k].from_ns;
		bool complete = k > 0 && k < n;
		if (runs)
			sk_tsv_row(runs, "%d\t%.3f\t%.3f\t%.3f\t%d", id, (double)(a - t0) / 1e6,
				   (double)(b - t0) / 1e6, (double)(b - a) / 1e6, complete);
		if (complete)
			run[rs.nruns++] = (double)(b - a) / 1e6;
		if (k < n)
			wait[nwait++] = (double)(g[k].to_ns - g[k].from_ns) / 1e6;
	}
	rs.run_ms = sk_summarize(run, (size_t)rs.nruns);
	rs.wait_ms = sk_summarize(wait, (size_t)nwait);
	free(run);
	free(wait);
	return rs;
}

static const char *read_knob(const char *path, char *buf, size_t len)
{
	if (sk_read_line(path, buf, len) == 0)
		return buf;
	snprintf(buf, len, "unreadable (%s)", sk_errno_name(errno));
	return buf;
}

static void kernel_meta(struct sk_tsv *t)
{
	char buf[256];
	sk_tsv_meta(t, "base_slice_ns", "%s", read_knob("/sys/kernel/debug/sched/base_slice_ns", buf, sizeof(buf)));
	sk_tsv_meta(t, "sched_latency_ns", "%s", read_knob("/proc/sys/kernel/sched_latency_ns", buf, sizeof(buf)));
	/* Whatever scheduler knobs this kernel still has in /proc/sys/kernel. */
	DIR *dir = opendir("/proc/sys/kernel");
	struct dirent *de;
	char path[300];
	while (dir && (de = readdir(dir)))
		if (!strncmp(de->d_name, "sched_", 6) && strcmp(de->d_name, "sched_latency_ns")) {
			snprintf(path, sizeof(path), "/proc/sys/kernel/%s", de->d_name);
			sk_tsv_meta(t, de->d_name, "%s", read_knob(path, buf, sizeof(buf)));
		}
	if (dir)
		closedir(dir);
	sk_tsv_meta(t, "online_cpus", "%d", sk_online_cpus());
	if (sk_read_line("/proc/self/cgroup", buf, sizeof(buf)) == 0)
		sk_tsv_meta(t, "cgroup", "%s", buf);
}

/* ---- the steps of main ---------------------------------------------------------- */

struct files {
	const char *out, *workers, *runs;   /* -o, --workers, --runs (NULL: none) */
};

/* Options and operands into the globals; exit 2 on anything wrong. */
static void parse_args(int argc, char **argv, struct files *f)
{
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): nice_val = sk_parse_int(optarg, "--nice", -20, 19); nice_given = true; break;
		case SK_LONG(2): fifo = true; break;
		case SK_LONG(3): f->workers = optarg; break;
		case SK_LONG(4): f->runs = optarg; break;
		}
	}
	f->out = std.out;
	if (argc - optind != 3) {
		if (argc - optind > 3)
			sk_usage_error("unexpected operand '%s'", argv[optind + 3]);
		sk_usage_error("need NPROC TOTAL_MS RESOLUTION_MS (try '%s --help')", sk_prog);
	}
	nproc = sk_parse_int(argv[optind], "NPROC", 1, MAX_NPROC);
	total_ms = sk_parse_int(argv[optind + 1], "TOTAL_MS", 1, MAX_TOTAL_MS);
	res_ms = sk_parse_int(argv[optind + 2], "RESOLUTION_MS", 1, total_ms);
	if (total_ms % res_ms) {
		char why[96];
		snprintf(why, sizeof(why), "not a multiple of RESOLUTION_MS (%d)", res_ms);
		sk_bad_arg("TOTAL_MS", argv[optind + 1], why);
	}
	if (nice_given && nproc < 2)
		sk_usage_error("--nice needs NPROC >= 2 (the last worker is niced)");
	if (fifo && nproc < 2)
		sk_usage_error("--fifo needs NPROC >= 2 (worker 0 is real-time, the others normal)");
	nsamples = total_ms / res_ms;
	maxgaps = total_ms * GAPS_PER_MS + 16;
	if (maxgaps > MAX_GAPS)
		maxgaps = MAX_GAPS;
	size_t bytes = (size_t)nproc * (sizeof(struct worker) + (size_t)nsamples * sizeof(struct sample) +
					(size_t)maxgaps * sizeof(struct gap));
	sk_check_mem_bound(bytes, "NPROC x TOTAL_MS / RESOLUTION_MS", argv[optind]);
}

/* Fork the workers; each sets itself up, then all start together. Returns
 * their pids; *t0 is the start. Exit 4 if the set-up needs privilege. */
static pid_t *start_workers(struct shm *m, uint64_t *t0)
{
	sk_children_guard();
	struct ch03_barrier b;
	ch03_barrier_init(&b);
	pid_t *pids = calloc((size_t)nproc, sizeof(pid_t));
	if (!pids)
		sk_die_errno("calloc");
	for (int i = 0; i < nproc; i++) {
		pid_t p = sk_fork();
		if (p < 0)
			sk_die_errno("fork worker %d", i);
		if (p == 0) {
			ch03_barrier_child_init(&b);
			int err = worker_setup(i);
			ch03_barrier_child_wait(&b, (unsigned char)(err > 255 ? EINVAL : err));
			worker_run(i, m);
			_exit(0);
		}
		pids[i] = p;
	}
	int err = ch03_barrier_collect(&b, nproc);
	if (err == EPERM || err == EACCES)
		sk_skip("%s: %s (needs CAP_SYS_NICE, or an RT budget in this cgroup)",
			fifo ? "SCHED_FIFO" : "negative nice", sk_errno_name(err));
	if (err)
		sk_die("worker set-up failed: %s", sk_errno_name(err));
	*t0 = ch03_barrier_release(&b);
	return pids;
}

/* Reap every worker (dies if one did not finish its work); their rusage by id. */
static struct rusage *wait_workers(const pid_t *pids)
{
	struct rusage *ru = calloc((size_t)nproc, sizeof(struct rusage));
	if (!ru)
		sk_die_errno("calloc");
	for (int left = nproc; left > 0; left--) {
		int status;
		struct rusage r;
		pid_t p;
		while ((p = wait4(-1, &status, 0, &r)) < 0 && errno == EINTR)
			;
		if (p < 0)
			sk_die_errno("wait4");
		sk_child_forget(p);
		int id = 0;
		while (id < nproc && pids[id] != p)
			id++;
		if (id == nproc)
			continue;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			char sb[64];
			sk_die("worker %d (pid %d) %s before finishing its work", id, (int)p,
			       sk_status_str(status, sb, sizeof(sb)));
		}
		ru[id] = r;
	}
	return ru;
}

/* What the trace says, beyond the samples themselves. */
struct analysis {
	uint64_t first_end, last_end;   /* when the first and the last worker finished */
	size_t lost;                    /* off-CPU gaps not recorded */
	struct sk_summary slice;        /* on-CPU runs between two gaps, pooled */
	struct runstats *rs;            /* per worker */
	double iv_med;                  /* median sample interval [ms] */
	double *share, share_sum;       /* progress of each worker when the first finished */
	int wsum;                       /* sum of the fair-class weights */
	cpu_set_t wcpus;                /* CPUs the workers ran on */
};

/* Slice statistics, pooled over workers, and the CPU share while all ran.
 * With runs, every on-CPU run is written there. */
static void analyse(const struct shm *m, uint64_t t0, struct sk_tsv *runs, struct analysis *a)
{
	a->first_end = UINT64_MAX;
	a->last_end = 0;
	for (int i = 0; i < nproc; i++) {
		if (m->w[i].end_ns < a->first_end)
			a->first_end = m->w[i].end_ns;
		if (m->w[i].end_ns > a->last_end)
			a->last_end = m->w[i].end_ns;
	}
	size_t pool_n = 0;
	a->lost = 0;
	for (int i = 0; i < nproc; i++) {
		pool_n += m->w[i].ngaps;
		a->lost += m->w[i].gaps_lost;
	}
	double *pool = calloc(pool_n + 1, sizeof(double));
	a->rs = calloc((size_t)nproc, sizeof(*a->rs));
	if (!pool || !a->rs)
		sk_die_errno("calloc");
	size_t np = 0;
	if (runs)
		sk_tsv_header(runs, "proc\tstart_ms\tend_ms\trun_ms\tcomplete");
	for (int i = 0; i < nproc; i++) {
		a->rs[i] = worker_runs(m, i, t0, runs);
		const struct gap *g = m->gaps + (size_t)i * maxgaps;
		for (uint32_t k = 1; k < m->w[i].ngaps; k++)
			pool[np++] = (double)(g[k].from_ns - g[k - 1].to_ns) / 1e6;
	}
	a->slice = sk_summarize(pool, np);
	free(pool);

	/* Calibration check: most sample intervals are pure on-CPU work, so their
	 * median must be close to the resolution. */
	double *iv = calloc((size_t)nproc * nsamples, sizeof(double));
	if (!iv)
		sk_die_errno("calloc");
	size_t niv = 0;
	for (int i = 0; i < nproc; i++) {
		const struct sample *s = m->samples + (size_t)i * nsamples;
		for (int k = 0; k < nsamples; k++)
			iv[niv++] = (double)(s[k].t_ns - (k ? s[k - 1].t_ns : m->w[i].start_ns)) / 1e6;
	}
	a->iv_med = sk_median(iv, niv);
	free(iv);
	if (a->iv_med < 0.8 * res_ms || a->iv_med > 1.25 * res_ms)
		sk_warn("median sample interval %.3f ms for a %d ms resolution: calibration off (CPU frequency change?)",
			a->iv_med, res_ms);
	if (a->lost)
		sk_warn("%zu off-CPU gaps not recorded (buffer full): run statistics cover the start only", a->lost);

	a->share_sum = 0;
	a->wsum = 0;
	a->share = calloc((size_t)nproc, sizeof(double));
	if (!a->share)
		sk_die_errno("calloc");
	for (int i = 0; i < nproc; i++) {
		a->share[i] = progress_at(m, i, a->first_end);
		a->share_sum += a->share[i];
		a->wsum += m->w[i].policy == SCHED_OTHER ? ch03_nice_weight(m->w[i].nice) : 0;
	}

	CPU_ZERO(&a->wcpus);
	for (int i = 0; i < nproc; i++)
		for (int k = 0; k < nsamples; k++) {
			int cpu = m->samples[(size_t)i * nsamples + k].cpu;
			if (cpu >= 0 && cpu < CPU_SETSIZE)
				CPU_SET(cpu, &a->wcpus);
		}
}

/* The same preamble in each output file. */
static void write_meta(struct sk_tsv *t, const struct analysis *a, uint64_t t0, double rec_ns, double check_ns)
{
	char cbuf[256];
	sk_tsv_meta(t, "nproc", "%d", nproc);
	sk_tsv_meta(t, "total_ms", "%d", total_ms);
	sk_tsv_meta(t, "resolution_ms", "%d", res_ms);
	sk_tsv_meta(t, "nice_last_worker", "%d", nice_given ? nice_val : 0);
	sk_tsv_meta(t, "fifo_worker0", "%s", fifo ? "yes" : "no");
	sk_tsv_meta(t, "units_per_ms", "%llu", (unsigned long long)units_per_ms);
	sk_tsv_meta(t, "record_overhead_ns_per_sample", "%.1f", rec_ns);
	sk_tsv_meta(t, "record_overhead_pct_of_resolution", "%.5f", rec_ns / (res_ms * 1e6) * 100);
	sk_tsv_meta(t, "gap_check_overhead_pct", "%.3f", check_ns / (1e6 / CHECKS_PER_MS) * 100);
	sk_tsv_meta(t, "gap_threshold_us", "%d", GAP_NS / 1000);
	sk_tsv_meta(t, "sample_interval_median_ms", "%.4f", a->iv_med);
	sk_tsv_meta(t, "cpus_workers", "%s", sk_cpuset_str(&a->wcpus, cbuf, sizeof(cbuf)));
	sk_tsv_meta(t, "first_finish_ms", "%.3f", (double)(a->first_end - t0) / 1e6);
	sk_tsv_meta(t, "last_finish_ms", "%.3f", (double)(a->last_end - t0) / 1e6);
	sk_tsv_meta(t, "slice_runs", "%zu", a->slice.n);
	sk_tsv_meta(t, "slice_median_ms", "%.3f", a->slice.n ? a->slice.median : NAN);
	sk_tsv_meta(t, "slice_p10_ms", "%.3f", a->slice.n ? a->slice.p10 : NAN);
	sk_tsv_meta(t, "slice_p90_ms", "%.3f", a->slice.n ? a->slice.p90 : NAN);
	sk_tsv_meta(t, "gaps_lost", "%zu", a->lost);
	kernel_meta(t);
}

/* The trace: one row per sample of every worker. */
static void write_trace(struct sk_tsv *t, const struct shm *m, uint64_t t0)
{
	sk_tsv_header(t, "proc\telapsed_ms\tprogress_pct\tcpu");
	for (int i = 0; i < nproc; i++)
		for (int k = 0; k < nsamples; k++) {
			const struct sample *s = &m->samples[(size_t)i * nsamples + k];
			sk_tsv_row(t, "%d\t%.3f\t%.2f\t%d", i, (double)(s->t_ns - t0) / 1e6,
				   (k + 1) * 100.0 / nsamples, s->cpu);
		}
}

/* --workers: one row per worker. */
static void write_workers(struct sk_tsv *wt, const struct shm *m, const pid_t *pids,
			  const struct rusage *ru, const struct analysis *a, uint64_t t0)
{
	char cbuf[256];
	sk_tsv_header(wt, "proc\tpid\tnice\tpolicy\tweight\texpected_share_pct\tshare_pct\t"
			  "finish_ms\tuser_ms\tsys_ms\tvoluntary_ctxsw\tinvoluntary_ctxsw\tcpus\t"
			  "runs\tslice_median_ms\tslice_p10_ms\tslice_p90_ms\twait_median_ms");
	for (int i = 0; i < nproc; i++) {
		cpu_set_t cs;
		CPU_ZERO(&cs);
		for (int k = 0; k < nsamples; k++) {
			int cpu = m->samples[(size_t)i * nsamples + k].cpu;
			if (cpu >= 0 && cpu < CPU_SETSIZE)
				CPU_SET(cpu, &cs);
		}
		bool fair = m->w[i].policy == SCHED_OTHER;
		int wgt = fair ? ch03_nice_weight(m->w[i].nice) : 0;
		const struct runstats *r = &a->rs[i];
		sk_tsv_row(wt, "%d\t%d\t%d\t%s\t%d\t%.2f\t%.2f\t%.3f\t%.3f\t%.3f\t%ld\t%ld\t%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f",
			   i, (int)pids[i], m->w[i].nice, fair ? "other" : m->w[i].policy == SCHED_FIFO ? "fifo" : "rt",
			   wgt, fair && a->wsum ? 100.0 * wgt / a->wsum : NAN,
			   a->share_sum > 0 ? 100.0 * a->share[i] / a->share_sum : NAN,
			   (double)(m->w[i].end_ns - t0) / 1e6, sk_tv_ms(ru[i].ru_utime), sk_tv_ms(ru[i].ru_stime),
			   ru[i].ru_nvcsw, ru[i].ru_nivcsw, sk_cpuset_str(&cs, cbuf, sizeof(cbuf)), r->nruns,
			   r->nruns ? r->run_ms.median : NAN, r->nruns ? r->run_ms.p10 : NAN,
			   r->nruns ? r->run_ms.p90 : NAN, r->wait_ms.n ? r->wait_ms.median : NAN);
	}
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct files f = {0};
	parse_args(argc, argv, &f);

	struct sk_tsv t, wt, rt;
	sk_tsv_open(&t, f.out);
	if (f.workers)
		sk_tsv_open_opt(&wt, f.workers, "--workers");
	if (f.runs)
		sk_tsv_open_opt(&rt, f.runs, "--runs");

	sk_cpu_note();
	sk_note("calibrating the busy-work unit ...");
	units_per_ms = sk_busy_calibrate();
	double rec_ns = record_cost_ns();
	double check_ns = sk_timer_overhead_ns() / 2;
	sk_note("%llu units/ms; one sample costs %.0f ns (%.4f %% of %d ms)", (unsigned long long)units_per_ms,
		rec_ns, rec_ns / (res_ms * 1e6) * 100, res_ms);

	struct shm m;
	m.w = sk_shared_alloc((size_t)nproc * sizeof(struct worker));
	m.samples = sk_shared_alloc((size_t)nproc * (size_t)nsamples * sizeof(struct sample));
	m.gaps = sk_shared_alloc((size_t)nproc * (size_t)maxgaps * sizeof(struct gap));

	uint64_t t0;
	pid_t *pids = start_workers(&m, &t0);
	struct rusage *ru = wait_workers(pids);

	struct analysis a;
	analyse(&m, t0, f.runs ? &rt : NULL, &a);
	struct sk_tsv *ts[3] = {&t, f.workers ? &wt : NULL, f.runs ? &rt : NULL};
	for (int k = 0; k < 3; k++)
		if (ts[k])
			write_meta(ts[k], &a, t0, rec_ns, check_ns);
	write_trace(&t, &m, t0);
	if (f.workers)
		write_workers(&wt, &m, pids, ru, &a, t0);
	if (a.slice.n)
		sk_note("%d workers: last finished at %.1f ms; on-CPU runs: median %.2f ms (p10 %.2f, p90 %.2f, %zu runs)",
			nproc, (double)(a.last_end - t0) / 1e6, a.slice.median, a.slice.p10, a.slice.p90, a.slice.n);
	else
		sk_note("%d workers: last finished at %.1f ms; no complete on-CPU run (never preempted for > %d us)",
			nproc, (double)(a.last_end - t0) / 1e6, GAP_NS / 1000);

	struct rusage self;
	if (getrusage(RUSAGE_SELF, &self) == 0)   /* the calibration, the bookkeeping */
		sk_tsv_meta(&t, "self_cpu_ms", "%.1f", sk_tv_ms(self.ru_utime) + sk_tv_ms(self.ru_stime));
	int rc = 0;
	if (sk_tsv_close(&t))
		rc = 1;
	if (f.workers && sk_tsv_close(&wt))
		rc = 1;
	if (f.runs && sk_tsv_close(&rt))
		rc = 1;
	free(a.rs);
	free(a.share);
	free(ru);
	free(pids);
	return rc;
}
