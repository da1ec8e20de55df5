/*
 * test-lib.c - unit tests of the shared library, speaking TAP.
 * Run by lib/tests/lib.t (normal and ASan+UBSan builds).
 */
#include "shikumi.h"
#include "tap.h"

#include <math.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

static void test_parse_ll(void)
{
	long long v = 0;
	ok(!sk_parse_ll_r("42", 0, 100, &v) && v == 42, "parse_ll 42");
	ok(!sk_parse_ll_r("-5", -10, 10, &v) && v == -5, "parse_ll -5 in range");
	ok(sk_parse_ll_r("", 0, 10, &v) != NULL, "parse_ll rejects empty");
	ok(sk_parse_ll_r("abc", 0, 10, &v) != NULL, "parse_ll rejects non-numeric");
	ok(sk_parse_ll_r("12x", 0, 100, &v) != NULL, "parse_ll rejects trailing junk");
	ok(sk_parse_ll_r(" 1", 0, 10, &v) != NULL, "parse_ll rejects leading space");
	ok(sk_parse_ll_r("0", 1, 10, &v) != NULL, "parse_ll rejects zero when min is 1");
	ok(sk_parse_ll_r("-1", 0, 10, &v) != NULL, "parse_ll rejects negative");
	ok(sk_parse_ll_r("99999999999999999999", 0, LLONG_MAX, &v) != NULL, "parse_ll rejects overflow");
	const char *why = sk_parse_ll_r("11", 0, 10, &v);
	ok(why && strstr(why, "0..10"), "range message names the range (%s)", why ? why : "");
}

static void test_parse_size(void)
{
	uint64_t v = 0;
	ok(!sk_parse_size_r("4096", 1, UINT64_MAX, &v) && v == 4096, "size 4096");
	ok(!sk_parse_size_r("4K", 1, UINT64_MAX, &v) && v == 4096, "size 4K");
	ok(!sk_parse_size_r("4k", 1, UINT64_MAX, &v) && v == 4096, "size 4k");
	ok(!sk_parse_size_r("64M", 1, UINT64_MAX, &v) && v == 64 * SK_MIB, "size 64M");
	ok(!sk_parse_size_r("1G", 1, UINT64_MAX, &v) && v == SK_GIB, "size 1G");
	ok(!sk_parse_size_r("2GiB", 1, UINT64_MAX, &v) && v == 2 * SK_GIB, "size 2GiB");
	ok(!sk_parse_size_r("1MB", 1, UINT64_MAX, &v) && v == SK_MIB, "size 1MB is binary");
	ok(sk_parse_size_r("4X", 1, UINT64_MAX, &v) != NULL, "size rejects unknown unit");
	ok(sk_parse_size_r("4KK", 1, UINT64_MAX, &v) != NULL, "size rejects junk after unit");
	ok(sk_parse_size_r("-4K", 1, UINT64_MAX, &v) != NULL, "size rejects negative");
	ok(sk_parse_size_r("0", 1, UINT64_MAX, &v) != NULL, "size rejects zero when min 1");
	ok(sk_parse_size_r("1.5M", 1, UINT64_MAX, &v) != NULL, "size rejects fractions");
	ok(sk_parse_size_r("99999999999E", 1, UINT64_MAX, &v) != NULL, "size rejects overflow by shift");
	ok(sk_parse_size_r("18446744073709551616", 1, UINT64_MAX, &v) != NULL, "size rejects overflow");
	ok(sk_parse_size_r("2M", 1, SK_MIB, &v) != NULL, "size rejects above max");
}

static void test_parse_double(void)
{
	double d;
	ok(!sk_parse_double_r("1.5", 0, 10, &d) && d == 1.5, "double 1.5");
	ok(sk_parse_double_r("nan", 0, 10, &d) != NULL, "double rejects nan");
	ok(sk_parse_double_r("inf", 0, 1e300, &d) != NULL, "double rejects inf");
	ok(sk_parse_double_r("1e999", 0, 1e300, &d) != NULL, "double rejects overflow");
	ok(sk_parse_double_r("2.5x", 0, 10, &d) != NULL, "double rejects junk");
}

