/*
 * kidc-pool.c -- identity codes in the store: generated, allocated, issued.
 *
 * Communes are offline, so a code cannot be checked for uniqueness when
 * it is issued.  Instead only the national office draws codes (kidc.c)
 * and keeps every code it ever drew, so that a code drawn twice is
 * thrown away and drawn again; it then hands out unused codes in pools.
 * This file keeps that ledger in kidc.db (db/record-format.txt, section
 * 14):
 *
 *   'K' code       every code the national office generated, and to
 *                  which office it went (never deleted);
 *   'F' seq be64   the codes not yet allocated, in the order they were
 *                  drawn (which is random): a pool taken from the front
 *                  is a random set, so a code says nothing of the office
 *                  that issued it, as it would if pools were ranges.
 *
 * Contract: every function checks the role and the office level itself
 * (the national office generates), writes its audit entry in the same
 * transaction, and changes nothing on an error.  A batch of codes is one
 * transaction; a long generation is many, each complete.
 *
 * Diagnostics: CR_EPERM names the role or office that may; CR_EINVAL
 * says what count is allowed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define GEN_MAGIC	"KG"
#define GEN_VERSION	1
#define GEN_BATCH	10000

enum { KS_FREE = 1, KS_ALLOCATED = 2 };	/* state of a generated code */

static void
code_key(struct buf *k, int tag, const char *code)
{
	buf_reset(k);
	buf_add_u8(k, (unsigned char)tag);
	buf_add(k, code, KIDC_LEN);
}

/* A 'K' entry: magic, version, state, time, office, allocation number. */
static void
gen_encode(struct buf *v, int state, int64_t t, const char *office,
    uint64_t alloc)
{
	buf_reset(v);
	buf_add(v, GEN_MAGIC, 2);
	buf_add_u8(v, GEN_VERSION);
	buf_add_u8(v, (unsigned char)state);
	buf_add_u64(v, (uint64_t)t);
	buf_add_str(v, office);
	buf_add_u64(v, alloc);
}

/* Only the national office, and there only its national officers. */
static int
national_only(struct session *s, const char *what, struct cr_err *e)
{
	if (s->level != LV_NATIONAL)
		return err_set(e, CR_EPERM, "only the national office may %s "
		    "identity codes; this store is office %s", what,
		    s->office);
	if (s->role != ROLE_NATIONAL)
		return err_set(e, CR_EPERM, "user %s (role %s) may not %s "
		    "identity codes: this needs the role national", s->user,
		    user_role_name(s->role), what);
	return CR_OK;
}

struct gen {
	struct session		*s;
	size_t			 want, made, redrawn;
	kidc_progress_fn	 progress;
	void			*arg;
};

static int
gen_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct gen *g = arg;
	struct buf k, v;
	char code[KIDC_LEN + 1], detail[120];
	unsigned char sk[8];
	uint64_t seq;
	size_t n = 0, redrawn = 0, batch;
	int64_t now = (int64_t)cr_now();
	int rc = CR_OK;

	buf_init(&k);
	buf_init(&v);
	batch = g->want - g->made < GEN_BATCH ? g->want - g->made : GEN_BATCH;
	while (n < batch) {
		kidc_generate(code);
		code_key(&k, 'K', code);
		gen_encode(&v, KS_FREE, now, "", 0);
		rc = store_put(tx, ST_KIDC, k.data, k.len, v.data, v.len, 1, e);
		if (rc == CR_EEXIST) {		/* drawn before: draw again */
			err_clear(e);
			redrawn++;
			continue;
		}
		if (rc != CR_OK)
			goto out;
		if ((rc = meta_next(tx, "seq.kidc", &seq, e)) != CR_OK)
			goto out;
		buf_reset(&k);
		buf_add_u8(&k, 'F');
		be64_put(sk, seq);
		buf_add(&k, sk, 8);
		if ((rc = store_put(tx, ST_KIDC, k.data, k.len, code, KIDC_LEN,
		    1, e)) != CR_OK)
			goto out;
		n++;
	}
	snprintf(detail, sizeof detail, "generated %zu identity codes",
	    n);
	rc = audit_append(tx, g->s->user, g->s->office, AU_KIDC, "", detail,
	    e);
	if (rc == CR_OK) {
		g->made += n;
		g->redrawn += redrawn;
	}
out:
	buf_free(&k);
	buf_free(&v);
	return rc;
}

int
kidc_pool_generate(struct session *s, size_t count, kidc_progress_fn fn,
    void *arg, struct kidc_stats *st, struct cr_err *e)
{
	struct gen g;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = national_only(s, "generate", e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (count == 0 || count > KIDC_GENERATE_MAX)
		return err_set(e, CR_EINVAL, "--count must be from 1 to %d",
		    KIDC_GENERATE_MAX);
	memset(&g, 0, sizeof g);
	g.s = s;
	g.want = count;
	while (g.made < g.want) {
		if ((rc = store_run(s->store, gen_txn, &g, e)) != CR_OK)
			break;
		if (fn)
			fn(arg, g.made, g.want);
	}
	st->generated = g.made;
	st->redrawn = g.redrawn;
	return rc;
}

/* --- counts --------------------------------------------------------------- */

static int
count_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	(void)k;
	(void)kl;
	(void)v;
	(void)vl;
	(*(size_t *)arg)++;
	return 0;
}

/*
 * Counted by reading every entry: read-committed, so that counting the
 * millions of codes of a national store holds no locks on them.
 */
int
kidc_pool_stats(struct session *s, struct kidc_stats *st, struct cr_err *e)
{
	struct txn *tx;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = authz_check(s, AZ_READ, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	if ((rc = store_scan(tx, ST_KIDC, "K", 1, count_visit, &st->generated,
	    e)) == CR_OK)
		rc = store_scan(tx, ST_KIDC, "F", 1, count_visit, &st->free, e);
	store_abort(tx);
	st->allocated = st->generated - st->free;
	return rc;
}
