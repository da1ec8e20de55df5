/*
 * mem-limit - a memory limit, kept inside its group. A child process runs in
 * a fresh cgroup and touches memory step by step, reading the group's charge
 * (memory.current / memory.usage_in_bytes) after each step. Modes:
 *
 *   oom     memory.max / memory.limit_in_bytes = LIMIT, touch 2 x LIMIT: the
 *           child is OOM-killed inside the group (memory.events oom_kill,
 *           memory.oom_control oom_kill, failcnt); the host's other processes
 *           are untouched (/proc/vmstat oom_kill rises by the group's count)
 *   high    (v2 only) memory.high = LIMIT, memory.max = 2 x LIMIT as a safety
 *           net, touch 1.5 x LIMIT: above "high" the kernel throttles the child
 *           (slower steps, memory.events high, PSI memory.pressure) instead of
 *           killing it
 *   cache   memory.max = LIMIT, read a 2 x LIMIT file (written and evicted from
 *           the page cache beforehand): page cache is charged to the group and
 *           reclaimed at the limit, so the read completes and the charge stays
 *           at the limit
 *   charge  no limit that binds (LIMIT = touched + 64 MiB): the charge the
 *           group reports vs the bytes touched
 * Swap is switched off for the group where the kernel has the file, so the
 * limit means reclaim or OOM, never swapping. LIMIT must be at least 16 MiB
 * and at most half of MemAvailable, so the host's OOM killer is never woken.
 *
 * Usage: mem-limit [-m oom|high|cache|charge] [--limit SIZE] [-s SIZE] [-D DIR] [-q] [-o FILE]
 * Try:   sudo ./mem-limit -m oom --limit 32M | column -t
 */
#include "shikumi.h"
#include "ch12.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MAX_ROWS 8192
#define DEFAULT_LIMIT (64 * SK_MIB)
#define CHARGE_HEADROOM (64 * SK_MIB)   /* charge mode: a limit that never binds */
#define HIGH_DEADLINE_MS 8000            /* high mode: stop the throttled child by then */

enum mode { M_OOM, M_HIGH, M_CACHE, M_CHARGE };
static const char *const mode_names[] = {"oom", "high", "cache", "charge", NULL};

static const struct sk_opt opts[] = {
	{'m', "mode", "MODE", "oom | high | cache | charge (default oom)"},
	{SK_LONG(1), "limit", "SIZE", "the group's limit, >= 16M, <= MemAvailable/2 (default 64M)"},
	{'s', "size", "SIZE", "bytes to touch (default: oom 2xLIMIT, high 1.5xLIMIT, charge 64M)"},
	{'D', "dir", "DIR", "scratch directory for cache mode (default $TMPDIR, /var/tmp)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[-m oom|high|cache|charge] [--limit SIZE] [-s SIZE] [-D DIR] [-q] [-o FILE]", opts, SK_STD_Q | SK_STD_O,
		      "A child in a memory-limited cgroup touches memory step by step; the group's\n"
		      "charge after each step, and how the limit was kept (OOM kill, throttling, reclaim).");
	printf("\nNeeds root (or a delegated cgroup subtree); otherwise exits 4 (SKIP). high needs cgroup v2.\n"
	       "Output columns: mode step touched_bytes elapsed_ms charge_bytes\n"
	       "  (preamble: limit, outcome, oom_kill, max_events, high_events, peak, ...)\n"
	       "Example: %s -m oom --limit 32M\n", sk_prog);
}

struct row {
	uint64_t touched;
	uint64_t t_ns;
	int64_t charge;
};
struct shared {
	volatile int n;
	volatile int done;
	struct row rows[MAX_ROWS];
};

static long long read_charge(const char *path)
{
	long long v;
	return sk_read_ll(path, &v) ? -1 : v;
}

