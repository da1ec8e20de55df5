/*
 * ctxsw-cost - what a context switch costs: two processes ping-pong a word
 * over two pipes.
 *
 * Each round trip is: A writes, blocks reading; B wakes, reads, writes back,
 * blocks; A wakes and reads. Pinned to the SAME CPU, every round trip is two
 * context switches plus two pipe writes and two reads. On DIFFERENT CPUs
 * there is no switch on either CPU, but each wake-up must reach another CPU
 * (an IPI, and on a VM an idle vCPU's exit and re-entry). "self" is the same
 * pipe traffic inside one process (no switch at all), to subtract. Like
 * `perf bench sched pipe` (which sends an int), with warm-up, time-bounded
 * repetitions and medians.
 *
 * Usage: ctxsw-cost [-q] [-r REPS] [-t TARGET_MS | --loops N] [--placement NAME]... [-c CPU] [--cpu2 CPU] [-o FILE]
 * Try:   ./ctxsw-cost -q | column -t
 */
#include "ch03.h"

#include <math.h>

#define DEFAULT_REPS 7
#define QUICK_REPS 5
#define DEFAULT_TARGET_MS 200
#define QUICK_TARGET_MS 50
#define WARMUP_TRIPS 2000

enum { P_SELF, P_SAME, P_CROSS, P_INHERIT, NPLACE };
static const char *const place_names[] = {"self", "same", "cross", "inherit", NULL};
static const char *const place_what[] = {
	"one process, the same pipe writes and reads, no switch",
	"two processes pinned to CPU (-c): two switches per round trip",
	"pinned to CPU (-c) and CPU2 (-C): a cross-CPU wake-up each way",
	"no pinning: whatever affinity the program was started with (for comparing with perf under taskset)",
};

#define STD_OPTS SK_STD_ALL
static const struct sk_opt opts[] = {
	{SK_LONG(1), "loops", "N", "fixed round trips per repetition, 1..100000000 (instead of -t)"},
	{SK_LONG(2), "placement", "NAME", "only this placement (repeatable; list below)"},
	{'c', "cpu", "CPU", "first CPU (default: the first allowed)"},
	{SK_LONG(3), "cpu2", "CPU", "second CPU for cross (default: the next allowed one)"},
	{0}};

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "Round-trip time of a word ping-ponged between two processes over pipes. TSV to stdout.\n\n",
	       sk_prog);
	sk_opts_usage(stdout, opts);
	sk_std_usage(stdout, STD_OPTS);
	printf("\n-t: round trips per repetition are counted from a warm-up. Cross is skipped with a\n"
	       "note when only one CPU is allowed.\n"
	       "Defaults: %d reps of %d ms; quick: %d reps of %d ms.\n"
	       "Placements (default self, same, cross):\n",
	       DEFAULT_REPS, DEFAULT_TARGET_MS, QUICK_REPS, QUICK_TARGET_MS);
	for (int i = 0; i < NPLACE; i++)
		printf("  %-8s %s\n", place_names[i], place_what[i]);
	printf("\nOutput columns: placement  rep  roundtrips  ns_per_roundtrip  ns_per_switch\n"
	       "  ns_per_switch_net\n"
	       "  (ns_per_switch: half the raw round trip, the pipe's own cost included;\n"
	       "   ns_per_switch_net: half of (round trip - self's median), the switch alone;\n"
	       "   NaN where the placement has no switch or self was not measured)\n"
	       "Examples:\n"
	       "  %s -q\n"
	       "  taskset -c 1 %s --placement inherit --loops 1000000     # same conditions as\n"
	       "  taskset -c 1 perf bench sched pipe -l 1000000\n",
	       sk_prog, sk_prog);
}

static void xwrite(int fd, const int *v)
{
	if (write(fd, v, sizeof(*v)) != (ssize_t)sizeof(*v))
		sk_die_errno("write pipe");
}

/* Returns false at EOF. */
static bool xread(int fd, int *v)
{
	ssize_t n = read(fd, v, sizeof(*v));
	if (n == 0)
		return false;
	if (n != (ssize_t)sizeof(*v))
		sk_die_errno("read pipe");
	return true;
}

struct pair {
	int to_child[2], to_parent[2];
	pid_t child;
	bool self;
};

static void trips(struct pair *p, uint64_t n)
{
	int v = 0;
	if (p->self) {
		/* The same four pipe operations, no other process involved. */
		for (uint64_t i = 0; i < n; i++) {
			xwrite(p->to_child[1], &v);
			xread(p->to_child[0], &v);
			xwrite(p->to_parent[1], &v);
			xread(p->to_parent[0], &v);
		}
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		xwrite(p->to_child[1], &v);
		if (!xread(p->to_parent[0], &v))
			sk_die("echo process ended early");
	}
}