static void test_parse_pick(void)
{
	static const char *const words[] = {"a", "b", "c", NULL};
	bool picked[3] = {false};
	int n = 0;
	int i = sk_parse_pick("b", "--x", words, picked, &n);
	sk_parse_pick("b", "--x", words, picked, &n);
	sk_parse_pick("c", "--x", words, picked, &n);
	ok(i == 1 && n == 2 && !picked[0] && picked[1] && picked[2], "sk_parse_pick: the index; a word picked twice counts once");
}

static void test_stats(void)
{
	double v[] = {5, 1, 4, 2, 3};
	ok(sk_median(v, 5) == 3, "median of 1..5 is 3");
	double w[] = {4, 1, 3, 2};
	ok(sk_median(w, 4) == 2.5, "median of 1..4 is 2.5");
	ok(sk_percentile(v, 5, 0) == 1 && sk_percentile(v, 5, 100) == 5, "p0 and p100");
	ok(fabs(sk_percentile(v, 5, 10) - 1.4) < 1e-9, "p10 interpolates (1.4)");
	struct sk_summary s = sk_summarize(v, 5);
	ok(s.n == 5 && s.min == 1 && s.max == 5 && s.mean == 3, "summary min/max/mean");
	ok(v[0] == 5, "percentile leaves its input unsorted");
	double one = 7;
	ok(sk_median(&one, 1) == 7, "median of one value");
}

static void test_fmt_size(void)
{
	char b[32];
	ok(!strcmp(sk_fmt_size(4096, b, sizeof(b)), "4 KiB"), "fmt 4 KiB (%s)", b);
	ok(!strcmp(sk_fmt_size(1536 * SK_KIB, b, sizeof(b)), "1.5 MiB"), "fmt 1.5 MiB (%s)", b);
	ok(!strcmp(sk_fmt_size(100, b, sizeof(b)), "100 B"), "fmt 100 B (%s)", b);
}

static void test_errno_name(void)
{
	ok(!strcmp(sk_errno_name(EPERM), "EPERM"), "errno name EPERM");
	ok(!strcmp(sk_errno_name(ENOENT), "ENOENT"), "errno name ENOENT");
	ok(!strcmp(sk_errno_name(9999), "E9999"), "unknown errno number");
}

static void test_proc(void)
{
	struct sk_cpustat c;
	ok(sk_read_cpustat(-1, &c) == 0 && sk_cpustat_total(&c) > 0, "/proc/stat total line");
	int cpu = sk_first_allowed_cpu();
	ok(sk_read_cpustat(cpu, &c) == 0, "/proc/stat line of cpu%d", cpu);
	ok(sk_read_cpustat(99999, &c) == -1 && errno == ENOENT, "missing cpu line is ENOENT");

	struct sk_meminfo m;
	ok(sk_read_meminfo(&m) == 0 && m.mem_total > 0 && m.mem_available > 0 &&
		   m.mem_available <= m.mem_total, "meminfo total/available");
	ok(sk_meminfo_used_kib(&m) > 0 && sk_meminfo_used_kib(&m) < m.mem_total, "used is plausible");

	struct sk_procstatus st;
	ok(sk_read_status(0, &st) == 0 && st.vm_rss > 0 && st.threads == 1, "own status");
	ok(st.state == 'R', "own state is R (%c)", st.state);
	ok(sk_read_status(-1, &st) == -1, "status of a bad pid fails");

	struct sk_pidstat ps;
	ok(sk_read_pidstat(0, &ps) == 0 && ps.ppid == getppid() && ps.state == 'R',
	   "own /proc/self/stat: ppid and state");
	ok(ps.num_threads == 1 && ps.vsize_bytes > 0, "threads and vsize");

	struct sk_smaps sm;
	if (sk_read_smaps_rollup(0, &sm) == 0)
		ok(sm.rss > 0 && sm.pss > 0 && sm.pss <= sm.rss, "smaps_rollup rss/pss");
	else
		skip("smaps_rollup unavailable");

	/* Touching memory shows in RSS and minor faults. */
	size_t len = 8 * SK_MIB;
	struct sk_pidstat before, after;
	sk_read_pidstat(0, &before);
	char *p = sk_map_anon(len, 0);
	sk_touch_pages(p, len);
	sk_read_pidstat(0, &after);
	uint64_t pages = len / (uint64_t)sk_page_size();
	ok(after.minflt - before.minflt >= pages, "touching %zu MiB gives >= %llu minor faults (%llu)",
	   len >> 20, (unsigned long long)pages, (unsigned long long)(after.minflt - before.minflt));

	long long v;
	ok(sk_kv_get("/proc/meminfo", "MemTotal", &v) == 0 && v == m.mem_total, "kv_get MemTotal");
	ok(sk_kv_get("/proc/meminfo", "NoSuchKey", &v) == -1 && errno == ENOENT, "kv_get missing key");
	ok(sk_page_size() >= 4096 && (sk_page_size() & (sk_page_size() - 1)) == 0,
	   "page size is a power of two");
	int line = sk_cache_line_size();
	ok(line >= 16 && line <= 512 && (line & (line - 1)) == 0, "cache line %d", line);
	char thp[32];
	sk_thp_mode(thp, sizeof(thp));
	ok(!strcmp(thp, "always") || !strcmp(thp, "madvise") || !strcmp(thp, "never") ||
		   !strcmp(thp, "unavailable"), "THP mode '%s'", thp);
}

