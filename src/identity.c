/*
 * identity.c -- offline identity authentication (national plan, goal 4).
 *
 * A bank, a school or another office asks: is this person, with this
 * identity code, called so and born then?  The answer is only "match" or
 * "no match" -- never the register's data -- so the service cannot be
 * used to look people up.  Registrars and supervisors also learn which
 * of the claimed fields differ, so that they can help the person correct
 * a record.  Every question is audited, with the code but not the claims.
 *
 * Claims are compared with the newest record that carries the code in a
 * KIDC field (the person index): a field "mother_kidc" makes the claims
 * name_km, date_of_birth ... be read from mother_name_km,
 * mother_date_of_birth ...; names are compared after the same
 * normalization as search.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

static const char *const claimable[] = {
	"name_km", "name_latin", "date_of_birth", "sex", NULL
};

struct ident {
	struct session		*s;
	const char		*kidc;
	const struct kv		*kv;
	size_t			 n;
	struct auth_result	*res;
};

/* The prefix of the KIDC field that holds code, or NULL. */
static const char *
person_prefix(const struct record *r, const char *code, char *out, size_t n)
{
	const struct form *f = form_by_code(r->kind);
	char digits[KIDC_LEN + 1], why[128];
	size_t i, kl;

	for (i = 0; f && i < r->nfields; i++) {
		const struct form_field *ff = form_field(f, r->fields[i].key);

		if (ff == NULL || ff->type != FT_KIDC ||
		    kidc_normalize(r->fields[i].value, digits, why,
		    sizeof why) != 0 || strcmp(digits, code) != 0)
			continue;
		kl = strlen(ff->key);
		if (kl < 4 || strcmp(ff->key + kl - 4, "kidc") != 0)
			continue;
		snprintf(out, n, "%.*s", (int)(kl - 4), ff->key);
		return out;
	}
	return NULL;
}

static int
same(const char *key, const char *a, const char *b)
{
	struct buf x, y;
	int eq;

	if (strstr(key, "name") == NULL)
		return strcmp(a, b) == 0;
	buf_init(&x);
	buf_init(&y);
	index_normalize(a, &x);
	index_normalize(b, &y);
	eq = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	buf_free(&x);
	buf_free(&y);
	return eq;
}

static int
ident_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct ident *id = arg;
	struct auth_result *res = id->res;
	struct keylist ids = { 0, NULL };
	struct record best, r;
	struct buf b;
	char prefix[40], key[80], detail[96];
	size_t i;
	int rc, have = 0;

	memset(res, 0, sizeof *res);
	rec_init(&best);
	buf_init(&b);
	rc = store_index_scan(tx, SI_KIDC, id->kidc, KIDC_LEN, keylist_collect, &ids,
	    e);
	for (i = 0; rc == CR_OK && i < ids.n; i++) {
		const char *rid = (const char *)ids.keys[i].data;

		if ((rc = store_get(tx, ST_RECORDS, rid, strlen(rid), &b, 0,
		    e)) != CR_OK || (rc = rec_decode(b.data, b.len, &r, e)) !=
		    CR_OK)
			break;
		/* The newest record that is not rejected or annulled. */
		if (r.status != RS_REJECTED && r.status != RS_ANNULLED &&
		    person_prefix(&r, id->kidc, prefix, sizeof prefix) &&
		    (!have || r.time >= best.time)) {
			rec_free(&best);
			best = r;
			have = 1;
		} else
			rec_free(&r);
	}
	keylist_free(&ids);
	buf_free(&b);
	if (rc != CR_OK)
		goto out;
	res->match = have;
	if (have) {
		person_prefix(&best, id->kidc, prefix, sizeof prefix);
		for (i = 0; i < id->n; i++) {
			const char *v;

			snprintf(key, sizeof key, "%s%s", prefix, id->kv[i].key);
			v = rec_value(&best, key);
			if (v == NULL || !same(id->kv[i].key, v,
			    id->kv[i].value)) {
				res->match = 0;
				if (res->ndiffer < AUTH_MAX_FIELDS)
					snprintf(res->differ[res->ndiffer++],
					    sizeof res->differ[0], "%s",
					    id->kv[i].key);
			}
		}
	}
	snprintf(detail, sizeof detail, "identity code ending %s: %s",
	    id->kidc + KIDC_LEN - 4, res->match ? "match" : "no match");
	rc = audit_append(tx, id->s->user, id->s->office, AU_AUTHENTICATE,
	    have ? best.id : "", detail, e);
out:
	rec_free(&best);
	return rc;
}

int
identity_authenticate(struct session *s, const char *code,
    const struct kv *kv, size_t n, struct auth_result *res,
    struct cr_err *e)
{
	struct ident id;
	struct cr_err quiet;
	char kidc[KIDC_LEN + 1], why[160];
	size_t i, j;
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = authz_check(s, AZ_AUTHENTICATE, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (kidc_normalize(code, kidc, why, sizeof why) != 0)
		return err_set(e, CR_EINVAL, "'%s' %s", code, why);
	if (n == 0)
		return err_set(e, CR_EINVAL, "give at least one claim to check: "
		    "name_km=, name_latin=, date_of_birth= or sex=");
	for (i = 0; i < n; i++) {
		for (j = 0; claimable[j]; j++)
			if (strcmp(kv[i].key, claimable[j]) == 0)
				break;
		if (claimable[j] == NULL)
			return err_set(e, CR_EINVAL, "%s: not a claim that can be "
			    "checked: use name_km, name_latin, date_of_birth or "
			    "sex", kv[i].key);
		if (!utf8_valid(kv[i].value, strlen(kv[i].value)))
			return err_set(e, CR_EINVAL, "%s: not valid UTF-8",
			    kv[i].key);
	}
	id.s = s;
	id.kidc = kidc;
	id.kv = kv;
	id.n = n;
	id.res = res;
	rc = store_run(s->store, ident_txn, &id, e);
	/*
	 * Only registrars and supervisors learn which fields differ: for
	 * the others the names go too, not just their count (also after a
	 * failure, which may leave some behind).
	 */
	if (authz_check(s, AZ_AUTH_DETAIL, NULL, &quiet) != CR_OK) {
		res->ndiffer = 0;
		memset(res->differ, 0, sizeof res->differ);
	}
	return rc;
}
