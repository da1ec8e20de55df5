/*
 * aslr - where a program lands in memory, run after run: the ELF header's
 * entry point and sections against /proc/self/maps, with and without ASLR.
 *
 * Each run (a fresh exec of this program) reads its own ELF header from
 * /proc/self/exe (Elf64_Ehdr: type EXEC = fixed address, DYN = position
 * independent; e_entry; the .text and .data section headers), finds where the
 * executable was mapped (/proc/self/maps), and records the addresses of its
 * code (a function), initialized data, bss, heap (malloc), stack (a local),
 * an anonymous mmap, libc and the vDSO, and the entry point the kernel used
 * (AT_ENTRY). Built twice (see build.mk): aslr (PIE) and aslr-nopie.
 * With kernel.randomize_va_space = 2, a PIE's text moves on every run while a
 * non-PIE's text stays at the address in its header; -R runs with
 * personality(ADDR_NO_RANDOMIZE), as `setarch -R` does.
 *
 * Usage: aslr [-n RUNS] [--no-randomize] [-o FILE]
 * Try:   ./aslr -n 3 | column -t;  ./aslr-nopie -n 3 | column -t
 */
#include "ch02.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>

#define DEFAULT_RUNS 5
#define MAX_RUNS 1000

int aslr_data = 42;   /* .data: an initialized global */
int aslr_bss;         /* .bss */

struct elfinfo {
	int type;                   /* ET_EXEC or ET_DYN */
	uint64_t entry;             /* e_entry */
	uint64_t min_vaddr;         /* lowest PT_LOAD p_vaddr (0 for a PIE) */
	uint64_t text, text_size;   /* .text section */
	uint64_t data, data_size;   /* .data section */
};

static void read_exact(int fd, void *buf, size_t len, off_t off)
{
	if (pread(fd, buf, len, off) != (ssize_t)len)
		sk_die_errno("read /proc/self/exe at %lld", (long long)off);
}

/* The ELF header, program headers and section headers of /proc/self/exe:
 * what readelf -h / -l / -S would print, without readelf. */
static void read_elf(struct elfinfo *e)
{
	memset(e, 0, sizeof(*e));
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		sk_die_errno("open /proc/self/exe");
	Elf64_Ehdr h;
	read_exact(fd, &h, sizeof(h), 0);
	if (memcmp(h.e_ident, ELFMAG, SELFMAG) || h.e_ident[EI_CLASS] != ELFCLASS64)
		sk_die("/proc/self/exe is not a 64-bit ELF file");
	e->type = h.e_type;
	e->entry = h.e_entry;
	e->min_vaddr = UINT64_MAX;
	for (int i = 0; i < h.e_phnum; i++) {
		Elf64_Phdr p;
		read_exact(fd, &p, sizeof(p), (off_t)(h.e_phoff + (uint64_t)i * h.e_phentsize));
		if (p.p_type == PT_LOAD && p.p_vaddr < e->min_vaddr)
			e->min_vaddr = p.p_vaddr;
	}
	if (e->min_vaddr == UINT64_MAX)
		sk_die("/proc/self/exe has no PT_LOAD segment");
	if (h.e_shnum && h.e_shstrndx < h.e_shnum) {
		Elf64_Shdr strs;
		read_exact(fd, &strs, sizeof(strs), (off_t)(h.e_shoff + (uint64_t)h.e_shstrndx * h.e_shentsize));
		for (int i = 0; i < h.e_shnum; i++) {
			Elf64_Shdr s;
			char name[16] = "";
			read_exact(fd, &s, sizeof(s), (off_t)(h.e_shoff + (uint64_t)i * h.e_shentsize));
			if (pread(fd, name, sizeof(name) - 1, (off_t)(strs.sh_offset + s.sh_name)) <= 0)
				continue;
			name[sizeof(name) - 1] = '\0';
			if (!strcmp(name, ".text"))
				e->text = s.sh_addr, e->text_size = s.sh_size;
			else if (!strcmp(name, ".data"))
				e->data = s.sh_addr, e->data_size = s.sh_size;
		}
	}
	close(fd);
}

/* /proc/self/maps: load base of the executable (its lowest mapping), the
 * permissions of the mapping that holds addr, and the start of libc. */
struct maps {
	uint64_t exe_base, libc;
	char exe_path[PATH_MAX];
};

