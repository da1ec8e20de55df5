/*
 * ns-mnt - a mount namespace from both sides. A child unshares its mount
 * namespace, makes every mount in it private (MS_REC|MS_PRIVATE, so nothing
 * propagates back to the host's peer mounts), and mounts a tmpfs on a
 * scratch directory with one file in it. Inside: the file is there and the
 * child's mount table lists the tmpfs. Outside: the directory is empty, the
 * host's mount table does not list it, but /proc/CHILD/mountinfo does: the
 * host can look into the namespace. When the child exits the namespace and
 * its mount are gone; nothing needs unmounting.
 *
 * Usage: ns-mnt [-D DIR] [-o FILE]      (root, or a user namespace of its own)
 * Try:   sudo ./ns-mnt | column -t
 *        sudo unshare --mount --propagation private sh -c 'mount -t tmpfs x /mnt; findmnt /mnt'; findmnt /mnt
 */
#include "ch11.h"

#include <sys/mount.h>

static void usage(void)
{
	printf("Usage: %s [-D DIR] [-o FILE]\n"
	       "A tmpfs mounted inside a private mount namespace is invisible outside.\n\n",
	       sk_prog);
	printf("  -D, --dir DIR              where the scratch mount point is created (default $TMPDIR, /var/tmp)\n");
	sk_std_usage(stdout, SK_STD_Q | SK_STD_O);
	printf("\nExample:\n  sudo %s | column -t\n", sk_prog);
}

/* Does this mountinfo list a mount on dir? */
static bool lists_mount(const char *mountinfo, const char *dir)
{
	char *text = malloc(1 << 20);
	bool found = false;
	if (!text)
		sk_die("out of memory");
	if (sk_read_file(mountinfo, text, 1 << 20) > 0) {
		/* field 5 is the mount point; a dir with blanks would be escaped (\040) */
		for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
			char mp[4096];
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, dir) == 0)
				found = true;
		}
	}
	free(text);
	return found;
}

int main(int argc, char **argv)
{
	static const struct sk_opt opts[] = {{'D', "dir", "DIR", "scratch base directory"}, {0}};
	struct sk_std std = {0};
	const char *base = NULL;
	int c;

	sk_init(argc, argv);
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1)
		switch (c) {
		case 'D':
			base = optarg;
			break;
		default:
			sk_usage_hint();
		}
	sk_no_operands(argc, argv);
	bool rootless = ch11_rootless_enter();
	sk_children_guard();
	char dir[4096];
	if (!realpath(sk_scratch_dir(base), dir))
		sk_die_errno("realpath");
	char file[4200];
	snprintf(file, sizeof(file), "%s/inside.txt", dir);

	struct ch11_answers *a = sk_shared_alloc(sizeof(*a));
	struct ch11_sync ready, done;
	ch11_sync_init(&ready);
	ch11_sync_init(&done);
	pid_t child = sk_fork();
	if (child < 0)
		sk_die_errno("fork");
	if (child == 0) {
		ch11_sync_writer(&ready);
		ch11_sync_reader(&done);
		if (unshare(CLONE_NEWNS) != 0) {
			ch11_answer(a, "inside", "error", "unshare(CLONE_NEWNS): %s", sk_errno_name(errno));
			_exit(1);
		}
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
			ch11_answer(a, "inside", "error", "make / private: %s", sk_errno_name(errno));
			_exit(1);
		}
		if (mount("shikumi-tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755") != 0) {
			ch11_answer(a, "inside", "error", "mount tmpfs on %s: %s", dir, sk_errno_name(errno));
			_exit(1);
		}
		int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || close(fd) != 0) {
			ch11_answer(a, "inside", "error", "write %s: %s", file, sk_errno_name(errno));
			_exit(1);
		}
		ch11_answer(a, "inside", "mnt_ns_inode", "%lu", ch11_ns_inode(0, "mnt"));
		ch11_answer(a, "inside", "file_visible", "%s", access(file, F_OK) == 0 ? "yes" : "no");
		ch11_answer(a, "inside", "mount_listed", "%s", lists_mount("/proc/self/mountinfo", dir) ? "yes" : "no");
		ch11_sync_post(&ready);
		ch11_sync_wait(&done);
		_exit(0);
	}
	ch11_sync_reader(&ready);
	ch11_sync_writer(&done);
	if (ch11_sync_wait(&ready) != 0) {
		sk_wait(child, NULL);
		sk_die("the child could not set up its namespace: %s", a->n ? a->row[0].value : "?");
	}
	char mi[64];
	snprintf(mi, sizeof(mi), "/proc/%d/mountinfo", (int)child);
	ch11_answer(a, "outside", "mnt_ns_inode", "%lu", ch11_ns_inode(0, "mnt"));
	ch11_answer(a, "outside", "file_visible", "%s", access(file, F_OK) == 0 ? "yes" : "no");
	ch11_answer(a, "outside", "mount_listed", "%s", lists_mount("/proc/self/mountinfo", dir) ? "yes" : "no");
	ch11_answer(a, "outside", "mount_listed_in_child_mountinfo", "%s", lists_mount(mi, dir) ? "yes" : "no");
	ch11_sync_post(&done);
	int st = sk_wait(child, NULL);
	ch11_answer(a, "outside", "mount_listed_after_child_exit", "%s",
		    lists_mount("/proc/self/mountinfo", dir) ? "yes" : "no");

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "kind", "mnt");
	sk_tsv_meta(&t, "rootless", "%s", rootless ? "yes (inside a user namespace of its own)" : "no");
	sk_tsv_meta(&t, "mount_point", "%s", dir);
	sk_tsv_meta(&t, "equivalent", "unshare --mount --propagation private sh -c 'mount -t tmpfs x DIR; findmnt DIR'");
	sk_tsv_header(&t, "view\titem\tvalue");
	ch11_answers_emit(&t, a);
	if (sk_tsv_close(&t) != 0)
		return 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
