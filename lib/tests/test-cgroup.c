/*
 * test-cgroup.c - unit tests of lib/cgroup.c against fake cgroupfs trees
 * (directories of plain files), speaking TAP. Run by lib/tests/cgroup.t.
 *
 * The trees: pure v2 (the caller in /a/b, holding only this process), v2
 * with a foreign process (pid 1) in the caller's group, v2 without the pids
 * controller delegated, hybrid (v1 "cpu,cpuacct", "memory", "pids", "blkio"
 * plus an empty "unified"), pure v1, and no cgroup at all. The kernel's own
 * rules (EBUSY, no-internal-process) are checked for real by
 * ch12-cgroup/tests/v2-kernel.t on a pure v2 kernel.
 */
#include "shikumi.h"
#include "tap.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char top[1024];

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");
	if (!f)
		sk_die_errno("fopen %s", path);
	fputs(content, f);
	fclose(f);
}

/* The file's text, or "<missing>" if it cannot be read. */
static char *read_file(const char *path, char *buf, size_t len)
{
	if (sk_read_file(path, buf, len) < 0)
		snprintf(buf, len, "<missing>");
	return buf;
}

/* TOP/REL, REL a printf format. */
SK_PRINTF(3, 0) static void tree_path(char *p, size_t len, const char *fmt, va_list ap)
{
	char rel[1024];
	vsnprintf(rel, sizeof(rel), fmt, ap);
	snprintf(p, len, "%s/%s", top, rel);
}

