/*
 * ns-net - a network namespace from both sides. A child in a new network
 * namespace has exactly one interface, the loopback `lo`, and it is down;
 * the host's interfaces are not there. From outside, /proc/CHILD/net/dev
 * shows the child's view (one line: lo). Nothing touches the host's
 * interfaces.
 *
 * Usage: ns-net [-o FILE]      (root, or a user namespace of its own)
 * Try:   sudo ./ns-net | column -t
 *        sudo unshare --net ip -brief link; ip -brief link
 */
#include "ch11.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static void usage(void)
{
	printf("Usage: %s [-o FILE]\n"
	       "A new network namespace holds only a loopback interface, down.\n\n",
	       sk_prog);
	sk_std_usage(stdout, SK_STD_Q | SK_STD_O);
	printf("\nExample:\n  sudo %s | column -t\n", sk_prog);
}

/* "lo eth0 ..." and how many. */
static int list_interfaces(char *buf, size_t len)
{
	struct if_nameindex *ifs = if_nameindex();
	int n = 0;
	buf[0] = '\0';
	if (!ifs)
		return -1;
	for (struct if_nameindex *i = ifs; i->if_index; i++, n++) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", n ? " " : "", i->if_name);
	}
	if_freenameindex(ifs);
	return n;
}

static const char *lo_state(void)
{
	struct ifreq r = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return "?";
	snprintf(r.ifr_name, sizeof(r.ifr_name), "lo");
	int rc = ioctl(s, SIOCGIFFLAGS, &r);
	close(s);
	if (rc != 0)
		return "?";
	return (r.ifr_flags & IFF_UP) ? "up" : "down";
}

/* Interface lines of a /proc/.../net/dev (two header lines). */
static int dev_lines(const char *path)
{
	char text[65536];
	int n = -2;
	if (sk_read_file(path, text, sizeof(text)) < 0)
		return -1;
	for (char *p = text; *p; p++)
		if (*p == '\n')
			n++;
	return n;
}

int main(int argc, char **argv)
{
	static const struct sk_opt opts[] = {{0}};
	struct sk_std std = {0};
	char names[1024];
	int c;

	sk_init(argc, argv);
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1)
		sk_usage_hint();
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
		if (unshare(CLONE_NEWNET) != 0) {
			ch11_answer(a, "inside", "error", "unshare(CLONE_NEWNET): %s", sk_errno_name(errno));
			_exit(1);
		}
		ch11_answer(a, "inside", "net_ns_inode", "%lu", ch11_ns_inode(0, "net"));
		int n = list_interfaces(names, sizeof(names));
		ch11_answer(a, "inside", "interfaces", "%d", n);
		ch11_answer(a, "inside", "interface_names", "%s", names);
		ch11_answer(a, "inside", "lo_state", "%s", lo_state());
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
	ch11_answer(a, "outside", "net_ns_inode", "%lu", ch11_ns_inode(0, "net"));
	int n = list_interfaces(names, sizeof(names));
	ch11_answer(a, "outside", "interfaces", "%d", n);
	ch11_answer(a, "outside", "interface_names", "%s", names);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)child);
	ch11_answer(a, "outside", "child_net_dev_lines", "%d", dev_lines(path));
	ch11_sync_post(&done);
	int st = sk_wait(child, NULL);

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "kind", "net");
	sk_tsv_meta(&t, "rootless", "%s", rootless ? "yes (inside a user namespace of its own)" : "no");
	sk_tsv_meta(&t, "equivalent", "unshare --net ip -brief link; ip -brief link");
	sk_tsv_header(&t, "view\titem\tvalue");
	ch11_answers_emit(&t, a);
	if (sk_tsv_close(&t) != 0)
		return 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