static void test_map_anon(void)
{
	uint64_t hp = sk_hugepage_size();
	ok(hp >= 2 * SK_MIB && (hp & (hp - 1)) == 0, "huge page size %llu", (unsigned long long)hp);
	for (int i = 0; i < 3; i++) {
		char *p = sk_map_anon(3 * hp, 1);
		ok(((uintptr_t)p & (hp - 1)) == 0, "THP mapping %d starts on a huge-page boundary", i);
		sk_touch_pages(p, 3 * hp);
		ok(munmap(p, 3 * hp) == 0, "munmap(p, len) releases it");
		/* a small mapping in between shifts where the next one lands */
		mmap(NULL, 4096 * (size_t)(i + 1), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
}

static void test_cpus(void)
{
	cpu_set_t set;
	int n = sk_allowed_cpus(&set);
	ok(n >= 1 && sk_first_allowed_cpu() >= 0, "allowed cpus: %d", n);
	ok(sk_nth_allowed_cpu(n) == -1, "nth beyond the set is -1");
	char buf[64];
	cpu_set_t t;
	CPU_ZERO(&t);
	CPU_SET(0, &t); CPU_SET(1, &t); CPU_SET(2, &t); CPU_SET(5, &t);
	ok(!strcmp(sk_cpuset_str(&t, buf, sizeof(buf)), "0-2,5"), "cpuset string 0-2,5 (%s)", buf);
	CPU_ZERO(&t);
	ok(!strcmp(sk_cpuset_str(&t, buf, sizeof(buf)), "none"), "empty cpuset string");
}

static void nop_fn(uint64_t iters, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++)
		SK_BARRIER();
}

static void sleepy_fn(uint64_t iters, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++)
		sk_sleep_ns(100000);   /* 100 us */
}

static void test_bench(void)
{
	struct sk_bench_opts o;
	struct sk_bench_result r;
	sk_bench_defaults(&o);
	o.target_ns = 2000000;
	o.warmup_ns = 1000000;
	o.reps = 5;
	sk_bench_run(nop_fn, NULL, &o, &r);
	ok(r.reps == 5 && r.iters > 1000, "bench calibrates iterations (%llu)",
	   (unsigned long long)r.iters);
	ok(r.median < 1.0, "overhead subtraction: empty op costs < 1 ns (%.3f)", r.median);
	ok(r.timer_overhead_ns > 0 && r.timer_overhead_ns < 10000, "timer overhead %.1f ns",
	   r.timer_overhead_ns);

	o.no_subtract = true;
	o.target_ns = 5000000;
	sk_bench_run(sleepy_fn, NULL, &o, &r);
	ok(r.median >= 100000, "a 100 us sleep measures >= 100 us (%.0f ns)", r.median);
}