SK_PRINTF(2, 3) static void put(const char *content, const char *fmt, ...)
{
	char p[PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	tree_path(p, sizeof(p), fmt, ap);
	va_end(ap);
	/* mkdir -p of the parent */
	for (char *s = p + strlen(top) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if (content)
		write_file(p, content);
	else
		mkdir(p, 0755);
}

SK_PRINTF(3, 4) static char *get(char *buf, size_t len, const char *fmt, ...)
{
	char p[PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	tree_path(p, sizeof(p), fmt, ap);
	va_end(ap);
	return read_file(p, buf, len);
}

/* A file in group g's directory of controller c. */
static char *gread(const struct sk_cg *g, enum sk_cg_ctrl c, const char *file, char *buf, size_t len)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", sk_cg_dir(g, c), file);
	return read_file(p, buf, len);
}

static void gwrite(const struct sk_cg *g, enum sk_cg_ctrl c, const char *file, const char *content)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", sk_cg_dir(g, c), file);
	write_file(p, content);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void fresh_tree(const char *name)
{
	char cmd[PATH_MAX + 16];
	snprintf(top, sizeof(top), "%.900s/%s", getenv("TREE_BASE"), name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd))
		sk_die("rm -rf %s", top);
	mkdir(top, 0755);
	char root[PATH_MAX + 8], pc[PATH_MAX + 8];
	snprintf(root, sizeof(root), "%s/cg", top);
	snprintf(pc, sizeof(pc), "%s/proc-self-cgroup", top);
	setenv("SHIKUMI_CGROUP_ROOT", root, 1);
	setenv("SHIKUMI_PROC_CGROUP", pc, 1);
}

/* A pure v2 tree with the caller in /a/b. */
static void v2_tree(const char *name, const char *procs, const char *delegated)
{
	char me[32];
	fresh_tree(name);
	put("cpuset cpu io memory hugetlb pids rdma misc\n", "cg/cgroup.controllers");
	put("", "cg/cgroup.subtree_control");
	put("cpu io memory pids\n", "cg/a/cgroup.controllers");
	put("domain\n", "cg/a/cgroup.type");
	put(delegated, "cg/a/b/cgroup.controllers");
	put("", "cg/a/b/cgroup.subtree_control");
	put("domain\n", "cg/a/b/cgroup.type");
	snprintf(me, sizeof(me), "%d\n", (int)getpid());
	put(procs ? procs : me, "cg/a/b/cgroup.procs");
	put("0::/a/b\n", "proc-self-cgroup");
}

static void test_v2(void)
{
	char buf[4096], p[PATH_MAX + 256];
	v2_tree("v2", NULL, "cpu io memory pids\n");
	struct sk_cg_sys s;
	ok(sk_cg_detect(&s) == 0, "v2: detect succeeds");
	ok(s.mode == SK_CG_V2, "v2: mode is v2 (%s)", sk_cg_mode_name(s.mode));
	ok(s.h[SK_CG_CPU].version == 2 && s.h[SK_CG_MEMORY].version == 2 && s.h[SK_CG_PIDS].version == 2 &&
		   s.h[SK_CG_IO].version == 2,
	   "v2: cpu, memory, pids, io live in v2");
	ok(s.h[SK_CG_CPUACCT].version == 2, "v2: usage accounting (cpuacct) is v2's core cpu.stat");
	ok(!strcmp(s.h[SK_CG_CPU].self, "/a/b"), "v2: caller's group from the proc file (%s)", s.h[SK_CG_CPU].self);

	unsigned mask = SK_CG_BIT(SK_CG_CPU) | SK_CG_BIT(SK_CG_CPUACCT) | SK_CG_BIT(SK_CG_MEMORY) |
			SK_CG_BIT(SK_CG_PIDS);
	int r = sk_cg_setup_r(mask);
	ok(r == SK_CG_OK, "v2: setup succeeds (%d: %s)", r, r ? sk_cg_error() : "");
	char leaf[256];
	snprintf(leaf, sizeof(leaf), "cg/a/b/shikumi-self-%d/cgroup.procs", (int)getpid());
	ok(atoi(get(buf, sizeof(buf), "%s", leaf)) == getpid(), "v2: own process moved into a leaf (%s)", leaf);
	get(buf, sizeof(buf), "cg/a/b/cgroup.subtree_control");
	ok(!strcmp(buf, "+cpu\n+memory\n+pids\n"), "v2: controllers enabled in the caller's subtree_control");
	ok(!strstr(buf, "cpuacct"), "v2: cpuacct is not written to subtree_control");

	struct sk_cg *g = sk_cg_create_r("unit");
	ok(g != NULL, "v2: create a group (%s)", g ? sk_cg_name(g) : sk_cg_error());
	if (!g)
		return;
	char want[PATH_MAX];
	snprintf(want, sizeof(want), "%s/cg/a/b/shikumi-unit-%d-", top, (int)getpid());
	ok(!strncmp(sk_cg_dir(g, SK_CG_CPU), want, strlen(want)), "v2: group beneath the caller's group (%s)",
	   sk_cg_dir(g, SK_CG_CPU));
	ok(sk_cg_dir(g, SK_CG_CPU) == sk_cg_dir(g, SK_CG_MEMORY), "v2: one directory for every controller");
	ok(sk_cg_dir(g, SK_CG_IO) == NULL, "v2: io not in the setup mask -> no directory");

	ok(sk_cg_set_cpu_max(g, 25000, 100000) == 0, "v2: set cpu.max");
	gread(g, SK_CG_CPU, "cpu.max", buf, sizeof(buf));
	ok(!strcmp(buf, "25000 100000\n"), "v2: cpu.max holds \"25000 100000\"");
	sk_cg_set_cpu_max(g, -1, 100000);
	gread(g, SK_CG_CPU, "cpu.max", buf, sizeof(buf));
	ok(!strcmp(buf, "max 100000\n"), "v2: no quota is \"max 100000\"");
	ok(sk_cg_set_cpu_weight(g, 400) == 0, "v2: set cpu.weight");
	gread(g, SK_CG_CPU, "cpu.weight", buf, sizeof(buf));
	ok(!strcmp(buf, "400\n"), "v2: cpu.weight is 400 (not converted)");
	ok(sk_cg_set_memory_max(g, 32 * SK_MIB) == 0, "v2: set memory.max");
	gread(g, SK_CG_MEMORY, "memory.max", buf, sizeof(buf));
	ok(!strcmp(buf, "33554432\n"), "v2: memory.max in bytes");
	gread(g, SK_CG_MEMORY, "memory.swap.max", buf, sizeof(buf));
	ok(!strcmp(buf, "0\n"), "v2: swap off for the group (memory.swap.max 0)");
	ok(sk_cg_set_memory_high(g, 24 * SK_MIB) == 0, "v2: memory.high can be set");
	ok(sk_cg_set_pids_max(g, 32) == 0, "v2: set pids.max");
	gread(g, SK_CG_PIDS, "pids.max", buf, sizeof(buf));
	ok(!strcmp(buf, "32\n"), "v2: pids.max is 32");

	/* statistics from files the "kernel" wrote */
	gwrite(g, SK_CG_CPU, "cpu.stat",
	       "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\nnr_periods 10\nnr_throttled 9\nthrottled_usec 777\n");
	struct sk_cg_cpu_stat cs;
	r = sk_cg_cpu_stat(g, &cs);
	ok(r == 0 && cs.usage_usec == 123456 && cs.nr_periods == 10 && cs.nr_throttled == 9 &&
		   cs.throttled_usec == 777,
	   "v2: cpu.stat parsed (usage %lld, periods %lld, throttled %lld, %lld us)", cs.usage_usec, cs.nr_periods,
	   cs.nr_throttled, cs.throttled_usec);
	gwrite(g, SK_CG_MEMORY, "memory.events", "low 0\nhigh 5\nmax 17\noom 1\noom_kill 1\noom_group_kill 0\n");
	gwrite(g, SK_CG_MEMORY, "memory.current", "33550336\n");
	struct sk_cg_mem_stat ms;
	ok(sk_cg_mem_stat(g, &ms) == 0 && ms.current == 33550336 && ms.oom_kill == 1 && ms.high_events == 5 &&
		   ms.max_events == 17,
	   "v2: memory.current and memory.events parsed");
	ok(ms.peak == -1, "v2: a missing memory.peak reads as -1");

	/* a file that cannot be written: the message names it */
	snprintf(p, sizeof(p), "%s/pids.max", sk_cg_dir(g, SK_CG_PIDS));
	unlink(p);
	mkdir(p, 0755);
	ok(sk_cg_set_pids_max(g, 8) == -1 && strstr(sk_cg_error(), p) && strstr(sk_cg_error(), "EISDIR"),
	   "v2: an unwritable file is named in the error (%s)", sk_cg_error());
	rmdir(p);

	/* a child placed in the group; destroy kills what the group lists */
	pid_t pid = sk_cg_fork(g);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ok(pid > 0, "v2: sk_cg_fork starts a child (%d)", (int)pid);
	gread(g, SK_CG_CPU, "cgroup.procs", buf, sizeof(buf));
	ok(atoi(buf) == pid, "v2: the child's pid written to the group's cgroup.procs");
	char dir[SK_CG_PATH];
	snprintf(dir, sizeof(dir), "%s", sk_cg_dir(g, SK_CG_CPU));
	ok(sk_cg_destroy(g) == 0, "v2: destroy succeeds");
	int st = 0;
	if (pid > 0) {
		waitpid(pid, &st, 0);
		sk_child_forget(pid);
	}
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "v2: destroy killed the group's process");
	ok(!exists(dir), "v2: the group's directory is gone");

	/* exit path: controllers disabled, our process moved back, leaf removed */
	struct sk_cg *g2 = sk_cg_create_r("unit2");
	snprintf(dir, sizeof(dir), "%s", g2 ? sk_cg_dir(g2, SK_CG_CPU) : "");
	sk_run_cleanups();
	ok(g2 && !exists(dir), "v2: the exit hook removes a group still there");
	get(buf, sizeof(buf), "cg/a/b/cgroup.subtree_control");
	ok(strstr(buf, "+pids\n-pids\n-memory\n-cpu\n") != NULL, "v2: exit restores subtree_control (-pids -memory -cpu)");
	snprintf(p, sizeof(p), "%s/cg/a/b/shikumi-self-%d", top, (int)getpid());
	ok(!exists(p), "v2: the suite's leaf is removed");
	get(buf, sizeof(buf), "cg/a/b/cgroup.procs");
	char twice[64];
	snprintf(twice, sizeof(twice), "%d\n%d\n", (int)getpid(), (int)getpid());
	ok(!strcmp(buf, twice), "v2: our process is moved back into the caller's group");
}

