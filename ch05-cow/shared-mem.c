/*
 * shared-mem - after fork, parent and child have separate memory unless they
 * share it on purpose.
 *
 * A counter lives in one of three places: a global variable, a one-page
 * MAP_PRIVATE anonymous mapping, a one-page MAP_SHARED anonymous mapping.
 * The parent sets it to START and forks. Then, in this order (a pipe keeps
 * the order, so there is no race): the parent adds 1; the child adds START
 * one increment at a time and reports the value it sees; the parent waits
 * for the child and reads the counter again.
 *   variable, private: the child sees START + START (its own copy-on-write
 *                      copy, without the parent's +1); the parent sees START + 1
 *   shared:            both see START + 1 + START: one page, two processes
 *
 * Usage: shared-mem [--start N] [-o FILE]
 * Try:   ./shared-mem | column -t
 */
#include "shikumi.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define DEFAULT_START 1000   /* the book's value: the child doubles it */

enum where { W_VARIABLE, W_PRIVATE, W_SHARED, NWHERE };
static const char *const where_name[NWHERE] = {"variable", "private", "shared"};

static volatile long global_counter;

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{SK_LONG(1), "start", "N", "initial value; the child adds N, the parent adds 1,"
	 SK_USAGE_MORE "1..1000000000 (default " SK_STR(DEFAULT_START) ")"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "A counter in a global variable, a MAP_PRIVATE and a MAP_SHARED mapping; parent and\n"
		      "child both update it; who sees what. TSV to stdout.");
	printf("\n-q is accepted for symmetry with the other programs (it is quick).\n"
	       "Output columns: mapping step process value expected\n"
	       "  steps: before_fork (parent), parent_added_1 (parent), child_added_start (child),\n"
	       "         parent_after_wait (parent)\n"
	       "Examples:\n"
	       "  %s | column -t\n"
	       "  %s --start 5\n",
	       sk_prog, sk_prog);
}

static volatile long *counter_in(enum where w, size_t page)
{
	if (w == W_VARIABLE)
		return &global_counter;
	int flags = (w == W_SHARED ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		sk_die_errno("mmap %s", where_name[w]);
	return p;
}

static void release(enum where w, volatile long *c, size_t page)
{
	if (w != W_VARIABLE && munmap((void *)c, page))
		sk_die_errno("munmap");
}

static void xwrite(int fd, const void *buf, size_t len, const char *what)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			sk_die_errno("write %s", what);
		p += n;
		len -= (size_t)n;
	}
}

/* Full read of len bytes; 0 on EOF before that. */
static int xread(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			sk_die_errno("read pipe");
		if (n == 0)
			return 0;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

static void run_one(struct sk_tsv *t, enum where w, long start, size_t page)
{
	volatile long *c = counter_in(w, page);
	*c = start;
	sk_tsv_row(t, "%s\tbefore_fork\tparent\t%ld\t%ld", where_name[w], *c, start);

	int go[2], back[2];
	if (pipe2(go, O_CLOEXEC) || pipe2(back, O_CLOEXEC))
		sk_die_errno("pipe2");
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		char g;
		close(go[1]);
		close(back[0]);
		if (read(go[0], &g, 1) != 1)   /* wait until the parent has added its 1 */
			_exit(1);
		for (long i = 0; i < start; i++)
			(*c)++;
		long seen = *c;
		if (write(back[1], &seen, sizeof(seen)) != (ssize_t)sizeof(seen))
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(back[1]);

	(*c)++;
	bool shared = w == W_SHARED;
	sk_tsv_row(t, "%s\tparent_added_1\tparent\t%ld\t%ld", where_name[w], *c, start + 1);
	xwrite(go[1], "g", 1, "pipe");
	long child_saw = 0;
	int got = xread(back[0], &child_saw, sizeof(child_saw));
	int status = sk_wait(pid, NULL);
	if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		sk_die("child %d failed (status 0x%x)", (int)pid, status);
	close(go[1]);
	close(back[0]);
	sk_tsv_row(t, "%s\tchild_added_start\tchild\t%ld\t%ld", where_name[w], child_saw,
		   shared ? 2 * start + 1 : 2 * start);
	sk_tsv_row(t, "%s\tparent_after_wait\tparent\t%ld\t%ld", where_name[w], *c,
		   shared ? 2 * start + 1 : start + 1);
	sk_note("%-8s parent sees %ld, child saw %ld", where_name[w], *c, child_saw);
	release(w, c, page);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	long start = DEFAULT_START;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1): start = (long)sk_parse_ll(optarg, "--start", 1, 1000000000); break;
		}
	}
	sk_no_operands(argc, argv);

	size_t page = (size_t)sk_page_size();
	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "start", "%ld", start);
	sk_tsv_meta(&tsv, "what", "value = the counter as that process saw it; expected = what "
				  "separate (copy-on-write) or shared memory predicts");
	sk_tsv_header(&tsv, "mapping\tstep\tprocess\tvalue\texpected");
	sk_children_guard();
	for (int w = 0; w < NWHERE; w++)
		run_one(&tsv, (enum where)w, start, page);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
