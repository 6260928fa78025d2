/*
 * bench_kidc.c -- how fast new identity codes are made.
 *
 * The national office makes a code for every birth registered in the
 * country and for everyone given an identity card, and may make a pool
 * of them ahead of time; generation must never be what a clerk waits
 * for.  One run measures, through the core API only, kidc_generate() in
 * memory (no store): N codes (default 1000000), each 11 digits from the
 * strong random generator (crypto_random(), 4096 bytes at a time), the
 * Verhoeff check digit and the filters of doc/kidc.md, "Generation",
 * with whole codes drawn again until one passes (about 25 draws a code,
 * most of them given up after a few digits).  It prints
 *
 *   generate N=1000000  <rate> codes/s  (<seconds> s)
 *
 * and, on stderr, the CPU time split into user and system (libgcrypt's
 * random generator gathers some entropy from the kernel at every call).
 *
 * usage: bench_kidc [--codes N]
 */
#include "config.h"

#include <sys/resource.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "civreg.h"

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_kidc [--codes N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "codes", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cr_err e;
	struct rusage ru;
	char code[KIDC_LEN + 1];
	unsigned long sum = 0;
	size_t n = 1000000, i;
	double t0, t;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	if (optind != argc || n == 0)
		usage();
	err_clear(&e);
	if (crypto_init(&e) != CR_OK) {
		fprintf(stderr, "bench_kidc: crypto_init: %s\n", e.msg);
		return 1;
	}
	kidc_generate(code);	/* the first random bytes: not timed */
	t0 = now_sec();
	for (i = 0; i < n; i++) {
		kidc_generate(code);
		sum += (unsigned long)(code[KIDC_LEN - 1] - '0');
	}
	t = now_sec() - t0;
	printf("generate N=%zu  %.0f codes/s  (%.2f s)\n", n, (double)n / t,
	    t);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "bench_kidc: cpu %.2f s user, %.2f s system "
	    "(check digits sum to %lu)\n", (double)ru.ru_utime.tv_sec +
	    (double)ru.ru_utime.tv_usec / 1e6, (double)ru.ru_stime.tv_sec +
	    (double)ru.ru_stime.tv_usec / 1e6, sum);
	return 0;
}
