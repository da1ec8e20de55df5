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
	ch11_usage("[-o FILE]", "A new network namespace holds only a loopback interface, down.", NULL,
		   "Example:\n  sudo %s | column -t\n");
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
	int n = ch11_count_lines(path);
	return n < 0 ? -1 : n - 2;
}

/* Inside: the interfaces there are, and the state of lo. */
static int inside(struct ch11_answers *a, void *arg)
{
	char names[1024];
	(void)arg;
	ch11_answer(a, "inside", "net_ns_inode", "%lu", ch11_ns_inode(0, "net"));
	int n = list_interfaces(names, sizeof(names));
	ch11_answer(a, "inside", "interfaces", "%d", n);
	ch11_answer(a, "inside", "interface_names", "%s", names);
	ch11_answer(a, "inside", "lo_state", "%s", lo_state());
	return 0;
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};
	char names[1024];

	ch11_std_options(&d, argc, argv, usage);
	ch11_demo_start(&d);

	CH11_INSIDE(&d, CLONE_NEWNET, inside, NULL);
	ch11_answer(d.a, "outside", "net_ns_inode", "%lu", ch11_ns_inode(0, "net"));
	int n = list_interfaces(names, sizeof(names));
	ch11_answer(d.a, "outside", "interfaces", "%d", n);
	ch11_answer(d.a, "outside", "interface_names", "%s", names);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)d.child);
	ch11_answer(d.a, "outside", "child_net_dev_lines", "%d", dev_lines(path));
	int st = ch11_inside_end(&d);

	struct sk_tsv t;
	ch11_tsv_open(&t, &d, "net");
	return ch11_tsv_close(&t, &d, st, "unshare --net ip -brief link; ip -brief link");
}
