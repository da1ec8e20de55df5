/*
 * slab - the kernel's own small objects: creating files grows the dentry and
 * inode caches, and deleting them shrinks the caches again, in two steps.
 *
 * The kernel allocates its objects (a dentry, a name in the directory cache;
 * an inode, a file's metadata) from slab caches, one per object type. The
 * program counts the objects of the "dentry" cache and of the scratch
 * filesystem's inode cache (ext4_inode_cache, xfs_inode, shmem_inode_cache
 * for tmpfs, ...) at each stage:
 *   before     nothing created
 *   created    N empty files in a fresh directory: +N dentries, +N inodes
 *   unlinked   the files deleted: the inodes are freed, but each name stays
 *              in the dentry cache as a "negative dentry" (this name does not
 *              exist: the next lookup needs no disk access)
 *   removed    the directory removed: its negative dentries go with it
 *   dropped    (--drop-caches, root) echo 2 > /proc/sys/vm/drop_caches: every
 *              unused dentry and inode of the whole machine is freed
 * Slab counts come from /proc/slabinfo (root), else /sys/kernel/slab/NAME/objects
 * (freed objects show there after an RCU grace period: SETTLE ms of waiting);
 * the kernel's own exact counters come from /proc/sys/fs/dentry-state (all
 * dentries, negative ones) and /proc/sys/fs/inode-nr (all inodes).
 * SReclaimable (/proc/meminfo) is the reclaimable slab memory of the machine.
 * (Without root only the exact counters are there: slab counts are -1.)
 * Whole-machine counters: other processes create and delete files too.
 * On a disk filesystem every create waits for the journal, which takes
 * seconds when other programs write: tmpfs (/dev/shm, -D) is quick.
 * The files are removed on every exit path, Ctrl-C included.
 *
 * Usage: slab [-q] [-n FILES] [-D DIR] [--settle MS] [--drop-caches] [-o FILE]
 * Try:   ./slab -q | column -t
 */
#include "ch04.h"

#include <fcntl.h>
#include <sys/stat.h>

#define DEFAULT_FILES 50000   /* ~10 MiB of dentries, ~50 MiB of inodes: far above the noise */
#define QUICK_FILES 20000
#define DEFAULT_SETTLE_MS 500 /* freed objects reach the slab counts after an RCU grace period */
#define QUICK_SETTLE_MS 300
#define MAX_FILES 1000000

static const struct sk_opt opts[] = {
	{'n', "files", "N", "empty files to create, 100.." SK_STR(MAX_FILES) " (default 50000; quick 20000)"},
	{SK_LONG(2), "settle", "MS", "wait before each count [ms] (default 500; quick 300)"},
	{'D', "dir", "DIR", "where the scratch directory goes (default $TMPDIR, /var/tmp)"},
	{SK_LONG(1), "drop-caches", NULL, "last stage: echo 2 > /proc/sys/vm/drop_caches (root; whole machine)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[-q] [-n FILES] [-D DIR] [--settle MS] [--drop-caches] [-o FILE]", opts, SK_STD_Q | SK_STD_O,
		      "Slab objects of the dentry and inode caches while N empty files are created,\n"
		      "deleted, and their directory removed.");
	printf("\nOutput columns: stage dentry_objects inode_objects nr_dentry nr_negative nr_inodes\n"
	       "  sreclaimable_kib elapsed_ms (objects: slab counts; nr_*: dentry-state, inode-nr)\n"
	       "  (stage: before created unlinked removed [dropped]; -1 = not readable here;\n"
	       "   preamble: inode_cache, count_source, files, fs_type)\n"
	       "Example:\n  %s -q | column -t\n", sk_prog);
}

/* The files' directory and count, for the async-signal-safe cleanup. */
static char files_dir[4096];
static volatile int nfiles_made;
static volatile int files_dir_made;

