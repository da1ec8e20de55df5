/*
 * pids-limit - a bounded fork loop inside pids.max. A leader process starts in
 * a fresh group with pids.max = N (the same file on v1 and v2) and forks
 * children that sleep, until fork(2) fails: it fails with EAGAIN when the
 * group holds N tasks (the leader counts, so N - 1 children). The loop is
 * bounded at 2 x N forks, so a limit that does not work cannot become a fork
 * bomb. Then the leader kills and reaps every child it made, and the group's
 * pids.current falls back to the leader alone.
 *
 * Usage: pids-limit [-n MAX] [-q] [-o FILE]
 * Try:   sudo ./pids-limit -n 16 | column -t
 */
#include "shikumi.h"
#include "ch12.h"

#include <signal.h>
#include <sys/wait.h>

#define DEFAULT_MAX 32

static const struct sk_opt opts[] = {{'n', "max", "MAX", "pids.max of the group, 2..1024 (default 32)"}, {0}};

static void usage(void)
{
	sk_usage_head("[-n MAX] [-q] [-o FILE]", opts, SK_STD_Q | SK_STD_O,
		      "Fork inside a group with pids.max = MAX until fork fails (EAGAIN), then reap all.");
	printf("\nNeeds root (or a delegated cgroup subtree); otherwise exits 4 (SKIP).\n"
	       "Output columns: pids_max forked fork_errno pids_current_at_limit max_events reaped\n"
	       "  pids_current_after cgroup_version\n"
	       "Example: %s -n 16\n", sk_prog);
}

struct result {
	int forked, fork_errno, reaped;
	long long current_at_limit, current_after;
};

static long long read_num(const char *dir, const char *file)
{
	char p[SK_CG_PATH + 32];
	long long v;
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return sk_read_ll(p, &v) ? -1 : v;
}

/* The leader, inside the group: fork until refused, then clean up its own. */
SK_NORETURN static void leader(struct result *r, const char *dir, int max)
{
	pid_t kids[2 * 1024];
	int n = 0;
	r->fork_errno = 0;
	while (n < 2 * max) {
		pid_t pid = fork();
		if (pid < 0) {
			r->fork_errno = errno;
			break;
		}
		if (pid == 0) {
			pause();   /* a child only has to exist */
			_exit(0);
		}
		kids[n++] = pid;
	}
	r->forked = n;
	r->current_at_limit = read_num(dir, "pids.current");
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	int reaped = 0;
	for (int i = 0; i < n; i++) {
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
		reaped++;
	}
	r->reaped = reaped;
	r->current_after = read_num(dir, "pids.current");
	_exit(0);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int max = DEFAULT_MAX;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case 'n': max = sk_parse_int(optarg, "--max", 2, 1024); break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);

	unsigned mask = SK_CG_BIT(SK_CG_PIDS);
	sk_cg_setup(mask, argv);
	struct sk_cg *g = sk_cg_create("pids-limit");
	if (sk_cg_set_pids_max(g, max))
		sk_cg_die();
	struct result *r = sk_shared_alloc(sizeof(*r));
	r->forked = -1;
	pid_t pid = sk_cg_fork(g);
	if (pid < 0)
		sk_cg_die();
	if (pid == 0)
		leader(r, sk_cg_dir(g, SK_CG_PIDS), max);
	int status = sk_wait(pid, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || r->forked < 0)
		sk_die("the fork-loop leader failed (status 0x%x)", status);
	struct sk_cg_pids_stat ps;
	sk_cg_pids_stat(g, &ps);
	int left = sk_cg_nprocs(g);

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "pids_max", "%d", max);
	ch12_cg_meta(&t, g, mask);
	sk_tsv_meta(&t, "what", "a leader in the group forks sleeping children until fork fails (bounded at 2 x pids.max)");
	sk_tsv_meta(&t, "procs_left_after_leader", "%d", left);
	sk_tsv_header(&t, "pids_max\tforked\tfork_errno\tpids_current_at_limit\tmax_events\treaped\tpids_current_after\tcgroup_version");
	sk_tsv_row(&t, "%d\t%d\t%s\t%lld\t%lld\t%d\t%lld\tv%d", max, r->forked, r->fork_errno ? sk_errno_name(r->fork_errno) : "none",
		   r->current_at_limit, ps.max_events, r->reaped, r->current_after, sk_cg_version(g, SK_CG_PIDS));
	if (sk_cg_destroy(g))
		sk_die("%s", sk_cg_error());
	return sk_tsv_close(&t) ? SK_EXIT_FAIL : 0;
}
