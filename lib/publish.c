/*
 * publish.c - write an output file the user named (-o FILE) without ever
 * replacing something that is not a regular file.
 *
 * The one place that decides how a path is written (sk_tsv_close and every
 * other file a program publishes go through here):
 *   - a regular file, or nothing there yet: write PATH.tmp.PID beside it and
 *     rename it over PATH, so a failed run leaves the old file intact;
 *   - a symbolic link: the same rule applied to the file it points to (the
 *     link stays a link; a dangling link gets its target created);
 *   - a character device, a FIFO, or this process's own stdout/stderr (also
 *     when it is a socket, as /dev/stdout may be): written in place, never
 *     renamed over (as root, "-o /dev/null" must not turn the machine's
 *     /dev/null into a regular file);
 *   - a directory, a block device, another socket: refused, exit 2.
 * scripts/lib.sh (sk_publish) applies the same rules to the shell's files.
 */
#include "shikumi.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

static bool same_file(const struct stat *st, int fd)
{
	struct stat f;
	return fstat(fd, &f) == 0 && f.st_dev == st->st_dev && f.st_ino == st->st_ino;
}

/* Resolve PATH through symbolic links as far as they exist (like readlink -m
 * for the last component only, which is enough: rename needs the final
 * name). Returns false with errno on failure (ELOOP after 40 links). */
static bool resolve_links(const char *path, char *out, size_t len)
{
	char cur[4096], link[4096];
	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur)) {
		errno = ENAMETOOLONG;
		return false;
	}
	for (int i = 0; i < 40; i++) {
		struct stat st;
		if (lstat(cur, &st) || !S_ISLNK(st.st_mode)) {
			if (snprintf(out, len, "%s", cur) >= (int)len) {
				errno = ENAMETOOLONG;
				return false;
			}
			return true;
		}
		ssize_t n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0)
			return false;
		link[n] = '\0';
		if (link[0] == '/') {
			memcpy(cur, link, (size_t)n + 1);
		} else {
			char dir[4096];
			snprintf(dir, sizeof(dir), "%s", cur);
			char *d = dirname(dir);
			if (snprintf(cur, sizeof(cur), "%s/%s", d, link) >= (int)sizeof(cur)) {
				errno = ENAMETOOLONG;
				return false;
			}
		}
	}
	errno = ELOOP;
	return false;
}

void sk_publish_plan(struct sk_pub *p, const char *opt, const char *path)
{
	struct stat st;
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->mode = 0644;
	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	if (snprintf(p->path, sizeof(p->path), "%s", path) >= (int)sizeof(p->path))
		sk_bad_arg(opt, path, "path too long");

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			sk_bad_arg(opt, path, "is a directory, not a file");
		if (S_ISBLK(st.st_mode))
			sk_bad_arg(opt, path, "is a block device: output files are never written onto one");
		if (same_file(&st, STDOUT_FILENO)) {
			p->kind = SK_PUB_FD;
			p->fd_given = STDOUT_FILENO;
			return;
		}
		if (same_file(&st, STDERR_FILENO)) {
			p->kind = SK_PUB_FD;
			p->fd_given = STDERR_FILENO;
			return;
		}
		if (S_ISSOCK(st.st_mode))
			sk_bad_arg(opt, path, "is a socket: write to stdout instead");
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
			p->kind = SK_PUB_INPLACE;
			if (access(path, W_OK))
				sk_die_errno("cannot write %s", path);
			return;
		}
		if (!S_ISREG(st.st_mode))
			sk_bad_arg(opt, path, "is not a regular file");
		/* A regular file (perhaps behind links): replace it by rename, keeping its
		 * mode and owner, and only if we may write it. */
		if (!resolve_links(path, p->path, sizeof(p->path)))
			sk_die_errno("cannot resolve %s", path);
		if (access(p->path, W_OK))
			sk_die_errno("cannot write %s", path);
		p->kind = SK_PUB_RENAME;
		p->mode = st.st_mode & 07777;
		p->uid = st.st_uid;
		p->gid = st.st_gid;
	} else if (errno == ENOENT) {
		/* Nothing there, or a dangling link: create the final target. */
		if (!resolve_links(path, p->path, sizeof(p->path)))
			sk_die_errno("cannot resolve %s", path);
		p->kind = SK_PUB_RENAME;
	} else {
		sk_die_errno("cannot write %s", path);
	}
	if (snprintf(p->tmp, sizeof(p->tmp), "%s.tmp.%d", p->path, (int)getpid()) >= (int)sizeof(p->tmp))
		sk_bad_arg(opt, path, "path too long");
}

int sk_publish_open(struct sk_pub *p)
{
	switch (p->kind) {
	case SK_PUB_FD:
		p->fd = dup(p->fd_given);
		break;
	case SK_PUB_INPLACE:
		/* No O_TRUNC and no O_CREAT: the node is there and stays what it is. */
		p->fd = open(p->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		break;
	case SK_PUB_RENAME:
		/* O_EXCL|O_NOFOLLOW: never write through something planted at the
		 * temporary name. A stale one of ours (same pid, earlier boot) goes. */
		for (int i = 0; i < 2; i++) {
			p->fd = open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (p->fd >= 0 || errno != EEXIST || i)
				break;
			unlink(p->tmp);
		}
		if (p->fd >= 0 && p->uid != (uid_t)-1 && geteuid() == 0 && fchown(p->fd, p->uid, p->gid))
			sk_warn_errno("chown %s", p->tmp);   /* keep going: the data matters more */
		break;
	}
	return p->fd;
}

const char *sk_publish_writing(const struct sk_pub *p)
{
	return p->kind == SK_PUB_RENAME ? p->tmp : p->path;
}

int sk_publish_close(struct sk_pub *p, bool ok)
{
	int rc = ok ? 0 : -1;
	if (p->fd < 0)
		return -1;
	if (p->kind == SK_PUB_RENAME) {
		if (rc == 0 && (fchmod(p->fd, p->mode) || fsync(p->fd))) {
			sk_warn_errno("write %s", p->tmp);
			rc = -1;
		}
		if (close(p->fd) && rc == 0) {
			sk_warn_errno("close %s", p->tmp);
			rc = -1;
		}
		/* Checked again now: the target must still be a regular file or absent. */
		struct stat st;
		if (rc == 0 && lstat(p->path, &st) == 0 && !S_ISREG(st.st_mode)) {
			sk_warn("%s is no longer a regular file: not replaced", p->path);
			rc = -1;
		}
		if (rc == 0 && rename(p->tmp, p->path)) {
			sk_warn_errno("rename %s to %s", p->tmp, p->path);
			rc = -1;
		}
		if (rc)
			unlink(p->tmp);
	} else if (close(p->fd) && rc == 0) {
		sk_warn_errno("close %s", p->path);
		rc = -1;
	}
	p->fd = -1;
	return rc;
}

void sk_publish_probe(struct sk_pub *p)
{
	/* Fail now, not after a long run: create the temporary file and remove it.
	 * In-place targets were checked by the plan (opening a FIFO would block). */
	if (p->kind != SK_PUB_RENAME)
		return;
	if (sk_publish_open(p) < 0)
		sk_die_errno("cannot create %s", p->tmp);
	close(p->fd);
	unlink(p->tmp);
	p->fd = -1;
}
