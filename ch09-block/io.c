/*
 * io - a small fio: time reads and writes to a file or a block device, count
 * what the device really did, and check the numbers against each other.
 *
 * Each job (a process, --numjobs) owns one region of the target and issues
 * --bs sized I/Os at sequential or random offsets, for --runtime seconds (or
 * --io-size bytes), after --ramp seconds that are not counted. Every I/O's
 * latency goes into a log-linear histogram like fio's: exact below 128 ns, 64
 * buckets per power of two above (relative error below 1/128), from which the
 * percentiles come. A percentile the sample count cannot support (fewer than
 * 10/(1-p) samples) is printed as n/a, never made up.
 *
 * Two engines, because queue depth is the experiment:
 *   psync     pread/pwrite: one I/O in flight per job, the queue-depth-1
 *             baseline (what the book's fio runs used);
 *   io_uring  through liburing: keeps --iodepth I/Os in flight per job,
 *             submitting each I/O as soon as its slot is free (fio's default,
 *             iodepth_batch_submit=1), or all free slots in one system call
 *             with --batch-submit. A synchronous engine cannot keep a queue,
 *             so --engine psync --iodepth 8 is an error, not a silent cap.
 *   Without --engine the depth chooses: psync at 1, io_uring above.
 * The device view: the target's block device (through partitions and
 * device-mapper to the disk), its queue settings, and /sys/block/DEV/stat
 * before and after. Three invariants are printed on every run: IOPS x bs =
 * bandwidth; bytes issued vs sectors the device moved (page-cache hits,
 * readahead, merging); Little's law (I/Os in flight = IOPS x mean latency).
 *
 * Safety: without --filename, io creates, fills and removes its own scratch
 * file. A named file is written only with --i-understand-this-destroys-data;
 * a block device is used only with that flag, and never when it is mounted,
 * holds a filesystem signature or partition table, or backs /.
 *
 * Usage: io [--rw RW] [-b BS] [-s SIZE] [--runtime SEC] [--direct] [--iodepth N] ...
 * Try:   ./io -q --rw randread --direct | column -t
 */
#include "shikumi.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#define DEFAULT_SIZE (512 * SK_MIB)   /* scratch file: well above readahead windows, fits small disks */
#define QUICK_SIZE (64 * SK_MIB)
#define DEFAULT_RUNTIME_S 5.0         /* time-based unless --io-size: a run length a student waits for */
#define QUICK_RUNTIME_S 1.0
#define FREE_RESERVE (64 * SK_MIB)    /* leave this much free space after the scratch file */
#define FILL_CHUNK SK_MIB             /* scratch file written in 1 MiB writes */
#define MAX_IODEPTH 4096
#define MAX_NUMJOBS 256
#define SIGNATURE_BYTES (68 * 1024)   /* btrfs's magic sits at 64 KiB + 64 */

/* ---- latency histogram (fio's layout) ------------------------------------
 * A value below 2*HIST_SUB ns has its own bucket. Above, a value whose top
 * bit is bit m keeps its HIST_BITS bits below the top one: bucket width
 * 2^(m-HIST_BITS), so the bucket's midpoint is off by at most 1/128. */
#define HIST_BITS 6
#define HIST_SUB (1u << HIST_BITS)
#define HIST_GROUPS 32                /* up to 2^36 ns = 68 s */
#define HIST_N (HIST_GROUPS * HIST_SUB)

static unsigned hist_index(uint64_t ns)
{
	if (ns < 2 * HIST_SUB)
		return (unsigned)ns;
	int e = 63 - __builtin_clzll(ns) - HIST_BITS;
	uint64_t idx = (uint64_t)e * HIST_SUB + (ns >> e);
	return idx < HIST_N ? (unsigned)idx : HIST_N - 1;
}

static uint64_t hist_lo(unsigned idx)
{
	if (idx < 2 * HIST_SUB)
		return idx;
	int e = (int)(idx / HIST_SUB) - 1;
	return (uint64_t)(HIST_SUB + idx % HIST_SUB) << e;
}

static uint64_t hist_width(unsigned idx)
{
	return idx < 2 * HIST_SUB ? 1 : UINT64_C(1) << (idx / HIST_SUB - 1);
}

enum { OP_READ, OP_WRITE, NOPS };
static const char *const op_names[] = {"read", "write"};

struct stats {
	uint64_t ios, bytes, lat_sum, lat_min, lat_max;
	uint64_t hist[HIST_N];
};

/* One job's results, in memory shared with the parent. */
struct job_result {
	struct stats op[NOPS];
	uint64_t measure_start, measure_end;   /* CLOCK_MONOTONIC ns */
	uint64_t issued_bytes[NOPS];           /* including the ramp: what the device saw */
	uint64_t fsyncs;
	int buf_pieces;                        /* job 0: physically contiguous pieces of a buffer (-1 hidden, 0 unknown) */
	int failed, interrupted, finished;
	char error[200];
};

/* ---- options -------------------------------------------------------------- */

enum rw { RW_READ, RW_WRITE, RW_RANDREAD, RW_RANDWRITE, RW_RANDRW };
static const char *const rw_names[] = {"read", "write", "randread", "randwrite", "randrw", NULL};
enum engine { ENG_PSYNC, ENG_IO_URING };
static const char *const engine_names[] = {"psync", "io_uring", NULL};
enum mem { MEM_MALLOC, MEM_THP, MEM_HUGETLB };
static const char *const mem_names[] = {"malloc", "thp", "hugetlb", NULL};

static struct {
	const char *filename, *dir, *out, *hist_out, *json_out;
	enum rw rw;
	int rwmixread, numjobs, iodepth, invalidate, engine;   /* engine -1: by depth */
	enum mem mem;
	uint64_t bs, size, io_size, seed, fsync_every;
	double runtime_s, ramp_s;
	const char *size_arg, *bs_arg;
	bool direct, norandommap, confirm, quick, size_given, quiet, batch_submit;
} opt = {.rw = RW_RANDREAD, .rwmixread = 50, .numjobs = 1, .iodepth = 1, .invalidate = 1,
	 .engine = -1, .bs = 4 * SK_KIB, .seed = 1};

/* ---- the target ------------------------------------------------------------ */

static struct {
	const char *path;
	bool is_bdev, scratch;
	uint64_t size;            /* bytes available for I/O */
	unsigned dio_align;       /* offset/length alignment for O_DIRECT */
	unsigned mem_align;       /* buffer alignment */
	dev_t dev;                /* the block device whose stat we read (0: none) */
} tgt;

static bool is_random(void)
{
	return opt.rw >= RW_RANDREAD;
}

static bool does_write(void)
{
	return opt.rw == RW_WRITE || opt.rw == RW_RANDWRITE || opt.rw == RW_RANDRW;
}

/* ---- sysfs: the device a dev_t lives on -------------------------------------- */

static bool sys_dir(dev_t dev, char *buf, size_t len)
{
	char link[64];
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	return realpath(link, buf) && strlen(buf) < len;
}

/* The whole-disk sysfs directory of a partition (or itself). */
static void whole_disk(char *dir)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/partition", dir);
	if (access(p, F_OK) == 0)
		*strrchr(dir, '/') = '\0';
}

/* The leaf disks under a sysfs block directory (through partitions and
 * dm/md slaves), names appended to out, separated by spaces. */
static void leaf_disks(const char *dir, char *out, size_t len, int depth)
{
	char d[PATH_MAX], p[PATH_MAX + 16];
	snprintf(d, sizeof(d), "%s", dir);
	whole_disk(d);
	snprintf(p, sizeof(p), "%s/slaves", d);
	bool any = false;
	DIR *dp = depth < 8 ? opendir(p) : NULL;
	if (dp) {
		struct dirent *e;
		while ((e = readdir(dp))) {
			char s[PATH_MAX + 300], r[PATH_MAX];
			if (e->d_name[0] == '.')
				continue;
			snprintf(s, sizeof(s), "%s/%s", p, e->d_name);
			if (realpath(s, r)) {
				leaf_disks(r, out, len, depth + 1);
				any = true;
			}
		}
		closedir(dp);
	}
	if (!any) {
		const char *name = strrchr(d, '/') + 1;
		size_t l = strlen(out);
		snprintf(out + l, len - l, "%s%s", l ? " " : "", name);
	}
}

static void sys_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, attr);
	if (sk_read_line(p, buf, len))
		snprintf(buf, len, "?");
}

/* /sys/block/DEV/stat: the counters we use. */
struct devstat {
	uint64_t ios[NOPS], merges[NOPS], sectors[NOPS], ticks_ms[NOPS], io_ticks_ms, queue_ms;
	bool ok;
};

static struct devstat read_devstat(void)
{
	struct devstat s = {0};
	char dir[PATH_MAX], p[PATH_MAX + 8], line[512];
	if (!tgt.dev || !sys_dir(tgt.dev, dir, sizeof(dir)))
		return s;
	snprintf(p, sizeof(p), "%s/stat", dir);
	if (sk_read_line(p, line, sizeof(line)))
		return s;
	unsigned long long v[11];
	if (sscanf(line, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10]) != 11)
		return s;
	for (int op = 0; op < NOPS; op++) {
		s.ios[op] = v[op * 4];
		s.merges[op] = v[op * 4 + 1];
		s.sectors[op] = v[op * 4 + 2];
		s.ticks_ms[op] = v[op * 4 + 3];
	}
	s.io_ticks_ms = v[9];
	s.queue_ms = v[10];
	s.ok = true;
	return s;
}

/* ---- safety for block devices ------------------------------------------------ */

/* A known on-disk signature in the first SIGNATURE_BYTES, or NULL. The
 * common ones only (what blkid -p would name first); zeros and our own fill
 * pattern carry none. */
