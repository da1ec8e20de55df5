/* error.c - program name, messages, exit codes, errno names. */
#include "shikumi.h"

#include <getopt.h>
#include <locale.h>

const char *sk_prog = "shikumi";
volatile uint64_t sk_sink;
static char cmdline[4096];
static int saved_argc;
static char **saved_argv;

void sk_init(int argc, char **argv)
{
	if (argc > 0 && argv[0]) {
		const char *slash = strrchr(argv[0], '/');
		sk_prog = slash ? slash + 1 : argv[0];
	}
	/* Numbers in data and messages must not depend on the user's locale. */
	setenv("LC_NUMERIC", "C", 1);
	setlocale(LC_NUMERIC, "C");
	setvbuf(stderr, NULL, _IOLBF, 0);
	/* getopt's own messages are two-line and name argv[0] in full: we say it
	 * ourselves, in one line, in sk_usage_hint. */
	opterr = 0;
	saved_argc = argc;
	saved_argv = argv;
	size_t off = 0;
	for (int i = 0; i < argc && off < sizeof(cmdline) - 1; i++) {
		int n = snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s", i ? " " : "", argv[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off >= sizeof(cmdline))
		off = sizeof(cmdline) - 1;
	cmdline[off] = '\0';
	sk_cpu_note();
}

const char *sk_cmdline(void)
{
	return cmdline;
}

const char *sk_errno_name(int err)
{
#define E(x) case x: return #x
	switch (err) {
	E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG);
	E(ENOEXEC); E(EBADF); E(ECHILD); E(EAGAIN); E(ENOMEM); E(EACCES);
	E(EFAULT); E(EBUSY); E(EEXIST); E(EXDEV); E(ENODEV); E(ENOTDIR);
	E(EISDIR); E(EINVAL); E(ENFILE); E(EMFILE); E(ENOTTY); E(ETXTBSY);
	E(EFBIG); E(ENOSPC); E(ESPIPE); E(EROFS); E(EMLINK); E(EPIPE);
	E(EDOM); E(ERANGE); E(EDEADLK); E(ENAMETOOLONG); E(ENOLCK); E(ENOSYS);
	E(ENOTEMPTY); E(ELOOP); E(ENODATA); E(ETIME); E(EOVERFLOW); E(EILSEQ);
	E(EUSERS); E(ENOTSOCK); E(EOPNOTSUPP); E(EADDRINUSE); E(ECONNREFUSED);
	E(ETIMEDOUT); E(EALREADY); E(EINPROGRESS); E(ESTALE); E(EDQUOT);
	E(ECANCELED); E(EOWNERDEAD); E(ENOTRECOVERABLE); E(ENOMEDIUM);
	E(EMEDIUMTYPE); E(ENOKEY); E(EKEYREJECTED);
#undef E
	}
	static __thread char buf[16];
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

SK_PRINTF(3, 0) static void vmsg(const char *tag, int err, const char *fmt, va_list ap)
{
	char text[1024];
	vsnprintf(text, sizeof(text), fmt, ap);
	if (err)
		fprintf(stderr, "%s: %s%s: %s (%s)\n", sk_prog, tag, text, sk_errno_name(err),
			strerror(err));
	else
		fprintf(stderr, "%s: %s%s\n", sk_prog, tag, text);
}

/* The message of a variadic function below (its last named parameter is fmt). */
#define MSG(tag, err)                          \
	do {                                   \
		va_list ap;                    \
		va_start(ap, fmt);             \
		vmsg(tag, err, fmt, ap);       \
		va_end(ap);                    \
	} while (0)

void sk_warn(const char *fmt, ...)
{
	MSG("", 0);
}

void sk_warn_errno(const char *fmt, ...)
{
	int err = errno;
	MSG("", err);
	errno = err;
}

void sk_note(const char *fmt, ...)
{
	MSG("", 0);
}

void sk_die(const char *fmt, ...)
{
	MSG("", 0);
	sk_children_reap_all();
	exit(SK_EXIT_FAIL);   /* atexit runs the cleanup hooks */
}

void sk_die_errno(const char *fmt, ...)
{
	int err = errno;
	MSG("", err);
	sk_children_reap_all();
	exit(SK_EXIT_FAIL);
}

void sk_usage_error(const char *fmt, ...)
{
	MSG("", 0);
	exit(SK_EXIT_USAGE);
}

void sk_skip(const char *fmt, ...)
{
	MSG("SKIP: ", 0);
	sk_children_reap_all();
	exit(SK_EXIT_SKIP);
}

void sk_bad_arg(const char *name, const char *value, const char *why)
{
	sk_usage_error("bad VALUE for %s: '%s': %s", name, value ? value : "(missing)", why);
}

void sk_usage_hint(void)
{
	/* After getopt returned '?' or ':', argv[optind - 1] is the offending word. */
	const char *word = (optind > 1 && optind <= saved_argc && saved_argv) ? saved_argv[optind - 1] : NULL;
	if (word && !strncmp(word, "--", 2))
		fprintf(stderr, "%s: unknown option, or it needs a value: '%s' (try '%s --help')\n",
			sk_prog, word, sk_prog);
	else if (optopt > ' ' && optopt < 127)
		fprintf(stderr, "%s: unknown option -%c, or it needs a value (try '%s --help')\n",
			sk_prog, optopt, sk_prog);
	else if (word)
		fprintf(stderr, "%s: unknown option, or it needs a value: '%s' (try '%s --help')\n",
			sk_prog, word, sk_prog);
	else
		fprintf(stderr, "%s: usage error (try '%s --help')\n", sk_prog, sk_prog);
	exit(SK_EXIT_USAGE);
}

void sk_no_operands(int argc, char **argv)
{
	if (optind < argc)
		sk_usage_error("unexpected argument '%s' (try '%s --help')", argv[optind], sk_prog);
}
