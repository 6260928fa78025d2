/*
 * cmd-stats.c -- `civreg stats`: vital statistics tables (doc/stats.md).
 *
 *   stats                                the tables, one a line
 *   stats TABLE|all --from DATE --to DATE [--area CODE]
 *         [--by residence|occurrence] [--format text|csv]
 *
 * The core (stats.c) counts; here the table is printed: text with a
 * share and a bar that fit 80 columns (a cross-tabulation: a column of
 * numbers for each of its columns, then the total), or CSV.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define BAR_WIDTH	24

/* Registered, expected, completeness: a completeness table's lines. */
static void
print_completeness(const struct stats_table *t)
{
	size_t i;
	int j, n;

	printf("%-28s %10s %10s %12s\n", "province", "registered",
	    "expected", "completeness");
	for (i = 0; i < t->nrows; i++) {
		const struct stats_row *r = &t->rows[i];

		if (r->expected < 0) {
			printf("%-28.28s %10zu %10s %12s\n", r->label,
			    r->count, "-", "-");
			continue;
		}
		printf("%-28.28s %10zu %10.0f %11.1f%%", r->label, r->count,
		    r->expected, r->expected > 0 ? 100.0 * (double)r->count /
		    r->expected : 0.0);
		/* a bar of 10 '#' a full register, at most 15 */
		n = r->expected > 0 ? (int)(10.0 * (double)r->count /
		    r->expected + 0.5) : 0;
		if (n > 15)
			n = 15;
		if (n > 0)
			fputs("  ", stdout);
		for (j = 0; j < n; j++)
			putchar('#');
		putchar('\n');
	}
	printf("%-28s %10zu %10.0f %11.1f%%\n", "total (with rates)",
	    t->total - t->rows[t->nrows - 1].count -
	    t->rows[t->nrows - 2].count, t->expected, t->expected > 0 ?
	    100.0 * (double)(t->total - t->rows[t->nrows - 1].count -
	    t->rows[t->nrows - 2].count) / t->expected : 0.0);
	printf("%-28s %10zu\n", "total", t->total);
}

/*
 * A cross-tabulation: a column of 10 for each of its columns and the
 * row's total; the label takes what is left of 79 columns, 36 at most.
 * No bar: the numbers fill the line.
 */
static void
print_cross(const struct stats_table *t)
{
	size_t i, j;
	int lw = 79 - 11 * ((int)t->ncols + 1);

	if (lw > 36)
		lw = 36;
	if (lw < 12)
		lw = 12;	/* past 5 columns a line is wider: none is */
	printf("%-*s", lw, "");
	for (j = 0; j < t->ncols; j++)
		printf(" %10.10s", t->cols[j]);
	printf(" %10s\n", "total");
	for (i = 0; i < t->nrows; i++) {
		printf("%-*.*s", lw, lw, t->rows[i].label);
		for (j = 0; j < t->ncols; j++)
			printf(" %10zu", t->rows[i].cells[j]);
		printf(" %10zu\n", t->rows[i].count);
	}
	printf("%-*s", lw, "total");
	for (j = 0; j < t->ncols; j++)
		printf(" %10zu", t->col_totals[j]);
	printf(" %10zu\n", t->total);
}

static void
print_text(const struct stats_table *t, const struct stats_query *q)
{
	size_t i, max = 0;
	int j, n;

	printf("%s\n%s to %s, %s%s%s\n", t->title, q->from, q->to,
	    q->area ? "area " : "all areas", q->area ? q->area : "",
	    q->area ? (t->by_residence ? " (usual residence)" :
	    " (place of occurrence)") : "");
	if (t->expected >= 0) {
		print_completeness(t);
		return;
	}
	if (t->ncols) {
		print_cross(t);
		return;
	}
	for (i = 0; i < t->nrows; i++)
		if (t->rows[i].count > max)
			max = t->rows[i].count;
	for (i = 0; i < t->nrows; i++) {
		printf("%-36.36s %9zu %6.1f%%", t->rows[i].label,
		    t->rows[i].count, t->total ? 100.0 *
		    (double)t->rows[i].count / (double)t->total : 0.0);
		n = max ? (int)((t->rows[i].count * BAR_WIDTH + max - 1) /
		    max) : 0;
		if (n > 0)
			fputs("  ", stdout);
		for (j = 0; j < n; j++)
			putchar('#');
		putchar('\n');
	}
	printf("%-36s %9zu %6.1f%%\n", "total", t->total,
	    t->total ? 100.0 : 0.0);
}

