/*
 * timeacct - real, user and sys time: what `time` reports, from wait4.
 *
 * Runs one child of each kind for DURATION_MS of wall time and reports its
 * real time (CLOCK_MONOTONIC around fork..wait4) next to the user and sys
 * CPU time the kernel charged it (wait4's rusage):
 *   busy     computes in user mode          -> real ~ user, sys ~ 0
 *   sleep    nanosleep                      -> user + sys ~ 0: waiting costs no CPU
 *   syscall  read()s 4 KiB from /dev/zero   -> mostly sys: the kernel does the work
 *   busy2    two busy processes on 2 CPUs   -> user ~ 2 x real (skipped with 1 CPU)
 * busy, sleep and syscall are pinned to one CPU; busy2 uses it and one other.
 * The book's `time ./load.py` / `time sleep 3` lesson, without parsing `time`.
 *
 * Usage: timeacct [-q] [-d DURATION_MS] [-r REPS] [-c CPU] [-o FILE]
 * Try:   ./timeacct -q | column -t
 */
#include "ch03.h"

#include <fcntl.h>

#define DEFAULT_DURATION_MS 1000
#define QUICK_DURATION_MS 120     /* 5 reps x 120 ms: as long as the former 2 x 300 ms */
#define DEFAULT_REPS 5
#define QUICK_REPS 5
#define READ_BYTES 4096          /* one page per read: the copy is kernel work */

enum { K_BUSY, K_SLEEP, K_SYSCALL, K_BUSY2, NKINDS };
static const char *const kind_names[] = {"busy", "sleep", "syscall", "busy2"};

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'d', "duration", "MS", "wall time of each child [ms], 10..600000"},
	{'c', "cpu", "CPU", "the CPU for the pinned children (default: the first allowed)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "real vs user vs sys time of a busy, a sleeping, a syscall-heavy process and two busy\n"
		      "processes on two CPUs (from wait4's rusage). TSV to stdout.");
	printf("\nDefaults: %d ms per child, %d reps; quick: %d ms, %d reps.\n"
	       "Output columns: kind  rep  real_ms  user_ms  sys_ms  cpu_pct\n"
	       "Examples:\n"
	       "  %s -q\n"
	       "  %s -d 3000 -c 1\n",
	       DEFAULT_DURATION_MS, DEFAULT_REPS, QUICK_DURATION_MS, QUICK_REPS, sk_prog, sk_prog);
}

/* Burn user time until wall-clock deadline. */
static void busy_until(uint64_t end)
{
	while (sk_now_ns() < end)
		sk_busy(16);
}

static void syscalls_until(uint64_t end)
{
	static char buf[READ_BYTES];
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(SK_EXIT_FAIL);
	while (sk_now_ns() < end)
		for (int i = 0; i < 64; i++)
			if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
				_exit(SK_EXIT_FAIL);
	close(fd);
}

static void child_main(int kind, uint64_t dur_ns, int cpu, int cpu2)
{
	if (sk_pin_self(cpu))
		_exit(SK_EXIT_FAIL);
	uint64_t end = sk_now_ns() + dur_ns;
	switch (kind) {
	case K_BUSY: busy_until(end); break;
	case K_SLEEP: sk_sleep_ns(dur_ns); break;
	case K_SYSCALL: syscalls_until(end); break;
	case K_BUSY2: {
		/* Two grandchildren; wait4 of this child includes their usage. */
		pid_t g[2];
		for (int i = 0; i < 2; i++) {
			g[i] = fork();
			if (g[i] < 0)
				_exit(SK_EXIT_FAIL);
			if (g[i] == 0) {
				if (sk_pin_self(i ? cpu2 : cpu))
					_exit(SK_EXIT_FAIL);
				busy_until(end);
				_exit(0);
			}
		}
		int bad = 0;
		for (int i = 0; i < 2; i++) {
			int st;
			while (waitpid(g[i], &st, 0) < 0)
				if (errno != EINTR)
					_exit(SK_EXIT_FAIL);
			bad |= !WIFEXITED(st) || WEXITSTATUS(st);
		}
		_exit(bad ? SK_EXIT_FAIL : 0);
	}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int dur_ms = 0, cpu = -1;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'd': dur_ms = sk_parse_int(optarg, "--duration", 10, 600000); break;
		case 'c': cpu = sk_parse_cpu(optarg, "--cpu"); break;
		}
	}
	sk_no_operands(argc, argv);
	if (!dur_ms)
		dur_ms = std.quick ? QUICK_DURATION_MS : DEFAULT_DURATION_MS;
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	if (cpu < 0)
		cpu = sk_first_allowed_cpu();
	int cpu2 = sk_other_allowed_cpu(cpu);

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_children_guard();
	sk_cpu_note();
	sk_tsv_meta(&t, "duration_ms", "%d", dur_ms);
	sk_tsv_meta(&t, "reps", "%d", reps);
	sk_tsv_meta(&t, "cpu", "%d", cpu);
	sk_tsv_meta(&t, "cpu2", "%d", cpu2);
	sk_tsv_meta(&t, "busy2", "%s", cpu2 < 0 ? "skipped: only one CPU allowed" : "run");
	sk_tsv_meta(&t, "read_bytes", "%d", READ_BYTES);
	sk_tsv_header(&t, "kind\trep\treal_ms\tuser_ms\tsys_ms\tcpu_pct");
	if (cpu2 < 0)
		sk_warn("busy2 skipped: only one CPU allowed");
	for (int rep = 1; rep <= reps; rep++)
		for (int k = 0; k < NKINDS; k++) {
			if (k == K_BUSY2 && cpu2 < 0)
				continue;
			uint64_t t0 = sk_now_ns();
			pid_t p = sk_fork();
			if (p < 0)
				sk_die_errno("fork");
			if (p == 0)
				child_main(k, (uint64_t)dur_ms * 1000000, cpu, cpu2);
			struct rusage ru;
			int st = sk_wait(p, &ru);
			double real = (double)(sk_now_ns() - t0) / 1e6;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				char sb[64];
				sk_die("%s child %s", kind_names[k], sk_status_str(st, sb, sizeof(sb)));
			}
			double u = sk_tv_ms(ru.ru_utime), s = sk_tv_ms(ru.ru_stime);
			sk_tsv_row(&t, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.1f", kind_names[k], rep, real, u, s,
				   100 * (u + s) / real);
		}
	struct rusage self;
	if (getrusage(RUSAGE_SELF, &self) == 0)   /* the calibration, the bookkeeping */
		sk_tsv_meta(&t, "self_cpu_ms", "%.1f", sk_tv_ms(self.ru_utime) + sk_tv_ms(self.ru_stime));
	return sk_tsv_close(&t) ? 1 : 0;
}