static void test_tsv(void)
{
	char path[] = "/tmp/shikumi-test-tsv-XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0, "mkstemp");
	close(fd);
	struct sk_tsv t;
	sk_tsv_open(&t, path);
	sk_tsv_meta(&t, "size_bytes", "%d", 4096);
	sk_tsv_header(&t, "op\trep\tns_per_op");
	sk_tsv_row(&t, "%s\t%d\t%.2f", "getppid", 0, 99.5);
	ok(sk_tsv_close(&t) == 0, "tsv close");
	char buf[4096];
	ok(sk_read_file(path, buf, sizeof(buf)) > 0, "tsv readable");
	ok(!strncmp(buf, "# program: ", 11), "preamble first");
	ok(strstr(buf, "# size_bytes: 4096\n") != NULL, "meta line");
	ok(strstr(buf, "# cpus_used: ") != NULL, "cpus_used line");
	ok(strstr(buf, "\nop\trep\tns_per_op\ngetppid\t0\t99.50\n") != NULL, "header and row");
	unlink(path);

	char bad[] = "/nonexistent-dir/x.tsv";
	pid_t pid = sk_fork();   /* flushes stdout first: the child exits via exit() */
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		sk_tsv_open(&t, bad);   /* must die: directory does not exist */
		_exit(0);
	}
	int status = sk_wait(pid, NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "unwritable -o path fails early");
}

/* In a child: write a small TSV to PATH (stdout to OUT_FD if >= 0, stderr to
 * ERRFILE); returns the exit status. */
