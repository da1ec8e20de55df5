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
	printf("Usage: %s [-o FILE]\n"
	       "Inside a cgroup namespace the process's own group is the root \"/\".\n\n",
	       sk_prog);
	sk_std_usage(stdout, SK_STD_Q | SK_STD_O);
	printf("\nExample:\n  sudo %s | column -t\n", sk_prog);
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

int main(int argc, char **argv)
{
	static const struct sk_opt opts[] = {{0}};
	struct sk_std std = {0};
	int c;

	sk_init(argc, argv);
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1)
		sk_usage_hint();
	sk_no_operands(argc, argv);
	bool rootless = ch11_rootless_enter();
	sk_children_guard();

	struct ch11_answers *a = sk_shared_alloc(sizeof(*a));
	int *inside_not_root = sk_shared_alloc(sizeof(int));
	struct ch11_sync ready, done;
	ch11_sync_init(&ready);
	ch11_sync_init(&done);
	pid_t child = sk_fork();
	if (child < 0)
		sk_die_errno("fork");
	if (child == 0) {
		ch11_sync_writer(&ready);
		ch11_sync_reader(&done);
		if (unshare(CLONE_NEWCGROUP) != 0) {
			ch11_answer(a, "inside", "error", "unshare(CLONE_NEWCGROUP): %s", sk_errno_name(errno));
			_exit(1);
		}
		ch11_answer(a, "inside", "cgroup_ns_inode", "%lu", ch11_ns_inode(0, "cgroup"));
		*inside_not_root = answer_cgroups(a, "inside", "/proc/self/cgroup");
		ch11_sync_post(&ready);
		ch11_sync_wait(&done);
		_exit(0);
	}
	ch11_sync_reader(&ready);
	ch11_sync_writer(&done);
	if (ch11_sync_wait(&ready) != 0) {
		sk_wait(child, NULL);
		sk_die("the child could not set up its namespace: %s", a->n ? a->row[0].value : "?");
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)child);
	ch11_answer(a, "outside", "cgroup_ns_inode", "%lu", ch11_ns_inode(0, "cgroup"));
	int outside_not_root = answer_cgroups(a, "outside", path);
	ch11_answer(a, "inside", "paths_not_root", "%d", *inside_not_root);
	ch11_answer(a, "outside", "paths_not_root", "%d", outside_not_root);
	ch11_sync_post(&done);
	int st = sk_wait(child, NULL);

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "kind", "cgroup");
	sk_tsv_meta(&t, "rootless", "%s", rootless ? "yes (inside a user namespace of its own)" : "no");
	sk_tsv_meta(&t, "equivalent", "cat /proc/self/cgroup; unshare --cgroup cat /proc/self/cgroup");
	sk_tsv_header(&t, "view\titem\tvalue");
	ch11_answers_emit(&t, a);
	if (sk_tsv_close(&t) != 0)
		return 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
