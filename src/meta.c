/*
 * meta.c -- named values and counters of a store (meta.db).
 *
 * Holds what identifies the office (office code, level), the schema
 * version, and the counters that number records, changes and audit
 * entries.  Counters are read with a write lock (DB_RMW) so that two
 * terminals never draw the same number; the lock is held to commit.
 * The store's numeric settings ('civreg config': period.KIND, kidc.warn)
 * are kept here too, changed by meta_setting_set with an audit entry.
 * Names and value formats are listed in db/record-format.txt.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

static const char *const level_names[] = {
	NULL, "commune", "district", "province", "national"
};

const char *
meta_level_name(int l)
{
	return l >= LV_COMMUNE && l <= LV_NATIONAL ? level_names[l] : "?";
}

int
meta_level_code(const char *s)
{
	int i;

	for (i = LV_COMMUNE; i <= LV_NATIONAL; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return 0;
}

int
meta_get_str(struct txn *tx, const char *name, char *out, size_t n,
    struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = store_get(tx, ST_META, name, strlen(name), &b, 0, e);
	if (rc == CR_OK)
		snprintf(out, n, "%.*s", (int)b.len, (const char *)b.data);
	else if (rc == CR_ENOTFOUND)
		err_set(e, CR_ECORRUPT, "meta.db has no '%s': the store is "
		    "incomplete or damaged", name);
	buf_free(&b);
	return rc == CR_ENOTFOUND ? CR_ECORRUPT : rc;
}

int
meta_put_str(struct txn *tx, const char *name, const char *v,
    struct cr_err *e)
{
	return store_put(tx, ST_META, name, strlen(name), v, strlen(v), 0, e);
}

int
meta_get_u64(struct txn *tx, const char *name, uint64_t *v, int upd,
    struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	*v = 0;
	rc = store_get(tx, ST_META, name, strlen(name), &b, upd, e);
	if (rc == CR_OK) {
		if (b.len != 8)
			rc = err_set(e, CR_ECORRUPT, "meta.db: '%s' has %zu "
			    "bytes, not 8", name, b.len);
		else
			*v = be64_get(b.data);
	} else if (rc == CR_ENOTFOUND)
		rc = CR_OK;	/* counters start at zero */
	buf_free(&b);
	return rc;
}

int
meta_put_u64(struct txn *tx, const char *name, uint64_t v, struct cr_err *e)
{
	unsigned char b[8];

	be64_put(b, v);
	return store_put(tx, ST_META, name, strlen(name), b, 8, 0, e);
}

int
meta_next(struct txn *tx, const char *name, uint64_t *v, struct cr_err *e)
{
	int rc;

	if ((rc = meta_get_u64(tx, name, v, 1, e)) != CR_OK)
		return rc;
	++*v;
	return meta_put_u64(tx, name, *v, e);
}

/* --- settings ------------------------------------------------------------ */

struct setting {
	struct session	*s;
	const char	*name, *unit;
	uint64_t	 v, dflt;
};

static int
setting_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct setting *st = arg;
	char detail[160];
	uint64_t was;
	int rc;

	if ((rc = meta_get_u64(tx, st->name, &was, 1, e)) != CR_OK ||
	    (rc = meta_put_u64(tx, st->name, st->v, e)) != CR_OK)
		return rc;
	snprintf(detail, sizeof detail, "%s = %llu %s (was %llu)", st->name,
	    (unsigned long long)st->v, st->unit,
	    (unsigned long long)(was ? was : st->dflt));
	return audit_append(tx, st->s->user, st->s->office, AU_CONFIG, "",
	    detail, e);
}

/*
 * A numeric setting of the store ('civreg config set'): value must be a
 * whole number of unit from lo to hi; unset (0) reads as dflt.  The
 * caller checks the role; the change is audited with the old value.
 */
int
meta_setting_set(struct session *s, const char *name, const char *value,
    long lo, long hi, long dflt, const char *unit, struct cr_err *e)
{
	struct setting st;
	char *end;
	long v;

	v = strtol(value, &end, 10);
	if (end == value || *end != '\0' || v < lo || v > hi)
		return err_set(e, CR_EINVAL, "%s: '%s' is not a number of %s "
		    "from %ld to %ld", name, value, unit, lo, hi);
	st.s = s;
	st.name = name;
	st.unit = unit;
	st.v = (uint64_t)v;
	st.dflt = (uint64_t)dflt;
	return store_run(s->store, setting_txn, &st, e);
}