static int tsv_child(const char *path, int out_fd, const char *errfile)
{
	pid_t pid = sk_fork();
	if (pid == 0) {
		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(3);
		if (!freopen(errfile, "w", stderr))
			_exit(3);
		struct sk_tsv t;
		sk_tsv_open(&t, path);
		sk_tsv_header(&t, "k\tv");
		sk_tsv_row(&t, "a\t1");
		_exit(sk_tsv_close(&t) ? 1 : 0);
	}
	int st = sk_wait(pid, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool file_has(const char *path, const char *text)
{
	char buf[8192];
	return sk_read_file(path, buf, sizeof(buf)) > 0 && strstr(buf, text) != NULL;
}

static mode_t lmode(const char *path)
{
	struct stat st;
	return lstat(path, &st) ? 0 : st.st_mode;
}

/* -o never replaces what is not a regular file (lib/publish.c). */
static void test_publish(void)
{
	char dir[] = "/tmp/shikumi-test-publish-XXXXXX", p[4200], q[4200], err[4200];
	if (!mkdtemp(dir))
		sk_die_errno("mkdtemp");
	snprintf(err, sizeof(err), "%s/stderr", dir);

	/* an existing regular file: replaced, its mode kept */
	snprintf(p, sizeof(p), "%s/old.tsv", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	ok(fd >= 0 && write(fd, "old\n", 4) == 4 && close(fd) == 0, "publish: a regular file made");
	ok(tsv_child(p, -1, err) == 0 && file_has(p, "\na\t1\n") && !file_has(p, "old"), "publish: regular file replaced");
	ok((lmode(p) & 07777) == 0640 && S_ISREG(lmode(p)), "publish: its mode 0640 kept (%o)", lmode(p) & 07777);

	/* a symlink to a regular file: the target replaced, the link still a link */
	snprintf(q, sizeof(q), "%s/link.tsv", dir);
	ok(symlink("old.tsv", q) == 0, "publish: symlink made");
	ok(tsv_child(q, -1, err) == 0 && S_ISLNK(lmode(q)) && S_ISREG(lmode(p)) && file_has(p, "\na\t1\n"),
	   "publish: through a symlink: target written, link kept");
	unlink(q);
	unlink(p);

	/* a dangling symlink: its target created */
	ok(symlink("new.tsv", q) == 0, "publish: dangling symlink made");
	snprintf(p, sizeof(p), "%s/new.tsv", dir);
	ok(tsv_child(q, -1, err) == 0 && S_ISLNK(lmode(q)) && file_has(p, "\na\t1\n"),
	   "publish: dangling symlink: target created, link kept");
	unlink(q);
	unlink(p);

	/* a FIFO: written in place (a reader drains it) */
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ok(mkfifo(p, 0600) == 0, "publish: FIFO made");
	pid_t reader = sk_fork();
	if (reader == 0) {
		char buf[8192];
		ssize_t n = sk_read_file(p, buf, sizeof(buf));
		_exit(n > 0 && strstr(buf, "\na\t1\n") ? 0 : 1);
	}
	int rc = tsv_child(p, -1, err);
	int rst = sk_wait(reader, NULL);
	ok(rc == 0 && WIFEXITED(rst) && WEXITSTATUS(rst) == 0 && S_ISFIFO(lmode(p)),
	   "publish: FIFO written in place and still a FIFO (exit %d)", rc);
	unlink(p);

	/* a character device of our own: a pseudo-terminal (no privilege needed) */
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	char *pts = m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 ? ptsname(m) : NULL;
	if (pts) {
		snprintf(q, sizeof(q), "%s", pts);
		rc = tsv_child(q, -1, err);
		char buf[4096] = "";
		fcntl(m, F_SETFL, O_NONBLOCK);
		ssize_t n = read(m, buf, sizeof(buf) - 1);
		ok(rc == 0 && n > 0 && strstr(buf, "# program: ") && S_ISCHR(lmode(q)),
		   "publish: character device %s written in place, still a device", q);
	} else {
		skip("no pseudo-terminal");
	}
	if (m >= 0)
		close(m);

	/* -o /dev/stdout that is a pipe: the data arrives on the pipe (private-dev). Only in the
	 * private /dev that lib.t makes (tests/tap.sh private_dev): private-dev */
	if (getenv("SHIKUMI_PRIVATE_DEV")) {
		int fds[2];
		if (pipe(fds))
			sk_die_errno("pipe");
		rc = tsv_child("/dev/stdout", fds[1], err);   /* private-dev */
		close(fds[1]);
		char buf[8192] = "";
		ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
		close(fds[0]);
		ok(rc == 0 && n > 0 && strstr(buf, "\na\t1\n") && S_ISLNK(lmode("/dev/stdout")),   /* private-dev */
		   "publish: -o stdout (a pipe) by its /dev name: data on the pipe (exit %d)", rc);
	} else {
		skip("-o stdout by its /dev name: only in a private /dev (root)");
	}

	/* refused with exit 2 and the argument named: a directory, a socket, a block device */
	rc = tsv_child(dir, -1, err);
	ok(rc == 2 && file_has(err, "bad VALUE for --output: '") && file_has(err, "is a directory"),
	   "publish: a directory is refused, exit 2 (%d)", rc);
	snprintf(p, sizeof(p), "%s/sock", dir);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(p) < sizeof(sa.sun_path))
		memcpy(sa.sun_path, p, strlen(p) + 1);
	ok(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "publish: socket made");
	rc = tsv_child(p, -1, err);
	ok(rc == 2 && file_has(err, "is a socket") && S_ISSOCK(lmode(p)), "publish: a socket is refused, exit 2 (%d)", rc);
	close(s);
	unlink(p);
	snprintf(p, sizeof(p), "%s/blk", dir);
	if (mknod(p, S_IFBLK | 0600, makedev(7, 0)) == 0) {   /* a node only: nothing opens it */
		rc = tsv_child(p, -1, err);
		ok(rc == 2 && file_has(err, "is a block device") && S_ISBLK(lmode(p)),
		   "publish: a block device is refused, exit 2 (%d)", rc);
		unlink(p);
	} else {
		skip("block device node: mknod: %s (not root)", strerror(errno));
	}
	snprintf(p, sizeof(p), "%s/chr", dir);
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0) {   /* our own null device */
		rc = tsv_child(p, -1, err);
		ok(rc == 0 && S_ISCHR(lmode(p)), "publish: a null device node of our own stays a device (%d)", rc);
		unlink(p);
	} else {
		skip("null device node: mknod: %s (not root)", strerror(errno));
	}

	/* a symlink planted at the temporary name is not followed */
	struct sk_pub pub;
	snprintf(p, sizeof(p), "%s/out.tsv", dir);
	snprintf(q, sizeof(q), "%s/victim", dir);
	fd = open(q, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, "victim\n", 7) == 7 && close(fd) == 0, "publish: victim file made");
	sk_publish_plan(&pub, "--output", p);
	ok(pub.kind == SK_PUB_RENAME && symlink(q, pub.tmp) == 0, "publish: symlink planted at %s", pub.tmp);
	fd = sk_publish_open(&pub);
	ok(fd >= 0 && write(fd, "data\n", 5) == 5 && sk_publish_close(&pub, true) == 0, "publish: written");
	ok(file_has(q, "victim") && !file_has(q, "data") && file_has(p, "data") && access(pub.tmp, F_OK) == -1,
	   "publish: the planted link was not followed, victim intact");
	unlink(p);
	unlink(q);
	/* a failed write leaves the old file and no temporary */
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, "old\n", 4) == 4 && close(fd) == 0, "publish: old file made");
	sk_publish_plan(&pub, "--output", p);
	fd = sk_publish_open(&pub);
	ok(fd >= 0 && write(fd, "half", 4) == 4 && sk_publish_close(&pub, false) == -1, "publish: a failed write");
	ok(file_has(p, "old") && access(pub.tmp, F_OK) == -1, "publish: old file intact, no temporary left");
	unlink(p);
	unlink(err);
	ok(rmdir(dir) == 0, "publish: nothing else left in %s", dir);
}

