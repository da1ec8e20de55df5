/*
 * oom-victim - whom the OOM killer picks. Inside a memory-limited cgroup
 * (never the whole machine), three children touch different amounts of
 * memory (LIMIT/8, LIMIT/4, 3 LIMIT/8: 16, 32, 48 MiB for 128 MiB) and wait.
 * The program reads each child's /proc/PID/oom_score and predicts the
 * victim the way the kernel's oom_badness() does for a group: resident pages
 * + page-table pages + oom_score_adj x (group limit in pages) / 1000. Then a
 * fourth process in the group (oom_score_adj -1000: never a candidate)
 * allocates until the group's OOM killer has killed someone, and the program
 * looks at who died of SIGKILL. Two rounds:
 *   size   every child oom_score_adj 0: the largest child dies
 *   adj    the smallest child oom_score_adj +ADJ (default 1000): it dies,
 *          though it holds the least memory
 * /proc/PID/oom_score scales oom_score_adj by the machine's RAM, the group's
 * OOM killer by the group's limit: with adj 1000 both agree.
 * Needs a memory controller it may create groups in (root); exit 4 otherwise.
 * Every group is removed and every child killed on every exit path.
 *
 * Usage: oom-victim [--limit SIZE] [--adj N] [-q] [-o FILE]
 * Try:   sudo ./oom-victim | grep -v '^#' | column -t
 */
#include "ch04.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define DEFAULT_LIMIT (128 * SK_MIB)   /* small: the host never notices */
#define NCHILD 3
#define PUSH_STEP (256 * SK_KIB)        /* the pusher checks the OOM count this often */
#define DEATH_WAIT_MS 3000              /* how long the victim may take to die */

static const struct sk_opt opts[] = {
	{SK_LONG(1), "limit", "SIZE", "the group's memory limit, >= 32M, <= MemAvailable/2 (default 128M)"},
	{SK_LONG(2), "adj", "N", "oom_score_adj of the smallest child in round adj, -999..1000 (default 1000)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[--limit SIZE] [--adj N] [-q] [-o FILE]", opts, SK_STD_Q | SK_STD_O,
		      "Three children of different sizes in a memory-limited cgroup: their oom_score,\n"
		      "the predicted OOM victim, and the one the kernel killed when the group ran out.");
	printf("\nNeeds root (a memory cgroup); otherwise exits 4 (SKIP). -q changes nothing (it is quick).\n"
	       "Output columns: round child size_bytes oom_score_adj rss_kib oom_score badness_pages predicted killed\n"
	       "  (round: size, adj; preamble: limit_bytes, oom_kill_ROUND, outcome_ROUND, ...)\n"
	       "Example: sudo %s | grep -v '^#' | column -t\n", sk_prog);
}

struct child {
	pid_t pid;
	uint64_t size;
	int adj;
	long long rss_kib, pte_kib, oom_score;
	long long badness;
	bool predicted, killed;
	int status;
};

static int write_adj(int adj)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", adj);
	return sk_write_str("/proc/self/oom_score_adj", v);
}

