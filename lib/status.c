/*
 * status.c - small helpers several chapters had each written for
 * themselves: signal names, wait statuses in words, reading a pipe to EOF,
 * writing a string with write(2), and the minor-fault counter.
 */
#include "shikumi.h"

#include <signal.h>
#include <sys/wait.h>

const char *sk_signame(int sig)
{
	static char names[NSIG + 1][16];
	static char other[16];
	char *buf = sig > 0 && sig <= NSIG ? names[sig] : other;
	const char *abbrev = sig > 0 && sig < NSIG ? sigabbrev_np(sig) : NULL;
	if (abbrev)
		snprintf(buf, 16, "SIG%s", abbrev);
	else
		snprintf(buf, 16, "SIG%d", sig);
	return buf;
}

const char *sk_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by %s%s", sk_signame(WTERMSIG(status)),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else if (WIFSTOPPED(status))
		snprintf(buf, len, "stopped by %s", sk_signame(WSTOPSIG(status)));
	else if (WIFCONTINUED(status))
		snprintf(buf, len, "continued");
	else
		snprintf(buf, len, "unknown 0x%x", (unsigned)status);
	return buf;
}

ssize_t sk_read_fd(int fd, char *buf, size_t len)
{
	size_t off = 0;
	while (off + 1 < len) {
		ssize_t r = read(fd, buf + off, len - 1 - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		off += (size_t)r;
	}
	if (len)
		buf[off] = '\0';
	return (ssize_t)off;
}

int sk_write_fd(int fd, const char *s)
{
	size_t len = strlen(s), off = 0;
	while (off < len) {
		ssize_t w = write(fd, s + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

uint64_t sk_minflt(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		sk_die_errno("getrusage");
	return (uint64_t)ru.ru_minflt;
}
