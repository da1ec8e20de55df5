/*
 * ch02.h - small helpers shared by the chapter 2 programs (static, header
 * only). Candidates for lib/ if other chapters need them:
 *   ch02_sibling ...... path of another program of this chapter, found next to
 *                       /proc/self/exe (also from the ASan build tree)
 *   ch02_proc_exe ..... /proc/PID/exe and /proc/PID/comm of a process
 *   ch02_wait_state ... poll /proc/PID/stat until the process is in a state
 */
#ifndef CH02_H
#define CH02_H

#include "shikumi.h"

#include <libgen.h>

/* PATH of program NAME beside this executable; if this is the ASan build
 * (build/asan/chNN/...) and the sibling is not built there, the in-tree one.
 * Returns buf, or NULL if not found. */
static inline const char *ch02_sibling(const char *name, char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return NULL;
	self[n] = '\0';
	char *dir = dirname(self);
	snprintf(buf, len, "%s/%s", dir, name);
	if (access(buf, X_OK) == 0)
		return buf;
	char *asan = strstr(dir, "/build/asan/");
	if (asan) {
		snprintf(buf, len, "%.*s/%s/%s", (int)(asan - dir), dir, asan + strlen("/build/asan/"), name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* exe (basename of the /proc/PID/exe link) and comm of pid (0 = self). */
static inline void ch02_proc_exe(pid_t pid, char *exe, size_t elen, char *comm, size_t clen)
{
	char p[64], link[PATH_MAX];
	if (pid)
		snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	else
		snprintf(p, sizeof(p), "/proc/self/exe");
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		snprintf(exe, elen, "?");
	else {
		link[n] = '\0';
		const char *b = strrchr(link, '/');
		b = b ? b + 1 : link;
		size_t l = strlen(b);
		if (l >= elen)
			l = elen - 1;
		memcpy(exe, b, l);
		exe[l] = '\0';
	}
	if (pid)
		snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
	else
		snprintf(p, sizeof(p), "/proc/self/comm");
	if (sk_read_line(p, comm, clen) < 0)
		snprintf(comm, clen, "?");
}

/* Poll /proc/PID/stat (every 1 ms, up to timeout_ms) until the state is one
 * of WANT. Returns the last state seen ('?' if the process is gone). */
static inline char ch02_wait_state(pid_t pid, const char *want, int timeout_ms)
{
	struct sk_pidstat st;
	char last = '?';
	for (int i = 0; i <= timeout_ms; i++) {
		if (sk_read_pidstat(pid, &st) == 0)
			last = st.state;
		else
			return '?';
		if (strchr(want, last))
			return last;
		sk_sleep_ns(1000000);
	}
	return last;
}

#endif /* CH02_H */