static void test_v2_refusals(void)
{
	v2_tree("v2-foreign", "1\n", "cpu io memory pids\n");
	int r = sk_cg_setup_r(SK_CG_BIT(SK_CG_CPU));
	ok(r == SK_CG_SKIP, "v2 with a foreign process in the caller's group: SKIP (%d)", r);
	ok(strstr(sk_cg_error(), "not the suite's") && strstr(sk_cg_error(), "pid 1"),
	   "v2 foreign: the message says whose process (%s)", sk_cg_error());
	char buf[256];
	get(buf, sizeof(buf), "cg/a/b/cgroup.subtree_control");
	ok(buf[0] == '\0', "v2 foreign: subtree_control untouched");
	get(buf, sizeof(buf), "cg/a/b/cgroup.procs");
	ok(!strcmp(buf, "1\n"), "v2 foreign: nobody moved");

	v2_tree("v2-nopids", NULL, "cpu io memory\n");
	r = sk_cg_setup_r(SK_CG_BIT(SK_CG_PIDS));
	ok(r == SK_CG_SKIP && strstr(sk_cg_error(), "pids") && strstr(sk_cg_error(), "not delegated"),
	   "v2 without pids delegated: SKIP naming the controller (%s)", sk_cg_error());

	/* the v2 root itself may hold processes: enable without moving anyone */
	fresh_tree("v2-root");
	put("cpu memory pids\n", "cg/cgroup.controllers");
	put("", "cg/cgroup.subtree_control");
	put("1\n", "cg/cgroup.procs");
	put("0::/\n", "proc-self-cgroup");
	r = sk_cg_setup_r(SK_CG_BIT(SK_CG_MEMORY));
	ok(r == SK_CG_OK, "v2 root (no cgroup.type): setup without a leaf (%s)", r ? sk_cg_error() : "ok");
	get(buf, sizeof(buf), "cg/cgroup.subtree_control");
	ok(!strcmp(buf, "+memory\n"), "v2 root: memory enabled");
	struct sk_cg *g = sk_cg_create_r("r");
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s/cg/shikumi-r-", top);
	ok(g && !strncmp(sk_cg_dir(g, SK_CG_MEMORY), want, strlen(want)), "v2 root: group is a child of the root");
	sk_run_cleanups();
	get(buf, sizeof(buf), "cg/cgroup.subtree_control");
	ok(!strcmp(buf, "+memory\n-memory\n"), "v2 root: restored");
}

