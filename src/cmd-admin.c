/*
 * cmd-admin.c -- `civreg forms`, `verify`, `audit`, `gazetteer` and
 * `config`.
 */
#include "config.h"

#include <string.h>

#include "civreg.h"

int
cmd_forms(struct cli *c)
{
	const struct form *f;
	size_t i, j;

	if (c->argc > 2)
		return cli_usage("forms");
	if (c->argc == 1) {
		for (i = 0; form_table[i]; i++)
			printf("%s\t%s\n", form_table[i]->key,
			    form_table[i]->title_en);
		return 0;
	}
	if ((f = form_by_key(c->argv[1])) == NULL) {
		struct cr_err e;

		err_set(&e, CR_EINVAL, "unknown form '%s': 'civreg forms' lists "
		    "the forms", c->argv[1]);
		return cli_fail(&e);
	}
	for (i = 0; i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];

		printf("%s\t%s\t%s\t", ff->key, form_type_name(ff->type),
		    ff->required ? "required" : f->issue_field &&
		    strcmp(f->issue_field, ff->key) == 0 ? "issued" :
		    "optional");
		if (ff->values)
			for (j = 0; ff->values[j]; j++)
				printf("%s%s", j ? "," : "", ff->values[j]);
		else
			putchar('-');
		putchar('\n');
	}
	return 0;
}

int
cmd_verify(struct cli *c)
{
	struct session s;
	struct cr_err e;
	int rc;

	if (c->argc != 1)
		return cli_usage("verify");
	if ((rc = cli_login_damaged(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = verify_store(&s, stdout, &e);
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

int
cmd_reindex(struct cli *c)
{
	struct session s;
	struct cr_err e;
	size_t n;
	int rc;

	if (c->argc != 1)
		return cli_usage("reindex");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = verify_reindex(&s, &n, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("indexes rebuilt from %zu records\n", n);
	return 0;
}

static int
print_audit(void *arg, const struct audit_entry *a)
{
	char when[32];

	(void)arg;
	time_format((time_t)a->time, when, sizeof when);
	printf("%llu\t%s\t%s\t%s\t%s\t%s\n", (unsigned long long)a->seq, when,
	    a->user[0] ? a->user : "-", audit_action_name(a->action),
	    a->record[0] ? a->record : "-", a->detail);
	return 0;
}

int
cmd_audit(struct cli *c)
{
	struct session s;
	struct cr_err e;
	int rc;

	if (c->argc > 2)
		return cli_usage("audit");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = audit_list(&s, c->argc == 2 ? c->argv[1] : NULL, print_audit,
	    NULL, &e);
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

int
cmd_gazetteer(struct cli *c)
{
	struct session s;
	struct cr_err e;
	size_t n = 0;
	int rc;

	if (c->argc != 3 || (strcmp(c->argv[1], "load") &&
	    strcmp(c->argv[1], "show")))
		return cli_usage("gazetteer");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	if (strcmp(c->argv[1], "load") == 0) {
		rc = gazetteer_load(&s, c->argv[2], &n, &e);
		if (rc == CR_OK)
			printf("%zu places loaded\n", n);
	} else {
		struct txn *tx;
		struct place p;

		if ((rc = store_begin(s.store, &tx, &e)) == CR_OK) {
			rc = gazetteer_get(tx, c->argv[2], &p, &e);
			store_abort(tx);
			if (rc == CR_ENOTFOUND)
				err_set(&e, rc, "no place %s in the gazetteer",
				    c->argv[2]);
			else if (rc == CR_OK) {
				printf("%s\t%s\t%s\t%s\t%s\n", p.code,
				    p.parent[0] ? p.parent : "-", p.type_en,
				    p.name_km, p.name_latin);
				place_free(&p);
			}
		}
	}
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

/*
 * The store's settings: the legal period of each event kind, and the
 * identity-code pool's warning threshold.  Listing
 * them needs a login (any role); changing one, an administrator.
 */
int
cmd_config(struct cli *c)
{
	struct session s;
	struct cr_err e;
	size_t i;
	int rc, days;

	if (!(c->argc == 1 || (c->argc == 4 && strcmp(c->argv[1], "set") ==
	    0)))
		return cli_usage("config");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	if (c->argc == 4) {
		if (strcmp(c->argv[2], "kidc.warn") == 0)
			rc = kidc_pool_warn_set(&s, c->argv[3], &e);
		else
			rc = workflow_period_set(&s, c->argv[2], c->argv[3], &e);
		cli_logout(&s);
		if (rc != CR_OK)
			return cli_fail(&e);
		printf("%s\t%s\n", c->argv[2], c->argv[3]);
		return 0;
	}
	for (i = 0; form_table[i]; i++) {
		const struct form *f = form_table[i];

		if (f->cls != FC_EVENT)
			continue;
		days = workflow_period_of(&s, f);
		printf("period.%s\t%d\t%s\n", f->key, days,
		    days == workflow_period_default(f) ? "default" : "set");
	}
	days = kidc_pool_warn_get(&s);
	printf("kidc.warn\t%d\t%s\n", days, days == KIDC_WARN_DEFAULT ?
	    "default" : "set");
	cli_logout(&s);
	return 0;
}
