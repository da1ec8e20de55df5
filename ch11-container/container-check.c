/*
 * container-check - run inside a container, check that its isolation holds.
 * Each check is a row: id, what, expected, observed, PASS/FAIL/SKIP.
 *   ns-differ-KIND   this process's namespace inode differs from the host's
 *                    (the host's inodes are given with --host-ns)
 *   uid-map          /proc/self/uid_map is what the runtime wrote
 *   cap-bounding     CapBnd lacks SYS_ADMIN, SYS_MODULE, SYS_PTRACE, NET_ADMIN,
 *                    SYS_RAWIO, SYS_BOOT, SYS_TIME, DAC_READ_SEARCH
 *   cap-effective    CapEff is within CapBnd
 *   no-new-privs     NoNewPrivs: 1
 *   seccomp          Seccomp: 2 and unshare(0) - a harmless no-op - refused
 *                    with EPERM (with --seccomp), else Seccomp: 0
 *   root-private     the root mount has no "shared:" peer group
 *   host-mounts      no mount point other than /, /proc, /dev, /sys (the
 *                    host's tree is detached)
 *   pid-view         only the container's own processes are visible
 *   hostname         the name the runtime set
 *   cgroup-ns        every line of /proc/self/cgroup is "/"
 *   limit-*-visible  the limit can be read back inside (/sys/fs/cgroup)
 *   pids-enforced    fork fails with EAGAIN at pids.max
 *   memory-enforced  a child touching more than the limit is OOM-killed
 *   chroot-escape    the classic chroot escape does not reach the host
 *                    marker file (--marker)
 *   orphan-reaped    (--init) an orphan is reaped by PID 1
 *
 * Usage: container-check [--host-ns LIST] [--uid-map LINE] [--hostname NAME] [--seccomp]
 *                        [--init] [--pids N] [--memory SIZE] [--cpu PCT] [--marker PATH] [-o FILE]
 * Exit 0 when no check failed, 1 otherwise.
 * Try:   sudo ./mini-container -r ROOTFS --init --pids 32 -- container-check --init --pids 32
 */
#include "ch11.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>

static struct {
	char host_ns[512];
	const char *uid_map, *hostname, *marker;
	bool seccomp, init;
	long long pids, cpu_pct;
	uint64_t memory;
} o;
static struct sk_tsv t;
static int failures;

