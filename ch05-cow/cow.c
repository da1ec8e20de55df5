/*
 * cow - copy-on-write after fork, seen from /proc.
 *
 * The parent maps SIZE bytes of private anonymous memory, writes one byte per
 * page (so every page is really allocated), and forks. The child first does
 * nothing, then writes one byte per page, then exits. At each stage the
 * program reads the process the stage is about (smaps_rollup: RSS, PSS,
 * Shared_Dirty, Private_Dirty, AnonHugePages; /proc/PID/stat: minor faults)
 * and the system (/proc/meminfo: MemAvailable, free's "used"):
 *
 *   before_fork         parent, after touching every page
 *   child_before_write  child, right after fork: RSS ~ SIZE but PSS ~ SIZE/2,
 *                       Private_Dirty ~ 0, used memory barely moved
 *   child_after_write   child: one minor fault per page, Private_Dirty ~ SIZE,
 *                       used memory grew by ~ SIZE (the copies)
 *   parent_after_exit   parent, after the child exited and was reaped
 *
 * The parent reads the child's /proc files while the child waits on a pipe,
 * so the measurement itself causes no fault in the child. By default the
 * mapping gets MADV_NOHUGEPAGE: the book's one-fault-per-4-KiB picture. With
 * --thp it gets MADV_HUGEPAGE: the touch takes one fault per 2 MiB; on CoW
 * the kernel (since 5.8) splits the huge PMD and copies 4 KiB pages.
 * The whole sequence is repeated REPS times on a fresh mapping.
 *
 * Usage: cow [-s SIZE] [-H] [-r REPS] [-q] [--check] [-o FILE]
 * Try:   ./cow | column -t      and then      ./cow -H | column -t
 */
#include "shikumi.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define DEFAULT_SIZE (100 * SK_MIB)   /* the book's 100 MiB */
#define DEFAULT_REPS 5                /* system-wide memory is noisy: take medians */
#define QUICK_REPS 5
#define MIN_SIZE SK_MIB

static const char *const stage_process[] = {"parent", "child", "child", "parent"};
static const char *const stage_name[] = {"before_fork", "child_before_write", "child_after_write",
					 "parent_after_exit"};

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'s', "size", "SIZE", "memory to map, touch and fork with [bytes, K/M/G suffix]"},
	{'H', "thp", NULL, "MADV_HUGEPAGE on the mapping (default MADV_NOHUGEPAGE)"},
	{SK_LONG(1), "check", NULL, "check the options (SIZE against MemAvailable) and exit"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Copy-on-write after fork: memory and faults of parent and child at four stages; TSV.");
	printf("\nDefaults: SIZE 100M (at most half of MemAvailable), 4 KiB pages (the book's\n"
	       "picture), %d repetitions of the whole sequence.\n"
	       "Output: one row per stage and repetition; columns\n"
	       "  rep stage process pid size_kib rss_kib pss_kib shared_dirty_kib private_dirty_kib\n"
	       "  anon_huge_kib minflt stage_minflt mem_available_kib used_kib\n"
	       "  (minflt: the process's total; stage_minflt: faults since the previous stage of the\n"
	       "  same process, for before_fork the faults of the touch)\n"
	       "Examples:\n"
	       "  taskset -c 1 %s | column -t\n"
	       "  taskset -c 1 %s -s 256M -H\n",
	       DEFAULT_REPS, sk_prog, sk_prog);
}

/* Write one byte per page with a given value (so a second pass really writes). */
static void write_pages(char *p, size_t len, size_t page, char value)
{
	volatile char *c = p;
	for (size_t off = 0; off < len; off += page)
		c[off] = value;
}

struct sample {
	pid_t pid;
	struct sk_smaps sm;
	uint64_t minflt;
	long long avail_kib, used_kib, anon_kib;
};

static void take_sample(pid_t pid, struct sample *s)
{
	struct sk_pidstat ps;
	struct sk_meminfo mi;
	s->pid = pid ? pid : getpid();
	if (sk_read_smaps_rollup(pid, &s->sm))
		sk_die_errno("read /proc/%d/smaps_rollup", (int)s->pid);
	if (sk_read_pidstat(pid, &ps))
		sk_die_errno("read /proc/%d/stat", (int)s->pid);
	if (sk_read_meminfo(&mi))
		sk_die_errno("read /proc/meminfo");
	s->minflt = ps.minflt;
	s->avail_kib = mi.mem_available;
	s->used_kib = sk_meminfo_used_kib(&mi);
	s->anon_kib = mi.anon_pages;
}

static void xwrite1(int fd, const char *what)
{
	char c = 1;
	while (write(fd, &c, 1) != 1)
		if (errno != EINTR)
			sk_die_errno("write %s pipe", what);
}

/* 1 = got a byte, 0 = EOF. */
static int xread1(int fd, const char *what)
{
	char c;
	for (;;) {
		ssize_t n = read(fd, &c, 1);
		if (n == 1)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			sk_die_errno("read %s pipe", what);
	}
}

/* The child: wait for "write", write every page, say "done", wait for EOF. */
static SK_NORETURN void child_main(char *p, size_t len, size_t page, int go_fd, int done_fd)
{
	if (xread1(go_fd, "go") != 1)
		_exit(1);
	write_pages(p, len, page, 2);
	char c = 1;
	if (write(done_fd, &c, 1) != 1)
		_exit(1);
	while (read(go_fd, &c, 1) > 0)
		;
	_exit(0);
}

