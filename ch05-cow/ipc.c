/*
 * ipc - what it costs to talk to another process: round-trip latency of a
 * small message and bandwidth of a stream, for six ways of doing it.
 *
 * Two processes (fork), pinned to the SAME CPU or to two DIFFERENT CPUs:
 *   pipe       two pipe(2)s, one each way
 *   fifo       two named pipes (mkfifo) in a private scratch directory
 *   unix       socketpair(AF_UNIX, SOCK_STREAM)
 *   tcp        a TCP connection over 127.0.0.1 (ephemeral port, TCP_NODELAY)
 *   mq         two POSIX message queues (mq_open, unique names, always unlinked)
 *   shm        a ring of slots in a MAP_SHARED page + futex wait/wake; the
 *              waiter goes to sleep at once (no spinning): the honest futex path
 *   shm-spin   the same ring, but the waiter first spins up to SPIN_NS before
 *              sleeping: what "lock-free" IPC libraries do (not the headline)
 * rtt: the parent sends a message of -b bytes, the child echoes it: ns per
 * round trip. bw: the parent streams messages of 64 B .. SIZE, the child reads
 * them and acknowledges the batch: bytes per second. Every point runs through
 * the suite's harness (warm-up, calibrated iterations), in rounds: every
 * channel is open and its child waiting at once, and each round gives every
 * channel one timed repetition, so a burst of interference from the rest of
 * the machine hits all kinds alike; the row is the median over the rounds.
 *
 * The copying channels (pipe, fifo, unix, tcp, mq) copy every byte twice
 * (into the kernel, out of it) and enter the kernel on every message; shm
 * copies through memory both processes map, and enters the kernel only to
 * sleep or wake. On one CPU every round trip also costs two context switches;
 * on two CPUs every wake-up of a sleeping partner is a cross-CPU interrupt
 * (on a VM: waking a halted vCPU through the host).
 *
 * Usage: ipc [-q] [-r REPS] [-t MS] [-m rtt|bw] [--kind K]... [--placement P]...
 *            [-b BYTES]... [-s SIZE] [-c CPU] [--cpu2 CPU] [-D DIR] [-o FILE]
 * Try:   ./ipc -q --kind pipe --kind shm | column -t
 */
#include "shikumi.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define DEFAULT_REPS 7
#define QUICK_REPS 5
#define DEFAULT_TARGET_MS 50
#define QUICK_TARGET_MS 6
#define DEFAULT_MAX_BYTES (1 * SK_MIB)   /* the largest message of the bandwidth sweep */
#define MIN_BW_BYTES 64                  /* the smallest: a cache line */
#define BW_STEP 4                        /* sweep 64 B, 256 B, 1 KiB, ... x4 */
#define QUICK_BW_STEP 16                 /* quick: 64 B, 1 KiB, 16 KiB, 256 KiB (+64 KiB, +SIZE) */
#define RTT_BATCH 16                     /* round trips per harness op */
#define BW_BATCH_BYTES (16 * SK_KIB)     /* bandwidth: messages per op, at least this many bytes */
#define BW_MIN_BATCH 4                   /* ... and at least this many messages */
#define MAX_RTT_SIZES 8
#define MAX_RTT_BYTES 4096
#define NSLOTS 4                         /* shm ring: a few messages in flight, like a pipe's buffer */
#define SPIN_NS 20000                    /* shm-spin: longer than the partner's turn, far shorter than a tick */
#define PEER_CHECK_MS 200                /* how often a blocked side checks that its partner lives */
#define MQ_MAXMSG 10                     /* Linux's default msg_max */
#define MQ_MSGSIZE 8192                  /* Linux's default msgsize_max: no privilege needed */

enum kind { K_PIPE, K_FIFO, K_UNIX, K_TCP, K_MQ, K_SHM, K_SHM_SPIN, NKIND };
static const char *const kind_names[] = {"pipe", "fifo", "unix", "tcp", "mq", "shm", "shm-spin", NULL};
static const char *const kind_what[] = {
	"two pipe(2)s",
	"two named pipes (mkfifo) in a private scratch directory",
	"socketpair(AF_UNIX, SOCK_STREAM)",
	"TCP over 127.0.0.1, TCP_NODELAY",
	"two POSIX message queues (8 KiB messages; larger ones are sent in pieces)",
	"MAP_SHARED ring + futex: the waiter sleeps at once (headline)",
	"the same ring, the waiter spins up to 20 us before it sleeps",
};
enum { P_SAME, P_CROSS, NPLACE };
static const char *const place_names[] = {"same-cpu", "cross-cpu", NULL};
static const char *const place_short[] = {"same", "cross", NULL};
enum { M_RTT, M_BW, NMETRIC };
static const char *const metric_names[] = {"rtt", "bw", NULL};

