/* scratch.c - a scratch directory the program owns and removes on every exit
 * path, and the filesystem type of a path. */
#include "shikumi.h"

#include <signal.h>
#include <sys/vfs.h>

#define MAX_SCRATCH_FILES 32

static char dir[4096];
static char files[MAX_SCRATCH_FILES][4096 + 64];
static volatile sig_atomic_t nfiles;

/* Async-signal-safe: unlink and rmdir only. */
static void remove_scratch(void)
{
	for (int i = 0; i < nfiles; i++)
		if (files[i][0])
			unlink(files[i]);
	if (dir[0])
		rmdir(dir);
}

static bool try_dir(const char *base)
{
	int n = snprintf(dir, sizeof(dir), "%s/shikumi-%s.XXXXXX", base, sk_prog);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		dir[0] = '\0';
		errno = ENAMETOOLONG;
		return false;
	}
	if (!mkdtemp(dir)) {
		int e = errno;
		dir[0] = '\0';
		errno = e;
		return false;
	}
	return true;
}

const char *sk_scratch_dir(const char *base)
{
	if (dir[0])
		return dir;
	if (base && *base) {
		/* the user named it: no silent fallback */
		if (!try_dir(base))
			sk_die_errno("cannot create a scratch directory in %s", base);
	} else {
		/* $TMPDIR, then /var/tmp (disk, not tmpfs on most systems), then /tmp */
		const char *tmpdir = getenv("TMPDIR");
		const char *const candidates[] = {tmpdir && *tmpdir ? tmpdir : "/var/tmp", "/var/tmp", "/tmp"};
		bool made = false;
		for (size_t i = 0; i < SK_ARRAY_LEN(candidates) && !made; i++) {
			made = try_dir(candidates[i]);
			if (!made && i == 0 && tmpdir && *tmpdir)
				sk_warn_errno("TMPDIR=%s unusable, trying /var/tmp", tmpdir);
		}
		if (!made)
			sk_die_errno("cannot create a scratch directory in $TMPDIR, /var/tmp or /tmp");
	}
	sk_on_cleanup(remove_scratch);
	return dir;
}

const char *sk_scratch_path(const char *name)
{
	if (!dir[0])
		sk_scratch_dir(NULL);
	for (int i = 0; i < nfiles; i++)
		if (!strcmp(strrchr(files[i], '/') + 1, name))
			return files[i];
	if (nfiles >= MAX_SCRATCH_FILES || strchr(name, '/'))
		sk_die("internal: scratch file '%s' refused (too many, or has a '/')", name);
	snprintf(files[nfiles], sizeof(files[nfiles]), "%s/%s", dir, name);
	nfiles = nfiles + 1;
	return files[nfiles - 1];
}

const char *sk_fs_type(const char *path, char *buf, size_t len)
{
	struct statfs st;
	if (statfs(path, &st))
		return NULL;
	switch ((unsigned long)st.f_type) {
	case 0xEF53: snprintf(buf, len, "ext4"); break;
	case 0x01021994: snprintf(buf, len, "tmpfs"); break;
	case 0x858458f6: snprintf(buf, len, "ramfs"); break;
	case 0x58465342: snprintf(buf, len, "xfs"); break;
	case 0x9123683E: snprintf(buf, len, "btrfs"); break;
	case 0x794C7630: snprintf(buf, len, "overlay"); break;
	case 0x6969: snprintf(buf, len, "nfs"); break;
	case 0x2FC12FC1: snprintf(buf, len, "zfs"); break;
	case 0xF2F52010: snprintf(buf, len, "f2fs"); break;
	case 0x65735546: snprintf(buf, len, "fuse"); break;
	default: snprintf(buf, len, "0x%lx", (unsigned long)st.f_type); break;
	}
	return buf;
}
