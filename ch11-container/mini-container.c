/*
 * mini-container - a container in one C file: namespaces + cgroup limits +
 * a root filesystem, then run one command and return its exit status.
 *
 * The steps, in order (each one is a line of `strace -f`):
 *   parent  clone(CLONE_NEWPID|NEWNS|NEWUTS|NEWIPC|NEWNET [|NEWUSER])
 *   parent  rootless: setgroups "deny", uid_map/gid_map "0 UID 1"
 *   parent  limits: a cgroup beneath ours (chapter 12's helper), child moved in
 *   child   unshare(CLONE_NEWCGROUP)      (its group is now its "/")
 *   child   sethostname
 *   child   mount("/", MS_REC|MS_PRIVATE) (nothing propagates to the host)
 *   child   bind ROOTFS onto itself       (pivot_root needs a mount point)
 *   child   fresh /proc, a minimal /dev (tmpfs + the host's null, zero, ...),
 *           /sys/fs/cgroup of its own group when limits are set
 *   child   pivot_root(".", "."), umount2(".", MNT_DETACH): the host is gone
 *   child   no_new_privs, capabilities cut to Docker's default set (bounding,
 *           permitted, effective), optional seccomp deny-list (raw BPF)
 *   child   --init: stay as PID 1 (reap orphans, forward signals), fork the
 *           command as PID 2; else execve the command as PID 1
 * The parent forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to the container; a
 * second signal, or 3 s without an exit, kills it (SIGKILL to a PID
 * namespace's init kills the whole namespace). Mounts live only in the
 * container's mount namespace and vanish with it; cgroups are removed on
 * every way out. Never touches the host's mount tree or interfaces.
 *
 * Exit status: the command's (128+N if killed by signal N), like env(1) and
 * timeout(1): 125 the container could not be set up, 126 the command could
 * not be executed, 127 not found; 2 usage error, 4 SKIP (no privilege).
 *
 * Usage: mini-container -r ROOTFS [options] [--] CMD [ARG...]
 * Try:   sudo ./mini-container -r /tmp/rootfs --init --pids 32 -- sh -c 'ps; hostname'
 */
#include "ch11.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define GRACE_S 3              /* forwarded signal -> SIGKILL after this long */
#define DEV_TMPFS_OPTS "size=64k,mode=755"
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
/* Docker's default capability set: what a container's root keeps. */
static const int keep_caps[] = {0 /*CHOWN*/, 1 /*DAC_OVERRIDE*/, 3 /*FOWNER*/, 4 /*FSETID*/, 5 /*KILL*/,
				6 /*SETGID*/, 7 /*SETUID*/, 8 /*SETPCAP*/, 10 /*NET_BIND_SERVICE*/,
				13 /*NET_RAW*/, 18 /*SYS_CHROOT*/, 27 /*MKNOD*/, 29 /*AUDIT_WRITE*/,
				31 /*SETFCAP*/};

/* ---- options ---------------------------------------------------------- */
static struct {
	char rootfs[4096];
	const char *hostname;
	bool user, init, seccomp, verbose;
	int cpu_pct;              /* 0 = no limit */
	uint64_t memory;          /* 0 = no limit */
	long long pids;           /* 0 = no limit */
	const char *timing, *ns_record;
	char **cmd;
} o = {.hostname = "shikumi"};

/* ---- timing: a shared page both sides stamp ------------------------------ */
enum phase {
	P_START, P_CLONED, P_CHILD_RUNS, P_MAPPED, P_CGROUP, P_GO, P_CGROUP_NS, P_HOSTNAME, P_PRIVATE,
	P_BIND, P_PROC, P_DEV, P_PIVOT, P_CAPS, P_SECCOMP, P_EXEC, P_EXITED, P_NPHASES
};
static const char *const phase_name[] = {
	"start", "clone_returned", "child_runs", "uid_gid_mapped", "cgroup_entered", "child_released",
	"cgroup_ns", "hostname", "mounts_private", "rootfs_bound", "proc_mounted", "dev_mounted", "pivot_root",
	"caps_dropped", "seccomp_loaded", "exec", "command_exited"};
static uint64_t *stamps;   /* MAP_SHARED; 0 = phase not reached */
static void stamp(enum phase p) { stamps[p] = sk_now_ns(); }

