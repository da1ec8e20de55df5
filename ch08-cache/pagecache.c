/*
 * pagecache - read the same file twice: the first read comes from the
 * device, the second from the page cache.
 *
 * Writes a scratch file (in a directory it creates and always removes),
 * then, for each repetition: evicts the file from the page cache, reads it
 * sequentially ("cold"), and reads it again ("warm"). mincore(2) on a
 * mapping of the file tells how much of it is resident before and after
 * each read. Eviction:
 *   drop     sync, then "1" into /proc/sys/vm/drop_caches (root; drops the
 *            clean page cache of the whole system, not only this file)
 *   fadvise  fdatasync + posix_fadvise(POSIX_FADV_DONTNEED) on this file
 *            only (no privilege needed); mincore verifies it worked
 *   auto     drop when /proc/sys/vm/drop_caches is writable, else fadvise
 * On a VM the "device" may itself be cached by the host: cold reads are then
 * faster than the disk, but still far slower than the guest's page cache.
 *
 * Usage: pagecache [-D DIR] [-s SIZE] [--evict auto|drop|fadvise] [-b SIZE]
 *                  [-r REPS] [-q] [-o FILE]
 * Try:   ./pagecache -q | column -t
 */
#include "shikumi.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "ch08.h"

#define DEFAULT_BLOCK SK_MIB          /* the size of one read(2), like dd bs=1M */
#define DEFAULT_REPS 5
#define QUICK_REPS 5
#define DROP_CACHES "/proc/sys/vm/drop_caches"

enum evict { EV_AUTO, EV_DROP, EV_FADVISE };
static const char *const evict_names[] = {"auto", "drop", "fadvise", NULL};
static const char *file;   /* the scratch file, for messages */

static void write_file(int fd, size_t size, char *buf, size_t block)
{
	for (size_t i = 0; i < block; i++)
		buf[i] = (char)(i * 131 + 7);   /* not zeros: no fs may treat it as a hole */
	for (size_t off = 0; off < size;) {
		size_t n = size - off < block ? size - off : block;
		ssize_t w = pwrite(fd, buf, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			sk_die_errno("write %s", file);
		}
		off += (size_t)w;
	}
	if (fsync(fd))
		sk_die_errno("fsync %s", file);
}

/* Percentage of the file's pages in the page cache. */
static double resident_pct(const void *map, size_t size)
{
	size_t page = (size_t)sk_page_size(), n = (size + page - 1) / page;
	unsigned char *vec = malloc(n);
	if (!vec)
		sk_die("out of memory");
	if (mincore((void *)map, size, vec))
		sk_die_errno("mincore %s", file);
	size_t in = 0;
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	free(vec);
	return 100.0 * (double)in / (double)n;
}

/* Evict the file; returns false if drop_caches is not permitted. */
static bool evict_drop(void)
{
	sync();
	return sk_write_str(DROP_CACHES, "1") == 0;
}

static void evict_fadvise(int fd)
{
	if (fdatasync(fd))
		sk_die_errno("fdatasync %s", file);
	int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (e) {
		errno = e;
		sk_die_errno("posix_fadvise DONTNEED %s", file);
	}
}