static void
print_csv(const struct stats_table *t)
{
	size_t i, j;

	if (t->expected >= 0) {
		printf("%s,registered,expected,completeness\n", t->key);
		for (i = 0; i < t->nrows; i++) {
			csv_write_field(stdout, t->rows[i].label);
			if (t->rows[i].expected < 0)
				printf(",%zu,,\n", t->rows[i].count);
			else
				printf(",%zu,%.1f,%.4f\n", t->rows[i].count,
				    t->rows[i].expected, t->rows[i].expected >
				    0 ? (double)t->rows[i].count /
				    t->rows[i].expected : 0.0);
		}
		printf("total,%zu,%.1f,\n", t->total, t->expected);
		return;
	}
	if (t->ncols) {
		/* TABLE,COLUMN...,total; a row's cells, then its total */
		fputs(t->key, stdout);
		for (j = 0; j < t->ncols; j++) {
			putchar(',');
			csv_write_field(stdout, t->cols[j]);
		}
		fputs(",total\n", stdout);
		for (i = 0; i < t->nrows; i++) {
			csv_write_field(stdout, t->rows[i].label);
			for (j = 0; j < t->ncols; j++)
				printf(",%zu", t->rows[i].cells[j]);
			printf(",%zu\n", t->rows[i].count);
		}
		fputs("total", stdout);
		for (j = 0; j < t->ncols; j++)
			printf(",%zu", t->col_totals[j]);
		printf(",%zu\n", t->total);
		return;
	}
	printf("%s,count\n", t->key);
	for (i = 0; i < t->nrows; i++) {
		csv_write_field(stdout, t->rows[i].label);
		printf(",%zu\n", t->rows[i].count);
	}
	printf("total,%zu\n", t->total);
}

static int
print_rate(void *arg, const struct stats_rate *r)
{
	(void)arg;
	printf("%s,%llu,%.3f,%.3f\n", r->province,
	    (unsigned long long)r->population, r->birth_rate, r->death_rate);
	return 0;
}

/* stats rates [FILE.csv]: the table of rates, or load a new one. */
static int
stats_rates(struct cli *c)
{
	struct session s;
	struct cr_err e;
	size_t n;
	int rc;

	if (c->argc > 3)
		return cli_usage("stats");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	if (c->argc == 3) {
		rc = stats_rates_load(&s, c->argv[2], &n, &e);
		if (rc == CR_OK)
			printf("rates of %zu provinces loaded\n", n);
	} else {
		printf("province,population,birth_rate,death_rate\n");
		rc = stats_rates_list(&s, print_rate, NULL, &e);
	}
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

static int
stats_list(void)
{
	const char *key, *title;
	size_t i;

	for (i = 0; stats_info(i, &key, &title) == 0; i++)
		printf("%s\t%s\n", key, title);
	return 0;
}

int
cmd_stats(struct cli *c)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "area", required_argument, NULL, 'a' },
		{ "by", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct stats_query q;
	struct stats_table *t;
	struct session s;
	struct cr_err e;
	const char **keys, *title;
	size_t i, n = 1;
	int ch, rc, csv = 0;

	if (c->argc == 1)
		return stats_list();
	if (strcmp(c->argv[1], "rates") == 0)
		return stats_rates(c);
	memset(&q, 0, sizeof q);
	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'f':
			q.from = optarg;
			break;
		case 't':
			q.to = optarg;
			break;
		case 'a':
			q.area = optarg;
			break;
		case 'b':
			if (strcmp(optarg, "residence") == 0)
				q.by = STATS_BY_RESIDENCE;
			else if (strcmp(optarg, "occurrence") == 0)
				q.by = STATS_BY_OCCURRENCE;
			else {
				err_set(&e, CR_EUSAGE, "--by %s: give residence "
				    "or occurrence", optarg);
				return cli_fail(&e);
			}
			break;
		case 'F':
			if (strcmp(optarg, "csv") == 0)
				csv = 1;
			else if (strcmp(optarg, "text") != 0) {
				err_set(&e, CR_EUSAGE, "--format %s: give text "
				    "or csv", optarg);
				return cli_fail(&e);
			}
			break;
		default:
			return cli_usage("stats");
		}
	if (optind + 1 != c->argc || q.from == NULL || q.to == NULL)
		return cli_usage("stats");
	/* all: every table, in one pass over the register */
	if (strcmp(c->argv[optind], "all") == 0)
		n = stats_count();
	keys = xcalloc(n, sizeof *keys);
	t = xcalloc(n, sizeof *t);
	if (n == 1)
		keys[0] = c->argv[optind];
	else
		for (i = 0; i < n; i++)
			stats_info(i, &keys[i], &title);
	if ((rc = cli_login(c, &s)) != 0) {
		free(keys);
		free(t);
		return rc;
	}
	err_clear(&e);
	rc = stats_compute_many(&s, keys, n, &q, t, &e);
	cli_logout(&s);
	for (i = 0; rc == CR_OK && i < n; i++) {
		if (i > 0)
			putchar('\n');
		if (csv)
			print_csv(&t[i]);
		else
			print_text(&t[i], &q);
		stats_table_free(&t[i]);
	}
	free(keys);
	free(t);
	return rc == CR_OK ? 0 : cli_fail(&e);
}
