/*
 * cmd-kidc.c -- `civreg kidc`: identity codes.
 *
 *   kidc check CODE...        valid, or why not; needs no store
 *   kidc generate --count N   national office: draw N new codes
 *   kidc allocate --to OFFICE --count N [--out DIR]
 *                             national office: a pool for an office, as
 *                             a signed allocation file it imports
 *   kidc stats                what the store holds of codes
 *
 * check exits 0 when every code is valid and 2 when one is not, so a
 * script can use it; each code gets its own line.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

static int
kidc_usage(void)
{
	return cli_usage("kidc");
}

static int
kidc_cmd_check(struct cli *c)
{
	char code[KIDC_LEN + 1], shown[KIDC_LEN + 3], why[200];
	int i, bad = 0;

	if (c->argc < 3)
		return kidc_usage();
	for (i = 2; i < c->argc; i++) {
		if (kidc_check(c->argv[i], why, sizeof why) != 0) {
			printf("%s\t%s\n", c->argv[i], why);
			bad = 1;
			continue;
		}
		kidc_normalize(c->argv[i], code, why, sizeof why);
		kidc_format(code, shown);
		printf("%s\tvalid\n", shown);
	}
	return bad ? 2 : 0;
}

/* --count N, from 1 to max; -1 (said on standard error) if not. */
static long long
parse_count(const char *arg, long long max)
{
	char *end;
	long long n = strtoll(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || n < 1 || n > max) {
		fprintf(stderr, "civreg: --count '%s': give a whole number "
		    "from 1 to %lld\n", arg, max);
		return -1;
	}
	return n;
}

/* "generating: 40000 of 100000" on standard error. */
static void
show_progress(void *arg, size_t done, size_t total)
{
	(void)arg;
	if (total >= 20000)
		fprintf(stderr, "generating: %zu of %zu\n", done, total);
}

static int
kidc_cmd_generate(struct cli *c)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct kidc_stats st;
	struct session s;
	struct cr_err e;
	long long n = -1;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(c->argc - 1, c->argv + 1, "", opts, NULL)) !=
	    -1)
		switch (ch) {
		case 'n':
			if ((n = parse_count(optarg, KIDC_GENERATE_MAX)) < 0)
				return 2;
			break;
		default:
			return kidc_usage();
		}
	if (n < 0 || optind != c->argc - 1)
		return kidc_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = kidc_pool_generate(&s, (size_t)n, show_progress, NULL, &st, &e);
	cli_logout(&s);
	if (st.generated > 0)
		printf("generated %zu identity codes (%zu drawn again: "
		    "generated before)\n", st.generated, st.redrawn);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

static int
kidc_cmd_allocate(struct cli *c)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct kidc_alloc a;
	struct session s;
	struct cr_err e;
	const char *to = NULL, *dir = ".";
	long long n = -1;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(c->argc - 1, c->argv + 1, "", opts, NULL)) !=
	    -1)
		switch (ch) {
		case 't':
			to = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'n':
			if ((n = parse_count(optarg, KIDC_ALLOCATE_MAX)) < 0)
				return 2;
			break;
		default:
			return kidc_usage();
		}
	if (n < 0 || to == NULL || optind != c->argc - 1)
		return kidc_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = kidc_pool_allocate(&s, to, (size_t)n, dir, &a, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("allocation %llu: %zu identity codes for office %s\t%s\n",
	    (unsigned long long)a.number, a.count, to, a.path);
	return 0;
}

static int
kidc_cmd_stats(struct cli *c)
{
	struct kidc_stats st;
	struct session s;
	struct cr_err e;
	int rc;

	if (c->argc != 2)
		return kidc_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = kidc_pool_stats(&s, &st, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	if (s.level == LV_NATIONAL || st.generated > 0)
		printf("generated\t%zu\nnot allocated\t%zu\nallocated\t"
		    "%zu\n", st.generated, st.free, st.allocated);
	printf("pool unused\t%zu\npool issued\t%zu\npool confirmed\t%zu\n"
	    "registrations waiting\t%zu\nwarn below\t%zu\n", st.unused,
	    st.issued, st.confirmed, st.pending, st.warn);
	if (st.pending > 0)
		fprintf(stderr, "civreg: %zu registered record(s) wait for an "
		    "identity code: ask the national office for a pool "
		    "('civreg kidc allocate' there)\n", st.pending);
	else if (st.unused + st.issued + st.confirmed > 0 &&
	    st.unused < st.warn)	/* an office that issues codes */
		fprintf(stderr, "civreg: only %zu unused identity codes left, "
		    "fewer than %zu: ask the national office for a pool\n",
		    st.unused, st.warn);
	return 0;
}

int
cmd_kidc(struct cli *c)
{
	static const struct cli_sub verbs[] = {
		{ "check", kidc_cmd_check }, { "generate", kidc_cmd_generate },
		{ "allocate", kidc_cmd_allocate }, { "stats", kidc_cmd_stats },
	};

	return cli_dispatch(c, "kidc", verbs, sizeof verbs / sizeof verbs[0],
	    NULL);
}
