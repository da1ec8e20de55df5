/*
 * ctxsw-cost - what a context switch costs: two processes (or two threads)
 * ping-pong a word over two pipes; two user-level contexts swap directly.
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
 * Switches by kind, all on one CPU: "same" switches between two processes
 * (the kernel also switches address space: CR3, with PCID no TLB flush);
 * "thread" between two threads of one process (no address-space switch);
 * "user" between two contexts of one thread with swapcontext(3): no kernel
 * scheduler at all, but glibc's swapcontext still makes one system call
 * (rt_sigprocmask, to switch the signal mask with the context). A switch
 * without that call needs a few lines of assembly per architecture
 * (boost.context, libco do it): makecontext/swapcontext are the only
 * portable way. So each repetition also times that system call alone
 * (the same rt_sigprocmask, as many times), and the user switch's net
 * figure is swapcontext minus it: what the switch itself costs. A system
 * call is cheap on most machines (~150 ns) but not everywhere: in a PVM
 * guest, where it traps to the hypervisor, it took ~1.1 us and swapcontext
 * came out as slow as a thread switch.
 *
 * Usage: ctxsw-cost [-q] [-r REPS] [-t TARGET_MS | --loops N] [--placement NAME]... [-c CPU] [--cpu2 CPU] [-o FILE]
 * Try:   ./ctxsw-cost -q | column -t
 */
#include "ch03.h"

#include <math.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <ucontext.h>

#define DEFAULT_REPS 7
#define QUICK_REPS 5
#define DEFAULT_TARGET_MS 200
#define QUICK_TARGET_MS 50
#define WARMUP_TRIPS 2000
#define USER_STACK_BYTES (64 * 1024)   /* the user context's stack: it only loops */

enum { P_SELF, P_SAME, P_THREAD, P_USER, P_CROSS, P_INHERIT, NPLACE };
static const char *const place_names[] = {"self", "same", "thread", "user", "cross", "inherit", NULL};
static const char *const place_what[] = {
	"one process, the same pipe writes and reads, no switch",
	"two processes pinned to CPU (-c): two switches per round trip",
	"two threads of one process pinned to CPU (-c): no address-space switch",
	"two contexts of one thread on CPU (-c), swapcontext(3): no kernel switch, no pipe",
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
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Round-trip time of a word ping-ponged between two processes over pipes. TSV to stdout.");
	printf("\n-t: round trips per repetition are counted from a warm-up. Cross is skipped with a\n"
	       "note when only one CPU is allowed.\n"
	       "Defaults: %d reps of %d ms; quick: %d reps of %d ms.\n"
	       "Placements (default self, same, thread, user, cross):\n",
	       DEFAULT_REPS, DEFAULT_TARGET_MS, QUICK_REPS, QUICK_TARGET_MS);
	for (int i = 0; i < NPLACE; i++)
		printf("  %-8s %s\n", place_names[i], place_what[i]);
	printf("\nOutput columns: placement  rep  roundtrips  ns_per_roundtrip  ns_per_switch\n"
	       "  ns_per_switch_net\n"
	       "  (ns_per_switch: half the raw round trip, the pipe's own cost included;\n"
	       "   ns_per_switch_net: half of (round trip - self's in the same repetition),\n"
	       "   the switch alone; the placements take turns in each repetition;\n"
	       "   user has no pipe: ns_per_switch is half its round trip (two swapcontext\n"
	       "   calls), ns_per_switch_net that minus one rt_sigprocmask system call\n"
	       "   timed alone in the same repetition (swapcontext makes one);\n"
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
	bool thread;        /* the echo runs in a thread of this process */
	pthread_t echo_thread;
	int echo_cpu;
	bool user;          /* no pipes: two contexts swap */
	ucontext_t main_ctx, echo_ctx;
	void *stack;
};

/* The echo side: reads a word, writes it back, until EOF. */
static void echo_loop(struct pair *p)
{
	int v;
	while (xread(p->to_child[0], &v))
		xwrite(p->to_parent[1], &v);
}

static void *echo_thread_main(void *arg)
{
	struct pair *p = arg;
	if (sk_pin_self(p->echo_cpu))   /* sched_setaffinity(0): this thread only */
		sk_die_errno("pin echo thread to CPU %d", p->echo_cpu);
	echo_loop(p);
	return NULL;
}

/* The system call inside each swapcontext, alone: n times, ns per call. */
static double sigmask_ns(uint64_t n)
{
	sigset_t cur, old;
	if (sigprocmask(SIG_SETMASK, NULL, &cur))
		sk_die_errno("sigprocmask");
	uint64_t t0 = sk_now_ns();
	for (uint64_t i = 0; i < n; i++)
		if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &cur, &old, (size_t)(_NSIG / 8)))
			sk_die_errno("rt_sigprocmask");
	return (double)(sk_now_ns() - t0) / (double)n;
}