/* The child: touch SIZE bytes of anonymous memory in STEP pieces. */
SK_NORETURN static void child_touch(struct shared *sh, const char *charge_path, uint64_t size, uint64_t step,
				    uint64_t deadline_ns)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	madvise(p, size, MADV_NOHUGEPAGE);   /* 4 KiB pages: the charge follows the bytes touched */
	long pg = sk_page_size();
	uint64_t t0 = sk_now_ns();
	for (uint64_t off = 0; off < size && sh->n < MAX_ROWS;) {
		uint64_t end = off + step < size ? off + step : size;
		for (; off < end; off += (uint64_t)pg)
			p[off] = 1;
		struct row *r = &sh->rows[sh->n];
		r->touched = end;
		r->t_ns = sk_now_ns() - t0;
		r->charge = read_charge(charge_path);
		SK_BARRIER();
		sh->n = sh->n + 1;
		if (deadline_ns && sk_now_ns() > deadline_ns)
			break;
	}
	sh->done = 1;
	_exit(0);
}

/* The child: read FILE in STEP pieces (page cache charged to the group). */
SK_NORETURN static void child_read(struct shared *sh, const char *charge_path, const char *file, uint64_t step)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(3);
	char *buf = malloc(SK_MIB);
	if (!buf)
		_exit(3);
	uint64_t t0 = sk_now_ns(), total = 0, next = step;
	ssize_t n;
	while ((n = read(fd, buf, SK_MIB)) > 0) {
		total += (uint64_t)n;
		if (total >= next && sh->n < MAX_ROWS) {
			struct row *r = &sh->rows[sh->n];
			r->touched = total;
			r->t_ns = sk_now_ns() - t0;
			r->charge = read_charge(charge_path);
			SK_BARRIER();
			sh->n = sh->n + 1;
			next += step;
		}
	}
	sh->done = n == 0;
	_exit(n == 0 ? 0 : 4);
}

static void write_scratch_file(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		sk_die_errno("create %s", path);
	char *buf = malloc(SK_MIB);
	if (!buf)
		sk_die("out of memory");
	memset(buf, 'x', SK_MIB);
	for (uint64_t done = 0; done < size; done += SK_MIB)
		if (write(fd, buf, SK_MIB) != (ssize_t)SK_MIB)
			sk_die_errno("write %s", path);
	free(buf);
	/* Out of the page cache again: a page is charged to the group that
	 * brings it in, and it must be the child's. */
	if (fsync(fd))
		sk_die_errno("fsync %s", path);
	if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		sk_warn("posix_fadvise DONTNEED %s failed: the file may stay cached outside the group", path);
	close(fd);
}

/* Share of FILE's pages resident in memory (mincore), 0..1; -1 if unknown. */
static double resident_share(const char *path, uint64_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	long pg = sk_page_size();
	size_t n = (size + (uint64_t)pg - 1) / (uint64_t)pg, in = 0;
	unsigned char *vec = malloc(n);
	double share = -1;
	if (vec && mincore(p, size, vec) == 0) {
		for (size_t i = 0; i < n; i++)
			in += vec[i] & 1;
		share = (double)in / (double)n;
	}
	free(vec);
	munmap(p, size);
	return share;
}

static long long vmstat_oom_kills(void)
{
	long long v = -1;
	FILE *f = fopen("/proc/vmstat", "re");
	char key[64];
	long long val;
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &val) == 2)
		if (!strcmp(key, "oom_kill"))
			v = val;
	fclose(f);
	return v;
}

