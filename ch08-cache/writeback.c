/*
 * writeback - where does a write go? Buffered writes land in the page cache
 * and the kernel writes them back later; O_SYNC and O_DIRECT wait for the
 * device.
 *
 * Part 1, throughput: the same SIZE bytes written in BLOCK-sized write(2)s
 *   buffered        plain write: returns once the data is in the page cache
 *   buffered_fsync  the same plus fsync at the end: the whole trip to the device
 *   osync           O_SYNC: every write waits for its data to be on the device
 *   odirect         O_DIRECT (page-aligned buffer, no page cache) + fdatasync;
 *                   skipped with the reason if the filesystem refuses O_DIRECT
 * Part 2, write-back over time (--trace FILE): a sampler thread reads Dirty
 *   and Writeback from /proc/meminfo every INTERVAL (5 ms while writing and
 *   during fsync) while SIZE bytes are
 *   written (buffered), then for WAIT seconds in which only the kernel's
 *   flusher may write them back (after vm.dirty_expire_centisecs), then
 *   during an fsync. The vm.dirty_* knobs are recorded (read only).
 * The scratch file lives in a directory the program creates and removes on
 * every exit path. Dirty and Writeback are system-wide counters.
 *
 * Usage: writeback [-D DIR] [-s SIZE] [-b SIZE] [-r REPS] [--trace FILE]
 *                  [-w WAIT_S] [-i INTERVAL_MS] [-q] [-o FILE]
 * Try:   ./writeback -q --trace dirty.tsv | column -t
 */
#include "shikumi.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ch08.h"

#define DEFAULT_BLOCK (64 * SK_KIB)  /* a usual application write; small enough that a
                                        * per-write device flush (O_SYNC) shows */
#define FAST_INTERVAL_NS 5000000u     /* 5 ms while writing and during fsync: short phases */
#define DEFAULT_REPS 5
#define QUICK_REPS 5
#define DEFAULT_INTERVAL_MS 100
#define QUICK_INTERVAL_MS 50
#define QUICK_WAIT_S 2
#define AFTER_FSYNC_MS 500            /* keep sampling a little after fsync returns */

static const char *const knobs[] = {"dirty_background_ratio", "dirty_background_bytes",
				    "dirty_ratio", "dirty_bytes", "dirty_expire_centisecs",
				    "dirty_writeback_centisecs"};

/* ---- meminfo sampler ------------------------------------------------------ */

static struct {
	pthread_t tid;
	atomic_int stop;
	atomic_int phase;          /* index into phase_names */
	uint64_t t0, interval_ns;
	struct sk_tsv *tsv;
	int err;
} sampler;
static const char *const phase_names[] = {"writing", "waiting", "fsync", "after"};

static void *sampler_main(void *arg)
{
	(void)arg;
	uint64_t next = sk_now_ns();
	while (!atomic_load(&sampler.stop)) {
		long long dirty, wb;
		if (sk_kv_get("/proc/meminfo", "Dirty", &dirty) ||
		    sk_kv_get("/proc/meminfo", "Writeback", &wb)) {
			sampler.err = errno ? errno : ENOENT;
			return NULL;
		}
		uint64_t now = sk_now_ns();
		sk_tsv_row(sampler.tsv, "%.1f\t%lld\t%lld\t%s", (double)(now - sampler.t0) / 1e6, dirty,
			   wb, phase_names[atomic_load(&sampler.phase)]);
		int ph = atomic_load(&sampler.phase);
		next += (ph == 0 || ph == 2) && sampler.interval_ns > FAST_INTERVAL_NS ? FAST_INTERVAL_NS
										  : sampler.interval_ns;
		if (next > now)
			sk_sleep_ns(next - now);
		else
			next = now;
	}
	return NULL;
}

/* ---- writing ---------------------------------------------------------------- */

/* Write size bytes in block-sized writes; returns -errno of the first failing
 * write (EINVAL from O_DIRECT is the caller's business) or 0. */
static int write_all(int fd, const char *buf, size_t size, size_t block)
{
	for (size_t off = 0; off < size;) {
		size_t n = size - off < block ? size - off : block;
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)w;
	}
	return 0;
}

enum variant { V_BUFFERED, V_BUFFERED_FSYNC, V_OSYNC, V_ODIRECT, V_COUNT };
static const char *const variant_names[] = {"buffered", "buffered_fsync", "osync", "odirect"};

/* One timed write of the whole file; -1 and errno=EINVAL if O_DIRECT is
 * refused. The file is fsync'ed and removed afterwards (untimed), so that
 * the next variant starts with no dirty data of ours. */
