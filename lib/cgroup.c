/*
 * cgroup.c - create, limit, measure and remove cgroups on v1, v2 or a hybrid
 * of both, beneath the group the caller already runs in.
 *
 * Detection: a hierarchy is v2 when statfs says CGROUP2_SUPER_MAGIC (or, on a
 * test tree of plain files, when it has cgroup.controllers), v1 when statfs
 * says CGROUP_SUPER_MAGIC (or it has a "tasks" file). The root itself may be
 * v2 (pure v2), or a tmpfs holding one directory per v1 hierarchy plus
 * "unified" (hybrid). Each controller lives in exactly one hierarchy.
 *
 * The v2 rules the kernel enforces, and how they are honoured:
 *  - no internal processes: a group that hands a controller to its children
 *    (cgroup.subtree_control) holds no processes itself (the root excepted);
 *    so the suite's own processes move into a leaf "TAG-self-PID" first;
 *  - a controller is usable in a child only when the parent lists it in
 *    cgroup.subtree_control, and it can be listed only when the parent's
 *    cgroup.controllers has it (delegated from above);
 *  - processes that are not the suite's are never moved: a group holding some
 *    means "start in a delegated systemd scope", or SKIP.
 * Everything changed is undone by one exit hook, which must be async-signal
 * safe (it also runs from the SIGINT handler): it uses only open, read,
 * write, close, kill, rmdir, nanosleep on paths computed beforehand.
 */
#include "shikumi.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define MAX_GROUPS 16
#define KILL_WAIT_MS 5000    /* how long a group may take to empty after SIGKILL */
#define RMDIR_WAIT_MS 2000   /* rmdir retries on EBUSY (the last task leaving) */

static const char *const ctrl_v2_name[SK_CG_NCTRL] = {"cpu", "cpuacct", "memory", "pids", "io"};
static const char *const ctrl_v1_name[SK_CG_NCTRL] = {"cpu", "cpuacct", "memory", "pids", "blkio"};

struct sk_cg {
	bool live;
	bool fake;                       /* plain files, not cgroupfs (tests) */
	char name[128];
	int ndirs;
	struct {
		int version;
		char path[SK_CG_PATH];
	} dir[SK_CG_NCTRL];
	int ctrl_dir[SK_CG_NCTRL];       /* index into dir, -1 if not in the mask */
};

static struct sk_cg groups[MAX_GROUPS];
static int ngroups_seq;               /* for unique names */

static struct sk_cg_sys sys;
static bool sys_ready;
static unsigned setup_mask;
static bool hook_done;
static char errbuf[SK_CG_PATH + 512];
static int err_skip;                  /* last failure was a missing privilege/feature */

/* v2 state to restore at exit */
static struct {
	bool active;
	bool fake;
	char group[SK_CG_PATH];          /* the caller's v2 group */
	char subtree[SK_CG_PATH];        /* its cgroup.subtree_control */
	char procs[SK_CG_PATH];          /* its cgroup.procs */
	char leaf[SK_CG_PATH];           /* where the suite's processes went ("" none) */
	char leaf_procs[SK_CG_PATH];
	char disable[SK_CG_NCTRL][16];   /* "-cpu" ... for what we enabled */
	int ndisable;
} v2r;

/* ---- small utilities ------------------------------------------------------- */

SK_PRINTF(1, 2) static void set_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
}

static bool errno_is_skip(int e)
{
	return e == EACCES || e == EPERM || e == EROFS || e == ENOENT || e == ENODEV ||
	       e == EOPNOTSUPP;
}

/* Record a failed operation on PATH: "OP PATH: ENAME (text)" + a hint. */
static void set_err_path(const char *op, const char *path, int e)
{
	const char *hint = "";
	if (e == EACCES || e == EPERM || e == EROFS)
		hint = " (not writable: run as root, or inside a delegated cgroup subtree)";
	set_err("%s %s: %s (%s)%s", op, path, sk_errno_name(e), strerror(e), hint);
	err_skip = errno_is_skip(e);
	errno = e;
}

const char *sk_cg_error(void) { return errbuf[0] ? errbuf : "no cgroup error"; }

void sk_cg_die(void)
{
	if (err_skip)
		sk_skip("%s", sk_cg_error());
	sk_die("%s", sk_cg_error());
}

const char *sk_cg_mode_name(enum sk_cg_mode m)
{
	switch (m) {
	case SK_CG_V1: return "v1";
	case SK_CG_V2: return "v2";
	case SK_CG_HYBRID: return "hybrid";
	default: return "none";
	}
}

const char *sk_cg_ctrl_name(enum sk_cg_ctrl c)
{
	return (unsigned)c < SK_CG_NCTRL ? ctrl_v2_name[c] : "?";
}

int sk_cg_ctrl_parse(const char *name)
{
	for (int c = 0; c < SK_CG_NCTRL; c++)
		if (!strcmp(name, ctrl_v2_name[c]) || !strcmp(name, ctrl_v1_name[c]))
			return c;
	return -1;
}

/* dst = a + "/" + b without doubled slashes; false if too long. */
static bool join(char *dst, size_t len, const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	int n;
	if (!*b)
		n = snprintf(dst, len, "%.*s", (int)la, a);
	else if (la == 1 && a[0] == '/')
		n = snprintf(dst, len, "/%s", b);
	else
		n = snprintf(dst, len, "%.*s/%s", (int)la, a, b);
	return n >= 0 && (size_t)n < len;
}

static bool file_exists(const char *dir, const char *name)
{
	char p[SK_CG_PATH];
	struct stat st;
	return join(p, sizeof(p), dir, name) && stat(p, &st) == 0;
}

