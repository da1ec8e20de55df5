/* misc.c - time formatting, anonymous memory, calibrated busy work. */
#include "shikumi.h"

#include <sys/mman.h>

void sk_sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
			      .tv_nsec = (long)(ns % 1000000000u)};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

const char *sk_utc_stamp(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

uint64_t sk_hugepage_size(void)
{
	long long v;
	if (sk_read_ll("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", &v) == 0 && v > 0)
		return (uint64_t)v;
	return 2 * SK_MIB;   /* x86-64 and arm64 with 4 KiB pages */
}

void *sk_map_anon(size_t len, int thp)
{
	size_t align = thp == 1 ? (size_t)sk_hugepage_size() : 0;
	size_t span = len + align;
	char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		sk_die_errno("mmap %zu bytes", span);
	if (align) {
		/* keep [start, start + len) on a huge-page boundary, unmap the rest */
		uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
		size_t head = start - (uintptr_t)p, tail = span - head - len;
		if (head && munmap(p, head))
			sk_die_errno("munmap");
		if (tail && munmap((char *)start + len, tail))
			sk_die_errno("munmap");
		p = (char *)start;
	}
	if (thp >= 0 && madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		sk_warn_errno("madvise %s", thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE");
	return p;
}

void sk_touch_pages(void *p, size_t len)
{
	size_t ps = (size_t)sk_page_size();
	volatile char *c = p;
	for (size_t off = 0; off < len; off += ps)
		c[off] = 1;
}

/* One unit: a chain of dependent multiply-adds in a register. The empty asm
 * with "+r" tells the compiler x may have changed, so it can neither fold
 * the chain nor hoist it out of the loop. No memory traffic at all. */
#define UNIT_STEPS 1000
void sk_busy(uint64_t units)
{
	uint64_t x = sk_sink | 1;
	for (uint64_t u = 0; u < units; u++)
		for (int i = 0; i < UNIT_STEPS; i++) {
			x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
			__asm__ __volatile__("" : "+r"(x));
		}
	sk_sink = x;
}

uint64_t sk_busy_calibrate(void)
{
	enum { TRIES = 7 };
	const uint64_t warmup_ns = 100000000;   /* let the CPU leave idle states / settle */
	const uint64_t try_ns = 10000000;       /* 10 ms: several ticks' worth of work */
	uint64_t units = 1, start = sk_now_ns();

	while (sk_now_ns() - start < warmup_ns) {
		uint64_t t0 = sk_now_ns();
		sk_busy(units);
		if (sk_now_ns() - t0 < try_ns / 10)
			units *= 2;
	}
	double rate[TRIES];
	for (int i = 0; i < TRIES; i++) {
		uint64_t t0 = sk_now_ns();
		sk_busy(units);
		uint64_t dt = sk_now_ns() - t0;
		rate[i] = (double)units * 1e6 / (double)(dt ? dt : 1);
	}
	/* Interference only slows a try down, so the fastest try is the machine's
	 * speed; take the upper quartile to be robust against one lucky sample. */
	double per_ms = sk_percentile(rate, TRIES, 75);
	if (!(per_ms >= 1.0 && per_ms <= 1e7))
		sk_die("busy-loop calibration implausible: %.3g units/ms", per_ms);
	return (uint64_t)(per_ms + 0.5);
}
