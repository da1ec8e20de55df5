/*
 * shikumi.h - the one header every shikumi program includes.
 *
 * What is here, in the order a program usually needs it:
 *   sk_init ........ program name, C numeric locale, line-buffered stderr
 *   errors ......... sk_die / sk_die_errno (exit 1), sk_usage_error (exit 2),
 *                    sk_skip (exit 4); errno *names* ("EPERM"), not only text
 *   options ........ sk_getopt: the program's option table plus the standard
 *                    -h -q -o -r -t; sk_usage_head prints the head of every -h
 *   parsing ........ strict integers, sizes (4K, 64M, 1G), doubles, CPU numbers:
 *                    junk, overflow, out of range -> "prog: bad VALUE for --name: why", exit 2
 *   clock .......... sk_now_ns (CLOCK_MONOTONIC, vDSO)
 *   sinks .......... SK_BARRIER, SK_KEEP, sk_sink: work that survives -O2
 *   bench .......... calibrated, time-bounded repetitions with warm-up and
 *                    timer + loop overhead subtraction (lmbench's idea)
 *   stats .......... median, percentiles, summaries
 *   tsv ............ buffered TSV writer: "# key: value" preamble, header, rows,
 *                    written at close (atomically for -o FILE)
 *   /proc, /sys .... /proc/stat per CPU, /proc/meminfo, /proc/PID/status,
 *                    /proc/PID/stat, smaps_rollup, page and cache sizes, THP mode
 *   cpus ........... allowed set, pinning, CPUs actually used
 *   children ....... register children; SIGINT/SIGTERM kill and reap them
 *   busy work ...... calibrated CPU-burning units (loop, sched, nice, ...)
 *
 * Exit codes used across the suite: 0 ok, 1 runtime failure, 2 usage error, 4 skipped.
 */
#ifndef SHIKUMI_H
#define SHIKUMI_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define SK_VERSION "0.1.0"

enum { SK_EXIT_OK = 0, SK_EXIT_FAIL = 1, SK_EXIT_USAGE = 2, SK_EXIT_SKIP = 4 };

#define SK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SK_NORETURN __attribute__((noreturn))
#define SK_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- start-up and errors ---------------------------------------------- */

extern const char *sk_prog;            /* basename of argv[0] */
void sk_init(int argc, char **argv);   /* call first in main() */
const char *sk_cmdline(void);          /* argv joined by spaces, as given */

const char *sk_errno_name(int err);    /* "ENOENT"; "E123" if unknown */
void sk_warn(const char *fmt, ...) SK_PRINTF(1, 2);
void sk_warn_errno(const char *fmt, ...) SK_PRINTF(1, 2);   /* appends ": ENOENT (text)" */
void sk_note(const char *fmt, ...) SK_PRINTF(1, 2);         /* progress/prose to stderr */
SK_NORETURN void sk_die(const char *fmt, ...) SK_PRINTF(1, 2);
SK_NORETURN void sk_die_errno(const char *fmt, ...) SK_PRINTF(1, 2);
SK_NORETURN void sk_usage_error(const char *fmt, ...) SK_PRINTF(1, 2);
SK_NORETURN void sk_skip(const char *fmt, ...) SK_PRINTF(1, 2);
/* Report a bad option value and exit 2: "prog: bad VALUE for NAME: why". */
SK_NORETURN void sk_bad_arg(const char *name, const char *value, const char *why);
/* Called by getopt loops for '?' and ':': exit 2 with a hint naming the option. */
SK_NORETURN void sk_usage_hint(void);
/* After the getopt loop of a program that takes no operands: exit 2 naming
 * the first one left, if any. */
void sk_no_operands(int argc, char **argv);

/* ---- standard options ------------------------------------------------------
 * Every program lists its own options in a table and lets sk_getopt add the
 * standard ones it asks for. One meaning per letter across the suite:
 *   -h help          -q quick           -o output FILE     -r repetitions (>= 5)
 *   -t target ms of one timed repetition                   -s SIZE
 *   -b block SIZE    -n count (processes, workers, items)  -d duration [ms]
 *   -D scratch DIR   -c CPU             -i interval [ms]   -H use THP
 *   -T threads       -p points per octave                  -m mode/method
 *   -x program to exec
 * Anything else is long-only: key SK_LONG(n).
 *
 *   static const struct sk_opt opts[] = {
 *       {'s', "size", "SIZE", "buffer size (default 64M)"},
 *       {SK_LONG(1), "backing", "4k|thp", "page backing (default both)"},
 *       {0}};
 *   struct sk_std std = {0};
 *   while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1)
 *       switch (c) { case 's': ...; break; case SK_LONG(1): ...; break; }
 *   sk_no_operands(argc, argv);
 * usage() starts with sk_usage_head("[options]", opts, flags, "What it shows.")
 * (or prints its own lines with sk_opts_usage(stdout, opts) and the standard
 * ones with sk_std_usage(stdout, flags)), then its notes. -h exits 0 after usage();
 * unknown options and missing values exit 2 (sk_usage_hint). */