#define STD_OPTS SK_STD_ALL
static const struct sk_opt opts[] = {
	{'m', "metric", "rtt|bw", "only round trips or only bandwidth (default both)"},
	{SK_LONG(1), "kind", "KIND", "only this kind (repeatable; list below)"},
	{SK_LONG(2), "placement", "same|cross", "only this placement (repeatable; default both)"},
	{'b', "rtt-bytes", "BYTES", "message size of the round trip, 1..4096 (repeatable; default 1 and 64, quick 64)"},
	{'s', "size", "SIZE", "largest bandwidth message, 64..8M (default 1M)"},
	{'c', "cpu", "CPU", "the parent's CPU (default: the first allowed)"},
	{SK_LONG(3), "cpu2", "CPU", "the child's CPU for cross (default: the next allowed one)"},
	{'D', "dir", "DIR", "where the FIFOs' scratch directory goes (default $TMPDIR, else /var/tmp)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "Round-trip latency and stream bandwidth between two processes over pipes, FIFOs,\n"
		      "Unix and TCP sockets, POSIX message queues and shared memory. TSV to stdout.");
	printf("\nKinds (default all):\n");
	for (int i = 0; i < NKIND; i++)
		printf("  %-9s %s\n", kind_names[i], kind_what[i]);
	printf("Placements: same (both on -c), cross (parent on -c, child on --cpu2; skipped with\n"
	       "a note when only one CPU is allowed).\n"
	       "Defaults: %d reps of %d ms per point, bandwidth sizes x%d from %d B to SIZE;\n"
	       "quick: %d reps of %d ms, sizes x%d plus 64 KiB.\n"
	       "A kind the system refuses (no mqueue, no loopback) is skipped with its reason in\n"
	       "the preamble (# skipped_KIND); exit 4 if every kind asked for was skipped.\n"
	       "\nOutput columns: kind  placement  msg_bytes  metric  reps  iters  median  min  max\n"
	       "  spread_pct\n"
	       "  (metric rtt_ns: ns per round trip; bw_bytes_per_s: bytes per second;\n"
	       "   spread_pct: 100 x (max - min) / median over the repetitions)\n"
	       "Examples:\n"
	       "  %s -q | column -t\n"
	       "  %s -m rtt --kind pipe --kind shm --placement same -c 1\n",
	       DEFAULT_REPS, DEFAULT_TARGET_MS, BW_STEP, MIN_BW_BYTES, QUICK_REPS, QUICK_TARGET_MS,
	       QUICK_BW_STEP, sk_prog, sk_prog);
}

/* ---- the shared-memory ring ------------------------------------------------
 * One direction: the producer fills slot head % NSLOTS and publishes it by
 * incrementing head; the consumer empties slot tail % NSLOTS and increments
 * tail. head and tail are also the futex words: the consumer sleeps on head
 * while head == tail, the producer on tail while the ring is full. A waiter
 * announces itself in *_waiting before it checks for the last time, so the
 * other side makes the wake-up system call only when somebody sleeps (both
 * sides use sequentially consistent atomics: either the waiter sees the new
 * value or the waker sees the flag). Not FUTEX_PRIVATE_FLAG: the word is
 * shared by two processes. */
struct ring {
	_Atomic uint32_t head;
	_Atomic uint32_t cons_waiting;
	char pad1[56];
	_Atomic uint32_t tail;
	_Atomic uint32_t prod_waiting;
	char pad2[56];
	uint32_t len[NSLOTS];
	size_t slot_bytes;
	unsigned char data[];
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();   /* tells the core (and a hypervisor) that this is a spin */
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	SK_BARRIER();
#endif
}

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

/* ---- one endpoint of a channel ------------------------------------------- */
struct end {
	int kind;
	int rfd, wfd;            /* pipe, fifo, unix, tcp */
	mqd_t mq_r, mq_w;        /* mq */
	struct ring *in, *out;   /* shm */
	long spin_ns;            /* shm-spin */
	pid_t peer;              /* the parent watches its child; the child its parent */
	bool is_parent;
};

struct chan {
	int kind;
	struct end parent, child;
	void *shm;
	size_t shm_len;
	char fifo_p2c[4200], fifo_c2p[4200];
	char mq_name[2][64];
	pid_t pid;               /* the echo child */
	unsigned char *buf;      /* the parent's message buffer */
	int place;
	bool skipped;
};

static long mq_msgsize = MQ_MSGSIZE;
#define MAX_MQ 8                   /* two queues per channel, two placements */
static char mq_names[MAX_MQ][64];
static volatile sig_atomic_t n_mq;

/* Async-signal-safe: mq_unlink is one system call (ENOENT for one already gone). */
static void remove_mqueues(void)
{
	for (int i = 0; i < n_mq; i++)
		mq_unlink(mq_names[i]);
}

/* Is the partner still there? The parent asks about its child without reaping
 * it (WNOWAIT); the child, whether its parent changed (PDEATHSIG kills it too). */
