/*
 * cmd-digitize.c -- `civreg digitize`: the paper back-log (doc/digitize.md).
 *
 *   digitize import FILE.csv --kind KIND [--map MAP] [--batch NAME]
 *                   [--rejects FILE] [--no-dedup] [--second B.csv]
 *                                      load a keyed batch; again: resume
 *   digitize compare A.csv B.csv [--agreed OUT.csv]
 *                                      the same batch keyed twice
 *
 * The core (digitize.c) loads and compares; here are the progress bar on
 * standard error and the report on standard output.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "civreg.h"

static int
digitize_usage(void)
{
	return cli_usage("digitize");
}

struct bar {
	struct timespec	 t0;
	int		 tty;
	int		 shown;		/* last tenth printed (not a tty) */
};

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* [#####.....]  45%  12345 rows  3210 rows/s  0:05 left */
static void
bar_show(void *arg, size_t done, size_t total, size_t rows)
{
	struct bar *b = arg;
	double el = since(&b->t0), frac = total ? (double)done / total : 1;
	double left = frac > 0 ? el / frac - el : 0;
	char hashes[21];
	int i, n = (int)(frac * 20);

	if (!b->tty && (int)(frac * 10) <= b->shown && frac < 1)
		return;
	b->shown = (int)(frac * 10);
	for (i = 0; i < 20; i++)
		hashes[i] = i < n ? '#' : '.';
	hashes[20] = '\0';
	fprintf(stderr, "%s[%s] %3d%%  %zu rows  %.0f rows/s  %d:%02d left%s",
	    b->tty ? "\r" : "", hashes, (int)(frac * 100), rows,
	    el > 0 ? rows / el : 0, (int)left / 60, (int)left % 60,
	    b->tty ? "" : "\n");
	fflush(stderr);
}

static int
digitize_cmd_import(struct cli *c)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "map", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "no-dedup", no_argument, NULL, 'n' },
		{ "second", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct digitize_opts o;
	struct digitize_result res;
	struct session s;
	struct cr_err e;
	struct bar bar;
	int ch, rc;

	memset(&o, 0, sizeof o);
	optind = 0;
	while ((ch = getopt_long(c->argc - 1, c->argv + 1, "", opts, NULL))
	    != -1)
		switch (ch) {
		case 'k':
			o.kind = optarg;
			break;
		case 'm':
			o.map = optarg;
			break;
		case 'b':
			o.batch = optarg;
			break;
		case 'r':
			o.rejects = optarg;
			break;
		case 'n':
			o.no_dedup = 1;
			break;
		case 's':
			o.second = optarg;
			break;
		default:
			return digitize_usage();
		}
	if (optind + 1 != c->argc - 1 || o.kind == NULL)
		return digitize_usage();
	o.file = c->argv[optind + 1];
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	memset(&bar, 0, sizeof bar);
	clock_gettime(CLOCK_MONOTONIC, &bar.t0);
	bar.tty = isatty(2);
	bar.shown = -1;
	rc = digitize_import(&s, &o, bar_show, &bar, &res, &e);
	if (bar.tty && bar.shown >= 0)
		fputc('\n', stderr);
	cli_logout(&s);
	if (rc != CR_OK && res.rows == 0)
		return cli_fail(&e);
	printf("batch %s: %zu rows: %zu loaded, %zu loaded before, %zu "
	    "rejected (%s)\n", res.batch, res.rows, res.loaded, res.already,
	    res.rejected, res.rejects);
	if (res.codes || res.waiting)
		printf("identity codes: %zu issued, %zu waiting for a pool\n",
		    res.codes, res.waiting);
	if (res.deduped)
		printf("duplicates: %zu births compared, %zu likely duplicates, "
		    "%zu new in the review queue ('civreg dedup list')\n",
		    res.dedup.records, res.dedup.proposed, res.dedup.queued);
	else if (res.dedup_why[0])
		printf("duplicates: not checked: %s\n", res.dedup_why);
	if (rc != CR_OK)	/* stopped part way: run it again to go on */
		return cli_fail(&e);
	return 0;
}

static void
print_diff(void *arg, const struct digitize_diff *d)
{
	(void)arg;
	if (d->column)
		printf("record %zu (lines %zu/%zu)\t%s\t%s\t%s\n", d->record,
		    d->line_a, d->line_b, d->column, d->a, d->b);
	else if (d->which)
		printf("record %zu (lines %zu/%zu)\t-\tunreadable in %s: %s\n",
		    d->record, d->line_a, d->line_b, d->which == 'A' ?
		    "the first" : "the second", d->why);
	else
		printf("record %zu (lines %zu/%zu)\t-\t%s\n", d->record,
		    d->line_a, d->line_b, d->why);
}

static int
digitize_cmd_compare(struct cli *c)
{
	static const struct option opts[] = {
		{ "agreed", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct digitize_cmp res;
	struct cr_err e;
	const char *agreed = NULL;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(c->argc - 1, c->argv + 1, "", opts, NULL))
	    != -1)
		switch (ch) {
		case 'a':
			agreed = optarg;
			break;
		default:
			return digitize_usage();
		}
	if (optind + 2 != c->argc - 1)
		return digitize_usage();
	err_clear(&e);
	rc = digitize_compare(c->argv[optind + 1], c->argv[optind + 2], agreed,
	    print_diff, NULL, &res, &e);
	if (rc != CR_OK)
		return cli_fail(&e);
	fprintf(stderr, "%zu records: %zu agree, %zu differ (%zu fields)%s%s\n",
	    res.records, res.agree, res.differ, res.fields,
	    agreed ? "; the agreed ones are in " : "", agreed ? agreed : "");
	return 0;
}

int
cmd_digitize(struct cli *c)
{
	static const struct cli_sub verbs[] = {
		{ "import", digitize_cmd_import },
		{ "compare", digitize_cmd_compare },
	};

	return cli_dispatch(c, "digitize", verbs, sizeof verbs /
	    sizeof verbs[0], NULL);
}