/* A child: set its oom_score_adj, touch SIZE, say so, wait to be killed. */
SK_NORETURN static void child_main(uint64_t size, int adj, int ready_fd)
{
	if (write_adj(adj))
		_exit(3);
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	madvise(p, size, MADV_NOHUGEPAGE);   /* 4 KiB pages: resident = touched */
	sk_touch_pages(p, size);
	if (write(ready_fd, "r", 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

/* The group's OOM kill count (memory.events / memory.oom_control oom_kill). */
static long long oom_kills(const struct sk_cg *g)
{
	long long v = -1;
	const char *file = sk_cg_version(g, SK_CG_MEMORY) == 2 ? "memory.events" : "memory.oom_control";
	return sk_cg_read_key(g, file, "oom_kill", &v) ? -1 : v;
}

/* The pusher: unkillable by the OOM killer (adj -1000, needs CAP_SYS_RESOURCE),
 * allocates in small steps until the group's OOM kill count rises. Exit 0 when
 * it did, 5 if MAX bytes did not provoke it. */
SK_NORETURN static void pusher_main(const struct sk_cg *g, uint64_t max, long long base, int report_fd)
{
	(void)write_adj(-1000);   /* refused without privilege: the parent notes the value */
	long long a;
	int adj = sk_read_ll("/proc/self/oom_score_adj", &a) ? 9999 : (int)a;
	if (write(report_fd, &adj, sizeof(adj)) != sizeof(adj))
		_exit(3);
	close(report_fd);
	char *p = mmap(NULL, max, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	madvise(p, max, MADV_NOHUGEPAGE);
	for (uint64_t off = 0; off < max; off += PUSH_STEP) {
		sk_touch_pages(p + off, PUSH_STEP);
		long long k = oom_kills(g);
		if (k > base)
			_exit(0);
	}
	_exit(5);
}

static long long proc_ll(pid_t pid, const char *file)
{
	char path[64];
	long long v;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return sk_read_ll(path, &v) ? -1 : v;
}

/* Wait up to ms for pid; true (and *status) if it ended. */
static bool wait_for(pid_t pid, int *status, int ms)
{
	for (int i = 0; i <= ms; i += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid) {
			sk_child_forget(pid);
			return true;
		}
		if (r < 0 && errno != EINTR)
			return false;
		sk_sleep_ns(10 * 1000000u);
	}
	return false;
}

struct round {
	const char *name;
	struct child c[NCHILD];
	long long oom_kill;
	int pusher_adj;
	const char *outcome;
};

static void run_round(struct round *r, uint64_t limit, const int adj[NCHILD])
{
	struct sk_cg *g = sk_cg_create(r->name);
	if (sk_cg_set_memory_max(g, limit))
		sk_cg_die();
	long long base = oom_kills(g);
	if (base < 0)
		sk_skip("%s: no oom_kill counter in the group (%s)", r->name, sk_cg_error());
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		sk_die_errno("pipe");
	for (int i = 0; i < NCHILD; i++) {
		struct child *c = &r->c[i];
		c->size = limit / 8 * (uint64_t)(i + 1);
		c->adj = adj[i];
		c->pid = sk_cg_fork(g);
		if (c->pid < 0)
			sk_cg_die();
		if (c->pid == 0) {
			close(fds[0]);
			child_main(c->size, c->adj, fds[1]);
		}
	}
	close(fds[1]);
	for (int i = 0; i < NCHILD; i++) {
		char b;
		if (read(fds[0], &b, 1) != 1)
			sk_die("%s: a child died before it had touched its memory (oom_score_adj %d refused?)", r->name,
			       adj[i]);
	}
	close(fds[0]);

	/* The prediction: the kernel's oom_badness() with the group's limit as "total". */
	long pg = sk_page_size();
	long long limit_pages = (long long)(limit / (uint64_t)pg);
	int best = -1;
	for (int i = 0; i < NCHILD; i++) {
		struct child *c = &r->c[i];
		struct sk_procstatus st;
		if (sk_read_status(c->pid, &st))
			sk_die_errno("read /proc/%d/status", (int)c->pid);
		c->rss_kib = st.rss_anon + st.rss_file + st.rss_shmem;
		c->pte_kib = st.vm_pte;
		c->oom_score = proc_ll(c->pid, "oom_score");
		c->badness = (c->rss_kib + c->pte_kib) * 1024 / pg + (long long)c->adj * (limit_pages / 1000);
		if (best < 0 || c->badness > r->c[best].badness)
			best = i;
	}
	r->c[best].predicted = true;
	sk_note("%s: oom_score %lld / %lld / %lld, predicted victim: child %d (%s, adj %d)", r->name, r->c[0].oom_score,
		r->c[1].oom_score, r->c[2].oom_score, best + 1, sk_fmt_size(r->c[best].size, (char[32]){0}, 32),
		r->c[best].adj);

	/* Push the group over its limit. */
	if (pipe2(fds, O_CLOEXEC))
		sk_die_errno("pipe");
	pid_t pusher = sk_cg_fork(g);
	if (pusher < 0)
		sk_cg_die();
	if (pusher == 0) {
		close(fds[0]);
		pusher_main(g, limit, base, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &r->pusher_adj, sizeof(r->pusher_adj)) != sizeof(r->pusher_adj))
		r->pusher_adj = 9999;
	close(fds[0]);
	int ps = 0;
	if (!wait_for(pusher, &ps, 20000)) {
		kill(pusher, SIGKILL);
		sk_wait(pusher, NULL);
		r->outcome = "pusher-stuck";
	} else if (WIFEXITED(ps) && WEXITSTATUS(ps) == 0) {
		r->outcome = "oom-kill";
	} else if (WIFSIGNALED(ps)) {
		r->outcome = "pusher-killed";
	} else {
		r->outcome = "no-oom";
	}
	/* The victim got SIGKILL: give it time to die (as many as the group
	 * counted), then end the others. */
	bool reaped[NCHILD] = {false};
	int dead = 0;
	for (int ms = 0; ms < DEATH_WAIT_MS; ms += 10) {
		for (int i = 0; i < NCHILD; i++) {
			struct child *c = &r->c[i];
			if (!reaped[i] && waitpid(c->pid, &c->status, WNOHANG) == c->pid) {
				sk_child_forget(c->pid);
				reaped[i] = true;
				dead++;
				c->killed = WIFSIGNALED(c->status) && WTERMSIG(c->status) == SIGKILL;
			}
		}
		r->oom_kill = oom_kills(g) - base;
		if (dead && dead >= r->oom_kill)
			break;
		sk_sleep_ns(10 * 1000000u);
	}
	for (int i = 0; i < NCHILD; i++)
		if (!reaped[i]) {
			kill(r->c[i].pid, SIGKILL);
			sk_wait(r->c[i].pid, NULL);
		}
	if (sk_cg_destroy(g))
		sk_die("%s", sk_cg_error());
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t limit = DEFAULT_LIMIT;
	int adj = 1000;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1):
			limit = sk_parse_size(optarg, "--limit", 32 * SK_MIB, UINT64_C(1) << 40);
			sk_cg_check_memory_limit(limit, "--limit", optarg);
			break;
		case SK_LONG(2): adj = sk_parse_int(optarg, "--adj", -999, 1000); break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	sk_cg_setup(SK_CG_BIT(SK_CG_MEMORY), argv);

	static struct round rounds[2] = {{.name = "size"}, {.name = "adj"}};
	const int adj_size[NCHILD] = {0, 0, 0}, adj_adj[NCHILD] = {adj, 0, 0};
	run_round(&rounds[0], limit, adj_size);
	run_round(&rounds[1], limit, adj_adj);
	sk_cpu_note();

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	const struct sk_cg_sys *s = sk_cg_system();
	sk_tsv_meta(&t, "cgroup_mode", "%s", s ? sk_cg_mode_name(s->mode) : "none");
	sk_tsv_meta(&t, "cgroup_memory", "v%d", s ? s->h[SK_CG_MEMORY].version : 0);
	sk_tsv_meta(&t, "limit_bytes", "%llu", (unsigned long long)limit);
	for (int i = 0; i < 2; i++) {
		char key[48];
		snprintf(key, sizeof(key), "outcome_%s", rounds[i].name);
		sk_tsv_meta(&t, key, "%s", rounds[i].outcome);
		snprintf(key, sizeof(key), "oom_kill_%s", rounds[i].name);
		sk_tsv_meta(&t, key, "%lld", rounds[i].oom_kill);
		snprintf(key, sizeof(key), "pusher_adj_%s", rounds[i].name);
		sk_tsv_meta(&t, key, "%d", rounds[i].pusher_adj);
	}
	sk_tsv_header(&t, "round\tchild\tsize_bytes\toom_score_adj\trss_kib\toom_score\tbadness_pages\tpredicted\tkilled");
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < NCHILD; k++) {
			const struct child *ch = &rounds[i].c[k];
			sk_tsv_row(&t, "%s\t%d\t%llu\t%d\t%lld\t%lld\t%lld\t%d\t%d", rounds[i].name, k + 1,
				   (unsigned long long)ch->size, ch->adj, ch->rss_kib, ch->oom_score, ch->badness,
				   ch->predicted, ch->killed);
		}
	return sk_tsv_close(&t) ? SK_EXIT_FAIL : 0;
}