static bool peer_alive(const struct end *e)
{
	if (!e->is_parent)
		return getppid() == e->peer;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)e->peer, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == EINTR;
	return si.si_pid == 0;
}

SK_NORETURN static void peer_gone(const struct end *e)
{
	if (e->is_parent)
		sk_die("%s: the echo process ended early", kind_names[e->kind]);
	_exit(SK_EXIT_FAIL);
}

/* A send or receive failed: the child leaves quietly (its parent reports the
 * peer gone), the parent dies naming what failed. */
SK_NORETURN SK_PRINTF(2, 3) static void end_die_errno(const struct end *e, const char *fmt, ...)
{
	int err = errno;
	if (!e->is_parent)
		_exit(SK_EXIT_FAIL);
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	errno = err;
	sk_die_errno("%s", what);
}

/* Wait until *word != seen, sleeping in the kernel (after spinning up to
 * spin_ns). waiting is the flag that tells the other side to wake us. */
static void ring_wait(const struct end *e, _Atomic uint32_t *word, uint32_t seen, _Atomic uint32_t *waiting)
{
	if (e->spin_ns > 0) {
		uint64_t t0 = sk_now_ns();
		for (unsigned i = 0; atomic_load(word) == seen; i++) {
			cpu_relax();
			if ((i & 63) == 63 && sk_now_ns() - t0 > (uint64_t)e->spin_ns)
				break;
		}
	}
	struct timespec ts = {PEER_CHECK_MS / 1000, (PEER_CHECK_MS % 1000) * 1000000L};
	while (atomic_load(word) == seen) {
		atomic_store(waiting, 1);
		if (atomic_load(word) != seen)
			break;
		if (futex(word, FUTEX_WAIT, seen, &ts) < 0 && errno == ETIMEDOUT && !peer_alive(e))
			peer_gone(e);
	}
}

static void ring_wake(_Atomic uint32_t *word, _Atomic uint32_t *waiting)
{
	if (atomic_load(waiting)) {
		atomic_store(waiting, 0);
		futex(word, FUTEX_WAKE, 1, NULL);
	}
}

static void ring_send(const struct end *e, const void *buf, size_t n)
{
	struct ring *r = e->out;
	uint32_t h = atomic_load(&r->head);
	uint32_t t;
	while (h - (t = atomic_load(&r->tail)) >= NSLOTS)
		ring_wait(e, &r->tail, t, &r->prod_waiting);
	memcpy(r->data + (size_t)(h % NSLOTS) * r->slot_bytes, buf, n);
	r->len[h % NSLOTS] = (uint32_t)n;
	atomic_store(&r->head, h + 1);
	ring_wake(&r->head, &r->cons_waiting);
}

static size_t ring_recv(const struct end *e, void *buf)
{
	struct ring *r = e->in;
	uint32_t t = atomic_load(&r->tail);
	while (atomic_load(&r->head) == t)
		ring_wait(e, &r->head, t, &r->cons_waiting);
	size_t n = r->len[t % NSLOTS];
	memcpy(buf, r->data + (size_t)(t % NSLOTS) * r->slot_bytes, n);
	atomic_store(&r->tail, t + 1);
	ring_wake(&r->tail, &r->prod_waiting);
	return n;
}

/* ---- messages: n bytes, whole ----------------------------------------------- */
static void mq_deadline(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);   /* mq_timed* take CLOCK_REALTIME */
	ts->tv_nsec += (PEER_CHECK_MS % 1000) * 1000000L;
	ts->tv_sec += PEER_CHECK_MS / 1000 + ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

/* After a failed mq_timedsend/receive: try again if it was interrupted, or
 * timed out while the peer lives (a dead peer ends this side). */
static bool mq_may_retry(const struct end *e)
{
	if (errno == ETIMEDOUT) {
		if (!peer_alive(e))
			peer_gone(e);
		return true;
	}
	return errno == EINTR;
}

static void send_msg(const struct end *e, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	switch (e->kind) {
	case K_SHM:
	case K_SHM_SPIN:
		ring_send(e, buf, n);
		return;
	case K_MQ:
		for (size_t off = 0; off < n || (n == 0 && off == 0);) {
			size_t part = n - off < (size_t)mq_msgsize ? n - off : (size_t)mq_msgsize;
			struct timespec ts;
			mq_deadline(&ts);
			if (mq_timedsend(e->mq_w, (const char *)p + off, part, 0, &ts) == 0) {
				off += part;
				if (n == 0)
					break;
			} else if (!mq_may_retry(e)) {
				end_die_errno(e, "mq_send %zu bytes", part);
			}
		}
		return;
	default:
		for (size_t off = 0; off < n;) {
			ssize_t w = write(e->wfd, p + off, n - off);
			if (w > 0)
				off += (size_t)w;
			else if (w < 0 && errno != EINTR) {
				end_die_errno(e, "%s: write %zu bytes", kind_names[e->kind], n - off);
			}
		}
	}
}