/* 2 = v2, 1 = v1, 0 = neither; *fake = true when not on cgroupfs. */
static int dir_kind(const char *path, bool *fake)
{
	struct statfs sf;
	if (fake)
		*fake = false;
	if (statfs(path, &sf))
		return 0;
	if ((unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC)
		return 2;
	if ((unsigned long)sf.f_type == CGROUP_SUPER_MAGIC)
		return 1;
	/* Not cgroupfs: a test tree, if it looks like one. The tmpfs that holds
	 * a hybrid system's v1 hierarchies has neither file. */
	int kind = file_exists(path, "cgroup.controllers") ? 2 : file_exists(path, "tasks") ? 1 : 0;
	if (kind && fake)
		*fake = true;
	return kind;
}

static bool is_fake(const char *path)
{
	bool fake;
	return dir_kind(path, &fake) && fake;
}

/* Async-signal-safe write of a string to PATH; fake trees create the file
 * (append for cgroup.procs and cgroup.subtree_control, as the kernel keeps a
 * set there). Returns 0 or an errno value. */
static int write_file(const char *path, const char *s, bool fake)
{
	int flags = O_WRONLY | O_CLOEXEC;
	if (fake) {
		size_t l = strlen(path);
		bool set = (l >= 12 && !strcmp(path + l - 12, "cgroup.procs")) ||
			   (l >= 22 && !strcmp(path + l - 22, "cgroup.subtree_control"));
		flags |= O_CREAT | (set ? O_APPEND : O_TRUNC);
	}
	int fd = open(path, flags, 0644);
	if (fd < 0)
		return errno;
	size_t len = strlen(s);
	ssize_t n = write(fd, s, len);
	int e = n < 0 ? errno : (size_t)n != len ? EIO : 0;
	if (fake && !e && (n = write(fd, "\n", 1)) != 1)
		e = EIO;
	if (close(fd) && !e)
		e = errno;
	return e;
}

/* Async-signal-safe decimal formatting. */
static char *fmt_ll(char *buf, size_t len, long long v)
{
	char tmp[24];
	int n = 0;
	bool neg = v < 0;
	unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u && n < 22);
	size_t i = 0;
	if (neg && i + 1 < len)
		buf[i++] = '-';
	while (n > 0 && i + 1 < len)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Call fn(pid, arg) for each number in a pid-list file (cgroup.procs),
 * reading in chunks (async-signal-safe). Returns the count, -1 if unreadable. */
static int for_each_pid(const char *path, void (*fn)(pid_t, void *), void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[4096];
	long long cur = -1;
	int count = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				cur = (cur < 0 ? 0 : cur * 10) + (buf[i] - '0');
				if (cur > INT_MAX)
					cur = INT_MAX;
			} else if (cur >= 0) {
				if (fn)
					fn((pid_t)cur, arg);
				count++;
				cur = -1;
			}
		}
	}
	if (cur >= 0) {
		if (fn)
			fn((pid_t)cur, arg);
		count++;
	}
	close(fd);
	return count;
}

/* ---- detection ---------------------------------------------------------------- */

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* Does the comma-separated LIST contain WORD? */
static bool list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ", \n");
		if (l == wl && !strncmp(p, word, wl))
			return true;
		p += l;
		p += strspn(p, ", \n");
	}
	return false;
}

static int parse_proc_cgroup(struct sk_cg_sys *s)
{
	const char *file = env_or("SHIKUMI_PROC_CGROUP", "/proc/self/cgroup");
	FILE *f = fopen(file, "re");
	if (!f) {
		set_err_path("open", file, errno);
		return -1;
	}
	char line[SK_CG_PATH + 256];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		const char *ctrls = c1 + 1, *path = c2 + 1;
		if (!strcmp(line, "0") && !*ctrls) {
			snprintf(s->v2_self, sizeof(s->v2_self), "%s", path);
			continue;
		}
		for (int c = 0; c < SK_CG_NCTRL; c++)
			if (s->h[c].version == 1 && list_has(ctrls, ctrl_v1_name[c]))
				snprintf(s->h[c].self, sizeof(s->h[c].self), "%s", path);
	}
	fclose(f);
	return 0;
}

int sk_cg_detect(struct sk_cg_sys *s)
{
	memset(s, 0, sizeof(*s));
	errbuf[0] = '\0';
	snprintf(s->root, sizeof(s->root), "%s", env_or("SHIKUMI_CGROUP_ROOT", "/sys/fs/cgroup"));
	bool any_v1 = false;
	if (dir_kind(s->root, NULL) == 2) {
		snprintf(s->v2_mount, sizeof(s->v2_mount), "%s", s->root);
	} else {
		char p[SK_CG_PATH];
		if (join(p, sizeof(p), s->root, "unified") && dir_kind(p, NULL) == 2)
			snprintf(s->v2_mount, sizeof(s->v2_mount), "%s", p);
		DIR *d = opendir(s->root);
		if (!d) {
			set_err_path("opendir", s->root, errno);
			return -1;
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || !strcmp(de->d_name, "unified"))
				continue;
			if (!join(p, sizeof(p), s->root, de->d_name) || dir_kind(p, NULL) != 1)
				continue;
			any_v1 = true;
			for (int c = 0; c < SK_CG_NCTRL; c++) {
				/* "cpu,cpuacct" holds both; a symlink "cpu" -> that is skipped
				 * once the real directory was seen (same mount). */
				if (s->h[c].version || !list_has(de->d_name, ctrl_v1_name[c]))
					continue;
				s->h[c].version = 1;
				snprintf(s->h[c].mount, sizeof(s->h[c].mount), "%s", p);
			}
		}
		closedir(d);
	}
	if (s->v2_mount[0]) {
		char p[SK_CG_PATH];
		if (join(p, sizeof(p), s->v2_mount, "cgroup.controllers") &&
		    sk_read_line(p, s->v2_controllers, sizeof(s->v2_controllers)) < 0)
			s->v2_controllers[0] = '\0';
		for (int c = 0; c < SK_CG_NCTRL; c++) {
			if (s->h[c].version)
				continue;
			/* usage accounting (cpu.stat usage_usec) is core on v2 */
			if (c == SK_CG_CPUACCT || list_has(s->v2_controllers, ctrl_v2_name[c])) {
				s->h[c].version = 2;
				snprintf(s->h[c].mount, sizeof(s->h[c].mount), "%s", s->v2_mount);
			}
		}
	}
	if (!any_v1 && !s->v2_mount[0]) {
		set_err("no cgroup hierarchy under %s (neither cgroup2 nor v1 controllers mounted)", s->root);
		err_skip = 1;
		return -1;
	}
	s->mode = !any_v1 ? SK_CG_V2 : s->v2_mount[0] ? SK_CG_HYBRID : SK_CG_V1;
	if (parse_proc_cgroup(s))
		return -1;
	for (int c = 0; c < SK_CG_NCTRL; c++)
		if (s->h[c].version == 2)
			snprintf(s->h[c].self, sizeof(s->h[c].self), "%s", s->v2_self);
	return 0;
}