static double time_variant(enum variant v, const char *path, const char *buf, size_t size,
			   size_t block)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	if (v == V_OSYNC)
		flags |= O_SYNC;
	if (v == V_ODIRECT)
		flags |= O_DIRECT;
	int fd = open(path, flags, 0600);
	if (fd < 0) {
		if (v == V_ODIRECT && errno == EINVAL)
			return -1;
		sk_die_errno("open %s", path);
	}
	uint64_t t0 = sk_now_ns();
	int e = write_all(fd, buf, size, block);
	if (e) {
		close(fd);
		unlink(path);
		errno = -e;
		if (v == V_ODIRECT && errno == EINVAL)
			return -1;
		sk_die_errno("write %s", path);
	}
	if ((v == V_BUFFERED_FSYNC && fsync(fd)) || (v == V_ODIRECT && fdatasync(fd)))
		sk_die_errno("fsync %s", path);
	uint64_t ns = sk_now_ns() - t0;
	if (fsync(fd))
		sk_die_errno("fsync %s", path);
	close(fd);
	unlink(path);
	return (double)size * 1e3 / (double)ns;   /* MB/s */
}

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'D', "dir", "DIR", "where to create the scratch directory (see below)"},
	{'s', "size", "SIZE", "bytes per file (see below)"},
	{'b', "block", "SIZE", "bytes per write(2), 4K..64M, a multiple of 4K (default 64K)"},
	{SK_LONG(1), "trace", "FILE", "also record Dirty/Writeback over time into FILE"},
	{SK_LONG(2), "wait", "S", "seconds to watch the kernel's own write-back (see below)"},
	{'i', "interval", "MS", "sampling interval [ms], 10..10000"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Buffered vs O_SYNC vs O_DIRECT writes (MB/s), and Dirty/Writeback over time\n"
		      "while the kernel writes a buffered file back; TSV to stdout.");
	printf("\n" CH08_FILE_NOTES
	       "--trace FILE columns: t_ms dirty_kib writeback_kib phase.\n"
	       "--wait: before the fsync, 0..600 (default dirty_expire + dirty_writeback + 3 s, at\n"
	       "most 60; quick %d).\n"
	       "Defaults: %d reps of each variant, interval %d ms; quick: %d reps, %d ms.\n"
	       "Output columns: variant rep bytes elapsed_ns mb_per_s   (MB = 10^6 bytes)\n"
	       "The vm.dirty_* knobs are only read, never changed.\n"
	       "Examples:\n"
	       "  %s -q --trace dirty.tsv\n"
	       "  %s -D /mnt/data -s 1G --wait 40 --trace dirty.tsv -o bw.tsv\n",
	       QUICK_WAIT_S, DEFAULT_REPS, DEFAULT_INTERVAL_MS, QUICK_REPS, QUICK_INTERVAL_MS,
	       sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct ch08_file_opts fo = {0};
	const char *trace = NULL;
	uint64_t block = DEFAULT_BLOCK;
	int wait_s = -1, interval_ms = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		if (ch08_file_opt(&fo, c))
			continue;
		switch (c) {
		case 'b':
			block = sk_parse_size(optarg, "--block", 4 * SK_KIB, 64 * SK_MIB);
			if (block % (4 * SK_KIB))
				sk_bad_arg("--block", optarg, "not a multiple of 4K (O_DIRECT alignment)");
			break;
		case SK_LONG(1): trace = optarg; break;
		case SK_LONG(2): wait_s = sk_parse_int(optarg, "--wait", 0, 600); break;
		case 'i': interval_ms = sk_parse_int(optarg, "--interval", 10, 10000); break;
		}
	}
	sk_no_operands(argc, argv);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	if (!interval_ms)
		interval_ms = std.quick ? QUICK_INTERVAL_MS : DEFAULT_INTERVAL_MS;
	long long knob[SK_ARRAY_LEN(knobs)];
	for (size_t i = 0; i < SK_ARRAY_LEN(knobs); i++) {
		char p[96];
		snprintf(p, sizeof(p), "/proc/sys/vm/%s", knobs[i]);
		if (sk_read_ll(p, &knob[i]))
			knob[i] = -1;
	}
	if (wait_s < 0) {
		long long expire = knob[4] > 0 ? knob[4] : 3000, every = knob[5] > 0 ? knob[5] : 500;
		wait_s = std.quick ? QUICK_WAIT_S : (int)((expire + every) / 100 + 3);
		if (wait_s > 60)
			wait_s = 60;
	}
	/* validate before creating anything */
	const char *parent = ch08_disk_dir(fo.dir, "--dir", "on tmpfs/ramfs: nothing is written back there");
	uint64_t size = ch08_file_size(parent, fo.size_arg, fo.size, std.quick ? CH08_FILE_QUICK_SIZE : CH08_FILE_SIZE,
				       block);
	size = size / block * block;   /* whole blocks: O_DIRECT wants aligned lengths */
	const char *sdir = sk_scratch_dir(parent);
	const char *path = sk_scratch_path("writeback.dat");
	char *buf;
	if (posix_memalign((void **)&buf, (size_t)sk_page_size(), (size_t)block))
		sk_die("out of memory");
	for (size_t i = 0; i < block; i++)
		buf[i] = (char)(i * 131 + 7);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	char fstype[32];
	sk_tsv_meta(&tsv, "dir", "%s", sdir);
	sk_tsv_meta(&tsv, "fs_type", "%s", sk_fs_type(sdir, fstype, sizeof(fstype)) ? fstype : "unknown");
	sk_tsv_meta(&tsv, "file_bytes", "%llu", (unsigned long long)size);
	sk_tsv_meta(&tsv, "block_bytes", "%llu", (unsigned long long)block);
	for (size_t i = 0; i < SK_ARRAY_LEN(knobs); i++)
		sk_tsv_meta(&tsv, knobs[i], "%lld", knob[i]);
	sk_tsv_meta(&tsv, "what", "MB/s = 10^6 bytes/s over the write(2) calls (+ fsync/fdatasync where named)");
	sk_tsv_header(&tsv, "variant\trep\tbytes\telapsed_ns\tmb_per_s");
	char sb[32], bb[32];
	sk_note("%s per file in %s, %s writes", sk_fmt_size(size, sb, sizeof(sb)), sdir,
		sk_fmt_size(block, bb, sizeof(bb)));
	bool odirect_ok = true;
	for (int r = 0; r < reps; r++)
		for (int v = 0; v < V_COUNT; v++) {
			if (v == V_ODIRECT && !odirect_ok)
				continue;
			sk_cpu_note();
			double mbs = time_variant((enum variant)v, path, buf, (size_t)size, (size_t)block);
			if (mbs < 0) {
				odirect_ok = false;
				sk_warn("O_DIRECT refused by the filesystem in %s (EINVAL): odirect skipped",
					sdir);
				continue;
			}
			sk_tsv_row(&tsv, "%s\t%d\t%llu\t%.0f\t%.1f", variant_names[v], r,
				   (unsigned long long)size, (double)size * 1e3 / mbs, mbs);
			sk_note("rep %d %-15s %8.0f MB/s", r, variant_names[v], mbs);
		}
	sk_tsv_meta(&tsv, "odirect", "%s", odirect_ok ? "supported" : "unsupported: EINVAL");

	if (trace) {
		struct sk_tsv tt;
		sk_tsv_open_opt(&tt, trace, "--trace");
		sk_tsv_meta(&tt, "dir", "%s", sdir);
		sk_tsv_meta(&tt, "file_bytes", "%llu", (unsigned long long)size);
		sk_tsv_meta(&tt, "interval_ms", "%d", interval_ms);
		sk_tsv_meta(&tt, "wait_s", "%d", wait_s);
		for (size_t i = 0; i < SK_ARRAY_LEN(knobs); i++)
			sk_tsv_meta(&tt, knobs[i], "%lld", knob[i]);
		sk_tsv_meta(&tt, "what", "Dirty and Writeback from /proc/meminfo (system-wide), kB");
		sk_tsv_header(&tt, "t_ms\tdirty_kib\twriteback_kib\tphase");
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			sk_die_errno("open %s", path);
		sampler.tsv = &tt;
		sampler.interval_ns = (uint64_t)interval_ms * 1000000u;
		sampler.t0 = sk_now_ns();
		atomic_store(&sampler.phase, 0);
		int e = pthread_create(&sampler.tid, NULL, sampler_main, NULL);
		if (e) {
			errno = e;
			sk_die_errno("pthread_create");
		}
		sk_sleep_ns(3 * sampler.interval_ns);   /* a baseline before the write */
		uint64_t tw = sk_now_ns();
		int we = write_all(fd, buf, (size_t)size, (size_t)block);
		if (we) {
			errno = -we;
			sk_die_errno("write %s", path);
		}
		sk_tsv_meta(&tt, "write_ms", "%.1f", (double)(sk_now_ns() - tw) / 1e6);
		atomic_store(&sampler.phase, 1);
		sk_note("trace: %s written; watching write-back for %d s", sk_fmt_size(size, sb, sizeof(sb)),
			wait_s);
		sk_sleep_ns((uint64_t)wait_s * 1000000000u);
		atomic_store(&sampler.phase, 2);
		uint64_t tf = sk_now_ns();
		sk_tsv_meta(&tt, "fsync_start_ms", "%.1f", (double)(tf - sampler.t0) / 1e6);
		if (fsync(fd))
			sk_die_errno("fsync %s", path);
		sk_tsv_meta(&tt, "fsync_ms", "%.1f", (double)(sk_now_ns() - tf) / 1e6);
		atomic_store(&sampler.phase, 3);
		sk_sleep_ns(AFTER_FSYNC_MS * 1000000u);
		atomic_store(&sampler.stop, 1);
		pthread_join(sampler.tid, NULL);
		if (sampler.err) {
			errno = sampler.err;
			sk_die_errno("read /proc/meminfo");
		}
		close(fd);
		unlink(path);
		if (sk_tsv_close(&tt))
			return SK_EXIT_FAIL;
	}
	free(buf);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;   /* the scratch directory goes at exit */
}