static const char *find_signature(const unsigned char *b, size_t n)
{
	static const struct {
		size_t off;
		const char *magic;
		size_t len;
		const char *what;
	} sigs[] = {
		{512, "EFI PART", 8, "a GPT partition table"},
		{4096, "EFI PART", 8, "a GPT partition table (4 KiB sectors)"},
		{1080, "\x53\xef", 2, "an ext2/3/4 filesystem"},
		{0, "XFSB", 4, "an XFS filesystem"},
		{65600, "_BHRfS_M", 8, "a btrfs filesystem"},
		{4086, "SWAPSPACE2", 10, "a swap area"},
		{4086, "SWAP-SPACE", 10, "a swap area"},
		{0, "LUKS\xba\xbe", 6, "a LUKS container"},
		{512, "LABELONE", 8, "an LVM physical volume"},
		{24, "LABELONE", 8, "an LVM physical volume"},
		{0, "hsqs", 4, "a squashfs filesystem"},
		{1024, "\x10\x20\xf5\xf2", 4, "an F2FS filesystem"},
		{3, "NTFS    ", 8, "an NTFS filesystem"},
		{4096, "\xfc\x4e\x2b\xa9", 4, "an md RAID member"},
		{0, "\xfc\x4e\x2b\xa9", 4, "an md RAID member"},
		{32769, "CD001", 5, "an ISO 9660 filesystem"},
		{0x10000 + 0x40, "ReIsEr", 6, "a ReiserFS filesystem"},
	};
	for (size_t i = 0; i < SK_ARRAY_LEN(sigs); i++)
		if (sigs[i].off + sigs[i].len <= n && !memcmp(b + sigs[i].off, sigs[i].magic, sigs[i].len))
			return sigs[i].what;
	if (n >= 512 && b[510] == 0x55 && b[511] == 0xaa)
		return "an MBR partition table or FAT boot sector (0x55AA at byte 510)";
	return NULL;
}

/* Is dev, or a partition of it, mounted, used as swap, or held by dm/md? */
static const char *device_in_use(dev_t dev)
{
	static char why[512];
	char mine[PATH_MAX], p[PATH_MAX + 16], line[4096];
	if (!sys_dir(dev, mine, sizeof(mine)))
		return NULL;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned ma, mi;
		char mnt[2048], dir[PATH_MAX];
		if (sscanf(line, "%*s %*s %u:%u %*s %2047s", &ma, &mi, mnt) != 3)
			continue;
		dev_t d = makedev(ma, mi);
		if (d != dev && !(major(d) && sys_dir(d, dir, sizeof(dir)) && (whole_disk(dir), !strcmp(dir, mine))))
			continue;
		snprintf(why, sizeof(why), "it (or a partition of it) is mounted on %.400s", mnt);
		fclose(f);
		return why;
	}
	if (f)
		fclose(f);
	/* swap areas and dm/md users show up as holders of the disk or a partition */
	const char *name = strrchr(mine, '/') + 1;
	f = fopen("/proc/swaps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char dev_name[1024];
		if (sscanf(line, "%1023s", dev_name) == 1 && !strncmp(dev_name, "/dev/", 5) &&
		    !strncmp(dev_name + 5, name, strlen(name))) {
			snprintf(why, sizeof(why), "%.400s is in use as swap", dev_name);
			fclose(f);
			return why;
		}
	}
	if (f)
		fclose(f);
	snprintf(p, sizeof(p), "%s/holders", mine);
	DIR *dp = opendir(p);
	if (dp) {
		struct dirent *e;
		while ((e = readdir(dp)))
			if (e->d_name[0] != '.') {
				snprintf(why, sizeof(why), "it is held by %s (device-mapper or md)", e->d_name);
				closedir(dp);
				return why;
			}
		closedir(dp);
	}
	return NULL;
}

/* Do the two devices share a disk (through partitions and dm)? */
static bool same_disk(dev_t a, dev_t b)
{
	char da[PATH_MAX], db[PATH_MAX], la[1024] = "", lb[1024] = "";
	if (!sys_dir(a, da, sizeof(da)) || !sys_dir(b, db, sizeof(db)))
		return a == b;
	leaf_disks(da, la, sizeof(la), 0);
	leaf_disks(db, lb, sizeof(lb), 0);
	char *save, *t;
	for (t = strtok_r(la, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char pat[300];
		snprintf(pat, sizeof(pat), " %s ", t);
		char hay[1100];
		snprintf(hay, sizeof(hay), " %s ", lb);
		if (strstr(hay, pat))
			return true;
	}
	return false;
}

/* Refuse a block device unless it is safe to overwrite: exit 2 naming why. */
static void check_block_device(const char *path, const struct stat *st)
{
	if (!opt.confirm)
		sk_bad_arg("--filename", path, "a block device: its data would be overwritten; "
			   "add --i-understand-this-destroys-data to use it");
	const char *why = device_in_use(st->st_rdev);
	if (why)
		sk_bad_arg("--filename", path, why);
	struct stat root;
	if (stat("/", &root) == 0 && same_disk(root.st_dev, st->st_rdev))
		sk_bad_arg("--filename", path, "it is (on) the disk that holds /");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		sk_die_errno("open %s", path);
	unsigned char *b = calloc(1, SIGNATURE_BYTES);
	if (!b)
		sk_die("out of memory");
	ssize_t n = pread(fd, b, SIGNATURE_BYTES, 0);
	close(fd);
	if (n < 0)
		sk_die_errno("read %s", path);
	why = find_signature(b, (size_t)n);
	free(b);
	if (why) {
		char msg[300];
		snprintf(msg, sizeof(msg), "it holds %s (wipe it yourself if you really mean it)", why);
		sk_bad_arg("--filename", path, msg);
	}
}

/* ---- the device view ------------------------------------------------------------ */

static struct {
	char name[64], disks[256], model[128], kind[256], scheduler[128], rotational[16],
		read_ahead_kb[32], nr_requests[32], logical_block[32];
	bool have;
} devv;

static void device_view(void)
{
	char dir[PATH_MAX], q[PATH_MAX], leaf[PATH_MAX + 300], buf[256];
	if (!tgt.dev || !sys_dir(tgt.dev, dir, sizeof(dir))) {
		snprintf(devv.kind, sizeof(devv.kind), "none (no block device under this file: tmpfs, "
			 "overlay or network; the page cache is all there is)");
		return;
	}
	devv.have = true;
	snprintf(devv.name, sizeof(devv.name), "%s", strrchr(dir, '/') + 1);
	leaf_disks(dir, devv.disks, sizeof(devv.disks), 0);
	snprintf(q, sizeof(q), "%s", dir);
	whole_disk(q);   /* a partition's queue is its disk's */
	char first[64] = "";
	sscanf(devv.disks, "%63s", first);
	snprintf(leaf, sizeof(leaf), "/sys/class/block/%s", first);
	char leafdir[PATH_MAX] = "";
	if (!realpath(leaf, leafdir))
		snprintf(leafdir, sizeof(leafdir), "%s", q);
	sys_attr(leafdir, "device/model", devv.model, sizeof(devv.model));
	sys_attr(q, "queue/scheduler", devv.scheduler, sizeof(devv.scheduler));
	sys_attr(q, "queue/rotational", devv.rotational, sizeof(devv.rotational));
	sys_attr(q, "queue/read_ahead_kb", devv.read_ahead_kb, sizeof(devv.read_ahead_kb));
	sys_attr(q, "queue/nr_requests", devv.nr_requests, sizeof(devv.nr_requests));
	sys_attr(q, "queue/logical_block_size", devv.logical_block, sizeof(devv.logical_block));
	const char *n = devv.name;
	if (!strncmp(n, "loop", 4)) {
		char bf[PATH_MAX], dio[16];
		sys_attr(q, "loop/backing_file", bf, sizeof(bf));
		sys_attr(q, "loop/dio", dio, sizeof(dio));
		snprintf(devv.kind, sizeof(devv.kind), "loop device over %.60s (direct I/O %s)", bf,
			 !strcmp(dio, "1") ? "on" : "off: the host file's page cache sits below it");
	} else if (!strncmp(n, "dm-", 3)) {
		snprintf(devv.kind, sizeof(devv.kind), "device-mapper over %.100s", devv.disks);
	} else if (strstr(leafdir, "virtio")) {
		snprintf(devv.kind, sizeof(devv.kind), "virtio (paravirtual: a file or volume on the host, "
			 "maybe cached there)");
	} else if (strstr(leafdir, "/virtual/")) {
		snprintf(devv.kind, sizeof(devv.kind), "virtual (%s)", first);
	} else if (strstr(leafdir, "nvme")) {
		snprintf(devv.kind, sizeof(devv.kind), "NVMe");
	} else {
		snprintf(devv.kind, sizeof(devv.kind), "physical (%s)",
			 !strcmp(devv.rotational, "1") ? "rotational" : "non-rotational");
	}
	/* "none [mq-deadline] kyber" -> the bracketed one */
	char *a = strchr(devv.scheduler, '['), *b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = '\0';
		snprintf(buf, sizeof(buf), "%s", a + 1);
		snprintf(devv.scheduler, sizeof(devv.scheduler), "%.100s", buf);
	}
}

/* ---- random offsets --------------------------------------------------------------
 * splitmix64 drives everything. With the random map (the default), each pass
 * visits every block of the region exactly once in a scrambled order: a
 * bijection on [0, 2^k) (xor, multiply by an odd constant, xorshift: each
 * step invertible modulo 2^k), walked from 0 to 2^k - 1, skipping the values
 * past the region's end. No bitmap, no repeats. --norandommap draws each
 * offset independently (repeats allowed, like fio's norandommap). */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

struct gen {
	uint64_t nblocks, next_seq, rng, ctr, mask, key1, key2;
	unsigned shift;
};

static void gen_init(struct gen *g, uint64_t nblocks, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->nblocks = nblocks;
	g->rng = seed;
	unsigned bits = 0;
	while ((UINT64_C(1) << bits) < nblocks)
		bits++;
	g->mask = bits ? (UINT64_C(1) << bits) - 1 : 0;
	g->shift = bits / 2 + 1;
	g->ctr = g->mask + 1;   /* start a new pass at the first call */
}

static uint64_t permute(const struct gen *g, uint64_t x)
{
	x = (x ^ g->key1) & g->mask;
	x = (x * 0x9E3779B97F4A7C15ull) & g->mask;
	x ^= x >> g->shift;
	x = (x * 0xD6E8FEB86659FD93ull) & g->mask;
	x ^= x >> g->shift;
	return (x + g->key2) & g->mask;
}

static uint64_t next_block(struct gen *g)
{
	if (!is_random()) {
		uint64_t b = g->next_seq;
		g->next_seq = b + 1 == g->nblocks ? 0 : b + 1;
		return b;
	}
	if (opt.norandommap)
		return (uint64_t)(((unsigned __int128)splitmix(&g->rng) * g->nblocks) >> 64);
	for (;;) {
		if (g->ctr > g->mask) {   /* a new pass, a new order */
			g->ctr = 0;
			g->key1 = splitmix(&g->rng);
			g->key2 = splitmix(&g->rng);
		}
		uint64_t b = permute(g, g->ctr++);
		if (b < g->nblocks)
			return b;
	}
}

/* ---- one job (a child process) ------------------------------------------------------ */

static volatile sig_atomic_t g_stop;   /* the signal that asked us to stop */

