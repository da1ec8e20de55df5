/*
 * ns-pid - a PID namespace from both sides. unshare(CLONE_NEWPID) does not
 * move the caller: its own pid stays, only its *children* start in the new
 * namespace, and the first of them is pid 1 there (getppid() = 0). With a
 * fresh /proc (mounted in a private mount namespace) pid 1 sees only itself;
 * from the host the same process has an ordinary pid, and
 * /proc/PID/status "NSpid:" lists both numbers. When pid 1 exits, the
 * namespace is dead: the next fork into it fails with ENOMEM.
 *
 * Usage: ns-pid [-o FILE]      (root, or a user namespace of its own)
 * Try:   sudo ./ns-pid | column -t
 *        sudo unshare --fork --pid --mount-proc sh -c 'echo $$; ps ax'
 */
#include "ch11.h"

#include <dirent.h>
#include <sys/mount.h>

static void usage(void)
{
	ch11_usage("[-o FILE]", "A PID namespace seen from inside (pid 1, a fresh /proc) and from the host (NSpid).", NULL,
		   "Example:\n  sudo %s | column -t\n");
}

/* Numeric entries of /proc: the processes this /proc's namespace shows. */
static int count_procs(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

/* The "NSpid:" line of /proc/PID/status, as read from the host. */
static void nspid(pid_t pid, char *buf, size_t len)
{
	char path[64], text[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	snprintf(buf, len, "?");
	if (sk_read_file(path, text, sizeof(text)) < 0)
		return;
	char *p = strstr(text, "\nNSpid:");
	if (!p)
		return;
	p += 7;
	p += strspn(p, " \t");
	size_t n = strcspn(p, "\n");
	snprintf(buf, len, "%.*s", (int)n, p);
	for (char *q = buf; *q; q++)
		if (*q == '\t')
			*q = ' ';
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};

	ch11_std_options(&d, argc, argv, usage);
	ch11_demo_start(&d);
	struct ch11_answers *a = d.a;
	pid_t *first = sk_shared_alloc(sizeof(*first));
	struct ch11_sync ready, done, known;
	ch11_sync_init(&ready);
	ch11_sync_init(&done);
	ch11_sync_init(&known);
	ch11_answer(a, "outside", "pid_ns_inode", "%lu", ch11_ns_inode(0, "pid"));

	/* The unsharer: stays in the host's PID namespace; its children do not. */
	pid_t unsharer = sk_fork();
	if (unsharer < 0)
		sk_die_errno("fork");
	if (unsharer == 0) {
		ch11_sync_writer(&known);
		pid_t before = getpid();
		if (unshare(CLONE_NEWPID) != 0) {
			ch11_answer(a, "unsharer", "error", "unshare(CLONE_NEWPID): %s", sk_errno_name(errno));
			_exit(1);
		}
		ch11_answer(a, "unsharer", "getpid_before_after", "%d %d", (int)before, (int)getpid());
		ch11_answer(a, "unsharer", "pid_ns_inode", "%lu", ch11_ns_inode(0, "pid"));
		/* The new namespace has no pid 1 yet: its handle cannot be opened. */
		unsigned long pfc = ch11_ns_inode(0, "pid_for_children");
		if (pfc)
			ch11_answer(a, "unsharer", "pid_for_children_before_fork", "%lu", pfc);
		else
			ch11_answer(a, "unsharer", "pid_for_children_before_fork", "%s (no pid 1 yet)", sk_errno_name(errno));
		fflush(NULL);
		pid_t init = fork();
		if (init < 0)
			_exit(1);
		if (init == 0) {
			ch11_sync_writer(&ready);
			ch11_sync_reader(&done);
			/* pid 1 of the new namespace. A private mount namespace, so the
			 * fresh /proc is mounted here only (unshare --mount-proc does the same). */
			ch11_answer(a, "inside", "getpid", "%d", (int)getpid());
			ch11_answer(a, "inside", "getppid", "%d", (int)getppid());
			ch11_answer(a, "inside", "pid_ns_inode", "%lu", ch11_ns_inode(0, "pid"));
			ch11_answer(a, "inside", "procs_in_host_proc", "%d", count_procs());
			if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
			    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
				ch11_answer(a, "inside", "error", "fresh /proc: %s", sk_errno_name(errno));
			else
				ch11_answer(a, "inside", "procs_in_fresh_proc", "%d", count_procs());
			ch11_sync_post(&ready);
			ch11_sync_wait(&done);
			_exit(0);
		}
		*first = init;
		ch11_sync_close(&ready);   /* pid 1 and the host talk directly */
		ch11_sync_close(&done);
		unsigned long after = ch11_ns_inode(0, "pid_for_children");
		ch11_sync_post(&known);
		int st;
		while (waitpid(init, &st, 0) < 0 && errno == EINTR)
			;
		/* (answers are written one process at a time: pid 1 is gone now) */
		ch11_answer(a, "unsharer", "pid_for_children_after_fork", "%lu", after);
		/* pid 1 is gone: the namespace cannot take new processes. */
		pid_t again = fork();
		if (again == 0)
			_exit(0);
		if (again > 0) {
			waitpid(again, NULL, 0);
			ch11_answer(a, "unsharer", "fork_after_pid1_exit", "succeeded (unexpected)");
		} else {
			ch11_answer(a, "unsharer", "fork_after_pid1_exit", "%s", sk_errno_name(errno));
		}
		_exit(0);
	}
	ch11_sync_reader(&known);
	ch11_sync_reader(&ready);
	ch11_sync_writer(&done);
	if (ch11_sync_wait(&known) != 0 || ch11_sync_wait(&ready) != 0) {
		ch11_sync_post(&done);
		sk_wait(unsharer, NULL);
		sk_die("the child could not set up its namespace (see the rows)");
	}
	char buf[128];
	ch11_answer(a, "outside", "pid1_host_pid", "%d", (int)*first);
	nspid(*first, buf, sizeof(buf));
	ch11_answer(a, "outside", "pid1_nspid", "%s", buf);
	ch11_answer(a, "outside", "pid1_pid_ns_inode", "%lu", ch11_ns_inode(*first, "pid"));
	ch11_sync_post(&done);
	int st = sk_wait(unsharer, NULL);

	struct sk_tsv t;
	ch11_tsv_open(&t, &d, "pid");
	return ch11_tsv_close(&t, &d, st, "unshare --fork --pid --mount-proc sh -c 'echo $$; ps ax'");
}
