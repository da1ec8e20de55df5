/*
 * tick - the timer tick of one CPU, busy against idle: how many local timer
 * interrupts it takes per second, and how long it sits in its idle states.
 *
 * A CPU with work gets the scheduler tick HZ times a second (CONFIG_HZ), so
 * the scheduler can account time and preempt. An idle CPU on a tickless
 * kernel (CONFIG_NO_HZ_IDLE, the default for years) stops its tick and
 * sleeps until the next timer that is really due: far fewer interrupts, and
 * the time goes to cpuidle states (C-states; on a VM, HLT: the hypervisor
 * gets the physical CPU back). The program watches CPU -c from another CPU,
 * alternately with a spinning child pinned there ("busy") and with nothing
 * of its own there ("idle"), and reads per window:
 *   /proc/interrupts    the CPU's column of the local timer row (x86 "LOC",
 *                       arm64 "arch_timer", riscv "riscv-timer")
 *   /proc/stat          how much of the window the CPU really idled
 *   /sys/devices/system/cpu/cpuN/cpuidle/stateK/time
 *                       idle-state residency [us] (none without a cpuidle
 *                       driver, common on VMs)
 *
 * Usage: tick [-q] [-c CPU] [-d WINDOW_MS] [-r REPS] [-o FILE]
 * Try:   ./tick -q | column -t
 */
#include "ch03.h"

#include <math.h>
#include <sys/stat.h>

#define DEFAULT_WINDOW_MS 1000
#define QUICK_WINDOW_MS 250
#define DEFAULT_REPS 5
#define QUICK_REPS 5
#define SETTLE_MS 50        /* after starting/stopping the spinner: let the tick restart/stop */
#define LINE_MAX_BYTES 8192 /* one /proc/interrupts line (a column per CPU) */

#define STD_OPTS (SK_STD_Q | SK_STD_O | SK_STD_R)
static const struct sk_opt opts[] = {
	{'c', "cpu", "CPU", "the CPU to watch (default: the last allowed; another allowed CPU must exist)"},
	{'d', "window", "WINDOW_MS", "length of one window [ms], 10..60000 (default " SK_STR(DEFAULT_WINDOW_MS)
					", quick " SK_STR(QUICK_WINDOW_MS) ")"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Local timer interrupts and idle-state residency of one CPU, busy vs idle. TSV to stdout.");
	printf("\nEach repetition is an idle window (nothing of ours on CPU) and a busy window (a\n"
	       "spinning child pinned there); the program itself sits on another allowed CPU.\n"
	       "Defaults: %d reps of %d ms windows; quick: %d reps of %d ms.\n\n"
	       "Output columns: state  rep  window_ms  timer_irqs  irqs_per_s  idle_pct  cpuidle_pct\n"
	       "  (idle_pct: the CPU's idle time in /proc/stat; cpuidle_pct: the sum of its\n"
	       "   cpuidle states' residency; NaN without a cpuidle driver)\n"
	       "Preamble: timer_row (the /proc/interrupts row used), cpuidle_driver, nohz.\n"
	       "Exit 4 (SKIP) without a timer row or with only one allowed CPU.\n"
	       "Examples:\n"
	       "  %s -q\n"
	       "  %s -c 1 -d 2000 -r 5\n",
	       DEFAULT_REPS, DEFAULT_WINDOW_MS, QUICK_REPS, QUICK_WINDOW_MS, sk_prog, sk_prog);
}

/* ---- /proc/interrupts ---------------------------------------------------------
 * The header names the online CPUs' columns ("CPU0 CPU1 ..."); offline CPUs
 * have no column, so the column is found by name, not by number. */
struct timer_row {
	char label[64];  /* the text before ':' ("LOC", or an IRQ number on arm64) */
	char tmp_label[64];
	char name[64];   /* what it is: "LOC" or the description matched ("arch_timer") */
	int column;      /* 0-based among the CPU columns; -1 if the CPU has none */
};

static const char *const timer_descr[] = {   /* rows that are the per-CPU tick, best first */
	"Local timer interrupts",   /* x86 LOC */
	"arch_timer",               /* arm64 */
	"riscv-timer",              /* riscv */
	NULL};

static int find_column(FILE *f, int cpu)
{
	char line[LINE_MAX_BYTES], want[32];
	if (!fgets(line, sizeof(line), f))
		return -1;
	snprintf(want, sizeof(want), "CPU%d", cpu);
	int col = 0;
	for (char *save, *tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save), col++)
		if (!strcmp(tok, want))
			return col;
	return -1;
}

