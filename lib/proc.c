/* proc.c - readers for /proc and /sys: small files, key/value files, CPU
 * times, memory, per-process status, caches. */
#include "shikumi.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>

ssize_t sk_read_file(const char *path, char *buf, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len - 1) {
		ssize_t n = read(fd, buf + off, len - 1 - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	return (ssize_t)off;
}

int sk_read_line(const char *path, char *buf, size_t len)
{
	if (sk_read_file(path, buf, len) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int sk_read_ll(const char *path, long long *out)
{
	char buf[64];
	if (sk_read_line(path, buf, sizeof(buf)))
		return -1;
	if (sk_parse_ll_r(buf, LLONG_MIN, LLONG_MAX, out)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int sk_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = strlen(s);
	ssize_t n = write(fd, s, len);
	int e = errno;
	if (close(fd) && n >= 0) {
		return -1;
	}
	if (n < 0) {
		errno = e;
		return -1;
	}
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Find "key:" at the start of a line in buf; parse the number after it. */
static int kv_find(const char *buf, const char *key, long long *out)
{
	size_t kl = strlen(key);
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			char *end;
			errno = 0;
			long long v = strtoll(p + kl + 1, &end, 10);
			if (errno || end == p + kl + 1)
				break;
			*out = v;
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

int sk_kv_get(const char *path, const char *key, long long *out)
{
	static __thread char buf[65536];
	if (sk_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return kv_find(buf, key, out);
}

static long long kv_or(const char *buf, const char *key)
{
	long long v;
	return kv_find(buf, key, &v) ? -1 : v;
}

uint64_t sk_cpustat_total(const struct sk_cpustat *s)
{
	/* steal is time the vCPU wanted but the host ran something else: count it,
	 * so percentages add up to 100 on a VM. */
	return s->user + s->nice + s->system + s->idle + s->iowait + s->irq + s->softirq +
	       s->steal;
}

int sk_read_cpustat(int cpu, struct sk_cpustat *out)
{
	static __thread char buf[65536];
	char want[32];
	if (sk_read_file("/proc/stat", buf, sizeof(buf)) < 0)
		return -1;
	if (cpu < 0)
		snprintf(want, sizeof(want), "cpu ");
	else
		snprintf(want, sizeof(want), "cpu%d ", cpu);
	size_t wl = strlen(want);
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, want, wl))
			continue;
		memset(out, 0, sizeof(*out));
		int n = sscanf(p + wl, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
				       " %" SCNu64 " %" SCNu64 " %" SCNu64,
			       &out->user, &out->nice, &out->system, &out->idle, &out->iowait,
			       &out->irq, &out->softirq, &out->steal);
		if (n < 4) {
			errno = EINVAL;
			return -1;
		}
		return 0;
	}
	errno = ENOENT;
	return -1;
}

int sk_read_meminfo(struct sk_meminfo *m)
{
	static __thread char buf[16384];
	if (sk_read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	m->mem_total = kv_or(buf, "MemTotal");
	m->mem_free = kv_or(buf, "MemFree");
	m->mem_available = kv_or(buf, "MemAvailable");
	m->buffers = kv_or(buf, "Buffers");
	m->cached = kv_or(buf, "Cached");
	m->swap_cached = kv_or(buf, "SwapCached");
	m->shmem = kv_or(buf, "Shmem");
	m->sreclaimable = kv_or(buf, "SReclaimable");
	m->dirty = kv_or(buf, "Dirty");
	m->writeback = kv_or(buf, "Writeback");
	m->anon_pages = kv_or(buf, "AnonPages");
	m->anon_huge_pages = kv_or(buf, "AnonHugePages");
	m->page_tables = kv_or(buf, "PageTables");
	m->committed_as = kv_or(buf, "Committed_AS");
	m->commit_limit = kv_or(buf, "CommitLimit");
	m->swap_total = kv_or(buf, "SwapTotal");
	m->swap_free = kv_or(buf, "SwapFree");
	m->hugepages_free = kv_or(buf, "HugePages_Free");
	m->hugepages_rsvd = kv_or(buf, "HugePages_Rsvd");
	m->hugepagesize = kv_or(buf, "Hugepagesize");
	return 0;
}

/* procps-ng 4 (Debian 12's free 4.0.2; man free): used = total - available.
 * Kernels before 3.14 have no MemAvailable: there free computed, and we
 * compute, total - free - buffers - cache (cache = Cached + SReclaimable). */
long long sk_meminfo_used_kib(const struct sk_meminfo *m)
{
	if (m->mem_available >= 0 && m->mem_available <= m->mem_total)
		return m->mem_total - m->mem_available;
	long long cache = m->cached + (m->sreclaimable > 0 ? m->sreclaimable : 0);
	long long used = m->mem_total - m->mem_free - m->buffers - cache;
	return used < 0 ? m->mem_total - m->mem_free : used;
}

uint64_t sk_mem_available_bytes(void)
{
	long long kib;
	if (sk_kv_get("/proc/meminfo", "MemAvailable", &kib) || kib < 0)
		sk_die_errno("read MemAvailable from /proc/meminfo");
	return (uint64_t)kib * 1024;
}

void sk_check_mem_bound(uint64_t bytes, const char *name, const char *value)
{
	uint64_t limit = sk_mem_available_bytes() / 2;
	if (bytes > limit) {
		char a[32], why[128];
		snprintf(why, sizeof(why), "exceeds half of MemAvailable (limit %s)",
			 sk_fmt_size(limit, a, sizeof(a)));
		sk_bad_arg(name, value, why);
	}
}

/* /proc/PID/FILE (pid 0: /proc/self/FILE) into buf, as sk_read_file. */
static ssize_t proc_read(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/%s", file);
	else
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return sk_read_file(path, buf, len);
}

static uint64_t hex_field(const char *buf, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return strtoull(p + kl + 1, NULL, 16);
	return 0;
}

int sk_read_status(pid_t pid, struct sk_procstatus *s)
{
	static __thread char buf[16384];
	if (proc_read(pid, "status", buf, sizeof(buf)) < 0)
		return -1;
	const char *st = strstr(buf, "\nState:");
	s->state = '?';
	if (st) {
		st += 7;
		while (*st == ' ' || *st == '\t')
			st++;
		s->state = *st;
	}
	s->vm_size = kv_or(buf, "VmSize");
	s->vm_rss = kv_or(buf, "VmRSS");
	s->vm_pte = kv_or(buf, "VmPTE");
	s->rss_anon = kv_or(buf, "RssAnon");
	s->rss_file = kv_or(buf, "RssFile");
	s->rss_shmem = kv_or(buf, "RssShmem");
	s->threads = kv_or(buf, "Threads");
	s->voluntary_ctxt_switches = kv_or(buf, "voluntary_ctxt_switches");
	s->nonvoluntary_ctxt_switches = kv_or(buf, "nonvoluntary_ctxt_switches");
	s->sig_ign = hex_field(buf, "SigIgn");
	s->sig_cgt = hex_field(buf, "SigCgt");
	s->sig_blk = hex_field(buf, "SigBlk");
	return 0;
}

int sk_read_pidstat(pid_t pid, struct sk_pidstat *s)
{
	char buf[4096];
	if (proc_read(pid, "stat", buf, sizeof(buf)) < 0)
		return -1;
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p) {
		errno = EINVAL;
		return -1;
	}
	p += 2;
	memset(s, 0, sizeof(*s));
	char *save = NULL;
	int field = 3;
	for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
		unsigned long long v = strtoull(tok, NULL, 10);
		switch (field) {
		case 3: s->state = tok[0]; break;
		case 4: s->ppid = (pid_t)v; break;
		case 5: s->pgrp = (pid_t)v; break;
		case 6: s->session = (pid_t)v; break;
		case 7: s->tty_nr = (int)strtol(tok, NULL, 10); break;
		case 10: s->minflt = v; break;
		case 12: s->majflt = v; break;
		case 14: s->utime_ticks = v; break;
		case 15: s->stime_ticks = v; break;
		case 19: s->nice = (int)strtol(tok, NULL, 10); break;
		case 20: s->num_threads = (long long)v; break;
		case 22: s->starttime_ticks = v; break;
		case 23: s->vsize_bytes = v; break;
		case 24: s->rss_pages = v; break;
		case 39: s->processor = (int)v; break;
		default: break;
		}
	}
	if (field < 40) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int sk_read_smaps_rollup(pid_t pid, struct sk_smaps *s)
{
	static __thread char buf[8192];
	if (proc_read(pid, "smaps_rollup", buf, sizeof(buf)) < 0)
		return -1;
	s->rss = kv_or(buf, "Rss");
	s->pss = kv_or(buf, "Pss");
	s->shared_clean = kv_or(buf, "Shared_Clean");
	s->shared_dirty = kv_or(buf, "Shared_Dirty");
	s->private_clean = kv_or(buf, "Private_Clean");
	s->private_dirty = kv_or(buf, "Private_Dirty");
	s->anonymous = kv_or(buf, "Anonymous");
	s->anon_huge_pages = kv_or(buf, "AnonHugePages");
	s->swap = kv_or(buf, "Swap");
	return 0;
}

long sk_page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? p : 4096;
}

long sk_clk_tck(void)
{
	long t = sysconf(_SC_CLK_TCK);
	return t > 0 ? t : 100;
}

/* sysfs sizes look like "48K", "2048K", "260M". */
static uint64_t sysfs_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	switch (toupper((unsigned char)*end)) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	default: return v;
	}
}

int sk_read_caches(int cpu, struct sk_cache *out, int max)
{
	if (cpu < 0)
		cpu = sk_first_allowed_cpu();
	int n = 0;
	for (int idx = 0; idx < 16 && n < max; idx++) {
		char path[128], buf[64];
		struct sk_cache c = {0};
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu,
			 idx);
		if (sk_read_line(path, buf, sizeof(buf)))
			break;
		c.level = atoi(buf);   /* sysfs wrote it; a bad value just gives level 0 */
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/type", cpu, idx);
		if (sk_read_line(path, c.type, sizeof(c.type)))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/size", cpu, idx);
		if (sk_read_line(path, buf, sizeof(buf)))
			continue;
		c.size_bytes = sysfs_size(buf);
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/cache/index%d/coherency_line_size", cpu, idx);
		c.line_size = sk_read_line(path, buf, sizeof(buf)) ? 0 : atoi(buf);
		out[n++] = c;
	}
	return n;
}

