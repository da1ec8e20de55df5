/* tlb.c - the data TLBs' geometry, as the CPU reports it through CPUID.
 *
 * Intel: leaf 0x18 (deterministic address translation parameters), else the
 * one-byte descriptors of leaf 0x2. AMD and Hygon: leaves 0x80000005 (L1)
 * and 0x80000006 (L2). Other CPUs and other architectures: "unknown", which
 * is not an error. In a virtual machine CPUID is what the hypervisor chose
 * to report, which may not be the hardware's TLB: sk_tlb says so
 * (hypervisor = true) and the experiments measure the reach themselves. */
#include "shikumi.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static struct sk_tlb_level *tlb_level(struct sk_tlb *t, int level, bool shared)
{
	for (int i = 0; i < t->n; i++)
		if (t->level[i].level == level)
			return &t->level[i];
	if (t->n >= (int)SK_ARRAY_LEN(t->level))
		return NULL;
	struct sk_tlb_level *l = &t->level[t->n++];
	memset(l, 0, sizeof(*l));
	l->level = level;
	l->shared = shared;
	return l;
}

/* Add ENTRIES for pages of 4 KiB (k4) and/or 2 MiB (m2) to LEVEL. Several
 * arrays of one level (load-only, store-only, a 4K and a 2M array) keep
 * the largest count for each page size. */
static void tlb_add(struct sk_tlb *t, int level, bool shared, unsigned entries, int ways, bool k4, bool m2)
{
	struct sk_tlb_level *l = tlb_level(t, level, shared);
	if (!l || !entries)
		return;
	if (k4 && entries > l->entries_4k) {
		l->entries_4k = entries;
		l->ways_4k = ways;
	}
	if (m2 && entries > l->entries_2m)
		l->entries_2m = entries;
}

/* AMD's 4-bit associativity code of leaf 0x80000006 -> ways (0 = fully
 * associative, -1 = none/disabled). */
static int amd_l2_ways(unsigned code)
{
	static const int ways[16] = {-1, 1, 2, 3, 4, 6, 8, 0, 16, 0, 32, 48, 64, 96, 128, 0};
	return ways[code & 15];
}

static void tlb_amd(struct sk_tlb *t)
{
	unsigned a, b, c, d, max;
	max = __get_cpuid_max(0x80000000u, NULL);
	if (max >= 0x80000005u && __get_cpuid(0x80000005u, &a, &b, &c, &d)) {
		/* EBX: 4 KiB pages, EAX: 2/4 MiB pages; bits 31:24 D-TLB ways
		 * (0xff fully), 23:16 D-TLB entries. */
		unsigned w4 = b >> 24, w2 = a >> 24;
		tlb_add(t, 1, false, (b >> 16) & 0xff, w4 == 0xff ? 0 : (int)w4, true, false);
		tlb_add(t, 1, false, (a >> 16) & 0xff, w2 == 0xff ? 0 : (int)w2, false, true);
		t->source = "cpuid 0x80000005/0x80000006";
	}
	if (max >= 0x80000006u && __get_cpuid(0x80000006u, &a, &b, &c, &d)) {
		/* bits 31:28 L2 D-TLB associativity code (0: no L2 TLB), 27:16 entries */
		int w4 = amd_l2_ways(b >> 28), w2 = amd_l2_ways(a >> 28);
		if (w4 >= 0)
			tlb_add(t, 2, false, (b >> 16) & 0xfff, w4, true, false);
		if (w2 >= 0)
			tlb_add(t, 2, false, (a >> 16) & 0xfff, w2, false, true);
	}
}

static void tlb_intel_leaf18(struct sk_tlb *t)
{
	unsigned a, b, c, d, max;
	if (!__get_cpuid_count(0x18, 0, &max, &b, &c, &d))
		return;
	for (unsigned sub = 0; sub <= max && sub < 64; sub++) {
		if (!__get_cpuid_count(0x18, sub, &a, &b, &c, &d))
			break;
		unsigned type = d & 0x1f, level = (d >> 5) & 7;
		/* 1 data, 3 unified, 4 load-only: what a load goes through;
		 * 2 instruction and 5 store-only are not. */
		if (type != 1 && type != 3 && type != 4)
			continue;
		unsigned ways = b >> 16, sets = c, entries = ways * sets;
		int w = (d >> 8) & 1 ? 0 : (int)ways;
		tlb_add(t, (int)level, type == 3, entries, w, b & 1, (b >> 1) & 1);
		t->source = "cpuid 0x18";
	}
}

/* Leaf 0x2 descriptors of data and shared TLBs (Intel SDM, table
 * "Encoding of CPUID Leaf 2 Descriptors"); 0xff means "see leaf 0x18". */
