/*
 * dedup.c -- 'civreg dedup': the register's likely duplicates, for review.
 *
 * The paper era left the same person registered more than once, under
 * other spellings and with typos in dates.  This file gives match.c's
 * engine the office's valid birth registrations (one per person), with
 * names folded by name.c so that spellings that mean the same compare
 * equal, and keeps the pairs it proposes in a review queue (review.db).
 * It decides nothing: a registrar looks at each pair side by side and
 * declares a decision, a record of the form match_decision ("same":
 * one person, known by one identity code; "different"), so decisions
 * are audited and replicate like any record, and a pair with a decision
 * -- made here or at any office -- is never proposed again.  Nothing is
 * ever deleted from the register.
 *
 * Contract: the run reads the register read-committed and writes the
 * new pairs and its audit entry in one transaction; a run that fails
 * changes nothing.  Roles: AZ_DEDUP for running and listing; deciding
 * is declaring a match_decision (its form's roles).
 *
 * review.db: key = the two record ids, lower first, each NUL-ended;
 * value = "RV", version 1, u32 posterior x 1e6, i64 weight x 1000, i64
 * time proposed (db/record-format.txt, 15).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define REVIEW_MAGIC	"RV"
#define REVIEW_VERSION	1

/* The fields compared, in this order (a schema's fields). */
enum { DF_NAME_KM, DF_NAME_LATIN, DF_SEX, DF_BORN, DF_MOTHER_KM,
	DF_MOTHER_LATIN, DF_FATHER_KM, DF_PLACE, DF_KIDC, DF_N };

static const struct match_field dedup_fields[DF_N] = {
	{ "name_km", MATCH_NAME, -1, 0 },
	{ "name_latin", MATCH_NAME, -1, 0 },
	{ "sex", MATCH_CAT, -1, 0 },
	{ "date_of_birth", MATCH_DATE, -1, 0 },
	{ "mother_name_km", MATCH_NAME, -1, 0 },
	{ "mother_name_latin", MATCH_NAME, -1, 0 },
	{ "father_name_km", MATCH_NAME, -1, 0 },
	{ "place_of_birth", MATCH_CODE, -1, 0 },
	{ "kidc", MATCH_CODE, -1, 0 },
};

/*
 * Blocking: the same identity code; the same birth date; the sound of
 * the child's Khmer or Latin name, or of the mother's, in the same year
 * of birth.  A typo in any one of these still leaves the pair in another.
 */
static const struct match_pass dedup_passes[] = {
	{ 1, { { DF_KIDC, MATCH_KEY_EXACT, 0 } } },
	{ 1, { { DF_BORN, MATCH_KEY_EXACT, 0 } } },
	{ 2, { { DF_NAME_KM, MATCH_KEY_PHONETIC, 0 },
	       { DF_BORN, MATCH_KEY_YEAR, 0 } } },
	{ 2, { { DF_NAME_LATIN, MATCH_KEY_PHONETIC, 0 },
	       { DF_BORN, MATCH_KEY_YEAR, 0 } } },
	{ 2, { { DF_MOTHER_KM, MATCH_KEY_PHONETIC, 0 },
	       { DF_BORN, MATCH_KEY_YEAR, 0 } } },
};

static const struct match_schema dedup_schema = {
	dedup_fields, DF_N, dedup_passes,
	sizeof dedup_passes / sizeof dedup_passes[0]
};

/* The review.db key of a pair: lower id first. */
static void
pair_key(struct buf *k, const char *a, const char *b)
{
	buf_reset(k);
	if (strcmp(a, b) > 0) {
		const char *t = a;

		a = b;
		b = t;
	}
	buf_add_cstr(k, a);
	buf_add_cstr(k, b);
}

/* --- decisions ----------------------------------------------------------- */

/* The pairs with a decision, as sorted review.db keys. */
struct decided {
	struct txn	*tx;
	struct keylist	 keys;
};

static int
decided_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct decided *d = arg;
	const char *a, *b;
	struct record r;
	struct cr_err e;
	struct buf rec, key;
	int rc;

	(void)k;
	(void)kl;
	buf_init(&rec);
	buf_init(&key);
	rec_init(&r);
	rc = store_get(d->tx, ST_RECORDS, v, vl, &rec, 0, &e);
	if (rc == CR_OK && rec_decode(rec.data, rec.len, &r, &e) == CR_OK &&
	    (a = rec_value(&r, "record_a")) != NULL &&
	    (b = rec_value(&r, "record_b")) != NULL) {
		pair_key(&key, a, b);
		keylist_add(&d->keys, key.data, key.len);
	}
	rec_free(&r);
	buf_free(&rec);
	buf_free(&key);
	return rc == CR_OK || rc == CR_ENOTFOUND ? 0 : -rc;
}

