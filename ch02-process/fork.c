/*
 * fork - one call, two returns: fork() returns the child's PID in the parent
 * and 0 in the child, and the child's parent PID is the caller's PID.
 *
 * The parent forks once; the child reports its pid, ppid and fork's return
 * value through a pipe (write(2), no stdio) and leaves with _exit; the parent
 * reaps it and writes one TSV row per side.
 *
 * --buffering fflush|no-fflush shows why every fork needs fflush first: it
 * prints a line with printf, forks (with or without fflush) and lets the child
 * end with exit(), as a careless program would. When stdout is a pipe or a
 * file, stdio buffers the line; without fflush the child inherits the buffer
 * and exit() writes it a second time. On a terminal (line-buffered) it does
 * not happen - which is why the bug hides until output is redirected.
 *
 * Usage: fork [-o FILE] | fork --buffering fflush|no-fflush
 * Try:   ./fork | column -t;  ./fork --buffering no-fflush | cat
 */
#include "ch02.h"

#include <sys/wait.h>

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {
	{SK_LONG(1), "buffering", "MODE", "instead: print a line with printf, fork with (fflush) or"},
	{0}};

static void usage(void)
{
	printf("Usage: %s [-o FILE]\n"
	       "       %s --buffering fflush|no-fflush\n"
	       "Fork once; parent and child report pid, ppid and what fork returned (TSV).\n\n",
	       sk_prog, sk_prog);
	sk_opts_usage(stdout, opts);
	printf("%29swithout (no-fflush) flushing, child ends with exit();\n"
	       "%29splain text to stdout - pipe it to see the duplicate\n", "", "");
	sk_std_usage(stdout, STD_OPTS);
	printf("\nOutput columns: role  pid  ppid  fork_returned\n"
	       "Examples:\n"
	       "  %s | column -t\n"
	       "  %s --buffering no-fflush | cat     # the first line appears twice\n",
	       sk_prog, sk_prog);
}

/* The demonstration of the stdio-buffer-across-fork bug (deliberately wrong
 * when flush is false: raw fork, exit() in the child). */
static int buffering_demo(bool flush)
{
	printf("[pid %d] this line was printed (into the stdio buffer) before fork\n", (int)getpid());
	if (flush)
		fflush(stdout);
	pid_t pid = fork();   /* not sk_fork: that one always flushes */
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		printf("[pid %d] child: exiting with exit(), which flushes my copy of the buffer\n",
		       (int)getpid());
		exit(0);
	}
	sk_child_add(pid);
	int st = sk_wait(pid, NULL);
	printf("[pid %d] parent: child %d exited with %d\n", (int)getpid(), (int)pid,
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	int demo = -1;
	static const char *const modes[] = {"fflush", "no-fflush", NULL};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): demo = sk_parse_choice(optarg, "--buffering", modes); break;
		}
	}
	sk_no_operands(argc, argv);
	if (demo >= 0 && std.out)
		sk_usage_error("--buffering writes text to stdout; it takes no -o");
	sk_children_guard();
	if (demo >= 0)
		return buffering_demo(demo == 0);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "what", "one fork: each side reports getpid(), getppid() and fork's return value");
	sk_tsv_header(&tsv, "role\tpid\tppid\tfork_returned");

	int fds[2];
	pid_t parent = getpid();
	pid_t pid = sk_fork_pipe(fds);
	if (pid == 0) {
		char line[128];
		close(fds[0]);
		snprintf(line, sizeof(line), "child\t%d\t%d\t%d\n", (int)getpid(), (int)getppid(), (int)pid);
		sk_write_fd(fds[1], line);
		_exit(0);
	}
	close(fds[1]);
	char buf[256];
	if (sk_read_fd(fds[0], buf, sizeof(buf)) < 0)
		sk_die_errno("read from child");
	close(fds[0]);
	int st = sk_wait(pid, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		sk_die("child %d failed (status 0x%x)", (int)pid, (unsigned)st);
	if (!strchr(buf, '\n'))
		sk_die("child %d reported nothing", (int)pid);
	sk_tsv_row(&tsv, "parent\t%d\t%d\t%d", (int)parent, (int)getppid(), (int)pid);
	*strchr(buf, '\n') = '\0';
	sk_tsv_row(&tsv, "%s", buf);
	int cpid = 0, cppid = 0, cret = -1;
	if (sscanf(buf, "child\t%d\t%d\t%d", &cpid, &cppid, &cret) != 3)
		sk_die("child %d reported '%s'", (int)pid, buf);
	sk_note("parent %d: fork returned %d; child %d: fork returned %d, ppid %d", (int)parent,
		(int)pid, cpid, cret, cppid);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
