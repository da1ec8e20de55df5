/*
 * queue - why a server at 90 % load is slow: response time against
 * utilization, measured on one CPU and compared with queueing theory (M/D/1).
 *
 * Jobs of a fixed length (calibrated busy work, default 200 us) arrive at
 * random: a Poisson process, i.e. exponential gaps with a mean of
 * service / load (seeded, so every run sees the same arrivals). One server
 * takes them first come, first served. The arrival times are computed before
 * the run, so there is no generator thread to disturb the server: the server
 * reads the clock, and a job "arrives" when its scheduled time has passed.
 * If the next job has not arrived yet, the server spins until it does (a real
 * server would sleep and pay a wake-up; see oversleep). Each job's response
 * time is finish - arrival = waiting in the queue + its own service.
 *
 * Theory (M/D/1: Poisson arrivals, deterministic service S, one server, load
 * rho = arrival rate x S): mean wait Wq = rho S / (2 (1 - rho)), mean response
 * Wq + S. It explodes as rho -> 1, and the tail (p99) more so. Next to it the
 * same arrivals run through a perfect server (service exactly S, Lindley's
 * recursion), which gives the ideal p50/p99 for this very sample.
 *
 * Usage: queue [-q] [--service US] [-d DURATION_MS] [--load PCT]... [--seed N] [-o FILE]
 * Try:   taskset -c 1 ./queue -q | column -t
 */
#include "shikumi.h"

#include <math.h>

#define DEFAULT_SERVICE_US 200   /* long against a clock read (~30 ns), short against a time slice */
#define DEFAULT_DURATION_MS 3000
#define QUICK_DURATION_MS 1000
#define DEFAULT_SEED 1
#define LEAD_NS 1000000          /* the first arrival comes 1 ms after the schedule is made */
#define MAX_LOADS 32

static const int default_loads[] = {10, 20, 30, 40, 50, 60, 70, 80, 90, 95};
static const int quick_loads[] = {10, 30, 50, 70, 80, 90, 95};

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{SK_LONG(1), "service", "US", "service time of one job [us], 20..100000 (default " SK_STR(DEFAULT_SERVICE_US) ")"},
	{'d', "duration", "DURATION_MS", "arrivals per load span this long [ms], 100..600000 (default "
					   SK_STR(DEFAULT_DURATION_MS) ", quick " SK_STR(QUICK_DURATION_MS) ")"},
	{SK_LONG(2), "load", "PCT", "offered load [%], 1..99 (repeatable; default 10..90 step 10, 95)"},
	{SK_LONG(3), "seed", "N", "seed of the arrival times, 0..2^63 (default " SK_STR(DEFAULT_SEED) ")"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Response time of fixed-length jobs with Poisson arrivals, one server, vs load. TSV to stdout.");
	printf("\nQuick loads: 10 30 50 70 80 90 95 %%. Run it pinned (taskset): one CPU is the server.\n\n"
	       "Output columns (one row per load):\n"
	       "  load_pct  jobs  rho  service_mean_us  service_p99_us\n"
	       "  resp_mean_us  resp_p50_us  resp_p99_us   measured response (finish - arrival)\n"
	       "  theory_mean_us                           M/D/1: S + rho S / (2 (1 - rho)), S and rho measured\n"
	       "  pk_mean_us                               M/G/1 (Pollaczek-Khinchine) with the measured service times\n"
	       "  ideal_mean_us  ideal_p50_us  ideal_p99_us   the same arrivals, a perfect server (service = S)\n"
	       "  (rho: arrival rate x mean measured service time; NaN theory where rho >= 1)\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q\n"
	       "  taskset -c 1 %s --load 50 --load 90 -d 10000\n",
	       sk_prog, sk_prog);
}

/* xorshift64*: a small seeded generator, the same sequence everywhere. */
static uint64_t rng_state;
static double uniform01(void)   /* (0, 1] */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	uint64_t x = rng_state * UINT64_C(2685821657736338717);
	return ((double)(x >> 11) + 1.0) / 9007199254740992.0;
}