static void test_children(void)
{
	pid_t pid = sk_fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ok(pid > 0, "sk_fork");
	sk_children_reap_all();
	ok(kill(pid, 0) == -1 && errno == ESRCH, "reap_all killed and reaped the child");

	pid = sk_fork();
	if (pid == 0)
		_exit(7);
	int st = sk_wait(pid, NULL);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "sk_wait returns the status");
}

static void test_scratch(void)
{
	/* In a child: create scratch files, then die of SIGTERM; the cleanup
	 * hook must have removed them. Then the same with a normal exit. */
	for (int how = 0; how < 2; how++) {
		int fds[2];
		if (pipe(fds))
			sk_die_errno("pipe");
		pid_t pid = sk_fork();
		if (pid == 0) {
			close(fds[0]);
			const char *d = sk_scratch_dir("/tmp");
			const char *f = sk_scratch_path("data.bin");
			FILE *fp = fopen(f, "w");
			if (!fp)
				_exit(3);
			fputs("x", fp);
			fclose(fp);
			if (write(fds[1], d, strlen(d) + 1) < 0)
				_exit(3);
			close(fds[1]);
			if (how == 0)
				pause();   /* killed by SIGTERM */
			exit(0);           /* atexit runs the hooks */
		}
		close(fds[1]);
		char d[4096] = "";
		ssize_t n = read(fds[0], d, sizeof(d) - 1);
		close(fds[0]);
		if (how == 0)
			kill(pid, SIGTERM);
		int st = sk_wait(pid, NULL);
		ok(n > 0 && access(d, F_OK) == -1 && errno == ENOENT,
		   "scratch dir %s removed after %s", d, how == 0 ? "SIGTERM" : "exit");
		ok(how == 0 ? (WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) : (WIFEXITED(st) && WEXITSTATUS(st) == 0),
		   "the process still ends the way it would have");
	}
	char fs[32];
	ok(sk_fs_type("/proc", fs, sizeof(fs)) != NULL, "fs type of /proc: %s", fs);
	ok(sk_fs_type("/nonexistent", fs, sizeof(fs)) == NULL && errno == ENOENT, "fs type of a missing path fails");
}

static void test_busy(void)
{
	uint64_t per_ms = sk_busy_calibrate();
	ok(per_ms > 0, "busy calibration: %llu units/ms", (unsigned long long)per_ms);
	uint64_t t0 = sk_now_ns();
	sk_busy(per_ms * 20);
	double ms = (double)(sk_now_ns() - t0) / 1e6;
	ok(ms > 10 && ms < 200, "20 ms of busy work takes 10..200 ms (%.1f)", ms);
}

static const struct sk_opt test_opts[] = {
	{'s', "size", "SIZE", "a size"},
	{SK_LONG(1), "backing", "KIND", "long-only"},
	{'v', "verbose", NULL, "a flag"},
	{0}};
static void test_usage(void) { }

/* Parse argv in a child (bad input exits); the child's exit code is returned,
 * and what it saw comes back through a pipe as one line. */