/* "DIR/f123" without snprintf (async-signal-safe). */
static void file_name(char *buf, size_t len, int i)
{
	size_t n = strlen(files_dir);
	char digits[16];
	int k = 0;
	do {
		digits[k++] = (char)('0' + i % 10);
		i /= 10;
	} while (i && k < 15);
	if (n + 3 + (size_t)k >= len) {
		buf[0] = '\0';
		return;
	}
	memcpy(buf, files_dir, n);
	buf[n++] = '/';
	buf[n++] = 'f';
	while (k)
		buf[n++] = digits[--k];
	buf[n] = '\0';
}

static void remove_files(void)
{
	char p[4096 + 32];
	for (int i = 0; i < nfiles_made; i++) {
		file_name(p, sizeof(p), i);
		if (p[0])
			unlink(p);
	}
	nfiles_made = 0;
	if (files_dir_made)
		rmdir(files_dir);
	files_dir_made = 0;
}

/* The slab cache of FS's inodes; NULL if we do not know it. */
static const char *inode_cache_of(const char *fs)
{
	static const char *const map[][2] = {
		{"ext4", "ext4_inode_cache"}, {"xfs", "xfs_inode"}, {"btrfs", "btrfs_inode"},
		{"tmpfs", "shmem_inode_cache"}, {"f2fs", "f2fs_inode_cache"}, {"overlay", "ovl_inode"},
	};
	for (size_t i = 0; i < SK_ARRAY_LEN(map); i++)
		if (!strcmp(fs, map[i][0]))
			return map[i][1];
	return NULL;
}

/* Objects in use in cache NAME: /proc/slabinfo's active_objs (root), else the
 * first number of /sys/kernel/slab/NAME/objects; -1 if neither is readable. */
static long long slab_objects(const char *name, const char **source)
{
	FILE *f = fopen("/proc/slabinfo", "re");
	if (f) {
		char line[512], n[64];
		long long active;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%63s %lld", n, &active) == 2 && !strcmp(n, name)) {
				fclose(f);
				*source = "/proc/slabinfo";
				return active;
			}
		fclose(f);
	}
	char path[256];
	long long v;
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/objects", name);
	if (sk_read_ll(path, &v) == 0) {
		*source = "/sys/kernel/slab/NAME/objects";
		return v;
	}
	/* sk_read_ll wants the whole line to be a number: "46725 N0=46725" is not */
	char buf[128];
	if (sk_read_line(path, buf, sizeof(buf)) == 0 && sscanf(buf, "%lld", &v) == 1) {
		*source = "/sys/kernel/slab/NAME/objects";
		return v;
	}
	return -1;
}

struct stage {
	const char *name;
	long long dentry, inode, srec_kib;
	long long nr_dentry, nr_negative, nr_inodes;
	double ms;
};

/* Field K (0-based) of a one-line file of numbers; -1 if absent. */
static long long field(const char *path, int k)
{
	char buf[256];
	if (sk_read_line(path, buf, sizeof(buf)))
		return -1;
	char *p = buf, *end;
	long long v = -1;
	for (int i = 0; i <= k; i++, p = end) {
		v = strtoll(p, &end, 10);
		if (end == p)
			return -1;
	}
	return v;
}