#define SK_STR_(x) #x
#define SK_STR(x) SK_STR_(x)
#define SK_MIN_REPS 5
#define SK_MAX_TARGET_MS 10000
#define SK_LONG(n) (256 + (n))
enum { SK_STD_Q = 1, SK_STD_O = 2, SK_STD_R = 4, SK_STD_T = 8,
       SK_STD_ALL = SK_STD_Q | SK_STD_O | SK_STD_R | SK_STD_T };
struct sk_opt {
	int key;            /* a letter, or SK_LONG(n); 0 ends the table */
	const char *name;   /* long name, without "--" */
	const char *arg;    /* operand name shown in usage ("SIZE"), NULL for a flag */
	const char *help;   /* one line, with the default */
};
struct sk_std {
	bool quick;
	const char *out;    /* NULL = stdout */
	int reps;           /* 0 = not given */
	int target_ms;      /* 0 = not given */
};
/* Next program option (its key; optarg as getopt sets it), -1 at the end. */
int sk_getopt(int argc, char **argv, const struct sk_opt *opts, unsigned flags,
	      struct sk_std *std, void (*usage)(void));
/* For a program whose table holds no option that needs handling in main:
 * the whole loop, then no operands allowed. */
void sk_getopt_all(int argc, char **argv, const struct sk_opt *opts, unsigned flags,
		   struct sk_std *std, void (*usage)(void));
/* Continues an option's help on a line of its own, under the first:
 * "file to read (default X, else" SK_USAGE_MORE "Y)". */
#define SK_USAGE_MORE "\n                             "
void sk_opts_usage(FILE *f, const struct sk_opt *opts);
void sk_std_usage(FILE *f, unsigned flags);
/* The head of every program's help, to stdout: "Usage: PROG SYNOPSIS", the
 * description WHAT (a printf format, without the final newline), a blank
 * line, then the lines of opts (may be NULL) and of the standard options of
 * flags. usage() prints its notes and examples after it. */
void sk_usage_head(const char *synopsis, const struct sk_opt *opts, unsigned flags, const char *what, ...)
	SK_PRINTF(4, 5);
/* The value given, else the quick or normal default (reps never below 5). */
int sk_std_reps(const struct sk_std *s, int normal, int quick);
int sk_std_target_ms(const struct sk_std *s, int normal, int quick);

/* ---- strict parsing ------------------------------------------------------
 * The *_r forms return NULL on success or a short reason ("not a number",
 * "trailing junk", "out of range 1..64") and never exit; the plain forms
 * exit 2 through sk_bad_arg. NAME is how the user spelled the argument
 * ("--size", "NPROC"). */
const char *sk_parse_ll_r(const char *s, long long min, long long max, long long *out);
const char *sk_parse_size_r(const char *s, uint64_t min, uint64_t max, uint64_t *out);
const char *sk_parse_double_r(const char *s, double min, double max, double *out);
long long sk_parse_ll(const char *s, const char *name, long long min, long long max);
int sk_parse_int(const char *s, const char *name, int min, int max);
uint64_t sk_parse_size(const char *s, const char *name, uint64_t min, uint64_t max);
double sk_parse_double(const char *s, const char *name, double min, double max);
/* A CPU number that is in this process's allowed set. */
int sk_parse_cpu(const char *s, const char *name);
/* One of a fixed list of words; returns its index. */
int sk_parse_choice(const char *s, const char *name, const char *const *choices);
/* A repeatable choice (--mode A --mode B): sets picked[index] and counts it
 * in *npicked the first time; returns the index. */
int sk_parse_pick(const char *s, const char *name, const char *const *choices, bool *picked, int *npicked);

/* "4 KiB", "1.5 GiB": human-readable binary size. */
const char *sk_fmt_size(uint64_t bytes, char *buf, size_t len);

#define SK_KIB (UINT64_C(1) << 10)
#define SK_MIB (UINT64_C(1) << 20)
#define SK_GIB (UINT64_C(1) << 30)

/* ---- time ---------------------------------------------------------------- */

static inline uint64_t sk_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
void sk_sleep_ns(uint64_t ns);          /* nanosleep, restarted on EINTR */
const char *sk_utc_stamp(char *buf, size_t len);   /* 2026-11-21T15:04:05Z */