/* The CPU's count in the timer row; on the first call (r->label empty) the row
 * is chosen (the best match of timer_descr). -1 if there is none. */
static long long read_timer_irqs(int cpu, struct timer_row *r)
{
	FILE *f = fopen("/proc/interrupts", "re");
	if (!f)
		sk_die_errno("open /proc/interrupts");
	long long out = -1;
	int best = INT_MAX;
	r->column = find_column(f, cpu);
	char line[LINE_MAX_BYTES];
	while (r->column >= 0 && fgets(line, sizeof(line), f)) {
		char *p = line, label[64];
		int n;
		while (*p == ' ')
			p++;
		if (sscanf(p, "%63[^:]:%n", label, &n) != 1)
			continue;
		p += n;
		if (r->label[0] && strcmp(label, r->label))
			continue;
		int rank = 0;
		if (!r->label[0]) {
			while (timer_descr[rank] && !strstr(p, timer_descr[rank]))
				rank++;
			if (!timer_descr[rank] || rank >= best)
				continue;
		}
		long long v = -1;
		for (int i = 0; i <= r->column; i++) {
			char *end;
			errno = 0;
			v = strtoll(p, &end, 10);
			if (end == p || errno) {
				v = -1;
				break;
			}
			p = end;
		}
		if (v < 0)
			continue;
		out = v;
		if (r->label[0])
			break;   /* the known row */
		best = rank;
		snprintf(r->name, sizeof(r->name), "%s", rank == 0 ? "LOC" : timer_descr[rank]);
		snprintf(r->tmp_label, sizeof(r->tmp_label), "%s", label);
	}
	fclose(f);
	if (!r->label[0] && out >= 0)
		snprintf(r->label, sizeof(r->label), "%s", r->tmp_label);
	return out;
}

/* ---- /proc/stat and cpuidle -------------------------------------------------------- */

static uint64_t idle_ticks(int cpu)
{
	struct sk_cpustat s;
	if (sk_read_cpustat(cpu, &s))
		sk_die_errno("read /proc/stat cpu%d", cpu);
	return s.idle + s.iowait;
}

/* Sum of the cpuidle states' residency [us]; -1 without a cpuidle directory. */
static long long cpuidle_us(int cpu)
{
	long long sum = -1;
	for (int i = 0;; i++) {
		char path[128];
		long long v;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpuidle/state%d/time", cpu, i);
		if (sk_read_ll(path, &v))
			break;
		sum = (sum < 0 ? 0 : sum) + v;
	}
	return sum;
}

/* "nohz=off" on the kernel command line, or the nohz_full CPU list. */
static const char *nohz_state(int cpu, char *buf, size_t len)
{
	char cmd[4096] = "", full[256] = "";
	if (sk_read_line("/proc/cmdline", cmd, sizeof(cmd)) == 0 && strstr(cmd, "nohz=off"))
		return snprintf(buf, len, "off (nohz=off on the command line: the tick never stops)"), buf;
	if (sk_read_line("/sys/devices/system/cpu/nohz_full", full, sizeof(full)) == 0 && full[0] &&
	    strcmp(full, "(null)"))
		return snprintf(buf, len, "idle; nohz_full CPUs %s (CPU %d's tick may stop even when busy)", full,
				cpu), buf;
	return snprintf(buf, len, "idle (default: the tick stops on an idle CPU, if the kernel has NO_HZ_IDLE)"),
	       buf;
}

/* ---- one window --------------------------------------------------------------------- */

struct window {
	long long irqs;
	double idle_pct, cpuidle_pct;
};

static struct window measure_window(int cpu, int window_ms, struct timer_row *r, bool have_cpuidle)
{
	long long i0 = read_timer_irqs(cpu, r), c0 = have_cpuidle ? cpuidle_us(cpu) : -1;
	uint64_t s0 = idle_ticks(cpu), t0 = sk_now_ns();
	sk_sleep_ns((uint64_t)window_ms * 1000000u);
	long long i1 = read_timer_irqs(cpu, r), c1 = have_cpuidle ? cpuidle_us(cpu) : -1;
	uint64_t s1 = idle_ticks(cpu);
	double el_ms = (double)(sk_now_ns() - t0) / 1e6;
	struct window w;
	w.irqs = (i0 < 0 || i1 < 0) ? -1 : i1 - i0;
	w.idle_pct = 100.0 * (double)(s1 - s0) * 1000.0 / (double)sk_clk_tck() / el_ms;
	w.cpuidle_pct = (c0 < 0 || c1 < 0) ? NAN : 100.0 * (double)(c1 - c0) / 1000.0 / el_ms;
	if (w.idle_pct > 100)
		w.idle_pct = 100;   /* tick-granular counters can overshoot a short window */
	return w;
}