/* buf has room for n + mq_msgsize bytes (mq_receive wants a whole message's room). */
static void recv_msg(const struct end *e, void *buf, size_t n)
{
	unsigned char *p = buf;
	switch (e->kind) {
	case K_SHM:
	case K_SHM_SPIN:
		if (ring_recv(e, buf) != n) {
			if (!e->is_parent)
				_exit(SK_EXIT_FAIL);
			sk_die("shm: message of the wrong length");
		}
		return;
	case K_MQ:
		for (size_t off = 0; off < n || (n == 0 && off == 0);) {
			struct timespec ts;
			mq_deadline(&ts);
			ssize_t r = mq_timedreceive(e->mq_r, (char *)p + off, (size_t)mq_msgsize, NULL, &ts);
			if (r >= 0) {
				off += (size_t)r;
				if (n == 0)
					break;
			} else if (!mq_may_retry(e)) {
				end_die_errno(e, "mq_receive");
			}
		}
		return;
	default:
		for (size_t off = 0; off < n;) {
			ssize_t r = read(e->rfd, p + off, n - off);
			if (r > 0)
				off += (size_t)r;
			else if (r == 0)
				peer_gone(e);
			else if (errno != EINTR) {
				end_die_errno(e, "%s: read", kind_names[e->kind]);
			}
		}
	}
}

/* ---- the child: echo round trips, swallow streams ---------------------------- */
enum { OP_PING = 1, OP_STREAM, OP_QUIT };
struct cmd {
	uint32_t op, bytes;
	uint64_t count;
};

SK_NORETURN static void child_loop(struct end *e, unsigned char *buf)
{
	for (;;) {
		struct cmd c;
		recv_msg(e, buf, sizeof(c));   /* into the big buffer: mq_receive wants room for a whole message */
		memcpy(&c, buf, sizeof(c));
		switch (c.op) {
		case OP_PING:
			for (uint64_t i = 0; i < c.count; i++) {
				recv_msg(e, buf, c.bytes);
				send_msg(e, buf, c.bytes);
			}
			break;
		case OP_STREAM: {
			uint64_t got = 0;
			for (uint64_t i = 0; i < c.count; i++) {
				recv_msg(e, buf, c.bytes);
				got += c.bytes;
			}
			send_msg(e, &got, sizeof(got));   /* the acknowledgement: what arrived */
			break;
		}
		case OP_QUIT:
			_exit(0);
		default:
			_exit(SK_EXIT_FAIL);
		}
	}
}

/* ---- the parent's timed operations (sk_bench_fn) ---------------------------- */
struct bench_arg {
	struct end *e;
	unsigned char *buf;
	size_t bytes;
	uint64_t batch;   /* messages per harness "op": one slow first op must not ruin the calibration */
	bool bad;
};

static void do_rtt(uint64_t iters, void *arg)
{
	struct bench_arg *a = arg;
	struct cmd c = {OP_PING, (uint32_t)a->bytes, iters * a->batch};
	send_msg(a->e, &c, sizeof(c));
	for (uint64_t i = 0; i < c.count; i++) {
		a->buf[0] = (unsigned char)i;
		send_msg(a->e, a->buf, a->bytes);
		recv_msg(a->e, a->buf, a->bytes);
		if (a->buf[0] != (unsigned char)i)
			a->bad = true;   /* the echo is not what was sent */
	}
}

static void do_stream(uint64_t iters, void *arg)
{
	struct bench_arg *a = arg;
	struct cmd c = {OP_STREAM, (uint32_t)a->bytes, iters * a->batch};
	send_msg(a->e, &c, sizeof(c));
	for (uint64_t i = 0; i < c.count; i++)
		send_msg(a->e, a->buf, a->bytes);
	uint64_t got = 0;
	recv_msg(a->e, a->buf, sizeof(got));
	memcpy(&got, a->buf, sizeof(got));
	if (got != c.count * a->bytes)
		a->bad = true;
}

/* ---- setting a channel up and down ----------------------------------------- */
static const char *scratch_base;

static void set_nodelay(int fd)
{
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		sk_die_errno("setsockopt TCP_NODELAY");
}

/* Returns NULL, or why the system refused this kind (it is then skipped). */
static const char *tcp_open(struct chan *ch)
{
	static char why[160];
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0) {
		snprintf(why, sizeof(why), "socket(AF_INET): %s", sk_errno_name(errno));
		return why;
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(a);
	const char *step = "bind 127.0.0.1:0";
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || (step = "listen", listen(l, 1)) ||
	    (step = "getsockname", getsockname(l, (struct sockaddr *)&a, &alen))) {
		snprintf(why, sizeof(why), "%s: %s", step, sk_errno_name(errno));
		close(l);
		return why;
	}
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a))) {
		snprintf(why, sizeof(why), "connect 127.0.0.1:%d: %s (loopback down?)", ntohs(a.sin_port),
			 sk_errno_name(errno));
		if (c >= 0)
			close(c);
		close(l);
		return why;
	}
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		sk_die_errno("accept on 127.0.0.1:%d", ntohs(a.sin_port));
	close(l);
	set_nodelay(c);
	set_nodelay(s);
	ch->parent.rfd = ch->parent.wfd = c;
	ch->child.rfd = ch->child.wfd = s;
	return NULL;
}