struct job {
	int id, fd;
	uint64_t base, nblocks, t_start, ramp_end, end_time, measured_issued, wsince;
	bool measuring;
	struct gen g;
	struct job_result *r;
	char **bufs;
};

SK_PRINTF(2, 3) SK_NORETURN static void job_fail(struct job *j, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->r->error, sizeof(j->r->error), fmt, ap);
	va_end(ap);
	(void)e;
	j->r->failed = 1;
	_exit(SK_EXIT_FAIL);
}

static bool should_stop(struct job *j, uint64_t now)
{
	if (g_stop)
		return true;
	if (opt.runtime_s > 0 && now >= j->end_time)
		return true;
	return opt.io_size && j->measured_issued >= opt.io_size;
}

static void count_issue(struct job *j, uint64_t now)
{
	if (now >= j->ramp_end)
		j->measured_issued += opt.bs;
}

static int pick_op(struct job *j)
{
	switch (opt.rw) {
	case RW_READ: case RW_RANDREAD: return OP_READ;
	case RW_WRITE: case RW_RANDWRITE: return OP_WRITE;
	default: return splitmix(&j->g.rng) % 100 < (uint64_t)opt.rwmixread ? OP_READ : OP_WRITE;
	}
}

static void account(struct job *j, int op, uint64_t lat, uint64_t t_done)
{
	struct job_result *r = j->r;
	r->issued_bytes[op] += opt.bs;
	if (t_done < j->ramp_end)
		return;
	if (!j->measuring) {
		j->measuring = true;
		r->measure_start = j->ramp_end;
	}
	struct stats *s = &r->op[op];
	s->ios++;
	s->bytes += opt.bs;
	s->lat_sum += lat;
	if (!s->lat_min || lat < s->lat_min)
		s->lat_min = lat;
	if (lat > s->lat_max)
		s->lat_max = lat;
	s->hist[hist_index(lat)]++;
	r->measure_end = t_done;
}

static void do_fsync(struct job *j)
{
	if (fsync(j->fd))
		job_fail(j, "fsync %s: %s", tgt.path, sk_errno_name(errno));
	j->r->fsyncs++;
	j->wsince = 0;
}

static void run_psync(struct job *j)
{
	char *buf = j->bufs[0];
	for (;;) {
		uint64_t t0 = sk_now_ns();
		if (should_stop(j, t0))
			break;
		int op = pick_op(j);
		off_t off = (off_t)(j->base + next_block(&j->g) * opt.bs);
		t0 = sk_now_ns();
		ssize_t n = op == OP_READ ? pread(j->fd, buf, opt.bs, off) : pwrite(j->fd, buf, opt.bs, off);
		uint64_t t1 = sk_now_ns();
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			job_fail(j, "%s %s at offset %lld: %s", op_names[op], tgt.path, (long long)off,
				 sk_errno_name(errno));
		if ((uint64_t)n != opt.bs)
			job_fail(j, "short %s of %s at offset %lld: %zd of %llu bytes", op_names[op],
				 tgt.path, (long long)off, n, (unsigned long long)opt.bs);
		count_issue(j, t0);
		account(j, op, t1 - t0, t1);
		if (op == OP_WRITE && opt.fsync_every && ++j->wsince >= opt.fsync_every)
			do_fsync(j);
	}
}

#ifdef HAVE_LIBURING
/* Keep iodepth I/Os in flight: fill every free slot, submitting each I/O at
 * once (or, with --batch-submit, all of them in one call), wait for at least
 * one completion, reap all that are there (one clock read for the batch),
 * repeat. Latency = reap time - the time the I/O was queued (the round's
 * start), as an application sees it and as fio's lat (slat + clat) counts
 * it: an I/O that waits while the round's earlier I/Os are submitted one by
 * one (each submit issues its I/O inline, ~10 us here) has that wait in its
 * latency, so IOPS x mean latency = iodepth (Little's law). Timing from each
 * io_uring_submit alone left the wait out: at QD32, 295 us vs fio's 459 us
 * at the same 70k IOPS, i.e. 21 of 32 "in flight".
 * Why one submit per I/O by default: on a virtio disk here (KVM, AMD EPYC,
 * 4 KiB random reads at QD32) batched submits gave 67-72k IOPS and one submit
 * per I/O 96-101k, as fio gets: a batch reaches the device as one burst after
 * the ring was refilled, while single submits keep it fed as slots free up. */
/* A submit that the kernel refused: EINTR (a signal), EAGAIN and EBUSY (no
 * room just now) are retried by the loop; anything else ends the job. */
static void submit_fail(struct job *j, int ret)
{
	if (ret == -EINTR || ret == -EAGAIN || ret == -EBUSY)
		return;
	errno = -ret;
	job_fail(j, "io_uring_submit: %s", sk_errno_name(-ret));
}

static void run_io_uring(struct job *j)
{
	struct io_uring ring;
	unsigned depth = (unsigned)opt.iodepth;
	int ret = -EINVAL;
	/* COOP_TASKRUN (5.19) and SINGLE_ISSUER (6.0) save work; drop what the kernel refuses. */
	const unsigned tries[] = {
#if defined(IORING_SETUP_COOP_TASKRUN) && defined(IORING_SETUP_SINGLE_ISSUER)
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
#endif
#ifdef IORING_SETUP_COOP_TASKRUN
		IORING_SETUP_COOP_TASKRUN,
#endif
		0};
	for (size_t i = 0; i < SK_ARRAY_LEN(tries) && ret == -EINVAL; i++)
		ret = io_uring_queue_init(depth, &ring, tries[i]);
	if (ret < 0) {
		errno = -ret;
		job_fail(j, "io_uring_queue_init(%u): %s", depth, sk_errno_name(-ret));
	}
	struct slot {
		uint64_t t_submit;
		off_t off;
		int op;
	} *slots = calloc(depth, sizeof(*slots));
	unsigned *free_slots = calloc(depth, sizeof(*free_slots));
	unsigned *batch = calloc(depth, sizeof(*batch));
	if (!slots || !free_slots || !batch)
		job_fail(j, "out of memory");
	unsigned nfree = depth, inflight = 0;
	for (unsigned i = 0; i < depth; i++)
		free_slots[i] = depth - 1 - i;
	bool stopping = false, draining = false;
	uint64_t now = sk_now_ns();
	for (;;) {
		if (!stopping && should_stop(j, now))
			stopping = true;
		unsigned queued = 0;
		while (!stopping && !draining && nfree > 0) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			if (!sqe)
				break;
			unsigned s = free_slots[--nfree];
			slots[s].op = pick_op(j);
			slots[s].off = (off_t)(j->base + next_block(&j->g) * opt.bs);
			if (slots[s].op == OP_READ)
				io_uring_prep_read(sqe, j->fd, j->bufs[s], (unsigned)opt.bs, (uint64_t)slots[s].off);
			else
				io_uring_prep_write(sqe, j->fd, j->bufs[s], (unsigned)opt.bs, (uint64_t)slots[s].off);
			io_uring_sqe_set_data64(sqe, s);
			count_issue(j, now);
			if (opt.batch_submit) {
				batch[queued++] = s;
			} else {
				slots[s].t_submit = now;   /* queued now: waiting behind this round's submits counts */
				ret = io_uring_submit(&ring);
				if (ret < 0)
					submit_fail(j, ret);
				inflight++;
			}
			if (opt.io_size && j->measured_issued >= opt.io_size)
				stopping = true;
		}
		if (inflight + queued == 0) {
			if (draining && !g_stop) {   /* --fsync N: every write done, now sync */
				do_fsync(j);
				draining = false;
				now = sk_now_ns();
				continue;
			}
			break;
		}
		now = sk_now_ns();
		for (unsigned i = 0; i < queued; i++)
			slots[batch[i]].t_submit = now;
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0)
			submit_fail(j, ret);
		inflight += queued;
		uint64_t t_done = sk_now_ns();
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			unsigned s = (unsigned)io_uring_cqe_get_data64(cqe);
			int res = cqe->res;
			seen++;
			if (res < 0)
				job_fail(j, "%s %s at offset %lld: %s", op_names[slots[s].op], tgt.path,
					 (long long)slots[s].off, sk_errno_name(-res));
			if ((uint64_t)res != opt.bs)
				job_fail(j, "short %s of %s at offset %lld: %d of %llu bytes", op_names[slots[s].op],
					 tgt.path, (long long)slots[s].off, res, (unsigned long long)opt.bs);
			account(j, slots[s].op, t_done - slots[s].t_submit, t_done);
			if (slots[s].op == OP_WRITE && opt.fsync_every && ++j->wsince >= opt.fsync_every)
				draining = true;
			free_slots[nfree++] = s;
		}
		io_uring_cq_advance(&ring, seen);
		inflight -= seen;
		now = t_done;
	}
	io_uring_queue_exit(&ring);
	free(slots);
	free(free_slots);
	free(batch);
}
#endif

/* Bytes that are neither zeros nor a known signature, different in every
 * 4 KiB block (no host may deduplicate or compress them away). */
static void fill_pattern(char *buf, size_t len, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v = splitmix(&s);
		memcpy(buf + i, &v, 8);
	}
}

static void on_child_signal(int sig)
{
	g_stop = sig;
}

