/*
 * meminfo - what `free` shows, and how it moves when a process touches
 * memory and when a file is written.
 *
 * free(1) only reads /proc/meminfo. This program does the same and prints
 * one row per stage: before; after mapping and touching N MiB of anonymous
 * memory (used grows); after writing an N MiB file (buff/cache grows: the
 * page cache keeps the file's pages); after freeing the memory; after deleting
 * the file (its cached pages go with it). "used" is free's (procps-ng 4):
 * total - available. AnonPages is printed too: MemAvailable, like MemFree,
 * misses pages parked on the per-CPU free lists (up to ~150 MiB per CPU on a
 * big machine), AnonPages counts mapped anonymous pages exactly. The file lives in a directory made
 * with mkdtemp under $TMPDIR (else /var/tmp), removed on every exit path.
 *
 * Usage: meminfo [-q] [-s SIZE] [-o FILE]
 * Try:   ./meminfo -s 256M | column -t
 */
#include "ch04.h"

#include <fcntl.h>

#define DEFAULT_SIZE (UINT64_C(256) << 20)   /* well above the noise of a busy machine */
#define QUICK_SIZE (UINT64_C(128) << 20)
#define WRITE_CHUNK (UINT64_C(1) << 20)

#define STD_OPTS (SK_STD_Q | SK_STD_O)
static const struct sk_opt opts[] = {
	{'s', "size", "SIZE", "memory and file size (e.g. 64M, 1G), at most MemAvailable/2"},
	{0}};

static void usage(void)
{
	sk_usage_head("[options]", opts, STD_OPTS,
		      "A free(1)-like snapshot from /proc/meminfo at each stage: before, after touching\n"
		      "SIZE of anonymous memory, after writing a SIZE file, after freeing, after deleting.");
	printf("\nDefaults: SIZE %llu MiB; quick: %llu MiB.\n"
	       "The file goes to a fresh directory under $TMPDIR (else /var/tmp), removed at exit.\n"
	       "Output columns (KiB, as free -k): stage total_kib used_kib free_kib shared_kib\n"
	       "  buff_cache_kib available_kib anon_kib (AnonPages: not in free, but exact)\n"
	       "Examples:\n"
	       "  %s -q | column -t\n"
	       "  TMPDIR=/tmp %s -s 512M\n",
	       (unsigned long long)(DEFAULT_SIZE >> 20), (unsigned long long)(QUICK_SIZE >> 20),
	       sk_prog, sk_prog);
}

static void snapshot(struct sk_tsv *t, const char *stage)
{
	struct sk_meminfo m;
	if (sk_read_meminfo(&m))
		sk_die_errno("read /proc/meminfo");
	long long used = sk_meminfo_used_kib(&m);
	long long cache = m.buffers + m.cached + (m.sreclaimable > 0 ? m.sreclaimable : 0);
	sk_tsv_row(t, "%s\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld", stage, m.mem_total, used, m.mem_free,
		   m.shmem, cache, m.mem_available, m.anon_pages);
	sk_note("%-14s used %7lld MiB  free %7lld MiB  buff/cache %7lld MiB  available %7lld MiB  anon %6lld MiB",
		stage, used >> 10, m.mem_free >> 10, cache >> 10, m.mem_available >> 10, m.anon_pages >> 10);
}

static void write_file(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		sk_die_errno("create %s", path);
	static char chunk[WRITE_CHUNK];
	memset(chunk, 'x', sizeof(chunk));
	for (uint64_t done = 0; done < size;) {
		size_t n = (size_t)(size - done < WRITE_CHUNK ? size - done : WRITE_CHUNK);
		ssize_t w = write(fd, chunk, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			sk_die_errno("write %s", path);
		}
		done += (uint64_t)w;
	}
	if (close(fd))
		sk_die_errno("close %s", path);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	uint64_t size = ch04_size_options(argc, argv, opts, STD_OPTS, &std, usage, DEFAULT_SIZE, QUICK_SIZE);
	size_t len = ch04_page_round(size);

	const char *dir = sk_scratch_dir(NULL);   /* removed on every exit path */
	const char *path = sk_scratch_path("buff-cache.dat");

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "size_bytes", "%zu", len);
	sk_tsv_meta(&tsv, "scratch_dir", "%s", dir);
	sk_tsv_meta(&tsv, "what", "free(1) columns from /proc/meminfo, KiB; used = total - available (procps-ng 4), buff_cache = Buffers + Cached + SReclaimable");
	sk_tsv_header(&tsv, "stage\ttotal_kib\tused_kib\tfree_kib\tshared_kib\tbuff_cache_kib\tavailable_kib\tanon_kib");

	snapshot(&tsv, "before");
	void *p = sk_map_anon(len, -1);
	sk_touch_pages(p, len);
	snapshot(&tsv, "touched");
	write_file(path, len);
	snapshot(&tsv, "file_written");
	if (munmap(p, len))
		sk_die_errno("munmap");
	snapshot(&tsv, "freed");
	if (unlink(path))
		sk_die_errno("unlink %s", path);
	snapshot(&tsv, "deleted");
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