static void fifo_open_pair(const char *path, int *rfd, int *wfd)
{
	if (mkfifo(path, 0600))
		sk_die_errno("mkfifo %s", path);
	/* Open the read end without blocking (no writer yet), then the write end
	 * (a reader exists), then make reads block again. */
	*rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (*rfd < 0)
		sk_die_errno("open %s for reading", path);
	*wfd = open(path, O_WRONLY | O_CLOEXEC);
	if (*wfd < 0)
		sk_die_errno("open %s for writing", path);
	if (fcntl(*rfd, F_SETFL, 0))
		sk_die_errno("fcntl %s", path);
}

static const char *mq_open_pair(struct chan *ch)
{
	static char why[200];
	static bool hooked;
	struct mq_attr at = {.mq_maxmsg = MQ_MAXMSG, .mq_msgsize = MQ_MSGSIZE};
	long long v;
	if (sk_read_ll("/proc/sys/fs/mqueue/msg_max", &v) == 0 && v < at.mq_maxmsg)
		at.mq_maxmsg = v;
	if (sk_read_ll("/proc/sys/fs/mqueue/msgsize_max", &v) == 0 && v < at.mq_msgsize)
		at.mq_msgsize = v;
	if (at.mq_msgsize < (long)sizeof(struct cmd) || at.mq_maxmsg < 1) {
		snprintf(why, sizeof(why), "fs.mqueue limits too small (msg_max %ld, msgsize_max %ld)",
			 at.mq_maxmsg, at.mq_msgsize);
		return why;
	}
	if (!hooked) {
		sk_on_cleanup(remove_mqueues);
		hooked = true;
	}
	if (n_mq + 2 > MAX_MQ)
		sk_die("internal: more than %d message queues", MAX_MQ);
	mqd_t q[2];
	for (int i = 0; i < 2; i++) {
		snprintf(mq_names[n_mq], sizeof(mq_names[n_mq]), "/shikumi-ipc-%d-%d-%s", (int)getpid(), (int)n_mq,
			 i ? "c2p" : "p2c");
		snprintf(ch->mq_name[i], sizeof(ch->mq_name[i]), "%s", mq_names[n_mq]);
		n_mq = n_mq + 1;   /* named before created: a signal in between unlinks it too */
		q[i] = mq_open(ch->mq_name[i], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &at);
		if (q[i] == (mqd_t)-1) {
			int e = errno;
			if (i) {
				mq_close(q[0]);
				mq_unlink(ch->mq_name[0]);
			}
			snprintf(why, sizeof(why), "mq_open %s (maxmsg %ld, msgsize %ld): %s%s", ch->mq_name[i],
				 at.mq_maxmsg, at.mq_msgsize, sk_errno_name(e),
				 e == ENOSYS ? " (kernel without CONFIG_POSIX_MQUEUE)"
				 : e == EMFILE || e == ENOMEM ? " (RLIMIT_MSGQUEUE or memory)" : "");
			return why;
		}
	}
	mq_msgsize = at.mq_msgsize;
	ch->parent.mq_w = ch->child.mq_r = q[0];
	ch->parent.mq_r = ch->child.mq_w = q[1];
	return NULL;
}

static void shm_open_pair(struct chan *ch, size_t max_bytes, long spin_ns)
{
	long page = sk_page_size();
	size_t one = sizeof(struct ring) + NSLOTS * max_bytes;
	one = (one + (size_t)page - 1) / (size_t)page * (size_t)page;
	ch->shm_len = 2 * one;
	ch->shm = sk_shared_alloc(ch->shm_len);
	struct ring *r0 = ch->shm, *r1 = (struct ring *)((char *)ch->shm + one);
	r0->slot_bytes = r1->slot_bytes = max_bytes;
	ch->parent.out = ch->child.in = r0;
	ch->parent.in = ch->child.out = r1;
	ch->parent.spin_ns = ch->child.spin_ns = spin_ns;
}