static void v1_dirs(void)
{
	put("", "cg/cpu,cpuacct/tasks");
	put("", "cg/cpu,cpuacct/cgroup.procs");
	put("", "cg/memory/tasks");
	put("", "cg/memory/x/tasks");
	put("", "cg/pids/tasks");
	put("", "cg/blkio/tasks");
	put("", "cg/systemd/tasks");
}

static void test_v1(bool hybrid)
{
	char buf[256], p[PATH_MAX + 64];
	const char *m = hybrid ? "hybrid" : "v1";
	fresh_tree(m);
	v1_dirs();
	if (hybrid)
		put("", "cg/unified/cgroup.controllers");
	put("5:pids:/\n4:memory:/x\n3:blkio:/\n2:cpu,cpuacct:/\n1:name=systemd:/\n0::/\n", "proc-self-cgroup");
	struct sk_cg_sys s;
	int d = sk_cg_detect(&s);
	ok(d == 0 && s.mode == (hybrid ? SK_CG_HYBRID : SK_CG_V1), "%s: mode detected (%s)", m,
	   sk_cg_mode_name(s.mode));
	ok(s.h[SK_CG_CPU].version == 1 && s.h[SK_CG_CPUACCT].version == 1 && s.h[SK_CG_IO].version == 1,
	   "%s: cpu, cpuacct, blkio are v1", m);
	ok(!strcmp(s.h[SK_CG_MEMORY].self, "/x"), "%s: memory group of the caller is /x", m);
	ok(!!strstr(s.h[SK_CG_CPU].mount, "cpu,cpuacct") && !strcmp(s.h[SK_CG_CPU].mount, s.h[SK_CG_CPUACCT].mount),
	   "%s: cpu and cpuacct share one hierarchy", m);
	unsigned mask = SK_CG_BIT(SK_CG_CPU) | SK_CG_BIT(SK_CG_CPUACCT) | SK_CG_BIT(SK_CG_MEMORY) | SK_CG_BIT(SK_CG_IO);
	int r = sk_cg_setup_r(mask);
	ok(r == SK_CG_OK, "%s: setup (%s)", m, r ? sk_cg_error() : "ok");
	struct sk_cg *g = sk_cg_create_r("v1");
	ok(g != NULL, "%s: create (%s)", m, g ? sk_cg_name(g) : sk_cg_error());
	if (!g)
		return;
	ok(sk_cg_dir(g, SK_CG_CPU) == sk_cg_dir(g, SK_CG_CPUACCT), "%s: one directory for cpu,cpuacct", m);
	snprintf(p, sizeof(p), "%s/cg/memory/x/shikumi-v1-", top);
	ok(!strncmp(sk_cg_dir(g, SK_CG_MEMORY), p, strlen(p)), "%s: memory group beneath /x", m);
	sk_cg_set_cpu_max(g, 50000, 100000);
	gread(g, SK_CG_CPU, "cpu.cfs_quota_us", buf, sizeof(buf));
	ok(!strcmp(buf, "50000\n"), "%s: cpu.cfs_quota_us 50000", m);
	gread(g, SK_CG_CPU, "cpu.cfs_period_us", buf, sizeof(buf));
	ok(!strcmp(buf, "100000\n"), "%s: cpu.cfs_period_us 100000", m);
	sk_cg_set_cpu_max(g, -1, 100000);
	gread(g, SK_CG_CPU, "cpu.cfs_quota_us", buf, sizeof(buf));
	ok(!strcmp(buf, "-1\n"), "%s: no quota is -1", m);
	sk_cg_set_cpu_weight(g, 200);
	gread(g, SK_CG_CPU, "cpu.shares", buf, sizeof(buf));
	ok(!strcmp(buf, "2048\n"), "%s: weight 200 -> cpu.shares 2048", m);
	sk_cg_set_memory_max(g, 64 * SK_MIB);
	gread(g, SK_CG_MEMORY, "memory.limit_in_bytes", buf, sizeof(buf));
	ok(!strcmp(buf, "67108864\n"), "%s: memory.limit_in_bytes", m);
	ok(sk_cg_set_memory_high(g, 32 * SK_MIB) == -1 && errno == ENOTSUP, "%s: memory.high refused on v1", m);
	sk_cg_set_io_max(g, 7, 3, "rbps", 1048576);
	gread(g, SK_CG_IO, "blkio.throttle.read_bps_device", buf, sizeof(buf));
	ok(!strcmp(buf, "7:3 1048576\n"), "%s: blkio.throttle.read_bps_device", m);
	gwrite(g, SK_CG_CPUACCT, "cpuacct.usage", "2500000000\n");
	gwrite(g, SK_CG_CPU, "cpu.stat", "nr_periods 20\nnr_throttled 19\nthrottled_time 1500000000\n");
	struct sk_cg_cpu_stat cs;
	ok(sk_cg_cpu_stat(g, &cs) == 0 && cs.usage_usec == 2500000 && cs.throttled_usec == 1500000 &&
		   cs.nr_throttled == 19,
	   "%s: cpuacct.usage and throttled_time converted to us", m);
	ok(sk_cg_enter(g, getpid()) == 0, "%s: enter writes every hierarchy's cgroup.procs", m);
	char dirs[3][SK_CG_PATH];
	snprintf(dirs[0], sizeof(dirs[0]), "%s", sk_cg_dir(g, SK_CG_CPU));
	snprintf(dirs[1], sizeof(dirs[1]), "%s", sk_cg_dir(g, SK_CG_MEMORY));
	snprintf(dirs[2], sizeof(dirs[2]), "%s", sk_cg_dir(g, SK_CG_IO));
	snprintf(p, sizeof(p), "%s/cgroup.procs", dirs[1]);
	unlink(p);   /* or destroy would "kill" this very process (it skips itself anyway) */
	sk_run_cleanups();
	ok(!exists(dirs[0]) && !exists(dirs[1]) && !exists(dirs[2]), "%s: every hierarchy's directory removed", m);
	ok(exists(s.h[SK_CG_MEMORY].mount), "%s: the hierarchy itself untouched", m);

	/* a controller that is missing */
	fresh_tree("v1-nopids");
	put("", "cg/memory/tasks");
	put("4:memory:/\n", "proc-self-cgroup");
	r = sk_cg_setup_r(SK_CG_BIT(SK_CG_PIDS));
	ok(r == SK_CG_SKIP && strstr(sk_cg_error(), "pids"), "missing controller: SKIP naming it (%s)", sk_cg_error());
}