static void catch_stop_signals(void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;   /* no SA_RESTART: a waiting call returns EINTR */
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int open_flags(void)
{
	return (does_write() ? O_RDWR : O_RDONLY) | (opt.direct ? O_DIRECT : 0) | O_CLOEXEC;
}

/* Bytes per huge page: the PMD size for THP, Hugepagesize for hugetlb (2 MiB
 * on x86-64 either way). */
static size_t hugepage_bytes(void)
{
	struct sk_meminfo m;
	if (opt.mem == MEM_HUGETLB && sk_read_meminfo(&m) == 0 && m.hugepagesize > 0)
		return (size_t)m.hugepagesize * 1024;
	return (size_t)sk_hugepage_size();
}

/* Bytes from one buffer's start to the next's in a huge-page region: bs,
 * rounded up to the page (or the target's larger memory alignment). */
static size_t buf_stride(void)
{
	size_t page = (size_t)sk_page_size();
	size_t align = page > tgt.mem_align ? page : tgt.mem_align;
	return ((size_t)opt.bs + align - 1) / align * align;
}

/* Into how many physically contiguous pieces is [buf, buf+len) cut? From
 * /proc/self/pagemap, whose frame numbers only CAP_SYS_ADMIN sees (others
 * read 0): then -1. 0 when pagemap cannot be read or a page is not present.
 * The pages must be touched first. */
static int phys_pieces(const char *buf, size_t len)
{
	size_t page = (size_t)sk_page_size();
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int pieces = 0;
	uint64_t prev = 0;
	for (size_t off = 0; off < len; off += page) {
		uint64_t e, vpn = ((uintptr_t)buf + off) / page;
		if (pread(fd, &e, sizeof(e), (off_t)(vpn * sizeof(e))) != (ssize_t)sizeof(e)) {
			pieces = 0;
			break;
		}
		uint64_t pfn = e & ((UINT64_C(1) << 55) - 1);
		if (!(e >> 63) || !pfn) {   /* not present, or the frame number is hidden */
			pieces = (e >> 63) ? -1 : 0;
			break;
		}
		if (!off || pfn != prev + 1)
			pieces++;
		prev = pfn;
	}
	close(fd);
	return pieces;
}

/* The I/O buffers. malloc: each its own posix_memalign, as fio's default
 * mem=malloc. thp and hugetlb: one region of huge pages (2 MiB aligned,
 * madvise(MADV_HUGEPAGE) or MAP_HUGETLB) cut into the buffers. Why it matters:
 * a direct I/O reaches the device as one segment per physically contiguous
 * piece of its buffer, and a virtual disk may pay per segment. Returns the
 * region's length to munmap, 0 for malloc. */
static size_t alloc_buffers(struct job *j, int nbufs)
{
	size_t page = (size_t)sk_page_size();
	size_t align = page > tgt.mem_align ? page : tgt.mem_align;
	size_t stride = buf_stride();
	j->bufs = calloc((size_t)nbufs, sizeof(char *));
	if (!j->bufs)
		job_fail(j, "out of memory");
	if (opt.mem == MEM_MALLOC) {
		for (int i = 0; i < nbufs; i++)
			if (posix_memalign((void **)&j->bufs[i], align, opt.bs))
				job_fail(j, "out of memory for %d buffers of %llu bytes", nbufs, (unsigned long long)opt.bs);
		return 0;
	}
	size_t huge = hugepage_bytes();
	size_t len = (stride * (size_t)nbufs + huge - 1) / huge * huge;
	char *base;
	if (opt.mem == MEM_HUGETLB) {
		base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (base == MAP_FAILED)
			job_fail(j, "--mem hugetlb: mmap of %zu bytes of huge pages: %s", len, sk_errno_name(errno));
	} else {   /* thp: huge-page aligned, madvised (a hint: THP "never" ignores it; phys_pieces tells) */
		base = sk_map_anon(len, 1);
	}
	for (int i = 0; i < nbufs; i++)
		j->bufs[i] = base + (size_t)i * stride;
	return len;
}

SK_NORETURN static void job_main(int id, struct job_result *r, int gate)
{
	struct job j = {.id = id, .r = r};
	catch_stop_signals(on_child_signal);
	uint64_t per = tgt.size / opt.bs / (uint64_t)opt.numjobs;   /* blocks per job */
	j.base = (uint64_t)id * per * opt.bs;
	j.nblocks = per;
	gen_init(&j.g, per, opt.seed * 0x9E3779B97F4A7C15ull + (uint64_t)id);
	j.fd = open(tgt.path, open_flags());
	if (j.fd < 0)
		job_fail(&j, "open %s: %s", tgt.path, sk_errno_name(errno));
	int nbufs = opt.iodepth;
	size_t region = alloc_buffers(&j, nbufs);
	for (int i = 0; i < nbufs; i++)
		fill_pattern(j.bufs[i], opt.bs, opt.seed + (uint64_t)i + 1);
	if (id == 0)
		r->buf_pieces = phys_pieces(j.bufs[0], opt.bs);
	char c;
	while (read(gate, &c, 1) < 0 && errno == EINTR && !g_stop)
		;   /* the parent closes the gate: every job starts at once */
	close(gate);
	j.t_start = sk_now_ns();
	j.ramp_end = j.t_start + (uint64_t)(opt.ramp_s * 1e9);
	j.end_time = j.ramp_end + (uint64_t)(opt.runtime_s * 1e9);
	r->measure_start = r->measure_end = j.ramp_end;
	if (opt.engine == ENG_PSYNC)
		run_psync(&j);
#ifdef HAVE_LIBURING
	else
		run_io_uring(&j);
#endif
	if (opt.fsync_every && does_write() && !g_stop)
		do_fsync(&j);   /* what was written is on the device when the job ends */
	r->interrupted = g_stop != 0;
	r->finished = 1;
	close(j.fd);
	if (region)
		munmap(j.bufs[0], region);
	else
		for (int i = 0; i < nbufs; i++)
			free(j.bufs[i]);
	free(j.bufs);
	_exit(0);
}

/* ---- the parent: run the jobs ---------------------------------------------------------- */

static void on_parent_signal(int sig)
{
	if (g_stop) {   /* a second Ctrl-C: stop now */
		sk_children_reap_all();
		sk_run_cleanups();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	g_stop = sig;
	sk_children_kill_all(SIGINT);   /* the jobs stop issuing, finish what is in flight */
}

static struct job_result *results;
static struct devstat dev_before, dev_after;
static struct rusage ru;
static uint64_t wall_ns;

static void run_jobs(void)
{
	results = sk_shared_alloc(sizeof(*results) * (size_t)opt.numjobs);
	int gate[2];
	if (pipe(gate))
		sk_die_errno("pipe");
	catch_stop_signals(on_parent_signal);
	pid_t *pids = calloc((size_t)opt.numjobs, sizeof(pid_t));
	if (!pids)
		sk_die("out of memory");
	dev_before = read_devstat();
	for (int i = 0; i < opt.numjobs; i++) {
		pid_t pid = sk_fork();
		if (pid < 0)
			sk_die_errno("fork");
		if (pid == 0) {
			close(gate[1]);
			job_main(i, &results[i], gate[0]);
		}
		pids[i] = pid;
	}
	close(gate[0]);
	uint64_t t0 = sk_now_ns();
	close(gate[1]);
	for (int i = 0; i < opt.numjobs; i++) {
		int st = sk_wait(pids[i], NULL);
		struct job_result *r = &results[i];
		if (WIFSIGNALED(st) && !r->failed) {
			r->interrupted = 1;
			if (!g_stop)
				snprintf(r->error, sizeof(r->error), "job %d killed by signal %d", i, WTERMSIG(st));
			r->failed = !g_stop;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) && !r->failed) {
			r->failed = 1;
			snprintf(r->error, sizeof(r->error), "job %d exited with status %d", i, WEXITSTATUS(st));
		}
	}
	wall_ns = sk_now_ns() - t0;
	dev_after = read_devstat();
	getrusage(RUSAGE_CHILDREN, &ru);
	free(pids);
	for (int i = 0; i < opt.numjobs; i++)
		if (results[i].failed)
			sk_die("job %d: %s", i, results[i].error);
}

/* ---- results ----------------------------------------------------------------------------- */

static const double pct_p[] = {50, 90, 99, 99.9, 99.99};
#define NPCT SK_ARRAY_LEN(pct_p)

/* The p-th percentile: the first bucket whose running count reaches p% of
 * the samples, reported at its midpoint. 0 when the count cannot support it:
 * a p-th percentile needs 10/(1-p) samples (p99.9 needs 10,000) to rest on
 * about ten samples beyond it. */
static bool percentile(const struct stats *s, double p, uint64_t *out)
{
	double need_n = 10.0 / (1.0 - p / 100.0);
	if ((double)s->ios < need_n - 1e-6 || !s->ios)
		return false;
	uint64_t need = (uint64_t)((double)s->ios * p / 100.0);
	if ((double)need < (double)s->ios * p / 100.0)
		need++;
	if (!need)
		need = 1;
	uint64_t cum = 0;
	for (unsigned i = 0; i < HIST_N; i++) {
		cum += s->hist[i];
		if (cum >= need) {
			*out = hist_lo(i) + hist_width(i) / 2;
			if (*out > s->lat_max)
				*out = s->lat_max;
			return true;
		}
	}
	*out = s->lat_max;
	return true;
}

static void merge(struct stats *into, const struct stats *s)
{
	into->ios += s->ios;
	into->bytes += s->bytes;
	into->lat_sum += s->lat_sum;
	if (s->ios && (!into->lat_min || s->lat_min < into->lat_min))
		into->lat_min = s->lat_min;
	if (s->lat_max > into->lat_max)
		into->lat_max = s->lat_max;
	for (unsigned i = 0; i < HIST_N; i++)
		into->hist[i] += s->hist[i];
}

struct row {
	char job[16];
	int op;
	const struct stats *s;
	uint64_t elapsed_ns;
	double iops, bw, lat_mean, inflight;
};

static struct row make_row(const char *job, int op, const struct stats *s, uint64_t elapsed)
{
	struct row r = {.op = op, .s = s, .elapsed_ns = elapsed};
	snprintf(r.job, sizeof(r.job), "%s", job);
	double sec = (double)elapsed / 1e9;
	r.iops = sec > 0 ? (double)s->ios / sec : 0;
	r.bw = sec > 0 ? (double)s->bytes / sec : 0;
	r.lat_mean = s->ios ? (double)s->lat_sum / (double)s->ios : 0;
	r.inflight = r.iops * r.lat_mean / 1e9;   /* Little's law: L = lambda x W */
	return r;
}

static struct stats all_stats[NOPS];
static uint64_t all_elapsed;
static struct row *rows;
static int nrows;

static void collect(void)
{
	rows = calloc((size_t)(opt.numjobs + 1) * NOPS, sizeof(*rows));
	if (!rows)
		sk_die("out of memory");
	/* The total's time is the longest job's, as fio's group reporting has it:
	 * jobs released together may still start a little apart on a busy machine. */
	uint64_t longest = 0;
	for (int i = 0; i < opt.numjobs; i++) {
		struct job_result *r = &results[i];
		if (r->measure_end > r->measure_start && r->measure_end - r->measure_start > longest)
			longest = r->measure_end - r->measure_start;
		for (int op = 0; op < NOPS; op++) {
			merge(&all_stats[op], &r->op[op]);
			if (opt.numjobs > 1 && r->op[op].ios) {
				char name[16];
				snprintf(name, sizeof(name), "%d", i);
				rows[nrows++] = make_row(name, op, &r->op[op], r->measure_end - r->measure_start);
			}
		}
	}
	all_elapsed = longest;
	for (int op = 0; op < NOPS; op++)
		if (all_stats[op].ios)
			rows[nrows++] = make_row("all", op, &all_stats[op], all_elapsed);
}

static void fmt_pct(const struct stats *s, double p, char *buf, size_t len, bool json)
{
	uint64_t v;
	if (percentile(s, p, &v))
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, json ? "null" : "n/a");
}