static const char *chan_open(struct chan *ch, int kind, int place, size_t max_bytes)
{
	memset(ch, 0, sizeof(*ch));
	ch->place = place;
	ch->kind = kind;
	ch->parent = ch->child = (struct end){.kind = kind, .rfd = -1, .wfd = -1,
					      .mq_r = (mqd_t)-1, .mq_w = (mqd_t)-1};
	ch->parent.is_parent = true;
	int a[2], b[2], sv[2];
	switch (kind) {
	case K_PIPE:
		if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC))
			sk_die_errno("pipe");
		ch->parent.wfd = a[1], ch->child.rfd = a[0];
		ch->child.wfd = b[1], ch->parent.rfd = b[0];
		return NULL;
	case K_FIFO: {
		sk_scratch_dir(scratch_base);
		char name[32];
		snprintf(name, sizeof(name), "fifo-p2c-%s", place_short[place]);
		snprintf(ch->fifo_p2c, sizeof(ch->fifo_p2c), "%s", sk_scratch_path(name));
		snprintf(name, sizeof(name), "fifo-c2p-%s", place_short[place]);
		snprintf(ch->fifo_c2p, sizeof(ch->fifo_c2p), "%s", sk_scratch_path(name));
		fifo_open_pair(ch->fifo_p2c, &ch->child.rfd, &ch->parent.wfd);
		fifo_open_pair(ch->fifo_c2p, &ch->parent.rfd, &ch->child.wfd);
		return NULL;
	}
	case K_UNIX:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			sk_die_errno("socketpair AF_UNIX");
		ch->parent.rfd = ch->parent.wfd = sv[0];
		ch->child.rfd = ch->child.wfd = sv[1];
		return NULL;
	case K_TCP:
		return tcp_open(ch);
	case K_MQ:
		return mq_open_pair(ch);
	case K_SHM:
		shm_open_pair(ch, max_bytes, 0);
		return NULL;
	case K_SHM_SPIN:
		shm_open_pair(ch, max_bytes, SPIN_NS);
		return NULL;
	}
	return "unknown kind";
}

static void close_end(struct end *e)
{
	if (e->rfd >= 0)
		close(e->rfd);
	if (e->wfd >= 0 && e->wfd != e->rfd)
		close(e->wfd);
	e->rfd = e->wfd = -1;
}

/* The parent's side after fork: drop the child's descriptors. */
static void chan_parent_only(struct chan *ch)
{
	if (ch->kind != K_MQ)   /* mq: both ends share two descriptors, closed at the end */
		close_end(&ch->child);
}

static void chan_child_only(struct chan *ch)
{
	if (ch->kind != K_MQ)
		close_end(&ch->parent);
}

static void chan_close(struct chan *ch)
{
	close_end(&ch->parent);
	if (ch->kind == K_MQ) {
		mq_close(ch->parent.mq_r);
		mq_close(ch->parent.mq_w);
		mq_unlink(ch->mq_name[0]);
		mq_unlink(ch->mq_name[1]);
	}
	if (ch->shm)
		munmap(ch->shm, ch->shm_len);
	if (ch->kind == K_FIFO) {
		unlink(ch->fifo_p2c);
		unlink(ch->fifo_c2p);
	}
}

/* ---- running every channel at once, in rounds ---------------------------------
 * All channels are open and every echo child waits at the same time. Each
 * point (one message size of one metric) is measured in rounds: in every round
 * each channel gets one timed repetition through the harness, one after the
 * other. A burst of interference from the rest of the machine then hits all
 * kinds alike instead of spoiling one kind's every repetition, and the medians
 * over the rounds can be compared. */
struct point_opts {
	struct sk_bench_opts bench;
	int reps;
	size_t rtt_bytes[MAX_RTT_SIZES];
	int n_rtt;
	size_t bw_bytes[32];
	int n_bw;
	bool metric[NMETRIC];
};

static void emit(struct sk_tsv *t, const struct chan *ch, size_t bytes, bool bw, const double *v, int reps,
		 uint64_t iters)
{
	struct sk_summary s = sk_summarize(v, (size_t)reps);
	sk_tsv_row(t, "%s\t%s\t%zu\t%s\t%d\t%llu\t%.1f\t%.1f\t%.1f\t%.1f", kind_names[ch->kind],
		   place_names[ch->place], bytes, bw ? "bw_bytes_per_s" : "rtt_ns", reps, (unsigned long long)iters,
		   s.median, s.min, s.max, s.median > 0 ? 100.0 * (s.max - s.min) / s.median : 0.0);
	if (bw)
		sk_note("%-8s %-9s %8zu B  %8.1f MB/s", kind_names[ch->kind], place_names[ch->place], bytes,
			s.median / 1e6);
	else
		sk_note("%-8s %-9s %8zu B  %8.0f ns per round trip", kind_names[ch->kind], place_names[ch->place],
			bytes, s.median);
}