/* ---- keeping work alive under -O2 ---------------------------------------
 * SK_BARRIER: the compiler must assume memory changed (no caching, no
 * deleting stores). SK_KEEP(x): the compiler must assume x is used. */
#define SK_BARRIER() __asm__ __volatile__("" ::: "memory")
#define SK_KEEP(x) __asm__ __volatile__("" : : "g"(x) : "memory")
extern volatile uint64_t sk_sink;

/* ---- statistics ----------------------------------------------------------- */

int sk_cmp_double(const void *a, const void *b);
/* p in [0,100], linear interpolation between closest ranks; v need not be sorted. */
double sk_percentile(const double *v, size_t n, double p);
double sk_median(const double *v, size_t n);
struct sk_summary {
	size_t n;
	double min, p10, median, p90, max, mean;
};
struct sk_summary sk_summarize(const double *v, size_t n);

/* ---- benchmark harness -----------------------------------------------------
 * fn(iters, arg) must perform the operation exactly iters times. The harness
 * warms up, grows iters until one repetition lasts target_ns, then times
 * reps repetitions. Timer overhead (two clock reads) and loop overhead
 * (sk_bench_empty_loop, or opts->baseline when given) are subtracted. */
typedef void (*sk_bench_fn)(uint64_t iters, void *arg);

struct sk_bench_opts {
	uint64_t target_ns;   /* length of one timed repetition (default 20 ms) */
	uint64_t warmup_ns;   /* warm-up before calibration (default 50 ms) */
	int reps;             /* repetitions (default 7, at least 5 are sensible) */
	sk_bench_fn baseline; /* loop-overhead function; NULL = sk_bench_empty_loop */
	bool no_subtract;     /* report raw time per op (for slow operations) */
};
#define SK_BENCH_MAX_REPS 1000
struct sk_bench_result {
	int reps;
	uint64_t iters;              /* iterations per repetition */
	double ns_per_op[SK_BENCH_MAX_REPS];
	double overhead_ns_per_op;   /* what was subtracted per op */
	double timer_overhead_ns;    /* one pair of clock reads */
	double median;
};
void sk_bench_empty_loop(uint64_t iters, void *arg);
void sk_bench_defaults(struct sk_bench_opts *o);
/* Returns 0; fills r. Never fails, but ns_per_op may be ~0 for trivial ops. */
int sk_bench_run(sk_bench_fn fn, void *arg, const struct sk_bench_opts *o,
		 struct sk_bench_result *r);
double sk_timer_overhead_ns(void);    /* median cost of one clock_gettime pair */

/* ---- TSV output -------------------------------------------------------------
 * Everything is buffered in memory and written by sk_tsv_close: first the
 * preamble (standard keys + sk_tsv_meta lines + cpus_used), then the header,
 * then the rows. With a path, the file is written as PATH.tmp.PID and renamed,
 * so a failed run never leaves a half-written file. */
struct sk_tsv {
	char *path;        /* NULL = stdout */
	const char *opt;   /* the option that named it, for messages ("--output") */
	FILE *meta, *body; /* open_memstream buffers */
	char *meta_buf, *body_buf;
	size_t meta_len, body_len;
	int ncols;
	bool header_done;
};
void sk_tsv_open(struct sk_tsv *t, const char *path);   /* path named by -o/--output */
/* The same for a file named by another option (sched -w FILE: "--workers"). The
 * path is written by the rules of sk_publish_plan (never replaces a device). */
void sk_tsv_open_opt(struct sk_tsv *t, const char *path, const char *opt);
void sk_tsv_meta(struct sk_tsv *t, const char *key, const char *fmt, ...) SK_PRINTF(3, 4);
void sk_tsv_header(struct sk_tsv *t, const char *tab_separated_names);
void sk_tsv_row(struct sk_tsv *t, const char *fmt, ...) SK_PRINTF(2, 3);
int sk_tsv_close(struct sk_tsv *t);   /* 0 ok; on error prints and returns -1 */

/* ---- /proc and /sys -------------------------------------------------------- */

/* Read a whole small file into buf (NUL-terminated). Returns bytes or -1 (errno). */
ssize_t sk_read_file(const char *path, char *buf, size_t len);
/* First line, newline stripped. */
int sk_read_line(const char *path, char *buf, size_t len);
int sk_read_ll(const char *path, long long *out);
/* Write a string to a file (sysfs/procfs knobs, cgroup files). -1 with errno. */
int sk_write_str(const char *path, const char *s);
/* "Key:   1234 kB" files (meminfo, status, smaps_rollup): value of key, in
 * the file's unit (kB for sizes). Returns 0, or -1 if missing (errno=ENOENT). */