static int getopt_child(char *const *argv, int argc, char *seen, size_t len)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	pid_t pid = sk_fork();
	if (pid == 0) {
		close(fd[0]);
		freopen("/dev/null", "w", stderr);
		optind = 0;
		struct sk_std std = {0};
		uint64_t size = 0;
		const char *backing = "-";
		bool verbose = false;
		int c;
		while ((c = sk_getopt(argc, (char **)argv, test_opts, SK_STD_ALL, &std, test_usage)) != -1) {
			switch (c) {
			case 's': size = sk_parse_size(optarg, "--size", 1, SK_GIB); break;
			case SK_LONG(1): backing = optarg; break;
			case 'v': verbose = true; break;
			}
		}
		sk_no_operands(argc, (char **)argv);
		dprintf(fd[1], "q=%d o=%s r=%d t=%d s=%llu b=%s v=%d reps=%d", std.quick, std.out ? std.out : "-",
			std.reps, std.target_ms, (unsigned long long)size, backing, verbose,
			sk_std_reps(&std, 11, 3));
		_exit(0);
	}
	close(fd[1]);
	ssize_t n = read(fd[0], seen, len - 1);
	seen[n > 0 ? n : 0] = '\0';
	close(fd[0]);
	int st = sk_wait(pid, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_getopt(void)
{
	char seen[256];
	char *a1[] = {"p", "-q", "-r", "7", "-s", "4K", "--backing", "thp", "-o", "x.tsv", "-v", "-t", "30", NULL};
	int rc = getopt_child(a1, 13, seen, sizeof(seen));
	ok(rc == 0 && !strcmp(seen, "q=1 o=x.tsv r=7 t=30 s=4096 b=thp v=1 reps=7"), "sk_getopt: standard and own options (%s)", seen);
	char *a2[] = {"p", "-q", NULL};
	rc = getopt_child(a2, 2, seen, sizeof(seen));
	ok(rc == 0 && strstr(seen, "reps=5"), "sk_std_reps: quick default 3 is raised to 5 (%s)", seen);
	char *a3[] = {"p", "-r", "3", NULL};
	ok(getopt_child(a3, 3, seen, sizeof(seen)) == 2, "sk_getopt: --reps below 5 exits 2");
	char *a4[] = {"p", "-t", "0", NULL};
	ok(getopt_child(a4, 3, seen, sizeof(seen)) == 2, "sk_getopt: --target 0 exits 2");
	char *a5[] = {"p", "-z", NULL};
	ok(getopt_child(a5, 2, seen, sizeof(seen)) == 2, "sk_getopt: unknown option exits 2");
	char *a6[] = {"p", "--backing", NULL};
	ok(getopt_child(a6, 2, seen, sizeof(seen)) == 2, "sk_getopt: a missing value exits 2");
	char *a7[] = {"p", "stray", NULL};
	ok(getopt_child(a7, 2, seen, sizeof(seen)) == 2, "sk_getopt: an operand exits 2");
	char *a8[] = {"p", "-h", NULL};
	ok(getopt_child(a8, 2, seen, sizeof(seen)) == 0 && !seen[0], "sk_getopt: -h calls usage and exits 0");
	char *a9[] = {"p", "-o", "", NULL};
	ok(getopt_child(a9, 3, seen, sizeof(seen)) == 2, "sk_getopt: an empty -o exits 2");
}

static void test_tlb(void)
{
	struct sk_tlb t;
	char b[256];
	int n = sk_tlb_info(&t);
	ok(n == t.n && n >= 0 && n <= 4 && t.source, "tlb info: %d levels from %s", n, t.source ? t.source : "?");
	ok(n > 0 || (t.why && !strcmp(t.source, "unknown")), "tlb info: known, or unknown with a reason (%s)", t.why ? t.why : "none needed");
	bool sane = true;
	for (int i = 0; i < n; i++)
		sane = sane && t.level[i].level >= 1 && t.level[i].level <= 7 &&
		       (t.level[i].entries_4k || t.level[i].entries_2m) && (i == 0 || t.level[i].level > t.level[i - 1].level);
	ok(sane, "tlb levels ordered, each with entries");
	sk_tlb_str(&t, b, sizeof(b));
	ok(b[0] != '\0', "tlb string: %s", b);
	sk_tlb_str(&t, b, 8);
	ok(strlen(b) < 8, "tlb string truncates safely");
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	test_parse_ll();
	test_parse_size();
	test_parse_double();
	test_parse_pick();
	test_stats();
	test_fmt_size();
	test_errno_name();
	test_proc();
	test_cpus();
	test_map_anon();
	test_bench();
	test_tsv();
	test_publish();
	test_children();
	test_scratch();
	test_busy();
	test_getopt();
	test_tlb();
	return tap_done();
}