static const struct {
	unsigned char code, level, shared, k4, m2;
	unsigned short entries;
	signed char ways;
} leaf2[] = {
	{0x03, 1, 0, 1, 0, 64, 4},   {0x04, 1, 0, 0, 1, 8, 4},    {0x05, 1, 0, 0, 1, 32, 4},
	{0x56, 1, 0, 0, 1, 16, 4},   {0x57, 1, 0, 1, 0, 16, 4},   {0x59, 1, 0, 1, 0, 16, 0},
	{0x5a, 1, 0, 0, 1, 32, 4},   {0x5b, 1, 0, 1, 1, 64, 0},   {0x5c, 1, 0, 1, 1, 128, 0},
	{0x5d, 1, 0, 1, 1, 256, 0},  {0x63, 1, 0, 0, 1, 32, 4},   {0x64, 1, 0, 1, 0, 512, 4},
	{0xa0, 1, 0, 1, 0, 32, 0},   {0xb3, 1, 0, 1, 0, 128, 4},  {0xb4, 1, 0, 1, 0, 256, 4},
	{0xba, 1, 0, 1, 0, 64, 4},   {0xc0, 1, 0, 1, 1, 8, 4},    {0xc1, 2, 1, 1, 1, 1024, 8},
	{0xc2, 1, 0, 1, 1, 16, 4},   {0xc3, 2, 1, 1, 1, 1536, 6}, {0xc4, 1, 0, 0, 1, 32, 4},
	{0xca, 2, 1, 1, 0, 512, 4},
};

static bool tlb_intel_leaf2(struct sk_tlb *t)
{
	unsigned r[4];
	bool see18 = false;
	if (!__get_cpuid(2, &r[0], &r[1], &r[2], &r[3]))
		return false;
	for (int i = 0; i < 4; i++) {
		if (r[i] >> 31)        /* register holds no descriptors */
			continue;
		for (int k = i == 0 ? 1 : 0; k < 4; k++) {   /* AL is a count, not a descriptor */
			unsigned char code = (unsigned char)(r[i] >> (8 * k));
			if (code == 0xff)
				see18 = true;
			for (size_t j = 0; j < SK_ARRAY_LEN(leaf2); j++)
				if (leaf2[j].code == code) {
					tlb_add(t, leaf2[j].level, leaf2[j].shared, leaf2[j].entries,
						leaf2[j].ways, leaf2[j].k4, leaf2[j].m2);
					t->source = "cpuid 0x2";
				}
		}
	}
	return see18;
}

int sk_tlb_info(struct sk_tlb *t)
{
	memset(t, 0, sizeof(*t));
	t->source = "unknown";
	unsigned a, b, c, d;
	if (!__get_cpuid(0, &a, &b, &c, &d)) {
		t->why = "no CPUID";
		return 0;
	}
	char vendor[13];
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	unsigned max = a;
	if (__get_cpuid(1, &a, &b, &c, &d))
		t->hypervisor = (c >> 31) & 1;
	if (!strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine")) {
		tlb_amd(t);
	} else if (!strcmp(vendor, "GenuineIntel")) {
		bool see18 = max >= 2 && tlb_intel_leaf2(t);
		if ((see18 || !t->n) && max >= 0x18) {
			t->n = 0;
			tlb_intel_leaf18(t);
		}
	} else {
		t->why = "CPU vendor without known TLB leaves";
		return 0;
	}
	/* order by level */
	for (int i = 1; i < t->n; i++)
		for (int j = i; j > 0 && t->level[j - 1].level > t->level[j].level; j--) {
			struct sk_tlb_level x = t->level[j];
			t->level[j] = t->level[j - 1];
			t->level[j - 1] = x;
		}
	if (!t->n) {
		t->source = "unknown";
		t->why = "CPUID reports no data TLB";
	}
	return t->n;
}

#else /* not x86 */

int sk_tlb_info(struct sk_tlb *t)
{
	memset(t, 0, sizeof(*t));
	t->source = "unknown";
	t->why = "not an x86 CPU: no CPUID";
	return 0;
}

#endif

const char *sk_tlb_str(const struct sk_tlb *t, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int i = 0; i < t->n && off < len; i++) {
		const struct sk_tlb_level *l = &t->level[i];
		char ways[24] = "";
		if (l->ways_4k > 0)
			snprintf(ways, sizeof(ways), " %d-way", l->ways_4k);
		else if (l->ways_4k == 0 && l->entries_4k)
			snprintf(ways, sizeof(ways), " fully assoc.");
		int n = snprintf(buf + off, len - off, "%sL%d %s: %u x 4K%s", i ? "; " : "", l->level,
				 l->shared ? "shared" : "data", l->entries_4k, ways);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
		if (l->entries_2m) {
			n = snprintf(buf + off, len - off, ", %u x 2M", l->entries_2m);
			if (n < 0 || (size_t)n >= len - off)
				break;
			off += (size_t)n;
		}
	}
	if (!off)
		snprintf(buf, len, "unknown (%s)", t->why ? t->why : "no data");
	return buf;
}