SK_PRINTF(5, 6)
static void check(const char *id, const char *what, const char *expected, bool ok, const char *fmt, ...)
{
	char obs[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(obs, sizeof(obs), fmt, ap);
	va_end(ap);
	for (char *p = obs; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	sk_tsv_row(&t, "%s\t%s\t%s\t%s\t%s", id, what, expected, obs, ok ? "PASS" : "FAIL");
	if (!ok)
		failures++;
}

static void skip(const char *id, const char *what, const char *expected, const char *why)
{
	sk_tsv_row(&t, "%s\t%s\t%s\t%s\tSKIP", id, what, expected, why);
}

static uint64_t status_hex(const char *key)
{
	char text[8192];
	if (sk_read_file("/proc/self/status", text, sizeof(text)) < 0)
		return UINT64_MAX;
	char *p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : UINT64_MAX;
}

static long long status_ll(const char *key)
{
	long long v = -1;
	if (sk_kv_get("/proc/self/status", key, &v) != 0)
		return -1;
	return v;
}

static void check_namespaces(void)
{
	char list[512];
	snprintf(list, sizeof(list), "%s", o.host_ns);
	for (char *item = strtok(list, ","); item; item = strtok(NULL, ",")) {
		char *colon = strchr(item, ':');
		if (!colon)
			continue;
		*colon = '\0';
		unsigned long host = strtoul(colon + 1, NULL, 10), mine = ch11_ns_inode(0, item);
		char id[64], what[128];
		snprintf(id, sizeof(id), "ns-differ-%s", item);
		snprintf(what, sizeof(what), "%s namespace differs from the host's", item);
		check(id, what, "inode != host's", mine && mine != host, "%lu (host %lu)", mine, host);
	}
}

static void normalize(const char *in, char *out, size_t len)
{
	size_t n = 0;
	bool space = true;
	for (; *in && *in != '\n' && n + 1 < len; in++) {
		if (*in == ' ' || *in == '\t') {
			if (!space)
				out[n++] = ' ';
			space = true;
		} else {
			out[n++] = *in;
			space = false;
		}
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static void check_credentials(void)
{
	char text[256], line[256], want[256];
	if (o.uid_map) {
		normalize(o.uid_map, want, sizeof(want));
		if (sk_read_file("/proc/self/uid_map", text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "unreadable");
		normalize(text, line, sizeof(line));
		check("uid-map", "uid_map as the runtime wrote it", want, strcmp(line, want) == 0, "%s", line);
	}
	/* SYS_ADMIN 21, SYS_MODULE 16, SYS_PTRACE 19, NET_ADMIN 12, SYS_RAWIO 17, SYS_BOOT 22, SYS_TIME 25,
	 * DAC_READ_SEARCH 2 */
	const uint64_t dangerous = (1ull << 21) | (1ull << 16) | (1ull << 19) | (1ull << 12) | (1ull << 17) |
				   (1ull << 22) | (1ull << 25) | (1ull << 2);
	uint64_t bnd = status_hex("CapBnd:"), eff = status_hex("CapEff:");
	check("cap-bounding", "dangerous capabilities gone from the bounding set", "CapBnd & 0x2630004 == 0",
	      bnd != UINT64_MAX && !(bnd & dangerous), "CapBnd %016llx", (unsigned long long)bnd);
	check("cap-effective", "effective capabilities within the bounding set", "CapEff & ~CapBnd == 0",
	      eff != UINT64_MAX && !(eff & ~bnd), "CapEff %016llx", (unsigned long long)eff);
	long long nnp = status_ll("NoNewPrivs");
	check("no-new-privs", "no_new_privs set (setuid binaries gain nothing)", "NoNewPrivs 1", nnp == 1,
	      "NoNewPrivs %lld", nnp);
	long long sc = status_ll("Seccomp");
	if (o.seccomp) {
		int r = unshare(0);
		int e = errno;
		check("seccomp", "seccomp filter refuses unshare", "Seccomp 2, unshare(0) EPERM",
		      sc == 2 && r != 0 && e == EPERM, "Seccomp %lld, unshare(0) %s", sc, r == 0 ? "allowed" : sk_errno_name(e));
	} else {
		check("seccomp", "no seccomp filter (not asked for)", "Seccomp 0", sc == 0, "Seccomp %lld", sc);
	}
}

static void check_mounts(void)
{
	static char text[1 << 16];
	char strange[1024] = "";
	int mounts = 0;
	bool root_private = false, root_seen = false;
	if (sk_read_file("/proc/self/mountinfo", text, sizeof(text)) < 0) {
		skip("root-private", "root mount private", "no shared:", "mountinfo unreadable");
		return;
	}
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char mp[1024], rest[2048] = "";
		if (sscanf(line, "%*s %*s %*s %*s %1023s %*s %2047[^\n]", mp, rest) < 1)
			continue;
		mounts++;
		if (strcmp(mp, "/") == 0) {
			root_seen = true;
			char *dash = strstr(rest, " - ");
			if (dash)
				*dash = '\0';
			root_private = !strstr(rest, "shared:");
		} else if (strcmp(mp, "/proc") && strncmp(mp, "/proc/", 6) && strcmp(mp, "/dev") &&
			   strncmp(mp, "/dev/", 5) && strcmp(mp, "/sys") && strncmp(mp, "/sys/", 5) && !strange[0]) {
			snprintf(strange, sizeof(strange), "%s", mp);
		}
	}
	check("root-private", "the container's root mount propagates nothing", "no shared: on /",
	      root_seen && root_private, "%s", !root_seen ? "no / mount" : root_private ? "private" : "shared");
	check("host-mounts", "the host's mount tree is detached", "only /, /proc, /dev, /sys mounts", !strange[0],
	      "%d mounts%s%s", mounts, strange[0] ? ", e.g. " : "", strange);
}

static void check_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	char pids[512] = "";
	if (!d) {
		skip("pid-view", "only the container's processes", "few pids", "no /proc");
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
			size_t l = strlen(pids);
			if (l < 200)
				snprintf(pids + l, sizeof(pids) - l, "%s%s", n ? " " : "", e->d_name);
			n++;
		}
	closedir(d);
	int want = o.init ? 2 : 1;   /* init (with --init) and us */
	check("pid-view", "only the container's processes are visible", o.init ? "pids 1 2" : "pid 1",
	      n == want && getpid() == want, "%d visible (%s), getpid() %d", n, pids, (int)getpid());
}

static void check_names(void)
{
	char host[256] = "?", text[4096];
	gethostname(host, sizeof(host));
	if (o.hostname)
		check("hostname", "the container's own hostname", o.hostname, strcmp(host, o.hostname) == 0, "%s", host);
	int lines = 0, root = 0;
	if (sk_read_file("/proc/self/cgroup", text, sizeof(text)) > 0)
		for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
			char *p = strrchr(l, ':');
			lines++;
			if (p && strcmp(p, ":/") == 0)
				root++;
		}
	check("cgroup-ns", "the container's group is its cgroup root", "every /proc/self/cgroup path is /",
	      lines > 0 && root == lines, "%d of %d are /", root, lines);
}

/* The first of several candidate files that exists (v2 first, then v1 mounts). */
static int read_first(const char *const *paths, char *buf, size_t len, const char **which)
{
	for (; *paths; paths++)
		if (sk_read_line(*paths, buf, len) == 0) {
			*which = *paths;
			return 0;
		}
	return -1;
}

static void check_limits(void)
{
	char buf[128];
	const char *which;
	if (o.pids) {
		const char *const p[] = {"/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max", NULL};
		char want[32];
		snprintf(want, sizeof(want), "%lld", o.pids);
		if (read_first(p, buf, sizeof(buf), &which) == 0)
			check("limit-pids-visible", "pids limit visible inside", want, strcmp(buf, want) == 0, "%s = %s",
			      which, buf);
		else
			check("limit-pids-visible", "pids limit visible inside", want, false, "no pids.max under /sys/fs/cgroup");
	}
	if (o.memory) {
		const char *const p[] = {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
					 NULL};
		char want[32];
		snprintf(want, sizeof(want), "%llu", (unsigned long long)o.memory);
		if (read_first(p, buf, sizeof(buf), &which) == 0)
			check("limit-memory-visible", "memory limit visible inside", want, strcmp(buf, want) == 0,
			      "%s = %s", which, buf);
		else
			check("limit-memory-visible", "memory limit visible inside", want, false, "no memory limit file");
	}
	if (o.cpu_pct) {
		const char *const p[] = {"/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us",
					 "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", NULL};
		char want[32];
		long long quota = -1;
		snprintf(want, sizeof(want), "quota %lld us", o.cpu_pct * 1000);
		if (read_first(p, buf, sizeof(buf), &which) == 0)
			quota = strtoll(buf, NULL, 10);
		check("limit-cpu-visible", "CPU quota visible inside (per 100 ms period)", want, quota == o.cpu_pct * 1000,
		      "%s = %s", quota >= 0 ? which : "no cpu quota file", quota >= 0 ? buf : "-");
	}
}

/* Fork sleepers until fork fails: EAGAIN at pids.max. */
static void check_pids_enforced(void)
{
	if (!o.pids)
		return;
	if (o.pids > 256) {
		skip("pids-enforced", "fork fails at pids.max", "EAGAIN", "limit above 256: not tried");
		return;
	}
	struct ch11_sync hold;
	ch11_sync_init(&hold);
	pid_t kids[260];
	int n = 0, err = 0;
	fflush(NULL);
	while (n < (int)SK_ARRAY_LEN(kids)) {
		pid_t p = fork();
		if (p < 0) {
			err = errno;
			break;
		}
		if (p == 0) {
			ch11_sync_reader(&hold);
			ch11_sync_wait(&hold);
			_exit(0);
		}
		kids[n++] = p;
	}
	ch11_sync_close(&hold);   /* the sleepers read EOF and leave */
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	int already = o.init ? 2 : 1;
	char want[64];
	snprintf(want, sizeof(want), "EAGAIN after %lld processes", o.pids);
	check("pids-enforced", "fork fails at the pids limit", want, err == EAGAIN && n + already == o.pids,
	      "%s after %d forks (+%d already there)", err ? sk_errno_name(err) : "no failure", n, already);
}

/* A child that touches limit + 32 MiB must die of SIGKILL (the group's OOM). */
static void check_memory_enforced(void)
{
	if (!o.memory)
		return;
	size_t len = o.memory + 32 * SK_MIB;
	fflush(NULL);
	pid_t p = fork();
	if (p < 0) {
		skip("memory-enforced", "OOM-kill at the memory limit", "SIGKILL", "fork failed");
		return;
	}
	if (p == 0) {
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(3);
		long page = sk_page_size();
		for (size_t i = 0; i < len; i += (size_t)page)
			m[i] = 1;
		_exit(0);   /* survived: the limit was not enforced */
	}
	int st;
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	char obs[64];
	if (WIFSIGNALED(st))
		snprintf(obs, sizeof(obs), "killed by signal %d", WTERMSIG(st));
	else
		snprintf(obs, sizeof(obs), "exited %d (touched all %zu MiB)", WEXITSTATUS(st), len >> 20);
	check("memory-enforced", "touching 32 MiB over the limit gets OOM-killed", "SIGKILL (9)",
	      WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s", obs);
}

/* mkdir x; chroot x; chdir .. (many times); chroot . : outside a chroot
 * this climbs to the real root. After pivot_root the real root is the
 * container's: the host's marker stays out of reach. In a child, so our
 * own root is untouched. */
static void check_chroot_escape(void)
{
	if (!o.marker)
		return;
	int *reached = mmap(NULL, sizeof(int) * 2, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reached == MAP_FAILED) {
		skip("chroot-escape", "chroot escape blocked", "marker unreachable", "mmap failed");
		return;
	}
	reached[0] = -1;
	reached[1] = 0;
	fflush(NULL);
	pid_t p = fork();
	if (p == 0) {
		char dir[64];
		snprintf(dir, sizeof(dir), "/tmp/.escape.%d", (int)getpid());
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			_exit(2);
		if (chroot(dir) != 0) {
			reached[1] = errno;
			rmdir(dir);
			_exit(2);
		}
		for (int i = 0; i < 64; i++)
			if (chdir("..") != 0)
				break;
		if (chroot(".") != 0)
			reached[1] = errno;
		reached[0] = access(o.marker, F_OK) == 0;
		rmdir(dir);   /* the escape landed at the container's root: same path */
		_exit(0);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
	if (reached[0] < 0)
		skip("chroot-escape", "the chroot escape stays inside", "marker unreachable",
		     reached[1] ? sk_errno_name(reached[1]) : "the attempt failed");
	else
		check("chroot-escape", "the chroot escape stays inside (pivot_root, old root detached)",
		      "host marker unreachable", reached[0] == 0, "%s", reached[0] ? "marker reached" : "ENOENT");
	munmap(reached, sizeof(int) * 2);
}

/* --init: a grandchild whose parent exits is re-parented to PID 1, which
 * must reap it (no zombie left). */
static void check_orphan_reaped(void)
{
	if (!o.init)
		return;
	int fd[2];
	if (pipe(fd) != 0)
		return;
	fflush(NULL);
	pid_t c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			sk_sleep_ns(50 * 1000 * 1000);
			_exit(0);
		}
		if (write(fd[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		_exit(0);   /* g is an orphan now */
	}
	pid_t g = -1;
	if (read(fd[0], &g, sizeof(g)) != sizeof(g))
		g = -1;
	close(fd[0]);
	close(fd[1]);
	waitpid(c, NULL, 0);
	char path[64], stat[256] = "";
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)g);
	for (int i = 0; i < 100; i++) {   /* up to 1 s */
		if (sk_read_line(path, stat, sizeof(stat)) != 0) {
			stat[0] = '\0';
			break;
		}
		sk_sleep_ns(10 * 1000 * 1000);
	}
	check("orphan-reaped", "an orphan is reaped by PID 1 (--init)", "gone within 1 s", g > 0 && !stat[0],
	      "%s", stat[0] ? "still there (zombie?)" : "reaped");
}

static void usage(void)
{
	printf("Usage: %s [options]\n"
	       "Run inside a container: check its namespaces, credentials, mounts, processes and limits.\n\n",
	       sk_prog);
	printf("      --host-ns LIST         host namespace inodes that must differ: pid:N,mnt:N,...\n"
	       "      --uid-map LINE         the expected first line of /proc/self/uid_map (\"0 0 4294967295\")\n"
	       "      --hostname NAME        the expected hostname\n"
	       "      --seccomp              expect a seccomp filter refusing unshare\n"
	       "      --init                 expect an init as PID 1 (we are PID 2) that reaps orphans\n"
	       "      --pids N               expect and test pids.max N\n"
	       "      --memory SIZE          expect and test memory limit SIZE (a child is OOM-killed)\n"
	       "      --cpu PCT              expect a CPU quota of PCT %% of one CPU\n"
	       "      --marker PATH          a host file the chroot escape must not reach\n");
	sk_std_usage(stdout, SK_STD_Q | SK_STD_O);
	printf("\nExample:\n  sudo mini-container -r ROOTFS --init --pids 32 -- container-check --init --pids 32\n");
}

int main(int argc, char **argv)
{
	static const struct sk_opt opts[] = {
		{SK_LONG(1), "host-ns", "LIST", NULL}, {SK_LONG(2), "uid-map", "LINE", NULL},
		{SK_LONG(3), "hostname", "NAME", NULL}, {SK_LONG(4), "seccomp", NULL, NULL},
		{SK_LONG(5), "init", NULL, NULL},      {SK_LONG(6), "pids", "N", NULL},
		{SK_LONG(7), "memory", "SIZE", NULL},  {SK_LONG(8), "cpu", "PCT", NULL},
		{SK_LONG(9), "marker", "PATH", NULL},  {0}};
	struct sk_std std = {0};
	int c;

	sk_init(argc, argv);
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1)
		switch (c) {
		case SK_LONG(1): {
			/* kind:inode[,kind:inode...] with known kinds only */
			char copy[512];
			if (strlen(optarg) >= sizeof(copy))
				sk_bad_arg("--host-ns", optarg, "too long");
			snprintf(copy, sizeof(copy), "%s", optarg);
			for (char *it = strtok(copy, ","); it; it = strtok(NULL, ",")) {
				char *colon = strchr(it, ':');
				bool known = false;
				if (!colon)
					sk_bad_arg("--host-ns", optarg, "expected KIND:INODE[,KIND:INODE...]");
				*colon = '\0';
				for (int k = 0; k < CH11_NKINDS; k++)
					known |= strcmp(it, ch11_ns_kinds[k].name) == 0;
				if (!known)
					sk_bad_arg("--host-ns", optarg, "unknown namespace kind");
				long long dummy;
				if (sk_parse_ll_r(colon + 1, 1, LLONG_MAX, &dummy))
					sk_bad_arg("--host-ns", optarg, "inode not a positive number");
			}
			snprintf(o.host_ns, sizeof(o.host_ns), "%s", optarg);
			break;
		}
		case SK_LONG(2):
			o.uid_map = optarg;
			break;
		case SK_LONG(3):
			o.hostname = optarg;
			break;
		case SK_LONG(4):
			o.seccomp = true;
			break;
		case SK_LONG(5):
			o.init = true;
			break;
		case SK_LONG(6):
			o.pids = sk_parse_ll(optarg, "--pids", 1, 4194304);
			break;
		case SK_LONG(7):
			o.memory = sk_parse_size(optarg, "--memory", SK_MIB, UINT64_MAX / 2);
			break;
		case SK_LONG(8):
			o.cpu_pct = sk_parse_ll(optarg, "--cpu", 1, 100000);
			break;
		case SK_LONG(9):
			o.marker = optarg;
			break;
		default:
			sk_usage_hint();
		}
	sk_no_operands(argc, argv);

	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "pid_inside", "%d", (int)getpid());
	sk_tsv_header(&t, "id\tcheck\texpected\tobserved\tresult");
	check_namespaces();
	check_credentials();
	check_mounts();
	check_processes();
	check_names();
	check_limits();
	check_orphan_reaped();
	check_chroot_escape();
	check_pids_enforced();
	check_memory_enforced();
	if (sk_tsv_close(&t) != 0)
		return 1;
	return failures ? 1 : 0;
}
