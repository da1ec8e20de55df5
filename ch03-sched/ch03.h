/*
 * ch03.h - small helpers shared by the ch03-sched programs (candidates for
 * lib/ once another chapter needs them):
 *   a start barrier (every worker ready, then all released at once),
 *   the kernel's nice -> weight table (kernel/sched/core.c, sched_prio_to_weight).
 * (How a child ended, in words, is lib's sk_status_str.)
 */
#ifndef CH03_H
#define CH03_H

#include "shikumi.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

/* ---- start barrier ----------------------------------------------------------
 * Children report readiness (one status byte each: 0 = ready, else an errno
 * from their set-up) on the ready pipe, then block reading the go pipe. The
 * parent closes the go pipe's write end: every child sees EOF at once. */
struct ch03_barrier {
	int ready[2];
	int go[2];
};

static inline void ch03_barrier_init(struct ch03_barrier *b)
{
	if (pipe2(b->ready, O_CLOEXEC) || pipe2(b->go, O_CLOEXEC))
		sk_die_errno("pipe2");
}

/* In the child, first thing: keep only the ends a child uses. */
static inline void ch03_barrier_child_init(struct ch03_barrier *b)
{
	close(b->ready[0]);
	close(b->go[1]);
}

/* In the child: report status (0 = ready) and, if ready, wait for the start. */
static inline void ch03_barrier_child_wait(struct ch03_barrier *b, unsigned char status)
{
	ssize_t n;
	while ((n = write(b->ready[1], &status, 1)) < 0 && errno == EINTR)
		;
	close(b->ready[1]);
	if (status)
		_exit(SK_EXIT_FAIL);
	char c;
	while ((n = read(b->go[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(b->go[0]);
}

/* In the parent, after forking n children: 0 if all are ready, else the first
 * non-zero status (an errno value) a child reported. */
static inline int ch03_barrier_collect(struct ch03_barrier *b, int n)
{
	close(b->ready[1]);
	int bad = 0;
	for (int i = 0; i < n; i++) {
		unsigned char st;
		ssize_t r;
		while ((r = read(b->ready[0], &st, 1)) < 0 && errno == EINTR)
			;
		if (r != 1) {
			bad = bad ? bad : EPIPE;   /* a child died before reporting */
			break;
		}
		if (st && !bad)
			bad = st;
	}
	close(b->ready[0]);
	return bad;
}

/* In the parent: release everybody; returns the start time. */
static inline uint64_t ch03_barrier_release(struct ch03_barrier *b)
{
	close(b->go[0]);
	uint64_t t0 = sk_now_ns();
	close(b->go[1]);
	return t0;
}

/* ---- nice weights -------------------------------------------------------------
 * The fair class gives each task CPU in proportion to its weight; nice 0 is
 * 1024 and each nice step is ~1.25x (kernel/sched/core.c). Unchanged from CFS
 * to EEVDF. */
static const int ch03_prio_to_weight[40] = {
	/* -20 */ 88761, 71755, 56483, 46273, 36291,
	/* -15 */ 29154, 23254, 18705, 14949, 11916,
	/* -10 */ 9548,  7620,  6100,  4904,  3906,
	/*  -5 */ 3121,  2501,  1991,  1586,  1277,
	/*   0 */ 1024,  820,   655,   526,   423,
	/*   5 */ 335,   272,   215,   172,   137,
	/*  10 */ 110,   87,    70,    56,    45,
	/*  15 */ 36,    29,    23,    18,    15,
};

static inline int ch03_nice_weight(int nice)
{
	if (nice < -20)
		nice = -20;
	if (nice > 19)
		nice = 19;
	return ch03_prio_to_weight[nice + 20];
}

#endif /* CH03_H */
