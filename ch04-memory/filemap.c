/*
 * filemap - a MAP_SHARED file mapping is the file's page cache.
 *
 * Creates a one-page file (in a mkdtemp directory under $TMPDIR, else
 * /var/tmp, removed on every exit path) holding a known text, maps it
 * MAP_SHARED, writes a new text through the mapping with a plain memcpy, and
 * reads the file back with read(): the change is there at once, without
 * msync or write(), because read() and the mapping share the same page-cache
 * page. A MAP_PRIVATE mapping's write stays private (copy-on-write).
 * Then, in a child process, it touches the mapping one page beyond the end of
 * the file: there is no file data to back it, and the kernel sends SIGBUS
 * (BUS_ADRERR), not SIGSEGV: the address is mapped, the file is too short.
 *
 * Usage: filemap [-o FILE]
 * Try:   ./filemap | column -t -s $'\t'
 */
#include "ch04.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>

#define ORIGINAL "written with write(2)"
#define THROUGH_MAP "CHANGED through a MAP_SHARED mapping"
#define THROUGH_PRIVATE "changed through a MAP_PRIVATE mapping"

static void read_back(int fd, char *buf, size_t len)
{
	memset(buf, 0, len);
	ssize_t n = pread(fd, buf, len - 1, 0);
	if (n < 0)
		sk_die_errno("pread");
	buf[strcspn(buf, "\n")] = '\0';
}

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {{0}};

static void usage(void)
{
	sk_usage_head("[options]", NULL, STD_OPTS,
		      "Write a file through a MAP_SHARED mapping and read() it back; SIGBUS beyond EOF.");
	printf("\n-q is the same as the default (one page, microseconds).\n"
	       "The scratch file lives in a new directory under $TMPDIR (else /var/tmp), removed at exit.\n"
	       "Output columns: check expected observed ok\n"
	       "Examples:\n"
	       "  %s | column -t -s $'\\t'\n"
	       "  TMPDIR=/dev/shm %s       # the same on tmpfs\n",
	       sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		}
	}
	sk_no_operands(argc, argv);

	size_t ps = (size_t)sk_page_size();
	sk_children_guard();
	const char *path = sk_scratch_path("filemap.dat");   /* in a new sk_scratch_dir, removed on every exit */
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		sk_die_errno("create %s", path);
	char *page = calloc(1, ps);
	char buf[256];
	if (!page)
		sk_die("out of memory");
	snprintf(page, ps, "%s\n", ORIGINAL);
	if (write(fd, page, ps) != (ssize_t)ps)
		sk_die_errno("write %s", path);
	free(page);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "file", "%s", path);
	sk_tsv_meta(&tsv, "file_bytes", "%zu", ps);
	sk_tsv_header(&tsv, "check\texpected\tobserved\tok");

	/* 1. MAP_SHARED: a store is a write to the file's page cache. */
	char *shared = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shared == MAP_FAILED)
		sk_die_errno("mmap MAP_SHARED %s", path);
	read_back(fd, buf, sizeof(buf));
	sk_tsv_row(&tsv, "read_before\t%s\t%s\t%d", ORIGINAL, buf, !strcmp(buf, ORIGINAL));
	memcpy(shared, THROUGH_MAP "\n", sizeof(THROUGH_MAP "\n"));
	read_back(fd, buf, sizeof(buf));
	bool ok = !strcmp(buf, THROUGH_MAP);
	sk_tsv_row(&tsv, "read_after_shared_store\t%s\t%s\t%d", THROUGH_MAP, buf, ok);
	sk_note("after a memcpy into the MAP_SHARED mapping, read() returns: \"%s\"%s", buf,
		ok ? "" : "  (unexpected)");

	/* 2. MAP_PRIVATE: the store goes to a private copy of the page. */
	char *priv = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (priv == MAP_FAILED)
		sk_die_errno("mmap MAP_PRIVATE %s", path);
	memcpy(priv, THROUGH_PRIVATE "\n", sizeof(THROUGH_PRIVATE "\n"));
	read_back(fd, buf, sizeof(buf));
	ok = !strcmp(buf, THROUGH_MAP);
	sk_tsv_row(&tsv, "read_after_private_store\t%s\t%s\t%d", THROUGH_MAP, buf, ok);
	sk_note("after a memcpy into a MAP_PRIVATE mapping, read() still returns: \"%s\"", buf);
	munmap(priv, ps);

	/* 3. Two pages mapped over a one-page file: the second has no backing. */
	char *two = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (two == MAP_FAILED)
		sk_die_errno("mmap 2 pages of %s", path);
	struct ch04_fault *rep = ch04_fault_shared();
	uintptr_t target = (uintptr_t)two + ps + 8;
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		ch04_fault_catch(SIGBUS);
		ch04_fault_catch(SIGSEGV);
		*(volatile char *)target = 1;
		_exit(2);
	}
	int st = sk_wait(pid, NULL);
	const char *sig = !rep->got ? (WIFEXITED(st) && WEXITSTATUS(st) == 2 ? "no_fault" : "child_failed")
		: rep->signo == SIGBUS ? (rep->code == BUS_ADRERR ? "SIGBUS/BUS_ADRERR" : "SIGBUS/other")
		: rep->signo == SIGSEGV ? "SIGSEGV" : "other";
	ok = rep->got && rep->signo == SIGBUS && rep->addr == target;
	sk_tsv_row(&tsv, "touch_beyond_eof\tSIGBUS/BUS_ADRERR at 0x%" PRIxPTR "\t%s at 0x%" PRIxPTR "\t%d",
		   target, sig, (uintptr_t)rep->addr, ok);
	sk_note("store one page beyond the end of the file: %s at 0x%" PRIxPTR " (target 0x%" PRIxPTR ")", sig,
		(uintptr_t)rep->addr, target);

	munmap(two, 2 * ps);
	munmap(shared, ps);
	close(fd);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
