/*
 * spawn-cost - what does it cost to create a process, and why does fork get
 * slower as the parent grows?
 *
 * The parent maps and touches SIZE bytes of private anonymous memory (4 KiB
 * pages: MADV_NOHUGEPAGE unless --thp), then times, per creation:
 *   fork         fork + _exit(0) in the child + waitpid
 *   vfork        vfork + _exit(0) + waitpid (the child borrows the parent's memory)
 *   fork_exec    fork + execve(TINY) + waitpid
 *   posix_spawn  posix_spawn(TINY) + waitpid (glibc: clone(CLONE_VM|CLONE_VFORK))
 *   pthread      pthread_create + pthread_join
 * for parent sizes 1 MiB, 4 MiB, ... up to MAX_SIZE (default 1 GiB, never more
 * than half of MemAvailable). fork copies the parent's page tables (one PTE
 * per touched 4 KiB page) and the child's exit tears them down again, so its
 * cost grows with SIZE; vfork, posix_spawn and threads copy nothing.
 * TINY is spawn-tiny-static (no libc: the kernel's share of exec) or
 * spawn-tiny (dynamic glibc), next to this program. No stdio and no shell in
 * the timed loops.
 *
 * Usage: spawn-cost [-q] [-s MAX_SIZE] [-m METHOD]... [-x TINY] [--thp] [-r REPS] [-o FILE]
 * Try:   taskset -c 1 ./spawn-cost -q | column -t
 */
#include "ch02.h"

#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>

extern char **environ;

#define MIN_SIZE SK_MIB            /* smallest parent: a typical small program */
#define DEFAULT_MAX_SIZE SK_GIB    /* issue: 1 MiB .. 1 GiB */
#define QUICK_MAX_SIZE (256 * SK_MIB)
#define DEFAULT_REPS 7
#define QUICK_REPS 5
#define DEFAULT_TARGET_MS 20       /* 1 ms .. 20 ms per op: a few to hundreds of ops per rep */
#define QUICK_TARGET_MS 8
#define SIZE_STEP 4                /* 1, 4, 16, 64, 256 MiB, 1 GiB */
#define QUICK_SIZE_STEP 16         /* 1, 16, 256 MiB */
#define SETTLE_NS 20000000u        /* 20 ms idle before each method (see methods[]) */

static const char *tiny_path;
static char *tiny_argv[2];

/* The child's status must be "exited 0": anything else means the
 * measurement is not what it claims (exec failed, child killed). */
static void reap(pid_t pid)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		sk_die_errno("waitpid %d", (int)pid);
	sk_child_forget(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		sk_die("child %d did not exit 0 (status 0x%x)%s", (int)pid, (unsigned)st,
		       WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ": exec failed" : "");
}

static void op_fork(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			sk_die_errno("fork");
		if (pid == 0)
			_exit(0);
		sk_child_add(pid);
		reap(pid);
	}
}

/* Its own frame: the child runs on the parent's stack until _exit, so the
 * caller's loop variables must not live in this function. */
__attribute__((noinline)) static pid_t vfork_and_exit(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(0);   /* the only safe things in a vfork child: _exit, exec */
	return pid;
}

static void op_vfork(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		pid_t pid = vfork_and_exit();
		if (pid < 0)
			sk_die_errno("vfork");
		sk_child_add(pid);
		reap(pid);
	}
}

static void op_fork_exec(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			sk_die_errno("fork");
		if (pid == 0) {
			execve(tiny_path, tiny_argv, environ);
			_exit(127);
		}
		sk_child_add(pid);
		reap(pid);
	}
}

static void op_posix_spawn(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		pid_t pid;
		int e = posix_spawn(&pid, tiny_path, NULL, NULL, tiny_argv, environ);
		if (e) {
			errno = e;
			sk_die_errno("posix_spawn %s", tiny_path);
		}
		sk_child_add(pid);
		reap(pid);
	}
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void op_pthread(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		pthread_t t;
		int e = pthread_create(&t, NULL, thread_fn, NULL);
		if (e) {
			errno = e;
			sk_die_errno("pthread_create");
		}
		pthread_join(t, NULL);
	}
}