static void snap(struct stage *s, const char *name, const char *icache, const char **source, uint64_t t0)
{
	struct sk_meminfo m;
	s->name = name;
	s->dentry = slab_objects("dentry", source);
	s->inode = icache ? slab_objects(icache, source) : -1;
	s->srec_kib = sk_read_meminfo(&m) ? -1 : m.sreclaimable;
	s->nr_dentry = field("/proc/sys/fs/dentry-state", 0);
	s->nr_negative = field("/proc/sys/fs/dentry-state", 4);
	s->nr_inodes = field("/proc/sys/fs/inode-nr", 0);
	s->ms = (double)(sk_now_ns() - t0) / 1e6;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int n = 0, settle = -1;
	bool drop = false;
	const char *base = NULL;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case 'n': n = sk_parse_int(optarg, "--files", 100, MAX_FILES); break;
		case 'D': base = optarg; break;
		case SK_LONG(1): drop = true; break;
		case SK_LONG(2): settle = sk_parse_int(optarg, "--settle", 0, 10000); break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	if (!n)
		n = std.quick ? QUICK_FILES : DEFAULT_FILES;
	if (settle < 0)
		settle = std.quick ? QUICK_SETTLE_MS : DEFAULT_SETTLE_MS;
	const uint64_t wait_ns = (uint64_t)settle * 1000000u;
	if (drop && access("/proc/sys/vm/drop_caches", W_OK))
		sk_skip("--drop-caches: /proc/sys/vm/drop_caches is not writable (%s; needs root)", sk_errno_name(errno));

	const char *dir = sk_scratch_dir(base);
	char fs[32] = "?";
	sk_fs_type(dir, fs, sizeof(fs));
	const char *icache = inode_cache_of(fs), *source = "none";
	if ((size_t)snprintf(files_dir, sizeof(files_dir), "%s/files", dir) >= sizeof(files_dir))
		sk_die("scratch path too long: %s", dir);
	sk_on_cleanup(remove_files);   /* runs before the scratch directory's own removal */

	struct stage st[5];
	int ns = 0;
	uint64_t t0 = sk_now_ns();
	snap(&st[ns++], "before", icache, &source, t0);
	if (st[0].nr_dentry < 0 || st[0].nr_inodes < 0)
		sk_skip("/proc/sys/fs/dentry-state or /proc/sys/fs/inode-nr is not readable");
	if (mkdir(files_dir, 0700))
		sk_die_errno("mkdir %s", files_dir);
	files_dir_made = 1;
	char p[4096 + 32];
	for (int i = 0; i < n; i++) {
		file_name(p, sizeof(p), i);
		nfiles_made = i + 1;   /* before the create: the cleanup may unlink one too many, harmlessly */
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			sk_die_errno("create %s", p);
		close(fd);
	}
	sk_sleep_ns(wait_ns);
	snap(&st[ns++], "created", icache, &source, t0);
	for (int i = 0; i < n; i++) {
		file_name(p, sizeof(p), i);
		if (unlink(p))
			sk_die_errno("unlink %s", p);
	}
	nfiles_made = 0;
	sk_sleep_ns(wait_ns);
	snap(&st[ns++], "unlinked", icache, &source, t0);
	if (rmdir(files_dir))
		sk_die_errno("rmdir %s", files_dir);
	files_dir_made = 0;
	sk_sleep_ns(wait_ns);
	snap(&st[ns++], "removed", icache, &source, t0);
	if (drop) {
		sync();
		if (sk_write_str("/proc/sys/vm/drop_caches", "2"))
			sk_die_errno("write 2 to /proc/sys/vm/drop_caches");
		sk_sleep_ns(wait_ns);
		snap(&st[ns++], "dropped", icache, &source, t0);
	}
	sk_cpu_note();

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "files", "%d", n);
	sk_tsv_meta(&t, "scratch_dir", "%s", dir);
	sk_tsv_meta(&t, "fs_type", "%s", fs);
	sk_tsv_meta(&t, "inode_cache", "%s", icache ? icache : "unknown");
	sk_tsv_meta(&t, "count_source", "%s", source);
	sk_tsv_meta(&t, "drop_caches", "%s", drop ? "yes (echo 2, whole machine)" : "no");
	sk_tsv_meta(&t, "settle_ms", "%d", settle);
	sk_tsv_header(&t, "stage\tdentry_objects\tinode_objects\tnr_dentry\tnr_negative\tnr_inodes\tsreclaimable_kib\telapsed_ms");
	for (int i = 0; i < ns; i++)
		sk_tsv_row(&t, "%s\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%.1f", st[i].name, st[i].dentry, st[i].inode,
			   st[i].nr_dentry, st[i].nr_negative, st[i].nr_inodes, st[i].srec_kib, st[i].ms);
	return sk_tsv_close(&t) ? SK_EXIT_FAIL : 0;
}
