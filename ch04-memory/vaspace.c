/*
 * vaspace - how big is a process's address space? Reserve it all and see.
 *
 * The program reserves address space with mmap(PROT_NONE, MAP_NORESERVE):
 * no memory, no page tables, no commit charge, only a VMA. It starts with a
 * chunk of half the largest size the architecture could allow and halves the
 * chunk each time the kernel says ENOMEM, down to one page. What it got,
 * plus what the process already had mapped, is the user address space:
 * 128 TiB with x86-64's 4-level page tables (47 bits), 256 TiB with arm64's
 * 48-bit VA; 5-level paging (56 bits) is only handed out above a hint, so
 * plain mmap stays below 128 TiB even there. The highest address reached
 * tells how many bits of address the kernel lets user space use.
 * Everything is unmapped before the program exits.
 *
 * Usage: vaspace [-o FILE]
 * Try:   ./vaspace | column -t
 */
#include "shikumi.h"

#include <inttypes.h>
#include <math.h>
#include <sys/mman.h>

#define MAX_RESERVATIONS 4096   /* regions of PROT_NONE merge, so a few suffice */

static const struct sk_opt opts[] = {{0}};

static void usage(void)
{
	sk_usage_head("[-o FILE]", NULL, SK_STD_O,
		      "Reserve the whole user address space with PROT_NONE mappings; TSV to stdout.");
	printf("\nOutput columns: chunk_bytes  chunks  reserved_bytes\n"
	       "Preamble: reserved_total_bytes, mapped_before_bytes, highest_address, va_bits\n"
	       "Example:\n  %s | column -t\n", sk_prog);
}

/* The highest end address in /proc/self/maps (the stack and vDSO sit near the top). */
static uint64_t highest_mapped_end(uint64_t *total)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		sk_die_errno("open /proc/self/maps");
	uint64_t hi = 0, sum = 0;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		uint64_t a, b;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &a, &b) != 2)
			continue;
		/* [vsyscall] lives in the kernel's half on x86-64: not user space. */
		if (strstr(line, "[vsyscall]"))
			continue;
		sum += b - a;
		if (b > hi)
			hi = b;
	}
	fclose(f);
	if (total)
		*total = sum;
	return hi;
}

struct reservation {
	void *p;
	size_t len;
};
static struct reservation res[MAX_RESERVATIONS];
static int nres;

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	struct sk_std std = {0};
	while (sk_getopt(argc, argv, opts, SK_STD_O, &std, usage) != -1)
		sk_usage_hint();
	sk_no_operands(argc, argv);

	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		sk_skip("RLIMIT_AS is %llu bytes (ulimit -v): the address space is capped by the limit, not by the page tables",
			(unsigned long long)rl.rlim_cur);

	uint64_t before = 0;
	highest_mapped_end(&before);
	size_t page = (size_t)sk_page_size();
	/* Half of 2^57 covers every layout Linux has (5-level: 56 bits of user space). */
	size_t chunk = (size_t)1 << 56;

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "what", "mmap(PROT_NONE, MAP_NORESERVE) in halving chunks until ENOMEM at one page");
	sk_tsv_header(&tsv, "chunk_bytes\tchunks\treserved_bytes");
	uint64_t total = 0;
	uint64_t t0 = sk_now_ns();
	while (chunk >= page) {
		long count = 0;
		for (;;) {
			if (nres == MAX_RESERVATIONS)
				sk_die("more than %d reservations: mappings did not merge", MAX_RESERVATIONS);
			void *p = mmap(NULL, chunk, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (p == MAP_FAILED) {
				if (errno != ENOMEM)
					sk_die_errno("mmap %zu bytes", chunk);
				break;
			}
			res[nres++] = (struct reservation){p, chunk};
			total += chunk;
			count++;
		}
		if (count)
			sk_tsv_row(&tsv, "%zu\t%ld\t%zu", chunk, count, (size_t)count * chunk);
		chunk /= 2;
	}
	uint64_t elapsed_ns = sk_now_ns() - t0;
	uint64_t hi = highest_mapped_end(NULL);
	int bits = hi ? (int)ceil(log2((double)hi)) : 0;
	for (int i = 0; i < nres; i++)
		munmap(res[i].p, res[i].len);

	char b1[32], b2[32];
	sk_note("reserved %s in %d mappings (%.1f ms); mapped before: %s; highest address 0x%" PRIx64
		" (%d bits)", sk_fmt_size(total, b1, sizeof(b1)), nres, elapsed_ns / 1e6,
		sk_fmt_size(before, b2, sizeof(b2)), hi, bits);
	sk_tsv_meta(&tsv, "reserved_total_bytes", "%" PRIu64, total);
	sk_tsv_meta(&tsv, "mapped_before_bytes", "%" PRIu64, before);
	sk_tsv_meta(&tsv, "highest_address", "0x%" PRIx64, hi);
	sk_tsv_meta(&tsv, "va_bits", "%d", bits);
	sk_tsv_meta(&tsv, "mappings", "%d", nres);
	sk_tsv_meta(&tsv, "elapsed_ns", "%" PRIu64, elapsed_ns);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