struct method {
	const char *name;
	sk_bench_fn fn;
	const char *what;
};

/* The methods that copy nothing come first at each size: the page tables
 * that fork's children free are released later (RCU), on this CPU, and
 * would be charged to whatever runs next. */
static const struct method methods[] = {
	{"vfork", op_vfork, "vfork + _exit(0) + waitpid"},
	{"posix_spawn", op_posix_spawn, "posix_spawn(TINY) + waitpid"},
	{"pthread", op_pthread, "pthread_create + pthread_join"},
	{"fork", op_fork, "fork + _exit(0) in the child + waitpid"},
	{"fork_exec", op_fork_exec, "fork + execve(TINY) + waitpid"},
};

#define STD_OPTS SK_STD_ALL
static const struct sk_opt opts[] = {
	{'s', "max-size", "SIZE", "largest parent memory [bytes, K/M/G], >= 1M (see below)"},
	{SK_LONG(1), "sizes-step", "N", "multiply the size by N each step, 2..64 (default "
	 SK_STR(SIZE_STEP) ", quick " SK_STR(QUICK_SIZE_STEP) ")"},
	{'m', "method", "NAME", "only this method (repeatable; list below)"},
	{'x', "exec", "PATH", "program that fork_exec and posix_spawn start (see below)"},
	{'H', "thp", NULL, "back the parent memory with transparent huge pages"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Time process creation (fork, vfork, fork+exec, posix_spawn, pthread_create)\n"
		      "while the parent holds 1 MiB .. MAX_SIZE of touched memory; TSV to stdout.");
	printf("\n-s: at most half of MemAvailable (default 1G, clamped to that limit).\n"
	       "-x: default spawn-tiny-static next to this program, else spawn-tiny.\n"
	       "-H: MADV_HUGEPAGE, start aligned to the huge-page size (default\n"
	       "    MADV_NOHUGEPAGE: 4 KiB pages).\n"
	       "Defaults: %d reps of %d ms; quick: sizes 1, 16, 256 MiB, %d reps of %d ms.\n"
	       "Methods (-m):\n",
	       DEFAULT_REPS, DEFAULT_TARGET_MS, QUICK_REPS, QUICK_TARGET_MS);
	for (size_t i = 0; i < SK_ARRAY_LEN(methods); i++)
		printf("  %-14s %s\n", methods[i].name, methods[i].what);
	printf("\n"
	       "Output columns: method  parent_mem_bytes  rep  us_per_op\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q\n"
	       "  taskset -c 1 %s -s 4G -m fork -m posix_spawn\n",
	       sk_prog, sk_prog);
}

/* spawn-tiny-static (or spawn-tiny) beside this executable (or in the source
 * tree, for the ASan build). */
