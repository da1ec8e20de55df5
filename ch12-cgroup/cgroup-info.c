/*
 * cgroup-info - which cgroup version runs here (v1, v2 or a hybrid), where
 * each controller lives, which group this process is in, and whether the
 * suite may create groups beneath it.
 *
 * Detection: statfs(2) magic of /sys/fs/cgroup and its subdirectories
 * (CGROUP2_SUPER_MAGIC / CGROUP_SUPER_MAGIC), the v2 root's
 * cgroup.controllers, and /proc/self/cgroup for the caller's group.
 * --probe creates one group with the given controllers beneath the caller's
 * group and removes it again: exit 0 if that works, 4 (SKIP) naming the file
 * that was not writable otherwise.
 *
 * Usage: cgroup-info [--probe CTRL[,CTRL...]]
 * Try:   ./cgroup-info | column -t;  ./cgroup-info --probe cpu,memory,pids
 */
#include "shikumi.h"
#include "ch12.h"

static const struct sk_opt opts[] = {
	{'p', "probe", "LIST", "create and remove one group with these controllers\n"
	 "                             (cpu cpuacct memory pids io|blkio); exit 4 if not permitted"},
	{0}};

static void usage(void)
{
	sk_usage_head("[--probe CTRL[,CTRL...]] [-o FILE]", opts, SK_STD_O,
		      "Where each cgroup controller lives (v1 or v2), and the caller's group; TSV.");
	printf("\nOutput columns: controller version mount caller_group\n"
	       "Example: %s --probe cpu,memory\n",
	       sk_prog);
}

static unsigned parse_ctrls(const char *arg)
{
	char buf[256];
	unsigned mask = 0;
	if (strlen(arg) >= sizeof(buf) || !*arg)
		sk_bad_arg("--probe", arg, "expected a comma-separated list of controllers");
	strcpy(buf, arg);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int c = sk_cg_ctrl_parse(t);
		if (c < 0)
			sk_bad_arg("--probe", arg, "unknown controller (cpu cpuacct memory pids io blkio)");
		mask |= SK_CG_BIT(c);
	}
	if (!mask)
		sk_bad_arg("--probe", arg, "no controller named");
	return mask;
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	unsigned probe = 0;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, SK_STD_O, &std, usage)) != -1) {
		switch (c) {
		case 'p': probe = parse_ctrls(optarg); break;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);

	struct sk_cg_sys s;
	if (sk_cg_detect(&s))
		sk_skip("%s", sk_cg_error());
	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "cgroup_mode", "%s", sk_cg_mode_name(s.mode));
	sk_tsv_meta(&t, "cgroup_root", "%s", s.root);
	sk_tsv_meta(&t, "v2_mount", "%s", s.v2_mount[0] ? s.v2_mount : "-");
	sk_tsv_meta(&t, "v2_group", "%s", s.v2_self[0] ? s.v2_self : "-");
	sk_tsv_meta(&t, "v2_root_controllers", "%s", s.v2_controllers[0] ? s.v2_controllers : "-");
	sk_tsv_header(&t, "controller\tversion\tmount\tcaller_group");
	for (int k = 0; k < SK_CG_NCTRL; k++)
		sk_tsv_row(&t, "%s\t%s\t%s\t%s", sk_cg_ctrl_name(k),
			   s.h[k].version ? (s.h[k].version == 1 ? "v1" : "v2") : "none",
			   s.h[k].version ? s.h[k].mount : "-", s.h[k].self[0] ? s.h[k].self : "-");
	if (probe) {
		sk_cg_setup(probe, argv);
		struct sk_cg *g = sk_cg_create("probe");
		for (int k = 0; k < SK_CG_NCTRL; k++)
			if (probe & SK_CG_BIT(k))
				sk_note("probe: %s group %s", sk_cg_ctrl_name(k), sk_cg_dir(g, k));
		if (sk_cg_destroy(g))
			sk_die("%s", sk_cg_error());
		sk_tsv_meta(&t, "probe", "ok: a group with these controllers was created and removed");
	}
	return sk_tsv_close(&t) ? SK_EXIT_FAIL : 0;
}