/* Fork the echo child of one channel (the parent already runs on cpu). */
static void pair_start(struct chan *ch, int cpu2, size_t max_bytes)
{
	pid_t parent = getpid();
	size_t buflen = max_bytes + (size_t)mq_msgsize + sizeof(struct cmd);
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(SK_EXIT_FAIL);
		if (ch->place == P_CROSS && sk_pin_self(cpu2))
			_exit(SK_EXIT_FAIL);
		chan_child_only(ch);
		ch->child.peer = parent;
		unsigned char *cbuf = malloc(buflen);
		if (!cbuf)
			_exit(SK_EXIT_FAIL);
		memset(cbuf, 0, buflen);
		child_loop(&ch->child, cbuf);
	}
	chan_parent_only(ch);
	ch->parent.peer = pid;
	ch->pid = pid;
	ch->buf = malloc(buflen);
	if (!ch->buf)
		sk_die("out of memory for a %zu-byte buffer", buflen);
	memset(ch->buf, 0x5a, buflen);
}

static void pair_stop(struct chan *ch)
{
	struct cmd quit = {OP_QUIT, 0, 0};
	send_msg(&ch->parent, &quit, sizeof(quit));
	int st = sk_wait(ch->pid, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		char sb[64];
		sk_die("%s: echo process %s", kind_names[ch->kind], sk_status_str(st, sb, sizeof(sb)));
	}
	free(ch->buf);
	chan_close(ch);
}

/* One point for every channel: reps rounds of one harness repetition each. */
static void measure_point(struct sk_tsv *t, struct chan *chs, int n, const struct point_opts *po, size_t bytes,
			  bool bw)
{
	static double v[NKIND * NPLACE][SK_BENCH_MAX_REPS];
	static uint64_t iters[NKIND * NPLACE];
	static struct sk_bench_result r;
	uint64_t batch = RTT_BATCH;
	if (bw)
		batch = BW_BATCH_BYTES / bytes > BW_MIN_BATCH ? BW_BATCH_BYTES / bytes : BW_MIN_BATCH;
	for (int round = 0; round < po->reps; round++)
		for (int i = 0; i < n; i++) {
			struct sk_bench_opts o = po->bench;
			o.reps = 1;
			if (round > 0)
				o.warmup_ns /= 8;   /* warm already: only re-settle after the others' turns */
			struct bench_arg a = {.e = &chs[i].parent, .buf = chs[i].buf, .bytes = bytes, .batch = batch};
			sk_bench_run(bw ? do_stream : do_rtt, &a, &o, &r);
			if (a.bad)
				sk_die("%s: %s", kind_names[chs[i].kind],
				       bw ? "the child received a different number of bytes"
					  : "an echo came back different from what was sent");
			double ns = r.ns_per_op[0] / (double)batch;   /* per message or round trip */
			v[i][round] = bw ? (ns > 0 ? (double)bytes * 1e9 / ns : 0) : ns;
			if (round == 0)
				iters[i] = 0;
			iters[i] += r.iters * batch;
		}
	for (int i = 0; i < n; i++)
		emit(t, &chs[i], bytes, bw, v[i], po->reps, iters[i] / (uint64_t)po->reps);
}