/* The user context: every resume is one switch in, and it switches straight back. */
static struct pair *user_pair;
static void user_echo(void)
{
	for (;;)
		if (swapcontext(&user_pair->echo_ctx, &user_pair->main_ctx))
			sk_die_errno("swapcontext");
}

static void trips(struct pair *p, uint64_t n)
{
	int v = 0;
	if (p->user) {
		for (uint64_t i = 0; i < n; i++)
			if (swapcontext(&p->main_ctx, &p->echo_ctx))
				sk_die_errno("swapcontext");
		return;
	}
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
	if (place != P_INHERIT && sk_pin_self(cpu_parent))
		sk_die_errno("pin to CPU %d", cpu_parent);
	if (place == P_USER) {
		p->user = true;
		p->stack = malloc(USER_STACK_BYTES);
		if (!p->stack)
			sk_die("out of memory for the user context's stack");
		if (getcontext(&p->echo_ctx))
			sk_die_errno("getcontext");
		p->echo_ctx.uc_stack.ss_sp = p->stack;
		p->echo_ctx.uc_stack.ss_size = USER_STACK_BYTES;
		p->echo_ctx.uc_link = NULL;
		user_pair = p;
		makecontext(&p->echo_ctx, user_echo, 0);
		return;
	}
	if (pipe(p->to_child) || pipe(p->to_parent))
		sk_die_errno("pipe");
	p->self = place == P_SELF;
	if (p->self)
		return;
	if (place == P_THREAD) {
		p->thread = true;
		p->echo_cpu = cpu_child;
		int err = pthread_create(&p->echo_thread, NULL, echo_thread_main, p);
		if (err)
			sk_die("pthread_create: %s", sk_errno_name(err));
		return;
	}
	p->child = sk_fork();
	if (p->child < 0)
		sk_die_errno("fork");
	if (p->child == 0) {
		if ((place == P_SAME || place == P_CROSS) && sk_pin_self(cpu_child))
			_exit(SK_EXIT_FAIL);
		close(p->to_child[1]);
		close(p->to_parent[0]);
		echo_loop(p);
		_exit(0);
	}
	close(p->to_child[0]);
	close(p->to_parent[1]);
}