/* ---- the child: errors go to stderr, exit 125 ------------------------------ */
SK_NORETURN SK_PRINTF(1, 2) static void child_fail(const char *fmt, ...)
{
	char msg[512];
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s: %s (%s)\n", sk_prog, msg, sk_errno_name(e), strerror(e));
	_exit(125);
}

static void mount_or_fail(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) != 0)
		child_fail("mount %s on %s (%s)", src ? src : "(none)", dst, type ? type : "bind/propagation");
}

static void ensure_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		child_fail("mkdir %s", path);
}

/* /dev: a small tmpfs with the host's harmless character devices bound in
 * (a bind works inside a user namespace too, where mknod does not). */
static void make_dev(const char *root)
{
	char dev[4200], path[4300];
	snprintf(dev, sizeof(dev), "%s/dev", root);
	ensure_dir(dev);
	mount_or_fail("shikumi-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, DEV_TMPFS_OPTS);
	for (size_t i = 0; i < SK_ARRAY_LEN(dev_nodes); i++) {
		char host[64];
		snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
		snprintf(path, sizeof(path), "%s/%s", dev, dev_nodes[i]);
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0)
			child_fail("create %s", path);
		close(fd);
		if (access(host, F_OK) == 0)
			mount_or_fail(host, path, NULL, MS_BIND, NULL);
	}
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"}};
	for (size_t i = 0; i < SK_ARRAY_LEN(links); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev, links[i][1]);
		if (symlink(links[i][0], path) != 0)
			child_fail("symlink %s", path);
	}
	snprintf(path, sizeof(path), "%s/shm", dev);
	ensure_dir(path);
	mount_or_fail("shikumi-shm", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=1777");
}

/* /sys/fs/cgroup showing the container's own group (its cgroup namespace's
 * root): cgroup2 on v2; on v1 each limited controller's hierarchy, named as
 * on the host (cpu,cpuacct ...). Failure is not fatal: container-check
 * reports the limit as not visible. */
