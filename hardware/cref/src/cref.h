/* Shared helpers for the C references of engrambench's memory probes.
 * The Go probes in package hardware do the same work with the same seeds,
 * so each pair of numbers measures the machine, not the two programs. */
#ifndef CREF_H
#define CREF_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)

static inline double now_seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* splitmix64: the generator both sides use. */
static inline uint64_t next_rand(uint64_t *s) {
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* bounded maps a random word to [0, n) by a 128-bit multiply (Lemire). */
static inline uint64_t bounded(uint64_t x, uint64_t n) {
	return (uint64_t)(((unsigned __int128)x * n) >> 64);
}

/* map_huge maps n bytes of anonymous memory aligned to 2 MiB, rounded up
 * to whole huge pages, and asks for transparent huge pages, as the Go
 * probes do. Pages are not touched. */
static void *map_huge(size_t n) {
	n = (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
	size_t len = n + HUGE_PAGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	char *a = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	madvise(a, n, MADV_HUGEPAGE);
	return a;
}

/* huge_kib reports AnonHugePages of the mapping holding addr, in KiB, or -1. */
static long huge_kib(const void *addr) {
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f) return -1;
	char line[512];
	int in = 0;
	long kib = -1;
	uintptr_t a = (uintptr_t)addr;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1) break;
	}
	fclose(f);
	return kib;
}

#endif