static void test_none_and_misc(void)
{
	fresh_tree("none");
	put(NULL, "cg");
	put("0::/\n", "proc-self-cgroup");
	struct sk_cg_sys s;
	int d = sk_cg_detect(&s);
	ok(d == -1 && s.mode == SK_CG_NONE, "no hierarchy: detect fails, mode none (%s)", sk_cg_error());
	ok(sk_cg_setup_r(SK_CG_BIT(SK_CG_CPU)) == SK_CG_SKIP, "no hierarchy: setup SKIPs");
	ok(sk_cg_ctrl_parse("blkio") == SK_CG_IO && sk_cg_ctrl_parse("io") == SK_CG_IO &&
		   sk_cg_ctrl_parse("memory") == SK_CG_MEMORY && sk_cg_ctrl_parse("bogus") == -1,
	   "controller names (v1 and v2) parse; unknown is -1");
	ok(sk_cg_memory_limit_unsafe(8 * SK_MIB) != NULL, "8 MiB is below the memory floor");
	ok(sk_cg_memory_limit_unsafe(64 * SK_MIB) == NULL || sk_mem_available_bytes() < 128 * SK_MIB,
	   "64 MiB is a safe memory limit");
	ok(sk_cg_memory_limit_unsafe(sk_mem_available_bytes()) != NULL, "MemAvailable itself is not safe");
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	if (!getenv("TREE_BASE"))
		sk_die("set TREE_BASE to a scratch directory");
	unsetenv("SHIKUMI_CG_OWNER");
	unsetenv("SHIKUMI_CG_TAG");
	test_v2();
	test_v2_refusals();
	test_v1(true);
	test_v1(false);
	test_none_and_misc();
	return tap_done();
}
