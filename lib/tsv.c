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

void sk_tsv_open_opt(struct sk_tsv *t, const char *path, const char *opt)
{
	memset(t, 0, sizeof(*t));
	t->opt = opt;
	if (path && strcmp(path, "-")) {
		t->path = strdup(path);
		if (!t->path)
			sk_die_errno("strdup");
		/* Fail now, not after a long run, if the place is not right. */
		struct sk_pub p;
		sk_publish_plan(&p, opt, path);
		sk_publish_probe(&p);
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

static int write_fd(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
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
		/* The plan again (the path may have changed during the run). */
		struct sk_pub p;
		sk_publish_plan(&p, t->opt, t->path);
		if (sk_publish_open(&p) < 0) {
			sk_warn_errno("open %s", sk_publish_writing(&p));
			rc = -1;
		} else {
			bool ok = !write_fd(p.fd, t->meta_buf, t->meta_len) &&
				  !write_fd(p.fd, t->body_buf, t->body_len);
			if (!ok)
				sk_warn_errno("write %s", sk_publish_writing(&p));
			rc = sk_publish_close(&p, ok);
		}
	}
	free(t->meta_buf);
	free(t->body_buf);
	free(t->path);
	memset(t, 0, sizeof(*t));
	return rc;
}

void sk_tsv_open(struct sk_tsv *t, const char *path)
{
	sk_tsv_open_opt(t, path, "--output");
}
