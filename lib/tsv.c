/*
 * tsv.c - the suite's data format: "# key: value" preamble, one header row,
 * one row per measurement. Everything is buffered and written at close, so
 * the preamble can say which CPUs were actually used and a run that dies
 * half-way leaves no half-written file behind.
 */
#include "shikumi.h"

#include <fcntl.h>
#include <sys/utsname.h>

static FILE *memstream(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	if (!f)
		sk_die_errno("open_memstream");
	return f;
}

static void std_meta(struct sk_tsv *t)
{
	char stamp[32], host[256] = "unknown", allowed[256];
	struct utsname u;
	cpu_set_t set;

	gethostname(host, sizeof(host) - 1);
	sk_allowed_cpus(&set);
	fprintf(t->meta, "# program: %s\n", sk_prog);
	fprintf(t->meta, "# version: shikumi %s\n", SK_VERSION);
	fprintf(t->meta, "# date: %s\n", sk_utc_stamp(stamp, sizeof(stamp)));
	fprintf(t->meta, "# host: %s\n", host);
	if (uname(&u) == 0)
		fprintf(t->meta, "# kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	fprintf(t->meta, "# command: %s\n", sk_cmdline());
	fprintf(t->meta, "# cpus_allowed: %s\n", sk_cpuset_str(&set, allowed, sizeof(allowed)));
	fprintf(t->meta, "# page_size_bytes: %ld\n", sk_page_size());
}

void sk_tsv_open(struct sk_tsv *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	if (path && strcmp(path, "-")) {
		t->path = strdup(path);
		if (!t->path)
			sk_die_errno("strdup");
		/* Fail now, not after a long run, if the place is not writable. */
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			sk_die_errno("open %s", tmp);
		close(fd);
		unlink(tmp);
	}
	t->meta = memstream(&t->meta_buf, &t->meta_len);
	t->body = memstream(&t->body_buf, &t->body_len);
	std_meta(t);
}

void sk_tsv_meta(struct sk_tsv *t, const char *key, const char *fmt, ...)
{
	va_list ap;
	fprintf(t->meta, "# %s: ", key);
	va_start(ap, fmt);
	vfprintf(t->meta, fmt, ap);
	va_end(ap);
	fputc('\n', t->meta);
}

void sk_tsv_header(struct sk_tsv *t, const char *names)
{
	if (t->header_done)
		sk_die("internal: TSV header written twice");
	fprintf(t->body, "%s\n", names);
	t->ncols = 1;
	for (const char *p = names; *p; p++)
		t->ncols += *p == '\t';
	t->header_done = true;
}

void sk_tsv_row(struct sk_tsv *t, const char *fmt, ...)
{
	if (!t->header_done)
		sk_die("internal: TSV row before header");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(t->body, fmt, ap);
	va_end(ap);
	fputc('\n', t->body);
}

static int write_all(FILE *f, const char *buf, size_t len)
{
	return fwrite(buf, 1, len, f) == len ? 0 : -1;
}

int sk_tsv_close(struct sk_tsv *t)
{
	char used[256];
	int rc = 0;
	fprintf(t->meta, "# cpus_used: %s\n", sk_cpus_used(used, sizeof(used)));
	fclose(t->meta);
	fclose(t->body);

	if (!t->path) {
		if (write_all(stdout, t->meta_buf, t->meta_len) ||
		    write_all(stdout, t->body_buf, t->body_len) || fflush(stdout)) {
			sk_warn_errno("write stdout");
			rc = -1;
		}
	} else {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", t->path, (int)getpid());
		FILE *f = fopen(tmp, "w");
		if (!f) {
			sk_warn_errno("open %s", tmp);
			rc = -1;
		} else {
			if (write_all(f, t->meta_buf, t->meta_len) ||
			    write_all(f, t->body_buf, t->body_len) || fflush(f) ||
			    fsync(fileno(f))) {
				sk_warn_errno("write %s", tmp);
				rc = -1;
			}
			if (fclose(f) && rc == 0) {
				sk_warn_errno("close %s", tmp);
				rc = -1;
			}
			if (rc == 0 && rename(tmp, t->path)) {
				sk_warn_errno("rename %s to %s", tmp, t->path);
				rc = -1;
			}
			if (rc)
				unlink(tmp);
		}
	}
	free(t->meta_buf);
	free(t->body_buf);
	free(t->path);
	memset(t, 0, sizeof(*t));
	return rc;
}
