/* parse.c - strict parsing of numbers, sizes, CPUs and choices (no atoi). */
#include "shikumi.h"

#include <ctype.h>
#include <math.h>

static const char *range_msg(long long min, long long max)
{
	static __thread char buf[96];
	snprintf(buf, sizeof(buf), "out of range %lld..%lld", min, max);
	return buf;
}

/* The number must be all of s: nothing before it (strto* would skip
 * spaces), nothing after it. NULL if so, else why not. */
static const char *not_a_start(const char *s)
{
	if (!s || !*s)
		return "empty";
	return isspace((unsigned char)*s) ? "leading space" : NULL;
}

static const char *not_all_taken(const char *s, const char *end)
{
	if (end == s)
		return "not a number";
	return *end ? "trailing junk" : NULL;
}

const char *sk_parse_ll_r(const char *s, long long min, long long max, long long *out)
{
	const char *why = not_a_start(s);
	if (why)
		return why;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if ((why = not_all_taken(s, end)))
		return why;
	if (errno == ERANGE)
		return "too large";
	if (v < min || v > max)
		return range_msg(min, max);
	*out = v;
	return NULL;
}

static int suffix_shift(const char *p, int *shift)
{
	/* Accept 4K, 4k, 4KB, 4KiB; bare numbers are bytes. */
	static const char units[] = "KMGTPE";
	if (!*p) {
		*shift = 0;
		return 0;
	}
	const char *u = strchr(units, toupper((unsigned char)*p));
	if (!u)
		return -1;
	*shift = 10 * (int)(u - units + 1);
	p++;
	if (!*p || !strcmp(p, "B") || !strcmp(p, "iB") || !strcmp(p, "ib") || !strcmp(p, "b"))
		return 0;
	return -1;
}

const char *sk_parse_size_r(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!s || !*s)
		return "empty";
	if (!isdigit((unsigned char)*s))
		return *s == '-' ? "negative" : "not a size";
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return "too large";
	int shift;
	if (suffix_shift(end, &shift))
		return "bad unit (use K, M, G, T)";
	if (shift && v > (UINT64_MAX >> shift))
		return "too large";
	uint64_t bytes = (uint64_t)v << shift;
	if (bytes < min || bytes > max) {
		static __thread char buf[96];
		char a[32], b[32];
		snprintf(buf, sizeof(buf), "out of range %s..%s", sk_fmt_size(min, a, sizeof(a)),
			 sk_fmt_size(max, b, sizeof(b)));
		return buf;
	}
	*out = bytes;
	return NULL;
}

const char *sk_parse_double_r(const char *s, double min, double max, double *out)
{
	const char *why = not_a_start(s);
	if (why)
		return why;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if ((why = not_all_taken(s, end)))
		return why;
	if (errno == ERANGE || !isfinite(v))
		return "not a finite number";
	if (v < min || v > max) {
		static __thread char buf[96];
		snprintf(buf, sizeof(buf), "out of range %g..%g", min, max);
		return buf;
	}
	*out = v;
	return NULL;
}

/* The plain forms: the reason an *_r form gave, if any, exits 2. */
static void bad_arg_if(const char *why, const char *name, const char *s)
{
	if (why)
		sk_bad_arg(name, s, why);
}

long long sk_parse_ll(const char *s, const char *name, long long min, long long max)
{
	long long v;
	bad_arg_if(sk_parse_ll_r(s, min, max, &v), name, s);
	return v;
}

int sk_parse_int(const char *s, const char *name, int min, int max)
{
	return (int)sk_parse_ll(s, name, min, max);
}

uint64_t sk_parse_size(const char *s, const char *name, uint64_t min, uint64_t max)
{
	uint64_t v;
	bad_arg_if(sk_parse_size_r(s, min, max, &v), name, s);
	return v;
}

double sk_parse_double(const char *s, const char *name, double min, double max)
{
	double v;
	bad_arg_if(sk_parse_double_r(s, min, max, &v), name, s);
	return v;
}

int sk_parse_cpu(const char *s, const char *name)
{
	int cpu = sk_parse_int(s, name, 0, CPU_SETSIZE - 1);
	cpu_set_t set;
	sk_allowed_cpus(&set);
	if (!CPU_ISSET(cpu, &set)) {
		char list[256], why[300];
		snprintf(why, sizeof(why), "CPU not in the allowed set %s",
			 sk_cpuset_str(&set, list, sizeof(list)));
		sk_bad_arg(name, s, why);
	}
	return cpu;
}

int sk_parse_choice(const char *s, const char *name, const char *const *choices)
{
	char why[256] = "expected one of:";
	for (int i = 0; choices[i]; i++) {
		if (s && !strcmp(s, choices[i]))
			return i;
		size_t l = strlen(why);
		snprintf(why + l, sizeof(why) - l, " %s", choices[i]);
	}
	sk_bad_arg(name, s, why);
}

int sk_parse_pick(const char *s, const char *name, const char *const *choices, bool *picked, int *npicked)
{
	int i = sk_parse_choice(s, name, choices);
	if (!picked[i])
		(*npicked)++;
	picked[i] = true;
	return i;
}

const char *sk_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	int u = 0;
	double v = (double)bytes;
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v == floor(v))
		snprintf(buf, len, "%.0f %s", v, units[u]);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}