static bool interrupted(void)
{
	for (int i = 0; i < opt.numjobs; i++)
		if (results[i].interrupted)
			return true;
	return g_stop != 0;
}

static uint64_t total_issued(int op)
{
	uint64_t b = 0;
	for (int i = 0; i < opt.numjobs; i++)
		b += results[i].issued_bytes[op];
	return b;
}

static uint64_t total_ios(void)
{
	return all_stats[OP_READ].ios + all_stats[OP_WRITE].ios;
}

/* Invariant texts, shared by the TSV preamble, the JSON and stderr. */
static char inv_bw[NOPS][200], inv_dev[NOPS][300], inv_little[300], inv_queue[200];

static void invariants(void)
{
	for (int op = 0; op < NOPS; op++) {
		const struct stats *s = &all_stats[op];
		if (!s->ios)
			continue;
		struct row r = make_row("all", op, s, all_elapsed);
		double err = r.bw > 0 ? (r.iops * (double)opt.bs - r.bw) / r.bw : 0;
		snprintf(inv_bw[op], sizeof(inv_bw[op]),
			 "%s: %.1f IOPS x %llu B = %.0f B/s = bandwidth %.0f B/s (error %.2g %%)",
			 op_names[op], r.iops, (unsigned long long)opt.bs, r.iops * (double)opt.bs, r.bw,
			 100 * err);
	}
	for (int op = 0; op < NOPS; op++) {
		uint64_t issued = total_issued(op);
		if (!issued && !(dev_before.ok && dev_after.sectors[op] != dev_before.sectors[op]))
			continue;
		if (!dev_before.ok || !dev_after.ok) {
			snprintf(inv_dev[op], sizeof(inv_dev[op]), "%s: no device counters (no block device)",
				 op_names[op]);
			continue;
		}
		uint64_t moved = (dev_after.sectors[op] - dev_before.sectors[op]) * 512;
		uint64_t reqs = dev_after.ios[op] - dev_before.ios[op];
		uint64_t merges = dev_after.merges[op] - dev_before.merges[op];
		snprintf(inv_dev[op], sizeof(inv_dev[op]),
			 "%s: issued %llu B, device moved %llu B (ratio %.3f) in %llu requests of %.1f KiB "
			 "average, %llu merges", op_names[op], (unsigned long long)issued,
			 (unsigned long long)moved, issued ? (double)moved / (double)issued : 0.0,
			 (unsigned long long)reqs, reqs ? (double)moved / (double)reqs / 1024 : 0.0,
			 (unsigned long long)merges);
	}
	double l = 0;
	for (int op = 0; op < NOPS; op++)
		if (all_stats[op].ios)
			l += make_row("all", op, &all_stats[op], all_elapsed).inflight;
	snprintf(inv_little, sizeof(inv_little),
		 "in flight = IOPS x mean latency = %.2f; the jobs keep %d x %d = %d in flight (ratio %.3f)",
		 l, opt.numjobs, opt.iodepth, opt.numjobs * opt.iodepth, l / (opt.numjobs * opt.iodepth));
	if (dev_before.ok && dev_after.ok && wall_ns)
		snprintf(inv_queue, sizeof(inv_queue),
			 "device queue: time_in_queue grew %llu ms in %.0f ms = %.2f requests on average "
			 "(busy %.0f %%)", (unsigned long long)(dev_after.queue_ms - dev_before.queue_ms),
			 (double)wall_ns / 1e6, (double)(dev_after.queue_ms - dev_before.queue_ms) / ((double)wall_ns / 1e6),
			 100.0 * (double)(dev_after.io_ticks_ms - dev_before.io_ticks_ms) / ((double)wall_ns / 1e6));
}

static const char *engine_name(void)
{
	return engine_names[opt.engine];
}

