/*
 * threads - threads share one address space; fork copies only the thread
 * that calls it.
 *
 * In order, each reported as rows:
 *   ids      T threads besides main: all have the process's id (TGID, what
 *            getpid returns), each has its own thread id (TID, gettid); the
 *            main thread's TID is the TGID
 *   tasks    /proc/self/task lists one directory per thread: 1 + T
 *   memory   a global starts at 1; a thread writes 2 and main reads 2 (one
 *            address space). Then a fork child writes 3 at the same address,
 *            and the parent still reads 1 (copy-on-write: two address spaces)
 *   fork     fork while the T threads run: the child's /proc/self/task holds
 *            1 entry, its only thread is the copy of the one that forked
 *   mutex    a thread holds a mutex for HOLD_MS; main forks meanwhile. In the
 *            child nobody will ever unlock it (its owner was not copied):
 *            pthread_mutex_timedlock gives up after --timeout ms (a deadlock,
 *            bounded). With pthread_atfork handlers (lock before fork, unlock
 *            after it in both) fork waits until the mutex is free, and the
 *            child can lock it
 *   cost     pthread_create + pthread_join against fork + _exit + waitpid,
 *            through the suite's harness (ns per creation, median)
 *
 * Usage: threads [-q] [-T THREADS] [--timeout MS] [-s SIZE] [-r REPS] [-t MS] [-o FILE]
 * Try:   ./threads -q | column -t -s $'\t'
 */
#include "shikumi.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define DEFAULT_THREADS 3
#define MAX_THREADS 64
#define DEFAULT_TIMEOUT_MS 300   /* the child's bounded wait: far longer than HOLD_MS */
#define HOLD_MS 50               /* how long the holder keeps the mutex in the parent */
#define FORK_AFTER_MS 10         /* main forks this long after the holder took the mutex */
#define DEFAULT_REPS 7
#define QUICK_REPS 5
#define DEFAULT_TARGET_MS 100
#define QUICK_TARGET_MS 20

#define STD_OPTS SK_STD_ALL
static const struct sk_opt opts[] = {
	{'T', "threads", "N", "threads besides main, 1..64 (default 3)"},
	{SK_LONG(1), "timeout", "MS", "how long the fork child tries to lock the mutex, 100..10000 (default 300)"},
	{'s', "size", "SIZE", "memory to touch before timing fork (default 0; fork copies its page tables)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Threads share one address space (TGID vs TID, /proc/self/task, who sees a write);\n"
		      "fork in a multi-threaded process copies only the calling thread (and a mutex held by\n"
		      "another thread stays locked forever in the child, unless pthread_atfork); creation\n"
		      "cost of a thread and of a process. TSV to stdout.");
	printf("\nDefaults for cost: %d reps of %d ms; quick: %d reps of %d ms.\n"
	       "Output columns: part  subject  metric  value  note\n"
	       "  parts: ids, tasks, memory, fork, mutex, cost (see the source's header)\n"
	       "Examples:\n"
	       "  %s -q | column -t -s $'\\t'\n"
	       "  %s -T 8 -s 256M      # does fork get slower with more memory? thread creation?\n",
	       DEFAULT_REPS, DEFAULT_TARGET_MS, QUICK_REPS, QUICK_TARGET_MS, sk_prog, sk_prog);
}

static pid_t my_tid(void) { return (pid_t)syscall(SYS_gettid); }

/* Entries of /proc/self/task, counted with raw system calls: safe in the child
 * of a multi-threaded process, where only async-signal-safe calls are. */
static int count_tasks(void)
{
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[4096];
	int n = 0;
	long got;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *d =
				(void *)(buf + off);
			if (d->name[0] != '.')
				n++;
			off += d->reclen;
		}
	}
	close(fd);
	return got < 0 ? -1 : n;
}

/* ---- ids, tasks, fork: T threads that wait at two barriers ---------------- */
struct worker {
	pthread_t th;
	pid_t tid, tgid;
	pthread_barrier_t *started, *release;
};

static void *wait_twice(void *arg)
{
	struct worker *w = arg;
	w->tid = my_tid();
	w->tgid = getpid();
	pthread_barrier_wait(w->started);
	pthread_barrier_wait(w->release);
	return NULL;
}

