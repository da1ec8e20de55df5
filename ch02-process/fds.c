/*
 * fds - file descriptors across fork and exec, as a shell uses them.
 *
 * The parent opens two scratch files: keep.txt plainly and cloexec.txt with
 * O_CLOEXEC. Then, step by step, each reported as rows of /proc/PID/fd:
 *   parent     the parent's descriptors (0, 1, 2, and the two files)
 *   fork       the child's: fork copies the whole descriptor table
 *   exec       the same child after execve of this program: the O_CLOEXEC
 *              descriptor is gone, keep.txt is still there, same number
 *   offset     the child writes 5 bytes to keep.txt; the parent's offset
 *              moves too: both descriptors point to one open file description
 *   redirect   what `prog > out.txt` does: fork, open out.txt, dup2 it onto
 *              1, close the original, exec; the program writes to stdout and
 *              the text lands in out.txt
 * Scratch files live in a directory of their own, removed on every exit path.
 *
 * Usage: fds [-D DIR] [-o FILE]
 * Try:   ./fds | column -t -s $'\t'
 */
#include "shikumi.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>

#define OFFSET_BYTES 5                      /* what the child writes: "hello" */
#define REDIRECT_TEXT "written to stdout\n"

static const struct sk_opt opts[] = {
	{'D', "dir", "DIR", "where the scratch directory goes (default $TMPDIR, else /var/tmp)"},
	/* Used by the program itself after execve: list the descriptors, or write to stdout. */
	{SK_LONG(1), "child-list", "STEP", NULL},
	{SK_LONG(2), "child-write", NULL, NULL},
	{0}};

static void usage(void)
{
	printf("Usage: %s [-D DIR] [-o FILE]\n"
	       "File descriptors across fork and exec: inheritance, O_CLOEXEC, shared offsets,\n"
	       "dup2 redirection. TSV to stdout.\n\n", sk_prog);
	printf("  -D, --dir DIR              where the scratch directory goes (default $TMPDIR,\n"
	       "                             else /var/tmp)\n");
	sk_std_usage(stdout, SK_STD_O);
	printf("\nOutput columns: step  pid  fd  target  cloexec\n"
	       "Preamble: offset_parent_after_child_write, redirect_text\n"
	       "Example:\n  %s | column -t -s $'\\t'\n", sk_prog);
}

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* One row per descriptor of this process: "step pid fd target cloexec". The
 * rows go to OUT (a pipe back to the parent, or the TSV buffer's FILE). */
static void list_fds(FILE *out, const char *step)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		sk_die_errno("open /proc/self/fd");
	int self = dirfd(d);
	struct dirent *e;
	int fds[256], n = 0;
	while ((e = readdir(d)) && n < (int)SK_ARRAY_LEN(fds)) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);   /* kernel-made names: digits only */
		if (fd != self)
			fds[n++] = fd;
	}
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	for (int i = 0; i < n; i++) {
		char link[64], target[512];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[i]);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		int flags = fcntl(fds[i], F_GETFD);
		fprintf(out, "%s\t%d\t%d\t%s\t%d\n", step, (int)getpid(), fds[i], len > 0 ? target : "?",
			flags >= 0 && (flags & FD_CLOEXEC) ? 1 : 0);
	}
	closedir(d);
	fflush(out);
}

/* Run CMD's child side: exec this program again with ARGS; its stdout is OUTFD. */
static pid_t spawn_self(const char *self, char *const args[], int outfd)
{
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		if (outfd >= 0 && dup2(outfd, STDOUT_FILENO) < 0)
			_exit(127);
		if (outfd >= 0 && outfd != STDOUT_FILENO)
			close(outfd);
		execv(self, args);
		_exit(127);
	}
	return pid;
}

static void wait_ok(pid_t pid, const char *what)
{
	int st = sk_wait(pid, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char buf[64];
		sk_die("%s: child %s", what, sk_status_str(st, buf, sizeof(buf)));
	}
}

