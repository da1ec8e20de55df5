/*
 * states - process states as the kernel reports them in /proc/PID/stat, and
 * who becomes the parent of an orphan or a daemon.
 *
 * Children, each put in one state and looked at from outside:
 *   running      spins in user mode                       R
 *   sleeping     blocked in read(2) on a pipe             S
 *   disk_sleep   a vfork-style parent (clone CLONE_VFORK) waiting for its
 *                child: a killable uninterruptible sleep  D   (safe: the child
 *                ends when we close a pipe, and SIGKILL still works)
 *   stopped      SIGSTOP                                  T
 *   zombie       exited, not yet waited for               Z   (then reaped:
 *                /proc/PID disappears)
 *   new_pgroup   setpgid(0, 0): leader of its own process group (a "job")
 *   orphan       a grandchild whose parent exited: re-parented to the nearest
 *                subreaper ancestor, else to init (PID 1 of the namespace)
 *   daemon       double fork + setsid: new session, no controlling tty
 *   orphan_subreaper  the same after prctl(PR_SET_CHILD_SUBREAPER) on this
 *                process: the orphan becomes our child
 * Each row gives pid, ppid, pgrp, session, tty_nr and the state letter: the
 * process group / session table of what was created. Every process created
 * is ended and reaped before exit; children die with us (PDEATHSIG), orphans
 * and daemons exit when a pipe we hold closes.
 *
 * Usage: states [-o FILE]
 * Try:   ./states | column -t
 */
#include "ch02.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define STATE_TIMEOUT_MS 2000   /* generous: a loaded 2-CPU VM */

static struct sk_tsv tsv;
static int lifeline[2];   /* we hold [1]; long-lived processes block reading [0] */
static int release[2];    /* the disk_sleep grandchild blocks reading [0] */
static pid_t self_pid;

/* Our ancestors (the places an orphan may be re-parented to). */
static pid_t ancestors[64];
static int nancestors;

static void find_ancestors(void)
{
	pid_t p = getppid();
	while (p > 0 && nancestors < (int)SK_ARRAY_LEN(ancestors)) {
		ancestors[nancestors++] = p;
		struct sk_pidstat st;
		if (sk_read_pidstat(p, &st))
			break;
		p = st.ppid;
	}
}

static bool is_ancestor(pid_t p)
{
	for (int i = 0; i < nancestors; i++)
		if (ancestors[i] == p)
			return true;
	return false;
}

/* One row of the table, read from /proc/PID/stat now. */
static char row(const char *what, pid_t pid, const char *expected, const char *note)
{
	struct sk_pidstat st;
	if (sk_read_pidstat(pid, &st)) {
		sk_tsv_row(&tsv, "%s\t%d\t-\t-\t-\t-\t-\t%s\t%s", what, (int)pid, expected,
			   note && *note ? note : "gone: no /proc entry");
		sk_note("%-16s pid %-7d gone (expected %s)", what, (int)pid, expected);
		return '-';
	}
	char comm[64], exe[8];
	ch02_proc_exe(pid, exe, sizeof(exe), comm, sizeof(comm));
	sk_tsv_row(&tsv, "%s\t%d\t%d\t%d\t%d\t%d\t%c\t%s\t%s", what, (int)pid, (int)st.ppid,
		   (int)st.pgrp, (int)st.session, st.tty_nr, st.state, expected,
		   note && *note ? note : comm);
	sk_note("%-16s pid %-7d ppid %-7d pgrp %-7d sid %-7d tty %-5d state %c (expected %s)", what,
		(int)pid, (int)st.ppid, (int)st.pgrp, (int)st.session, st.tty_nr, st.state, expected);
	return st.state;
}

/* A registered child that dies with us; it keeps only the read ends. */
static pid_t child(void)
{
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(lifeline[1]);
		close(release[1]);
	}
	return pid;
}

static void block_until_eof(int fd)
{
	char c;
	ssize_t r;
	while ((r = read(fd, &c, 1)) > 0 || (r < 0 && errno == EINTR))
		;
}

static int disk_sleep_grandchild(void *arg)
{
	(void)arg;
	block_until_eof(release[0]);
	_exit(0);
}

/* The process that shows D: it clone()s with CLONE_VFORK and so sleeps,
 * killable but uninterruptible, until its child exits. Without CLONE_VM the
 * child has its own copy of memory, so it may block safely. */
static void disk_sleeper(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	pid_t g = clone(disk_sleep_grandchild, stack + sizeof(stack), CLONE_VFORK | SIGCHLD, NULL);
	if (g < 0)
		_exit(1);
	waitpid(g, NULL, 0);
	_exit(0);
}