/* The child's report: one line on a pipe, read by the parent. */
static void child_report(int fd, long a, long b)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "%ld %ld\n", a, b);
	if (n > 0 && write(fd, line, (size_t)n) != n)
		_exit(SK_EXIT_FAIL);
}

static void read_report(int fd, pid_t pid, const char *what, long *a, long *b)
{
	char line[128];
	ssize_t n = sk_read_fd(fd, line, sizeof(line));
	close(fd);
	int st = sk_wait(pid, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char sb[64];
		sk_die("%s: child %s", what, sk_status_str(st, sb, sizeof(sb)));
	}
	if (n <= 0 || sscanf(line, "%ld %ld", a, b) != 2)
		sk_die("%s: no report from the child", what);
}

static void ids_tasks_fork(struct sk_tsv *t, int nthreads)
{
	pthread_barrier_t started, release;
	pthread_barrier_init(&started, NULL, (unsigned)nthreads + 1);
	pthread_barrier_init(&release, NULL, (unsigned)nthreads + 1);
	struct worker w[MAX_THREADS];
	for (int i = 0; i < nthreads; i++) {
		w[i].started = &started;
		w[i].release = &release;
		int e = pthread_create(&w[i].th, NULL, wait_twice, &w[i]);
		if (e)
			sk_die("pthread_create: %s", sk_errno_name(e));
	}
	pthread_barrier_wait(&started);   /* every thread has its ids and is alive */

	sk_tsv_row(t, "ids\tmain\ttgid\t%d\tgetpid()", (int)getpid());
	sk_tsv_row(t, "ids\tmain\ttid\t%d\tgettid()", (int)my_tid());
	for (int i = 0; i < nthreads; i++) {
		sk_tsv_row(t, "ids\tthread%d\ttgid\t%d\tgetpid() in the thread", i + 1, (int)w[i].tgid);
		sk_tsv_row(t, "ids\tthread%d\ttid\t%d\tgettid() in the thread", i + 1, (int)w[i].tid);
	}
	struct sk_procstatus ps;
	long long status_threads = sk_read_status(0, &ps) == 0 ? ps.threads : -1;
	sk_tsv_row(t, "tasks\tprocess\tthreads_running\t%d\tmain + -T", nthreads + 1);
	sk_tsv_row(t, "tasks\tprocess\ttask_entries\t%d\tentries of /proc/self/task", count_tasks());
	sk_tsv_row(t, "tasks\tprocess\tstatus_threads\t%lld\tThreads: in /proc/self/status", status_threads);

	/* fork while the threads wait at the second barrier */
	int p[2];
	pid_t pid = sk_fork_pipe(p);
	if (pid == 0) {
		close(p[0]);
		child_report(p[1], count_tasks(), (long)(my_tid() == getpid()));
		_exit(0);
	}
	close(p[1]);
	long child_tasks, child_tid_is_pid;
	read_report(p[0], pid, "fork", &child_tasks, &child_tid_is_pid);
	sk_tsv_row(t, "fork\tparent\ttask_entries\t%d\tthe forking process, %d threads running", count_tasks(),
		   nthreads + 1);
	sk_tsv_row(t, "fork\tchild\ttask_entries\t%ld\tthe child's /proc/self/task", child_tasks);
	sk_tsv_row(t, "fork\tchild\ttid_is_pid\t%ld\tthe child's one thread is its main thread", child_tid_is_pid);

	pthread_barrier_wait(&release);
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].th, NULL);
	pthread_barrier_destroy(&started);
	pthread_barrier_destroy(&release);
}

/* ---- memory: one address space, or two ----------------------------------- */
static volatile int g_value;

static void *write_two(void *arg)
{
	(void)arg;
	g_value = 2;
	return NULL;
}