const struct sk_cg_sys *sk_cg_system(void) { return sys_ready ? &sys : NULL; }
unsigned sk_cg_setup_mask(void) { return setup_mask; }

/* ---- exit hook ----------------------------------------------------------------- */

static void move_back(pid_t pid, void *arg)
{
	(void)arg;
	char num[24];
	write_file(v2r.procs, fmt_ll(num, sizeof(num), pid), v2r.fake);
}

static void restore_v2(void)
{
	if (!v2r.active)
		return;
	/* Controllers off first: the group may hold processes again only when
	 * its subtree_control is empty. */
	for (int i = v2r.ndisable - 1; i >= 0; i--)
		write_file(v2r.subtree, v2r.disable[i], v2r.fake);
	v2r.ndisable = 0;
	if (v2r.leaf[0]) {
		for (int tries = 0; tries < 3; tries++)
			if (for_each_pid(v2r.leaf_procs, move_back, NULL) <= 0 || v2r.fake)
				break;
		if (v2r.fake)
			unlink(v2r.leaf_procs);
		for (int t = 0; rmdir(v2r.leaf) && errno == EBUSY && t < RMDIR_WAIT_MS / 20; t++)
			sleep_ms(20);
		v2r.leaf[0] = '\0';
	}
	v2r.active = false;
}

static void cleanup_hook(void)
{
	for (int i = MAX_GROUPS - 1; i >= 0; i--)
		if (groups[i].live)
			sk_cg_destroy(&groups[i]);
	restore_v2();
	hook_done = false;   /* sk_run_cleanups dropped it; a later setup adds it again */
}

static void ensure_hook(void)
{
	if (!hook_done) {
		sk_on_cleanup(cleanup_hook);
		hook_done = true;
	}
}

/* ---- v2 preparation ------------------------------------------------------------- */

/* Is pid the owner or one of its descendants? */
static bool is_own(pid_t pid, pid_t owner)
{
	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		if (pid == owner)
			return true;
		struct sk_pidstat st;
		if (sk_read_pidstat(pid, &st))
			return false;
		pid = st.ppid;
	}
	return pid == owner;
}

static pid_t suite_owner(void)
{
	const char *v = getenv("SHIKUMI_CG_OWNER");
	long long o;
	if (v && !sk_parse_ll_r(v, 1, INT_MAX, &o) && is_own(getpid(), (pid_t)o))
		return (pid_t)o;   /* only an ancestor (or self) can vouch for us */
	return getpid();
}

struct procs_scan {
	pid_t owner;
	int own, foreign;
	pid_t first_foreign;
	pid_t own_pids[256];
};

static void classify(pid_t pid, void *arg)
{
	struct procs_scan *ps = arg;
	if (is_own(pid, ps->owner)) {
		if (ps->own < (int)SK_ARRAY_LEN(ps->own_pids))
			ps->own_pids[ps->own] = pid;
		ps->own++;
	} else {
		if (!ps->foreign)
			ps->first_foreign = pid;
		ps->foreign++;
	}
}

static const char *tag(void)
{
	static char t[48];
	const char *v = env_or("SHIKUMI_CG_TAG", "shikumi");
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
	if (v[n] || n >= sizeof(t) || v[0] == '.')
		v = "shikumi";
	snprintf(t, sizeof(t), "%s", v);
	return t;
}

static bool have_systemd(void)
{
	struct stat st;
	if (strcmp(sys.root, "/sys/fs/cgroup"))
		return false;   /* a test tree: never ask the real systemd */
	return stat("/run/systemd/system", &st) == 0;
}