static void pair_open(struct pair *p, int place, int cpu_parent, int cpu_child)
{
	memset(p, 0, sizeof(*p));
	if (pipe(p->to_child) || pipe(p->to_parent))
		sk_die_errno("pipe");
	p->self = place == P_SELF;
	if (place == P_SAME || place == P_CROSS || place == P_SELF)
		if (sk_pin_self(cpu_parent))
			sk_die_errno("pin to CPU %d", cpu_parent);
	if (p->self)
		return;
	p->child = sk_fork();
	if (p->child < 0)
		sk_die_errno("fork");
	if (p->child == 0) {
		if ((place == P_SAME || place == P_CROSS) && sk_pin_self(cpu_child))
			_exit(SK_EXIT_FAIL);
		close(p->to_child[1]);
		close(p->to_parent[0]);
		int v;
		while (xread(p->to_child[0], &v))
			xwrite(p->to_parent[1], &v);
		_exit(0);
	}
	close(p->to_child[0]);
	close(p->to_parent[1]);
}

static void pair_close(struct pair *p)
{
	if (p->self) {
		close(p->to_child[0]);
		close(p->to_parent[1]);
	}
	close(p->to_child[1]);
	close(p->to_parent[0]);
	if (p->child > 0) {
		int st = sk_wait(p->child, NULL);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			char sb[64];
			sk_die("echo process %s", sk_status_str(st, sb, sizeof(sb)));
		}
	}
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int cpu = -1, cpu2 = -1;
	long long loops = 0;
	bool want[NPLACE] = {false}, any = false;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): loops = sk_parse_ll(optarg, "--loops", 1, 100000000); break;
		case SK_LONG(2): want[sk_parse_choice(optarg, "--placement", place_names)] = true; any = true; break;
		case 'c': cpu = sk_parse_cpu(optarg, "--cpu"); break;
		case SK_LONG(3): cpu2 = sk_parse_cpu(optarg, "--cpu2"); break;
		}
	}
	sk_no_operands(argc, argv);
	if (loops && std.target_ms)
		sk_usage_error("give --loops N or -t TARGET_MS, not both");
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	int target_ms = sk_std_target_ms(&std, DEFAULT_TARGET_MS, QUICK_TARGET_MS);
	if (!any)
		want[P_SELF] = want[P_SAME] = want[P_CROSS] = true;
	if (cpu < 0)
		cpu = sk_first_allowed_cpu();
	if (cpu2 < 0)
		for (int i = 0; (cpu2 = sk_nth_allowed_cpu(i)) >= 0 && cpu2 == cpu; i++)
			;
	if (want[P_CROSS] && cpu2 == cpu)
		sk_usage_error("--cpu2 must differ from --cpu");
	const char *cross_note = "run";
	if (want[P_CROSS] && cpu2 < 0) {
		cross_note = "skipped: only one CPU allowed";
		sk_warn("cross placement skipped: only one CPU allowed");
		want[P_CROSS] = false;
	}

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_children_guard();
	cpu_set_t orig;
	sk_allowed_cpus(&orig);
	sk_tsv_meta(&t, "cpu", "%d", cpu);
	sk_tsv_meta(&t, "cpu2", "%d", cpu2);
	sk_tsv_meta(&t, "cross", "%s", cross_note);
	sk_tsv_meta(&t, "word_bytes", "%zu", sizeof(int));
	sk_tsv_meta(&t, "reps", "%d", reps);
	sk_tsv_header(&t, "placement\trep\troundtrips\tns_per_roundtrip\tns_per_switch\tns_per_switch_net");
	double self_ns = NAN;   /* self's median, measured first: the transport to subtract */
	for (int pl = 0; pl < NPLACE; pl++) {
		if (!want[pl])
			continue;
		struct pair p;
		pair_open(&p, pl, cpu, pl == P_CROSS ? cpu2 : cpu);
		sk_cpu_note();
		uint64_t t0 = sk_now_ns();
		trips(&p, WARMUP_TRIPS);
		double warm_ns = (double)(sk_now_ns() - t0) / WARMUP_TRIPS;
		uint64_t n = loops ? (uint64_t)loops : (uint64_t)(target_ms * 1e6 / (warm_ns > 1 ? warm_ns : 1));
		if (n < 100)
			n = 100;
		double med[1000];
		for (int r = 1; r <= reps; r++) {
			t0 = sk_now_ns();
			trips(&p, n);
			double ns = (double)(sk_now_ns() - t0) / (double)n;
			med[r - 1] = ns;
			bool switches = pl == P_SAME || pl == P_INHERIT;
			sk_tsv_row(&t, "%s\t%d\t%llu\t%.1f\t%.1f\t%.1f", place_names[pl], r, (unsigned long long)n, ns,
				   pl == P_SELF ? NAN : ns / 2, switches ? (ns - self_ns) / 2 : NAN);
		}
		sk_cpu_note();
		pair_close(&p);
		if (sched_setaffinity(0, sizeof(orig), &orig))
			sk_die_errno("sched_setaffinity (restore)");
		double m = sk_median(med, (size_t)reps);
		if (pl == P_SELF)
			self_ns = m;
		sk_note("%-7s %.0f ns per round trip (median of %d x %llu)", place_names[pl], m, reps,
			(unsigned long long)n);
		if (pl == P_SAME && !isnan(self_ns))
			sk_note("        %.0f ns per switch, %.0f ns with the pipe's own cost (self) subtracted",
				m / 2, (m - self_ns) / 2);
	}
	return sk_tsv_close(&t) ? 1 : 0;
}