static void memory(struct sk_tsv *t)
{
	g_value = 1;
	pthread_t th;
	int e = pthread_create(&th, NULL, write_two, NULL);
	if (e)
		sk_die("pthread_create: %s", sk_errno_name(e));
	pthread_join(th, NULL);
	sk_tsv_row(t, "memory\tthread\tvalue_seen_by_main\t%d\tstart 1, the thread wrote 2 at %p", g_value,
		   (void *)&g_value);

	g_value = 1;
	int p[2];
	pid_t pid = sk_fork_pipe(p);
	if (pid == 0) {
		close(p[0]);
		g_value = 3;
		child_report(p[1], (long)g_value, 0);
		_exit(0);
	}
	close(p[1]);
	long child_sees, unused;
	read_report(p[0], pid, "memory", &child_sees, &unused);
	sk_tsv_row(t, "memory\tfork_child\tvalue_seen_by_child\t%ld\tthe child wrote 3 at %p", child_sees,
		   (void *)&g_value);
	sk_tsv_row(t, "memory\tfork_child\tvalue_seen_by_parent\t%d\tstart 1, the child wrote 3 at the same address",
		   g_value);
}

/* ---- mutex: held by another thread at fork time --------------------------- */
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool atfork_on;

static void atfork_prepare(void) { if (atomic_load(&atfork_on)) pthread_mutex_lock(&held); }
static void atfork_unlock(void) { if (atomic_load(&atfork_on)) pthread_mutex_unlock(&held); }

struct holder {
	pthread_barrier_t locked;
};

static void *hold_a_while(void *arg)
{
	struct holder *h = arg;
	pthread_mutex_lock(&held);
	pthread_barrier_wait(&h->locked);
	sk_sleep_ns((uint64_t)HOLD_MS * 1000000u);
	pthread_mutex_unlock(&held);
	return NULL;
}

static void mutex_at_fork(struct sk_tsv *t, bool with_atfork, int timeout_ms)
{
	const char *subject = with_atfork ? "with_atfork" : "no_atfork";
	atomic_store(&atfork_on, with_atfork);
	struct holder h;
	pthread_barrier_init(&h.locked, NULL, 2);
	pthread_t th;
	int e = pthread_create(&th, NULL, hold_a_while, &h);
	if (e)
		sk_die("pthread_create: %s", sk_errno_name(e));
	pthread_barrier_wait(&h.locked);   /* the mutex is held now */
	sk_sleep_ns((uint64_t)FORK_AFTER_MS * 1000000u);

	int p[2];
	if (pipe(p))
		sk_die_errno("pipe");
	uint64_t t0 = sk_now_ns();
	pid_t pid = sk_fork();   /* with atfork: prepare waits for the mutex */
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		close(p[0]);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);   /* timedlock's deadline is CLOCK_REALTIME */
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		uint64_t c0 = sk_now_ns();
		int rc = pthread_mutex_timedlock(&held, &ts);
		long waited_us = (long)((sk_now_ns() - c0) / 1000);
		child_report(p[1], rc == 0 ? 1L : (rc == ETIMEDOUT ? 0L : -(long)rc), waited_us);
		_exit(0);
	}
	uint64_t fork_ns = sk_now_ns() - t0;
	close(p[1]);
	long locked, waited_us;
	read_report(p[0], pid, "mutex", &locked, &waited_us);
	pthread_join(th, NULL);
	atomic_store(&atfork_on, false);
	/* In the parent the holder has let go: the mutex is free. */
	uint64_t l0 = sk_now_ns();
	int prc = pthread_mutex_trylock(&held);
	if (prc == 0)
		pthread_mutex_unlock(&held);
	pthread_barrier_destroy(&h.locked);

	sk_tsv_row(t, "mutex\t%s\tchild_locked\t%ld\t%s", subject, locked,
		   locked == 1 ? "the child locked it" : locked == 0 ? "ETIMEDOUT: nobody in the child will unlock it"
								   : "error");
	sk_tsv_row(t, "mutex\t%s\tchild_waited_ms\t%.1f\tpthread_mutex_timedlock, deadline %d ms", subject,
		   (double)waited_us / 1000.0, timeout_ms);
	sk_tsv_row(t, "mutex\t%s\tfork_ms\t%.1f\tfork() took; the holder keeps the mutex %d ms, fork after %d ms",
		   subject, (double)fork_ns / 1e6, HOLD_MS, FORK_AFTER_MS);
	sk_tsv_row(t, "mutex\t%s\tparent_locked\t%d\tthe parent, after the holder let go (%.0f ns)", subject,
		   prc == 0 ? 1 : 0, (double)(sk_now_ns() - l0));
}

/* ---- cost: a thread or a process, created and waited for ------------------- */
static void *nothing(void *arg) { return arg; }

