/*
 * ns-time - a time namespace from both sides (Linux >= 5.6, CONFIG_TIME_NS).
 * unshare(CLONE_NEWTIME) gives the caller's *children* a namespace whose
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME are shifted by offsets written to
 * /proc/self/timens_offsets before the first child starts (a container can
 * be migrated without its clocks jumping). CLOCK_REALTIME is never
 * namespaced. Here the offset is one day: the child's monotonic clock and
 * its /proc/uptime are a day ahead of the host's.
 *
 * Usage: ns-time [-o FILE]      (root, or a user namespace of its own)
 * Try:   sudo ./ns-time | column -t
 *        sudo unshare --time --fork --boottime 86400 cat /proc/uptime; cat /proc/uptime
 */
#include "ch11.h"

#define OFFSET_S 86400   /* one day: unmistakable next to any uptime */

static void usage(void)
{
	ch11_usage("[-o FILE]", "Children in a time namespace see CLOCK_MONOTONIC/BOOTTIME shifted; CLOCK_REALTIME is shared.", NULL,
		   "Example:\n  sudo %s | column -t\n");
}

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};

	ch11_std_options(&d, argc, argv, usage);
	if (access("/proc/self/ns/time", F_OK) != 0)
		sk_skip("no time namespaces in this kernel (needs Linux >= 5.6 with CONFIG_TIME_NS)");
	ch11_demo_start(&d);
	struct ch11_answers *a = d.a;
	double *clocks = sk_shared_alloc(3 * sizeof(double));
	pid_t unsharer = sk_fork();
	if (unsharer < 0)
		sk_die_errno("fork");
	if (unsharer == 0) {
		char off[64];
		if (unshare(CLONE_NEWTIME) != 0) {
			ch11_answer(a, "unsharer", "error", "unshare(CLONE_NEWTIME): %s", sk_errno_name(errno));
			_exit(errno == EINVAL ? 4 : 1);
		}
		snprintf(off, sizeof(off), "monotonic %d 0\nboottime %d 0\n", OFFSET_S, OFFSET_S);
		if (sk_write_str("/proc/self/timens_offsets", off) != 0) {
			ch11_answer(a, "unsharer", "error", "write timens_offsets: %s", sk_errno_name(errno));
			_exit(1);
		}
		ch11_answer(a, "unsharer", "time_ns_inode", "%lu", ch11_ns_inode(0, "time"));
		ch11_answer(a, "unsharer", "time_for_children_inode", "%lu", ch11_ns_inode(0, "time_for_children"));
		fflush(NULL);
		pid_t child = fork();
		if (child == 0) {
			clocks[0] = clock_s(CLOCK_MONOTONIC);
			clocks[1] = clock_s(CLOCK_BOOTTIME);
			clocks[2] = clock_s(CLOCK_REALTIME);
			char up[128];
			ch11_answer(a, "inside", "time_ns_inode", "%lu", ch11_ns_inode(0, "time"));
			if (sk_read_line("/proc/uptime", up, sizeof(up)) == 0)
				ch11_answer(a, "inside", "proc_uptime_s", "%s", strtok(up, " "));
			_exit(0);
		}
		if (child < 0)
			_exit(1);
		waitpid(child, NULL, 0);
		_exit(0);
	}
	int st = sk_wait(unsharer, NULL);
	double mono = clock_s(CLOCK_MONOTONIC), boot = clock_s(CLOCK_BOOTTIME), real = clock_s(CLOCK_REALTIME);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
		sk_skip("unshare(CLONE_NEWTIME): EINVAL: the kernel has no CONFIG_TIME_NS");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		sk_die("the child could not set up its namespace: %s", ch11_answers_error(a));
	char up[128];
	ch11_answer(a, "outside", "time_ns_inode", "%lu", ch11_ns_inode(0, "time"));
	if (sk_read_line("/proc/uptime", up, sizeof(up)) == 0)
		ch11_answer(a, "outside", "proc_uptime_s", "%s", strtok(up, " "));
	/* inside minus outside; the outside clocks were read a moment later */
	ch11_answer(a, "inside", "monotonic_ahead_s", "%.3f", clocks[0] - mono);
	ch11_answer(a, "inside", "boottime_ahead_s", "%.3f", clocks[1] - boot);
	ch11_answer(a, "inside", "realtime_ahead_s", "%.3f", clocks[2] - real);

	struct sk_tsv t;
	ch11_tsv_open(&t, &d, "time");
	sk_tsv_meta(&t, "offset_s", "%d", OFFSET_S);
	return ch11_tsv_close(&t, &d, 0, "unshare --time --fork --boottime %d cat /proc/uptime; cat /proc/uptime",
			      OFFSET_S);
}
