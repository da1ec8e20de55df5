/*
 * opts.c - the standard options every shikumi program shares, and the
 * option table that replaces each program's hand-written getopt set-up.
 *
 * A program lists only its own options; sk_getopt adds the standard ones it
 * asks for (-h, -q, -o, -r, -t), builds the getopt_long tables once, handles
 * the standard ones itself and returns the program's keys one by one. Long-only
 * options use SK_LONG(n) as their key. See shikumi.h for the letter dictionary.
 */
#include "shikumi.h"

#include <getopt.h>

#define MAX_OPTS 64

static struct option longopts[MAX_OPTS + 8];
static char optstring[3 * (MAX_OPTS + 8)];
static const struct sk_opt *built_for;

static const struct sk_opt std_table[] = {
	{'q', "quick", NULL, "quick mode: small sizes, short runs (tests, make run)"},
	{'o', "output", "FILE", "write the TSV to FILE (atomically if it is a regular file)"},
	{'r', "reps", "N", "timed repetitions per point, >= " SK_STR(SK_MIN_REPS)},
	{'t', "target", "MS", "target length of one timed repetition [ms]"},
};
static const unsigned std_flag[] = {SK_STD_Q, SK_STD_O, SK_STD_R, SK_STD_T};

static void add(size_t *nl, size_t *ns, const struct sk_opt *o)
{
	if (*nl >= MAX_OPTS)
		sk_die("internal: more than %d options", MAX_OPTS);
	longopts[*nl] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, o->key};
	(*nl)++;
	if (o->key > 0 && o->key < 256) {
		optstring[(*ns)++] = (char)o->key;
		if (o->arg)
			optstring[(*ns)++] = ':';
	}
}

static void build(const struct sk_opt *opts, unsigned flags)
{
	size_t nl = 0, ns = 0;
	optstring[ns++] = ':';   /* a missing value is ':', so sk_usage_hint can say so */
	for (const struct sk_opt *o = opts; o && o->key; o++) {
		for (size_t i = 0; i < SK_ARRAY_LEN(std_table); i++)
			if ((flags & std_flag[i]) && o->key == std_table[i].key)
				sk_die("internal: option -%c is a standard option", o->key);
		add(&nl, &ns, o);
	}
	for (size_t i = 0; i < SK_ARRAY_LEN(std_table); i++)
		if (flags & std_flag[i])
			add(&nl, &ns, &std_table[i]);
	add(&nl, &ns, &(struct sk_opt){'h', "help", NULL, NULL});
	longopts[nl] = (struct option){0};
	optstring[ns] = '\0';
	built_for = opts;
}

int sk_getopt(int argc, char **argv, const struct sk_opt *opts, unsigned flags,
	      struct sk_std *std, void (*usage)(void))
{
	if (built_for != opts || !optstring[0])
		build(opts, flags);
	for (;;) {
		int c = getopt_long(argc, argv, optstring, longopts, NULL);
		switch (c) {
		case 'h':
			usage();
			exit(SK_EXIT_OK);
		case 'q':
			if (flags & SK_STD_Q) {
				std->quick = true;
				continue;
			}
			return c;
		case 'o':
			if (flags & SK_STD_O) {
				if (!*optarg)
					sk_bad_arg("--output", optarg, "empty path");
				std->out = optarg;
				continue;
			}
			return c;
		case 'r':
			if (flags & SK_STD_R) {
				std->reps = sk_parse_int(optarg, "--reps", SK_MIN_REPS, SK_BENCH_MAX_REPS);
				continue;
			}
			return c;
		case 't':
			if (flags & SK_STD_T) {
				std->target_ms = sk_parse_int(optarg, "--target", 1, SK_MAX_TARGET_MS);
				continue;
			}
			return c;
		case '?':
		case ':':
			sk_usage_hint();
		default:
			return c;
		}
	}
}

static void print_line(FILE *f, const struct sk_opt *o)
{
	char left[64];
	if (o->key > 0 && o->key < 256)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(f, "  %-26s %s\n", left, o->help ? o->help : "");
}

void sk_opts_usage(FILE *f, const struct sk_opt *opts)
{
	for (const struct sk_opt *o = opts; o && o->key; o++)
		print_line(f, o);
}

void sk_std_usage(FILE *f, unsigned flags)
{
	for (size_t i = 0; i < SK_ARRAY_LEN(std_table); i++)
		if (flags & std_flag[i])
			print_line(f, &std_table[i]);
	print_line(f, &(struct sk_opt){'h', "help", NULL, "this help"});
}

void sk_usage_head(const char *synopsis, const struct sk_opt *opts, unsigned flags, const char *what, ...)
{
	printf("Usage: %s %s\n", sk_prog, synopsis);
	va_list ap;
	va_start(ap, what);
	vprintf(what, ap);
	va_end(ap);
	printf("\n\n");
	sk_opts_usage(stdout, opts);
	sk_std_usage(stdout, flags);
}

int sk_std_reps(const struct sk_std *s, int normal, int quick)
{
	if (s->reps)
		return s->reps;
	int r = s->quick ? quick : normal;
	return r < SK_MIN_REPS ? SK_MIN_REPS : r;
}

int sk_std_target_ms(const struct sk_std *s, int normal, int quick)
{
	return s->target_ms ? s->target_ms : (s->quick ? quick : normal);
}

void sk_getopt_all(int argc, char **argv, const struct sk_opt *opts, unsigned flags,
		   struct sk_std *std, void (*usage)(void))
{
	while (sk_getopt(argc, argv, opts, flags, std, usage) != -1)
		;
	sk_no_operands(argc, argv);
}