uint64_t sk_cache_size(int level)
{
	struct sk_cache c[16];
	int n = sk_read_caches(-1, c, 16);
	for (int i = 0; i < n; i++)
		if (c[i].level == level && strcmp(c[i].type, "Instruction"))
			return c[i].size_bytes;
	return 0;
}

int sk_cache_line_size(void)
{
	struct sk_cache c[16];
	int n = sk_read_caches(-1, c, 16);
	for (int i = 0; i < n; i++)
		if (c[i].level == 1 && strcmp(c[i].type, "Instruction") && c[i].line_size > 0)
			return c[i].line_size;
	long l = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
	return l > 0 ? (int)l : 64;
}

const char *sk_thp_mode(char *buf, size_t len)
{
	char raw[128];
	if (sk_read_line("/sys/kernel/mm/transparent_hugepage/enabled", raw, sizeof(raw))) {
		snprintf(buf, len, "unavailable");
		return buf;
	}
	const char *a = strchr(raw, '['), *b = a ? strchr(a, ']') : NULL;
	if (!a || !b) {
		snprintf(buf, len, "unavailable");
		return buf;
	}
	snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
	return buf;
}

bool sk_thp_possible(const char *mode)
{
	return strcmp(mode, "never") && strcmp(mode, "unavailable");
}