static int prepare_v2(unsigned v2mask)
{
	char group[SK_CG_PATH], p[SK_CG_PATH], have[256] = "";
	if (!join(group, sizeof(group), sys.v2_mount, sys.v2_self)) {
		set_err("path too long: %s%s", sys.v2_mount, sys.v2_self);
		return SK_CG_FAIL;
	}
	if (!join(p, sizeof(p), group, "cgroup.controllers") || sk_read_line(p, have, sizeof(have)) < 0) {
		set_err_path("read", p, errno);
		return SK_CG_SKIP;
	}
	for (int c = 0; c < SK_CG_NCTRL; c++)
		if ((v2mask & SK_CG_BIT(c)) && !list_has(have, ctrl_v2_name[c])) {
			set_err("controller %s is not delegated to %s (its cgroup.controllers lists \"%s\")",
				ctrl_v2_name[c], group, have);
			err_skip = 1;
			return SK_CG_SKIP;
		}
	char subtree[SK_CG_PATH], enabled[256] = "";
	join(subtree, sizeof(subtree), group, "cgroup.subtree_control");
	if (sk_read_line(subtree, enabled, sizeof(enabled)) < 0)
		enabled[0] = '\0';
	unsigned missing = 0;
	for (int c = 0; c < SK_CG_NCTRL; c++)
		if ((v2mask & SK_CG_BIT(c)) && !list_has(enabled, ctrl_v2_name[c]))
			missing |= SK_CG_BIT(c);
	if (!missing)
		return SK_CG_OK;   /* delegated and enabled already */

	memset(&v2r, 0, sizeof(v2r));
	v2r.fake = is_fake(group);
	snprintf(v2r.group, sizeof(v2r.group), "%s", group);
	snprintf(v2r.subtree, sizeof(v2r.subtree), "%s", subtree);
	join(v2r.procs, sizeof(v2r.procs), group, "cgroup.procs");
	bool is_root = !file_exists(group, "cgroup.type");   /* only the root lacks it */

	if (!is_root) {
		/* No internal processes: the suite's own processes go into a leaf;
		 * anyone else's make us stop. */
		struct procs_scan ps = {.owner = suite_owner()};
		if (for_each_pid(v2r.procs, classify, &ps) < 0) {
			set_err_path("read", v2r.procs, errno);
			return SK_CG_SKIP;
		}
		if (ps.foreign) {
			char comm[64] = "?", cp[64];
			snprintf(cp, sizeof(cp), "/proc/%d/comm", (int)ps.first_foreign);
			sk_read_line(cp, comm, sizeof(comm));
			set_err("%s holds %d process(es) that are not the suite's (pid %d %s, ...): cgroup v2 "
				"lets a group give controllers to children only when it holds no process, "
				"and the suite moves no process of anyone else's",
				group, ps.foreign, (int)ps.first_foreign, comm);
			err_skip = 1;
			return have_systemd() && !getenv("SHIKUMI_CG_DELEGATED") ? SK_CG_DELEGATE : SK_CG_SKIP;
		}
		char leafname[96];
		snprintf(leafname, sizeof(leafname), "%s-self-%d", tag(), (int)getpid());
		join(v2r.leaf, sizeof(v2r.leaf), group, leafname);
		join(v2r.leaf_procs, sizeof(v2r.leaf_procs), v2r.leaf, "cgroup.procs");
		if (mkdir(v2r.leaf, 0755)) {
			int e = errno;
			set_err_path("mkdir", v2r.leaf, e);
			v2r.leaf[0] = '\0';
			return errno_is_skip(e) ? SK_CG_SKIP : SK_CG_FAIL;
		}
		v2r.active = true;
		ensure_hook();
		for (int i = 0; i < ps.own && i < (int)SK_ARRAY_LEN(ps.own_pids); i++) {
			char num[24];
			int e = write_file(v2r.leaf_procs, fmt_ll(num, sizeof(num), ps.own_pids[i]), v2r.fake);
			if (e && e != ESRCH) {
				set_err_path("write (move the suite's own process into its leaf)", v2r.leaf_procs, e);
				restore_v2();
				return errno_is_skip(e) ? SK_CG_SKIP : SK_CG_FAIL;
			}
		}
	}
	v2r.active = true;
	ensure_hook();
	for (int c = 0; c < SK_CG_NCTRL; c++) {
		if (!(missing & SK_CG_BIT(c)))
			continue;
		char plus[16];
		snprintf(plus, sizeof(plus), "+%s", ctrl_v2_name[c]);
		int e = 0;
		/* EBUSY: a process of ours was forked into the group meanwhile. */
		for (int t = 0; t < 5 && (e = write_file(subtree, plus, v2r.fake)) == EBUSY; t++) {
			struct procs_scan ps = {.owner = suite_owner()};
			for_each_pid(v2r.procs, classify, &ps);
			for (int i = 0; i < ps.own && i < (int)SK_ARRAY_LEN(ps.own_pids); i++) {
				char num[24];
				write_file(v2r.leaf_procs, fmt_ll(num, sizeof(num), ps.own_pids[i]), v2r.fake);
			}
			sleep_ms(10);
		}
		if (e) {
			set_err_path("write", subtree, e);
			restore_v2();
			return errno_is_skip(e) ? SK_CG_SKIP : SK_CG_FAIL;
		}
		snprintf(v2r.disable[v2r.ndisable++], sizeof(v2r.disable[0]), "-%s", ctrl_v2_name[c]);
	}
	return SK_CG_OK;
}

/* ---- setup ------------------------------------------------------------------------ */

int sk_cg_setup_r(unsigned mask)
{
	errbuf[0] = '\0';
	err_skip = 0;
	if (sk_cg_detect(&sys))
		return err_skip ? SK_CG_SKIP : SK_CG_FAIL;
	sys_ready = true;
	unsigned v2mask = 0;
	for (int c = 0; c < SK_CG_NCTRL; c++) {
		if (!(mask & SK_CG_BIT(c)))
			continue;
		struct sk_cg_hier *h = &sys.h[c];
		if (!h->version) {
			set_err("cgroup controller %s is not available: no v1 hierarchy under %s%s%s", ctrl_v2_name[c],
				sys.root, sys.v2_mount[0] ? " and not in " : "", sys.v2_mount[0] ? sys.v2_mount : "");
			if (sys.v2_mount[0])
				snprintf(errbuf + strlen(errbuf), sizeof(errbuf) - strlen(errbuf),
					 "/cgroup.controllers (\"%s\")", sys.v2_controllers);
			err_skip = 1;
			return SK_CG_SKIP;
		}
		if (!h->self[0]) {
			set_err("%s: no line for controller %s in %s", h->mount, ctrl_v2_name[c],
				env_or("SHIKUMI_PROC_CGROUP", "/proc/self/cgroup"));
			err_skip = 1;
			return SK_CG_SKIP;
		}
		char g[SK_CG_PATH];
		struct stat st;
		if (!join(g, sizeof(g), h->mount, h->self) || stat(g, &st) || !S_ISDIR(st.st_mode)) {
			set_err("the caller's %s group %s is not visible under %s (another cgroup namespace?)",
				ctrl_v2_name[c], h->self, h->mount);
			err_skip = 1;
			return SK_CG_SKIP;
		}
		if (h->version == 2 && c != SK_CG_CPUACCT)
			v2mask |= SK_CG_BIT(c);
	}
	setup_mask = mask;
	ensure_hook();
	if (v2mask)
		return prepare_v2(v2mask);
	return SK_CG_OK;
}