/* Arrival offsets [ns] of a Poisson process with mean gap mean_gap_ns, up to span_ns. */
static size_t make_arrivals(uint64_t seed, double mean_gap_ns, double span_ns, uint64_t **out)
{
	rng_state = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
	size_t cap = (size_t)(span_ns / mean_gap_ns * 1.5) + 16, n = 0;
	uint64_t *a = malloc(cap * sizeof(*a));
	if (!a)
		sk_die("out of memory for %zu arrivals", cap);
	for (double t = -log(uniform01()) * mean_gap_ns; t < span_ns; t += -log(uniform01()) * mean_gap_ns) {
		if (n == cap) {
			cap *= 2;
			uint64_t *b = realloc(a, cap * sizeof(*a));
			if (!b)
				sk_die("out of memory for %zu arrivals", cap);
			a = b;
		}
		a[n++] = (uint64_t)t;
	}
	*out = a;
	return n;
}

/* Busy units for one job of service_us. sk_busy_calibrate's units/ms come out
 * low if another task shared the CPU while it ran, so the figure is refined on
 * the job itself: the shortest of a few timed jobs (interference only makes a
 * job longer) is scaled to service_us, twice, then checked. A guest whose host
 * runs it at another speed from one moment to the next (a busy host) can miss
 * the check: calibrated again, up to CALIBRATIONS times, then a SKIP, since
 * jobs of unknown length would make every figure wrong. */
#define TRIAL_JOBS 21
#define CALIBRATIONS 3
static uint64_t job_units(int service_us, uint64_t *upm)
{
	double units = 0, shortest_us = 0;
	for (int attempt = 0; attempt < CALIBRATIONS; attempt++) {
		*upm = sk_busy_calibrate();
		units = (double)*upm * service_us / 1000.0;
		for (int round = 0; round < 3; round++) {
			shortest_us = INFINITY;
			for (int i = 0; i < TRIAL_JOBS; i++) {
				uint64_t t0 = sk_now_ns();
				sk_busy(units < 1 ? 1 : (uint64_t)units);
				double us = (double)(sk_now_ns() - t0) / 1e3;
				if (us < shortest_us)
					shortest_us = us;
			}
			if (round < 2)
				units *= service_us / shortest_us;
		}
		if (shortest_us >= 0.8 * service_us && shortest_us <= 1.25 * service_us)
			return units < 1 ? 1 : (uint64_t)units;
	}
	sk_skip("calibration: after %d tries a %d us job still took %.0f us (%.0f busy units): the CPU's "
		"speed changes from moment to moment here (a busy host under this VM?)", CALIBRATIONS,
		service_us, shortest_us, units);
}

struct point {
	size_t jobs;
	double rho, service_mean, service_p99, resp_mean, resp_p50, resp_p99, theory, pk, ideal_mean, ideal_p50,
		ideal_p99;   /* us */
};

static double mean_of(const double *v, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : NAN;
}

