/*
 * wait-status - what a parent learns from waitpid: one int that says how the
 * child ended (exit code or signal, core dump) or changed (stopped, continued).
 *
 * Children, each created for one case:
 *   exit_42       _exit(42)                        -> exited, code 42
 *   exit_256      _exit(256): only 8 bits survive  -> exited, code 0
 *   sigterm       pause(), parent sends SIGTERM    -> killed by SIGTERM
 *   core          raise(SIGQUIT) in a fresh temp dir with RLIMIT_CORE raised
 *                 -> killed by SIGQUIT, core dumped (where core_pattern writes
 *                 a plain file name; otherwise the child is made non-dumpable)
 *   stop_cont     SIGSTOP, SIGCONT, SIGKILL        -> stopped, continued, killed
 * Every waitpid result is decoded with the W* macros and compared with what
 * the parent caused. Every child is reaped; the core file is removed.
 *
 * Usage: wait-status [-o FILE]
 * Try:   ./wait-status | column -t
 */
#include "ch02.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static struct sk_tsv tsv;
static int nmismatch;
static const char *core_dir;   /* scratch directory for the core dump */
static bool core_expected;
static char core_note[400];

/* waitpid for one event (options: 0, WUNTRACED, WCONTINUED), decode, record. */
static void expect(const char *name, const char *event, pid_t pid, int options, const char *expected)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, options)) < 0 && errno == EINTR)
		;
	if (r < 0)
		sk_die_errno("waitpid %d", (int)pid);
	if (WIFEXITED(st) || WIFSIGNALED(st))
		sk_child_forget(pid);
	char got[64];
	sk_status_str(st, got, sizeof(got));
	bool match = !strcmp(got, expected);
	nmismatch += !match;
	sk_tsv_row(&tsv, "%s\t%s\t0x%04x\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%d", name, event,
		   (unsigned)st, WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : 0, WIFSIGNALED(st),
		   WIFSIGNALED(st) ? WTERMSIG(st) : 0, WIFSIGNALED(st) ? !!WCOREDUMP(st) : 0,
		   WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : 0, WIFCONTINUED(st), got, expected,
		   match);
	sk_note("%-10s %-9s status 0x%04x -> %s%s", name, event, (unsigned)st, got,
		match ? "" : "   (MISMATCH: expected something else)");
}

/* A child that waits for signals. PDEATHSIG: it dies with us whatever happens. */
static pid_t sleeper(void)
{
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

/* Unlink every file in core_dir. Async-signal-safe (raw getdents64,
 * unlinkat): it also runs as a cleanup hook on SIGINT/SIGTERM. */
static void empty_core_dir(void)
{
	if (!core_dir)
		return;
	int fd = open(core_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[4096] __attribute__((aligned(8)));
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 {
				uint64_t d_ino;
				int64_t d_off;
				unsigned short d_reclen;
				unsigned char d_type;
				char d_name[];
			} *e = (void *)(buf + off);
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(fd, e->d_name, 0);
			off += e->d_reclen;
		}
	}
	close(fd);
}

/* Does core_pattern write a file in the crashing process's cwd? Only then do
 * we let the child dump, into our scratch directory (removed on every exit
 * path, Ctrl-C included): a pipe ("|/usr/lib/systemd/systemd-coredump ...")
 * or an absolute path would leave something elsewhere on the system. */
static void decide_core(void)
{
	char pat[256];
	if (sk_read_line("/proc/sys/kernel/core_pattern", pat, sizeof(pat)) < 0) {
		snprintf(core_note, sizeof(core_note), "core_pattern unreadable: no dump tried");
		return;
	}
	if (pat[0] == '|' || strchr(pat, '/') || !pat[0]) {
		snprintf(core_note, sizeof(core_note),
			 "core_pattern '%.100s' is a pipe or a path: child made non-dumpable", pat);
		return;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_max == 0) {
		snprintf(core_note, sizeof(core_note), "hard RLIMIT_CORE is 0: no core possible");
		return;
	}
	core_dir = sk_scratch_dir(NULL);
	/* The kernel names the core file (core_pattern's %p, %e...), so it cannot
	 * be registered with sk_scratch_path: this hook removes whatever is in the
	 * directory, before the scratch cleanup (registered first, run last)
	 * removes the directory itself. */
	sk_on_cleanup(empty_core_dir);
	core_expected = true;
	snprintf(core_note, sizeof(core_note), "core_pattern '%.100s', dumped into %s (removed)", pat, core_dir);
}

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {{0}};

static void usage(void)
{
	sk_usage_head("[-o FILE]", NULL, STD_OPTS,
		      "Create children that exit, are killed, dump core, stop and continue; decode\n"
		      "each waitpid status with WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG/WCOREDUMP/\n"
		      "WIFSTOPPED/WSTOPSIG/WIFCONTINUED and compare with what was caused (TSV).");
	printf("\nOutput columns: case  event  status_hex  exited  exit_code  signaled  term_signal\n"
	       "  core_dumped  stopped  stop_signal  continued  decoded  expected  match\n"
	       "Exit status 1 if any decoded status differs from the expected one.\n"
	       "Example:\n  %s | column -t -s $'\\t'\n",
	       sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	sk_getopt_all(argc, argv, opts, STD_OPTS, &std, usage);
	sk_children_guard();
	decide_core();

	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "core", "%s", core_note);
	sk_tsv_header(&tsv, "case\tevent\tstatus_hex\texited\texit_code\tsignaled\tterm_signal\t"
			    "core_dumped\tstopped\tstop_signal\tcontinued\tdecoded\texpected\tmatch");

	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0)
		_exit(42);
	expect("exit_42", "exit", pid, 0, "exited 42");

	pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0)
		_exit(256);   /* the status keeps only the low 8 bits: 256 & 0xff = 0 */
	expect("exit_256", "exit", pid, 0, "exited 0");

	pid = sleeper();
	kill(pid, SIGTERM);
	expect("sigterm", "kill", pid, 0, "killed by SIGTERM");

	pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		if (core_expected) {
			struct rlimit rl;
			getrlimit(RLIMIT_CORE, &rl);
			/* A small program's core is well under 64 MiB; a sanitizer
			 * build may be larger and then is truncated. */
			rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 64 * SK_MIB
					      ? 64 * SK_MIB
					      : rl.rlim_max;
			setrlimit(RLIMIT_CORE, &rl);
			if (chdir(core_dir))
				_exit(99);
		} else {
			prctl(PR_SET_DUMPABLE, 0);
		}
		signal(SIGQUIT, SIG_DFL);
		raise(SIGQUIT);
		_exit(98);
	}
	expect("core", "raise", pid, 0,
	       core_expected ? "killed by SIGQUIT (core dumped)" : "killed by SIGQUIT");
	empty_core_dir();   /* the directory goes at exit */

	pid = sleeper();
	kill(pid, SIGSTOP);
	expect("stop_cont", "stop", pid, WUNTRACED, "stopped by SIGSTOP");
	kill(pid, SIGCONT);
	expect("stop_cont", "continue", pid, WCONTINUED, "continued");
	kill(pid, SIGKILL);
	expect("stop_cont", "kill", pid, 0, "killed by SIGKILL");

	sk_children_reap_all();
	/* A difference is a finding, reported in the data (match column, this
	 * line) and judged by the verdict; exit 1 is for runtime failures. */
	sk_tsv_meta(&tsv, "mismatches", "%d", nmismatch);
	if (nmismatch)
		sk_warn("%d status(es) decoded differently than expected (see the match column)", nmismatch);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