void sk_cg_setup(unsigned mask, char **argv)
{
	int r = sk_cg_setup_r(mask);
	if (r == SK_CG_OK)
		return;
	if (r == SK_CG_DELEGATE && argv) {
		/* Start again in a scope of our own that systemd delegates to us:
		 * there we are the only process, and may split it into leaves. */
		int n = 0;
		while (argv[n])
			n++;
		char **args = calloc((size_t)n + 8, sizeof(*args));
		if (!args)
			sk_die("out of memory");
		int i = 0;
		args[i++] = "systemd-run";
		args[i++] = "--scope";
		args[i++] = "--quiet";
		args[i++] = "--collect";
		args[i++] = "-p";
		args[i++] = "Delegate=yes";
		args[i++] = "--";
		for (int k = 0; k < n; k++)
			args[i++] = argv[k];
		args[i] = NULL;
		setenv("SHIKUMI_CG_DELEGATED", "1", 1);
		sk_note("%s; starting again in a delegated systemd scope", sk_cg_error());
		fflush(NULL);
		execvp("systemd-run", args);
		sk_warn_errno("exec systemd-run");
		free(args);
		sk_skip("%s (and systemd-run could not start a delegated scope)", sk_cg_error());
	}
	if (r == SK_CG_SKIP || r == SK_CG_DELEGATE)
		sk_skip("%s", sk_cg_error());
	sk_die("%s", sk_cg_error());
}

/* ---- groups ------------------------------------------------------------------------ */

static bool valid_hint(const char *h)
{
	size_t n = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
	return !h[n] && n > 0 && n < 40;
}

struct sk_cg *sk_cg_create_r(const char *hint)
{
	if (!sys_ready || !setup_mask) {
		set_err("internal: sk_cg_create before a successful sk_cg_setup");
		err_skip = 0;
		return NULL;
	}
	if (!valid_hint(hint)) {
		set_err("internal: bad group name hint '%s'", hint);
		err_skip = 0;
		return NULL;
	}
	struct sk_cg *g = NULL;
	for (int i = 0; i < MAX_GROUPS; i++)
		if (!groups[i].live) {
			g = &groups[i];
			break;
		}
	if (!g) {
		set_err("internal: more than %d cgroups at once", MAX_GROUPS);
		err_skip = 0;
		return NULL;
	}
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s-%s-%d-%d", tag(), hint, (int)getpid(), ++ngroups_seq);
	for (int c = 0; c < SK_CG_NCTRL; c++) {
		g->ctrl_dir[c] = -1;
		if (!(setup_mask & SK_CG_BIT(c)))
			continue;
		char base[SK_CG_PATH], path[SK_CG_PATH];
		if (!join(base, sizeof(base), sys.h[c].mount, sys.h[c].self) ||
		    !join(path, sizeof(path), base, g->name)) {
			set_err("path too long under %s", sys.h[c].mount);
			err_skip = 0;
			goto fail;
		}
		int k;
		for (k = 0; k < g->ndirs; k++)
			if (!strcmp(g->dir[k].path, path))
				break;
		if (k == g->ndirs) {
			if (mkdir(path, 0755)) {
				int e = errno;
				set_err_path("mkdir", path, e);
				if (e == EACCES || e == EPERM || e == EROFS)
					set_err("mkdir %s: %s: the directory %s is not writable (run as root, or inside "
						"a delegated cgroup subtree)", path, sk_errno_name(e), base);
				errno = e;
				goto fail;
			}
			g->dir[k].version = sys.h[c].version;
			snprintf(g->dir[k].path, sizeof(g->dir[k].path), "%s", path);
			g->ndirs++;
			g->live = true;   /* from the first directory on, the hook removes it */
			g->fake = g->fake || is_fake(base);
			ensure_hook();
		}
		g->ctrl_dir[c] = k;
	}
	g->live = true;
	return g;
fail:;
	int e = errno, skip = err_skip;
	char keep[sizeof(errbuf)];
	memcpy(keep, errbuf, sizeof(keep));
	sk_cg_destroy(g);
	memcpy(errbuf, keep, sizeof(keep));
	err_skip = skip;
	errno = e;
	return NULL;
}

struct sk_cg *sk_cg_create(const char *hint)
{
	struct sk_cg *g = sk_cg_create_r(hint);
	if (!g)
		sk_cg_die();
	return g;
}

const char *sk_cg_name(const struct sk_cg *g) { return g->name; }

const char *sk_cg_dir(const struct sk_cg *g, enum sk_cg_ctrl c)
{
	if ((unsigned)c >= SK_CG_NCTRL || g->ctrl_dir[c] < 0)
		return NULL;
	return g->dir[g->ctrl_dir[c]].path;
}