static const char *default_tiny(void)
{
	static char path[PATH_MAX];
	static const char *const names[] = {"spawn-tiny-static", "spawn-tiny"};
	for (size_t i = 0; i < SK_ARRAY_LEN(names); i++)
		if (ch02_sibling(names[i], path, sizeof(path)))
			return path;
	sk_die("no spawn-tiny or spawn-tiny-static next to this program: run make (or give -x PATH)");
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	bool thp = false, max_given = false, step_given = false;
	int step = SIZE_STEP;
	uint64_t max_size = DEFAULT_MAX_SIZE;
	const char *max_arg = NULL;
	bool selected[SK_ARRAY_LEN(methods)] = {false};
	int nselected = 0;

	const char *names[SK_ARRAY_LEN(methods) + 1];
	for (size_t i = 0; i < SK_ARRAY_LEN(methods); i++)
		names[i] = methods[i].name;
	names[SK_ARRAY_LEN(methods)] = NULL;

	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 's':
			max_size = sk_parse_size(optarg, "--max-size", MIN_SIZE, UINT64_C(1) << 46);
			max_arg = optarg;
			max_given = true;
			break;
		case SK_LONG(1): step = sk_parse_int(optarg, "--sizes-step", 2, 64); step_given = true; break;
		case 'm': sk_parse_pick(optarg, "--method", names, selected, &nselected); break;
		case 'x':
			if (access(optarg, X_OK))
				sk_bad_arg("--exec", optarg, "not an executable file");
			tiny_path = optarg;
			break;
		case 'H': thp = true; break;
		}
	}
	sk_no_operands(argc, argv);
	bool quick = std.quick;
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	int target_ms = sk_std_target_ms(&std, DEFAULT_TARGET_MS, QUICK_TARGET_MS);
	const char *out = std.out;
	if (quick) {
		if (!max_given)
			max_size = QUICK_MAX_SIZE;
		if (!step_given)
			step = QUICK_SIZE_STEP;
	}
	/* A size the user asked for must fit (exit 2 naming the limit); the
	 * default is clamped to what this machine allows. */
	uint64_t limit = sk_mem_available_bytes() / 2;
	if (max_given)
		sk_check_mem_bound(max_size, "--max-size", max_arg);
	else if (max_size > limit) {
		char a[32];
		sk_note("MemAvailable/2 is %s: largest parent size clamped to it",
			sk_fmt_size(limit, a, sizeof(a)));
		max_size = limit;
	}
	if (!tiny_path)
		tiny_path = default_tiny();
	tiny_argv[0] = (char *)tiny_path;
	tiny_argv[1] = NULL;

	sk_children_guard();
	struct sk_tsv tsv;
	sk_tsv_open(&tsv, out);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "target_ms", "%d", target_ms);
	sk_tsv_meta(&tsv, "max_size_bytes", "%llu", (unsigned long long)max_size);
	sk_tsv_meta(&tsv, "exec_path", "%s", tiny_path);
	sk_tsv_meta(&tsv, "parent_memory", "private anonymous, every page touched, %s",
		    thp ? "MADV_HUGEPAGE, aligned to the huge-page size" : "MADV_NOHUGEPAGE (4 KiB pages)");
	char thpbuf[32];
	sk_tsv_meta(&tsv, "thp_enabled", "%s", sk_thp_mode(thpbuf, sizeof(thpbuf)));
	sk_tsv_meta(&tsv, "what", "wall time per creation incl. reaping [us]; no overhead subtracted");
	sk_tsv_header(&tsv, "method\tparent_mem_bytes\trep\tus_per_op");

	struct sk_bench_opts o;
	sk_bench_defaults(&o);
	o.reps = reps;
	o.target_ns = (uint64_t)target_ms * 1000000u;
	o.warmup_ns = quick ? 10000000u : 30000000u;
	o.no_subtract = true;   /* 100 us operations: a 20 ns clock read does not matter */
	static struct sk_bench_result r;

	for (uint64_t size = MIN_SIZE; size <= max_size; size *= (uint64_t)step) {
		char sz[32];
		sk_fmt_size(size, sz, sizeof(sz));
		/* The first MIN_SIZE is part of the region too: "parent memory" is
		 * this region; the program's own few hundred KiB come on top. */
		void *mem = sk_map_anon(size, thp ? 1 : 0);
		sk_touch_pages(mem, size);
		for (size_t i = 0; i < SK_ARRAY_LEN(methods); i++) {
			if (nselected && !selected[i])
				continue;
			/* idle a moment: deferred frees of the previous method run now */
			sk_sleep_ns(SETTLE_NS);
			sk_bench_run(methods[i].fn, NULL, &o, &r);
			for (int k = 0; k < r.reps; k++)
				sk_tsv_row(&tsv, "%s\t%llu\t%d\t%.2f", methods[i].name,
					   (unsigned long long)size, k, r.ns_per_op[k] / 1000.0);
			sk_note("%-8s %-12s %9.1f us/op (median of %d x %llu)", sz, methods[i].name,
				r.median / 1000.0, r.reps, (unsigned long long)r.iters);
		}
		if (munmap(mem, size))
			sk_die_errno("munmap");
		if (size > UINT64_MAX / (uint64_t)step)
			break;
	}
	sk_children_reap_all();
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
