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

#endif /* CH11_H */