static void read_maps(struct maps *m)
{
	memset(m, 0, sizeof(*m));
	ssize_t n = readlink("/proc/self/exe", m->exe_path, sizeof(m->exe_path) - 1);
	if (n < 0)
		sk_die_errno("readlink /proc/self/exe");
	m->exe_path[n] = '\0';
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		sk_die_errno("open /proc/self/maps");
	char line[PATH_MAX + 128];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8], path[PATH_MAX] = "";
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %4095[^\n]", &lo, &hi, perms, path) < 3)
			continue;
		if (!strcmp(path, m->exe_path) && (!m->exe_base || lo < m->exe_base))
			m->exe_base = lo;
		const char *b = strrchr(path, '/');
		if (b && !strncmp(b + 1, "libc.so", 7) && (!m->libc || lo < m->libc))
			m->libc = lo;
	}
	fclose(f);
}

static const char *perms_of(uint64_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "-");
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return buf;
	char line[PATH_MAX + 128];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 && addr >= lo && addr < hi) {
			snprintf(buf, len, "%s", perms);
			break;
		}
	}
	fclose(f);
	return buf;
}

/* One run: print the rows of this process (run number given by the parent). */
static void one_run(int run, const char *build, bool norand)
{
	struct elfinfo e;
	struct maps m;
	read_elf(&e);
	read_maps(&m);
	/* Where the header's addresses end up: a PIE is shifted by its load
	 * base; a fixed-address (EXEC) file is loaded where it says. */
	uint64_t bias = e.type == ET_DYN ? m.exe_base - e.min_vaddr : 0;
	uint64_t at_entry = getauxval(AT_ENTRY);
	void *heap = malloc(64);
	void *map = mmap(NULL, (size_t)sk_page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!heap || map == MAP_FAILED)
		sk_die_errno("malloc/mmap");
	int local = 0;
	SK_KEEP(&local);
	uint64_t text = (uint64_t)(uintptr_t)&one_run;

	struct {
		const char *region;
		uint64_t addr;
		const char *from;
	} rows[] = {
		{"exe_base", m.exe_base, "lowest mapping of the executable in /proc/self/maps"},
		{"elf_entry", e.entry + bias, "e_entry from the ELF header (+ load base if PIE)"},
		{"at_entry", at_entry, "entry point the kernel used (getauxval AT_ENTRY)"},
		{"elf_text", e.text + bias, ".text section header (+ load base if PIE)"},
		{"text", text, "address of a function"},
		{"elf_data", e.data + bias, ".data section header (+ load base if PIE)"},
		{"data", (uint64_t)(uintptr_t)&aslr_data, "initialized global"},
		{"bss", (uint64_t)(uintptr_t)&aslr_bss, "zero-initialized global"},
		{"heap", (uint64_t)(uintptr_t)heap, "malloc(64)"},
		{"mmap", (uint64_t)(uintptr_t)map, "anonymous mmap of one page"},
		{"libc", m.libc, "lowest mapping of libc.so in /proc/self/maps"},
		{"stack", (uint64_t)(uintptr_t)&local, "a local variable"},
		{"vdso", getauxval(AT_SYSINFO_EHDR), "vDSO (getauxval AT_SYSINFO_EHDR)"},
	};
	bool text_in = text >= e.text + bias && text < e.text + bias + e.text_size;
	for (size_t i = 0; i < SK_ARRAY_LEN(rows); i++) {
		char perms[8];
		printf("%d\t%s\t%s\t%d\t%s\t0x%012llx\t%s\t%s\n", run, build,
		       e.type == ET_DYN ? "DYN" : e.type == ET_EXEC ? "EXEC" : "other", norand,
		       rows[i].region, (unsigned long long)rows[i].addr,
		       rows[i].addr ? perms_of(rows[i].addr, perms, sizeof(perms)) : "-", rows[i].from);
	}
	printf("#check\t%d\tentry_matches=%d\ttext_in_text_section=%d\n", run,
	       at_entry == e.entry + bias, text_in);
	free(heap);
	munmap(map, (size_t)sk_page_size());
}

#define STD_OPTS SK_STD_O
static const struct sk_opt opts[] = {
	{'n', "runs", "RUNS", "number of runs, 1.." SK_STR(MAX_RUNS) " (default " SK_STR(DEFAULT_RUNS) ")"},
	{SK_LONG(1), "no-randomize", NULL, "run with personality(ADDR_NO_RANDOMIZE), as setarch -R"},
	{0}};
/* Not in the usage: how aslr re-executes itself for one run. */
static const struct sk_opt all_opts[] = {
	{'n', "runs", "RUNS", NULL},
	{SK_LONG(1), "no-randomize", NULL, NULL},
	{SK_LONG(2), "child-run", "N", NULL},
	{0}};

