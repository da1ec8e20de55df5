/*
 * lock - a race condition on a counter, and the locks that fix it.
 *
 * N workers together add 1 to a counter TOTAL times. Each increment is a
 * read-modify-write: for processes, pread the counter file, add 1, pwrite it
 * back (the book's inc.sh, without the shell); for threads, ++ on a shared
 * variable. Workers are spread over the allowed CPUs (worker i on the i-th
 * allowed CPU, round robin) and start together from a barrier, so they really
 * run at the same time. Modes:
 *   none            no lock: two workers read the same value, one update is lost
 *   wrong_lock      "while lockfile exists: wait; create lockfile": check and
 *                   create are two steps, two workers can both pass the check
 *                   (a WINDOW_NS pause between them stands for the shell's gap)
 *   excl_lock       open(O_CREAT|O_EXCL) on the lockfile: check-and-create in one
 *                   system call, correct
 *   flock           flock(LOCK_EX) on a lock file each worker opened itself
 *   fcntl           fcntl(F_SETLKW) POSIX record lock on the counter file
 *   thread_plain    threads, plain ++ on a shared int (load, add, store)
 *   thread_atomic   threads, atomic_fetch_add
 *   thread_mutex    threads, ++ under a pthread mutex
 * The files live in a directory the program creates (mkdtemp, in DIR, else
 * $TMPDIR, else /var/tmp) and removes on every exit path, including Ctrl-C.
 *
 * Usage: lock [-n WORKERS] [--total N] [-r REPS] [-m MODE]... [--window NS] [-D DIR] [-o FILE]
 * Try:   ./lock | column -t      then      ./lock --total 100000 -m none -m flock
 */
#include "shikumi.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define DEFAULT_WORKERS 4        /* the book starts 1000 processes; 4 on 2+ CPUs race well */
#define DEFAULT_TOTAL 1000       /* the book's 1000 increments in total */
#define DEFAULT_REPS 5
#define QUICK_REPS 5
#define DEFAULT_WINDOW_NS 2000   /* ~ what a shell needs between `[ -e lock ]` and `touch lock` */
#define MAX_WORKERS 64
#define STUCK_NS (120ull * 1000000000ull)   /* a worker that waits this long is stuck */
#define NUM_WIDTH 20             /* counter written as a fixed-width number */

enum mode { M_NONE, M_WRONG, M_EXCL, M_FLOCK, M_FCNTL, M_TPLAIN, M_TATOMIC, M_TMUTEX, NMODES };
static const char *const mode_name[NMODES + 1] = {
	"none", "wrong_lock", "excl_lock", "flock", "fcntl", "thread_plain", "thread_atomic",
	"thread_mutex", NULL};
static const char *const mode_what[NMODES] = {
	"processes, no lock",
	"processes, check-then-create lockfile (two steps: racy)",
	"processes, open(O_CREAT|O_EXCL) lockfile (one step)",
	"processes, flock(LOCK_EX)",
	"processes, fcntl(F_SETLKW) record lock",
	"threads, plain ++",
	"threads, atomic_fetch_add",
	"threads, pthread mutex"};

/* The files live in a scratch directory (sk_scratch_dir): removed on every
 * exit path, Ctrl-C included, by the process that made it (not by a worker). */
static const char *counter_path, *lockfile_path, *flock_path;

/* ---- the counter file -------------------------------------------------------- */