/* PSI "some total=" of the group's memory.pressure, in us; -1 if absent. */
static long long psi_some_total(struct sk_cg *g)
{
	char buf[512];
	if (sk_cg_version(g, SK_CG_MEMORY) != 2 || sk_cg_read(g, "memory.pressure", buf, sizeof(buf)))
		return -1;
	const char *p = strstr(buf, "some ");
	p = p ? strstr(p, "total=") : NULL;
	return p ? atoll(p + 6) : -1;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int mode = M_OOM;
	uint64_t limit = DEFAULT_LIMIT, size = 0;
	const char *limit_arg = "64M", *size_arg = NULL, *dir = NULL;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case 'm': mode = sk_parse_choice(optarg, "--mode", mode_names); break;
		case SK_LONG(1):
			limit = sk_parse_size(optarg, "--limit", 1, UINT64_MAX / 4);
			limit_arg = optarg;
			break;
		case 's':
			size = sk_parse_size(optarg, "--size", 1, UINT64_MAX / 4);
			size_arg = optarg;
			break;
		case 'D': dir = optarg; break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	long pg = sk_page_size();
	if (!size)
		size = mode == M_OOM ? 2 * limit : mode == M_HIGH ? limit + limit / 2 : mode == M_CACHE ? 2 * limit : 64 * SK_MIB;
	else if (size < (uint64_t)pg)
		sk_bad_arg("--size", size_arg, "less than one page");
	if (mode == M_CHARGE)
		limit = size + CHARGE_HEADROOM;
	/* Every limit this run sets must be safe for the host. */
	sk_cg_check_memory_limit(limit, mode == M_CHARGE ? "--size (+64M headroom)" : "--limit",
				 mode == M_CHARGE ? (size_arg ? size_arg : "64M") : limit_arg);
	if (mode == M_HIGH)
		sk_cg_check_memory_limit(2 * limit, "--limit (x2 safety net in high mode)", limit_arg);
	if (size > 4 * limit)
		sk_bad_arg("--size", size_arg, "more than 4 x the limit");
	if (mode == M_CACHE && size > sk_mem_available_bytes() / 2)
		sk_bad_arg("--size", size_arg, "the scratch file would exceed half of MemAvailable");

	unsigned mask = SK_CG_BIT(SK_CG_MEMORY);
	sk_cg_setup(mask, argv);
	struct sk_cg *g = sk_cg_create("mem-limit");
	int version = sk_cg_version(g, SK_CG_MEMORY);
	if (mode == M_HIGH) {
		if (version != 2)
			sk_skip("memory.high exists on cgroup v2 only (memory is v1 here: %s)", sk_cg_dir(g, SK_CG_MEMORY));
		if (sk_cg_set_memory_max(g, 2 * limit) || sk_cg_set_memory_high(g, limit))
			sk_cg_die();
	} else if (sk_cg_set_memory_max(g, limit)) {
		sk_cg_die();
	}
	char charge_path[SK_CG_PATH + 32];
	snprintf(charge_path, sizeof(charge_path), "%s/%s", sk_cg_dir(g, SK_CG_MEMORY),
		 version == 2 ? "memory.current" : "memory.usage_in_bytes");

	const char *file = NULL;
	if (mode == M_CACHE) {
		sk_scratch_dir(dir);
		file = sk_scratch_path("cache-file");
		sk_note("writing a %s scratch file, then evicting it from the page cache", sk_fmt_size(size, (char[32]){0}, 32));
		write_scratch_file(file, size);
		/* On tmpfs (or an overlay over it) the file's pages are shmem: they stay
		 * in memory, charged to the writer, and a read allocates nothing. */
		double share = resident_share(file, size);
		if (share > 0.5) {
			char fs[32] = "?";
			sk_fs_type(file, fs, sizeof(fs));
			sk_skip("%.0f %% of the scratch file stayed in memory after fsync + POSIX_FADV_DONTNEED "
				"(%s is %s, memory-backed?): reading it allocates no page cache; give -D DIR on a disk filesystem",
				100 * share, file, fs);
		}
	}
	uint64_t step = mode == M_CHARGE ? size / 16 : limit / 16;
	if (step < (uint64_t)pg)
		step = (uint64_t)pg;
	step -= step % (uint64_t)pg;

	struct shared *sh = sk_shared_alloc(sizeof(*sh));
	long long oom_before = vmstat_oom_kills(), psi_before = psi_some_total(g);
	uint64_t deadline = mode == M_HIGH ? sk_now_ns() + (uint64_t)(std.quick ? HIGH_DEADLINE_MS / 2 : HIGH_DEADLINE_MS) * 1000000u : 0;
	sk_note("mode %s: limit %s, %s %s in steps of %s (cgroup %s)", mode_names[mode],
		sk_fmt_size(limit, (char[32]){0}, 32), mode == M_CACHE ? "reading" : "touching",
		sk_fmt_size(size, (char[32]){0}, 32), sk_fmt_size(step, (char[32]){0}, 32), sk_cg_mode_name(sk_cg_system()->mode));
	pid_t pid = sk_cg_fork(g);
	if (pid < 0)
		sk_cg_die();
	if (pid == 0) {
		if (mode == M_CACHE)
			child_read(sh, charge_path, file, step);
		child_touch(sh, charge_path, size, step, deadline);
	}
	int status = sk_wait(pid, NULL);
	struct sk_cg_mem_stat ms;
	if (sk_cg_mem_stat(g, &ms))
		sk_die("memory statistics of %s: %s", sk_cg_name(g), sk_cg_error());
	long long psi_after = psi_some_total(g), oom_after = vmstat_oom_kills();
	const char *outcome = WIFSIGNALED(status) ? (WTERMSIG(status) == SIGKILL ? "killed-sigkill" : "killed-other")
			      : WEXITSTATUS(status) == 0 ? (sh->done ? "completed" : "stopped") : "failed";
	if (mode == M_HIGH && WIFEXITED(status) && WEXITSTATUS(status) == 0 && sh->n > 0 &&
	    sh->rows[sh->n - 1].touched < size)
		outcome = "deadline";   /* throttled so hard it did not finish in time */

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "mode", "%s", mode_names[mode]);
	sk_tsv_meta(&t, "limit_bytes", "%llu", (unsigned long long)limit);
	sk_tsv_meta(&t, "size_bytes", "%llu", (unsigned long long)size);
	sk_tsv_meta(&t, "step_bytes", "%llu", (unsigned long long)step);
	ch12_cg_meta(&t, g, mask);
	sk_tsv_meta(&t, "limit_file", "%s", mode == M_HIGH ? "memory.high (memory.max = 2 x limit)"
					     : version == 2 ? "memory.max (memory.swap.max 0)" : "memory.limit_in_bytes");
	sk_tsv_meta(&t, "outcome", "%s", outcome);
	sk_tsv_meta(&t, "exit_status", "%d", status);
	sk_tsv_meta(&t, "oom_kill", "%lld", ms.oom_kill);
	sk_tsv_meta(&t, "max_events", "%lld", ms.max_events);
	sk_tsv_meta(&t, "high_events", "%lld", ms.high_events);
	sk_tsv_meta(&t, "peak_bytes", "%lld", ms.peak);
	sk_tsv_meta(&t, "final_charge_bytes", "%lld", ms.current);
	sk_tsv_meta(&t, "final_file_bytes", "%lld", ms.file);
	sk_tsv_meta(&t, "final_anon_bytes", "%lld", ms.anon);
	sk_tsv_meta(&t, "host_oom_kills", "%lld", oom_before < 0 || oom_after < 0 ? -1 : oom_after - oom_before);
	sk_tsv_meta(&t, "psi_some_us", "%lld", psi_before < 0 || psi_after < 0 ? -1 : psi_after - psi_before);
	sk_tsv_header(&t, "mode\tstep\ttouched_bytes\telapsed_ms\tcharge_bytes");
	for (int i = 0; i < sh->n; i++)
		sk_tsv_row(&t, "%s\t%d\t%llu\t%.3f\t%lld", mode_names[mode], i + 1, (unsigned long long)sh->rows[i].touched,
			   (double)sh->rows[i].t_ns / 1e6, (long long)sh->rows[i].charge);
	if (sk_cg_destroy(g))
		sk_die("%s", sk_cg_error());
	sk_cpu_note();
	return sk_tsv_close(&t) ? SK_EXIT_FAIL : 0;
}