/* pidfd of a process that is not our child, to signal it without racing
 * against PID reuse; -1 if the kernel has no pidfd_open (< 5.3). */
static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* End a process that is not (or no longer) our child: SIGKILL, then wait until
 * it is gone (pidfd readable), or reap it if it has become our child. */
static void end_foreign(pid_t pid, int pidfd, bool our_child)
{
	if (our_child) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
#ifdef SYS_pidfd_send_signal
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		poll(&p, 1, STATE_TIMEOUT_MS);
		close(pidfd);
		return;
	}
#endif
	kill(pid, SIGKILL);
	if (pidfd >= 0)
		close(pidfd);
}

/* Fork C; C forks G (optionally after setsid, as a daemon does) and exits.
 * Returns G's pid (reported through a pipe), with C reaped. */
static pid_t make_orphan(bool daemonize)
{
	int rep[2];
	pid_t c = sk_fork_pipe(rep);
	if (c == 0) {
		close(rep[0]);
		close(lifeline[1]);
		close(release[1]);
		if (daemonize && setsid() < 0)
			_exit(1);   /* C: new session, no controlling terminal */
		pid_t g = fork();
		if (g < 0)
			_exit(1);
		if (g == 0) {
			/* G: not a session leader, so it can never acquire a tty. */
			if (daemonize) {
				if (chdir("/"))
					_exit(1);
				umask(0);
				int null = open("/dev/null", O_RDWR);
				if (null >= 0) {
					dup2(null, 0);
					dup2(null, 1);
					dup2(null, 2);
					if (null > 2)
						close(null);
				}
			}
			pid_t me = getpid();
			ssize_t w = write(rep[1], &me, sizeof(me));
			close(rep[1]);
			if (w != sizeof(me))
				_exit(1);
			block_until_eof(lifeline[0]);   /* until our creator is gone */
			_exit(0);
		}
		_exit(0);
	}
	close(rep[1]);
	pid_t g = -1;
	ssize_t r = read(rep[0], &g, sizeof(g));
	close(rep[0]);
	int st = sk_wait(c, NULL);
	if (r != sizeof(g) || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		sk_die("creating the %s failed", daemonize ? "daemon" : "orphan");
	return g;
}

static const char *describe_parent(pid_t ppid, char *buf, size_t len)
{
	char comm[64], exe[8];
	ch02_proc_exe(ppid, exe, sizeof(exe), comm, sizeof(comm));
	if (ppid == self_pid)
		snprintf(buf, len, "re-parented to us (%d, subreaper)", (int)ppid);
	else if (ppid == 1)
		snprintf(buf, len, "re-parented to PID 1 (%s, init)", comm);
	else if (is_ancestor(ppid))
		snprintf(buf, len, "re-parented to ancestor %d (%s, a subreaper)", (int)ppid, comm);
	else
		snprintf(buf, len, "re-parented to %d (%s, not an ancestor!)", (int)ppid, comm);
	return buf;
}

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {{0}};

static void usage(void)
{
	sk_usage_head("[-o FILE]", NULL, STD_OPTS,
		      "Put children in the states R, S, D, T, Z, make an orphan, a daemon and a new\n"
		      "process group, and read each from /proc/PID/stat (TSV).");
	printf("\nOutput columns: what  pid  ppid  pgrp  session  tty_nr  state  expected  note\n"
	       "  expected: the state letter, or for orphans and daemons where the parent should\n"
	       "  be (init_or_subreaper, self); note: the process name or what was observed\n"
	       "Example:\n  %s | column -t -s $'\\t'\n",
	       sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	sk_getopt_all(argc, argv, opts, STD_OPTS, &std, usage);
	self_pid = getpid();
	find_ancestors();
	if (pipe(lifeline) || pipe(release))
		sk_die_errno("pipe");
	sk_children_guard();
	int was_subreaper = 0;
	prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper);

	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "self_was_subreaper", "%d", was_subreaper);
	sk_tsv_meta(&tsv, "what", "state letters from /proc/PID/stat field 3; tty_nr 0 = no controlling tty");
	sk_tsv_header(&tsv, "what\tpid\tppid\tpgrp\tsession\ttty_nr\tstate\texpected\tnote");
	row("self", self_pid, "R", "this program");
	row("parent", getppid(), "S", NULL);

	/* R: spinning. */
	pid_t run = child();
	if (run == 0)
		for (;;)
			SK_BARRIER();
	ch02_wait_state(run, "R", STATE_TIMEOUT_MS);
	row("running", run, "R", NULL);

	/* S: blocked reading a pipe. */
	pid_t slp = child();
	if (slp == 0) {
		block_until_eof(lifeline[0]);
		_exit(0);
	}
	ch02_wait_state(slp, "S", STATE_TIMEOUT_MS);
	row("sleeping", slp, "S", NULL);

	/* D: waiting for a CLONE_VFORK child. */
	pid_t dsk = child();
	if (dsk == 0)
		disk_sleeper();
	ch02_wait_state(dsk, "D", STATE_TIMEOUT_MS);
	row("disk_sleep", dsk, "D", "clone(CLONE_VFORK) parent waiting for its child");

	/* T: stopped. */
	pid_t stp = child();
	if (stp == 0) {
		block_until_eof(lifeline[0]);
		_exit(0);
	}
	/* Let it close its copies of the pipes first: a process stopped before
	 * it ran would hold them open. */
	ch02_wait_state(stp, "S", STATE_TIMEOUT_MS);
	kill(stp, SIGSTOP);
	int st;
	while (waitpid(stp, &st, WUNTRACED) < 0 && errno == EINTR)
		;
	ch02_wait_state(stp, "T", STATE_TIMEOUT_MS);
	row("stopped", stp, "T", NULL);

	/* Z: exited, not yet waited for; then reaped. */
	pid_t zmb = child();
	if (zmb == 0)
		_exit(0);
	ch02_wait_state(zmb, "Z", STATE_TIMEOUT_MS);
	row("zombie", zmb, "Z", NULL);
	sk_wait(zmb, NULL);
	row("zombie_reaped", zmb, "-", "waitpid done: /proc entry gone");

	/* A new process group, as a shell makes one per job. */
	pid_t grp = child();
	if (grp == 0) {
		setpgid(0, 0);
		block_until_eof(lifeline[0]);
		_exit(0);
	}
	setpgid(grp, grp);   /* both sides, as shells do, so there is no race */
	ch02_wait_state(grp, "S", STATE_TIMEOUT_MS);
	row("new_pgroup", grp, "S", "setpgid(0, 0): pgrp == pid");

	/* Orphan: its parent exits first. */
	char note[160];
	pid_t orph = make_orphan(false);
	int orph_fd = pidfd_of(orph);
	struct sk_pidstat ps;
	if (sk_read_pidstat(orph, &ps))
		sk_die("orphan %d vanished", (int)orph);
	row("orphan", orph, "init_or_subreaper", describe_parent(ps.ppid, note, sizeof(note)));

	/* Daemon: setsid in the first child, second fork, first child exits. */
	pid_t dmn = make_orphan(true);
	int dmn_fd = pidfd_of(dmn);
	if (sk_read_pidstat(dmn, &ps))
		sk_die("daemon %d vanished", (int)dmn);
	char dnote[256];
	snprintf(dnote, sizeof(dnote), "new session %d, tty_nr %d; %s", (int)ps.session, ps.tty_nr,
		 describe_parent(ps.ppid, note, sizeof(note)));
	row("daemon", dmn, "init_or_subreaper", dnote);

	/* With PR_SET_CHILD_SUBREAPER, the orphan comes to us. */
	pid_t orph2 = -1;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) {
		orph2 = make_orphan(false);
		sk_child_add(orph2);   /* it is our child now: the guard must know it */
		if (sk_read_pidstat(orph2, &ps))
			sk_die("orphan %d vanished", (int)orph2);
		row("orphan_subreaper", orph2, "self", describe_parent(ps.ppid, note, sizeof(note)));
	} else {
		sk_warn_errno("prctl PR_SET_CHILD_SUBREAPER");
		sk_tsv_row(&tsv, "orphan_subreaper\t-\t-\t-\t-\t-\t-\tself\tprctl failed: %s",
			   sk_errno_name(errno));
	}

	/* Clean up: everything ended and reaped. */
	kill(stp, SIGKILL);
	sk_wait(stp, NULL);
	close(release[1]);            /* the D grandchild returns, its parent exits */
	sk_wait(dsk, NULL);
	/* If something made us a subreaper already, they came to us. */
	end_foreign(orph, orph_fd, was_subreaper);
	end_foreign(dmn, dmn_fd, was_subreaper);
	if (orph2 > 0) {
		kill(orph2, SIGKILL);
		sk_wait(orph2, NULL);
	}
	sk_children_reap_all();       /* running, sleeping, stopped, new_pgroup */
	close(lifeline[1]);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