static void usage(void)
{
	sk_usage_head("[-n RUNS] [--no-randomize] [-o FILE]", opts, STD_OPTS,
		      "Run this program RUNS times (fresh exec each time) and report where its code,\n"
		      "data, heap, stack, mmap, libc and vDSO land, with the ELF entry point and\n"
		      "sections read from its own header (TSV). Build aslr-nopie to compare.");
	printf("\nOutput columns: run  build  elf_type  no_randomize  region  address  perms  from\n"
	       "Examples:\n"
	       "  %s -n 3 | column -t -s $'\\t'\n"
	       "  %s-nopie -n 3 --no-randomize\n",
	       sk_prog, sk_prog);
}

int main(int argc, char **argv)
{
	sk_init(argc, argv);
	int runs = DEFAULT_RUNS, child_run = -1;
	bool norand = false;
	struct sk_std std = {0};
	int c;
	while ((c = sk_getopt(argc, argv, all_opts, STD_OPTS, &std, usage)) != -1) {
		switch (c) {
		case 'n': runs = sk_parse_int(optarg, "--runs", 1, MAX_RUNS); break;
		case SK_LONG(1): norand = true; break;
		case SK_LONG(2): child_run = sk_parse_int(optarg, "--child-run", 0, MAX_RUNS); break;
		}
	}
	sk_no_operands(argc, argv);

	/* Internal: one run, rows to stdout (a pipe to the parent). */
	struct elfinfo e;
	read_elf(&e);
	const char *build = e.type == ET_DYN ? "pie" : "no-pie";
	if (child_run >= 0) {
		one_run(child_run, build, norand);
		return fflush(stdout) ? SK_EXIT_FAIL : 0;
	}

	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		sk_die_errno("readlink /proc/self/exe");
	self[n] = '\0';
	char va[16] = "?";
	sk_read_line("/proc/sys/kernel/randomize_va_space", va, sizeof(va));
	sk_children_guard();

	struct sk_tsv tsv;
	sk_tsv_open(&tsv, std.out);
	sk_tsv_meta(&tsv, "randomize_va_space", "%s", va);
	sk_tsv_meta(&tsv, "runs", "%d", runs);
	sk_tsv_meta(&tsv, "elf_type", "%s", e.type == ET_DYN ? "DYN (position independent)" : "EXEC (fixed address)");
	sk_tsv_meta(&tsv, "elf_entry", "0x%llx", (unsigned long long)e.entry);
	sk_tsv_meta(&tsv, "elf_text", "0x%llx size 0x%llx", (unsigned long long)e.text,
		    (unsigned long long)e.text_size);
	sk_tsv_meta(&tsv, "elf_data", "0x%llx size 0x%llx", (unsigned long long)e.data,
		    (unsigned long long)e.data_size);
	sk_tsv_header(&tsv, "run\tbuild\telf_type\tno_randomize\tregion\taddress\tperms\tfrom");
	int bad = 0;
	static char buf[65536];
	for (int r = 0; r < runs; r++) {
		int fds[2];
		pid_t pid = sk_fork_pipe(fds);
		if (pid == 0) {
			if (norand && personality(ADDR_NO_RANDOMIZE) < 0)
				_exit(3);
			close(fds[0]);
			if (dup2(fds[1], STDOUT_FILENO) < 0)
				_exit(127);
			char rb[16];
			snprintf(rb, sizeof(rb), "%d", r);
			char *args[] = {self, "--child-run", rb, norand ? "--no-randomize" : NULL, NULL};
			execv(self, args);
			_exit(127);
		}
		close(fds[1]);
		if (sk_read_fd(fds[0], buf, sizeof(buf)) < 0)
			sk_die_errno("read from run %d", r);
		close(fds[0]);
		int st = sk_wait(pid, NULL);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			sk_die("run %d failed (status 0x%x)", r, (unsigned)st);
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
			int rr, em, ti;
			if (sscanf(line, "#check\t%d\tentry_matches=%d\ttext_in_text_section=%d", &rr, &em, &ti) == 3) {
				if (!em || !ti) {
					sk_warn("run %d: entry point matches AT_ENTRY: %s; function inside .text: %s",
						rr, em ? "yes" : "NO", ti ? "yes" : "NO");
					bad++;
				}
				continue;
			}
			sk_tsv_row(&tsv, "%s", line);
		}
	}
	sk_note("%s (%s), randomize_va_space=%s, %d runs%s", build,
		e.type == ET_DYN ? "DYN" : "EXEC", va, runs, norand ? ", ADDR_NO_RANDOMIZE" : "");
	/* A difference is a finding (reported here and judged by the driver's
	 * verdict from the elf_entry/at_entry rows); exit 1 is for runtime failures. */
	sk_tsv_meta(&tsv, "entry_check_failures", "%d", bad);
	return sk_tsv_close(&tsv) ? SK_EXIT_FAIL : 0;
}
