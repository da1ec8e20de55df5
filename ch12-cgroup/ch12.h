/*
 * ch12.h - what chapter 12's programs share: the cgroup facts every TSV
 * carries, and a worker that burns CPU until it is killed.
 */
#ifndef CH12_H
#define CH12_H
#include "shikumi.h"

/* "# cgroup_mode: hybrid", "# cgroup_cpu: v1 /sys/fs/cgroup/cpu/shikumi-...". */
static inline void ch12_cg_meta(struct sk_tsv *t, const struct sk_cg *g, unsigned mask)
{
	const struct sk_cg_sys *s = sk_cg_system();
	sk_tsv_meta(t, "cgroup_mode", "%s", s ? sk_cg_mode_name(s->mode) : "none");
	for (int c = 0; c < SK_CG_NCTRL; c++)
		if (mask & SK_CG_BIT(c)) {
			char key[32];
			snprintf(key, sizeof(key), "cgroup_%s", sk_cg_ctrl_name(c));
			sk_tsv_meta(t, key, "v%d %s", sk_cg_version(g, c), sk_cg_dir(g, c));
		}
}

/* A child's life: burn CPU in user mode until killed (SIGKILL from the parent). */
SK_NORETURN static inline void ch12_busy_forever(void)
{
	for (;;)
		sk_busy(100000);
}

/* Start a worker inside g; dies with the helper's message on failure. */
static inline pid_t ch12_start_busy(struct sk_cg *g, int cpu)
{
	pid_t pid = sk_cg_fork(g);
	if (pid < 0)
		sk_cg_die();
	if (pid == 0) {
		if (cpu >= 0 && sk_pin_self(cpu))
			_exit(127);
		ch12_busy_forever();
	}
	return pid;
}
#endif