static void thread_op(uint64_t iters, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++) {
		pthread_t th;
		int e = pthread_create(&th, NULL, nothing, NULL);
		if (e)
			sk_die("pthread_create: %s", sk_errno_name(e));
		pthread_join(th, NULL);
	}
}

static void process_op(uint64_t iters, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < iters; i++) {
		pid_t pid = sk_fork();
		if (pid < 0)
			sk_die_errno("fork");
		if (pid == 0)
			_exit(0);
		sk_wait(pid, NULL);
	}
}

static void cost(struct sk_tsv *t, int reps, int target_ms)
{
	struct sk_bench_opts o;
	sk_bench_defaults(&o);
	o.reps = reps;
	o.target_ns = (uint64_t)target_ms * 1000000u;
	o.warmup_ns = o.target_ns;
	o.no_subtract = true;   /* microseconds per op */
	static struct sk_bench_result r;
	const char *names[2] = {"thread", "process"};
	const char *what[2] = {"pthread_create + pthread_join", "fork + _exit + waitpid"};
	sk_bench_fn fns[2] = {thread_op, process_op};
	for (int k = 0; k < 2; k++) {
		sk_bench_run(fns[k], NULL, &o, &r);
		struct sk_summary s = sk_summarize(r.ns_per_op, (size_t)r.reps);
		for (int i = 0; i < r.reps; i++)
			sk_tsv_row(t, "cost\t%s\tns_per_create_rep%d\t%.0f\t%s", names[k], i + 1, r.ns_per_op[i], what[k]);
		sk_tsv_row(t, "cost\t%s\tns_per_create\t%.0f\t%s, median of %d x %llu", names[k], s.median, what[k],
			   r.reps, (unsigned long long)r.iters);
		sk_tsv_row(t, "cost\t%s\tspread_pct\t%.1f\t100 x (max - min) / median", names[k],
			   s.median > 0 ? 100.0 * (s.max - s.min) / s.median : 0.0);
		sk_note("%-7s %9.0f ns per creation (%s; median of %d)", names[k], s.median, what[k], r.reps);
	}
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int nthreads = DEFAULT_THREADS, timeout_ms = DEFAULT_TIMEOUT_MS;
	uint64_t size = 0;
	const char *size_arg = NULL;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'T': nthreads = sk_parse_int(optarg, "--threads", 1, MAX_THREADS); break;
		case SK_LONG(1): timeout_ms = sk_parse_int(optarg, "--timeout", 100, 10000); break;
		case 's': size = sk_parse_size(optarg, "--size", 0, UINT64_MAX); size_arg = optarg; break;
		}
	}
	sk_no_operands(argc, argv);
	if (size)
		sk_check_mem_bound(size, "--size", size_arg);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	int target_ms = sk_std_target_ms(&std, DEFAULT_TARGET_MS, QUICK_TARGET_MS);

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_children_guard();
	if (pthread_atfork(atfork_prepare, atfork_unlock, atfork_unlock))
		sk_die("pthread_atfork failed");
	sk_tsv_meta(&t, "threads", "%d", nthreads);
	sk_tsv_meta(&t, "timeout_ms", "%d", timeout_ms);
	sk_tsv_meta(&t, "hold_ms", "%d", HOLD_MS);
	sk_tsv_meta(&t, "fork_after_ms", "%d", FORK_AFTER_MS);
	sk_tsv_meta(&t, "touched_bytes", "%llu", (unsigned long long)size);
	sk_tsv_meta(&t, "reps", "%d", reps);
	sk_tsv_header(&t, "part\tsubject\tmetric\tvalue\tnote");
	sk_cpu_note();

	ids_tasks_fork(&t, nthreads);
	memory(&t);
	mutex_at_fork(&t, false, timeout_ms);
	mutex_at_fork(&t, true, timeout_ms);
	if (size) {
		void *mem = sk_map_anon((size_t)size, 0);
		sk_touch_pages(mem, (size_t)size);
		cost(&t, reps, target_ms);
		munmap(mem, (size_t)size);
	} else {
		cost(&t, reps, target_ms);
	}
	sk_cpu_note();
	return sk_tsv_close(&t) ? 1 : 0;
}