static void pair_close(struct pair *p)
{
	if (p->user) {
		free(p->stack);   /* the echo context is left suspended: nothing else to undo */
		return;
	}
	if (p->thread) {
		close(p->to_child[1]);   /* EOF: the echo thread returns */
		int err = pthread_join(p->echo_thread, NULL);
		if (err)
			sk_die("pthread_join: %s", sk_errno_name(err));
		close(p->to_child[0]);
		close(p->to_parent[1]);
		close(p->to_parent[0]);
		return;
	}
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
		want[P_SELF] = want[P_SAME] = want[P_THREAD] = want[P_USER] = want[P_CROSS] = true;
	const char *cross_note = sk_cpu_pair(&cpu, &cpu2, &want[P_CROSS], "cross placement");

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
	/* Every placement is opened and warmed up first, then the repetitions take
	 * turns (self, same, thread, ... in each repetition), so a burst of other
	 * load hits all of them alike and each net figure subtracts the self
	 * measured moments before. */
	struct pair pairs[NPLACE];
	uint64_t n[NPLACE] = {0};
	for (int pl = 0; pl < NPLACE; pl++) {
		if (!want[pl])
			continue;
		if (sched_setaffinity(0, sizeof(orig), &orig))
			sk_die_errno("sched_setaffinity (restore)");
		pair_open(&pairs[pl], pl, cpu, pl == P_CROSS ? cpu2 : cpu);
		sk_cpu_note();
		uint64_t t0 = sk_now_ns();
		trips(&pairs[pl], WARMUP_TRIPS);
		double warm_ns = (double)(sk_now_ns() - t0) / WARMUP_TRIPS;
		n[pl] = loops ? (uint64_t)loops : (uint64_t)(target_ms * 1e6 / (warm_ns > 1 ? warm_ns : 1));
		if (n[pl] < 100)
			n[pl] = 100;
	}
	static double ns_of[NPLACE][SK_BENCH_MAX_REPS], sys_of[SK_BENCH_MAX_REPS];
	for (int r = 1; r <= reps; r++) {
		double self_ns = NAN;   /* this repetition's self: the transport to subtract */
		for (int pl = 0; pl < NPLACE; pl++) {
			if (!want[pl])
				continue;
			if (pl == P_INHERIT ? sched_setaffinity(0, sizeof(orig), &orig) : sk_pin_self(cpu))
				sk_die_errno("sched_setaffinity for %s", place_names[pl]);
			uint64_t t0 = sk_now_ns();
			trips(&pairs[pl], n[pl]);
			double ns = (double)(sk_now_ns() - t0) / (double)n[pl];
			ns_of[pl][r - 1] = ns;
			if (pl == P_SELF)
				self_ns = ns;
			bool piped_switches = pl == P_SAME || pl == P_THREAD || pl == P_INHERIT;
			if (pl == P_USER)
				sys_of[r - 1] = sigmask_ns(n[pl]);
			double net = pl == P_USER ? ns / 2 - sys_of[r - 1] : piped_switches ? (ns - self_ns) / 2 : NAN;
			sk_tsv_row(&t, "%s\t%d\t%llu\t%.1f\t%.1f\t%.1f", place_names[pl], r, (unsigned long long)n[pl], ns,
				   pl == P_SELF ? NAN : ns / 2, net);
		}
		sk_cpu_note();
	}
	if (sched_setaffinity(0, sizeof(orig), &orig))
		sk_die_errno("sched_setaffinity (restore)");
	/* Closed last-opened first: an echo process holds copies of the pipes of
	 * every pair opened before it, so an earlier echo sees EOF only once the
	 * later ones are gone. */
	for (int pl = NPLACE - 1; pl >= 0; pl--)
		if (want[pl])
			pair_close(&pairs[pl]);
	double self_med = want[P_SELF] ? sk_median(ns_of[P_SELF], (size_t)reps) : NAN;
	for (int pl = 0; pl < NPLACE; pl++) {
		if (!want[pl])
			continue;
		double m = sk_median(ns_of[pl], (size_t)reps);
		sk_note("%-7s %.0f ns per round trip (median of %d x %llu)", place_names[pl], m, reps,
			(unsigned long long)n[pl]);
		if ((pl == P_SAME || pl == P_THREAD) && !isnan(self_med))
			sk_note("        %.0f ns per switch, %.0f ns with the pipe's own cost (self) subtracted",
				m / 2, (m - self_med) / 2);
		if (pl == P_USER) {
			double sys = sk_median(sys_of, (size_t)reps);
			sk_note("        %.0f ns per swapcontext, of which %.0f ns its rt_sigprocmask system call:"
				" %.0f ns net", m / 2, sys, m / 2 - sys);
		}
	}
	return sk_tsv_close(&t) ? 1 : 0;
}