int sk_kv_get(const char *path, const char *key, long long *out);

struct sk_cpustat {      /* /proc/stat, in USER_HZ ticks */
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};
uint64_t sk_cpustat_total(const struct sk_cpustat *s);
/* cpu < 0 reads the "cpu" summary line. */
int sk_read_cpustat(int cpu, struct sk_cpustat *out);

struct sk_meminfo {      /* kB, as in /proc/meminfo; -1 if absent */
	long long mem_total, mem_free, mem_available, buffers, cached, swap_cached,
		shmem, sreclaimable, dirty, writeback, anon_pages, anon_huge_pages,
		page_tables, committed_as, commit_limit, swap_total, swap_free,
		hugepages_free, hugepages_rsvd, hugepagesize;   /* hugetlb: pages, pages, kB */
};
int sk_read_meminfo(struct sk_meminfo *m);
/* free(1)'s "used" as procps-ng 4 computes it: total - available (MemTotal -
 * MemAvailable; without MemAvailable, before Linux 3.14: total - free - buffers
 * - cache, cache = Cached + SReclaimable). Beware: pages sitting on the per-CPU
 * free lists (up to ~150 MiB per CPU on a big machine, "high:" in
 * /proc/zoneinfo) are not counted as free, so neither MemFree nor MemAvailable
 * sees them, and "used" can lag an allocation by that much. To see memory that a process
 * really got, compare AnonPages (anonymous) or Cached (file pages) instead. */
long long sk_meminfo_used_kib(const struct sk_meminfo *m);
uint64_t sk_mem_available_bytes(void);
/* Exit 2 unless bytes <= MemAvailable/2: "bad VALUE for NAME: exceeds half ...". */
void sk_check_mem_bound(uint64_t bytes, const char *name, const char *value);

struct sk_procstatus {   /* /proc/PID/status; kB for Vm*, -1 if absent */
	char state;
	long long vm_size, vm_rss, vm_pte, rss_anon, rss_file, rss_shmem, threads,
		voluntary_ctxt_switches, nonvoluntary_ctxt_switches;
	uint64_t sig_ign, sig_cgt, sig_blk;
};
int sk_read_status(pid_t pid, struct sk_procstatus *s);   /* pid 0 = self */

struct sk_pidstat {      /* /proc/PID/stat */
	char state;
	pid_t ppid, pgrp, session;
	int tty_nr, processor, nice;
	long long num_threads;
	uint64_t minflt, majflt, utime_ticks, stime_ticks, vsize_bytes, rss_pages,
		starttime_ticks;
};
int sk_read_pidstat(pid_t pid, struct sk_pidstat *s);     /* pid 0 = self */

struct sk_smaps {        /* /proc/PID/smaps_rollup, kB; -1 if absent */
	long long rss, pss, shared_clean, shared_dirty, private_clean, private_dirty,
		anonymous, anon_huge_pages, swap;
};
int sk_read_smaps_rollup(pid_t pid, struct sk_smaps *s);  /* pid 0 = self */

long sk_page_size(void);
long sk_clk_tck(void);
int sk_cache_line_size(void);   /* sysfs, then sysconf, then 64 */
struct sk_cache {
	int level;             /* 1, 2, 3 */
	char type[16];         /* Data, Instruction, Unified */
	uint64_t size_bytes;
	int line_size;
};
/* Caches of the given CPU (first allowed CPU if cpu < 0); returns count (0 if
 * sysfs has none). */
int sk_read_caches(int cpu, struct sk_cache *out, int max);
/* Size of the level-N data/unified cache, 0 if unknown. */
uint64_t sk_cache_size(int level);
/* "always", "madvise", "never" or "unavailable". */
const char *sk_thp_mode(char *buf, size_t len);
/* Can MADV_HUGEPAGE get huge pages in this mode ("always", "madvise")? */
bool sk_thp_possible(const char *mode);

/* ---- CPUs ------------------------------------------------------------------- */

int sk_allowed_cpus(cpu_set_t *set);      /* sched_getaffinity(0); returns count */
int sk_first_allowed_cpu(void);
int sk_nth_allowed_cpu(int n);            /* -1 if fewer */
int sk_other_allowed_cpu(int cpu);        /* the first allowed CPU but cpu; -1 if none */
/* The two CPUs of a same-CPU vs cross-CPU comparison (-c CPU, --cpu2 CPU; < 0
 * = not given): cpu defaults to the first allowed CPU, cpu2 to the first other
 * one. When *cross (the cross-CPU case is wanted): exit 2 if they are the same;
 * if only one CPU is allowed, warn "WHAT skipped: only one CPU allowed" and
 * clear *cross. Returns the preamble's word on it: "run" or "skipped: ...". */
