/*
 * ns-cost - what each kind of namespace costs to create: clone3(2) of a
 * child that exits at once, with one CLONE_NEW* flag, against the same
 * clone with no flag (a plain fork). The difference is the price of
 * creating - and, when the child exits, tearing down - that namespace.
 * Two numbers per clone: the clone3 call alone (the namespaces are created
 * inside it, in the parent's context) and the whole cycle clone + exit +
 * wait (teardown included, and the wait for the child to run, which a busy
 * machine inflates). Kinds are interleaved within each repetition so drift
 * hits all alike.
 *
 * Network namespaces are torn down asynchronously by a kernel worker; a
 * long burst of them measures the backlog too, which is why each
 * repetition is short and the net rows are read with that in mind.
 *
 * Usage: ns-cost [-m KIND]... [-n N] [-r REPS] [-q] [-o FILE]     (root; rootless: user only)
 * Try:   sudo taskset -c 1 ./ns-cost -q | column -t
 */
#include "ch11.h"

#include <linux/sched.h>
#include <sys/syscall.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

#define DEFAULT_N 40      /* clones per repetition per kind */
#define QUICK_N 10

struct clone_args_v0 {   /* the first version of struct clone_args (64 bytes) */
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static const char *const all_kinds[] = {"fork", "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts", NULL};
#define NKIND ((int)SK_ARRAY_LEN(all_kinds) - 1)

static int kind_flag(const char *k)
{
	if (!strcmp(k, "fork"))
		return 0;
	for (int i = 0; i < CH11_NKINDS; i++)
		if (!strcmp(k, ch11_ns_kinds[i].name))
			return ch11_ns_kinds[i].flag;
	return -1;
}

/* n clones with flags. Returns ns per clone+exit+wait (a whole cycle), or
 * -errno; *create_ns: ns per clone3 call alone, as the parent sees it. The
 * namespaces are made inside that call (copy_namespaces, in the parent's
 * context), so it is the creation cost without the wait for the child to be
 * scheduled, which on a busy machine can dwarf it. */
static double time_clones(int flags, int n, double *create_ns, double *create_min_ns)
{
	struct clone_args_v0 ca = {.flags = (uint64_t)(unsigned)flags, .exit_signal = SIGCHLD};
	uint64_t t0 = sk_now_ns(), in_clone = 0, least = UINT64_MAX;
	for (int i = 0; i < n; i++) {
		uint64_t a = sk_now_ns();
		long pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0)
			_exit(0);   /* no stdio, no atexit: the cheapest possible child */
		uint64_t d = sk_now_ns() - a;
		in_clone += d;
		if (d < least)
			least = d;
		if (pid < 0)
			return -errno;
		int st;
		while (waitpid((pid_t)pid, &st, 0) < 0)
			if (errno != EINTR)
				return -errno;
	}
	if (create_ns)
		*create_ns = (double)in_clone / n;
	if (create_min_ns)
		*create_min_ns = (double)least;
	return (double)(sk_now_ns() - t0) / n;
}

static void usage(void)
{
	printf("Usage: %s [-m KIND]... [-n N] [-r REPS] [-q] [-o FILE]\n"
	       "Cost of clone3 with one CLONE_NEW* flag vs a plain fork (clone3 without flags).\n\n",
	       sk_prog);
	printf("  -m, --mode KIND            fork cgroup ipc mnt net pid time user uts (repeatable; default all)\n"
	       "  -n, --count N              clones per repetition and kind (default %d, quick %d)\n",
	       DEFAULT_N, QUICK_N);
	sk_std_usage(stdout, SK_STD_Q | SK_STD_O | SK_STD_R);
	printf("\nExample:\n  sudo taskset -c 1 %s -q | column -t\n", sk_prog);
}

int main(int argc, char **argv)
{
	static const struct sk_opt opts[] = {{'m', "mode", "KIND", NULL}, {'n', "count", "N", NULL}, {0}};
	struct sk_std std = {0};
	bool want[NKIND] = {0}, any = false;
	int n = 0, c;

	sk_init(argc, argv);
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O | SK_STD_R, &std, usage)) != -1)
		switch (c) {
		case 'm':
			want[sk_parse_choice(optarg, "--mode", all_kinds)] = any = true;
			break;
		case 'n':
			n = sk_parse_int(optarg, "--count", 1, 100000);
			break;
		default:
			sk_usage_hint();
		}
	sk_no_operands(argc, argv);
	if (!any)
		for (int k = 0; k < NKIND; k++)
			want[k] = true;
	n = n ? n : std.quick ? QUICK_N : DEFAULT_N;
	int reps = sk_std_reps(&std, 9, 5);
	want[0] = true;   /* the baseline is always measured */
	sk_children_guard();

	/* Which kinds can we create here? Not root: only user (unprivileged
	 * user namespaces), the others need CAP_SYS_ADMIN. */
	char why[NKIND][160];
	bool ok[NKIND];
	int usable = 0;
	for (int k = 0; k < NKIND; k++) {
		why[k][0] = '\0';
		ok[k] = false;
		if (!want[k])
			continue;
		double r = time_clones(kind_flag(all_kinds[k]), 1, NULL, NULL);
		if (r < 0) {
			if (!strcmp(all_kinds[k], "user"))
				ch11_userns_refusal((int)-r, why[k], sizeof(why[k]));
			else
				snprintf(why[k], sizeof(why[k]), "clone3(CLONE_NEW%s): %s", all_kinds[k],
					 sk_errno_name((int)-r));
			sk_warn("%s: skipped: %s", all_kinds[k], why[k]);
			continue;
		}
		ok[k] = true;
		usable += k > 0;
	}
	if (!ok[0])
		sk_die("clone3 without flags failed: %s", why[0]);
	if (!usable)
		sk_skip("no namespace kind can be created here (%s)", why[NKIND - 2]);

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "method", "clone3(flag) of a child that _exits at once, waitpid; per clone");
	sk_tsv_meta(&t, "create_us", "the clone3 call alone, seen from the parent (namespaces are made there)");
	sk_tsv_meta(&t, "create_min_us", "the fastest single clone3 call of the repetition (least disturbed)");
	sk_tsv_meta(&t, "cycle_us", "clone3 + the child's exit (namespace teardown) + waitpid");
	sk_tsv_meta(&t, "clones_per_rep", "%d", n);
	for (int k = 0; k < NKIND; k++)
		if (want[k] && !ok[k])
			sk_tsv_meta(&t, "skipped", "%s: %s", all_kinds[k], why[k]);
	sk_tsv_header(&t, "kind\trep\tcreate_us\tcreate_min_us\tcycle_us");
	for (int k = 0; k < NKIND; k++)   /* warm-up */
		if (ok[k])
			time_clones(kind_flag(all_kinds[k]), n < 5 ? n : 5, NULL, NULL);
	for (int r = 0; r < reps; r++)
		for (int k = 0; k < NKIND; k++) {
			if (!ok[k])
				continue;
			sk_cpu_note();
			double create = 0, least = 0, ns = time_clones(kind_flag(all_kinds[k]), n, &create, &least);
			if (ns < 0)
				sk_die("%s: clone3 failed in repetition %d: %s", all_kinds[k], r, sk_errno_name((int)-ns));
			sk_tsv_row(&t, "%s\t%d\t%.2f\t%.2f\t%.2f", all_kinds[k], r, create / 1e3, least / 1e3, ns / 1e3);
		}
	return sk_tsv_close(&t) != 0;
}
