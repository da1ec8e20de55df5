/*
 * ns-user - a user namespace from both sides: root inside, nobody outside.
 * A child unshares its user namespace; the parent writes "deny" to its
 * setgroups (required before an unprivileged gid_map, since Linux 3.19),
 * then uid_map and gid_map "0 OUTSIDE 1". Inside, the child is uid 0 with a
 * full capability set, yet the host's UTS namespace refuses it
 * sethostname (EPERM: its capabilities count only in namespaces its user
 * namespace owns), and a file it creates belongs to OUTSIDE on the host.
 * From outside, /proc/CHILD/status shows Uid OUTSIDE.
 * Works without root where the kernel allows unprivileged user namespaces
 * (OUTSIDE is then your own uid); otherwise SKIP naming the sysctl.
 *
 * Usage: ns-user [-u UID] [-D DIR] [-o FILE]
 * Try:   ./ns-user | column -t;  unshare --map-root-user sh -c 'id; cat /proc/self/uid_map'
 */
#include "ch11.h"

#include <sys/stat.h>

#define NOBODY 65534   /* Debian's nobody/nogroup: the usual unprivileged id */

static const struct sk_opt opts[] = {
	{'u', "uid", "UID",
	 "the uid (and gid) outside that 0 inside maps to\n"
	 "                             (root: default " SK_STR(NOBODY) " = nobody; others: only their own uid)"},
	{'D', "dir", "DIR", "where the scratch directory is created (default $TMPDIR, /var/tmp)"},
	{0}};

static void usage(void)
{
	ch11_usage("[-u UID] [-D DIR] [-o FILE]", "uid 0 inside a user namespace is an unprivileged uid outside.", opts,
		   "Examples:\n  %1$s | column -t\n  sudo %1$s -u 1000\n");
}

static const char *capeff(char *buf, size_t len)
{
	char text[4096];
	snprintf(buf, len, "?");
	if (sk_read_file("/proc/self/status", text, sizeof(text)) > 0) {
		char *p = strstr(text, "CapEff:");
		if (p)
			sscanf(p + 7, " %63s", buf);
	}
	return buf;
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};
	const char *base = NULL;
	long long outside = -1;
	int c;

	sk_init(argc, argv);
	while ((c = ch11_getopt(&d, argc, argv, opts, usage)) != -1)
		switch (c) {
		case 'u':
			outside = sk_parse_ll(optarg, "--uid", 0, 4294967294LL);
			break;
		case 'D':
			base = optarg;
			break;
		default:
			sk_usage_hint();
		}
	if (outside >= 0 && geteuid() != 0 && outside != geteuid())
		sk_bad_arg("--uid", sk_cmdline(), "without root only your own uid can be mapped");
	if (outside < 0)
		outside = geteuid() == 0 ? NOBODY : geteuid();
	sk_children_guard();
	const char *dir = sk_scratch_dir(base);
	const char *file = sk_scratch_path("made-inside");
	/* the child is OUTSIDE on the host: let it create one file here, through
	 * a descriptor (no search permission needed on the directories above) */
	if (chmod(dir, 01777) != 0)
		sk_die_errno("chmod %s", dir);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		sk_die_errno("open %s", dir);

	struct ch11_answers *a = d.a = sk_shared_alloc(sizeof(*a));
	struct ch11_sync ready, mapped, done;
	ch11_sync_init(&ready);
	ch11_sync_init(&mapped);
	ch11_sync_init(&done);
	char buf[128];
	pid_t child = sk_fork();
	if (child < 0)
		sk_die_errno("fork");
	if (child == 0) {
		ch11_sync_writer(&ready);
		ch11_sync_reader(&mapped);
		ch11_sync_reader(&done);
		if (unshare(CLONE_NEWUSER) != 0) {
			ch11_answer(a, "inside", "error", "%s", ch11_userns_refusal(errno, buf, sizeof(buf)));
			_exit(4);
		}
		ch11_answer(a, "inside", "uid_before_map", "%d", (int)getuid());
		ch11_sync_post(&ready);
		if (ch11_sync_wait(&mapped) != 0)
			_exit(4);
		/* Root since Linux 3.8 only after a map; a root caller's kuid 0 is
		 * not in "0 OUTSIDE 1", so become the mapped uid 0 explicitly. */
		if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)
			ch11_answer(a, "inside", "error", "setresuid(0): %s", sk_errno_name(errno));
		ch11_answer(a, "inside", "user_ns_inode", "%lu", ch11_ns_inode(0, "user"));
		ch11_answer(a, "inside", "uid", "%d", (int)getuid());
		ch11_answer(a, "inside", "cap_eff", "%s", capeff(buf, sizeof(buf)));
		char text[256];
		if (sk_read_file("/proc/self/uid_map", text, sizeof(text)) > 0)
			ch11_answer(a, "inside", "uid_map", "%s", strtok(text, "\n"));
		ch11_answer(a, "inside", "sethostname_on_host_uts", "%s",
			    sethostname("x", 1) == 0 ? "allowed (unexpected)" : sk_errno_name(errno));
		int fd = openat(dirfd, "made-inside", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		ch11_answer(a, "inside", "create_file", "%s", fd >= 0 ? "ok" : sk_errno_name(errno));
		if (fd >= 0)
			close(fd);
		ch11_sync_post(&ready);
		ch11_sync_wait(&done);
		_exit(0);
	}
	ch11_sync_reader(&ready);
	ch11_sync_writer(&mapped);
	ch11_sync_writer(&done);
	if (ch11_sync_wait(&ready) != 0) {
		int st = sk_wait(child, NULL);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
			sk_skip("%s", a->n ? a->row[a->n - 1].value : "no user namespace");
		sk_die("the child failed before unsharing");
	}
	const char *what;
	if (ch11_map_root(child, (uid_t)outside, (gid_t)outside, &what) != 0) {
		int e = errno;
		ch11_sync_close(&mapped);
		sk_wait(child, NULL);
		sk_skip("writing %s failed: %s (%s)", what, sk_errno_name(e), strerror(e));
	}
	ch11_sync_post(&mapped);
	if (ch11_sync_wait(&ready) != 0) {
		sk_wait(child, NULL);
		sk_die("the child died inside its user namespace");
	}
	ch11_answer(a, "outside", "user_ns_inode", "%lu", ch11_ns_inode(0, "user"));
	ch11_answer(a, "outside", "uid", "%d", (int)getuid());
	char path[64];
	long long uid_seen = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)child);
	sk_kv_get(path, "Uid", &uid_seen);
	ch11_answer(a, "outside", "child_uid", "%lld", uid_seen);
	struct stat st;
	if (stat(file, &st) == 0)
		ch11_answer(a, "outside", "file_owner_uid", "%u", (unsigned)st.st_uid);
	else
		ch11_answer(a, "outside", "file_owner_uid", "%s", sk_errno_name(errno));
	ch11_sync_post(&done);
	int status = sk_wait(child, NULL);

	struct sk_tsv t;
	ch11_tsv_open(&t, &d, "user");
	sk_tsv_meta(&t, "outside_uid", "%lld", outside);
	return ch11_tsv_close(&t, &d, status, "unshare --map-root-user sh -c 'id; cat /proc/self/uid_map'");
}