static int
keycmp(const void *pa, const void *pb)
{
	const struct buf *a = pa, *b = pb;
	int c = memcmp(a->data, b->data, a->len < b->len ? a->len : b->len);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int
decisions_load(struct txn *tx, struct decided *d, struct cr_err *e)
{
	const struct form *f = form_by_key("match_decision");
	unsigned char k[2];
	int rc;

	memset(d, 0, sizeof *d);
	d->tx = tx;
	if (f == NULL)
		return err_set(e, CR_EDB, "the form match_decision is missing");
	k[0] = RS_DECLARED;
	k[1] = (unsigned char)f->code;
	rc = store_index_scan(tx, SI_STATUS, k, 2, decided_visit, d, e);
	if (rc == CR_OK && d->keys.n > 1)
		qsort(d->keys.keys, d->keys.n, sizeof *d->keys.keys, keycmp);
	return rc;
}

static int
is_decided(const struct decided *d, const struct buf *key)
{
	return d->keys.n > 0 && bsearch(key, d->keys.keys, d->keys.n,
	    sizeof *d->keys.keys, keycmp) != NULL;
}

/* --- the run ------------------------------------------------------------- */

struct run {
	struct session		*s;
	const char		*area;
	int64_t			 since;		/* 0: every record */
	dedup_progress_fn	 progress;
	void			*arg;
	struct match_set	*set;
	char			(*ids)[REC_IDLEN];
	unsigned char		*recent;	/* created since --since */
	size_t			 n, cap;
	struct dedup_stats	*st;
};

/* A birth a person rests on: registered, certified or archived. */
static int
valid_birth(const struct record *r, int birth)
{
	return r->kind == birth && (r->status == RS_REGISTERED ||
	    r->status == RS_CERTIFIED || r->status == RS_ARCHIVED);
}

static int
in_area(const struct record *r, const char *area)
{
	const char *p = rec_value(r, "place_of_birth");
	const char *m = rec_value(r, "mother_residence");
	size_t n = strlen(area);

	return (p && strncmp(p, area, n) == 0) || (m && strncmp(m, area, n) ==
	    0);
}

static int
run_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct run *ru = arg;
	const struct form *birth = form_by_key("birth");
	struct buf folded[DF_N];
	const char *vals[DF_N];
	struct record r;
	struct cr_err e;
	int i;

	(void)k;
	(void)kl;
	rec_init(&r);
	if (rec_decode(v, vl, &r, &e) != CR_OK || birth == NULL ||
	    !valid_birth(&r, birth->code) || (ru->area && !in_area(&r,
	    ru->area))) {
		rec_free(&r);
		return 0;
	}
	for (i = 0; i < DF_N; i++) {
		const char *val = rec_value(&r, dedup_fields[i].name);

		buf_init(&folded[i]);
		vals[i] = NULL;
		if (val == NULL)
			continue;
		if (dedup_fields[i].type == MATCH_NAME) {
			name_fold(val, &folded[i]);	/* Sokh, Sok: one */
			buf_add_u8(&folded[i], 0);
			vals[i] = (const char *)folded[i].data;
		} else
			vals[i] = val;
	}
	match_add(ru->set, 0, vals);
	for (i = 0; i < DF_N; i++)
		buf_free(&folded[i]);
	if (ru->n == ru->cap) {
		ru->cap = ru->cap ? 2 * ru->cap : 1024;
		ru->ids = xrealloc(ru->ids, ru->cap * sizeof *ru->ids);
		ru->recent = xrealloc(ru->recent, ru->cap);
	}
	snprintf(ru->ids[ru->n], REC_IDLEN, "%s", r.id);
	ru->recent[ru->n] = ru->since == 0 || r.created >= ru->since;
	ru->n++;
	if (ru->progress && ru->n % 10000 == 0)
		ru->progress(ru->arg, "reading", ru->n, 0);
	rec_free(&r);
	return 0;
}

struct propose {
	struct run		*ru;
	struct match_result	*res;
	struct decided		*dec;
};

