/*
 * spawn - posix_spawn: fork + exec in one call. It starts pidinfo with its
 * stdout on a pipe (a posix_spawn_file_actions dup2) and prints what pidinfo
 * reports next to the pid posix_spawn returned: the same program, a new pid
 * whose parent is this process - the same result as fork-exec. glibc builds
 * it on clone(CLONE_VM|CLONE_VFORK): no page tables are copied (see
 * spawn-cost).
 *
 * Usage: spawn [-x PROGRAM] [-o FILE]
 * Try:   ./spawn | column -t
 */
#include "ch02.h"

#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {
	{'x', "exec", "PROGRAM", "the pidinfo to run (default: pidinfo next to this program)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[-x PROGRAM] [-o FILE]", opts, STD_OPTS,
		      "posix_spawn pidinfo and print what it reports (TSV, same shape as fork-exec).");
	printf("\nOutput columns: route  stage  pid  ppid  pgrp  session  exe  comm\n"
	       "  stage parent: this process; spawn_returned: the pid posix_spawn returned;\n"
	       "  after_exec: what pidinfo says about itself\n"
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
	if (pipe(fds))
		sk_die_errno("pipe");
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO) ||
	    posix_spawn_file_actions_addclose(&fa, fds[0]))
		sk_die("posix_spawn_file_actions: out of memory");
	char *const args[] = {(char *)prog, "--stage", "after_exec", NULL};
	pid_t pid;
	fflush(NULL);
	int e = posix_spawn(&pid, prog, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		errno = e;
		sk_die_errno("posix_spawn %s", prog);
	}
	sk_child_add(pid);
	close(fds[1]);
	return ch02_report(std.out, "posix_spawn", "spawn_returned", pid, prog, fds[0], 1);
}
