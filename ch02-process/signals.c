/*
 * signals - a process chooses what most signals do to it, but not SIGKILL
 * and SIGSTOP.
 *
 * A child ignores SIGINT (SIG_IGN), catches SIGTERM with a handler, and tries
 * to install a handler for SIGKILL and SIGSTOP (sigaction fails with EINVAL).
 * The parent reads the child's SigIgn/SigCgt bitmasks from /proc/PID/status,
 * then sends SIGINT (nothing happens), SIGTERM (the handler runs, the child
 * lives on), SIGSTOP (stopped anyway), SIGCONT and SIGKILL (dead anyway), and
 * checks every outcome with waitpid and the child's reports.
 *
 * Usage: signals [-o FILE]
 * Try:   ./signals | column -t -s $'\t'
 */
#include "ch02.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define REPLY_TIMEOUT_MS 3000
#define SETTLE_MS 100   /* time for an ignored signal to (not) act */

static struct sk_tsv tsv;
static int nmismatch;
static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void record(const char *step, int sig, const char *expected, const char *observed)
{
	bool match = !strcmp(expected, observed);
	nmismatch += !match;
	sk_tsv_row(&tsv, "%s\t%s\t%s\t%s\t%d", step, sig ? sk_signame(sig) : "-", expected, observed,
		   match);
	sk_note("%-22s %-8s %s%s", step, sig ? sk_signame(sig) : "", observed,
		match ? "" : "   (MISMATCH)");
}

/* The child: set dispositions, report, then wait for SIGTERMs forever. */
static void child_main(int wfd)
{
	char line[128];
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	int targets[] = {SIGKILL, SIGSTOP};
	const char *steps[] = {"sigaction_sigkill", "sigaction_sigstop"};
	for (size_t i = 0; i < SK_ARRAY_LEN(targets); i++) {
		int r = sigaction(targets[i], &sa, NULL);
		snprintf(line, sizeof(line), "%s\t%s\n", steps[i],
			 r == 0 ? "accepted" : sk_errno_name(errno));
		sk_write_fd(wfd, line);
	}
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sk_write_fd(wfd, "ready\n");
	for (;;) {
		while (!got_term)
			sigsuspend(&old);   /* atomically unblock SIGTERM and sleep */
		got_term = 0;
		sk_write_fd(wfd, "caught SIGTERM\n");
	}
}

/* Read one line from the child, waiting at most REPLY_TIMEOUT_MS. */
static bool read_line(int fd, char *buf, size_t len)
{
	size_t off = 0;
	while (off + 1 < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, REPLY_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		ssize_t n = read(fd, buf + off, 1);
		if (n <= 0)
			break;
		if (buf[off] == '\n') {
			buf[off] = '\0';
			return true;
		}
		off++;
	}
	buf[off] = '\0';
	return false;
}

static bool still_alive(pid_t pid)
{
	int st;
	return waitpid(pid, &st, WNOHANG) == 0;
}

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {{0}};

static void usage(void)
{
	sk_usage_head("[-o FILE]", NULL, STD_OPTS,
		      "A child ignores SIGINT, catches SIGTERM and tries to catch SIGKILL and SIGSTOP;\n"
		      "the parent reads SigIgn/SigCgt from /proc/PID/status and sends each signal (TSV).");
	printf("\nOutput columns: step  signal  expected  observed  match\n"
	       "Exit status 1 if any outcome differs from the expected one.\n"
	       "Example:\n  %s | column -t -s $'\\t'\n",
	       sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	sk_getopt_all(argc, argv, opts, STD_OPTS, &std, usage);
	sk_children_guard();

	int fds[2];
	pid_t pid = sk_fork_pipe(fds);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		child_main(fds[1]);
	}
	close(fds[1]);

	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "child_pid", "%d", (int)pid);
	sk_tsv_header(&tsv, "step\tsignal\texpected\tobserved\tmatch");

	char line[256], obs[256];
	for (int i = 0; i < 2; i++) {
		if (!read_line(fds[0], line, sizeof(line)))
			sk_die("child %d did not report its sigaction results", (int)pid);
		char *tab = strchr(line, '\t');
		if (!tab)
			sk_die("child said '%s'", line);
		*tab = '\0';
		record(line, !strcmp(line, "sigaction_sigkill") ? SIGKILL : SIGSTOP, "EINVAL", tab + 1);
	}
	if (!read_line(fds[0], line, sizeof(line)) || strcmp(line, "ready"))
		sk_die("child %d not ready ('%s')", (int)pid, line);

	struct sk_procstatus ps;
	if (sk_read_status(pid, &ps))
		sk_die_errno("read /proc/%d/status", (int)pid);
	/* Bit (n-1) of the mask stands for signal n. */