static void emit(struct sk_tsv *t, int rep, int stage, const struct sample *s, uint64_t size,
		 uint64_t stage_minflt)
{
	sk_tsv_row(t, "%d\t%s\t%s\t%d\t%llu\t%lld\t%lld\t%lld\t%lld\t%lld\t%llu\t%llu\t%lld\t%lld\t%lld", rep,
		   stage_name[stage], stage_process[stage], (int)s->pid,
		   (unsigned long long)(size / 1024), s->sm.rss, s->sm.pss, s->sm.shared_dirty,
		   s->sm.private_dirty, s->sm.anon_huge_pages, (unsigned long long)s->minflt,
		   (unsigned long long)stage_minflt, s->avail_kib, s->used_kib, s->anon_kib);
}

static void one_rep(struct sk_tsv *t, int rep, size_t size, size_t page, int thp)
{
	struct sample before_touch, s[4];
	/* thp: MADV_HUGEPAGE and a start on a huge-page boundary, so that every
	 * 2 MiB piece can be a huge page; else MADV_NOHUGEPAGE. */
	char *p = sk_map_anon(size, thp);

	take_sample(0, &before_touch);
	write_pages(p, size, page, 1);
	take_sample(0, &s[0]);

	int go[2], done[2];
	if (pipe2(go, O_CLOEXEC) || pipe2(done, O_CLOEXEC))
		sk_die_errno("pipe2");
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		close(go[1]);
		close(done[0]);
		child_main(p, size, page, go[0], done[1]);
	}
	close(go[0]);
	close(done[1]);

	take_sample(pid, &s[1]);            /* the child sits in read(): nothing written yet */
	xwrite1(go[1], "go");
	if (xread1(done[0], "done") != 1)
		sk_die("child %d died before it finished writing", (int)pid);
	take_sample(pid, &s[2]);
	close(go[1]);                       /* EOF: the child exits */
	close(done[0]);
	int status = sk_wait(pid, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		sk_die("child %d failed (status 0x%x)", (int)pid, status);
	take_sample(0, &s[3]);

	emit(t, rep, 0, &s[0], size, s[0].minflt - before_touch.minflt);
	emit(t, rep, 1, &s[1], size, s[1].minflt);
	emit(t, rep, 2, &s[2], size, s[2].minflt - s[1].minflt);
	emit(t, rep, 3, &s[3], size, s[3].minflt - s[0].minflt);

	long long n_kib = (long long)(size / 1024);
	sk_note("rep %d: child after fork: RSS %lld KiB, PSS %lld KiB, Private_Dirty %lld KiB, used "
		"%+lld KiB; after write: %llu faults (%zu pages), Private_Dirty %lld KiB, used %+lld KiB "
		"(SIZE %lld KiB)",
		rep, s[1].sm.rss, s[1].sm.pss, s[1].sm.private_dirty, s[1].used_kib - s[0].used_kib,
		(unsigned long long)(s[2].minflt - s[1].minflt), size / page, s[2].sm.private_dirty,
		s[2].used_kib - s[1].used_kib, n_kib);
	if (munmap(p, size))
		sk_die_errno("munmap");
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	uint64_t size = DEFAULT_SIZE;
	const char *size_arg = NULL;
	int thp = 0;
	bool check_only = false;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 's':
			size = sk_parse_size(optarg, "--size", MIN_SIZE, UINT64_C(1) << 46);
			size_arg = optarg;
			break;
		case 'H': thp = 1; break;
		case SK_LONG(1): check_only = true; break;
		}
	}
	sk_no_operands(argc, argv);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	/* Parent and child together hold 2 x SIZE at the end: SIZE <= MemAvailable/2
	 * keeps the total within what is available. */
	sk_check_mem_bound(size, "--size", size_arg ? size_arg : "100M");
	if (check_only)
		return 0;

	size_t page = (size_t)sk_page_size();
	size_t hpage = (size_t)sk_hugepage_size();
	size = (size + page - 1) / page * page;
	char thp_mode[32];
	sk_thp_mode(thp_mode, sizeof(thp_mode));
	if (thp && !sk_thp_possible(thp_mode))
		sk_skip("--thp: transparent huge pages are '%s' on this system", thp_mode);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "size_bytes", "%llu", (unsigned long long)size);
	sk_tsv_meta(&tsv, "pages", "%zu", size / page);
	sk_tsv_meta(&tsv, "hpage_bytes", "%zu", hpage);
	sk_tsv_meta(&tsv, "madvise", "%s", thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE");
	sk_tsv_meta(&tsv, "thp_mode", "%s", thp_mode);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "what", "process = whose smaps_rollup/stat the row shows; "
				  "mem_available_kib and used_kib are system-wide (free's used)");
	sk_tsv_header(&tsv, "rep\tstage\tprocess\tpid\tsize_kib\trss_kib\tpss_kib\tshared_dirty_kib\t"
			    "private_dirty_kib\tanon_huge_kib\tminflt\tstage_minflt\tmem_available_kib\t"
			    "used_kib\tanon_pages_kib");
	sk_children_guard();
	sk_cpu_note();
	for (int rep = 0; rep < reps; rep++) {
		one_rep(&tsv, rep, size, page, thp);
		sk_cpu_note();
	}
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
