/*
 * fork-exec - exec replaces the program, not the process: the child of a
 * fork calls execve, and the same PID now runs another program.
 *
 * The child reports its pid, ppid, exe and comm through a pipe (write(2)),
 * then execs pidinfo with stdout on the same pipe; pidinfo reports the same
 * fields. The parent prints all rows: before exec the child runs fork-exec,
 * after exec pidinfo - with the same pid and the same parent.
 * (spawn does the same with posix_spawn; both give the same result.)
 *
 * Usage: fork-exec [-x PROGRAM] [-o FILE]
 * Try:   ./fork-exec | column -t
 */
#include "ch02.h"

#include <sys/wait.h>

extern char **environ;

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {
	{'x', "exec", "PROGRAM", "the pidinfo to run (default: pidinfo next to this program)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[-x PROGRAM] [-o FILE]", opts, STD_OPTS,
		      "fork, then execve pidinfo in the child: the same pid runs another program (TSV).");
	printf("\nOutput columns: route  stage  pid  ppid  pgrp  session  exe  comm\n"
	       "  stage parent: this process; fork_returned: the pid fork returned;\n"
	       "  child_before_exec: the child, still running this program; after_exec: pidinfo\n"
	       "Example:\n  %s | column -t\n",
	       sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	char pbuf[PATH_MAX];
	const char *prog = ch02_exec_options(argc, argv, opts, STD_OPTS, &std, usage, pbuf, sizeof(pbuf));
	sk_children_guard();

	int fds[2];
	pid_t pid = sk_fork_pipe(fds);
	if (pid == 0) {
		char line[512], exe[256], comm[64];
		close(fds[0]);
		ch02_proc_exe(0, exe, sizeof(exe), comm, sizeof(comm));
		snprintf(line, sizeof(line), "child_before_exec\t%d\t%d\t%d\t%d\t%s\t%s\n", (int)getpid(),
			 (int)getppid(), (int)getpgrp(), (int)getsid(0), exe, comm);
		sk_write_fd(fds[1], line);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(fds[1]);
		char *const args[] = {(char *)prog, "--stage", "after_exec", NULL};
		execve(prog, args, environ);
		_exit(127);   /* the parent sees exit 127: exec failed */
	}
	close(fds[1]);
	return ch02_report(std.out, "fork_exec", "fork_returned", pid, prog, fds[0], 2);
}