const char *sk_cpu_pair(int *cpu, int *cpu2, bool *cross, const char *what);
int sk_online_cpus(void);
int sk_pin_self(int cpu);                 /* -1 with errno */
/* Remember the CPU we are on now (cheap); sk_tsv_close writes the set seen
 * as "# cpus_used". Call it at interesting moments (start, each rep). */
void sk_cpu_note(void);
const char *sk_cpus_used(char *buf, size_t len);
const char *sk_cpuset_str(const cpu_set_t *set, char *buf, size_t len);  /* "0-3,6" */

/* ---- children and signals --------------------------------------------------
 * Programs that fork register every child; on SIGINT/SIGTERM (after
 * sk_children_guard) the handler SIGKILLs and reaps them, then the program
 * dies of the same signal. sk_children_reap_all kills and reaps what is left
 * (use on every exit path). */
void sk_children_guard(void);
void sk_child_add(pid_t pid);
void sk_child_forget(pid_t pid);          /* after a successful waitpid */
void sk_children_kill_all(int sig);
void sk_children_reap_all(void);
/* Cleanup hooks: fn runs once, on every way out: normal exit (atexit),
 * sk_die/sk_skip, and SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGPIPE (after the children are
 * reaped; sk_on_cleanup installs the guard). In the signal case fn must be
 * async-signal-safe: unlink, rmdir, close, write, kill are; free, printf are not.
 * Hooks run in reverse order of registration. At most 16. */
void sk_on_cleanup(void (*fn)(void));
void sk_run_cleanups(void);   /* run them now (idempotent) */
/* fork with fflush(NULL) first, registers the child; -1 on error. */
pid_t sk_fork(void);
/* pipe(fds), then sk_fork(); dies naming what failed. The caller closes the
 * ends each side does not use. */
pid_t sk_fork_pipe(int fds[2]);
/* Wait for pid, retrying on EINTR, and forget it. Returns the status. */
int sk_wait(pid_t pid, struct rusage *ru);
/* Shared anonymous memory that survives fork (MAP_SHARED); dies on failure. */
void *sk_shared_alloc(size_t len);

/* ---- helpers the chapters used to write themselves (copts) -----------------
 * sk_signame ...... "SIGKILL" (own buffer per signal: several may appear in one printf)
 * sk_status_str ... a wait status in words: "exited 3", "killed by SIGSEGV (core
 *                   dumped)", "stopped by SIGSTOP", "continued"
 * sk_read_fd ...... read a pipe or file descriptor to EOF
 * sk_write_fd ..... write all of a string to a descriptor (children report with
 *                   write(2), never stdio)
 * sk_minflt ....... this process's minor page faults so far (getrusage)
 * sk_tv_ms ........ a struct timeval (rusage times) in ms */
const char *sk_signame(int sig);
const char *sk_status_str(int status, char *buf, size_t len);
/* Reads fd until EOF into buf (NUL-terminated, truncated to len-1); bytes or -1. */
ssize_t sk_read_fd(int fd, char *buf, size_t len);
/* 0, or -1 with errno (EINTR is retried). */
int sk_write_fd(int fd, const char *s);
uint64_t sk_minflt(void);
static inline double sk_tv_ms(struct timeval tv)
{
	return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3;
}

/* ---- memory ----------------------------------------------------------------- */

/* Anonymous private mapping; thp: 0 = MADV_NOHUGEPAGE, 1 = MADV_HUGEPAGE,
 * -1 = leave the default. With thp = 1 the start is aligned to the huge-page
 * size, so that every whole huge page of the range can be one (the excess is
 * unmapped: munmap(p, len) releases it all). Dies on failure; use mmap(2)
 * directly where failure is the lesson (overcommit). */
void *sk_map_anon(size_t len, int thp);
/* The PMD (transparent) huge-page size: hpage_pmd_size, else 2 MiB. */
uint64_t sk_hugepage_size(void);
/* Write one byte per page. */
void sk_touch_pages(void *p, size_t len);

/* ---- scratch files ------------------------------------------------------------
 * sk_scratch_dir creates BASE/shikumi-PROG.XXXXXX (BASE: the argument, which
 * must work; else $TMPDIR, falling back to /var/tmp and /tmp) and registers
 * its removal on every exit path (see
 * sk_on_cleanup). sk_scratch_path names a file inside it and records it, so
 * the cleanup can unlink it without walking the directory. Dies on failure. */
