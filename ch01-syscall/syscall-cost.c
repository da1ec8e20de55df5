/*
 * syscall-cost - what does it cost to ask the kernel for something?
 *
 * Times, in ns per operation, a plain function call, getppid() through glibc,
 * the same through syscall(2), clock_gettime(CLOCK_MONOTONIC) through the
 * vDSO (no kernel entry) and through a real syscall, a 1-byte write to
 * /dev/null, and open+close of a file. Each op is timed with the suite's
 * harness: warm-up, iterations grown until one repetition lasts the target
 * time, clock and loop overhead subtracted, several repetitions kept.
 *
 * Usage: syscall-cost [-q] [-r REPS] [-t TARGET_MS] [--op NAME]... [-f PATH] [-o FILE]
 * Try:   taskset -c 1 ./syscall-cost -q | column -t
 */
#include "shikumi.h"

#include <fcntl.h>
#include <sys/syscall.h>

#define DEFAULT_REPS 11          /* lmbench's TRIES: enough for a stable median */
#define DEFAULT_TARGET_MS 20     /* >> clock cost (~20 ns), shorter than a tick x 5 */
#define QUICK_REPS 5
#define QUICK_TARGET_MS 5

static const char *open_path;
static int null_fd = -1;

/* The callee of function_call: not inlined, and the barrier keeps the call. */
__attribute__((noinline)) static void plain_function(void)
{
	SK_BARRIER();
}

static void op_function_call(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		plain_function();
}

static void op_getppid(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		SK_KEEP(getppid());
}

static void op_syscall_getppid(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		SK_KEEP(syscall(SYS_getppid));
}

static void op_vdso_clock_gettime(uint64_t n, void *arg)
{
	(void)arg;
	struct timespec ts;
	for (uint64_t i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		SK_KEEP(ts.tv_nsec);
	}
}

static void op_syscall_clock_gettime(uint64_t n, void *arg)
{
	(void)arg;
	struct timespec ts;
	for (uint64_t i = 0; i < n; i++) {
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
		SK_KEEP(ts.tv_nsec);
	}
}

static void op_write_devnull(uint64_t n, void *arg)
{
	(void)arg;
	char c = 'x';
	for (uint64_t i = 0; i < n; i++)
		if (write(null_fd, &c, 1) != 1)
			sk_die_errno("write /dev/null");
}

static void op_open_close(uint64_t n, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		int fd = open(open_path, O_RDONLY);
		if (fd < 0)
			sk_die_errno("open %s", open_path);
		close(fd);
	}
}

struct op {
	const char *name;
	sk_bench_fn fn;
	const char *what;
};

static const struct op ops[] = {
	{"function_call", op_function_call, "call of an empty non-inlined function"},
	{"getppid", op_getppid, "getppid() via glibc: the classic null syscall"},
	{"syscall_getppid", op_syscall_getppid, "syscall(SYS_getppid)"},
	{"vdso_clock_gettime", op_vdso_clock_gettime, "clock_gettime(MONOTONIC) via the vDSO"},
	{"syscall_clock_gettime", op_syscall_clock_gettime, "syscall(SYS_clock_gettime)"},
	{"write_devnull", op_write_devnull, "write(2) of 1 byte to /dev/null"},
	{"open_close", op_open_close, "open(2)+close(2) of a file (-f)"},
};

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R | SK_STD_T)
static const struct sk_opt opts[] = {
	{SK_LONG(1), "op", "NAME", "only this op (repeatable); one of the list below"},
	{'f', "file", "PATH", "file for open_close (default /usr/include/linux/types.h, else"
	 SK_USAGE_MORE "/etc/passwd: a real path lookup, as lmbench does)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Time system calls against a plain function call and the vDSO; TSV to stdout.");
	printf("\nDefaults: %d reps of %d ms; quick: %d reps of %d ms.\nOps:\n",
	       DEFAULT_REPS, DEFAULT_TARGET_MS, QUICK_REPS, QUICK_TARGET_MS);
	for (size_t i = 0; i < SK_ARRAY_LEN(ops); i++)
		printf("  %-22s %s\n", ops[i].name, ops[i].what);
	printf("\nOutput columns: op  rep  ns_per_op\n"
	       "Examples:\n"
	       "  taskset -c 1 %s -q\n"
	       "  taskset -c 1 %s --op getppid --op vdso_clock_gettime -r 21\n",
	       sk_prog, sk_prog);
}

static const char *default_open_path(void)
{
	static const char *const candidates[] = {"/usr/include/linux/types.h", "/etc/passwd",
						 "/dev/null"};
	for (size_t i = 0; i < SK_ARRAY_LEN(candidates); i++)
		if (access(candidates[i], R_OK) == 0)
			return candidates[i];
	return "/dev/null";
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	bool selected[SK_ARRAY_LEN(ops)] = {false};
	int nselected = 0;
	const char *names[SK_ARRAY_LEN(ops) + 1];
	for (size_t i = 0; i < SK_ARRAY_LEN(ops); i++)
		names[i] = ops[i].name;
	names[SK_ARRAY_LEN(ops)] = NULL;

	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): sk_parse_pick(optarg, "--op", names, selected, &nselected); break;
		case 'f':
			if (access(optarg, R_OK))
				sk_bad_arg("--file", optarg, "not a readable file");
			open_path = optarg;
			break;
		}
	}
	sk_no_operands(argc, argv);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	int target_ms = sk_std_target_ms(&std, DEFAULT_TARGET_MS, QUICK_TARGET_MS);
	bool quick = std.quick;
	const char *out = std.out;
	if (!open_path)
		open_path = default_open_path();
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0)
		sk_die_errno("open /dev/null");

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, out);
	sk_tsv_meta(&tsv, "reps", "%d", reps);
	sk_tsv_meta(&tsv, "target_ms", "%d", target_ms);
	sk_tsv_meta(&tsv, "open_path", "%s", open_path);
	sk_tsv_meta(&tsv, "what", "ns per operation; clock-read and loop overhead subtracted");

	struct sk_bench_opts o;
	sk_bench_defaults(&o);
	o.reps = reps;
	o.target_ns = (uint64_t)target_ms * 1000000u;
	if (quick)
		o.warmup_ns = 10000000;
	static struct sk_bench_result r;   /* large: keep it off the stack */
	sk_tsv_header(&tsv, "op\trep\tns_per_op");
	for (size_t i = 0; i < SK_ARRAY_LEN(ops); i++) {
		if (nselected && !selected[i])
			continue;
		sk_bench_run(ops[i].fn, NULL, &o, &r);
		for (int k = 0; k < r.reps; k++)
			sk_tsv_row(&tsv, "%s\t%d\t%.2f", ops[i].name, k, r.ns_per_op[k]);
		sk_note("%-22s %9.1f ns/op (median of %d x %llu)", ops[i].name, r.median, r.reps,
			(unsigned long long)r.iters);
		if (i == 0)
			sk_tsv_meta(&tsv, "timer_overhead_ns", "%.1f", r.timer_overhead_ns);
	}
	close(null_fd);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
