/* cpu.c - the allowed CPU set, pinning, and which CPUs a program really used. */
#include "shikumi.h"

static cpu_set_t used;

int sk_allowed_cpus(cpu_set_t *set)
{
	CPU_ZERO(set);
	if (sched_getaffinity(0, sizeof(*set), set))
		sk_die_errno("sched_getaffinity");
	return CPU_COUNT(set);
}

int sk_nth_allowed_cpu(int n)
{
	cpu_set_t set;
	sk_allowed_cpus(&set);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set) && n-- == 0)
			return c;
	return -1;
}

int sk_first_allowed_cpu(void)
{
	return sk_nth_allowed_cpu(0);
}

int sk_other_allowed_cpu(int cpu)
{
	int c;
	for (int i = 0; (c = sk_nth_allowed_cpu(i)) >= 0 && c == cpu; i++)
		;
	return c;
}

const char *sk_cpu_pair(int *cpu, int *cpu2, bool *cross, const char *what)
{
	if (*cpu < 0)
		*cpu = sk_first_allowed_cpu();
	if (*cpu2 < 0)
		*cpu2 = sk_other_allowed_cpu(*cpu);
	if (*cross && *cpu2 == *cpu)
		sk_usage_error("--cpu2 must differ from --cpu");
	if (*cross && *cpu2 < 0) {
		sk_warn("%s skipped: only one CPU allowed", what);
		*cross = false;
		return "skipped: only one CPU allowed";
	}
	return "run";
}

int sk_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int sk_pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	sk_cpu_note();
	return 0;
}

void sk_cpu_note(void)
{
	int c = sched_getcpu();
	if (c >= 0 && c < CPU_SETSIZE)
		CPU_SET(c, &used);
}

const char *sk_cpuset_str(const cpu_set_t *set, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, set))
			continue;
		int e = c;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set))
			e++;
		int n = e > c ? snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "", c, e)
			      : snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
		c = e;
	}
	if (!off)
		snprintf(buf, len, "none");
	return buf;
}

const char *sk_cpus_used(char *buf, size_t len)
{
	return sk_cpuset_str(&used, buf, len);
}