const char *sk_scratch_dir(const char *base);
const char *sk_scratch_path(const char *name);   /* at most 32 files */
/* Filesystem type name of PATH ("ext4", "tmpfs", "ramfs", "xfs", "btrfs", "overlay",
 * "nfs", or "0x..." for others); NULL with errno on failure. */
const char *sk_fs_type(const char *path, char *buf, size_t len);

/* ---- busy work ------------------------------------------------------------------
 * A unit is a fixed amount of pure user-mode work (no memory traffic beyond
 * registers). sk_busy_calibrate warms up, then measures how many units fit in
 * one millisecond (median of several tries) and checks the figure is
 * plausible (dies otherwise). */
void sk_busy(uint64_t units);
uint64_t sk_busy_calibrate(void);          /* units per millisecond */

/* ---- cgroups (lib/cgroup.c; chapters 11 and 12) ---------------------------------
 * v1, v2 or hybrid is detected at run time; groups are created beneath the
 * group the caller runs in (never at a hierarchy's root), removed on every
 * exit path, and every refusal names the file that was not writable.
 *
 *   sk_cg_setup(SK_CG_BIT(SK_CG_CPU) | SK_CG_BIT(SK_CG_CPUACCT), argv);  // or SKIP
 *   struct sk_cg *g = sk_cg_create("cpu-limit");                         // or SKIP/die
 *   if (sk_cg_set_cpu_max(g, 50000, 100000)) sk_cg_die();
 *   pid_t pid = sk_cg_fork(g);            // the child is born inside g
 *   ... struct sk_cg_cpu_stat st; sk_cg_cpu_stat(g, &st);
 *   sk_cg_destroy(g);                     // or leave it to the exit hook
 *
 * Environment: SHIKUMI_CGROUP_ROOT (default /sys/fs/cgroup) and
 * SHIKUMI_PROC_CGROUP (default /proc/self/cgroup) point the helper at a fake
 * tree for tests: a directory that is not on cgroupfs is treated as plain
 * files (interface files are created when written, removed with the group).
 * SHIKUMI_CG_TAG (default "shikumi") starts every group's name; SHIKUMI_CG_OWNER
 * (a pid, usually the driver's) says whose descendants are "the suite's own"
 * processes: on v2 only those are ever moved (into a leaf, and back on exit).
 */
enum sk_cg_ctrl { SK_CG_CPU, SK_CG_CPUACCT, SK_CG_MEMORY, SK_CG_PIDS, SK_CG_IO, SK_CG_NCTRL };
#define SK_CG_BIT(c) (1u << (c))
enum sk_cg_mode { SK_CG_NONE, SK_CG_V1, SK_CG_HYBRID, SK_CG_V2 };
enum { SK_CG_OK = 0, SK_CG_FAIL = 1, SK_CG_DELEGATE = 3, SK_CG_SKIP = 4 };
#define SK_CG_PATH 1024
#define SK_CG_MEM_FLOOR (16 * SK_MIB)   /* smallest memory limit the suite sets */

struct sk_cg_hier {          /* where one controller lives */
	int version;              /* 0 = not available, 1 or 2 */
	char mount[SK_CG_PATH];   /* its hierarchy's mount point */
	char self[SK_CG_PATH];    /* the caller's group in it ("/" or "/a/b") */
};
struct sk_cg_sys {
	enum sk_cg_mode mode;
	char root[SK_CG_PATH];        /* SHIKUMI_CGROUP_ROOT */
	char v2_mount[SK_CG_PATH];    /* "" if no v2 hierarchy */
	char v2_self[SK_CG_PATH];     /* the caller's v2 group */
	char v2_controllers[256];     /* the v2 root's cgroup.controllers */
	struct sk_cg_hier h[SK_CG_NCTRL];
};
/* Fills s from SHIKUMI_CGROUP_ROOT and SHIKUMI_PROC_CGROUP. Returns 0, or -1
 * (mode NONE, sk_cg_error() says why) when no cgroup hierarchy is there. */
int sk_cg_detect(struct sk_cg_sys *s);
const char *sk_cg_mode_name(enum sk_cg_mode m);   /* "v1" "hybrid" "v2" "none" */
/* The v2 name ("cpu", "cpuacct", "memory", "pids", "io"); v1 calls io "blkio". */
const char *sk_cg_ctrl_name(enum sk_cg_ctrl c);
int sk_cg_ctrl_parse(const char *name);   /* v1 or v2 name -> enum; -1 if unknown */
/* The message of the last failure ("write /sys/fs/cgroup/x/cpu.max: EACCES ..."). */
const char *sk_cg_error(void);
/* Exit with the last failure: SKIP (4) when it was a missing privilege or
 * feature (EACCES, EPERM, EROFS, ENOENT, ENODEV, EOPNOTSUPP), else 1. */
