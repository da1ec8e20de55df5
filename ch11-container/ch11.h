/*
 * ch11.h - what the chapter 11 programs share: the namespace kinds, a
 * namespace's inode, why user namespaces are refused, uid/gid maps, and a
 * one-byte pipe to keep a parent and its child in step.
 *
 * Everything is static: each program compiles only what it uses.
 */
#ifndef CH11_H
#define CH11_H

#include "shikumi.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The eight kinds, in the order lsns and /proc/PID/ns list them (roughly). */
struct ch11_ns_kind {
	const char *name;    /* as in /proc/PID/ns/NAME and lsns TYPE */
	int flag;            /* CLONE_NEW* */
};
static const struct ch11_ns_kind ch11_ns_kinds[] = {
	{"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},   {"mnt", CLONE_NEWNS},
	{"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},   {"time", CLONE_NEWTIME},
	{"user", CLONE_NEWUSER},     {"uts", CLONE_NEWUTS},
};
#define CH11_NKINDS ((int)SK_ARRAY_LEN(ch11_ns_kinds))

/* The namespace's identity: the inode of /proc/PID/ns/NAME (pid 0 = self),
 * 0 with errno when it cannot be read (no such kind, no permission). */
static inline unsigned long ch11_ns_inode(pid_t pid, const char *name)
{
	char path[64];
	struct stat st;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (stat(path, &st) != 0)
		return 0;
	return (unsigned long)st.st_ino;
}

/* Why the kernel refuses a user namespace to this (unprivileged) caller,
 * naming the knob: Debian's/Ubuntu's kernel.unprivileged_userns_clone,
 * user.max_user_namespaces, or AppArmor's
 * kernel.apparmor_restrict_unprivileged_userns. err is unshare's errno. */
static inline const char *ch11_userns_refusal(int err, char *buf, size_t len)
{
	long long v;
	if (sk_read_ll("/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0)
		snprintf(buf, len, "user namespaces disabled: user.max_user_namespaces = 0");
	else if (err == ENOSPC)
		snprintf(buf, len, "user namespaces exhausted: user.max_user_namespaces = %lld reached", v);
	else if (geteuid() != 0 && sk_read_ll("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && v == 0)
		snprintf(buf, len, "unprivileged user namespaces disabled: kernel.unprivileged_userns_clone = 0");
	else if (geteuid() != 0 && sk_read_ll("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) == 0 &&
		 v == 1)
		snprintf(buf, len, "AppArmor restricts unprivileged user namespaces: "
				   "kernel.apparmor_restrict_unprivileged_userns = 1");
	else
		snprintf(buf, len, "unshare(CLONE_NEWUSER): %s (%s)", sk_errno_name(err), strerror(err));
	return buf;
}

/* Map uid/gid 0 inside the user namespace of pid to uid/gid outside: write
 * "deny" to setgroups first (an unprivileged writer may not map gids while
 * setgroups(2) is allowed, since Linux 3.19), then the maps. Returns 0, or -1
 * with errno and the file that failed in *what. */
static inline int ch11_map_root(pid_t pid, uid_t uid, gid_t gid, const char **what)
{
	static char path[64];
	char line[64];
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	*what = path;
	if (sk_write_str(path, "deny") != 0 && errno != ENOENT)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)uid);
	if (sk_write_str(path, line) != 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)gid);
	if (sk_write_str(path, line) != 0)
		return -1;
	return 0;
}

/* A pipe that carries one byte: the child waits until the parent has done
 * its part (maps, cgroup, looking at the child from outside). */
struct ch11_sync {
	int fd[2];
};
static inline void ch11_sync_init(struct ch11_sync *s)
{
	if (pipe2(s->fd, O_CLOEXEC) != 0)
		sk_die_errno("pipe2");
}
/* 0 when the byte arrived, -1 when the other side closed without sending. */
static inline int ch11_sync_wait(struct ch11_sync *s)
{
	char c;
	ssize_t n;
	do
		n = read(s->fd[0], &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}
static inline void ch11_sync_post(struct ch11_sync *s)
{
	ssize_t n;
	do
		n = write(s->fd[1], "x", 1);
	while (n < 0 && errno == EINTR);
}
/* After fork, each side keeps only its end, so that a side that dies
 * unblocks the other (read returns 0 once no write end is open). */
static inline void ch11_sync_reader(struct ch11_sync *s)
{
	close(s->fd[1]);
	s->fd[1] = -1;
}
static inline void ch11_sync_writer(struct ch11_sync *s)
{
	close(s->fd[0]);
	s->fd[0] = -1;
}
static inline void ch11_sync_close(struct ch11_sync *s)
{
	close(s->fd[0]);
	close(s->fd[1]);
}

/* Lines in a small file (/proc/sysvipc/msg, /proc/PID/net/dev), -1 if unreadable. */
static inline int ch11_count_lines(const char *path)
{
	char text[65536];
	int n = 0;
	if (sk_read_file(path, text, sizeof(text)) < 0)
		return -1;
	for (char *p = text; *p; p++)
		if (*p == '\n')
			n++;
	return n;
}

/* Rows of the demo programs: view (inside|outside), item, value. */
static inline void ch11_row(struct sk_tsv *t, const char *view, const char *item, const char *fmt, ...)
	SK_PRINTF(4, 5);
static inline void ch11_row(struct sk_tsv *t, const char *view, const char *item, const char *fmt, ...)
{
	char val[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	for (char *p = val; *p; p++)   /* a value is one TSV field */
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	sk_tsv_row(t, "%s\t%s\t%s", view, item, val);
}

/* The status of a child as the exit code a shell would give: n, or 128+sig. */
static inline int ch11_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Does this process hold CAP_SYS_ADMIN (bit 21 of CapEff)? Root in a
 * container usually does not. */
static inline bool ch11_cap_sys_admin(void)
{
	char text[4096];
	if (sk_read_file("/proc/self/status", text, sizeof(text)) < 0)
		return false;
	const char *p = strstr(text, "CapEff:");
	return p && (strtoull(p + 7, NULL, 16) & (1ull << 21));
}

/* Not root (or root without CAP_SYS_ADMIN): do the demo inside a user
 * namespace of our own, where we are root (uid 0 mapped to our uid), as
 * `unshare --map-root-user` does. SKIP with the knob that forbids it.
 * Returns true when it had to. */
static inline bool ch11_rootless_enter(void)
{
	char why[256];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	const char *what;
	if (uid == 0 && ch11_cap_sys_admin())
		return false;
	const char *who = uid == 0 ? "root without CAP_SYS_ADMIN (a container?)" : "not root";
	if (unshare(CLONE_NEWUSER) != 0)
		sk_skip("%s, and %s", who, ch11_userns_refusal(errno, why, sizeof(why)));
	if (ch11_map_root(getpid(), uid, gid, &what) != 0)
		sk_skip("%s, and writing %s failed: %s", who, what, sk_errno_name(errno));
	return true;
}

/* Shared memory for a child's answers (survives fork; MAP_SHARED). */
struct ch11_answers {
	int n;
	struct {
		char view[24], item[48], value[256];
	} row[32];
};
static inline void ch11_answer(struct ch11_answers *a, const char *view, const char *item, const char *fmt, ...)
	SK_PRINTF(4, 5);
static inline void ch11_answer(struct ch11_answers *a, const char *view, const char *item, const char *fmt, ...)
{
	va_list ap;
	if (a->n >= (int)SK_ARRAY_LEN(a->row))
		return;
	snprintf(a->row[a->n].view, sizeof(a->row[0].view), "%s", view);
	snprintf(a->row[a->n].item, sizeof(a->row[0].item), "%s", item);
	va_start(ap, fmt);
	vsnprintf(a->row[a->n].value, sizeof(a->row[0].value), fmt, ap);
	va_end(ap);
	a->n++;
}
/* Emit the answers as rows, in the order they were given. */
static inline void ch11_answers_emit(struct sk_tsv *t, const struct ch11_answers *a)
{
	for (int i = 0; i < a->n; i++)
		ch11_row(t, a->row[i].view, a->row[i].item, "%s", a->row[i].value);
}

/* The value of the last "error" answer, else "?" (why a child gave up). */
static inline const char *ch11_answers_error(const struct ch11_answers *a)
{
	for (int i = a->n - 1; i >= 0; i--)
		if (strcmp(a->row[i].item, "error") == 0)
			return a->row[i].value;
	return "?";
}

/* ---- the skeleton of the ns-KIND demos ---------------------------------------
 * Each ns-KIND program shows one namespace kind from both sides: a child
 * unshares it and answers from inside, the parent looks from outside, and
 * the answers go out as one TSV (view, item, value). What is left in each
 * program is what is particular to its kind:
 *
 *   static const struct sk_opt opts[] = {{'D', "dir", "DIR", "..."}, {0}};
 *   static void usage(void) { ch11_usage("[-D DIR] [-o FILE]", "what it shows", opts, "Example:\n  sudo %s\n"); }
 *   static int inside(struct ch11_answers *a, void *arg) { ...answers...; return 0; }
 *
 *   struct ch11_demo d = {0};
 *   sk_init(argc, argv);
 *   while ((c = ch11_getopt(&d, argc, argv, opts, usage)) != -1) ...
 *                            // (only -q, -o: ch11_std_options(&d, argc, argv, usage))
 *   ch11_demo_start(&d);                        // rootless if need be, guard, answers
 *   CH11_INSIDE(&d, CLONE_NEWNET, inside, arg);  // the child waits inside, set up
 *   ch11_answer(d.a, "outside", ...);            // look from outside
 *   int st = ch11_inside_end(&d);                // let the child go, its status
 *   struct sk_tsv t;
 *   ch11_tsv_open(&t, &d, "net");                // kind, rootless (+ meta of its own)
 *   return ch11_tsv_close(&t, &d, st, "unshare --net ...");
 */
struct ch11_demo {
	struct sk_std std;
	bool started;              /* ch11_demo_start ran: say whether rootless */
	bool rootless;             /* inside a user namespace of its own */
	struct ch11_answers *a;    /* shared with the children */
	pid_t child;               /* CH11_INSIDE's child */
	struct ch11_sync ready, done;
};

/* A demo's help: synopsis, description, its options and the standard ones,
 * then the examples, a printf format of the program's name ("Example:\n
 * sudo %s\n"; "%1$s" where it is named more than once). */
#define ch11_usage(synopsis, what, opts, examples)                              \
	do {                                                                     \
		sk_usage_head(synopsis, opts, SK_STD_Q | SK_STD_O, "%s", what);  \
		printf("\n" examples, sk_prog);                                  \
	} while (0)

/* sk_getopt with the demos' standard options (-q, -o); no operands. */
static inline int ch11_getopt(struct ch11_demo *d, int argc, char **argv, const struct sk_opt *opts,
			      void (*usage)(void))
{
	int c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &d->std, usage);
	if (c == -1)
		sk_no_operands(argc, argv);
	return c;
}

/* For a demo whose own options all take a plain string (a directory): start-up
 * and options; the value of opts[i] lands in *vals[i]. */
static inline void ch11_string_options(struct ch11_demo *d, int argc, char **argv, const struct sk_opt *opts,
				       const char **const vals[], void (*usage)(void))
{
	int c;
	sk_init(argc, argv);
	while ((c = ch11_getopt(d, argc, argv, opts, usage)) != -1) {
		int i = 0;
		while (opts[i].key && opts[i].key != c)
			i++;
		if (!opts[i].key)
			sk_usage_hint();
		*vals[i] = optarg;
	}
}

/* For a demo with only the standard options: start-up and options. */
static inline void ch11_std_options(struct ch11_demo *d, int argc, char **argv, void (*usage)(void))
{
	sk_init(argc, argv);
	while (ch11_getopt(d, argc, argv, NULL, usage) != -1)
		sk_usage_hint();
}

/* Options parsed: enter a user namespace of our own if need be (SKIP if
 * refused), guard the children, share the answers with them. */
static inline void ch11_demo_start(struct ch11_demo *d)
{
	d->rootless = ch11_rootless_enter();
	d->started = true;
	sk_children_guard();
	d->a = sk_shared_alloc(sizeof(*d->a));
}

/* What the child does inside its new namespace: answers; nonzero after an
 * "error" answer if it cannot go on. */
typedef int (*ch11_inside_fn)(struct ch11_answers *a, void *arg);

/* Fork a child that unshares FLAG and runs fn inside, then waits there until
 * ch11_inside_end. Returns when the child is set up; dies with its "error"
 * answer if it could not be. */
#define CH11_INSIDE(d, flag, fn, arg) ch11_inside(d, flag, #flag, fn, arg)
static inline void ch11_inside(struct ch11_demo *d, int flag, const char *flag_name, ch11_inside_fn fn, void *arg)
{
	ch11_sync_init(&d->ready);
	ch11_sync_init(&d->done);
	d->child = sk_fork();
	if (d->child < 0)
		sk_die_errno("fork");
	if (d->child == 0) {
		ch11_sync_writer(&d->ready);
		ch11_sync_reader(&d->done);
		if (unshare(flag) != 0) {
			ch11_answer(d->a, "inside", "error", "unshare(%s): %s", flag_name, sk_errno_name(errno));
			_exit(1);
		}
		if (fn(d->a, arg) != 0)
			_exit(1);
		ch11_sync_post(&d->ready);
		ch11_sync_wait(&d->done);   /* stay alive while the outside looks */
		_exit(0);
	}
	ch11_sync_reader(&d->ready);
	ch11_sync_writer(&d->done);
	if (ch11_sync_wait(&d->ready) != 0) {
		sk_wait(d->child, NULL);
		sk_die("the child could not set up its namespace: %s", ch11_answers_error(d->a));
	}
}

/* Let CH11_INSIDE's child exit; its wait status. */
static inline int ch11_inside_end(struct ch11_demo *d)
{
	ch11_sync_post(&d->done);
	return sk_wait(d->child, NULL);
}

/* The demo's TSV, begun: kind, and whether it ran rootless. */
static inline void ch11_tsv_open(struct sk_tsv *t, const struct ch11_demo *d, const char *kind)
{
	sk_tsv_open(t, d->std.out);
	sk_tsv_meta(t, "kind", "%s", kind);
	if (d->started)
		sk_tsv_meta(t, "rootless", "%s", d->rootless ? "yes (inside a user namespace of its own)" : "no");
}

/* ... and ended: the shell commands that show the same, the answers. The
 * exit code: 0 if the TSV was written and status (of the children) is 0. */
static inline int ch11_tsv_close(struct sk_tsv *t, const struct ch11_demo *d, int status, const char *fmt, ...)
	SK_PRINTF(4, 5);
static inline int ch11_tsv_close(struct sk_tsv *t, const struct ch11_demo *d, int status, const char *fmt, ...)
{
	char eq[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(eq, sizeof(eq), fmt, ap);
	va_end(ap);
	sk_tsv_meta(t, "equivalent", "%s", eq);
	sk_tsv_header(t, "view\titem\tvalue");
	ch11_answers_emit(t, d->a);
	if (sk_tsv_close(t) != 0)
		return 1;
	return status == 0 ? 0 : 1;
}

#endif /* CH11_H */
