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
	printf("Usage: %s [-o FILE]\n"
	       "A System V message queue exists on one side of an IPC namespace only.\n\n",
	       sk_prog);
	sk_std_usage(stdout, SK_STD_Q | SK_STD_O);
	printf("\nExample:\n  sudo %s | column -t\n", sk_prog);
}

/* Queues listed in this namespace's /proc/sysvipc/msg (minus the header). */
static int count_queues(void)
{
	char text[65536];
	int n = -1;
	if (sk_read_file("/proc/sysvipc/msg", text, sizeof(text)) < 0)
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
	int c;

	sk_init(argc, argv);
	while ((c = sk_getopt(argc, argv, opts, SK_STD_Q | SK_STD_O, &std, usage)) != -1)
		sk_usage_hint();
	sk_no_operands(argc, argv);
	bool rootless = ch11_rootless_enter();
	sk_children_guard();
	sk_on_cleanup(remove_queue);

	/* A key of our own: 'SK' and our pid; IPC_EXCL so we never take over a queue. */
	key_t key = (key_t)(0x534b0000 | (getpid() & 0xffff));
	int q = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	if (q < 0)
		sk_die_errno("msgget(0x%x, IPC_CREAT|IPC_EXCL)", (unsigned)key);
	host_queue = q;

	struct ch11_answers *a = sk_shared_alloc(sizeof(*a));
	struct ch11_sync ready, done;
	ch11_sync_init(&ready);
	ch11_sync_init(&done);
	ch11_answer(a, "outside", "key", "0x%x", (unsigned)key);
	ch11_answer(a, "outside", "queue_id", "%d", q);
	pid_t child = sk_fork();
	if (child < 0)
		sk_die_errno("fork");
	if (child == 0) {
		ch11_sync_writer(&ready);
		ch11_sync_reader(&done);
		if (unshare(CLONE_NEWIPC) != 0) {
			ch11_answer(a, "inside", "error", "unshare(CLONE_NEWIPC): %s", sk_errno_name(errno));
			_exit(1);
		}
		ch11_answer(a, "inside", "ipc_ns_inode", "%lu", ch11_ns_inode(0, "ipc"));
		int r = msgget(key, 0);
		ch11_answer(a, "inside", "lookup_host_key", "%s", r < 0 ? sk_errno_name(errno) : "found");
		int mine = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
		ch11_answer(a, "inside", "create_same_key", "%s", mine < 0 ? sk_errno_name(errno) : "created");
		ch11_answer(a, "inside", "queues_listed", "%d", count_queues());
		ch11_sync_post(&ready);
		ch11_sync_wait(&done);
		_exit(0);   /* the queue dies with the namespace */
	}
	ch11_sync_reader(&ready);
	ch11_sync_writer(&done);
	if (ch11_sync_wait(&ready) != 0) {
		sk_wait(child, NULL);
		sk_die("the child could not set up its namespace: %s", a->n > 2 ? a->row[2].value : "?");
	}
	ch11_answer(a, "outside", "ipc_ns_inode", "%lu", ch11_ns_inode(0, "ipc"));
	int r = msgget(key, 0);
	ch11_answer(a, "outside", "lookup_key", "%s", r == q ? "own queue" : r < 0 ? sk_errno_name(errno) : "another queue");
	ch11_answer(a, "outside", "queues_listed", "%d", count_queues());
	ch11_sync_post(&done);
	int st = sk_wait(child, NULL);
	remove_queue();

	struct sk_tsv t;
	sk_tsv_open(&t, std.out);
	sk_tsv_meta(&t, "kind", "ipc");
	sk_tsv_meta(&t, "rootless", "%s", rootless ? "yes (inside a user namespace of its own)" : "no");
	sk_tsv_meta(&t, "equivalent", "ipcmk -Q; ipcs -q; unshare --ipc ipcs -q");
	sk_tsv_header(&t, "view\titem\tvalue");
	ch11_answers_emit(&t, a);
	if (sk_tsv_close(&t) != 0)
		return 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