SK_NORETURN void sk_cg_die(void);

/* Prepare to create groups with the controllers of mask (once, before any
 * sk_cg_create): detect, check each controller is there beneath the caller's
 * group; on v2 make the caller's group able to hand controllers to children:
 * move the suite's own processes into a leaf of their own and enable the
 * controllers in cgroup.subtree_control (both undone at exit). If the group
 * holds processes that are not the suite's, re-exec argv in a delegated
 * systemd scope (systemd-run --scope -p Delegate=yes) when systemd runs and
 * argv is not NULL, else SKIP. Registers the exit hook that removes every
 * group. sk_cg_setup exits 4 (SKIP) or 1 itself; sk_cg_setup_r returns
 * SK_CG_OK, SK_CG_SKIP, SK_CG_DELEGATE or SK_CG_FAIL (reason in sk_cg_error). */
void sk_cg_setup(unsigned mask, char **argv);
int sk_cg_setup_r(unsigned mask);
unsigned sk_cg_setup_mask(void);
const struct sk_cg_sys *sk_cg_system(void);   /* what sk_cg_setup detected */

struct sk_cg;   /* a group: one directory per hierarchy holding its controllers */
/* A new group TAG-HINT-PID-N beneath the caller's group(s), with every
 * controller of the setup mask. sk_cg_create SKIPs/dies; _r returns NULL. */
struct sk_cg *sk_cg_create(const char *hint);
struct sk_cg *sk_cg_create_r(const char *hint);
const char *sk_cg_name(const struct sk_cg *g);
const char *sk_cg_dir(const struct sk_cg *g, enum sk_cg_ctrl c);   /* NULL if not in mask */
int sk_cg_version(const struct sk_cg *g, enum sk_cg_ctrl c);        /* 1, 2, 0 */
/* Any interface file; the hierarchy is chosen by the file's prefix (cpu.,
 * cpuacct., memory., pids., io./blkio.; cgroup.* -> every directory). -1 with
 * errno and sk_cg_error() naming the path. */
int sk_cg_write(struct sk_cg *g, const char *file, const char *fmt, ...) SK_PRINTF(3, 4);
int sk_cg_read(const struct sk_cg *g, const char *file, char *buf, size_t len);
/* "key value" lines (cpu.stat, memory.events, memory.stat, pids.events);
 * one-number files with key NULL ("max" reads as -1). */
int sk_cg_read_key(const struct sk_cg *g, const char *file, const char *key, long long *out);

/* Version-neutral limits (v2 file / v1 file):
 *   cpu.max "Q P"           / cpu.cfs_quota_us + cpu.cfs_period_us   (quota < 0: max)
 *   cpu.weight 1..10000     / cpu.shares = weight * 1024 / 100
 *   memory.max, swap off    / memory.limit_in_bytes (+ memsw = same where present)
 *   memory.high             / (none: -1, ENOTSUP)
 *   pids.max                / pids.max  (n < 0: max)
 *   io.max "M:m KEY=V"      / blkio.throttle.{read,write}_{bps,iops}_device "M:m V"
 *     KEY: rbps wbps riops wiops */
int sk_cg_set_cpu_max(struct sk_cg *g, long long quota_us, long long period_us);
int sk_cg_set_cpu_weight(struct sk_cg *g, int weight);
int sk_cg_set_memory_max(struct sk_cg *g, uint64_t bytes);
int sk_cg_set_memory_high(struct sk_cg *g, uint64_t bytes);
int sk_cg_set_pids_max(struct sk_cg *g, long long n);
int sk_cg_set_io_max(struct sk_cg *g, unsigned maj, unsigned min, const char *key, uint64_t value);

/* Statistics; a field the kernel does not provide is -1. */
struct sk_cg_cpu_stat {
	long long usage_usec;       /* cpu.stat usage_usec / cpuacct.usage / 1000 */
	long long nr_periods, nr_throttled;
	long long throttled_usec;   /* cpu.stat throttled_usec / throttled_time / 1000 */
};
int sk_cg_cpu_stat(const struct sk_cg *g, struct sk_cg_cpu_stat *s);
struct sk_cg_mem_stat {
	long long current;          /* memory.current / memory.usage_in_bytes */
	long long peak;             /* memory.peak / memory.max_usage_in_bytes */
	long long max_events;       /* memory.events max / memory.failcnt */
	long long high_events;      /* memory.events high (v2) */
	long long oom, oom_kill;    /* memory.events / memory.oom_control oom_kill */
	long long anon, file;       /* memory.stat anon, file / rss, cache */
};
int sk_cg_mem_stat(const struct sk_cg *g, struct sk_cg_mem_stat *s);
struct sk_cg_pids_stat { long long current, max_events; };
int sk_cg_pids_stat(const struct sk_cg *g, struct sk_cg_pids_stat *s);