/* One pair into the queue; CR_EEXIST if it waits there already. */
static int
review_put(struct txn *tx, const char *a, const char *b, double posterior,
    double weight, struct cr_err *e)
{
	struct buf k, v;
	int rc;

	buf_init(&k);
	buf_init(&v);
	pair_key(&k, a, b);
	buf_add(&v, REVIEW_MAGIC, 2);
	buf_add_u8(&v, REVIEW_VERSION);
	buf_add_u32(&v, (uint32_t)(posterior * 1e6 + 0.5));
	buf_add_u64(&v, (uint64_t)(int64_t)(weight * 1000));
	buf_add_u64(&v, (uint64_t)cr_now());
	rc = store_put(tx, ST_REVIEW, k.data, k.len, v.data, v.len, 1, e);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

/*
 * A clerk's link at entry (likely.c): the pair waits for a registrar's
 * decision like any proposed one, with the entry's score as posterior.
 */
int
dedup_queue(struct txn *tx, const char *a, const char *b, double score,
    struct cr_err *e)
{
	int rc = review_put(tx, a, b, score, 0, e);

	if (rc == CR_EEXIST) {
		err_clear(e);
		rc = CR_OK;
	}
	return rc;
}

static int
propose_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct propose *p = arg;
	struct run *ru = p->ru;
	struct buf k;
	char detail[200];
	size_t i;
	int rc = CR_OK;

	buf_init(&k);
	ru->st->proposed = ru->st->queued = 0;
	for (i = 0; i < p->res->npairs; i++) {
		const struct match_pair *mp = &p->res->pairs[i];

		if (!ru->recent[mp->a] && !ru->recent[mp->b])
			continue;		/* both older than --since */
		pair_key(&k, ru->ids[mp->a], ru->ids[mp->b]);
		if (is_decided(p->dec, &k))
			continue;
		ru->st->proposed++;
		rc = review_put(tx, ru->ids[mp->a], ru->ids[mp->b],
		    mp->posterior, mp->weight, e);
		if (rc == CR_EEXIST) {		/* waiting for review already */
			err_clear(e);
			rc = CR_OK;
			continue;
		}
		if (rc != CR_OK)
			goto out;
		ru->st->queued++;
	}
	snprintf(detail, sizeof detail, "dedup: %zu births, %zu pairs "
	    "compared, %zu proposed, %zu new in the review queue",
	    ru->st->records, ru->st->compared, ru->st->proposed,
	    ru->st->queued);
	rc = audit_append(tx, ru->s->user, ru->s->office, AU_DEDUP, "",
	    detail, e);
out:
	buf_free(&k);
	return rc;
}

int
dedup_run(struct session *s, const char *since, const char *area,
    dedup_progress_fn progress, void *arg, struct dedup_stats *st,
    struct cr_err *e)
{
	struct match_result res;
	struct match_opts opts;
	struct propose p;
	struct decided dec;
	struct run ru;
	struct txn *tx;
	char why[128];
	int y, m, d, rc;

