/*
 * ns-cgroup - a cgroup namespace from both sides. A child unshares its
 * cgroup namespace: from then on its own /proc/self/cgroup shows "/" for
 * every hierarchy (the namespace's root is the group it sat in at that
 * moment), while the host reading /proc/CHILD/cgroup sees the real path.
 * A container uses this so that it cannot learn, or name, where on the
 * host it is confined.
 *
 * Usage: ns-cgroup [-o FILE]      (root, or a user namespace of its own)
 * Try:   sudo ./ns-cgroup | column -t
 *        cat /proc/self/cgroup; sudo unshare --cgroup cat /proc/self/cgroup
 */
#include "ch11.h"

static void usage(void)
{
	ch11_usage("[-o FILE]", "Inside a cgroup namespace the process's own group is the root \"/\".", NULL,
		   "Example:\n  sudo %s | column -t\n");
}

/* One answer per hierarchy line "ID:CONTROLLERS:PATH" of a cgroup file;
 * returns how many lines have a path other than "/". */
static int answer_cgroups(struct ch11_answers *a, const char *view, const char *path)
{
	char text[8192];
	int not_root = 0;
	if (sk_read_file(path, text, sizeof(text)) < 0)
		return -1;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *p1 = strchr(line, ':'), *p2 = p1 ? strchr(p1 + 1, ':') : NULL;
		if (!p2)
			continue;
		*p2 = '\0';
		char item[48];
		snprintf(item, sizeof(item), "cgroup[%s]", *(p1 + 1) ? p1 + 1 : "v2");
		ch11_answer(a, view, item, "%s", p2 + 1);
		if (strcmp(p2 + 1, "/") != 0)
			not_root++;
	}
	return not_root;
}

/* Inside: the namespace's identity and its view of every hierarchy. */
static int inside(struct ch11_answers *a, void *arg)
{
	int *not_root = arg;
	ch11_answer(a, "inside", "cgroup_ns_inode", "%lu", ch11_ns_inode(0, "cgroup"));
	*not_root = answer_cgroups(a, "inside", "/proc/self/cgroup");
	return 0;
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};

	ch11_std_options(&d, argc, argv, usage);
	ch11_demo_start(&d);

	int *inside_not_root = sk_shared_alloc(sizeof(int));
	CH11_INSIDE(&d, CLONE_NEWCGROUP, inside, inside_not_root);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)d.child);
	ch11_answer(d.a, "outside", "cgroup_ns_inode", "%lu", ch11_ns_inode(0, "cgroup"));
	int outside_not_root = answer_cgroups(d.a, "outside", path);
	ch11_answer(d.a, "inside", "paths_not_root", "%d", *inside_not_root);
	ch11_answer(d.a, "outside", "paths_not_root", "%d", outside_not_root);
	int st = ch11_inside_end(&d);

	struct sk_tsv t;
	ch11_tsv_open(&t, &d, "cgroup");
	return ch11_tsv_close(&t, &d, st, "cat /proc/self/cgroup; unshare --cgroup cat /proc/self/cgroup");
}