#define HAS(mask, sig) (((mask) >> ((sig) - 1)) & 1)
	sk_tsv_meta(&tsv, "sig_ign_hex", "%016llx", (unsigned long long)ps.sig_ign);
	sk_tsv_meta(&tsv, "sig_cgt_hex", "%016llx", (unsigned long long)ps.sig_cgt);
	snprintf(obs, sizeof(obs), "SigIgn %016llx: SIGINT bit %s", (unsigned long long)ps.sig_ign,
		 HAS(ps.sig_ign, SIGINT) ? "set" : "clear");
	record("sigign_has_sigint", SIGINT, "set", HAS(ps.sig_ign, SIGINT) ? "set" : "clear");
	sk_note("  %s", obs);
	record("sigcgt_has_sigterm", SIGTERM, "set", HAS(ps.sig_cgt, SIGTERM) ? "set" : "clear");
	sk_note("  SigCgt %016llx", (unsigned long long)ps.sig_cgt);
	uint64_t ks = ps.sig_ign | ps.sig_cgt;
	record("masks_have_sigkill", SIGKILL, "clear", HAS(ks, SIGKILL) ? "set" : "clear");
	record("masks_have_sigstop", SIGSTOP, "clear", HAS(ks, SIGSTOP) ? "set" : "clear");

	kill(pid, SIGINT);
	sk_sleep_ns(SETTLE_MS * 1000000ull);
	record("send_sigint", SIGINT, "alive", still_alive(pid) ? "alive" : "dead");

	kill(pid, SIGTERM);
	bool caught = read_line(fds[0], line, sizeof(line)) && !strcmp(line, "caught SIGTERM");
	record("send_sigterm", SIGTERM, "handler ran, alive",
	       caught && still_alive(pid) ? "handler ran, alive" : "no handler report or dead");

	int st = 0;
	kill(pid, SIGSTOP);
	while (waitpid(pid, &st, WUNTRACED) < 0 && errno == EINTR)
		;
	record("send_sigstop", SIGSTOP, "stopped", WIFSTOPPED(st) ? "stopped" : "not stopped");
	struct sk_pidstat pst;
	snprintf(obs, sizeof(obs), "%c", sk_read_pidstat(pid, &pst) ? '?' : pst.state);
	record("state_after_sigstop", SIGSTOP, "T", obs);

	kill(pid, SIGCONT);
	while (waitpid(pid, &st, WCONTINUED) < 0 && errno == EINTR)
		;
	record("send_sigcont", SIGCONT, "continued", WIFCONTINUED(st) ? "continued" : "not continued");

	kill(pid, SIGKILL);
	st = sk_wait(pid, NULL);
	snprintf(obs, sizeof(obs), "%s",
		 WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? "killed by SIGKILL" : "other end");
	record("send_sigkill", SIGKILL, "killed by SIGKILL", obs);
	close(fds[0]);

	/* A difference is a finding, reported in the data (match column, this
	 * line) and judged by the verdicts; exit 1 is for runtime failures. */
	sk_tsv_meta(&tsv, "mismatches", "%d", nmismatch);
	if (nmismatch)
		sk_warn("%d outcome(s) differ from the expected ones (see the match column)", nmismatch);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
