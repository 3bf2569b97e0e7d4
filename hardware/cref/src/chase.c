/* Dependent pointer chase over a random single-cycle permutation of
 * 64-byte nodes (Sattolo's algorithm, the same seed as the Go probe).
 * usage: chase BYTES LOADS SEED CPU
 * Runs pinned to CPU (-1: wherever the OS likes). Prints nanoseconds per
 * load, best of three timed runs after a warm-up. */
#include "cref.h"
#include <sched.h>

#define NODE 64

int main(int argc, char **argv) {
	if (argc != 5) {
		fprintf(stderr, "usage: chase BYTES LOADS SEED CPU\n");
		return 2;
	}
	int cpu = atoi(argv[4]);
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
	}
	size_t bytes = strtoull(argv[1], NULL, 10);
	long loads = atol(argv[2]);
	uint64_t seed = strtoull(argv[3], NULL, 10);
	size_t n = bytes / NODE;
	if (n < 2 || loads < 1) {
		fprintf(stderr, "chase: need BYTES >= 128 and LOADS >= 1\n");
		return 2;
	}
	char *base = map_huge(n * NODE);
	uint32_t *perm = malloc(n * sizeof *perm);
	if (!perm) {
		perror("malloc");
		return 1;
	}
	for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
	uint64_t s = seed;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = bounded(next_rand(&s), i); /* j < i: one cycle */
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		*(void **)(base + i * NODE) = base + (size_t)perm[i] * NODE;
	free(perm);

	void **p = (void **)base;
	long warm = loads < (long)n ? loads : (long)n;
	for (long i = 0; i < warm; i++) p = *p;
	double best = 1e30;
	for (int r = 0; r < 3; r++) {
		double t0 = now_seconds();
		for (long i = 0; i < loads; i += 8) {
			p = *p; p = *p; p = *p; p = *p;
			p = *p; p = *p; p = *p; p = *p;
		}
		double t = now_seconds() - t0;
		if (t < best) best = t;
	}
	long done = (loads + 7) / 8 * 8;
	printf("bytes %zu\n", n * NODE);
	printf("loads %ld\n", done);
	printf("ns_per_load %.4f\n", 1e9 * best / (double)done);
	printf("huge_kib %ld\n", huge_kib(base));
	printf("end %p\n", (void *)p);
	return 0;
}
