/*
 * tap.h - the TAP vocabulary of the library's unit tests (test-lib.c,
 * test-cgroup.c): ok, skip, and the plan, printed last.
 */
#ifndef SK_TESTS_TAP_H
#define SK_TESTS_TAP_H

#include "shikumi.h"

static int n_test, n_fail;

/* "ok N - WHAT" or "not ok N - WHAT", flushed at once (children are forked). */
SK_PRINTF(2, 3) static inline void ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", cond ? "ok" : "not ok", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		n_fail++;
}

/* "ok N # SKIP WHY": a test that cannot run here. */
SK_PRINTF(1, 2) static inline void skip(const char *fmt, ...)
{
	va_list ap;
	printf("ok %d # SKIP ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* The plan "1..N" and the exit status: 1 if any test failed. */
static inline int tap_done(void)
{
	printf("1..%d\n", n_test);
	return n_fail ? 1 : 0;
}

#endif /* SK_TESTS_TAP_H */
