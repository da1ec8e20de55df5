/*
 * ch02.h - small helpers shared by the chapter 2 programs (static, header
 * only). Candidates for lib/ if other chapters need them:
 *   ch02_sibling ...... path of another program of this chapter, found next to
 *                       /proc/self/exe (also from the ASan build tree)
 *   ch02_proc_exe ..... /proc/PID/exe and /proc/PID/comm of a process
 *   ch02_wait_state ... poll /proc/PID/stat until the process is in a state
 *   ch02_pidinfo ...... the pidinfo that fork-exec and spawn run (-x, else beside us)
 *   ch02_report ....... their TSV: this process, the pid the call returned, what the
 *                       child reported
 */
#ifndef CH02_H
#define CH02_H

#include "shikumi.h"

#include <libgen.h>
#include <sys/wait.h>

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

/* The pidinfo to run: GIVEN (from -x) if not NULL, else the one beside this
 * program; dies if there is none. */
static inline const char *ch02_pidinfo(const char *given, char *buf, size_t len)
{
	if (given)
		return given;
	if (!ch02_sibling("pidinfo", buf, len))
		sk_die("pidinfo not found next to this program: run make (or give -x)");
	return buf;
}

/* fork-exec's and spawn's options: the standard ones and -x PROGRAM, no
 * operands. Returns the pidinfo to run (in BUF unless given). */
static inline const char *ch02_exec_options(int argc, char **argv, const struct sk_opt *opts, unsigned flags,
					    struct sk_std *std, void (*usage)(void), char *buf, size_t len)
{
	const char *prog = NULL;
	int c;
	while ((c = sk_getopt(argc, argv, opts, flags, std, usage)) != -1) {
		if (c == 'x') {
			if (access(optarg, X_OK))
				sk_bad_arg("--exec", optarg, "not an executable file");
			prog = optarg;
		}
	}
	sk_no_operands(argc, argv);
	return ch02_pidinfo(prog, buf, len);
}

/* fork-exec's and spawn's TSV (to OUT): this process, the pid that ROUTE's call
 * returned (stage RETURNED), then the child's own rows, read from RFD until
 * the child closes it (pidinfo's preamble and header skipped), which must be
 * WANT_ROWS; the child must exit 0. Returns the exit code. */
static inline int ch02_report(const char *out, const char *route, const char *returned, pid_t pid,
			      const char *prog, int rfd, int want_rows)
{
	static char child_out[16384];
	if (sk_read_fd(rfd, child_out, sizeof(child_out)) < 0)
		sk_die_errno("read from child");
	close(rfd);
	int st = sk_wait(pid, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		sk_die("%s of %s (pid %d) failed (status 0x%x)", route, prog, (int)pid, (unsigned)st);
	char exe[256], comm[64];
	ch02_proc_exe(0, exe, sizeof(exe), comm, sizeof(comm));
	struct sk_tsv tsv;
	sk_tsv_open(&tsv, out);
	sk_tsv_meta(&tsv, "exec", "%s", prog);
	sk_tsv_header(&tsv, "route\tstage\tpid\tppid\tpgrp\tsession\texe\tcomm");
	sk_tsv_row(&tsv, "%s\tparent\t%d\t%d\t%d\t%d\t%s\t%s", route, (int)getpid(), (int)getppid(),
		   (int)getpgrp(), (int)getsid(0), exe, comm);
	sk_tsv_row(&tsv, "%s\t%s\t%d\t%d\t%d\t%d\t-\t-", route, returned, (int)pid, (int)getpid(),
		   (int)getpgrp(), (int)getsid(0));
	int rows = 0;
	for (char *line = strtok(child_out, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' || !strncmp(line, "stage\t", 6))
			continue;
		sk_tsv_row(&tsv, "%s\t%s", route, line);
		rows++;
	}
	if (rows != want_rows)
		sk_die("expected %d row(s) from the child, got %d", want_rows, rows);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}

#endif /* CH02_H */
