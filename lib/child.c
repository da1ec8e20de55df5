/*
 * child.c - every child has one owner. A program registers each child it
 * forks; on SIGINT/SIGTERM the guard kills and reaps them all, then the
 * program dies of the same signal, so no process outlives its parent.
 */
#include "shikumi.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_CHILDREN 8192

static volatile pid_t kids[MAX_CHILDREN];
static volatile sig_atomic_t nkids;

void sk_child_add(pid_t pid)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i] == 0) {
			kids[i] = pid;
			return;
		}
	if (nkids >= MAX_CHILDREN) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sk_die("more than %d children", MAX_CHILDREN);
	}
	kids[nkids] = pid;
	nkids = nkids + 1;
}

void sk_child_forget(pid_t pid)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/* Async-signal-safe: kill() and waitpid() only. */
void sk_children_kill_all(int sig)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGCONT);   /* a stopped child must run to die of SIGTERM */
			kill(kids[i], sig);
		}
}

void sk_children_reap_all(void)
{
	sk_children_kill_all(SIGKILL);
	for (int i = 0; i < nkids; i++)
		if (kids[i] > 0) {
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
			kids[i] = 0;
		}
	nkids = 0;
}

#define MAX_CLEANUPS 16
static void (*volatile cleanups[MAX_CLEANUPS])(void);
static volatile sig_atomic_t ncleanups;
static pid_t cleanup_owner;   /* only the process that registered runs them */

void sk_run_cleanups(void)
{
	if (getpid() != cleanup_owner)
		return;
	while (ncleanups > 0) {
		ncleanups = ncleanups - 1;
		void (*fn)(void) = cleanups[ncleanups];
		cleanups[ncleanups] = NULL;
		if (fn)
			fn();
	}
}

void sk_on_cleanup(void (*fn)(void))
{
	static bool atexit_done;   /* inherited by children, like the atexit list itself */
	if (ncleanups >= MAX_CLEANUPS)
		sk_die("internal: more than %d cleanup hooks", MAX_CLEANUPS);
	if (!atexit_done) {
		atexit(sk_run_cleanups);
		atexit_done = true;
	}
	if (cleanup_owner != getpid()) {
		/* first hook of this process (maybe a child of one that had hooks) */
		cleanup_owner = getpid();
		sk_children_guard();
	}
	cleanups[ncleanups] = fn;
	ncleanups = ncleanups + 1;
}

static void on_signal(int sig)
{
	int e = errno;
	sk_children_reap_all();
	sk_run_cleanups();
	signal(sig, SIG_DFL);
	errno = e;
	raise(sig);
}

void sk_children_guard(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	/* SIGPIPE too: a program piped into head must still clean up. */
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
	for (size_t i = 0; i < SK_ARRAY_LEN(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL))
			sk_die_errno("sigaction %d", sigs[i]);
}

pid_t sk_fork(void)
{
	fflush(NULL);   /* or buffered output would be written twice */
	/* Block signals around fork: a signal arriving in the child before its
	 * handlers are reset would run the parent's guard (and cleanup hooks) in
	 * the child; one arriving in the parent before sk_child_add would leave
	 * the child unknown to the guard. Both are delivered once unblocked. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid == 0) {
		nkids = 0;        /* the child owns none of its parent's children */
		ncleanups = 0;    /* nor its cleanups (its exit must not remove the parent's files) */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
	} else if (pid > 0) {
		sk_child_add(pid);
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return pid;
}

int sk_wait(pid_t pid, struct rusage *ru)
{
	int status;
	pid_t r;
	while ((r = wait4(pid, &status, 0, ru)) < 0 && errno == EINTR)
		;
	if (r < 0)
		sk_die_errno("wait4 %d", (int)pid);
	sk_child_forget(pid);
	return status;
}

void *sk_shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		sk_die_errno("mmap %zu bytes shared", len);
	return p;
}

pid_t sk_fork_pipe(int fds[2])
{
	if (pipe(fds))
		sk_die_errno("pipe");
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	return pid;
}