int sk_cg_version(const struct sk_cg *g, enum sk_cg_ctrl c)
{
	if ((unsigned)c >= SK_CG_NCTRL || g->ctrl_dir[c] < 0)
		return 0;
	return g->dir[g->ctrl_dir[c]].version;
}

/* Which directory holds FILE: by its prefix; -1 for cgroup.* (all). */
static int file_dir(const struct sk_cg *g, const char *file)
{
	static const struct { const char *prefix; int ctrl; } map[] = {
		{"cpuacct.", SK_CG_CPUACCT}, {"cpu.", SK_CG_CPU}, {"memory.", SK_CG_MEMORY},
		{"pids.", SK_CG_PIDS},       {"io.", SK_CG_IO},   {"blkio.", SK_CG_IO},
	};
	for (size_t i = 0; i < SK_ARRAY_LEN(map); i++)
		if (!strncmp(file, map[i].prefix, strlen(map[i].prefix))) {
			int c = map[i].ctrl;
			/* v2 keeps usage in cpu.stat even without the cpu controller */
			if (c == SK_CG_CPU && g->ctrl_dir[c] < 0 && g->ctrl_dir[SK_CG_CPUACCT] >= 0 &&
			    g->dir[g->ctrl_dir[SK_CG_CPUACCT]].version == 2)
				c = SK_CG_CPUACCT;
			return g->ctrl_dir[c] >= 0 ? g->ctrl_dir[c] : -2;
		}
	return -1;
}

static int vwrite_one(struct sk_cg *g, int k, const char *file, const char *val)
{
	char p[SK_CG_PATH];
	if (!join(p, sizeof(p), g->dir[k].path, file)) {
		set_err("path too long");
		errno = ENAMETOOLONG;
		return -1;
	}
	int e = write_file(p, val, g->fake);
	if (e) {
		set_err_path("write", p, e);
		snprintf(errbuf + strlen(errbuf), sizeof(errbuf) - strlen(errbuf), " (value \"%s\")", val);
		return -1;
	}
	return 0;
}

int sk_cg_write(struct sk_cg *g, const char *file, const char *fmt, ...)
{
	char val[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	int k = file_dir(g, file);
	if (k == -2) {
		set_err("%s: group %s has no hierarchy for %s", file, g->name, file);
		err_skip = 0;
		errno = EINVAL;
		return -1;
	}
	if (k >= 0)
		return vwrite_one(g, k, file, val);
	for (k = 0; k < g->ndirs; k++)
		if (vwrite_one(g, k, file, val))
			return -1;
	return 0;
}

int sk_cg_read(const struct sk_cg *g, const char *file, char *buf, size_t len)
{
	int k = file_dir(g, file);
	if (k == -2) {
		set_err("%s: group %s has no hierarchy for it", file, g->name);
		errno = EINVAL;
		return -1;
	}
	char p[SK_CG_PATH];
	if (!join(p, sizeof(p), g->dir[k < 0 ? 0 : k].path, file)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (sk_read_file(p, buf, len) < 0) {
		set_err_path("read", p, errno);
		return -1;
	}
	return 0;
}

int sk_cg_read_key(const struct sk_cg *g, const char *file, const char *key, long long *out)
{
	char buf[8192];
	if (sk_cg_read(g, file, buf, sizeof(buf)))
		return -1;
	if (!key) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, "max")) {
			*out = -1;
			return 0;
		}
		if (sk_parse_ll_r(buf, LLONG_MIN, LLONG_MAX, out)) {
			set_err("%s of %s: not a number: '%s'", file, g->name, buf);
			errno = EINVAL;
			return -1;
		}
		return 0;
	}
	size_t kl = strlen(key);
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			const char *v = line + kl + 1;
			if (sk_parse_ll_r(v, LLONG_MIN, LLONG_MAX, out) == NULL)
				return 0;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	set_err("no key '%s' in %s of %s", key, file, g->name);
	errno = ENOENT;
	return -1;
}

/* ---- limits ------------------------------------------------------------------------- */

int sk_cg_set_cpu_max(struct sk_cg *g, long long quota_us, long long period_us)
{
	if (sk_cg_version(g, SK_CG_CPU) == 2) {
		if (quota_us < 0)
			return sk_cg_write(g, "cpu.max", "max %lld", period_us);
		return sk_cg_write(g, "cpu.max", "%lld %lld", quota_us, period_us);
	}
	/* v1: the period first (a quota larger than the old period is fine
	 * either way, but the kernel checks quota against the parent's). */
	if (sk_cg_write(g, "cpu.cfs_period_us", "%lld", period_us))
		return -1;
	return sk_cg_write(g, "cpu.cfs_quota_us", "%lld", quota_us < 0 ? -1 : quota_us);
}

int sk_cg_set_cpu_weight(struct sk_cg *g, int weight)
{
	if (sk_cg_version(g, SK_CG_CPU) == 2)
		return sk_cg_write(g, "cpu.weight", "%d", weight);
	return sk_cg_write(g, "cpu.shares", "%lld", (long long)weight * 1024 / 100);
}

int sk_cg_set_memory_max(struct sk_cg *g, uint64_t bytes)
{
	char p[SK_CG_PATH];
	const char *d = sk_cg_dir(g, SK_CG_MEMORY);
	if (sk_cg_version(g, SK_CG_MEMORY) == 2) {
		if (sk_cg_write(g, "memory.max", "%llu", (unsigned long long)bytes))
			return -1;
		/* where swap exists a limit would mean swapping, not OOM */
		if (d && join(p, sizeof(p), d, "memory.swap.max") && (g->fake || access(p, F_OK) == 0))
			return sk_cg_write(g, "memory.swap.max", "0");
		return 0;
	}
	if (sk_cg_write(g, "memory.limit_in_bytes", "%llu", (unsigned long long)bytes))
		return -1;
	if (d && join(p, sizeof(p), d, "memory.memsw.limit_in_bytes") && access(p, F_OK) == 0)
		return sk_cg_write(g, "memory.memsw.limit_in_bytes", "%llu", (unsigned long long)bytes);
	return 0;
}

