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

static const struct sk_opt opts[] = {{'n', "name", "NAME", "hostname inside (default shikumi-uts)"}, {0}};

static void usage(void)
{
	ch11_usage("[-n NAME] [-o FILE]",
		   "A child sets hostname NAME in its own UTS namespace; the host's name does not change;\n"
		   "a process that joins the namespace (setns, as nsenter --uts does) sees NAME.",
		   opts, "Example:\n  sudo %s | column -t\n");
}

/* Inside: a hostname of its own. */
static int inside(struct ch11_answers *a, void *arg)
{
	struct utsname u;
	(void)arg;
	if (sethostname(name, strlen(name)) != 0) {
		ch11_answer(a, "inside", "error", "sethostname: %s", sk_errno_name(errno));
		return -1;
	}
	uname(&u);
	ch11_answer(a, "inside", "hostname", "%s", u.nodename);
	ch11_answer(a, "inside", "uts_ns_inode", "%lu", ch11_ns_inode(0, "uts"));
	return 0;
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};
	struct utsname u;
	int c;

	sk_init(argc, argv);
	while ((c = ch11_getopt(&d, argc, argv, opts, usage)) != -1)
		switch (c) {
		case 'n':
			if (!*optarg || strlen(optarg) > 64 || strpbrk(optarg, " \t\n/"))
				sk_bad_arg("--name", optarg, "1..64 characters, no blanks or '/'");
			name = optarg;
			break;
		default:
			sk_usage_hint();
		}
	ch11_demo_start(&d);

	CH11_INSIDE(&d, CLONE_NEWUTS, inside, NULL);
	uname(&u);
	ch11_answer(d.a, "outside", "hostname", "%s", u.nodename);
	ch11_answer(d.a, "outside", "uts_ns_inode", "%lu", ch11_ns_inode(0, "uts"));
	ch11_answer(d.a, "outside", "child_uts_ns_inode", "%lu", ch11_ns_inode(d.child, "uts"));

	/* Join it, as nsenter does: open the child's handle and setns. */
	pid_t joiner = sk_fork();
	if (joiner < 0)
		sk_die_errno("fork");
	if (joiner == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)d.child);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWUTS) != 0) {
			ch11_answer(d.a, "joined", "error", "setns %s: %s", path, sk_errno_name(errno));
			_exit(1);
		}
		uname(&u);
		ch11_answer(d.a, "joined", "hostname", "%s", u.nodename);
		_exit(0);
	}
	int st = sk_wait(joiner, NULL);
	int st2 = ch11_inside_end(&d);

	struct sk_tsv t;
	ch11_tsv_open(&t, &d, "uts");
	return ch11_tsv_close(&t, &d, st ? st : st2,
			      "unshare --uts sh -c 'hostname %s; hostname'; nsenter --uts --target PID hostname", name);
}