/* Sequential read of the whole file; ns. */
static uint64_t read_file(int fd, size_t size, char *buf, size_t block)
{
	uint64_t t0 = sk_now_ns();
	for (size_t off = 0; off < size;) {
		ssize_t r = pread(fd, buf, block, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			sk_die_errno("read %s", file);
		}
		if (r == 0)
			sk_die("%s: unexpected end of file at %zu", file, off);
		off += (size_t)r;
	}
	return sk_now_ns() - t0;
}

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'D', "dir", "DIR", "where to create the scratch directory (see below)"},
	{'s', "size", "SIZE", "file size (see below)"},
	{SK_LONG(1), "evict", "HOW", "auto, drop (root: drop_caches) or fadvise (default auto)"},
	{'b', "block", "SIZE", "bytes per read(2), 4K..64M (default 1M)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Read a file cold (evicted from the page cache) and warm; MB/s and page-cache\n"
		      "residency (mincore) before and after; TSV to stdout.");
	printf("\n" CH08_FILE_NOTES
	       "-r: cold+warm pairs (default %d, quick %d).\n"
	       "Output columns: rep phase bytes elapsed_ns mb_per_s resident_before_pct resident_after_pct\n"
	       "(MB = 10^6 bytes). The scratch directory is removed on exit and on Ctrl-C.\n"
	       "Examples:\n"
	       "  %s -q\n"
	       "  %s -D /mnt/data -s 1G --evict fadvise\n",
	       DEFAULT_REPS, QUICK_REPS, sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct ch08_file_opts fo = {0};
	uint64_t block = DEFAULT_BLOCK;
	int evict = EV_AUTO;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		if (ch08_file_opt(&fo, c))
			continue;
		switch (c) {
		case SK_LONG(1): evict = sk_parse_choice(optarg, "--evict", evict_names); break;
		case 'b': block = sk_parse_size(optarg, "--block", 4 * SK_KIB, 64 * SK_MIB); break;
		}
	}
	sk_no_operands(argc, argv);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	/* validate before creating anything */
	const char *parent = ch08_disk_dir(fo.dir, "--dir", "on tmpfs/ramfs: the page cache is the storage there");
	uint64_t size = ch08_file_size(parent, fo.size_arg, fo.size, std.quick ? CH08_FILE_QUICK_SIZE : CH08_FILE_SIZE,
				       block);
	bool can_drop = access(DROP_CACHES, W_OK) == 0;
	if (evict == EV_DROP && !can_drop)
		sk_skip("cannot write %s (not root, or read-only /proc/sys): try --evict fadvise",
			DROP_CACHES);
	enum evict how = evict == EV_AUTO ? (can_drop ? EV_DROP : EV_FADVISE) : (enum evict)evict;

	const char *sdir = sk_scratch_dir(parent);
	const char *path = file = sk_scratch_path("pagecache.dat");
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		sk_die_errno("open %s", path);
	char *buf;
	if (posix_memalign((void **)&buf, (size_t)sk_page_size(), (size_t)block))
		sk_die("out of memory");
	char sb[32];
	sk_note("writing %s in %s", sk_fmt_size(size, sb, sizeof(sb)), sdir);
	write_file(fd, (size_t)size, buf, (size_t)block);
	void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		sk_die_errno("mmap %s", path);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	char fstype[32];
	sk_tsv_meta(&tsv, "dir", "%s", sdir);
	sk_tsv_meta(&tsv, "fs_type", "%s", sk_fs_type(sdir, fstype, sizeof(fstype)) ? fstype : "unknown");
	sk_tsv_meta(&tsv, "file_bytes", "%llu", (unsigned long long)size);
	sk_tsv_meta(&tsv, "block_bytes", "%llu", (unsigned long long)block);
	sk_tsv_meta(&tsv, "evict", "%s", how == EV_DROP ? "drop_caches (sync; echo 1)" :
					   "fdatasync + posix_fadvise(DONTNEED)");
	sk_tsv_meta(&tsv, "what", "MB/s = 10^6 bytes/s; residency from mincore(2)");
	sk_tsv_header(&tsv, "rep\tphase\tbytes\telapsed_ns\tmb_per_s\tresident_before_pct\tresident_after_pct");

	for (int r = 0; r < reps; r++) {
		if (how == EV_DROP) {
			if (!evict_drop())
				sk_die_errno("write %s", DROP_CACHES);
		} else {
			evict_fadvise(fd);
		}
		double before = resident_pct(map, (size_t)size);
		if (how == EV_FADVISE && before > 5) {
			/* Pages under writeback are skipped by DONTNEED: once more. */
			evict_fadvise(fd);
			before = resident_pct(map, (size_t)size);
		}
		if (before > 5)
			sk_warn("eviction left %.0f%% of the file in the page cache", before);
		for (int phase = 0; phase < 2; phase++) {
			if (phase)
				before = resident_pct(map, (size_t)size);
			sk_cpu_note();
			uint64_t ns = read_file(fd, (size_t)size, buf, (size_t)block);
			double after = resident_pct(map, (size_t)size);
			double mbs = (double)size * 1e3 / (double)ns;
			sk_tsv_row(&tsv, "%d\t%s\t%llu\t%llu\t%.1f\t%.1f\t%.1f", r, phase ? "warm" : "cold",
				   (unsigned long long)size, (unsigned long long)ns, mbs, before, after);
			sk_note("rep %d %s: %8.0f MB/s (resident %5.1f%% -> %5.1f%%)", r,
				phase ? "warm" : "cold", mbs, before, after);
		}
	}
	munmap(map, (size_t)size);
	close(fd);
	free(buf);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;   /* the scratch directory goes at exit */
}
