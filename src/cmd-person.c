/*
 * cmd-person.c -- `civreg person` and `civreg id-cards`: the population
 * register on the command line.
 *
 * Arguments are checked before the login, so a mistyped code or date
 * costs no password; the core (person.c, idcard.c) checks them again,
 * with the roles, and audits the look-up.  Output goes to stdout only
 * after the core call succeeded: key: value lines, then one
 * tab-separated line per record; or a table, or RFC 4180 CSV.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

static const char *
or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void
print_place(const char *label, const struct person_residence *r)
{
	printf("%s: %s", label, r->code);
	if (r->place_latin)
		printf(" %s (%s)", r->place_latin, r->place_km);
	printf(", since %s, from %s\n", r->date, r->id);
}

int
cmd_person(struct cli *c)
{
	struct person p;
	struct session s;
	struct cr_err e;
	char code[KIDC_LEN + 1], why[160], grouped[KIDC_LEN + 3], shown[64];
	size_t i;
	int rc;

	if (c->argc != 2)
		return cli_usage("person");
	err_clear(&e);
	if (kidc_normalize(c->argv[1], code, why, sizeof why) != 0) {
		str_printable(shown, sizeof shown, c->argv[1]);
		err_set(&e, CR_EINVAL, "'%s' %s", shown, why);
		return cli_fail(&e);
	}
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	rc = person_get(&s, code, &p, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	kidc_format(p.kidc, grouped);
	printf("identity code: %s\n", grouped);
	printf("name: %s / %s\n", or_dash(p.name_km), or_dash(p.name_latin));
	if (p.death_id[0])
		printf("deceased: %s (death %s)\n", or_dash(p.death_date),
		    p.death_id);
	if (p.nres > 0)
		print_place("current residence", &p.res[p.nres - 1]);
	else
		printf("current residence: not known (no registered record "
		    "gives it)\n");
	printf("residence history:\n");
	for (i = 0; i < p.nres; i++) {
		const struct form *f = form_by_code(p.res[i].kind);

		printf("  %s\t%s\t%s\t%s\t%s\n", p.res[i].date, p.res[i].code,
		    or_dash(p.res[i].place_latin), f ? f->key : "?",
		    p.res[i].id);
	}
	printf("records:\n");
	for (i = 0; i < p.nrec; i++) {
		const struct form *f = form_by_code(p.rec[i].kind);

		printf("  %s\t%s\t%s\t%s\t%s\n", p.rec[i].id, f ? f->key : "?",
		    p.rec[i].part, rec_status_name(p.rec[i].status),
		    or_dash(p.rec[i].date));
	}
	person_free(&p);
	return 0;
}

static void
print_cards(const struct idcard_list *l)
{
	char kidc[KIDC_LEN + 3], to[16], from[16];
	size_t i;
	int y, m, d;

	date_from_days(l->q.to, &y, &m, &d);
	snprintf(to, sizeof to, "%04d-%02d-%02d", y, m, d);
	from[0] = '\0';
	if (l->q.has_from) {
		date_from_days(l->q.from, &y, &m, &d);
		snprintf(from, sizeof from, "%04d-%02d-%02d", y, m, d);
	}
	printf("ID cards of %s %s", idcard_area_level(l->q.area), l->q.area);
	if (l->area_latin)
		printf(" %s (%s)", l->area_latin, l->area_km);
	printf(", expiry %s%s%s%s: %zu card%s, %zu expired\n", from[0] ?
	    "from " : "up to ", from[0] ? from : to, from[0] ? " to " : "",
	    from[0] ? to : "", l->n, l->n == 1 ? "" : "s", l->nexpired);
	if (l->n == 0)
		return;
	printf("%-14s  %-12s  %-10s  %-10s  %-8s  %-15s  %s\n", "KIDC", "CARD",
	    "ISSUED", "EXPIRES", "STATE", "RECORD", "NAME");
	for (i = 0; i < l->n; i++) {
		const struct idcard *c = &l->v[i];

		kidc_format(c->kidc, kidc);
		printf("%-14s  %-12s  %-10s  %-10s  %-8s  %-15s  %s / %s\n",
		    kidc, c->card_number, c->issue_date, c->expiry_date,
		    c->expired ? "expired" : "expiring", c->id,
		    or_dash(c->name_km), or_dash(c->name_latin));
	}
}

int
cmd_idcards(struct cli *c)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct idcard_query q;
	struct idcard_list l;
	struct session s;
	struct cr_err e;
	const char *from = NULL, *to = NULL;
	int ch, rc, csv = 0;

	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'c':
			csv = 1;
			break;
		default:
			return cli_usage("id-cards");
		}
	if (optind != c->argc - 1)
		return cli_usage("id-cards");
	err_clear(&e);
	if (idcard_query_parse(c->argv[optind], from, to, &q, &e) != CR_OK)
		return cli_fail(&e);
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	rc = idcard_list(&s, &q, &l, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	if (csv) {
		if (idcard_write_csv(&l, stdout) != 0) {
			idcard_list_free(&l);
			err_set(&e, CR_EIO, "cannot write the CSV to standard "
			    "output");
			return cli_fail(&e);
		}
	} else
		print_cards(&l);
	idcard_list_free(&l);
	return 0;
}