/* One load: serve every job FIFO; the server is this thread. */
static struct point run_load(int load_pct, double service_us, uint64_t units, double duration_ms, uint64_t seed)
{
	double s_ns = service_us * 1e3;
	uint64_t *arr;
	size_t n = make_arrivals(seed, s_ns * 100.0 / load_pct, duration_ms * 1e6, &arr);
	struct point pt = {.jobs = n};
	double *resp = malloc((n + 1) * sizeof(double)), *serv = malloc((n + 1) * sizeof(double)),
	       *ideal = malloc((n + 1) * sizeof(double));
	if (!resp || !serv || !ideal)
		sk_die("out of memory for %zu jobs", n);
	uint64_t base = sk_now_ns() + LEAD_NS;
	for (size_t i = 0; i < n; i++) {
		uint64_t due = base + arr[i], now;
		while ((now = sk_now_ns()) < due)   /* idle: the next job has not arrived */
			SK_BARRIER();
		sk_busy(units);
		uint64_t done = sk_now_ns();
		serv[i] = (double)(done - now) / 1e3;
		resp[i] = (double)(done - due) / 1e3;
	}
	sk_cpu_note();
	/* The perfect server: Lindley's recursion, w_i = max(0, w_{i-1} + S - gap_i). */
	double w = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			w = fmax(0, w + service_us - (double)(arr[i] - arr[i - 1]) / 1e3);
		ideal[i] = w + service_us;
	}
	if (n) {
		double span_us = (double)arr[n - 1] / 1e3;
		pt.service_mean = mean_of(serv, n);
		pt.service_p99 = sk_percentile(serv, n, 99);
		pt.rho = span_us > 0 ? (double)n / span_us * pt.service_mean : NAN;
		pt.resp_mean = mean_of(resp, n);
		pt.resp_p50 = sk_percentile(resp, n, 50);
		pt.resp_p99 = sk_percentile(resp, n, 99);
		pt.theory = pt.rho < 1 ? pt.service_mean * (1 + pt.rho / (2 * (1 - pt.rho))) : NAN;
		/* Pollaczek-Khinchine (M/G/1): Wq = lambda E[S^2] / (2 (1 - rho)), with the
		 * service times as measured: a job that lost the CPU for a while counts. */
		double s2 = 0;
		for (size_t i = 0; i < n; i++)
			s2 += serv[i] * serv[i];
		s2 /= (double)n;
		pt.pk = pt.rho < 1 ? pt.service_mean + (double)n / span_us * s2 / (2 * (1 - pt.rho)) : NAN;
		pt.ideal_mean = mean_of(ideal, n);
		pt.ideal_p50 = sk_percentile(ideal, n, 50);
		pt.ideal_p99 = sk_percentile(ideal, n, 99);
	}
	free(arr);
	free(resp);
	free(serv);
	free(ideal);
	return pt;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int service_us = DEFAULT_SERVICE_US, duration_ms = 0, nloads = 0, loads[MAX_LOADS];
	uint64_t seed = DEFAULT_SEED;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): service_us = sk_parse_int(optarg, "--service", 20, 100000); break;
		case 'd': duration_ms = sk_parse_int(optarg, "--duration", 100, 600000); break;
		case SK_LONG(2):
			if (nloads == MAX_LOADS)
				sk_bad_arg("--load", optarg, "at most " SK_STR(MAX_LOADS) " loads");
			loads[nloads++] = sk_parse_int(optarg, "--load", 1, 99);
			break;
		case SK_LONG(3): seed = (uint64_t)sk_parse_ll(optarg, "--seed", 0, LLONG_MAX); break;
		}
	}
	sk_no_operands(argc, argv);
	if (!duration_ms)
		duration_ms = std.quick ? QUICK_DURATION_MS : DEFAULT_DURATION_MS;
	if (!nloads) {
		const int *l = std.quick ? quick_loads : default_loads;
		nloads = std.quick ? (int)SK_ARRAY_LEN(quick_loads) : (int)SK_ARRAY_LEN(default_loads);
		memcpy(loads, l, (size_t)nloads * sizeof(int));
	}
	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_cpu_note();
	uint64_t upm;
	uint64_t units = job_units(service_us, &upm);
	sk_tsv_meta(&t, "service_us", "%d", service_us);
	sk_tsv_meta(&t, "busy_units_per_ms", "%llu", (unsigned long long)upm);
	sk_tsv_meta(&t, "busy_units_per_job", "%llu", (unsigned long long)units);
	sk_tsv_meta(&t, "duration_ms", "%d", duration_ms);
	sk_tsv_meta(&t, "seed", "%llu", (unsigned long long)seed);
	sk_tsv_meta(&t, "theory", "M/D/1 mean response S + rho S / (2 (1 - rho))");
	sk_tsv_header(&t, "load_pct\tjobs\trho\tservice_mean_us\tservice_p99_us\tresp_mean_us\tresp_p50_us\t"
			  "resp_p99_us\ttheory_mean_us\tpk_mean_us\tideal_mean_us\tideal_p50_us\tideal_p99_us");
	sk_note("%d us jobs (%llu busy units), %d ms of arrivals per load, %d loads", service_us,
		(unsigned long long)units, duration_ms, nloads);
	for (int i = 0; i < nloads; i++) {
		struct point p = run_load(loads[i], service_us, units, duration_ms, seed + (uint64_t)loads[i]);
		sk_tsv_row(&t, "%d\t%zu\t%.3f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f", loads[i],
			   p.jobs, p.rho, p.service_mean, p.service_p99, p.resp_mean, p.resp_p50, p.resp_p99, p.theory,
			   p.pk, p.ideal_mean, p.ideal_p50, p.ideal_p99);
		sk_note("load %2d %%: rho %.2f, mean response %.0f us (M/D/1 %.0f), p99 %.0f us (ideal %.0f)", loads[i],
			p.rho, p.resp_mean, p.theory, p.resp_p99, p.ideal_p99);
	}
	return sk_tsv_close(&t) ? 1 : 0;
}