/* Read what a child wrote into pipe end FD and append it to the TSV body. */
static void copy_rows(struct sk_tsv *t, int fd)
{
	static char buf[65536];
	ssize_t n = sk_read_fd(fd, buf, sizeof(buf));
	if (n < 0)
		sk_die_errno("read from child");
	fwrite(buf, 1, (size_t)n, t->body);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	const char *dir = NULL, *child_step = NULL;
	bool child_write = false;
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case 'D':
			if (access(optarg, W_OK | X_OK))
				sk_bad_arg("--dir", optarg, "not a writable directory");
			dir = optarg;
			break;
		case SK_LONG(1): child_step = optarg; break;
		case SK_LONG(2): child_write = true; break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	if (child_step) {            /* after execve: what survived */
		list_fds(stdout, child_step);
		return 0;
	}
	if (child_write) {           /* after the shell-style redirection */
		return sk_write_fd(STDOUT_FILENO, REDIRECT_TEXT) ? 1 : 0;
	}

	char self[4096];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl < 0)
		sk_die_errno("readlink /proc/self/exe");
	self[sl] = '\0';
	sk_scratch_dir(dir);
	const char *keep_path = sk_scratch_path("keep.txt");
	const char *cloexec_path = sk_scratch_path("cloexec.txt");
	const char *out_path = sk_scratch_path("out.txt");
	int keep = open(keep_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (keep < 0)
		sk_die_errno("open %s", keep_path);
	int cloexec = open(cloexec_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (cloexec < 0)
		sk_die_errno("open %s", cloexec_path);

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "keep_fd", "%d", keep);
	sk_tsv_meta(&tsv, "cloexec_fd", "%d", cloexec);
	sk_tsv_header(&tsv, "step\tpid\tfd\ttarget\tcloexec");
	list_fds(tsv.body, "parent");

	/* fork: the child lists its table and reports through a pipe. */
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		sk_die_errno("pipe2");
	pid_t pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		FILE *out = fdopen(p[1], "w");
		if (!out)
			_exit(1);
		list_fds(out, "fork");
		_exit(0);
	}
	close(p[1]);
	copy_rows(&tsv, p[0]);
	close(p[0]);
	wait_ok(pid, "fork");

	/* exec: the same child, after execve of this program. */
	if (pipe2(p, O_CLOEXEC))
		sk_die_errno("pipe2");
	char *list_args[] = {self, "--child-list", "exec", NULL};
	pid = spawn_self(self, list_args, p[1]);
	close(p[1]);
	copy_rows(&tsv, p[0]);
	close(p[0]);
	wait_ok(pid, "exec");

	/* offset: one open file description, two descriptors. */
	off_t before = lseek(keep, 0, SEEK_CUR);
	pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0)
		_exit(write(keep, "hello", OFFSET_BYTES) == OFFSET_BYTES ? 0 : 1);
	wait_ok(pid, "offset");
	off_t after = lseek(keep, 0, SEEK_CUR);
	sk_tsv_meta(&tsv, "offset_parent_before", "%lld", (long long)before);
	sk_tsv_meta(&tsv, "offset_parent_after_child_write", "%lld", (long long)after);

	/* redirect: `fds --child-write > out.txt`, as a shell does it. */
	pid = sk_fork();
	if (pid < 0)
		sk_die_errno("fork");
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		close(fd);
		char *write_args[] = {self, "--child-write", NULL};
		execv(self, write_args);
		_exit(127);
	}
	wait_ok(pid, "redirect");
	char text[256] = "";
	int ofd = open(out_path, O_RDONLY | O_CLOEXEC);
	if (ofd < 0 || sk_read_fd(ofd, text, sizeof(text)) < 0)
		sk_die_errno("read %s", out_path);
	close(ofd);
	text[strcspn(text, "\n")] = '\0';
	sk_tsv_meta(&tsv, "redirect_text", "%s", text);
	sk_tsv_meta(&tsv, "redirect_expected", "%.*s", (int)strlen(REDIRECT_TEXT) - 1, REDIRECT_TEXT);

	close(keep);
	close(cloexec);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
