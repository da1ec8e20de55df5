/*
 * ns-ipc - an IPC namespace from both sides. The parent creates a System V
 * message queue under a key; a child in a new IPC namespace looks the same
 * key up and finds nothing (ENOENT), creates its own queue under that key,
 * and the two never meet: each side's /proc/sysvipc/msg lists only its own.
 * The child's queue vanishes with its namespace; the parent's is removed on
 * every way out.
 *
 * Usage: ns-ipc [-o FILE]      (root, or a user namespace of its own)
 * Try:   sudo ./ns-ipc | column -t
 *        ipcmk -Q; ipcs -q; sudo unshare --ipc ipcs -q
 */
#include "ch11.h"

#include <sys/ipc.h>
#include <sys/msg.h>

static volatile int host_queue = -1;

static void remove_queue(void)   /* async-signal-safe: one syscall */
{
	if (host_queue >= 0)
		msgctl(host_queue, IPC_RMID, NULL);
	host_queue = -1;
}

static void usage(void)
{
	ch11_usage("[-o FILE]", "A System V message queue exists on one side of an IPC namespace only.", NULL,
		   "Example:\n  sudo %s | column -t\n");
}

/* Queues listed in this namespace's /proc/sysvipc/msg (minus the header). */
static int count_queues(void)
{
	int n = ch11_count_lines("/proc/sysvipc/msg");
	return n < 0 ? -1 : n - 1;
}

/* Inside: the host's key finds nothing, and can be taken again. The queue
 * made here dies with the namespace. */
static int inside(struct ch11_answers *a, void *arg)
{
	key_t key = *(const key_t *)arg;
	ch11_answer(a, "inside", "ipc_ns_inode", "%lu", ch11_ns_inode(0, "ipc"));
	int r = msgget(key, 0);
	ch11_answer(a, "inside", "lookup_host_key", "%s", r < 0 ? sk_errno_name(errno) : "found");
	int mine = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	ch11_answer(a, "inside", "create_same_key", "%s", mine < 0 ? sk_errno_name(errno) : "created");
	ch11_answer(a, "inside", "queues_listed", "%d", count_queues());
	return 0;
}

int main(int argc, char **argv)
{
	struct ch11_demo d = {0};

	ch11_std_options(&d, argc, argv, usage);
	ch11_demo_start(&d);
	sk_on_cleanup(remove_queue);

	/* A key of our own: 'SK' and our pid; IPC_EXCL so we never take over a queue. */
	key_t key = (key_t)(0x534b0000 | (getpid() & 0xffff));
	int q = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	if (q < 0)
		sk_die_errno("msgget(0x%x, IPC_CREAT|IPC_EXCL)", (unsigned)key);
	host_queue = q;

	ch11_answer(d.a, "outside", "key", "0x%x", (unsigned)key);
	ch11_answer(d.a, "outside", "queue_id", "%d", q);
	CH11_INSIDE(&d, CLONE_NEWIPC, inside, &key);
	ch11_answer(d.a, "outside", "ipc_ns_inode", "%lu", ch11_ns_inode(0, "ipc"));
	int r = msgget(key, 0);
	ch11_answer(d.a, "outside", "lookup_key", "%s", r == q ? "own queue" : r < 0 ? sk_errno_name(errno) : "another queue");
	ch11_answer(d.a, "outside", "queues_listed", "%d", count_queues());
	int st = ch11_inside_end(&d);
	remove_queue();

	struct sk_tsv t;
	ch11_tsv_open(&t, &d, "ipc");
	return ch11_tsv_close(&t, &d, st, "ipcmk -Q; ipcs -q; unshare --ipc ipcs -q");
}