static void add_size(size_t *v, int *n, int max, size_t s)
{
	for (int i = 0; i < *n; i++)
		if (v[i] == s)
			return;
	if (*n < max)
		v[(*n)++] = s;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int cpu = -1, cpu2 = -1;
	bool want_kind[NKIND] = {false}, any_kind = false;
	bool want_place[NPLACE] = {false}, any_place = false;
	struct point_opts po;
	memset(&po, 0, sizeof(po));
	bool any_metric = false;
	uint64_t max_bytes = DEFAULT_MAX_BYTES;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'm': po.metric[sk_parse_choice(optarg, "--metric", metric_names)] = true; any_metric = true; break;
		case SK_LONG(1): want_kind[sk_parse_choice(optarg, "--kind", kind_names)] = true; any_kind = true; break;
		case SK_LONG(2): want_place[sk_parse_choice(optarg, "--placement", place_short)] = true; any_place = true; break;
		case 'b':
			if (po.n_rtt >= MAX_RTT_SIZES)
				sk_bad_arg("--rtt-bytes", optarg, "at most " SK_STR(MAX_RTT_SIZES) " sizes");
			add_size(po.rtt_bytes, &po.n_rtt, MAX_RTT_SIZES,
				 (size_t)sk_parse_int(optarg, "--rtt-bytes", 1, MAX_RTT_BYTES));
			break;
		case 's': max_bytes = sk_parse_size(optarg, "--size", MIN_BW_BYTES, 8 * SK_MIB); break;
		case 'c': cpu = sk_parse_cpu(optarg, "--cpu"); break;
		case SK_LONG(3): cpu2 = sk_parse_cpu(optarg, "--cpu2"); break;
		case 'D': scratch_base = optarg; break;
		}
	}
	sk_no_operands(argc, argv);
	if (scratch_base) {
		struct stat st;
		if (stat(scratch_base, &st) || !S_ISDIR(st.st_mode))
			sk_bad_arg("--dir", scratch_base, "not a directory");
	}
	int reps = sk_std_reps(&std, DEFAULT_REPS, QUICK_REPS);
	int target_ms = sk_std_target_ms(&std, DEFAULT_TARGET_MS, QUICK_TARGET_MS);
	if (!any_metric)
		po.metric[M_RTT] = po.metric[M_BW] = true;
	if (!any_kind)
		for (int k = 0; k < NKIND; k++)
			want_kind[k] = true;
	if (!any_place)
		want_place[P_SAME] = want_place[P_CROSS] = true;
	if (po.n_rtt == 0) {   /* quick: 64 B only (the verdicts' size) */
		if (!std.quick)
			po.rtt_bytes[po.n_rtt++] = 1;
		po.rtt_bytes[po.n_rtt++] = 64;
	}
	qsort(po.rtt_bytes, (size_t)po.n_rtt, sizeof(size_t), cmp_size);
	/* bandwidth sizes: 64 B x STEP up to SIZE, SIZE itself, and 64 KiB (the verdict's point) */
	uint64_t step = std.quick ? QUICK_BW_STEP : BW_STEP;
	for (uint64_t s = MIN_BW_BYTES; s <= max_bytes; s *= step)
		add_size(po.bw_bytes, &po.n_bw, 32, (size_t)s);
	if (64 * SK_KIB <= max_bytes)
		add_size(po.bw_bytes, &po.n_bw, 32, 64 * SK_KIB);
	add_size(po.bw_bytes, &po.n_bw, 32, (size_t)max_bytes);
	qsort(po.bw_bytes, (size_t)po.n_bw, sizeof(size_t), cmp_size);
	size_t buf_max = max_bytes > MAX_RTT_BYTES ? max_bytes : MAX_RTT_BYTES;

	const char *cross_note = sk_cpu_pair(&cpu, &cpu2, &want_place[P_CROSS], "cross-cpu placement");
	if (!want_place[P_SAME] && !want_place[P_CROSS])   /* only cross was asked for */
		sk_skip("cross-cpu asked for, but only one CPU is allowed");

	sk_bench_defaults(&po.bench);
	po.reps = reps;
	po.bench.target_ns = (uint64_t)target_ms * 1000000u;
	po.bench.warmup_ns = po.bench.target_ns;   /* one repetition's worth: wakes the CPUs, faults the buffers */
	po.bench.no_subtract = true;               /* microseconds per op: a bare loop's ns do not matter */

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_children_guard();
	cpu_set_t orig;
	sk_allowed_cpus(&orig);
	sk_tsv_meta(&t, "cpu", "%d", cpu);
	sk_tsv_meta(&t, "cpu2", "%d", cpu2);
	sk_tsv_meta(&t, "cross", "%s", cross_note);
	sk_tsv_meta(&t, "reps", "%d", reps);
	sk_tsv_meta(&t, "target_ms", "%d", target_ms);
	sk_tsv_meta(&t, "shm_slots", "%d", NSLOTS);
	sk_tsv_meta(&t, "shm_spin_ns", "%d", SPIN_NS);

	if (sk_pin_self(cpu))
		sk_die_errno("pin to CPU %d", cpu);
	static struct chan chs[NKIND * NPLACE];
	int n = 0, ran = 0, asked = 0;
	for (int k = 0; k < NKIND; k++) {
		if (!want_kind[k])
			continue;
		asked++;
		int first = n;
		const char *why = NULL;
		for (int pl = 0; pl < NPLACE && !why; pl++) {
			if (!want_place[pl])
				continue;
			why = chan_open(&chs[n], k, pl, buf_max);
			if (!why)
				pair_start(&chs[n++], cpu2, buf_max);
		}
		if (why) {   /* the system refused this kind: stop what was started of it */
			while (n > first)
				pair_stop(&chs[--n]);
			char key[32];
			snprintf(key, sizeof(key), "skipped_%s", kind_names[k]);
			sk_tsv_meta(&t, key, "%s", why);
			sk_warn("%s skipped: %s", kind_names[k], why);
			continue;
		}
		if (k == K_MQ)
			sk_tsv_meta(&t, "mq_msgsize_bytes", "%ld", mq_msgsize);
		ran++;
	}
	if (ran == 0)
		sk_skip("every kind asked for was refused by the system (%d asked)", asked);
	sk_tsv_header(&t, "kind\tplacement\tmsg_bytes\tmetric\treps\titers\tmedian\tmin\tmax\tspread_pct");
	if (po.metric[M_RTT])
		for (int i = 0; i < po.n_rtt; i++)
			measure_point(&t, chs, n, &po, po.rtt_bytes[i], false);
	if (po.metric[M_BW])
		for (int i = 0; i < po.n_bw; i++)
			measure_point(&t, chs, n, &po, po.bw_bytes[i], true);
	for (int i = n - 1; i >= 0; i--)
		pair_stop(&chs[i]);
	if (sched_setaffinity(0, sizeof(orig), &orig))
		sk_die_errno("sched_setaffinity (restore)");
	return sk_tsv_close(&t) ? 1 : 0;
}
