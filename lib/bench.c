/*
 * bench.c - calibrated, time-bounded repetitions (the idea of lmbench's
 * benchmp, with a nanosecond clock): warm up, grow the iteration count until
 * one repetition lasts target_ns, subtract the cost of reading the clock and
 * of the bare loop, repeat, keep every repetition.
 */
#include "shikumi.h"

#define DEFAULT_TARGET_NS 20000000ull   /* 20 ms: >> clock cost, < one 4 ms tick x 5 */
#define DEFAULT_WARMUP_NS 50000000ull   /* long enough to fault in code and data, wake the CPU */
#define DEFAULT_REPS 7
#define MAX_ITERS (UINT64_C(1) << 40)

void sk_bench_empty_loop(uint64_t iters, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++)
		SK_BARRIER();   /* the loop itself, nothing else */
}

void sk_bench_defaults(struct sk_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->target_ns = DEFAULT_TARGET_NS;
	o->warmup_ns = DEFAULT_WARMUP_NS;
	o->reps = DEFAULT_REPS;
}

double sk_timer_overhead_ns(void)
{
	enum { N = 101 };
	double d[N];
	for (int i = 0; i < N; i++) {
		uint64_t a = sk_now_ns();
		uint64_t b = sk_now_ns();
		d[i] = (double)(b - a);
	}
	return sk_median(d, N);
}

static uint64_t time_once(sk_bench_fn fn, void *arg, uint64_t iters)
{
	uint64_t t0 = sk_now_ns();
	fn(iters, arg);
	uint64_t t1 = sk_now_ns();
	return t1 - t0;
}

/* Smallest iteration count whose run lasts about target_ns. */
static uint64_t calibrate(sk_bench_fn fn, void *arg, uint64_t target_ns)
{
	uint64_t iters = 1;
	for (;;) {
		uint64_t t = time_once(fn, arg, iters);
		if (t >= target_ns || iters >= MAX_ITERS)
			return iters;
		if (t < target_ns / 64) {
			iters *= 16;
			continue;
		}
		/* close enough to extrapolate; aim 5% over so noise does not undershoot */
		double want = (double)iters * (double)target_ns / (double)(t ? t : 1) * 1.05;
		uint64_t next = want > (double)MAX_ITERS ? MAX_ITERS : (uint64_t)want;
		if (next <= iters)
			next = iters + 1;
		return next;
	}
}

int sk_bench_run(sk_bench_fn fn, void *arg, const struct sk_bench_opts *opts,
		 struct sk_bench_result *r)
{
	struct sk_bench_opts o;
	if (opts)
		o = *opts;
	else
		sk_bench_defaults(&o);
	if (o.target_ns == 0)
		o.target_ns = DEFAULT_TARGET_NS;
	if (o.reps <= 0)
		o.reps = DEFAULT_REPS;
	if (o.reps > SK_BENCH_MAX_REPS)
		o.reps = SK_BENCH_MAX_REPS;
	sk_bench_fn base = o.baseline ? o.baseline : sk_bench_empty_loop;

	memset(r, 0, sizeof(*r));
	r->timer_overhead_ns = sk_timer_overhead_ns();

	uint64_t start = sk_now_ns(), iters = 1;
	while (sk_now_ns() - start < o.warmup_ns) {
		uint64_t t = time_once(fn, arg, iters);
		if (t < o.warmup_ns / 16 && iters < MAX_ITERS)
			iters *= 2;
	}

	r->iters = calibrate(fn, arg, o.target_ns);

	if (!o.no_subtract) {
		double b[5];
		for (int i = 0; i < 5; i++)
			b[i] = ((double)time_once(base, NULL, r->iters) - r->timer_overhead_ns) /
			       (double)r->iters;
		r->overhead_ns_per_op = sk_median(b, 5);
		if (r->overhead_ns_per_op < 0)
			r->overhead_ns_per_op = 0;
	}

	r->reps = o.reps;
	for (int i = 0; i < o.reps; i++) {
		sk_cpu_note();
		double t = (double)time_once(fn, arg, r->iters);
		double per = t / (double)r->iters;
		if (!o.no_subtract) {
			per = (t - r->timer_overhead_ns) / (double)r->iters - r->overhead_ns_per_op;
			if (per < 0)
				per = 0;
		}
		r->ns_per_op[i] = per;
	}
	r->median = sk_median(r->ns_per_op, (size_t)r->reps);
	return 0;
}
