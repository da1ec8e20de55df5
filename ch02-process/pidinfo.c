/*
 * pidinfo - "who am I?": the program that fork-exec and spawn start. It
 * prints its pid, ppid, process group, session, the file it runs from
 * (/proc/self/exe) and its name (/proc/self/comm), so the caller can check
 * that the PID it created now runs another program.
 *
 * Usage: pidinfo [-s STAGE] [-o FILE]
 * Try:   ./pidinfo | column -t
 */
#include "common.h"

#include <getopt.h>

static void usage(void)
{
	printf("Usage: %s [-s STAGE] [-o FILE]\n"
	       "Print this process's pid, ppid, pgrp, session, exe and comm as TSV.\n\n"
	       "  -s, --stage STAGE   text for the stage column (default after_exec; letters,\n"
	       "                      digits, _ and -, at most 32)\n"
	       "  -o, --output FILE   write the TSV to FILE (atomically) instead of stdout\n"
	       "  -h, --help          this help\n\n"
	       "Output columns: stage  pid  ppid  pgrp  session  exe  comm\n"
	       "Example:\n  %s -s by_hand\n",
	       sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	const char *out = NULL, *stage = "after_exec";
	static const struct option longopts[] = {{"stage", required_argument, NULL, 's'},
						 {"output", required_argument, NULL, 'o'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "s:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!*optarg || strlen(optarg) > 32 || strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
						"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(optarg))
				sk_bad_arg("--stage", optarg, "use 1..32 letters, digits, _ or -");
			stage = optarg;
			break;
		case 'o': out = optarg; break;
		case 'h': usage(); return 0;
		default: sk_usage_hint();
		}
	}
	sk_no_operands(argc, argv);
	char exe[256], comm[64];
	ch02_proc_exe(0, exe, sizeof(exe), comm, sizeof(comm));
	struct sk_tsv tsv;
	sk_tsv_open(&tsv, out);
	sk_tsv_header(&tsv, "stage\tpid\tppid\tpgrp\tsession\texe\tcomm");
	sk_tsv_row(&tsv, "%s\t%d\t%d\t%d\t%d\t%s\t%s", stage, (int)getpid(), (int)getppid(),
		   (int)getpgrp(), (int)getsid(0), exe, comm);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
