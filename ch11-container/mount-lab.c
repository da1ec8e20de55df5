/*
 * mount-lab - failure lab: a mount namespace without MS_PRIVATE leaks. A
 * new mount namespace starts as a copy whose mounts keep their propagation:
 * a mount made inside, under a *shared* mount, appears outside too (mount
 * events travel between peers). Making everything private first
 * (mount --make-rprivate /, what unshare(1) does by default and what a
 * container runtime must do) stops it.
 *
 * Safety: everything happens in a mount namespace of the lab's own (made
 * private from the host first), on a tmpfs it mounts on the scratch
 * directory DIR: "outside" is the lab's namespace, never the host's.
 * The driver runs it under `unshare --mount` as well.
 *
 * Usage: mount-lab -D DIR [-o FILE]     (root, or a user namespace of its own)
 * Try:   sudo ./mount-lab -D /tmp/x | column -t
 *        (the same by hand: mount --make-shared X; unshare --mount --propagation unchanged mount -t tmpfs t X/in)
 */
#include "ch11.h"

#include <sys/mount.h>

static const struct sk_opt opts[] = {{'D', "dir", "DIR", "an empty scratch directory to mount on (not /)"}, {0}};

static void usage(void)
{
	ch11_usage("-D DIR [-o FILE]",
		   "A mount made in a child namespace leaks to its parent unless propagation is made private.", opts,
		   "Example:\n  sudo %s -D /tmp/x | column -t\n");
}

static void fail_child(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", sk_prog, what, sk_errno_name(errno));
	_exit(1);
}

/* The inner namespace: private first or not, then a tmpfs on DIR/inner. */
static int inner(const char *stage, bool make_private, struct ch11_sync *ready, struct ch11_sync *done)
{
	fflush(NULL);
	pid_t p = fork();
	if (p < 0)
		return -1;
	if (p == 0) {
		char in[4200];
		ch11_sync_writer(ready);
		ch11_sync_reader(done);
		if (unshare(CLONE_NEWNS) != 0)
			fail_child("unshare(CLONE_NEWNS)");
		if (make_private && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			fail_child("make / private");
		snprintf(in, sizeof(in), "%s/%s", stage, make_private ? "private" : "shared");
		if (mount("shikumi-inner", in, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0)
			fail_child("mount the inner tmpfs");
		snprintf(in, sizeof(in), "%s/%s/made-inside", stage, make_private ? "private" : "shared");
		int fd = open(in, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			fail_child("create a file in the inner tmpfs");
		close(fd);
		ch11_sync_post(ready);
		ch11_sync_wait(done);
		_exit(0);
	}
	return p;
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};
	const char *dir_arg = NULL;
	char dir[4096];

	ch11_string_options(&d, argc, argv, opts, (const char **const[]){&dir_arg}, usage);
	if (!dir_arg)
		sk_usage_error("-D DIR is required");
	if (!realpath(dir_arg, dir))
		sk_bad_arg("--dir", dir_arg, "no such directory");
	if (strcmp(dir, "/") == 0)
		sk_bad_arg("--dir", dir_arg, "not the host's root");
	bool rootless = ch11_rootless_enter();
	sk_children_guard();

	/* Our own namespace, private from the host: nothing below can reach it. */
	if (unshare(CLONE_NEWNS) != 0)
		sk_die_errno("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		sk_die_errno("make / private");
	/* The stage: a tmpfs made shared, with two mount points in it. */
	if (mount("shikumi-stage", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755") != 0)
		sk_die_errno("mount the stage tmpfs on %s", dir);
	if (mount(NULL, dir, NULL, MS_SHARED, NULL) != 0)
		sk_die_errno("make the stage shared");
	char path[4200];
	snprintf(path, sizeof(path), "%s/shared", dir);
	if (mkdir(path, 0755) != 0)
		sk_die_errno("mkdir %s", path);
	snprintf(path, sizeof(path), "%s/private", dir);
	if (mkdir(path, 0755) != 0)
		sk_die_errno("mkdir %s", path);

	struct ch11_answers *a = sk_shared_alloc(sizeof(*a));
	for (int priv = 0; priv <= 1; priv++) {
		struct ch11_sync ready, done;
		ch11_sync_init(&ready);
		ch11_sync_init(&done);
		pid_t p = inner(dir, priv, &ready, &done);
		if (p < 0)
			sk_die_errno("fork");
		sk_child_add(p);
		ch11_sync_reader(&ready);
		ch11_sync_writer(&done);
		if (ch11_sync_wait(&ready) != 0) {
			sk_wait(p, NULL);
			sk_die("the inner namespace failed (see above)");
		}
		snprintf(path, sizeof(path), "%s/%s/made-inside", dir, priv ? "private" : "shared");
		const char *view = priv ? "private_first" : "propagation_unchanged";
		ch11_answer(a, view, "inner_mount_seen_outside", "%s", access(path, F_OK) == 0 ? "yes" : "no");
		ch11_sync_post(&done);
		sk_wait(p, NULL);
		ch11_sync_close(&ready);
		ch11_sync_close(&done);
		/* a leaked mount outlives the namespace that made it */
		ch11_answer(a, view, "still_mounted_after_inner_exit", "%s", access(path, F_OK) == 0 ? "yes" : "no");
	}

	struct sk_tsv t;
	sk_tsv_open(&t, d.std.out);
	sk_tsv_meta(&t, "stage", "%s (tmpfs, shared, in the lab's own mount namespace)", dir);
	sk_tsv_meta(&t, "rootless", "%s", rootless ? "yes (inside a user namespace of its own)" : "no");
	sk_tsv_meta(&t, "equivalent", "unshare --mount --propagation unchanged ... vs --propagation private");
	sk_tsv_header(&t, "view\titem\tvalue");
	ch11_answers_emit(&t, a);
	return sk_tsv_close(&t) != 0;
}