static void counter_reset(void)
{
	int fd = open(counter_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		sk_die_errno("open %s", counter_path);
	char buf[NUM_WIDTH + 2];
	int len = snprintf(buf, sizeof(buf), "%0*d\n", NUM_WIDTH, 0);
	if (write(fd, buf, (size_t)len) != len)
		sk_die_errno("write %s", counter_path);
	close(fd);
	unlink(lockfile_path);
}

static long long counter_read_file(void)
{
	char buf[64];
	long long v;
	if (sk_read_line(counter_path, buf, sizeof(buf)))
		sk_die_errno("read %s", counter_path);
	if (sk_parse_ll_r(buf, 0, LLONG_MAX, &v))
		sk_die("%s holds '%s', not a number", counter_path, buf);
	return v;
}

/* One increment: read the number, add 1, write it back. Returns 0 or -1. */
static int rmw_file(int fd)
{
	char buf[NUM_WIDTH + 2];
	ssize_t n = pread(fd, buf, NUM_WIDTH, 0);
	if (n != NUM_WIDTH)
		return -1;
	buf[NUM_WIDTH] = '\0';
	long long v = strtoll(buf, NULL, 10);
	int len = snprintf(buf, sizeof(buf), "%0*lld\n", NUM_WIDTH, v + 1);
	return pwrite(fd, buf, (size_t)len, 0) == len ? 0 : -1;
}

/* ---- workers ------------------------------------------------------------------- */

struct shared {          /* in MAP_SHARED memory for processes, plain memory for threads */
	atomic_int ready;
	atomic_int go;
	volatile long plain;  /* thread_plain: ++ is load, add, store */
	atomic_long atomic;
	pthread_mutex_t mutex;
	long mutexed;
};

struct worker {
	int index;
	enum mode mode;
	long count;
	uint64_t window_ns;
	struct shared *sh;
	int err;
};

static bool deadline_passed(uint64_t start)
{
	return sk_now_ns() - start > STUCK_NS;
}

static void pause_ns(uint64_t ns)
{
	uint64_t t0 = sk_now_ns();
	while (sk_now_ns() - t0 < ns)
		SK_BARRIER();
}

static void pin_worker(int index)
{
	cpu_set_t allowed;
	int n = sk_allowed_cpus(&allowed);
	if (n > 1)
		sk_pin_self(sk_nth_allowed_cpu(index % n));   /* best effort: spreading only */
}

static void barrier_wait(struct shared *sh)
{
	atomic_fetch_add(&sh->ready, 1);
	uint64_t t0 = sk_now_ns();
	while (!atomic_load(&sh->go)) {
		sched_yield();
		if (deadline_passed(t0))
			break;
	}
}

/* A process worker; returns an exit code (0 ok). */
static int process_worker(struct worker *w)
{
	pin_worker(w->index);
	int fd = open(counter_path, O_RDWR | O_CLOEXEC);
	int lfd = -1;
	if (fd < 0)
		return 10;
	if (w->mode == M_FLOCK) {
		/* Its own open: after fork an inherited descriptor would share one
		 * open file description, and with it one flock. */
		lfd = open(flock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lfd < 0)
			return 11;
	}
	barrier_wait(w->sh);
	uint64_t t0 = sk_now_ns();
	for (long i = 0; i < w->count; i++) {
		switch (w->mode) {
		case M_NONE:
			if (rmw_file(fd))
				return 12;
			break;
		case M_WRONG: {
			while (access(lockfile_path, F_OK) == 0) {   /* step 1: check */
				sched_yield();
				if (deadline_passed(t0))
					return 13;
			}
			pause_ns(w->window_ns);
			int l = open(lockfile_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);   /* step 2 */
			if (l < 0)
				return 14;
			close(l);
			if (rmw_file(fd))
				return 12;
			unlink(lockfile_path);   /* may already be gone: another worker "held" it too */
			break;
		}
		case M_EXCL: {
			int l;
			while ((l = open(lockfile_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
				if (errno != EEXIST || deadline_passed(t0))
					return 15;
				sched_yield();
			}
			close(l);
			if (rmw_file(fd))
				return 12;
			if (unlink(lockfile_path))
				return 16;
			break;
		}
		case M_FLOCK:
			if (flock(lfd, LOCK_EX))
				return 17;
			if (rmw_file(fd))
				return 12;
			if (flock(lfd, LOCK_UN))
				return 17;
			break;
		case M_FCNTL: {
			struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
			while (fcntl(fd, F_SETLKW, &fl))
				if (errno != EINTR)
					return 18;
			if (rmw_file(fd))
				return 12;
			fl.l_type = F_UNLCK;
			if (fcntl(fd, F_SETLK, &fl))
				return 18;
			break;
		}
		default:
			return 19;
		}
	}
	close(fd);
	if (lfd >= 0)
		close(lfd);
	return 0;
}

static void *thread_worker(void *arg)
{
	struct worker *w = arg;
	pin_worker(w->index);
	struct shared *sh = w->sh;
	barrier_wait(sh);
	for (long i = 0; i < w->count; i++) {
		switch (w->mode) {
		case M_TPLAIN: sh->plain++; break;
		case M_TATOMIC: atomic_fetch_add_explicit(&sh->atomic, 1, memory_order_relaxed); break;
		case M_TMUTEX:
			pthread_mutex_lock(&sh->mutex);
			sh->mutexed++;
			pthread_mutex_unlock(&sh->mutex);
			break;
		default: w->err = 1; return NULL;
		}
	}
	return NULL;
}

static bool is_thread_mode(enum mode m)
{
	return m >= M_TPLAIN;
}

static long share_of(long total, int workers, int i)
{
	return total / workers + (i < total % workers ? 1 : 0);
}

static void wait_ready(struct shared *sh, int workers)
{
	uint64_t t0 = sk_now_ns();
	while (atomic_load(&sh->ready) < workers) {
		sk_sleep_ns(100000);
		if (deadline_passed(t0))
			sk_die("workers did not reach the start barrier");
	}
}

/* Runs one repetition; returns the final count, *elapsed_ns the time from the
 * start signal until every worker had finished. */
static long long run_processes(enum mode m, int workers, long total, uint64_t window_ns,
			       struct shared *sh, uint64_t *elapsed_ns)
{
	pid_t pids[MAX_WORKERS];
	counter_reset();
	memset(sh, 0, sizeof(*sh));
	for (int i = 0; i < workers; i++) {
		pid_t pid = sk_fork();
		if (pid < 0)
			sk_die_errno("fork");
		if (pid == 0) {
			struct worker w = {.index = i, .mode = m, .count = share_of(total, workers, i),
					   .window_ns = window_ns, .sh = sh};
			_exit(process_worker(&w));
		}
		pids[i] = pid;
	}
	wait_ready(sh, workers);
	uint64_t t0 = sk_now_ns();
	atomic_store(&sh->go, 1);
	for (int i = 0; i < workers; i++) {
		int st = sk_wait(pids[i], NULL);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			sk_die("%s: worker %d failed (status 0x%x; exit codes 10..19 name the failing call)",
			       mode_name[m], (int)pids[i], st);
	}
	*elapsed_ns = sk_now_ns() - t0;
	return counter_read_file();
}

static long long run_threads(enum mode m, int workers, long total, struct shared *sh,
			     uint64_t *elapsed_ns)
{
	pthread_t tids[MAX_WORKERS];
	struct worker w[MAX_WORKERS];
	memset(sh, 0, sizeof(*sh));
	pthread_mutex_init(&sh->mutex, NULL);
	for (int i = 0; i < workers; i++) {
		w[i] = (struct worker){.index = i, .mode = m, .count = share_of(total, workers, i), .sh = sh};
		int e = pthread_create(&tids[i], NULL, thread_worker, &w[i]);
		if (e) {
			errno = e;
			sk_die_errno("pthread_create");
		}
	}
	wait_ready(sh, workers);
	uint64_t t0 = sk_now_ns();
	atomic_store(&sh->go, 1);
	for (int i = 0; i < workers; i++)
		pthread_join(tids[i], NULL);
	*elapsed_ns = sk_now_ns() - t0;
	pthread_mutex_destroy(&sh->mutex);
	for (int i = 0; i < workers; i++)
		if (w[i].err)
			sk_die("internal: thread worker in mode %s", mode_name[m]);
	switch (m) {
	case M_TPLAIN: return sh->plain;
	case M_TATOMIC: return atomic_load(&sh->atomic);
	default: return sh->mutexed;
	}
}

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'n', "workers", "N", "processes/threads, 2.." SK_STR(MAX_WORKERS) " (default "
	 SK_STR(DEFAULT_WORKERS) "), spread over the allowed CPUs"},
	{SK_LONG(1), "total", "N", "increments in all, 1..100000000 (default " SK_STR(DEFAULT_TOTAL)
	 ", the book's)"},
	{'m', "mode", "NAME", "only this mode (repeatable; list below)"},
	{SK_LONG(2), "window", "NS", "pause between check and create in wrong_lock [ns], 0..10000000"},
	{'D', "dir", "DIR", "where to create the scratch directory (default $TMPDIR, else /var/tmp)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "WORKERS processes or threads add 1 to a counter TOTAL times in all, with and without\n"
		      "locks; how many updates were lost. TSV to stdout.");
	printf("\nDefaults: %d reps per mode (quick %d), window %d ns.\nModes (-m):\n",
	       DEFAULT_REPS, QUICK_REPS, DEFAULT_WINDOW_NS);
	for (int i = 0; i < NMODES; i++)
		printf("  %-14s %s\n", mode_name[i], mode_what[i]);
	printf("\nOutput columns: mode rep workers total final_count lost elapsed_us\n"
	       "Examples:\n"
	       "  %s | column -t\n"
	       "  %s --total 100000 -m none -m flock -m thread_plain\n",
	       sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int workers = DEFAULT_WORKERS;
	long total = DEFAULT_TOTAL;
	uint64_t window_ns = DEFAULT_WINDOW_NS;
	bool selected[NMODES] = {false};
	int nselected = 0;
	const char *dir = NULL;   /* NULL: $TMPDIR, else /var/tmp */

	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'n': workers = sk_parse_int(optarg, "--workers", 2, MAX_WORKERS); break;
		case SK_LONG(1): total = (long)sk_parse_ll(optarg, "--total", 1, 100000000); break;
		case 'm': sk_parse_pick(optarg, "--mode", mode_name, selected, &nselected); break;
		case SK_LONG(2): window_ns = (uint64_t)sk_parse_ll(optarg, "--window", 0, 10000000); break;
		case 'D': {
			struct stat st;
			if (stat(optarg, &st) || !S_ISDIR(st.st_mode) || access(optarg, W_OK))
				sk_bad_arg("--dir", optarg, "not a writable directory");
			dir = optarg;
			break;
		}
		}
	}
	sk_no_operands(argc, argv);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);

	cpu_set_t allowed;
	char cpus[256];
	int ncpu = sk_allowed_cpus(&allowed);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "workers", "%d", workers);
	sk_tsv_meta(&tsv, "total", "%ld", total);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "window_ns", "%llu", (unsigned long long)window_ns);
	sk_tsv_meta(&tsv, "worker_cpus", "%s (worker i on the i-th, round robin; %d CPU%s)",
		    sk_cpuset_str(&allowed, cpus, sizeof(cpus)), ncpu, ncpu == 1 ? ": no true parallelism" : "s");
	sk_tsv_meta(&tsv, "what", "lost = total - final_count: increments overwritten by a racing worker");
	sk_tsv_header(&tsv, "mode\trep\tworkers\ttotal\tfinal_count\tlost\telapsed_us");

	sk_children_guard();
	sk_scratch_dir(dir);
	counter_path = sk_scratch_path("count");
	lockfile_path = sk_scratch_path("lock");
	flock_path = sk_scratch_path("flock");
	struct shared *sh = sk_shared_alloc(sizeof(struct shared));
	for (int m = 0; m < NMODES; m++) {
		if (nselected && !selected[m])
			continue;
		long long lost_sum = 0;
		int lossy = 0;
		for (int rep = 0; rep < reps; rep++) {
			uint64_t ns;
			long long final = is_thread_mode((enum mode)m)
						  ? run_threads((enum mode)m, workers, total, sh, &ns)
						  : run_processes((enum mode)m, workers, total, window_ns, sh, &ns);
			long long lost = total - final;
			lost_sum += lost;
			lossy += lost != 0;
			sk_tsv_row(&tsv, "%s\t%d\t%d\t%ld\t%lld\t%lld\t%.1f", mode_name[m], rep, workers, total,
				   final, lost, (double)ns / 1e3);
		}
		sk_note("%-13s lost updates in %d of %d runs, %.1f per run on average (of %ld)", mode_name[m],
			lossy, reps, (double)lost_sum / reps, total);
	}
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