	memset(st, 0, sizeof *st);
	memset(&res, 0, sizeof res);
	memset(&dec, 0, sizeof dec);
	if ((rc = authz_check(s, AZ_DEDUP, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	memset(&ru, 0, sizeof ru);
	if (since && date_parse(since, &y, &m, &d, why, sizeof why) != 0)
		return err_set(e, CR_EINVAL, "--since '%s': %s", since, why);
	if (since)
		ru.since = (int64_t)date_days(y, m, d) * 86400;
	if (area && (strspn(area, "0123456789") != strlen(area) ||
	    strlen(area) < 2 || strlen(area) > 8 || strlen(area) % 2))
		return err_set(e, CR_EINVAL, "--area '%s': give a gazetteer "
		    "code of 2, 4, 6 or 8 digits", area);
	ru.s = s;
	ru.area = area;
	ru.progress = progress;
	ru.arg = arg;
	ru.st = st;
	ru.set = match_new(&dedup_schema, 0);
	if ((rc = store_begin_read(s->store, &tx, e)) == CR_OK) {
		rc = store_scan(tx, ST_RECORDS, NULL, 0, run_visit, &ru, e);
		if (rc == CR_OK)
			rc = decisions_load(tx, &dec, e);
		store_abort(tx);	/* read only */
	}
	if (rc != CR_OK)
		goto out;
	st->records = ru.n;
	if (progress)
		progress(arg, "comparing", ru.n, ru.n);
	match_opts_default(&opts);
	opts.threads = 2;
	if (match_run(ru.set, &opts, &res) != 0) {
		rc = err_set(e, CR_EDB, "de-duplication: the schema is invalid");
		goto out;
	}
	st->compared = res.candidates;
	/*
	 * More likely pairs than births: the weights learnt from these
	 * records tell no one apart (too few distinct names and dates), and
	 * queueing them would bury the reviewers -- and fill review.db in
	 * one transaction.  Nothing is queued.
	 */
	if (res.npairs > ru.n) {
		rc = err_set(e, CR_EINVAL, "%zu likely pairs among %zu births: "
		    "more pairs than births, so what was learnt from these "
		    "records does not tell people apart (too few distinct "
		    "names and dates); nothing was queued: run it on an area "
		    "(--area) or on recent births (--since)", res.npairs, ru.n);
		goto out;
	}
	p.ru = &ru;
	p.res = &res;
	p.dec = &dec;
	rc = store_run(s->store, propose_txn, &p, e);
out:
	match_result_free(&res);
	match_free(ru.set);
	keylist_free(&dec.keys);
	free(ru.ids);
	free(ru.recent);
	return rc;
}

/* --- the review queue ---------------------------------------------------- */

struct review {
	struct txn		*tx;
	struct decided		 dec;
	dedup_pair_fn		 fn;
	void			*arg;
	int			 stop;
};

static int
review_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct review *rv = arg;
	struct dedup_pair dp;
	struct buf key;
	struct rd rd;
	const unsigned char *m;
	struct cr_err e;
	size_t la;
	int rc = 0;

	memset(&dp, 0, sizeof dp);
	la = strnlen(k, kl);
	if (la + 1 >= kl || ((const char *)k)[kl - 1] != '\0' ||
	    la >= REC_IDLEN || kl - la - 2 >= REC_IDLEN)
		return 0;		/* verify reports it */
	buf_init(&key);
	buf_add(&key, k, kl);
	if (is_decided(&rv->dec, &key)) {
		buf_free(&key);
		return 0;
	}
	buf_free(&key);
	rd_init(&rd, v, vl);
	m = rd_bytes(&rd, 2);
	if (m == NULL || memcmp(m, REVIEW_MAGIC, 2) != 0 ||
	    rd_u8(&rd) != REVIEW_VERSION)
		return 0;
	dp.posterior = rd_u32(&rd) / 1e6;
	dp.weight = (double)(int64_t)rd_u64(&rd) / 1000;
	dp.proposed = (int64_t)rd_u64(&rd);
	rec_init(&dp.a);
	rec_init(&dp.b);
	if (regist_load(rv->tx, k, &dp.a, 0, &e) == CR_OK &&
	    regist_load(rv->tx, (const char *)k + la + 1, &dp.b, 0, &e) ==
	    CR_OK)
		rc = rv->fn(rv->arg, &dp);
	rec_free(&dp.a);
	rec_free(&dp.b);
	return rc != 0;
}

int
dedup_review(struct session *s, dedup_pair_fn fn, void *arg,
    struct cr_err *e)
{
	struct review rv;
	int rc;

	if ((rc = authz_check(s, AZ_DEDUP, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	memset(&rv, 0, sizeof rv);
	rv.fn = fn;
	rv.arg = arg;
	if ((rc = store_begin_read(s->store, &rv.tx, e)) != CR_OK)
		return rc;
	if ((rc = decisions_load(rv.tx, &rv.dec, e)) == CR_OK)
		rc = store_scan(rv.tx, ST_REVIEW, NULL, 0, review_visit, &rv,
		    e);
	store_abort(rv.tx);	/* read only */
	keylist_free(&rv.dec.keys);
	return rc;
}

/*
 * A decision declared (workflow_check_declaration, in its transaction):
 * two different records, and the pair leaves this office's queue.
 */
int
dedup_decision_check(struct txn *tx, struct record *r, struct cr_err *e)
{
	const char *a = rec_value(r, "record_a"), *b = rec_value(r,
	    "record_b"), *dec = rec_value(r, "decision");
	struct record ra, rb;
	struct buf k;
	const char *code;
	int rc;

	if (a == NULL || b == NULL || dec == NULL)
		return CR_OK;		/* the form said so already */
	if (strcmp(a, b) == 0)
		return err_add(e, CR_EINVAL, "record_b: %s is record_a too: "
		    "a decision is about two records", b);
	rec_init(&ra);
	rec_init(&rb);
	buf_init(&k);
	if ((rc = regist_load(tx, a, &ra, 0, e)) != CR_OK ||
	    (rc = regist_load(tx, b, &rb, 0, e)) != CR_OK)
		goto out;
	/* One person, one code: the first record's, else the second's. */
	if (strcmp(dec, "same") == 0 && rec_value(r, "kidc") == NULL &&
	    ((code = rec_value(&ra, "kidc")) != NULL ||
	    (code = rec_value(&rb, "kidc")) != NULL))
		rec_set(r, "kidc", code);
	pair_key(&k, a, b);
	rc = store_del(tx, ST_REVIEW, k.data, k.len, e);
	if (rc == CR_ENOTFOUND) {
		err_clear(e);
		rc = CR_OK;
	}
out:
	rec_free(&ra);
	rec_free(&rb);
	buf_free(&k);
	return rc;
}
