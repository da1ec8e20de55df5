/* stats.c - median, percentiles, summaries. */
#include "shikumi.h"

int sk_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double *sorted_copy(const double *v, size_t n)
{
	double *c = malloc(n * sizeof(*c));
	if (!c)
		sk_die_errno("malloc %zu doubles", n);
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), sk_cmp_double);
	return c;
}

static double pct_sorted(const double *c, size_t n, double p)
{
	if (p <= 0)
		return c[0];
	if (p >= 100)
		return c[n - 1];
	double rank = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)rank;
	double frac = rank - (double)lo;
	if (lo + 1 >= n)
		return c[n - 1];
	return c[lo] + frac * (c[lo + 1] - c[lo]);
}

double sk_percentile(const double *v, size_t n, double p)
{
	if (n == 0)
		return 0.0 / 0.0;
	double *c = sorted_copy(v, n);
	double r = pct_sorted(c, n, p);
	free(c);
	return r;
}

double sk_median(const double *v, size_t n)
{
	return sk_percentile(v, n, 50);
}

struct sk_summary sk_summarize(const double *v, size_t n)
{
	struct sk_summary s = {.n = n};
	if (n == 0) {
		s.min = s.p10 = s.median = s.p90 = s.max = s.mean = 0.0 / 0.0;
		return s;
	}
	double *c = sorted_copy(v, n);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += c[i];
	s.min = c[0];
	s.max = c[n - 1];
	s.p10 = pct_sorted(c, n, 10);
	s.median = pct_sorted(c, n, 50);
	s.p90 = pct_sorted(c, n, 90);
	s.mean = sum / (double)n;
	free(c);
	return s;
}