int sk_cg_set_memory_high(struct sk_cg *g, uint64_t bytes)
{
	if (sk_cg_version(g, SK_CG_MEMORY) != 2) {
		set_err("memory.high exists on cgroup v2 only (v1 has no throttling limit)");
		err_skip = 1;
		errno = ENOTSUP;
		return -1;
	}
	return sk_cg_write(g, "memory.high", "%llu", (unsigned long long)bytes);
}

int sk_cg_set_pids_max(struct sk_cg *g, long long n)
{
	if (n < 0)
		return sk_cg_write(g, "pids.max", "max");
	return sk_cg_write(g, "pids.max", "%lld", n);
}

int sk_cg_set_io_max(struct sk_cg *g, unsigned maj, unsigned min, const char *key, uint64_t value)
{
	static const char *const keys[] = {"rbps", "wbps", "riops", "wiops"};
	static const char *const v1files[] = {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
					      "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
	for (size_t i = 0; i < SK_ARRAY_LEN(keys); i++)
		if (!strcmp(key, keys[i])) {
			if (sk_cg_version(g, SK_CG_IO) == 2)
				return sk_cg_write(g, "io.max", "%u:%u %s=%llu", maj, min, key,
						   (unsigned long long)value);
			return sk_cg_write(g, v1files[i], "%u:%u %llu", maj, min, (unsigned long long)value);
		}
	set_err("internal: io.max key '%s' (rbps wbps riops wiops)", key);
	errno = EINVAL;
	return -1;
}

/* ---- statistics ----------------------------------------------------------------------- */

static long long key_or(const struct sk_cg *g, const char *file, const char *key)
{
	long long v;
	return sk_cg_read_key(g, file, key, &v) ? -1 : v;
}

int sk_cg_cpu_stat(const struct sk_cg *g, struct sk_cg_cpu_stat *s)
{
	s->usage_usec = s->nr_periods = s->nr_throttled = s->throttled_usec = -1;
	int vu = sk_cg_version(g, SK_CG_CPUACCT), vc = sk_cg_version(g, SK_CG_CPU);
	if (vu == 2 || vc == 2) {
		s->usage_usec = key_or(g, "cpu.stat", "usage_usec");
		s->nr_periods = key_or(g, "cpu.stat", "nr_periods");
		s->nr_throttled = key_or(g, "cpu.stat", "nr_throttled");
		s->throttled_usec = key_or(g, "cpu.stat", "throttled_usec");
	}
	if (vu == 1) {
		long long ns = key_or(g, "cpuacct.usage", NULL);
		s->usage_usec = ns < 0 ? -1 : ns / 1000;
	}
	if (vc == 1) {
		s->nr_periods = key_or(g, "cpu.stat", "nr_periods");
		s->nr_throttled = key_or(g, "cpu.stat", "nr_throttled");
		long long ns = key_or(g, "cpu.stat", "throttled_time");
		s->throttled_usec = ns < 0 ? -1 : ns / 1000;
	}
	return s->usage_usec < 0 && s->nr_periods < 0 ? -1 : 0;
}

int sk_cg_mem_stat(const struct sk_cg *g, struct sk_cg_mem_stat *s)
{
	if (sk_cg_version(g, SK_CG_MEMORY) == 2) {
		s->current = key_or(g, "memory.current", NULL);
		s->peak = key_or(g, "memory.peak", NULL);
		s->max_events = key_or(g, "memory.events", "max");
		s->high_events = key_or(g, "memory.events", "high");
		s->oom = key_or(g, "memory.events", "oom");
		s->oom_kill = key_or(g, "memory.events", "oom_kill");
		s->anon = key_or(g, "memory.stat", "anon");
		s->file = key_or(g, "memory.stat", "file");
	} else {
		s->current = key_or(g, "memory.usage_in_bytes", NULL);
		s->peak = key_or(g, "memory.max_usage_in_bytes", NULL);
		s->max_events = key_or(g, "memory.failcnt", NULL);
		s->high_events = -1;
		s->oom = key_or(g, "memory.oom_control", "under_oom");
		s->oom_kill = key_or(g, "memory.oom_control", "oom_kill");
		s->anon = key_or(g, "memory.stat", "rss");
		s->file = key_or(g, "memory.stat", "cache");
	}
	return s->current < 0 ? -1 : 0;
}

int sk_cg_pids_stat(const struct sk_cg *g, struct sk_cg_pids_stat *s)
{
	s->current = key_or(g, "pids.current", NULL);
	s->max_events = key_or(g, "pids.events", "max");
	return s->current < 0 ? -1 : 0;
}

/* ---- processes --------------------------------------------------------------------------- */

int sk_cg_enter(struct sk_cg *g, pid_t pid)
{
	char num[24];
	fmt_ll(num, sizeof(num), pid);
	for (int k = 0; k < g->ndirs; k++) {
		char p[SK_CG_PATH];
		join(p, sizeof(p), g->dir[k].path, "cgroup.procs");
		int e = write_file(p, num, g->fake);
		if (e) {
			set_err_path("write", p, e);
			return -1;
		}
	}
	return 0;
}

static void child_defaults(void)
{
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
	for (size_t i = 0; i < SK_ARRAY_LEN(sigs); i++)
		signal(sigs[i], SIG_DFL);
}

/* clone3(CLONE_INTO_CGROUP): -1 with errno when the kernel cannot. */
static pid_t clone_into(int cgfd)
{
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_INTO_CGROUP;
	args.exit_signal = SIGCHLD;
	args.cgroup = (uint64_t)cgfd;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

pid_t sk_cg_fork(struct sk_cg *g)
{
	sigset_t all, old;
	fflush(NULL);
	if (g->ndirs == 1 && g->dir[0].version == 2 && !g->fake) {
		int fd = open(g->dir[0].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			sigfillset(&all);
			sigprocmask(SIG_BLOCK, &all, &old);
			pid_t pid = clone_into(fd);
			int e = errno;
			if (pid == 0) {
				child_defaults();
				sigprocmask(SIG_SETMASK, &old, NULL);
				return 0;
			}
			if (pid > 0)
				sk_child_add(pid);
			sigprocmask(SIG_SETMASK, &old, NULL);
			close(fd);
			if (pid > 0)
				return pid;
			if (e != ENOSYS && e != E2BIG && e != EINVAL && e != EPERM) {
				set_err_path("clone3(CLONE_INTO_CGROUP) into", g->dir[0].path, e);
				return -1;
			}
		}
	}
	/* fork, then move the child in before it may run: it waits on a pipe */
	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		set_err("pipe: %s", sk_errno_name(errno));
		return -1;
	}
	pid_t pid = sk_fork();
	if (pid < 0) {
		set_err("fork: %s", sk_errno_name(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		char c;
		close(fds[1]);
		ssize_t n;
		while ((n = read(fds[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			_exit(127);   /* the parent could not place us */
		close(fds[0]);
		return 0;
	}
	close(fds[0]);
	if (sk_cg_enter(g, pid)) {
		int e = errno;
		close(fds[1]);
		kill(pid, SIGKILL);
		sk_wait(pid, NULL);
		errno = e;
		return -1;
	}
	if (write(fds[1], "x", 1) != 1)
		sk_warn_errno("release child %d", (int)pid);
	close(fds[1]);
	return pid;
}

int sk_cg_nprocs(const struct sk_cg *g)
{
	int most = 0;
	for (int k = 0; k < g->ndirs; k++) {
		char p[SK_CG_PATH];
		join(p, sizeof(p), g->dir[k].path, "cgroup.procs");
		int n = for_each_pid(p, NULL, NULL);
		if (n < 0)
			return g->fake ? 0 : -1;
		if (n > most)
			most = n;
	}
	return most;
}

static void kill_one(pid_t pid, void *arg)
{
	(void)arg;
	if (pid > 1 && pid != getpid())
		kill(pid, SIGKILL);
}

/* Async-signal-safe. */
int sk_cg_kill(struct sk_cg *g)
{
	if (g->fake) {
		/* a test tree: the pids listed are real processes the test put there */
		for (int k = 0; k < g->ndirs; k++) {
			char p[SK_CG_PATH];
			join(p, sizeof(p), g->dir[k].path, "cgroup.procs");
			for_each_pid(p, kill_one, NULL);
		}
		return 0;
	}
	for (int k = 0; k < g->ndirs; k++) {
		char p[SK_CG_PATH], ev[SK_CG_PATH];
		join(p, sizeof(p), g->dir[k].path, "cgroup.procs");
		join(ev, sizeof(ev), g->dir[k].path, "cgroup.kill");
		bool killfile = g->dir[k].version == 2 && access(ev, F_OK) == 0;
		for (int t = 0; t < KILL_WAIT_MS / 5; t++) {
			int n = for_each_pid(p, NULL, NULL);
			if (n <= 0)
				break;
			if (t % 20 == 0) {
				if (!killfile || write_file(ev, "1", false))
					for_each_pid(p, kill_one, NULL);
			}
			sleep_ms(5);
		}
		if (for_each_pid(p, NULL, NULL) > 0)
			return -1;
	}
	return 0;
}

/* Remove the plain files of a fake group (tests only; not signal-safe). */
static void unlink_fake_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		char p[SK_CG_PATH];
		if (de->d_name[0] != '.' && join(p, sizeof(p), dir, de->d_name))
			unlink(p);
	}
	closedir(d);
}

int sk_cg_destroy(struct sk_cg *g)
{
	if (!g || !g->live)
		return 0;
	int rc = sk_cg_kill(g);
	for (int k = g->ndirs - 1; k >= 0; k--) {
		if (g->fake)
			unlink_fake_files(g->dir[k].path);
		int t = 0, e = 0;
		while (rmdir(g->dir[k].path) && (e = errno) == EBUSY && t++ < RMDIR_WAIT_MS / 20)
			sleep_ms(20);
		if (e && e != ENOENT && access(g->dir[k].path, F_OK) == 0) {
			set_err_path("rmdir", g->dir[k].path, e);
			rc = -1;
		}
	}
	g->live = false;
	return rc;
}

/* ---- memory limits ------------------------------------------------------------------------ */

const char *sk_cg_memory_limit_unsafe(uint64_t bytes)
{
	static char why[128];
	if (bytes < SK_CG_MEM_FLOOR) {
		snprintf(why, sizeof(why), "below the floor of %llu MiB (the group's own start-up needs room)",
			 (unsigned long long)(SK_CG_MEM_FLOOR / SK_MIB));
		return why;
	}
	uint64_t avail = sk_mem_available_bytes();
	if (bytes > avail / 2) {
		snprintf(why, sizeof(why), "above half of MemAvailable (%llu MiB): the host could run short",
			 (unsigned long long)(avail / 2 / SK_MIB));
		return why;
	}
	return NULL;
}

void sk_cg_check_memory_limit(uint64_t bytes, const char *name, const char *value)
{
	const char *why = sk_cg_memory_limit_unsafe(bytes);
	if (why)
		sk_bad_arg(name, value, why);
}