static pid_t start_spinner(int cpu)
{
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		if (sk_pin_self(cpu))
			_exit(SK_EXIT_FAIL);
		for (;;)
			sk_busy(1000);
	}
	return pid;
}

static void stop_spinner(pid_t pid)
{
	kill(pid, SIGKILL);
	int st = sk_wait(pid, NULL);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		char sb[64];
		sk_die("spinner %s (could it pin itself?)", sk_status_str(st, sb, sizeof(sb)));
	}
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int cpu = -1, window_ms = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'c': cpu = sk_parse_cpu(optarg, "--cpu"); break;
		case 'd': window_ms = sk_parse_int(optarg, "--window", 10, 60000); break;
		}
	}
	sk_no_operands(argc, argv);
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	if (!window_ms)
		window_ms = std.quick ? QUICK_WINDOW_MS : DEFAULT_WINDOW_MS;
	int nallowed = 0, last = -1, observer = -1;
	for (int i = 0, x; (x = sk_nth_allowed_cpu(i)) >= 0; i++, nallowed++)
		last = x;
	if (cpu < 0)
		cpu = last;
	for (int i = 0, x; (x = sk_nth_allowed_cpu(i)) >= 0; i++)
		if (x != cpu) {
			observer = x;
			break;
		}

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	if (observer < 0)
		sk_skip("only CPU %d allowed: the watcher would sit on the CPU it watches, which is then never idle", cpu);
	struct timer_row row = {.column = -1};
	if (read_timer_irqs(cpu, &row) < 0) {
		if (row.column < 0)
			sk_skip("/proc/interrupts has no column for CPU %d", cpu);
		sk_skip("no per-CPU timer row in /proc/interrupts (looked for LOC, arch_timer, riscv-timer)");
	}
	char drv[64] = "", nohz[512];
	if (sk_read_line("/sys/devices/system/cpu/cpuidle/current_driver", drv, sizeof(drv)))
		snprintf(drv, sizeof(drv), "unknown (no /sys/devices/system/cpu/cpuidle)");
	bool have_cpuidle = cpuidle_us(cpu) >= 0;
	if (sk_pin_self(observer))
		sk_die_errno("pin to CPU %d", observer);
	sk_children_guard();
	sk_tsv_meta(&t, "cpu", "%d", cpu);
	sk_tsv_meta(&t, "observer_cpu", "%d", observer);
	sk_tsv_meta(&t, "timer_row", "%s", row.name);
	sk_tsv_meta(&t, "cpuidle_driver", "%s", drv);
	sk_tsv_meta(&t, "cpuidle_states", "%s", have_cpuidle ? "yes" : "none for this CPU");
	sk_tsv_meta(&t, "nohz", "%s", nohz_state(cpu, nohz, sizeof(nohz)));
	sk_tsv_meta(&t, "window_ms", "%d", window_ms);
	sk_tsv_meta(&t, "reps", "%d", reps);
	sk_tsv_header(&t, "state\trep\twindow_ms\ttimer_irqs\tirqs_per_s\tidle_pct\tcpuidle_pct");
	sk_note("watching CPU %d (%s row) from CPU %d: %d x (idle, busy) windows of %d ms", cpu, row.name, observer,
		reps, window_ms);
	double rate[2][SK_BENCH_MAX_REPS];
	static const char *const state_name[2] = {"idle", "busy"};
	for (int r = 1; r <= reps; r++) {
		for (int busy = 0; busy <= 1; busy++) {
			pid_t spinner = busy ? start_spinner(cpu) : -1;
			sk_sleep_ns(SETTLE_MS * 1000000u);
			struct window w = measure_window(cpu, window_ms, &row, have_cpuidle);
			if (busy)
				stop_spinner(spinner);
			if (w.irqs < 0)
				sk_die("the %s row lost CPU %d's column (CPU went offline?)", row.name, cpu);
			double ps = (double)w.irqs * 1000.0 / window_ms;
			rate[busy][r - 1] = ps;
			sk_tsv_row(&t, "%s\t%d\t%d\t%lld\t%.1f\t%.1f\t%.1f", state_name[busy], r, window_ms, w.irqs, ps,
				   w.idle_pct, w.cpuidle_pct);
		}
	}
	sk_cpu_note();
	sk_note("CPU %d: median %.0f timer interrupts/s idle, %.0f/s busy", cpu, sk_median(rate[0], (size_t)reps),
		sk_median(rate[1], (size_t)reps));
	return sk_tsv_close(&t) ? 1 : 0;
}
