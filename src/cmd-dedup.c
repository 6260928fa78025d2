/*
 * cmd-dedup.c -- `civreg dedup`: likely duplicates and their review.
 *
 *   dedup [--since DATE] [--area CODE]   find pairs, queue them for review
 *   dedup list                           the queue, one pair a line
 *   dedup show ID ID                     two records side by side
 *   dedup decide ID ID same|different [--reason TEXT]
 *                                        declare the decision (a record)
 *
 * The core (dedup.c) decides nothing; a registrar does, here.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

static int
dedup_usage(void)
{
	return cli_usage("dedup");
}

static void
show_progress(void *arg, const char *phase, size_t done, size_t total)
{
	(void)arg;
	(void)total;
	fprintf(stderr, "%s: %zu births\n", phase, done);
}

static int
dedup_cmd_run(struct cli *c)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "area", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct dedup_stats st;
	struct session s;
	struct cr_err e;
	const char *since = NULL, *area = NULL;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 's':
			since = optarg;
			break;
		case 'a':
			area = optarg;
			break;
		default:
			return dedup_usage();
		}
	if (optind != c->argc)
		return dedup_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = dedup_run(&s, since, area, show_progress, NULL, &st, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("%zu births compared in %zu pairs: %zu likely duplicates, %zu "
	    "new in the review queue\n", st.records, st.compared, st.proposed,
	    st.queued);
	return 0;
}

/* The names of a record, "; "-joined. */
static void
names_of(const struct record *r, char *out, size_t n)
{
	const char *km = rec_value(r, "name_km"), *la = rec_value(r,
	    "name_latin"), *born = rec_value(r, "date_of_birth");

	snprintf(out, n, "%s%s%s, born %s", km ? km : "", la ? " / " : "",
	    la ? la : "", born ? born : "-");
}

static int
print_pair(void *arg, const struct dedup_pair *p)
{
	char a[300], b[300];

	(void)arg;
	names_of(&p->a, a, sizeof a);
	names_of(&p->b, b, sizeof b);
	printf("%s\t%s\t%.2f\t%s\t%s\n", p->a.id, p->b.id, p->posterior, a, b);
	return 0;
}

static int
dedup_cmd_list(struct cli *c)
{
	struct session s;
	struct cr_err e;
	int rc;

	if (c->argc != 2)
		return dedup_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = dedup_review(&s, print_pair, NULL, &e);
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

/* Two records' fields side by side: KEY, A, B, '*' where they differ. */
static int
dedup_cmd_show(struct cli *c)
{
	struct rec_history ha, hb;
	struct record a, b;
	struct session s;
	struct cr_err e;
	const struct form *f;
	const char *va, *vb;
	size_t i;
	int rc;

	if (c->argc != 4)
		return dedup_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	if ((rc = regist_show(&s, c->argv[2], &a, &ha, &e)) == CR_OK) {
		rec_history_free(&ha);
		if ((rc = regist_show(&s, c->argv[3], &b, &hb, &e)) == CR_OK)
			rec_history_free(&hb);
		else
			rec_free(&a);
	}
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("record\t%s\t%s\n", a.id, b.id);
	printf("status\t%s\t%s\n", rec_status_name(a.status),
	    rec_status_name(b.status));
	f = form_by_code(a.kind);
	for (i = 0; f && i < f->nfields; i++) {
		va = rec_value(&a, f->fields[i].key);
		vb = rec_value(&b, f->fields[i].key);
		if (va == NULL && vb == NULL)
			continue;
		printf("%s\t%s\t%s\t%s\n", f->fields[i].key, va ? va : "-",
		    vb ? vb : "-", va && vb && strcmp(va, vb) == 0 ? "" : "*");
	}
	rec_free(&a);
	rec_free(&b);
	return 0;
}

static int
dedup_cmd_decide(struct cli *c)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct kv kv[4];
	struct session s;
	struct cr_err e;
	char id[REC_IDLEN];
	const char *reason = NULL;
	size_t n = 3;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(c->argc - 1, c->argv + 1, "", opts, NULL)) !=
	    -1)
		switch (ch) {
		case 'r':
			reason = optarg;
			break;
		default:
			return dedup_usage();
		}
	if (c->argc - 1 - optind != 3)
		return dedup_usage();
	kv[0].key = "record_a";
	kv[0].value = c->argv[1 + optind];
	kv[1].key = "record_b";
	kv[1].value = c->argv[2 + optind];
	kv[2].key = "decision";
	kv[2].value = c->argv[3 + optind];
	if (reason) {
		kv[3].key = "reason";
		kv[3].value = (char *)reason;
		n = 4;
	}
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = regist_declare(&s, "match_decision", kv, n, id, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("%s\n", id);
	return 0;
}

int
cmd_dedup(struct cli *c)
{
	static const struct cli_sub verbs[] = {
		{ "list", dedup_cmd_list }, { "show", dedup_cmd_show },
		{ "decide", dedup_cmd_decide },
	};

	return cli_dispatch(c, "dedup", verbs, sizeof verbs / sizeof verbs[0],
	    dedup_cmd_run);
}
