/*
 * chroot-lab - failure lab: chroot(2) is not a container root. A process
 * with CAP_SYS_CHROOT inside a chroot escapes it with the classic trick
 * (mkdir x; chroot x - the cwd is now outside the root - chdir .. up to
 * the top; chroot .) and reads a marker file outside its root. After
 * pivot_root with the old root detached, the same trick ends at the new
 * root: there is nothing above it any more.
 *
 * Safety: the lab never reaches the real host. It first unshares a mount
 * namespace of its own (private), then pivot_roots into the scratch
 * directory JAIL (holding the marker and ROOTFS) and detaches the host's
 * tree, so "outside the chroot" is JAIL and nothing else. The escape only
 * reads the marker. Run by the driver under `unshare --mount` as well.
 *
 * Usage: chroot-lab -D JAIL -r ROOTFS_SUBDIR [-o FILE]     (root)
 *        JAIL contains the file "marker" and the directory ROOTFS_SUBDIR
 * Try:   sudo ./chroot-lab -D /tmp/jail -r rootfs | column -t
 */
#include "ch11.h"

#include <sys/mount.h>
#include <sys/syscall.h>

static const struct sk_opt opts[] = {
	{'D', "dir", "JAIL", "the lab's whole world: holds marker and SUBDIR (not /)"},
	{'r', "rootfs", "SUBDIR", "the root directory inside JAIL"},
	{0}};

static void usage(void)
{
	ch11_usage("-D JAIL -r SUBDIR [-o FILE]",
		   "The chroot escape reaches JAIL/marker from a chroot into JAIL/SUBDIR; after pivot_root it does not.",
		   opts, "Example:\n  sudo %s -D /tmp/jail -r rootfs | column -t\n");
}

/* The escape, from inside whatever root we have: 1 if /marker is readable
 * afterwards (its first line in buf), 0 if not, -1 if the attempt failed. */
static int try_escape(char *buf, size_t len)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/.escape.%d", (int)getpid());
	if (mkdir(dir, 0700) != 0 || chroot(dir) != 0)
		return -1;
	for (int i = 0; i < 64; i++)
		if (chdir("..") != 0)
			break;
	if (chroot(".") != 0)
		return -1;
	buf[0] = '\0';
	return sk_read_line("/marker", buf, len) == 0;
}

static void die_errno_child(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", sk_prog, what, sk_errno_name(errno));
	_exit(1);
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};
	const char *jail_arg = NULL, *sub = NULL;
	char jail[4096];

	ch11_string_options(&d, argc, argv, opts, (const char **const[]){&jail_arg, &sub}, usage);
	if (!jail_arg || !sub)
		sk_usage_error("-D JAIL and -r SUBDIR are required");
	if (!realpath(jail_arg, jail))
		sk_bad_arg("--dir", jail_arg, "no such directory");
	if (strcmp(jail, "/") == 0)
		sk_bad_arg("--dir", jail_arg, "the jail cannot be the host's root");
	if (strchr(sub, '/') || !strcmp(sub, "..") || !strcmp(sub, "."))
		sk_bad_arg("--rootfs", sub, "a plain subdirectory name");
	char path[4200];
	snprintf(path, sizeof(path), "%s/marker", jail);
	if (access(path, R_OK) != 0)
		sk_bad_arg("--dir", jail_arg, "no readable file 'marker' in it");
	snprintf(path, sizeof(path), "%s/%s", jail, sub);
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		sk_bad_arg("--rootfs", sub, "not a directory inside JAIL");
	if (geteuid() != 0 || !ch11_cap_sys_admin())
		sk_skip("chroot and pivot_root need root with CAP_SYS_CHROOT and CAP_SYS_ADMIN");

	sk_children_guard();
	struct ch11_answers *a = sk_shared_alloc(sizeof(*a));
	pid_t lab = sk_fork();
	if (lab < 0)
		sk_die_errno("fork");
	if (lab == 0) {
		/* our own private mount namespace, then the jail is the whole world */
		if (unshare(CLONE_NEWNS) != 0)
			die_errno_child("unshare(CLONE_NEWNS)");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			die_errno_child("make / private");
		if (mount(jail, jail, NULL, MS_BIND | MS_REC, NULL) != 0 || chdir(jail) != 0)
			die_errno_child("bind the jail");
		if (syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
			die_errno_child("pivot_root into the jail");
		char buf[512], subdir[300];
		snprintf(subdir, sizeof(subdir), "/%s", sub);
		ch11_answer(a, "lab", "marker_from_jail_root", "%s", access("/marker", R_OK) == 0 ? "readable" : "absent");

		fflush(NULL);
		pid_t p = fork();
		if (p == 0) {   /* 1. plain chroot */
			if (chroot(subdir) != 0 || chdir("/") != 0)
				die_errno_child("chroot");
			ch11_answer(a, "chroot", "marker_before_escape", "%s", access("/marker", F_OK) == 0 ? "readable" : "absent");
			int r = try_escape(buf, sizeof(buf));
			ch11_answer(a, "chroot", "escape_reached_marker", "%s", r > 0 ? "yes" : r == 0 ? "no" : "attempt failed");
			if (r > 0)
				ch11_answer(a, "chroot", "marker_text", "%s", buf);
			_exit(0);
		}
		waitpid(p, NULL, 0);
		snprintf(buf, sizeof(buf), "%s/.escape.%d", subdir, (int)p);
		rmdir(buf);   /* the child's step directory, seen from the jail's root */
		p = fork();
		if (p == 0) {   /* 2. pivot_root into the subdirectory, old root detached */
			if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
			    mount(subdir, subdir, NULL, MS_BIND | MS_REC, NULL) != 0 || chdir(subdir) != 0 ||
			    syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
				die_errno_child("pivot_root");
			ch11_answer(a, "pivot_root", "marker_before_escape", "%s", access("/marker", F_OK) == 0 ? "readable" : "absent");
			int r = try_escape(buf, sizeof(buf));
			ch11_answer(a, "pivot_root", "escape_reached_marker", "%s", r > 0 ? "yes" : r == 0 ? "no" : "attempt failed");
			_exit(0);
		}
		waitpid(p, NULL, 0);
		snprintf(buf, sizeof(buf), "%s/.escape.%d", subdir, (int)p);
		rmdir(buf);
		_exit(0);
	}
	int status = sk_wait(lab, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		sk_die("the lab failed (see above)");

	struct sk_tsv t;
	sk_tsv_open(&t, d.std.out);
	sk_tsv_meta(&t, "jail", "%s", jail);
	sk_tsv_meta(&t, "rootfs", "%s/%s", jail, sub);
	sk_tsv_meta(&t, "safety", "own mount namespace; pivot_root into the jail; the host's tree detached");
	sk_tsv_header(&t, "view\titem\tvalue");
	ch11_answers_emit(&t, a);
	return sk_tsv_close(&t) != 0;
}