/* Move a process (0 = self) into every directory of g. */
int sk_cg_enter(struct sk_cg *g, pid_t pid);
/* Like sk_fork, but the child starts inside g: clone3(CLONE_INTO_CGROUP) on
 * v2, else the parent moves the child in before letting it run. The child is
 * registered with sk_child_add. -1 with sk_cg_error() on failure. */
pid_t sk_cg_fork(struct sk_cg *g);
/* Number of processes in g (the largest over its directories), -1 on error. */
int sk_cg_nprocs(const struct sk_cg *g);
/* Kill everything in g (cgroup.kill on v2 >= 5.14, else SIGKILL each pid) and
 * wait until it is empty (populated 0). 0, or -1 after ~5 s. */
int sk_cg_kill(struct sk_cg *g);
/* Kill, then rmdir every directory (EBUSY retried). Idempotent; the exit hook
 * does it for every group still there. */
int sk_cg_destroy(struct sk_cg *g);

/* Is BYTES a safe memory limit: >= SK_CG_MEM_FLOOR and <= MemAvailable/2?
 * NULL if so, else the reason. The check form exits 2 ("bad VALUE for NAME"). */
const char *sk_cg_memory_limit_unsafe(uint64_t bytes);
void sk_cg_check_memory_limit(uint64_t bytes, const char *name, const char *value);

/* ---- data TLB geometry (fidelity helper; lib/tlb.c) ---------------------------
 * From CPUID on x86 (Intel leaf 0x18 or 0x2, AMD/Hygon 0x80000005/6); on other
 * CPUs n = 0 and why says so (not an error). In a VM the numbers are what the
 * hypervisor reports (hypervisor = true): they may not be the hardware's. */
struct sk_tlb_level {
	int level;                 /* 1, 2 */
	bool shared;               /* unified / shared (second-level) TLB */
	unsigned entries_4k, entries_2m;   /* 0: not for that page size */
	int ways_4k;               /* 0 = fully associative */
};
struct sk_tlb {
	int n;                     /* levels found, by level */
	struct sk_tlb_level level[4];
	bool hypervisor;           /* CPUID's hypervisor bit */
	const char *source;        /* "cpuid 0x18", ..., "unknown" */
	const char *why;           /* when n == 0 */
};
int sk_tlb_info(struct sk_tlb *t);        /* returns t->n */
/* "L1 data: 96 x 4K fully assoc., 96 x 2M; L2 shared: 2048 x 4K 8-way, ..." or "unknown (why)" */
const char *sk_tlb_str(const struct sk_tlb *t, char *buf, size_t len);

/* ---- publishing output files (publish.c; the "safety" section) ------------------
 * How a file the user named is written, decided in one place: a regular file
 * or a new path -> PATH.tmp.PID renamed over it (a symlink: its target, by the
 * same rule); a character device, FIFO, or our own stdout/stderr -> written in
 * place, never replaced; a directory, block device or other socket -> exit 2
 * "bad VALUE for OPT: 'PATH': why". Use: sk_publish_plan (dies on refusal, or
 * exit 1 if not writable), sk_publish_probe (optional early check),
 * sk_publish_open (fd, -1 with errno), write, sk_publish_close(ok). */
enum sk_pub_kind { SK_PUB_RENAME, SK_PUB_INPLACE, SK_PUB_FD };
struct sk_pub {
	enum sk_pub_kind kind;
	char path[4096];      /* the final name (symlinks resolved for RENAME) */
	char tmp[4096 + 32];  /* RENAME: PATH.tmp.PID */
	int fd, fd_given;
	mode_t mode;          /* RENAME: the mode (and owner) of the file replaced */
	uid_t uid;
	gid_t gid;
};
void sk_publish_plan(struct sk_pub *p, const char *opt, const char *path);
void sk_publish_probe(struct sk_pub *p);
int sk_publish_open(struct sk_pub *p);
const char *sk_publish_writing(const struct sk_pub *p);   /* the name being written */
int sk_publish_close(struct sk_pub *p, bool ok);          /* 0 ok; else warned, -1 */

#endif /* SHIKUMI_H */
