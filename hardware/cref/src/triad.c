/* STREAM Triad, a[i] = b[i] + q*c[i], over OpenMP threads.
 * usage: triad ELEMENTS PASSES
 * Threads come from OMP_NUM_THREADS; binding from OMP_PROC_BIND/OMP_PLACES.
 * Prints the best pass after the first, in STREAM bytes (24 per element). */
#include "cref.h"
#include <omp.h>

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: triad ELEMENTS PASSES\n");
		return 2;
	}
	long n = atol(argv[1]);
	int passes = atoi(argv[2]);
	if (n < 1 || passes < 2) {
		fprintf(stderr, "triad: need ELEMENTS >= 1 and PASSES >= 2\n");
		return 2;
	}
	double *restrict a = map_huge(n * sizeof(double));
	double *restrict b = map_huge(n * sizeof(double));
	double *restrict c = map_huge(n * sizeof(double));
	const double q = 3.0;
	int threads = 1;
#pragma omp parallel
	{
#pragma omp single
		threads = omp_get_num_threads();
	}
	/* First touch: each thread initialises the part it will work on. */
#pragma omp parallel for schedule(static)
	for (long i = 0; i < n; i++) {
		a[i] = 1.0;
		b[i] = 2.0;
		c[i] = 0.5;
	}
	double best = 1e30;
	for (int p = 0; p < passes; p++) {
		double t0 = now_seconds();
#pragma omp parallel for schedule(static)
		for (long i = 0; i < n; i++)
			a[i] = b[i] + q * c[i];
		double t = now_seconds() - t0;
		if (p > 0 && t < best) best = t;
	}
	double check = 0;
	for (long i = 0; i < n; i += 4096) check += a[i];
	printf("threads %d\n", threads);
	printf("elements %ld\n", n);
	printf("best_seconds %.9f\n", best);
	printf("bytes_per_second %.6e\n", 24.0 * (double)n / best);
	printf("huge_kib %ld\n", huge_kib(a));
	printf("check %.3f\n", check);
	return 0;
}