static void tsv_meta_all(struct sk_tsv *t)
{
	char sz[32];
	sk_tsv_meta(t, "status", "%s", interrupted() ? "interrupted: partial results" : "complete");
	sk_tsv_meta(t, "target", "%s%s", tgt.path, tgt.scratch ? " (scratch file, removed at exit)" : "");
	sk_tsv_meta(t, "target_bytes", "%llu", (unsigned long long)tgt.size);
	sk_tsv_meta(t, "rw", "%s", rw_names[opt.rw]);
	if (opt.rw == RW_RANDRW)
		sk_tsv_meta(t, "rwmixread_pct", "%d", opt.rwmixread);
	sk_tsv_meta(t, "bs_bytes", "%llu", (unsigned long long)opt.bs);
	sk_tsv_meta(t, "engine", "%s", engine_name());
	sk_tsv_meta(t, "iodepth", "%d", opt.iodepth);
	if (opt.engine == ENG_IO_URING)
		sk_tsv_meta(t, "submit", "%s", opt.batch_submit ? "batch (all free slots per call)" : "each I/O at once");
	sk_tsv_meta(t, "numjobs", "%d", opt.numjobs);
	sk_tsv_meta(t, "direct", "%d", opt.direct);
	sk_tsv_meta(t, "dio_align_bytes", "%u", tgt.dio_align);
	sk_tsv_meta(t, "invalidate", "%d", opt.invalidate);
	sk_tsv_meta(t, "mem", "%s", mem_names[opt.mem]);
	if (results[0].buf_pieces > 0)
		sk_tsv_meta(t, "buffer_pieces", "%d", results[0].buf_pieces);
	else if (results[0].buf_pieces < 0)
		sk_tsv_meta(t, "buffer_pieces", "unknown (pagemap frame numbers need CAP_SYS_ADMIN)");
	else
		sk_tsv_meta(t, "buffer_pieces", "unknown (/proc/self/pagemap could not be read)");
	sk_tsv_meta(t, "region_per_job", "%s", sk_fmt_size(tgt.size / opt.bs / (uint64_t)opt.numjobs * opt.bs, sz, sizeof(sz)));
	sk_tsv_meta(t, "randommap", "%d", is_random() && !opt.norandommap);
	sk_tsv_meta(t, "seed", "%llu", (unsigned long long)opt.seed);
	if (opt.io_size)
		sk_tsv_meta(t, "io_size_bytes_per_job", "%llu", (unsigned long long)opt.io_size);
	if (opt.runtime_s > 0)
		sk_tsv_meta(t, "runtime_s", "%g", opt.runtime_s);
	sk_tsv_meta(t, "ramp_s", "%g", opt.ramp_s);
	sk_tsv_meta(t, "fsync_every", "%llu", (unsigned long long)opt.fsync_every);
	sk_tsv_meta(t, "device", "%s", devv.have ? devv.name : "none");
	if (devv.have) {
		sk_tsv_meta(t, "device_disks", "%s", devv.disks);
		sk_tsv_meta(t, "device_model", "%s", devv.model);
		sk_tsv_meta(t, "device_scheduler", "%s", devv.scheduler);
		sk_tsv_meta(t, "device_rotational", "%s", devv.rotational);
		sk_tsv_meta(t, "device_read_ahead_kb", "%s", devv.read_ahead_kb);
		sk_tsv_meta(t, "device_nr_requests", "%s", devv.nr_requests);
		sk_tsv_meta(t, "device_logical_block_bytes", "%s", devv.logical_block);
	}
	sk_tsv_meta(t, "device_kind", "%s", devv.kind);
	for (int op = 0; op < NOPS; op++) {
		char key[48];
		if (dev_before.ok && dev_after.ok) {
			snprintf(key, sizeof(key), "device_%s_requests", op_names[op]);
			sk_tsv_meta(t, key, "%llu", (unsigned long long)(dev_after.ios[op] - dev_before.ios[op]));
			snprintf(key, sizeof(key), "device_%s_merges", op_names[op]);
			sk_tsv_meta(t, key, "%llu", (unsigned long long)(dev_after.merges[op] - dev_before.merges[op]));
			snprintf(key, sizeof(key), "device_%s_bytes", op_names[op]);
			sk_tsv_meta(t, key, "%llu", (unsigned long long)(dev_after.sectors[op] - dev_before.sectors[op]) * 512);
		}
		snprintf(key, sizeof(key), "issued_%s_bytes", op_names[op]);
		sk_tsv_meta(t, key, "%llu", (unsigned long long)total_issued(op));
	}
	if (dev_before.ok && dev_after.ok)
		sk_tsv_meta(t, "device_time_in_queue_ms", "%llu", (unsigned long long)(dev_after.queue_ms - dev_before.queue_ms));
	sk_tsv_meta(t, "wall_ns", "%llu", (unsigned long long)wall_ns);
	for (int op = 0; op < NOPS; op++) {
		char key[48];
		if (inv_bw[op][0]) {
			snprintf(key, sizeof(key), "invariant_bw_%s", op_names[op]);
			sk_tsv_meta(t, key, "%s", inv_bw[op]);
		}
		if (inv_dev[op][0]) {
			snprintf(key, sizeof(key), "invariant_device_%s", op_names[op]);
			sk_tsv_meta(t, key, "%s", inv_dev[op]);
		}
	}
	sk_tsv_meta(t, "invariant_little", "%s", inv_little);
	if (inv_queue[0])
		sk_tsv_meta(t, "invariant_device_queue", "%s", inv_queue);
	double cpu_ns = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
			((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
	sk_tsv_meta(t, "cpu_user_s", "%.3f", (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6);
	sk_tsv_meta(t, "cpu_sys_s", "%.3f", (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	sk_tsv_meta(t, "cpu_ns_per_io", "%.0f", total_ios() ? cpu_ns / (double)total_ios() : 0.0);
	sk_tsv_meta(t, "latency", "ns from submission to completion as the job saw it; histogram "
		    "exact below 128 ns, 64 buckets per power of two above; a percentile needs "
		    "10/(1-p) samples, else n/a");
}

static void write_tsv(void)
{
	struct sk_tsv t;
	sk_tsv_open(&t, opt.out);
	tsv_meta_all(&t);
	sk_tsv_header(&t, "job\trw\top\tbs_bytes\tiodepth\tnumjobs\tios\tbytes\telapsed_ns\tiops\t"
			  "bw_bytes_per_s\tlat_min_ns\tlat_mean_ns\tlat_p50_ns\tlat_p90_ns\tlat_p99_ns\t"
			  "lat_p999_ns\tlat_p9999_ns\tlat_max_ns\tinflight_mean");
	for (int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		char p[NPCT][32];
		for (size_t k = 0; k < NPCT; k++)
			fmt_pct(r->s, pct_p[k], p[k], sizeof(p[k]), false);
		sk_tsv_row(&t, "%s\t%s\t%s\t%llu\t%d\t%d\t%llu\t%llu\t%llu\t%.1f\t%.0f\t%llu\t%.0f\t%s\t%s\t%s\t%s\t%s\t%llu\t%.3f",
			   r->job, rw_names[opt.rw], op_names[r->op], (unsigned long long)opt.bs, opt.iodepth,
			   opt.numjobs, (unsigned long long)r->s->ios, (unsigned long long)r->s->bytes,
			   (unsigned long long)r->elapsed_ns, r->iops, r->bw, (unsigned long long)r->s->lat_min,
			   r->lat_mean, p[0], p[1], p[2], p[3], p[4], (unsigned long long)r->s->lat_max, r->inflight);
	}
	if (sk_tsv_close(&t))
		exit(SK_EXIT_FAIL);
}

static void write_hist(void)
{
	struct sk_tsv t;
	sk_tsv_open_opt(&t, opt.hist_out, "--hist");
	sk_tsv_meta(&t, "what", "latency histogram: count of I/Os with lat_lo_ns <= latency < lat_hi_ns");
	sk_tsv_meta(&t, "rw", "%s", rw_names[opt.rw]);
	sk_tsv_meta(&t, "bs_bytes", "%llu", (unsigned long long)opt.bs);
	sk_tsv_meta(&t, "iodepth", "%d", opt.iodepth);
	sk_tsv_header(&t, "job\top\tlat_lo_ns\tlat_hi_ns\tcount");
	for (int i = 0; i < nrows; i++)
		for (unsigned b = 0; b < HIST_N; b++)
			if (rows[i].s->hist[b])
				sk_tsv_row(&t, "%s\t%s\t%llu\t%llu\t%llu", rows[i].job, op_names[rows[i].op],
					   (unsigned long long)hist_lo(b), (unsigned long long)(hist_lo(b) + hist_width(b)),
					   (unsigned long long)rows[i].s->hist[b]);
	if (sk_tsv_close(&t))
		exit(SK_EXIT_FAIL);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void write_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		sk_die_errno("open_memstream");
	char stamp[32];
	char pieces[16] = "null";   /* unknown */
	if (results[0].buf_pieces > 0)
		snprintf(pieces, sizeof(pieces), "%d", results[0].buf_pieces);
	fprintf(f, "{\n  \"schema\": \"shikumi.io/1\",\n  \"program\": \"io\",\n  \"version\": \"%s\",\n",
		SK_VERSION);
	fprintf(f, "  \"date\": \"%s\",\n  \"command\": ", sk_utc_stamp(stamp, sizeof(stamp)));
	json_str(f, sk_cmdline());
	fprintf(f, ",\n  \"status\": \"%s\",\n", interrupted() ? "interrupted" : "complete");
	fprintf(f, "  \"params\": {\"rw\": \"%s\", \"bs_bytes\": %llu, \"engine\": \"%s\", \"iodepth\": %d, "
		"\"batch_submit\": %s, \"numjobs\": %d, \"direct\": %s, \"runtime_s\": %g, \"io_size_bytes\": %llu, \"ramp_s\": %g, "
		"\"seed\": %llu, \"randommap\": %s, \"fsync_every\": %llu, \"mem\": \"%s\", \"buffer_pieces\": %s},\n",
		rw_names[opt.rw], (unsigned long long)opt.bs, engine_name(), opt.iodepth,
		opt.batch_submit ? "true" : "false", opt.numjobs,
		opt.direct ? "true" : "false", opt.runtime_s, (unsigned long long)opt.io_size,
		opt.ramp_s, (unsigned long long)opt.seed, is_random() && !opt.norandommap ? "true" : "false",
		(unsigned long long)opt.fsync_every, mem_names[opt.mem], pieces);
	fprintf(f, "  \"target\": {\"path\": ");
	json_str(f, tgt.path);
	fprintf(f, ", \"bytes\": %llu, \"block_device\": %s, \"scratch\": %s, \"dio_align_bytes\": %u},\n",
		(unsigned long long)tgt.size, tgt.is_bdev ? "true" : "false", tgt.scratch ? "true" : "false",
		tgt.dio_align);
	fprintf(f, "  \"device\": {\"name\": ");
	json_str(f, devv.have ? devv.name : "");
	fprintf(f, ", \"kind\": ");
	json_str(f, devv.kind);
	if (devv.have) {
		fprintf(f, ", \"disks\": ");
		json_str(f, devv.disks);
		fprintf(f, ", \"model\": ");
		json_str(f, devv.model);
		fprintf(f, ", \"scheduler\": ");
		json_str(f, devv.scheduler);
		fprintf(f, ", \"rotational\": ");
		json_str(f, devv.rotational);
		fprintf(f, ", \"read_ahead_kb\": ");
		json_str(f, devv.read_ahead_kb);
	}
	if (dev_before.ok && dev_after.ok)
		for (int op = 0; op < NOPS; op++)
			fprintf(f, ", \"%s_requests\": %llu, \"%s_merges\": %llu, \"%s_bytes\": %llu", op_names[op],
				(unsigned long long)(dev_after.ios[op] - dev_before.ios[op]), op_names[op],
				(unsigned long long)(dev_after.merges[op] - dev_before.merges[op]), op_names[op],
				(unsigned long long)(dev_after.sectors[op] - dev_before.sectors[op]) * 512);
	fprintf(f, "},\n  \"results\": [");
	for (int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		fprintf(f, "%s\n    {\"job\": \"%s\", \"op\": \"%s\", \"ios\": %llu, \"bytes\": %llu, "
			"\"elapsed_ns\": %llu, \"iops\": %.1f, \"bw_bytes_per_s\": %.0f, \"inflight_mean\": %.3f, "
			"\"lat_ns\": {\"min\": %llu, \"mean\": %.0f, \"max\": %llu, \"percentiles\": {",
			i ? "," : "", r->job, op_names[r->op], (unsigned long long)r->s->ios,
			(unsigned long long)r->s->bytes, (unsigned long long)r->elapsed_ns, r->iops, r->bw,
			r->inflight, (unsigned long long)r->s->lat_min, r->lat_mean, (unsigned long long)r->s->lat_max);
		for (size_t k = 0; k < NPCT; k++) {
			char v[32];
			fmt_pct(r->s, pct_p[k], v, sizeof(v), true);
			fprintf(f, "%s\"%g\": %s", k ? ", " : "", pct_p[k], v);
		}
		fprintf(f, "}}}");
	}
	fprintf(f, "\n  ],\n  \"invariants\": {\"little\": ");
	json_str(f, inv_little);
	for (int op = 0; op < NOPS; op++) {
		if (inv_bw[op][0]) {
			fprintf(f, ", \"bw_%s\": ", op_names[op]);
			json_str(f, inv_bw[op]);
		}
		if (inv_dev[op][0]) {
			fprintf(f, ", \"device_%s\": ", op_names[op]);
			json_str(f, inv_dev[op]);
		}
	}
	fprintf(f, "},\n  \"cpu\": {\"user_s\": %.3f, \"sys_s\": %.3f}\n}\n",
		sk_tv_ms(ru.ru_utime) / 1e3, sk_tv_ms(ru.ru_stime) / 1e3);
	if (fclose(f))
		sk_die_errno("open_memstream");
	struct sk_pub pub;   /* written as the -o TSV is: atomically, never over a device */
	sk_publish_plan(&pub, "--json", opt.json_out);
	bool ok = sk_publish_open(&pub) >= 0 && sk_write_fd(pub.fd, buf) == 0;
	if (!ok)
		sk_warn_errno("write %s", sk_publish_writing(&pub));
	free(buf);
	if (sk_publish_close(&pub, ok) != 0 || !ok)
		exit(SK_EXIT_FAIL);
}

static void fmt_ns(double ns, char *buf, size_t len)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

static void summary_to_stderr(void)
{
	char sz[32];
	for (int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		if (strcmp(r->job, "all"))
			continue;
		char mean[32], p50[32], p99[32];
		uint64_t v;
		fmt_ns(r->lat_mean, mean, sizeof(mean));
		if (percentile(r->s, 50, &v))
			fmt_ns((double)v, p50, sizeof(p50));
		else
			snprintf(p50, sizeof(p50), "n/a");
		if (percentile(r->s, 99, &v))
			fmt_ns((double)v, p99, sizeof(p99));
		else
			snprintf(p99, sizeof(p99), "n/a (%llu samples < 1000)", (unsigned long long)r->s->ios);
		sk_note("%s %s %s x%d QD%d %s%s: %.0f IOPS, %.1f MiB/s, latency mean %s, p50 %s, p99 %s",
			rw_names[opt.rw], op_names[r->op], sk_fmt_size(opt.bs, sz, sizeof(sz)), opt.numjobs,
			opt.iodepth, engine_name(), opt.direct ? " direct" : " buffered", r->iops,
			r->bw / (double)SK_MIB, mean, p50, p99);
	}
	for (int op = 0; op < NOPS; op++) {
		if (inv_bw[op][0])
			sk_note("check %s", inv_bw[op]);
		if (inv_dev[op][0])
			sk_note("check %s", inv_dev[op]);
	}
	sk_note("check Little's law: %s", inv_little);
	if (opt.direct && results[0].buf_pieces > 1)
		sk_note("buffer (--mem %s): each %s buffer lies in %d physically contiguous pieces, so a "
			"direct I/O reaches the device as up to %d segments (--mem hugetlb or thp: fewer)",
			mem_names[opt.mem], sk_fmt_size(opt.bs, sz, sizeof(sz)), results[0].buf_pieces,
			results[0].buf_pieces);
	if (inv_queue[0])
		sk_note("check %s", inv_queue);
	if (interrupted())
		sk_note("interrupted: the numbers above cover only the time before the signal");
}

/* ---- the target: set up, check, fill ------------------------------------------------------ */

static const char *align_source = "";

static void find_alignment(int fd)
{
	tgt.dio_align = 512;
	tgt.mem_align = (unsigned)sk_page_size();
	if (tgt.is_bdev) {
		int lbs = 0;
		if (ioctl(fd, BLKSSZGET, &lbs) == 0 && lbs > 0) {
			tgt.dio_align = (unsigned)lbs;
			align_source = "BLKSSZGET";
		}
		return;
	}
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN)) {
		if (!sx.stx_dio_offset_align) {
			if (opt.direct)
				sk_skip("%s: the filesystem does not support O_DIRECT (statx: no DIO alignment)",
					tgt.path);
			return;
		}
		tgt.dio_align = sx.stx_dio_offset_align;
		if (sx.stx_dio_mem_align > tgt.mem_align)
			tgt.mem_align = sx.stx_dio_mem_align;
		align_source = "statx STATX_DIOALIGN";
		return;
	}
	/* kernel < 6.1: the device's logical block size */
	char dir[PATH_MAX];
	long long lbs;
	if (tgt.dev && sys_dir(tgt.dev, dir, sizeof(dir))) {
		whole_disk(dir);
		char p[PATH_MAX + 40];
		snprintf(p, sizeof(p), "%s/queue/logical_block_size", dir);
		if (sk_read_ll(p, &lbs) == 0 && lbs > 0) {
			tgt.dio_align = (unsigned)lbs;
			align_source = "sysfs logical_block_size";
		}
	}
}

static uint64_t bdev_size(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t n = 0;
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &n))
		sk_die_errno("size of %s", path);
	close(fd);
	return n;
}

/* A named target: it must exist; a block device passes check_block_device. */
static void named_target(void)
{
	struct stat st;
	tgt.path = opt.filename;
	if (stat(opt.filename, &st)) {
		char why[128];
		snprintf(why, sizeof(why), "%s (%s)", sk_errno_name(errno), strerror(errno));
		sk_bad_arg("--filename", opt.filename, why);
	}
	if (S_ISBLK(st.st_mode)) {
		check_block_device(opt.filename, &st);
		tgt.is_bdev = true;
		tgt.dev = st.st_rdev;
		tgt.size = bdev_size(opt.filename);
	} else if (S_ISREG(st.st_mode)) {
		if (does_write() && !opt.confirm)
			sk_bad_arg("--filename", opt.filename, "a write job would overwrite this file: "
				   "add --i-understand-this-destroys-data, or leave out --filename for a scratch file");
		tgt.dev = st.st_dev;
		tgt.size = (uint64_t)st.st_size;
		if (!tgt.size)
			sk_bad_arg("--filename", opt.filename, "the file is empty (io does not extend named files)");
	} else {
		sk_bad_arg("--filename", opt.filename, "not a regular file or block device");
	}
	if (opt.size_given) {
		if (opt.size > tgt.size) {
			char a[32], why[160];
			snprintf(why, sizeof(why), "larger than %s (%s)", opt.filename, sk_fmt_size(tgt.size, a, sizeof(a)));
			sk_bad_arg("--size", opt.size_arg, why);
		}
		tgt.size = opt.size;
	}
}

/* The scratch file: created empty here (so that its alignment can be asked),
 * filled only after every argument has been checked. */
static uint64_t free_before;

static void scratch_target(void)
{
	if (opt.dir) {
		struct stat st;
		if (stat(opt.dir, &st) || !S_ISDIR(st.st_mode))
			sk_bad_arg("--dir", opt.dir, errno == ENOENT ? "no such directory" : "not a directory");
	}
	tgt.size = opt.size_given ? opt.size : opt.quick ? QUICK_SIZE : DEFAULT_SIZE;
	const char *dir = sk_scratch_dir(opt.dir);
	struct statvfs vfs;
	if (statvfs(dir, &vfs))
		sk_die_errno("statvfs %s", dir);
	char base[PATH_MAX];
	snprintf(base, sizeof(base), "%s", dir);
	*strrchr(base, '/') = '\0';
	free_before = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (free_before < tgt.size + FREE_RESERVE) {
		char a[32], b[32], c[32], why[256], v[32];
		snprintf(why, sizeof(why), "a %s scratch file needs %s free in %.200s (%s reserve), only %s is",
			 sk_fmt_size(tgt.size, a, sizeof(a)), sk_fmt_size(tgt.size + FREE_RESERVE, b, sizeof(b)),
			 base, sk_fmt_size(FREE_RESERVE, c, sizeof(c)), sk_fmt_size(free_before, v, sizeof(v)));
		snprintf(v, sizeof(v), "%llu", (unsigned long long)tgt.size);
		sk_bad_arg("--size", opt.size_arg ? opt.size_arg : v, why);
	}
	tgt.path = sk_scratch_path("io.data");
	tgt.scratch = true;
	int fd = open(tgt.path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		sk_die_errno("open %s", tgt.path);
	struct stat st;
	if (fstat(fd, &st))
		sk_die_errno("stat %s", tgt.path);
	tgt.dev = st.st_dev;
	close(fd);
}

static void fill_scratch(void)
{
	char a[32], b[32];
	sk_note("scratch file %s: %s (free space before: %s; removed at exit)", tgt.path,
		sk_fmt_size(tgt.size, a, sizeof(a)), sk_fmt_size(free_before, b, sizeof(b)));
	int fd = open(tgt.path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		sk_die_errno("open %s", tgt.path);
	int e = posix_fallocate(fd, 0, (off_t)tgt.size);
	if (e && e != EOPNOTSUPP && e != EINVAL) {
		errno = e;
		sk_die_errno("fallocate %s (%s)", tgt.path, sk_fmt_size(tgt.size, a, sizeof(a)));
	}
	char *buf = malloc(FILL_CHUNK);
	if (!buf)
		sk_die("out of memory");
	fill_pattern(buf, FILL_CHUNK, opt.seed ^ 0x5eed);
	for (uint64_t off = 0; off < tgt.size;) {
		size_t n = tgt.size - off < FILL_CHUNK ? (size_t)(tgt.size - off) : FILL_CHUNK;
		for (size_t k = 0; k + 8 <= n; k += 4096) {   /* every 4 KiB block its own */
			uint64_t tag = (off + k) ^ 0xA5A5A5A5A5A5A5A5ull;
			memcpy(buf + k, &tag, 8);
		}
		ssize_t w = pwrite(fd, buf, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			sk_die_errno("write %s", tgt.path);
		off += (uint64_t)w;
	}
	if (fsync(fd))
		sk_die_errno("fsync %s", tgt.path);
	close(fd);
	free(buf);
}

/* Buffered runs start cold, as fio's invalidate=1 does: the target's pages
 * leave the page cache (no privilege needed; other files stay). */
static void invalidate_cache(void)
{
	if (opt.direct || !opt.invalidate)
		return;
	int fd = open(tgt.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		sk_die_errno("open %s", tgt.path);
	if (fdatasync(fd) && errno != EINVAL)
		sk_die_errno("fdatasync %s", tgt.path);
	int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (e)
		sk_warn("posix_fadvise DONTNEED %s: %s", tgt.path, sk_errno_name(e));
	close(fd);
}

/* ---- main ------------------------------------------------------------------------------------ */

/* The options, by section of the help; parse_args joins them into one table.
 * A help line that goes on continues under its start (MORE). */
#define MORE SK_USAGE_MORE
enum {
	OPT_FILENAME = 1, OPT_RW, OPT_RWMIX, OPT_RUNTIME, OPT_IOSIZE, OPT_RAMP, OPT_DIRECT, OPT_INVALIDATE,
	OPT_FSYNC, OPT_SEED, OPT_NORANDOMMAP, OPT_ENGINE, OPT_IODEPTH, OPT_HIST, OPT_JSON, OPT_CONFIRM, OPT_QUIET,
	OPT_BATCH, OPT_MEM
};
static const struct sk_opt target_opts[] = {
	{SK_LONG(OPT_FILENAME), "filename", "PATH", "an existing file or block device (default: a scratch file"
	 MORE "io creates, fills and removes; see --dir, --size)"},
	{'D', "dir", "DIR", "where the scratch file goes (default $TMPDIR, else /var/tmp)"},
	{'s', "size", "SIZE", "bytes of the target to use (scratch default 512M, quick 64M;"
	 MORE "a named target: all of it)"},
	{SK_LONG(OPT_CONFIRM), "i-understand-this-destroys-data", NULL,
	 MORE "needed to write to a named file, and to use a block device at"
	 MORE "all (refused anyway: mounted, in use, a filesystem or partition"
	 MORE "table on it, or the disk that holds /)"},
	{0}};
static const struct sk_opt workload_opts[] = {
	{SK_LONG(OPT_RW), "rw", "RW", "read, write, randread, randwrite, randrw (default randread)"},
	{SK_LONG(OPT_RWMIX), "rwmixread", "PCT", "randrw: share of reads, 0..100 (default 50)"},
	{'b', "bs", "SIZE", "bytes per I/O, 512..64M (default 4K)"},
	{SK_LONG(OPT_RUNTIME), "runtime", "SEC", "measure for SEC seconds (default 5, quick 1, unless --io-size)"},
	{SK_LONG(OPT_IOSIZE), "io-size", "SIZE", "each job moves SIZE bytes, then stops (with --runtime:"
	 MORE "whichever comes first)"},
	{SK_LONG(OPT_RAMP), "ramp", "SEC", "run SEC seconds first without counting (default 0)"},
	{SK_LONG(OPT_DIRECT), "direct", NULL, "O_DIRECT: bypass the page cache (bs aligned to the target's"
	 MORE "direct I/O alignment, from statx or BLKSSZGET)"},
	{SK_LONG(OPT_INVALIDATE), "invalidate", "0|1", "buffered: drop the target from the page cache first (default 1)"},
	{'n', "numjobs", "N", "processes, each on its own region, 1.." SK_STR(MAX_NUMJOBS) " (default 1)"},
	{SK_LONG(OPT_FSYNC), "fsync", "N", "fsync after every N writes (default 0: never)"},
	{SK_LONG(OPT_SEED), "seed", "N", "random offsets seed (default 1)"},
	{SK_LONG(OPT_NORANDOMMAP), "norandommap", NULL, "random offsets may repeat (default: each pass visits every"
	 MORE "block once)"},
	{SK_LONG(OPT_ENGINE), "engine", "ENGINE", "psync (pread/pwrite, one I/O in flight) or io_uring (default:"
	 MORE "psync at iodepth 1, io_uring above)"},
	{SK_LONG(OPT_IODEPTH), "iodepth", "N", "I/Os in flight per job, 1.." SK_STR(MAX_IODEPTH) " (io_uring only; default 1)"},
	{SK_LONG(OPT_BATCH), "batch-submit", NULL, "io_uring: submit all free slots in one call (default: each"
	 MORE "I/O as soon as its slot is free, as fio does)"},
	{SK_LONG(OPT_MEM), "mem", "KIND", "the I/O buffers: malloc (default, as fio's), thp (madvised"
	 MORE "transparent huge pages) or hugetlb (MAP_HUGETLB: needs"
	 MORE "vm.nr_hugepages); a direct I/O reaches the device as one"
	 MORE "segment per physically contiguous piece of its buffer"},
	{0}};
static const struct sk_opt output_opts[] = {
	{SK_LONG(OPT_HIST), "hist", "FILE", "the latency histograms as TSV"},
	{SK_LONG(OPT_JSON), "json", "FILE", "everything as JSON (schema shikumi.io/1)"},
	{SK_LONG(OPT_QUIET), "quiet", NULL, "no summary on stderr (the TSV carries it all)"},
	{0}};
#define STD_OPTS (SK_STD_Q | SK_STD_O)

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "Time reads and writes (a small fio); latency percentiles, what the device moved,\n"
	       "and three invariants checked. TSV to stdout, messages to stderr.\n\n",
	       sk_prog);
	printf("Target:\n");
	sk_opts_usage(stdout, target_opts);
	printf("Workload:\n");
	sk_opts_usage(stdout, workload_opts);
	printf("Output:\n");
	sk_opts_usage(stdout, output_opts);
	sk_std_usage(stdout, STD_OPTS);
	printf("\n-q: a smaller scratch file (64M), 1 s runs.\n"
	       "Columns: job rw op bs_bytes iodepth numjobs ios bytes elapsed_ns iops bw_bytes_per_s\n"
	       "lat_min_ns lat_mean_ns lat_p50_ns lat_p90_ns lat_p99_ns lat_p999_ns lat_p9999_ns\n"
	       "lat_max_ns inflight_mean; job 'all' is the total. Ctrl-C stops the jobs and prints what\n"
	       "they measured so far, marked '# status: interrupted'.\n"
	       "Examples:\n"
	       "  %1$s -q --rw randread --direct\n"
	       "  %1$s --rw randread --direct --iodepth 32 --runtime 10 --hist hist.tsv\n"
	       "  %1$s --rw read -b 1M --filename big.file\n",
	       sk_prog);
}

/* A file named by an option: refused now (exit 2 naming it), not after the run. */
static void probe_output(const char *opt_name, const char *path)
{
	struct sk_pub p;
	if (!path || !strcmp(path, "-"))
		return;
	sk_publish_plan(&p, opt_name, path);
	sk_publish_probe(&p);
}

static void parse_args(int argc, char **argv)
{
	static struct sk_opt opts[SK_ARRAY_LEN(target_opts) + SK_ARRAY_LEN(workload_opts) + SK_ARRAY_LEN(output_opts)];
	const struct sk_opt *sections[] = {target_opts, workload_opts, output_opts};
	size_t n = 0;
	for (size_t i = 0; i < SK_ARRAY_LEN(sections); i++)
		for (const struct sk_opt *o = sections[i]; o->key; o++)
			opts[n++] = *o;
	struct sk_std std = {0};
	bool runtime_given = false;
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(OPT_FILENAME): opt.filename = optarg; if (!*optarg) sk_bad_arg("--filename", optarg, "empty"); break;
		case 'D': opt.dir = optarg; break;
		case 's': opt.size = sk_parse_size(optarg, "--size", 4 * SK_KIB, UINT64_C(1) << 40); opt.size_given = true; opt.size_arg = optarg; break;
		case SK_LONG(OPT_RW): opt.rw = (enum rw)sk_parse_choice(optarg, "--rw", rw_names); break;
		case SK_LONG(OPT_RWMIX): opt.rwmixread = sk_parse_int(optarg, "--rwmixread", 0, 100); break;
		case 'b': opt.bs = sk_parse_size(optarg, "--bs", 512, 64 * SK_MIB); opt.bs_arg = optarg; break;
		case SK_LONG(OPT_RUNTIME): opt.runtime_s = sk_parse_double(optarg, "--runtime", 0.01, 86400); runtime_given = true; break;
		case SK_LONG(OPT_IOSIZE): opt.io_size = sk_parse_size(optarg, "--io-size", 512, UINT64_C(1) << 50); break;
		case SK_LONG(OPT_RAMP): opt.ramp_s = sk_parse_double(optarg, "--ramp", 0, 3600); break;
		case SK_LONG(OPT_DIRECT): opt.direct = true; break;
		case SK_LONG(OPT_INVALIDATE): opt.invalidate = sk_parse_int(optarg, "--invalidate", 0, 1); break;
		case 'n': opt.numjobs = sk_parse_int(optarg, "--numjobs", 1, MAX_NUMJOBS); break;
		case SK_LONG(OPT_FSYNC): opt.fsync_every = (uint64_t)sk_parse_ll(optarg, "--fsync", 0, INT_MAX); break;
		case SK_LONG(OPT_SEED): opt.seed = (uint64_t)sk_parse_ll(optarg, "--seed", 0, LLONG_MAX); break;
		case SK_LONG(OPT_NORANDOMMAP): opt.norandommap = true; break;
		case SK_LONG(OPT_ENGINE): opt.engine = sk_parse_choice(optarg, "--engine", engine_names); break;
		case SK_LONG(OPT_IODEPTH): opt.iodepth = sk_parse_int(optarg, "--iodepth", 1, MAX_IODEPTH); break;
		case SK_LONG(OPT_HIST): opt.hist_out = optarg; break;
		case SK_LONG(OPT_JSON): opt.json_out = optarg; break;
		case SK_LONG(OPT_CONFIRM): opt.confirm = true; break;
		case SK_LONG(OPT_QUIET): opt.quiet = true; break;
		case SK_LONG(OPT_BATCH): opt.batch_submit = true; break;
		case SK_LONG(OPT_MEM): opt.mem = (enum mem)sk_parse_choice(optarg, "--mem", mem_names); break;
		default: sk_usage_hint();
		}
	}
	opt.quick = std.quick;
	opt.out = std.out;
	sk_no_operands(argc, argv);
	if (!runtime_given && !opt.io_size)
		opt.runtime_s = opt.quick ? QUICK_RUNTIME_S : DEFAULT_RUNTIME_S;
	if (opt.engine == ENG_PSYNC && opt.iodepth > 1) {
		char v[16];
		snprintf(v, sizeof(v), "%d", opt.iodepth);
		sk_bad_arg("--iodepth", v, "the psync engine keeps one I/O in flight: use --engine io_uring "
			   "for a deeper queue");
	}
	if (opt.engine < 0)
		opt.engine = opt.iodepth > 1 ? ENG_IO_URING : ENG_PSYNC;
	if (opt.batch_submit && opt.engine != ENG_IO_URING)
		sk_usage_error("--batch-submit: the psync engine submits one I/O at a time (use --iodepth N > 1 "
			       "or --engine io_uring)");
	if (opt.filename && opt.dir)
		sk_usage_error("--dir names where the scratch file goes: not with --filename");
	if (opt.fsync_every && !does_write())
		sk_usage_error("--fsync N: the %s workload writes nothing", rw_names[opt.rw]);
	uint64_t bufs = opt.bs * (uint64_t)opt.iodepth * (uint64_t)opt.numjobs;
	char v[32];
	snprintf(v, sizeof(v), "%d", opt.iodepth);
	sk_check_mem_bound(bufs, "--iodepth", v);
	probe_output("--output", opt.out);
	probe_output("--hist", opt.hist_out);
	probe_output("--json", opt.json_out);
}

/* --mem hugetlb: are there enough free huge pages for every job? If not, a
 * SKIP with what is missing (reserving them is the administrator's choice). */
static void check_hugetlb(void)
{
	struct sk_meminfo m;
	long long nfree = sk_read_meminfo(&m) == 0 ? m.hugepages_free : -1;
	long long rsvd = nfree >= 0 && m.hugepages_rsvd > 0 ? m.hugepages_rsvd : 0;
	if (nfree < 0)
		sk_skip("--mem hugetlb: this kernel has no hugetlb pages (no HugePages_Free in /proc/meminfo)");
	nfree -= rsvd;   /* free but promised to other mappings */
	size_t huge = hugepage_bytes(), stride = buf_stride();
	long long per_job = (long long)((stride * (size_t)opt.iodepth + huge - 1) / huge);
	long long need = per_job * opt.numjobs;
	if (nfree < need)
		sk_skip("--mem hugetlb needs %lld huge page%s of %zu KiB, and %lld are free and unreserved "
			"(HugePages_Free - HugePages_Rsvd; as root: raise vm.nr_hugepages by %lld)", need,
			need > 1 ? "s" : "", huge / 1024, nfree, need - nfree);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	parse_args(argc, argv);
#ifndef HAVE_LIBURING
	if (opt.engine == ENG_IO_URING)
		sk_skip("this io was built without liburing (install liburing-dev and run make): "
			"the io_uring engine, and with it --iodepth > 1, is not available");
#endif
	if (opt.filename)
		named_target();
	else
		scratch_target();
	char a[32], b[32];
	if (opt.bs > tgt.size) {
		char why[96];
		snprintf(why, sizeof(why), "larger than the target size %s", sk_fmt_size(tgt.size, b, sizeof(b)));
		sk_bad_arg("--bs", opt.bs_arg, why);
	}
	if (tgt.size / opt.bs < (uint64_t)opt.numjobs) {
		char v[16], why[128];
		snprintf(v, sizeof(v), "%d", opt.numjobs);
		snprintf(why, sizeof(why), "each job needs at least one block: the target holds only %llu",
			 (unsigned long long)(tgt.size / opt.bs));
		sk_bad_arg("--numjobs", v, why);
	}
	int fd = open(tgt.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		sk_die_errno("open %s", tgt.path);
	find_alignment(fd);
	close(fd);
	if (opt.direct && opt.bs % tgt.dio_align) {
		char why[160];
		snprintf(why, sizeof(why), "direct I/O needs a multiple of %u bytes here (%s)", tgt.dio_align,
			 align_source);
		sk_bad_arg("--bs", opt.bs_arg, why);
	}
	if (opt.mem == MEM_HUGETLB)
		check_hugetlb();
	/* Every argument is good: from here on we may write. */
	if (tgt.scratch)
		fill_scratch();
	device_view();
	invalidate_cache();
	if (!opt.quiet)
		sk_note("%s %s, %s, %d job%s x QD%d (%s), %s on %s%s", rw_names[opt.rw],
		sk_fmt_size(opt.bs, a, sizeof(a)), opt.direct ? "direct" : "buffered", opt.numjobs,
		opt.numjobs > 1 ? "s" : "", opt.iodepth, engine_name(), sk_fmt_size(tgt.size, b, sizeof(b)),
		devv.have ? devv.name : "no block device", tgt.scratch ? " (scratch file)" : "");
	run_jobs();
	collect();
	invariants();
	write_tsv();
	if (opt.hist_out)
		write_hist();
	if (opt.json_out)
		write_json();
	if (!opt.quiet)
		summary_to_stderr();
	if (g_stop)
		exit(128 + g_stop);   /* the cleanup hooks run at exit */
	return 0;
}
