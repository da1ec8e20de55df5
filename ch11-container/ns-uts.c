/*
 * ns-uts - a UTS namespace from both sides. A child unshares its UTS
 * namespace and sets a hostname: inside it reads the new name; outside the
 * host's name is unchanged; a second child that joins the namespace with
 * setns(2) (what `nsenter --uts --target PID` does) reads the new name too.
 *
 * Usage: ns-uts [-n NAME] [-o FILE]      (root, or a user namespace of its own)
 * Try:   sudo ./ns-uts | column -t
 *        sudo unshare --uts sh -c 'hostname shikumi-uts; hostname'; hostname
 */
#include "ch11.h"

#include <sys/utsname.h>

static const char *name = "shikumi-uts";

static void usage(void)
{
	printf("Usage: %s [-n NAME] [-o FILE]\n"
	       "A child sets hostname NAME in its own UTS namespace; the host's name does not change;\n"
	       "a process that joins the namespace (setns, as nsenter --uts does) sees NAME.\n\n",
	       sk_prog);
	printf("  -n, --name NAME            hostname inside (default %s)\n", name);
	sk_std_usage(stdout, SK_STD_Q | SK_STD_O);
	printf("\nExample:\n  sudo %s | column -t\n", sk_prog);
}

int main(int argc, char **argv)
{
	static const struct sk_opt opts[] = {{'n', "name", "NAME", "hostname inside"}, {0}};
	struct sk_std std = {0};
	struct utsname u;
	int c;

	sk_init(argc, argv);
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1)
		switch (c) {
		case 'n':
			if (!*optarg || strlen(optarg) > 64 || strpbrk(optarg, " \t\n/"))
				sk_bad_arg("--name", optarg, "1..64 characters, no blanks or '/'");
			name = optarg;
			break;
		default:
			sk_usage_hint();
		}
	sk_no_operands(argc, argv);
	bool rootless = ch11_rootless_enter();
	sk_children_guard();

	struct ch11_answers *a = sk_shared_alloc(sizeof(*a));
	struct ch11_sync ready, done;
	ch11_sync_init(&ready);
	ch11_sync_init(&done);
	pid_t child = sk_fork();
	if (child < 0)
		sk_die_errno("fork");
	if (child == 0) {
		ch11_sync_writer(&ready);
		ch11_sync_reader(&done);
		if (unshare(CLONE_NEWUTS) != 0 || sethostname(name, strlen(name)) != 0) {
			ch11_answer(a, "inside", "error", "unshare/sethostname: %s", sk_errno_name(errno));
			_exit(1);
		}
		uname(&u);
		ch11_answer(a, "inside", "hostname", "%s", u.nodename);
		ch11_answer(a, "inside", "uts_ns_inode", "%lu", ch11_ns_inode(0, "uts"));
		ch11_sync_post(&ready);
		ch11_sync_wait(&done);   /* stay alive while the outside looks */
		_exit(0);
	}
	ch11_sync_reader(&ready);
	ch11_sync_writer(&done);
	if (ch11_sync_wait(&ready) != 0) {
		sk_wait(child, NULL);
		sk_die("the child could not set up its namespace: %s", a->n ? a->row[0].value : "?");
	}
	uname(&u);
	ch11_answer(a, "outside", "hostname", "%s", u.nodename);
	ch11_answer(a, "outside", "uts_ns_inode", "%lu", ch11_ns_inode(0, "uts"));
	ch11_answer(a, "outside", "child_uts_ns_inode", "%lu", ch11_ns_inode(child, "uts"));

	/* Join it, as nsenter does: open the child's handle and setns. */
	pid_t joiner = sk_fork();
	if (joiner < 0)
		sk_die_errno("fork");
	if (joiner == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)child);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWUTS) != 0) {
			ch11_answer(a, "joined", "error", "setns %s: %s", path, sk_errno_name(errno));
			_exit(1);
		}
		uname(&u);
		ch11_answer(a, "joined", "hostname", "%s", u.nodename);
		_exit(0);
	}
	int st = sk_wait(joiner, NULL);
	ch11_sync_post(&done);
	int st2 = sk_wait(child, NULL);

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "kind", "uts");
	sk_tsv_meta(&t, "rootless", "%s", rootless ? "yes (inside a user namespace of its own)" : "no");
	sk_tsv_meta(&t, "equivalent", "unshare --uts sh -c 'hostname %s; hostname'; nsenter --uts --target PID hostname",
		    name);
	sk_tsv_header(&t, "view\titem\tvalue");
	ch11_answers_emit(&t, a);
	if (sk_tsv_close(&t) != 0)
		return 1;
	return (WIFEXITED(st) && WEXITSTATUS(st) == 0 && WIFEXITED(st2) && WEXITSTATUS(st2) == 0) ? 0 : 1;
}
