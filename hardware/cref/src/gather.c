/* Random row gather: copy whole rows chosen at random from a large table,
 * in two phases per batch (pick and prefetch the rows, then copy them).
 * usage: gather TABLE_BYTES ROW_BYTES BATCH SECONDS SEED
 * Threads come from OMP_NUM_THREADS; each thread has its own stream of row
 * numbers (seed + thread) and its own destination buffer. */
#include "cref.h"
#include <omp.h>

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: gather TABLE_BYTES ROW_BYTES BATCH SECONDS SEED\n");
		return 2;
	}
	size_t table_bytes = strtoull(argv[1], NULL, 10);
	size_t row = strtoull(argv[2], NULL, 10);
	int batch = atoi(argv[3]);
	double seconds = atof(argv[4]);
	uint64_t seed = strtoull(argv[5], NULL, 10);
	if (row < 1 || batch < 1 || table_bytes < row || seconds <= 0) {
		fprintf(stderr, "gather: bad arguments\n");
		return 2;
	}
	uint64_t rows = table_bytes / row;
	char *table = map_huge(rows * row);
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < rows * row; i += 8) *(uint64_t *)(table + i) = i;

	double total_rows = 0, wall = 0, check = 0;
	int threads = 1;
#pragma omp parallel reduction(+ : total_rows, check)
	{
		int t = omp_get_thread_num();
#pragma omp single
		threads = omp_get_num_threads();
		uint64_t s = seed + (uint64_t)t;
		char *dst = malloc((size_t)batch * row);
		size_t *off = malloc((size_t)batch * sizeof *off);
		uint64_t sum = 0;
		long done = 0;
#pragma omp barrier
		double t0 = now_seconds(), t1 = t0;
		while (t1 - t0 < seconds) {
			for (int r = 0; r < 64; r++) {
				for (int k = 0; k < batch; k++) {
					size_t o = bounded(next_rand(&s), rows) * row;
					off[k] = o;
					for (size_t l = 0; l < row; l += 64) __builtin_prefetch(table + o + l, 0, 3);
					__builtin_prefetch(table + o + row - 1, 0, 3);
				}
				for (int k = 0; k < batch; k++) memcpy(dst + (size_t)k * row, table + off[k], row);
				sum += (uint8_t)dst[(size_t)(r % batch) * row];
				done += batch;
			}
			t1 = now_seconds();
		}
#pragma omp barrier
#pragma omp master
		wall = now_seconds() - t0;
		total_rows += (double)done;
		check += (double)sum;
		free(dst);
		free(off);
	}
	printf("threads %d\n", threads);
	printf("rows %.0f\n", total_rows);
	printf("rows_per_second %.6e\n", total_rows / wall);
	printf("bytes_per_second %.6e\n", total_rows * (double)row / wall);
	printf("huge_kib %ld\n", huge_kib(table));
	printf("check %.0f\n", check);
	return 0;
}
