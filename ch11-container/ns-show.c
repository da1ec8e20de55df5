/*
 * ns-show - the namespaces of processes: the inode behind each
 * /proc/PID/ns/KIND link. Two processes are in the same namespace exactly
 * when the inodes are equal; `lsns` (util-linux) lists the same numbers.
 *
 * Usage: ns-show [-p PID]... [-o FILE]      (default: this process)
 * Try:   ./ns-show -p $$ -p 1 | column -t;  lsns -p $$;  ls -l /proc/$$/ns
 */
#include "ch11.h"

#define MAX_PIDS 16

static const struct sk_opt opts[] = {{'p', "pid", "PID", "a process to show (repeatable, up to " SK_STR(MAX_PIDS) ")"},
				     {0}};

static void usage(void)
{
	ch11_usage("[-p PID]... [-o FILE]",
		   "The namespace inodes of each PID (default: this process), one row per kind.", opts,
		   "Example:\n  %s -p $$ -p 1 | column -t\n");
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};
	pid_t pids[MAX_PIDS];
	int npids = 0, c, bad = 0;

	sk_init(argc, argv);
	while ((c = ch11_getopt(&d, argc, argv, opts, usage)) != -1)
		switch (c) {
		case 'p':
			if (npids == MAX_PIDS)
				sk_bad_arg("--pid", optarg, "too many (at most 16)");
			pids[npids++] = (pid_t)sk_parse_ll(optarg, "--pid", 1, 4194304);
			break;
		default:
			sk_usage_hint();
		}
	if (!npids)
		pids[npids++] = getpid();
	for (int i = 0; i < npids; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d", (int)pids[i]);
		if (access(path, F_OK) != 0)
			sk_bad_arg("--pid", path + 6, "no such process");
	}

	struct sk_tsv t;
	sk_tsv_open(&t, d.std.out);
	sk_tsv_header(&t, "pid\tcomm\tns\tinode\tlink");
	for (int i = 0; i < npids; i++) {
		char comm[64] = "?", path[80];
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		sk_read_line(path, comm, sizeof(comm));
		for (char *q = comm; *q; q++)
			if (*q == '\t' || *q == ' ')
				*q = '_';
		for (int k = 0; k < CH11_NKINDS; k++) {
			char link[128] = "";
			unsigned long ino = ch11_ns_inode(pids[i], ch11_ns_kinds[k].name);
			int e = errno;
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pids[i], ch11_ns_kinds[k].name);
			ssize_t n = readlink(path, link, sizeof(link) - 1);
			link[n > 0 ? n : 0] = '\0';
			if (ino)
				sk_tsv_row(&t, "%d\t%s\t%s\t%lu\t%s", (int)pids[i], comm, ch11_ns_kinds[k].name, ino, link);
			else {
				sk_tsv_row(&t, "%d\t%s\t%s\tNaN\t%s", (int)pids[i], comm, ch11_ns_kinds[k].name,
					   sk_errno_name(e));
				bad++;
			}
		}
	}
	if (sk_tsv_close(&t) != 0)
		return 1;
	if (bad)
		sk_warn("%d namespace link(s) unreadable (reading them needs ptrace access to the process)", bad);
	return 0;
}