static void make_cgroupfs(const char *root)
{
	char path[4300];
	const struct sk_cg_sys *sys = sk_cg_system();
	snprintf(path, sizeof(path), "%s/sys", root);
	ensure_dir(path);
	mount_or_fail("shikumi-sys", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,mode=755");
	snprintf(path, sizeof(path), "%s/sys/fs", root);
	ensure_dir(path);
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup", root);
	ensure_dir(path);
	if (!sys)
		return;
	bool v2_done = false;
	for (int c = 0; c < SK_CG_NCTRL; c++) {
		if (!(sk_cg_setup_mask() & SK_CG_BIT(c)))
			continue;
		const struct sk_cg_hier *h = &sys->h[c];
		if (h->version == 2 && !v2_done) {
			if (mount("cgroup2", path, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
				sk_warn_errno("mount cgroup2 inside");
			v2_done = true;
		} else if (h->version == 1) {
			const char *name = strrchr(h->mount, '/');
			char dir[4400];
			name = name ? name + 1 : sk_cg_ctrl_name(c);
			snprintf(dir, sizeof(dir), "%s/%s", path, name);
			if (mkdir(dir, 0755) != 0 && errno != EEXIST)
				continue;
			if (mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, name) != 0 && errno != EBUSY)
				sk_warn_errno("mount cgroup -o %s inside", name);
		}
	}
}

static void drop_capabilities(void)
{
	long long last = 40;
	uint64_t keep = 0;
	sk_read_ll("/proc/sys/kernel/cap_last_cap", &last);
	for (size_t i = 0; i < SK_ARRAY_LEN(keep_caps); i++)
		keep |= UINT64_C(1) << keep_caps[i];
	for (int cap = 0; cap <= last && cap < 64; cap++)
		if (!(keep & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
			child_fail("PR_CAPBSET_DROP %d", cap);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* permitted and effective too, so that even our own init holds no more */
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2] = {{(uint32_t)keep, (uint32_t)keep, 0}, {(uint32_t)(keep >> 32), (uint32_t)(keep >> 32), 0}};
	if (syscall(SYS_capset, &hdr, data) != 0)
		child_fail("capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail("PR_SET_NO_NEW_PRIVS");
}

/* ---- seccomp: a deny-list in classic BPF --------------------------------- */
#if defined(__x86_64__)
#define SK_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SK_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef SK_AUDIT_ARCH
#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)
static void load_seccomp(void)
{
	struct sock_filter f[] = {
		/* another architecture's numbers mean other calls: kill */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SK_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		/* the x32 ABI reaches the same calls with bit 30 set */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
#endif
		/* namespaces and mounts: no way back out, no new ones */
		DENY(__NR_mount), DENY(__NR_umount2), DENY(__NR_pivot_root), DENY(__NR_unshare), DENY(__NR_setns),
		/* the kernel itself: modules, kexec, BPF, perf, reboot, swap */
		DENY(__NR_init_module), DENY(__NR_finit_module), DENY(__NR_delete_module), DENY(__NR_kexec_load),
		DENY(__NR_kexec_file_load), DENY(__NR_bpf), DENY(__NR_perf_event_open), DENY(__NR_reboot),
		DENY(__NR_swapon), DENY(__NR_swapoff), DENY(__NR_acct),
		/* other processes, keys, handles, the clock */
		DENY(__NR_ptrace), DENY(__NR_process_vm_readv), DENY(__NR_process_vm_writev), DENY(__NR_keyctl),
		DENY(__NR_add_key), DENY(__NR_request_key), DENY(__NR_open_by_handle_at), DENY(__NR_userfaultfd),
		DENY(__NR_settimeofday), DENY(__NR_clock_settime),
		/* clone3 passes flags in memory BPF cannot read: ENOSYS makes libc fall back to clone */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* clone with a CLONE_NEW* flag: EPERM (flags are the first argument on both arches) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = (unsigned short)SK_ARRAY_LEN(f), .filter = f};
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		child_fail("PR_SET_SECCOMP");
}
#else
static void load_seccomp(void)
{
	errno = ENOSYS;
	child_fail("--seccomp: no filter for this architecture");
}
#endif

/* ---- PID 1 ------------------------------------------------------------------ */
static volatile pid_t init_child;
static void init_forward(int sig)
{
	if (init_child > 0)
		kill(init_child, sig);
}

SK_NORETURN static void exec_command(void)
{
	char *env[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", "container=shikumi", NULL};
	stamp(P_EXEC);
	if (strchr(o.cmd[0], '/')) {
		execve(o.cmd[0], o.cmd, env);
	} else {
		/* a bare name: search the container's PATH (libc's execvp would use ours) */
		static const char *const dirs[] = {"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/"};
		errno = ENOENT;
		for (size_t i = 0; i < SK_ARRAY_LEN(dirs) && (errno == ENOENT || errno == ENOTDIR); i++) {
			char path[4200];
			snprintf(path, sizeof(path), "%s%s", dirs[i], o.cmd[0]);
			execve(path, o.cmd, env);
		}
	}
	int e = errno;
	fprintf(stderr, "%s: exec %s: %s (%s)\n", sk_prog, o.cmd[0], sk_errno_name(e), strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* --init: PID 1 that forks the command, forwards signals to it, reaps every
 * orphan re-parented to it, and exits with the command's status. */
SK_NORETURN static void run_init(void)
{
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	struct sigaction sa = {.sa_handler = init_forward};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < SK_ARRAY_LEN(fwd); i++)
		sigaction(fwd[i], &sa, NULL);
	fflush(NULL);
	pid_t c = fork();
	if (c < 0)
		child_fail("fork the command");
	if (c == 0) {
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		for (size_t i = 0; i < SK_ARRAY_LEN(fwd); i++)
			sigaction(fwd[i], &dfl, NULL);
		exec_command();
	}
	init_child = c;
	for (;;) {
		int st;
		pid_t p = wait(&st);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			_exit(125);
		if (p == c)
			_exit(ch11_exit_code(st));   /* the kernel kills what is left */
	}
}

struct child_arg {
	struct ch11_sync go;
};

SK_NORETURN static void container_main(struct child_arg *a)
{
	stamp(P_CHILD_RUNS);
	/* if the runtime itself is killed, its container goes too */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	ch11_sync_reader(&a->go);
	if (ch11_sync_wait(&a->go) != 0)
		_exit(125);   /* the parent gave up (its message says why) */
	if (o.user && (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0))
		child_fail("become uid 0 in the user namespace");
	if (unshare(CLONE_NEWCGROUP) != 0)
		child_fail("unshare(CLONE_NEWCGROUP)");
	stamp(P_CGROUP_NS);
	if (sethostname(o.hostname, strlen(o.hostname)) != 0)
		child_fail("sethostname");
	stamp(P_HOSTNAME);
	mount_or_fail(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	stamp(P_PRIVATE);
	mount_or_fail(o.rootfs, o.rootfs, NULL, MS_BIND | MS_REC, NULL);
	stamp(P_BIND);
	char path[4200];
	snprintf(path, sizeof(path), "%s/proc", o.rootfs);
	ensure_dir(path);
	mount_or_fail("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	stamp(P_PROC);
	make_dev(o.rootfs);
	if (sk_cg_setup_mask())
		make_cgroupfs(o.rootfs);
	stamp(P_DEV);
	if (chdir(o.rootfs) != 0)
		child_fail("chdir %s", o.rootfs);
	if (syscall(SYS_pivot_root, ".", ".") != 0)
		child_fail("pivot_root");
	if (umount2(".", MNT_DETACH) != 0)   /* the old root, stacked on the new one */
		child_fail("detach the old root");
	if (chdir("/") != 0)
		child_fail("chdir /");
	stamp(P_PIVOT);
	drop_capabilities();
	stamp(P_CAPS);
	if (o.seccomp)
		load_seccomp();
	stamp(P_SECCOMP);
	if (o.init)
		run_init();
	exec_command();
}

/* ---- the parent ---------------------------------------------------------------- */
static volatile pid_t container;
static volatile sig_atomic_t signals_seen;

static void parent_signal(int sig)
{
	if (container <= 0)
		return;
	if (++signals_seen == 1) {
		kill(container, sig);
		alarm(GRACE_S);
	} else {
		kill(container, SIGKILL);
	}
}

static void parent_alarm(int sig)
{
	(void)sig;
	if (container > 0)
		kill(container, SIGKILL);
}

static void write_timing(int code)
{
	struct sk_tsv t;
	sk_tsv_open(&t, o.timing);
	sk_tsv_meta(&t, "rootfs", "%s", o.rootfs);
	sk_tsv_meta(&t, "command", "%s", o.cmd[0]);
	sk_tsv_meta(&t, "exit_status", "%d", code);
	sk_tsv_meta(&t, "options", "%s%s%s", o.user ? "user " : "", o.init ? "init " : "", o.seccomp ? "seccomp" : "");
	sk_tsv_header(&t, "phase\tt_us\tdelta_us");
	/* in time order: parent and child stamp concurrently */
	int order[P_NPHASES], n = 0;
	for (int p = 0; p < P_NPHASES; p++)
		if (stamps[p] >= stamps[P_START]) {
			int i = n++;
			while (i > 0 && stamps[order[i - 1]] > stamps[p]) {
				order[i] = order[i - 1];
				i--;
			}
			order[i] = p;
		}
	uint64_t prev = stamps[P_START];
	for (int i = 0; i < n; i++) {
		uint64_t s = stamps[order[i]];
		sk_tsv_row(&t, "%s\t%.1f\t%.1f", phase_name[order[i]], (s - stamps[P_START]) / 1e3, (s - prev) / 1e3);
		prev = s;
	}
	sk_tsv_close(&t);
}

static void record_namespaces(pid_t pid)
{
	char line[512];
	size_t n = 0;
	int fd = open(o.ns_record, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		sk_warn_errno("open %s", o.ns_record);
		return;
	}
	n += snprintf(line + n, sizeof(line) - n, "%d", (int)pid);
	for (int k = 0; k < CH11_NKINDS; k++)
		n += snprintf(line + n, sizeof(line) - n, "\t%s:%lu", ch11_ns_kinds[k].name,
			      ch11_ns_inode(pid, ch11_ns_kinds[k].name));
	n += snprintf(line + n, sizeof(line) - n, "\n");
	if (write(fd, line, n) != (ssize_t)n)
		sk_warn_errno("write %s", o.ns_record);
	close(fd);
}

static void usage(void)
{
	printf("Usage: %s -r ROOTFS [options] [--] CMD [ARG...]\n"
	       "Run CMD in new pid, mount, uts, ipc, net and cgroup namespaces (and user, rootless),\n"
	       "pivot_root'ed into ROOTFS, with capabilities cut, no_new_privs, optional seccomp and limits.\n\n",
	       sk_prog);
	printf("  -r, --rootfs DIR           the container's root filesystem (required; not /)\n"
	       "      --hostname NAME        hostname inside (default shikumi)\n"
	       "      --user                 new user namespace: 0 inside = your uid (root: nobody)\n"
	       "                             (automatic when not root)\n"
	       "      --init                 PID 1 reaps orphans and forwards signals; CMD is PID 2\n"
	       "      --seccomp              deny mount, unshare, setns, ptrace, module, kexec, bpf ... (EPERM)\n"
	       "      --cpu PCT              CPU limit, percent of one CPU (1..100 x CPUs)\n"
	       "      --memory SIZE          memory limit (16M .. half of MemAvailable)\n"
	       "      --pids N               process limit (1..4194304)\n"
	       "      --timing FILE          write the start-up phases (us since start) as TSV\n"
	       "      --ns-record FILE       append the container's namespace inodes (one line)\n"
	       "      --verbose              say what is happening on stderr\n");
	sk_std_usage(stdout, 0);
	printf("\nExit status: CMD's (128+N if killed by signal N); 125 set-up failed, 126 cannot execute,\n"
	       "127 not found, 2 usage, 4 skipped.\n"
	       "\nExamples:\n  sudo %s -r /tmp/rootfs --init --pids 32 -- sh -c 'ps; hostname'\n"
	       "  %s -r /tmp/rootfs -- id          # rootless, where user namespaces are allowed\n",
	       sk_prog, sk_prog);
}

static void parse(int argc, char **argv)
{
	static const struct sk_opt opts[] = {
		{'r', "rootfs", "DIR", NULL},        {SK_LONG(1), "hostname", "NAME", NULL},
		{SK_LONG(2), "user", NULL, NULL},    {SK_LONG(3), "init", NULL, NULL},
		{SK_LONG(4), "seccomp", NULL, NULL}, {SK_LONG(5), "cpu", "PCT", NULL},
		{SK_LONG(6), "memory", "SIZE", NULL}, {SK_LONG(7), "pids", "N", NULL},
		{SK_LONG(8), "timing", "FILE", NULL}, {SK_LONG(9), "ns-record", "FILE", NULL},
		{SK_LONG(10), "verbose", NULL, NULL}, {0}};
	struct sk_std std = {0};
	const char *rootfs = NULL;
	int c;
	/* '+': stop at the first operand, so CMD's own options stay CMD's */
	setenv("POSIXLY_CORRECT", "1", 1);
	while ((c = sk_getopt(argc, argv, opts, 0, &std, usage)) != -1)
		switch (c) {
		case 'r':
			rootfs = optarg;
			break;
		case SK_LONG(1):
			if (!*optarg || strlen(optarg) > 64 || strpbrk(optarg, " \t\n/"))
				sk_bad_arg("--hostname", optarg, "1..64 characters, no blanks or '/'");
			o.hostname = optarg;
			break;
		case SK_LONG(2):
			o.user = true;
			break;
		case SK_LONG(3):
			o.init = true;
			break;
		case SK_LONG(4):
			o.seccomp = true;
			break;
		case SK_LONG(5):
			o.cpu_pct = sk_parse_int(optarg, "--cpu", 1, 100 * sk_online_cpus());
			break;
		case SK_LONG(6):
			o.memory = sk_parse_size(optarg, "--memory", 1, UINT64_MAX / 2);
			sk_cg_check_memory_limit(o.memory, "--memory", optarg);
			break;
		case SK_LONG(7):
			o.pids = sk_parse_ll(optarg, "--pids", 1, 4194304);
			break;
		case SK_LONG(8):
			o.timing = optarg;
			break;
		case SK_LONG(9):
			o.ns_record = optarg;
			break;
		case SK_LONG(10):
			o.verbose = true;
			break;
		default:
			sk_usage_hint();
		}
	unsetenv("POSIXLY_CORRECT");
	if (!rootfs)
		sk_usage_error("--rootfs DIR is required");
	if (optind >= argc)
		sk_usage_error("no command to run (mini-container -r DIR -- CMD ...)");
	o.cmd = argv + optind;
	struct stat st;
	if (!realpath(rootfs, o.rootfs) || stat(o.rootfs, &st) != 0 || !S_ISDIR(st.st_mode))
		sk_bad_arg("--rootfs", rootfs, "not a directory");
	if (strcmp(o.rootfs, "/") == 0)
		sk_bad_arg("--rootfs", rootfs, "the host's own root cannot be a container's root");
}

/* Limits through chapter 12's helper: a group beneath ours, SKIP when not allowed. */
static struct sk_cg *make_group(char **argv)
{
	unsigned mask = 0;
	if (o.cpu_pct)
		mask |= SK_CG_BIT(SK_CG_CPU);
	if (o.memory)
		mask |= SK_CG_BIT(SK_CG_MEMORY);
	if (o.pids)
		mask |= SK_CG_BIT(SK_CG_PIDS);
	if (!mask)
		return NULL;
	sk_cg_setup(mask, argv);
	struct sk_cg *g = sk_cg_create("mini-container");
	if (o.cpu_pct && sk_cg_set_cpu_max(g, (long long)o.cpu_pct * 1000, 100000) != 0)
		sk_cg_die();
	if (o.memory && sk_cg_set_memory_max(g, o.memory) != 0)
		sk_cg_die();
	if (o.pids && sk_cg_set_pids_max(g, o.pids) != 0)
		sk_cg_die();
	if (o.verbose)
		sk_note("cgroup %s (cpu %d%%, memory %llu B, pids %lld)", sk_cg_name(g), o.cpu_pct,
			(unsigned long long)o.memory, o.pids);
	return g;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	parse(argc, argv);
	if (geteuid() != 0)
		o.user = true;
	stamps = sk_shared_alloc(P_NPHASES * sizeof(*stamps));
	struct sk_cg *g = make_group(argv);

	/* a user namespace we cannot have is a SKIP with the knob's name */
	if (o.user) {
		char why[256];
		pid_t probe = fork();
		if (probe == 0)
			_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
		int st;
		if (probe < 0 || waitpid(probe, &st, 0) < 0)
			sk_die_errno("fork");
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			sk_skip("%s%s", geteuid() ? "not root, and " : "",
				ch11_userns_refusal(WEXITSTATUS(st), why, sizeof(why)));
	}

	struct child_arg arg;
	ch11_sync_init(&arg.go);
	int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | (o.user ? CLONE_NEWUSER : 0);
	struct sigaction sa = {.sa_handler = parent_signal}, al = {.sa_handler = parent_alarm};
	sigemptyset(&sa.sa_mask);
	sigemptyset(&al.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGALRM, &al, NULL);
	fflush(NULL);
	stamp(P_START);
	/* raw clone without a stack: the child runs on a copy of ours, as after fork */
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		int e = errno;
		if (e == EPERM)
			sk_skip("clone with new namespaces: EPERM (needs root, or user namespaces)");
		errno = e;
		sk_warn_errno("clone(CLONE_NEWPID|NEWNS|NEWUTS|NEWIPC|NEWNET%s)", o.user ? "|NEWUSER" : "");
		return 125;
	}
	if (pid == 0)
		container_main(&arg);
	container = pid;
	stamp(P_CLONED);
	ch11_sync_writer(&arg.go);
	if (o.verbose)
		sk_note("container's init is pid %d on the host", (int)pid);
	if (o.user) {
		const char *what;
		uid_t uid = geteuid() == 0 ? 65534 : geteuid();
		gid_t gid = geteuid() == 0 ? 65534 : getegid();
		if (ch11_map_root(pid, uid, gid, &what) != 0) {
			sk_warn_errno("write %s", what);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return 125;
		}
		stamp(P_MAPPED);
	}
	if (g) {
		if (sk_cg_enter(g, pid) != 0) {
			sk_warn("%s", sk_cg_error());
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return 125;
		}
		stamp(P_CGROUP);
	}
	if (o.ns_record)
		record_namespaces(pid);
	stamp(P_GO);
	ch11_sync_post(&arg.go);
	close(arg.go.fd[1]);

	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			sk_die_errno("waitpid");
	stamp(P_EXITED);
	container = 0;
	alarm(0);
	int code = ch11_exit_code(st);
	if (o.verbose)
		sk_note("container exited with status %d", code);
	if (g)
		sk_cg_destroy(g);
	if (o.timing)
		write_timing(code);
	return code;
}
