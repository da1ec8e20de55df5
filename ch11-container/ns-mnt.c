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

static const struct sk_opt opts[] = {
	{'D', "dir", "DIR", "where the scratch mount point is created (default $TMPDIR, /var/tmp)"}, {0}};

static void usage(void)
{
	ch11_usage("[-D DIR] [-o FILE]", "A tmpfs mounted inside a private mount namespace is invisible outside.", opts,
		   "Example:\n  sudo %s | column -t\n");
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

struct place {
	char dir[4096];    /* the mount point */
	char file[4200];   /* a file made in the tmpfs */
};

/* Inside: private mounts, a tmpfs on the scratch directory with one file. */
static int inside(struct ch11_answers *a, void *arg)
{
	const struct place *p = arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		ch11_answer(a, "inside", "error", "make / private: %s", sk_errno_name(errno));
		return -1;
	}
	if (mount("shikumi-tmpfs", p->dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755") != 0) {
		ch11_answer(a, "inside", "error", "mount tmpfs on %s: %s", p->dir, sk_errno_name(errno));
		return -1;
	}
	int fd = open(p->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || close(fd) != 0) {
		ch11_answer(a, "inside", "error", "write %s: %s", p->file, sk_errno_name(errno));
		return -1;
	}
	ch11_answer(a, "inside", "mnt_ns_inode", "%lu", ch11_ns_inode(0, "mnt"));
	ch11_answer(a, "inside", "file_visible", "%s", access(p->file, F_OK) == 0 ? "yes" : "no");
	ch11_answer(a, "inside", "mount_listed", "%s", lists_mount("/proc/self/mountinfo", p->dir) ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};
	struct place p;
	const char *base = NULL;

	ch11_string_options(&d, argc, argv, opts, (const char **const[]){&base}, usage);
	ch11_demo_start(&d);
	if (!realpath(sk_scratch_dir(base), p.dir))
		sk_die_errno("realpath");
	snprintf(p.file, sizeof(p.file), "%s/inside.txt", p.dir);

	CH11_INSIDE(&d, CLONE_NEWNS, inside, &p);
	char mi[64];
	snprintf(mi, sizeof(mi), "/proc/%d/mountinfo", (int)d.child);
	ch11_answer(d.a, "outside", "mnt_ns_inode", "%lu", ch11_ns_inode(0, "mnt"));
	ch11_answer(d.a, "outside", "file_visible", "%s", access(p.file, F_OK) == 0 ? "yes" : "no");
	ch11_answer(d.a, "outside", "mount_listed", "%s", lists_mount("/proc/self/mountinfo", p.dir) ? "yes" : "no");
	ch11_answer(d.a, "outside", "mount_listed_in_child_mountinfo", "%s", lists_mount(mi, p.dir) ? "yes" : "no");
	int st = ch11_inside_end(&d);
	ch11_answer(d.a, "outside", "mount_listed_after_child_exit", "%s",
		    lists_mount("/proc/self/mountinfo", p.dir) ? "yes" : "no");

	struct sk_tsv t;
	ch11_tsv_open(&t, &d, "mnt");
	sk_tsv_meta(&t, "mount_point", "%s", p.dir);
	return ch11_tsv_close(&t, &d, st, "unshare --mount --propagation private sh -c 'mount -t tmpfs x DIR; findmnt DIR'");
}
