/*
 * pidinfo - "who am I?": the program that fork-exec and spawn start. It
 * prints its pid, ppid, process group, session, the file it runs from
 * (/proc/self/exe) and its name (/proc/self/comm), so the caller can check
 * that the PID it created now runs another program.
 *
 * Usage: pidinfo [--stage STAGE] [-o FILE]
 * Try:   ./pidinfo | column -t
 */
#include "ch02.h"

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {
	{SK_LONG(1), "stage", "STAGE", "text for the stage column (default after_exec; letters,"
	 SK_USAGE_MORE "digits, _ and -, at most 32)"},
	{0}};

static void usage(void)
{
	sk_usage_head("[--stage STAGE] [-o FILE]", opts, STD_OPTS,
		      "Print this process's pid, ppid, pgrp, session, exe and comm as TSV.");
	printf("\nOutput columns: stage  pid  ppid  pgrp  session  exe  comm\n"
	       "Example:\n  %s --stage by_hand\n",
	       sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	const char *stage = "after_exec";
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case SK_LONG(1):
			if (!*optarg || strlen(optarg) > 32 || strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
						"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(optarg))
				sk_bad_arg("--stage", optarg, "use 1..32 letters, digits, _ or -");
			stage = optarg;
			break;
		}
	}
	sk_no_operands(argc, argv);
	char exe[256], comm[64];
	ch02_proc_exe(0, exe, sizeof(exe), comm, sizeof(comm));
	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_header(&tsv, "stage\tpid\tppid\tpgrp\tsession\texe\tcomm");
	sk_tsv_row(&tsv, "%s\t%d\t%d\t%d\t%d\t%s\t%s", stage, (int)getpid(), (int)getppid(),
		   (int)getpgrp(), (int)getsid(0), exe, comm);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
