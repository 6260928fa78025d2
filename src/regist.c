/*
 * regist.c -- declaring, reading and finding civil records.
 *
 * A declaration is validated twice: against its form before any
 * transaction (so a clerk sees every bad field at once), then inside the
 * transaction against the store (place codes in the gazetteer, records
 * that a correction or permit refers to).  Writing a declaration puts the
 * record, its first history revision, a change-log entry for replication
 * and an audit entry in one transaction; the indexes follow by
 * themselves (store.c).  Reading a record is audited too, because who
 * looked at a person's civil status is itself a matter of record.
 *
 * Transaction functions may run more than once (store_run retries after a
 * deadlock), so they reset what they collect and print nothing; callers
 * show results only after the commit.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define SEQ_WIDTH	8

void
rec_history_free(struct rec_history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		rec_free(&h->revs[i]);
	free(h->revs);
	h->revs = NULL;
	h->n = 0;
}

int
regist_next_id(struct txn *tx, const char *office, char id[REC_IDLEN],
    struct cr_err *e)
{
	uint64_t seq;
	int rc;

	if ((rc = meta_next(tx, "seq.record", &seq, e)) != CR_OK)
		return rc;
	snprintf(id, REC_IDLEN, "%s-%0*llu", office, SEQ_WIDTH,
	    (unsigned long long)seq);
	return CR_OK;
}

static void
history_key(struct buf *k, const char *id, uint32_t rev)
{
	unsigned char r[4];

	buf_reset(k);
	buf_add_cstr(k, id);
	be32_put(r, rev);
	buf_add(k, r, 4);
}

/*
 * Writes a new revision: current value, history, change log.  Only an
 * office that may write the record (keys_authority: its owner, or the
 * district or province above it) changes it: another office holds a
 * copy from replication, and a change made there could never leave it
 * (no office accepts it), so that office would disagree for ever.
 */
int
regist_load(struct txn *tx, const char *id, struct record *r, int upd,
    struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = store_get(tx, ST_RECORDS, id, strlen(id), &b, upd, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ENOTFOUND, "no record %s in this store", id);
	if (rc == CR_OK)
		rc = rec_decode(b.data, b.len, r, e);
	buf_free(&b);
	return rc;
}

/*
 * history.db holds every revision of every record, under id NUL rev.
 * The current one is in records.db as well, and a record new to an
 * import or a digitized batch would be written twice -- a third of what
 * an import writes and logs.  So the current revision's history entry is
 * a mark, "CH" 1 and the SHA-256 of the revision, meaning "the one in
 * records.db, which has this digest" (so that verify still finds a
 * current record changed behind civreg's back); when a revision replaces
 * it, regist_history_demote() first writes its bytes there.  An entry of
 * a store written before this holds the current revision in full, which
 * reads the same.  regist_history_get() reads an entry either way.
 */
void
regist_history_mark(const void *enc, size_t len, struct buf *mark)
{
	unsigned char h[CRYPTO_HASHLEN];

	crypto_sha256(enc, len, h);
	buf_reset(mark);
	buf_add(mark, "CH\001", 3);
	buf_add(mark, h, sizeof h);
}

int
regist_history_is_mark(const void *v, size_t vl)
{
	return vl == 3 + CRYPTO_HASHLEN && memcmp(v, "CH\001", 3) == 0;
}

/* Whether a history entry, a mark or a revision in full, is revision enc. */
int
regist_history_holds(const void *v, size_t vl, const void *enc, size_t len)
{
	unsigned char h[CRYPTO_HASHLEN];

	if (!regist_history_is_mark(v, vl))
		return vl == len && memcmp(v, enc, len) == 0;
	crypto_sha256(enc, len, h);
	return memcmp((const unsigned char *)v + 3, h, sizeof h) == 0;
}

/*
 * A revision by its history key, in full: for a mark, the record in
 * records.db, which must be the marked revision (its digest says so, and
 * the digest covers the revision number).
 */
int
regist_history_get(struct txn *tx, const void *key, size_t klen,
    struct buf *val, struct cr_err *e)
{
	unsigned char mark[3 + CRYPTO_HASHLEN];
	size_t idlen = strnlen(key, klen);
	int rc;

	if ((rc = store_get(tx, ST_HISTORY, key, klen, val, 0, e)) != CR_OK ||
	    !regist_history_is_mark(val->data, val->len))
		return rc;
	if (idlen + 5 != klen)
		return err_set(e, CR_ECORRUPT, "history.db: a key of %zu bytes "
		    "is not a record id and a revision", klen);
	memcpy(mark, val->data, sizeof mark);
	rc = store_get(tx, ST_RECORDS, key, idlen, val, 0, e);
	if (rc == CR_ENOTFOUND)
		return err_set(e, CR_ECORRUPT, "history.db: revision %u of "
		    "%.*s is marked current, and there is no such record",
		    (unsigned)be32_get((const unsigned char *)key + idlen + 1),
		    (int)idlen, (const char *)key);
	if (rc == CR_OK && !regist_history_holds(mark, sizeof mark,
	    val->data, val->len))
		rc = err_set(e, CR_ECORRUPT, "records.db: record %.*s differs "
		    "from the current record its history names (revision %u, "
		    "another SHA-256): run 'civreg verify'", (int)idlen,
		    (const char *)key, (unsigned)be32_get((const unsigned
		    char *)key + idlen + 1));
	return rc;
}

/* The current revision of id, about to be replaced, kept in full. */
int
regist_history_demote(struct txn *tx, const char *id, struct cr_err *e)
{
	struct buf v, k;
	struct record r;
	int rc;

	buf_init(&v);
	buf_init(&k);
	if ((rc = store_get(tx, ST_RECORDS, id, strlen(id), &v, 1, e)) ==
	    CR_OK && (rc = rec_decode(v.data, v.len, &r, e)) == CR_OK) {
		history_key(&k, id, r.rev);
		rc = store_put(tx, ST_HISTORY, k.data, k.len, v.data, v.len, 0,
		    e);
		rec_free(&r);
	}
	if (rc == CR_ENOTFOUND)		/* new here: nothing to keep */
		rc = CR_OK;
	buf_free(&v);
	buf_free(&k);
	return rc;
}

/* A current revision's history mark and its change-log entry seq. */
static int
put_history(struct txn *tx, const struct record *r, const struct buf *v,
    uint64_t seq, struct cr_err *e)
{
	struct buf k, m;
	unsigned char seqk[8];
	int rc;

	buf_init(&k);
	buf_init(&m);
	history_key(&k, r->id, r->rev);
	regist_history_mark(v->data, v->len, &m);
	if ((rc = store_put(tx, ST_HISTORY, k.data, k.len, m.data, m.len, 1,
	    e)) == CR_OK) {
		be64_put(seqk, seq);
		rc = store_put(tx, ST_CHANGES, seqk, 8, k.data, k.len, 1, e);
	}
	buf_free(&k);
	buf_free(&m);
	return rc;
}

int
regist_put_revision(struct txn *tx, const struct record *r, int create,
    struct cr_err *e)
{
	struct buf v;
	char here[OFFICE_LEN];
	uint64_t seq;
	int rc, level;

	if ((rc = office_info(tx, here, &level, e)) != CR_OK)
		return rc;
	if (!keys_authority(here, r->office))
		return err_set(e, CR_EPERM, "record %s belongs to office %s: "
		    "this office (%s) holds a copy and may not change it, since "
		    "no other office would accept the change; office %s or its "
		    "province does it", r->id, r->office, here, r->office);
	buf_init(&v);
	rec_encode(r, &v);
	if ((create || (rc = regist_history_demote(tx, r->id, e)) == CR_OK) &&
	    (rc = store_put(tx, ST_RECORDS, r->id, strlen(r->id), v.data,
	    v.len, create, e)) == CR_OK &&
	    (rc = meta_next(tx, "seq.change", &seq, e)) == CR_OK)
		rc = put_history(tx, r, &v, seq, e);
	buf_free(&v);
	return rc;
}

/*
 * A record new to the store, written by its own office in bulk
 * (digitize.c): as regist_put_revision, but through store_put_fresh, whose
 * index entries are written sorted at the end of the transaction, and
 * with the counters of the bulk.
 */
static int
put_fresh(struct txn *tx, const struct record *r, struct regist_bulk *bk,
    struct cr_err *e)
{
	struct buf v;
	int rc;

	buf_init(&v);
	rec_encode(r, &v);
	if ((rc = store_put_fresh(tx, r, v.data, v.len, e)) == CR_OK)
		rc = put_history(tx, r, &v, ++bk->change, e);
	buf_free(&v);
	return rc;
}

/*
 * The record and change counters of a bulk load, read once and written
 * back once a transaction (meta_next for each of thousands of records
 * would read and write the same meta.db page each time).
 */
static int
bulk_begin(struct txn *tx, struct regist_bulk *bk, struct cr_err *e)
{
	int rc;

	if (bk->open)
		return CR_OK;
	if ((rc = meta_get_u64(tx, "seq.record", &bk->record, 1, e)) !=
	    CR_OK || (rc = meta_get_u64(tx, "seq.change", &bk->change, 1,
	    e)) != CR_OK)
		return rc;
	bk->open = 1;
	return CR_OK;
}

int
regist_bulk_end(struct txn *tx, struct regist_bulk *bk, struct cr_err *e)
{
	int rc;

	if (!bk->open)
		return CR_OK;
	if ((rc = meta_put_u64(tx, "seq.record", bk->record, e)) != CR_OK ||
	    (rc = meta_put_u64(tx, "seq.change", bk->change, e)) != CR_OK ||
	    (rc = kidc_bulk_end(tx, &bk->kidc, e)) != CR_OK)
		return rc;
	bk->open = 0;
	return CR_OK;
}

void
regist_bulk_free(struct regist_bulk *bk)
{
	kidc_bulk_free(&bk->kidc);
	free(bk->places);
	bk->places = NULL;
	bk->nplaces = bk->capplaces = 0;
	bk->gaz = 0;
}

struct declare {
	struct session		*s;
	const struct form	*f;
	const struct kv		*kv;
	size_t			 n;
	char			 id[REC_IDLEN];
	const struct record	*prev;	/* amending: the rejected revision */
	const char *const	*links;	/* records found at entry, linked */
	size_t			 nlinks;
};

/* A reference the previous revision already had was checked then. */
static int
unchanged(const struct record *prev, const char *key, const char *v)
{
	const char *was = prev ? rec_value(prev, key) : NULL;

	return was && strcmp(was, v) == 0;
}

/*
 * A field naming another record: it must exist, and be of the form and
 * in a status the field asks for (a burial permit only from a registered
 * death).  Problems are added to e as CR_EINVAL lines.
 */
static int
check_ref(struct txn *tx, const struct form *f, const struct form_field *ff,
    const char *v, struct cr_err *e)
{
	const struct form *tf;
	struct record r;
	struct cr_err de;
	struct buf b;
	int rc;

	buf_init(&b);
	rc = store_get(tx, ST_RECORDS, v, strlen(v), &b, 0, e);
	if (rc == CR_ENOTFOUND) {
		buf_free(&b);
		return err_add(e, CR_EINVAL, "%s: '%s' is not a record in this "
		    "store: check the record id", ff->key, v);
	}
	if (rc == CR_OK && (rc = rec_decode(b.data, b.len, &r, &de)) !=
	    CR_OK)
		err_set(e, rc, "%s: record %s is damaged: %s", ff->key, v,
		    de.msg);
	if (rc != CR_OK) {
		buf_free(&b);
		return rc;
	}
	buf_free(&b);
	tf = form_by_code(r.kind);
	if (ff->refkind && (tf == NULL || strcmp(tf->key, ff->refkind) != 0))
		err_add(e, CR_EINVAL, "%s: '%s' is a %s record, not a %s: a %s "
		    "is made only from a %s record", ff->key, v, tf ? tf->key :
		    "?", ff->refkind, f->title_en, ff->refkind);
	else if (ff->refstatus) {
		const char *st = rec_status_name(r.status);

		if (!str_in_list(ff->refstatus, st))
			err_add(e, CR_EINVAL, "%s: %s is %s: %s %s is made only "
			    "from a record that is %s", ff->key, v, st,
			    strchr("AEIOU", f->title_en[0]) ? "an" : "a",
			    f->title_en, ff->refstatus);
	}
	rec_free(&r);
	return e->code == CR_OK ? CR_OK : CR_EINVAL;
}

/* Checks that need the store: gazetteer codes and referenced records. */
/*
 * A bulk load asks the gazetteer about the same few thousand places
 * again and again: each code found is remembered for the rest of the
 * transaction (which sees the gazetteer as it was when it began), as a
 * number -- its digits, and their count above them -- in a small open
 * addressing set.  0 for a code that is not all digits, or too long.
 */
static uint64_t
place_num(const char *v)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' || i >= 15)
			return 0;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	return i == 0 ? 0 : n | (uint64_t)i << 56;
}

static size_t
place_slot(const struct regist_bulk *bk, uint64_t n)
{
	size_t i = (size_t)((n * 0x9e3779b97f4a7c15ull) >> 20) &
	    (bk->capplaces - 1);

	while (bk->places[i] != 0 && bk->places[i] != n)
		i = (i + 1) & (bk->capplaces - 1);
	return i;
}

static int
place_known(const struct regist_bulk *bk, uint64_t n)
{
	return n != 0 && bk->capplaces > 0 && bk->places[place_slot(bk, n)] ==
	    n;
}

static void
place_remember(struct regist_bulk *bk, uint64_t n)
{
	uint64_t *old = bk->places;
	size_t i, oldcap = bk->capplaces;

	if (n == 0)
		return;
	if (2 * (bk->nplaces + 1) > bk->capplaces) {	/* at most half full */
		bk->capplaces = oldcap ? 2 * oldcap : 1024;
		bk->places = xcalloc(bk->capplaces, sizeof *bk->places);
		for (i = 0; i < oldcap; i++)
			if (old[i] != 0)
				bk->places[place_slot(bk, old[i])] = old[i];
		free(old);
	}
	i = place_slot(bk, n);
	if (bk->places[i] == 0) {
		bk->places[i] = n;
		bk->nplaces++;
	}
}

static int
check_in_store(struct txn *tx, struct declare *d, struct regist_bulk *bk,
    struct cr_err *e)
{
	struct place p;
	size_t i, hint = 0;
	uint64_t pn;
	int loaded, rc;

	if (bk && bk->gaz != 0)
		loaded = bk->gaz > 0;
	else if ((loaded = gazetteer_loaded(tx, e)) < 0)
		return -loaded;
	if (bk)
		bk->gaz = loaded ? 1 : -1;
	for (i = 0; i < d->n; i++) {
		const struct form_field *ff = form_field_next(d->f,
		    d->kv[i].key, &hint);
		const char *v = d->kv[i].value;

		if (v[0] == '\0')
			continue;
		if (ff->type == FT_PLACE && loaded) {
			pn = bk ? place_num(v) : 0;
			if (place_known(bk, pn))
				continue;
			rc = gazetteer_get(tx, v, &p, e);
			if (rc == CR_ENOTFOUND)
				err_add(e, CR_EINVAL, "%s: '%s' is not a place "
				    "in the gazetteer: check the code", ff->key,
				    v);
			else if (rc != CR_OK)
				return rc;
			else if (bk)
				place_remember(bk, pn);
			place_free(&p);
		} else if (ff->type == FT_REF && !unchanged(d->prev, ff->key,
		    v)) {
			if ((rc = check_ref(tx, d->f, ff, v, e)) != CR_OK &&
			    rc != CR_EINVAL)
				return rc;
		}
	}
	return e->code;
}

/*
 * A declaration that names a health notice takes it out of the notices
 * queue: the notice becomes linked, in the same transaction.
 */
/* A notice's new status, linked to (or unlinked from) declaration id. */
static int
set_notice(struct txn *tx, struct session *s, const char *nid, int status,
    const char *id, struct cr_err *e)
{
	char detail[96];
	struct record n;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_init(&n);
	if ((rc = store_get(tx, ST_RECORDS, nid, strlen(nid), &b, 1, e)) ==
	    CR_OK && (rc = rec_decode(b.data, b.len, &n, e)) == CR_OK) {
		n.status = status;
		n.action = RA_LINK;
		n.rev++;
		n.time = (int64_t)cr_now();
		snprintf(n.author, sizeof n.author, "%s", s->user);
		free(n.note);
		snprintf(detail, sizeof detail, "%s%s", status == RS_LINKED ?
		    "" : "unlinked from ", id);
		n.note = xstrdup(detail);
		rec_vv_bump(&n, s->office);
		rc = regist_put_revision(tx, &n, 0, e);
	}
	snprintf(detail, sizeof detail, status == RS_LINKED ? "link: now "
	    "linked to %s" : "unlink: now notified again; %s no longer names "
	    "it", id);
	if (rc == CR_OK)
		rc = audit_append(tx, s->user, s->office, AU_WORKFLOW, nid,
		    detail, e);
	rec_free(&n);
	buf_free(&b);
	return rc;
}

/*
 * The health notices a declaration names are linked to it; amending,
 * a notice it no longer names goes back to the queue (notified), and
 * one it names anew is linked.
 */
static int
link_notices(struct txn *tx, struct session *s, const struct record *r,
    const struct record *prev, struct cr_err *e)
{
	const struct form *f = form_by_code(r->kind), *nf;
	size_t i;
	int rc = CR_OK;

	for (i = 0; f && rc == CR_OK && i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];
		const char *v = rec_value(r, ff->key);
		const char *was = prev ? rec_value(prev, ff->key) : NULL;

		if (ff->type != FT_REF || ff->refkind == NULL ||
		    (nf = form_by_key(ff->refkind)) == NULL ||
		    nf->cls != FC_NOTICE)
			continue;
		if (was && (v == NULL || strcmp(v, was) != 0))
			rc = set_notice(tx, s, was, RS_NOTIFIED, r->id, e);
		if (rc == CR_OK && v && !unchanged(prev, ff->key, v))
			rc = set_notice(tx, s, v, RS_LINKED, r->id, e);
	}
	return rc;
}

/* A notice past the legal period of its event with no registration. */
int
regist_overdue(struct session *s, const struct record *r)
{
	const struct form *f = form_by_code(r->kind), *ef;
	char key[64], why[128];
	const char *v;
	int y, m, d;

	if (f == NULL || f->cls != FC_NOTICE || r->status != RS_NOTIFIED ||
	    f->date_field == NULL || (v = rec_value(r, f->date_field)) == NULL ||
	    date_parse(v, &y, &m, &d, why, sizeof why) != 0)
		return 0;
	snprintf(key, sizeof key, "%.*s", (int)(strlen(f->key) > 7 ?
	    strlen(f->key) - 7 : 0), f->key);	/* birth_notice -> birth */
	if ((ef = form_by_key(key)) == NULL)
		return 0;
	return date_today() - date_days(y, m, d) > workflow_period_of(s, ef);
}

/*
 * The record's fields from kv, in form order; identity codes as digits.
 * kv may point into r's old fields: they are freed only at the end.
 */
static void
fill_fields(struct record *r, const struct form *f, const struct kv *kv,
    size_t n)
{
	struct kv *nf = xcalloc(n + 1, sizeof *nf);
	size_t i, j, k = 0, *pos = xcalloc(f->nfields + 1, sizeof *pos);

	/* In form order; the pairs were validated, so each key is once. */
	form_kv_positions(f, kv, n, pos);
	for (i = 0; i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];
		char code[KIDC_LEN + 1], why[160];

		if (pos[i] == 0 || kv[(j = pos[i] - 1)].value[0] == '\0')
			continue;
		nf[k].key = xstrdup(ff->key);
		if (ff->type == FT_KIDC && kidc_normalize(kv[j].value, code,
		    why, sizeof why) == 0)
			nf[k].value = xstrdup(code);
		else
			nf[k].value = xstrdup(kv[j].value);
		k++;
	}
	free(pos);
	for (i = 0; i < r->nfields; i++) {
		free(r->fields[i].key);
		free(r->fields[i].value);
	}
	free(r->fields);
	r->fields = nf;
	r->nfields = k;
}

/*
 * A record found at entry and linked (likely.c): the person of this
 * declaration it is closest to takes that person's identity code, if the
 * form lets a declaration fill it and the record has one; otherwise the
 * pair waits in the review queue for a registrar's decision, which is
 * what makes two records one person (dedup.c).  *review is set then.
 */
#define LINK_FLOOR	0.5	/* below: a mistyped id, not a person */

static int
link_one(struct txn *tx, struct declare *d, struct record *r,
    const char *id, double *review, struct buf *detail, struct cr_err *e)
{
	const struct form *lf;
	struct record l;
	const char *code = NULL, *field;
	double best = 0, sc;
	int p, bp = -1, q, bq = -1, rc;

	*review = -1;
	rec_init(&l);
	if ((rc = regist_load(tx, id, &l, 0, e)) != CR_OK)
		goto out;
	lf = form_by_code(l.kind);
	if ((rc = authz_check(d->s, AZ_READ, lf, e)) != CR_OK)
		goto out;
	for (p = 0; p < (int)d->f->npersons; p++)
		if ((sc = likely_score(d->f, p, r, &l, &q)) > best) {
			best = sc;
			bp = p;
			bq = q;
		}
	if (bp < 0 || best < LINK_FLOOR) {
		rc = err_set(e, CR_EINVAL, "--link %s: no person of that "
		    "record is like one in this %s (score %.2f): check the id "
		    "against the likely matches shown", id, d->f->key, best);
		goto out;
	}
	field = d->f->persons[bp].kidc;
	if (lf->persons[bq].kidc)
		code = rec_value(&l, lf->persons[bq].kidc);
	if (field && code && *code && rec_value(r, field) == NULL &&
	    (d->f->issue_field == NULL || strcmp(field, d->f->issue_field))) {
		rec_set(r, field, code);
		buf_add(detail, "; ", 2);
		buf_add(detail, field, strlen(field));
		buf_add(detail, " from ", 6);
	} else {
		*review = best;
		buf_add(detail, "; for review with ", 18);
	}
	buf_add(detail, id, strlen(id));
out:
	rec_free(&l);
	return rc;
}

static int
declare_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct declare *d = arg;
	struct record r;
	struct buf detail;
	double review[FORM_MAX_PERSONS];
	size_t i;
	int rc;

	if ((rc = check_in_store(tx, d, NULL, e)) != CR_OK)
		return rc;
	rec_init(&r);
	if ((rc = regist_next_id(tx, d->s->office, d->id, e)) != CR_OK)
		return rc;
	snprintf(r.id, sizeof r.id, "%s", d->id);
	r.kind = d->f->code;
	r.status = d->f->cls == FC_NOTICE ? RS_NOTIFIED : RS_DECLARED;
	r.action = d->f->cls == FC_NOTICE ? RA_NOTIFY : RA_DECLARE;
	r.rev = 1;
	r.time = r.created = (int64_t)cr_now();
	snprintf(r.office, sizeof r.office, "%s", d->s->office);
	snprintf(r.author, sizeof r.author, "%s", d->s->user);
	r.note = xstrdup("");
	rec_vv_bump(&r, d->s->office);
	fill_fields(&r, d->f, d->kv, d->n);
	r.flags = (unsigned)rec_place_flags(&r, d->s->office);
	buf_init(&detail);
	buf_add(&detail, d->f->key, strlen(d->f->key));
	buf_add(&detail, d->f->cls == FC_NOTICE ? " notified" : " declared",
	    9);
	rc = CR_OK;
	for (i = 0; rc == CR_OK && i < d->nlinks; i++)
		rc = link_one(tx, d, &r, d->links[i], &review[i], &detail, e);
	if (rc == CR_OK)
		rc = workflow_check_declaration(tx, &r, e);
	if (rc == CR_OK)
		rc = regist_put_revision(tx, &r, 1, e);
	if (rc == CR_OK)
		rc = link_notices(tx, d->s, &r, NULL, e);
	for (i = 0; rc == CR_OK && i < d->nlinks; i++)
		if (review[i] >= 0)
			rc = dedup_queue(tx, r.id, d->links[i], review[i], e);
	rec_free(&r);
	buf_add_u8(&detail, 0);
	if (rc == CR_OK)
		rc = audit_append(tx, d->s->user, d->s->office, AU_DECLARE,
		    d->id, (const char *)detail.data, e);
	buf_free(&detail);
	return rc;
}

static int
check_tx(struct txn *tx, struct session *s, const struct form *f,
    const struct kv *kv, size_t n, int checked, struct regist_bulk *bk,
    struct cr_err *e)
{
	struct declare d;
	int rc;

	if (!checked && (rc = form_validate(f, kv, n, e)) != CR_OK)
		return rc;
	memset(&d, 0, sizeof d);
	d.s = s;
	d.f = f;
	d.kv = kv;
	d.n = n;
	return check_in_store(tx, &d, bk, e);
}

int
regist_check_tx(struct txn *tx, struct session *s, const struct form *f,
    const struct kv *kv, size_t n, struct cr_err *e)
{
	return check_tx(tx, s, f, kv, n, 0, NULL, e);
}

int
regist_check(struct session *s, const struct form *f, const struct kv *kv,
    size_t n, struct cr_err *e)
{
	struct txn *tx;
	int rc;

	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	rc = regist_check_tx(tx, s, f, kv, n, e);
	store_abort(tx);	/* read only */
	return rc;
}

/*
 * A record keyed from a paper register (digitize.c), in the caller's
 * transaction: checked as a declaration is (regist_check_tx, then the
 * workflow's rules: its identity code is issued, not keyed), then stored
 * registered, by action digitize, with the note saying where it came
 * from; registration issues its identity code, or it waits for a pool.
 */
int
regist_put_digitized(struct txn *tx, struct session *s, const struct form *f,
    const struct kv *kv, size_t n, const char *note, int checked,
    char id[REC_IDLEN],
    struct kidc_issue *is, struct regist_bulk *bk, int *refused,
    struct cr_err *e)
{
	struct record r;
	int rc;

	memset(is, 0, sizeof *is);
	*refused = 1;		/* until the checks pass: nothing written */
	if ((rc = check_tx(tx, s, f, kv, n, checked, bk, e)) != CR_OK)
		return rc;
	rec_init(&r);
	if ((rc = bulk_begin(tx, bk, e)) != CR_OK)
		return rc;
	snprintf(id, REC_IDLEN, "%s-%0*llu", s->office, SEQ_WIDTH,
	    (unsigned long long)(bk->record + 1));
	snprintf(r.id, sizeof r.id, "%s", id);
	r.kind = f->code;
	r.status = RS_DECLARED;		/* as checked, then registered */
	r.action = RA_DIGITIZE;
	r.rev = 1;
	r.time = r.created = (int64_t)cr_now();
	snprintf(r.office, sizeof r.office, "%s", s->office);
	snprintf(r.author, sizeof r.author, "%s", s->user);
	r.note = xstrdup(note);
	rec_vv_bump(&r, s->office);
	fill_fields(&r, f, kv, n);
	r.flags = (unsigned)rec_place_flags(&r, s->office);
	if ((rc = workflow_check_declaration(tx, &r, e)) == CR_OK) {
		*refused = 0;	/* from here on, a failure is the store's */
		r.status = RS_REGISTERED;
		bk->kidc.fresh = 1;
		rc = kidc_pool_issue_bulk(tx, &r, is, &bk->kidc, e);
	}
	if (rc == CR_OK)
		rc = put_fresh(tx, &r, bk, e);
	/* An issued code is tied to the change that carries it. */
	if (rc == CR_OK)
		rc = kidc_pool_issued_at(tx, &r, is, bk->change, e);
	if (rc == CR_OK)
		bk->record++;		/* a row refused takes no number */
	rec_free(&r);
	return rc;
}

int
regist_declare(struct session *s, const char *kind, const struct kv *kv,
    size_t n, char id[REC_IDLEN], struct cr_err *e)
{
	return regist_declare_linked(s, kind, kv, n, NULL, 0, id, e);
}

int
regist_declare_linked(struct session *s, const char *kind,
    const struct kv *kv, size_t n, const char *const *links, size_t nlinks,
    char id[REC_IDLEN], struct cr_err *e)
{
	struct declare d;
	size_t i, j;
	int rc;

	memset(&d, 0, sizeof d);
	id[0] = '\0';
	if ((d.f = form_by_key(kind)) == NULL)
		return err_set(e, CR_EINVAL, "unknown form '%s': 'civreg forms' "
		    "lists the forms", kind);
	if ((rc = authz_check(s, AZ_DECLARE, d.f, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (nlinks > d.f->npersons)
		return err_set(e, CR_EINVAL, "%zu link(s), and form %s is about "
		    "%zu person(s): link each person to one record at most",
		    nlinks, d.f->key, d.f->npersons);
	if ((rc = form_validate(d.f, kv, n, e)) != CR_OK)
		return rc;
	for (i = 0; i < nlinks; i++)
		for (j = 0; j < i; j++)
			if (strcmp(links[i], links[j]) == 0)
				return err_set(e, CR_EINVAL, "--link %s is given "
				    "twice", links[i]);
	d.s = s;
	d.kv = kv;
	d.n = n;
	d.links = links;
	d.nlinks = nlinks;
	if ((rc = store_run(s->store, declare_txn, &d, e)) == CR_OK)
		snprintf(id, REC_IDLEN, "%s", d.id);
	return rc;
}

struct show {
	struct session		*s;
	const char		*id;
	struct record		*r;
	struct rec_history	*h;
	struct txn		*tx;
};

static int
history_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct show *sh = arg;
	struct cr_err e;

	struct buf cur;
	int rc;

	sh->h->revs = xrealloc(sh->h->revs, (sh->h->n + 1) *
	    sizeof *sh->h->revs);
	buf_init(&cur);
	if (regist_history_is_mark(v, vl) &&
	    regist_history_get(sh->tx, k, kl, &cur, &e) == CR_OK) {
		v = cur.data;	/* the current revision */
		vl = cur.len;
	}
	rc = rec_decode(v, vl, &sh->h->revs[sh->h->n], &e);
	buf_free(&cur);
	if (rc != CR_OK)
		return 0;	/* verify reports it; show what can be read */
	sh->h->n++;
	return 0;
}

static int
show_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct show *sh = arg;
	struct buf b, k;
	int rc;

	rec_free(sh->r);
	rec_history_free(sh->h);
	buf_init(&b);
	buf_init(&k);
	rc = store_get(tx, ST_RECORDS, sh->id, strlen(sh->id), &b, 0, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ENOTFOUND, "no record %s in this store: "
		    "'civreg search' finds records by name", sh->id);
	if (rc == CR_OK)
		rc = rec_decode(b.data, b.len, sh->r, e);
	if (rc == CR_OK)
		rc = authz_check(sh->s, AZ_READ, form_by_code(sh->r->kind), e);
	/* A health facility reads back only the notices it sent. */
	if (rc == CR_OK && sh->s->role == ROLE_HEALTH &&
	    strcmp(sh->r->author, sh->s->user) != 0)
		rc = err_set(e, CR_EPERM, "user %s (role health) may read only "
		    "the notices it sent; %s was entered by another user",
		    sh->s->user, sh->id);
	if (rc == CR_OK) {
		buf_add_cstr(&k, sh->id);
		sh->tx = tx;
		rc = store_scan(tx, ST_HISTORY, k.data, k.len, history_visit,
		    sh, e);
	}
	if (rc == CR_OK)
		rc = audit_append(tx, sh->s->user, sh->s->office, AU_READ,
		    sh->id, "record shown", e);
	buf_free(&b);
	buf_free(&k);
	return rc;
}

int
regist_show(struct session *s, const char *id, struct record *r,
    struct rec_history *h, struct cr_err *e)
{
	struct show sh = { s, id, r, h, NULL };
	int rc;

	rec_init(r);
	memset(h, 0, sizeof *h);
	/* Roles that read nothing learn nothing, not even that it exists. */
	if (s->role != ROLE_HEALTH &&
	    (rc = authz_check(s, AZ_READ, NULL, e)) != CR_OK) {
		audit_denied(s, id, e);
		return rc;
	}
	if (!rec_id_valid(id))
		return err_set(e, CR_EINVAL, "'%s' is not a record id: write it "
		    "as OFFICE-NUMBER, e.g. 120101-00000042", id);
	rc = store_run(s->store, show_txn, &sh, e);
	if (rc == CR_EPERM)
		audit_denied(s, id, e);
	if (rc != CR_OK) {
		rec_free(r);
		rec_history_free(h);
	}
	return rc;
}

/* --- search ------------------------------------------------------------ */
/*
 * A record is found when every query token begins one of its name
 * tokens.  Several tokens are first looked up whole, all together: the
 * records that have each of them, found by intersecting their entries'
 * sorted ids however common each is; when these are enough to rank,
 * they are the candidates.  Otherwise the rarest token (by the btree's
 * own estimate) is looked up as a prefix in the name index, giving a
 * sorted set of record ids; they are read lowest first and checked
 * against the other tokens, up to the limit.  All this runs in a
 * read-committed transaction, so a search over a large register neither
 * fills the lock table nor blocks the other terminals; the search is
 * audited in a transaction of its own before anything is shown.
 */

/*
 * A name that begins a hundred thousand records is no search: it is
 * refused (type more of the name) rather than read, which keeps a
 * search fast and its memory small on a large register.
 */
#define SEARCH_MAX_CANDIDATES	100000
/*
 * Up to SEARCH_RANK records whose names match are read and ranked, so
 * that the best of them come first whatever their ids; the candidates
 * come exact names first (idvec_unique_stable), so these are the best
 * ones.  No search reads more than SEARCH_READS records: on a register
 * of millions each is a page read, and a clerk is waiting.
 */
#define SEARCH_RANK	300
#define SEARCH_READS	600

struct idvec {
	char	(*v)[REC_IDLEN];
	size_t	  n, cap;
	int	  full;		/* stopped at max */
	size_t	  max;		/* 0: SEARCH_MAX_CANDIDATES */
};

static void
idvec_add(struct idvec *iv, const void *id, size_t len)
{
	if (len >= REC_IDLEN)
		return;		/* not an id of ours: verify reports it */
	if (iv->n == iv->cap) {
		iv->cap = iv->cap ? iv->cap * 2 : 256;
		iv->v = xrealloc(iv->v, iv->cap * sizeof *iv->v);
	}
	memcpy(iv->v[iv->n], id, len);
	iv->v[iv->n++][len] = '\0';
}

static void
idvec_swap(struct idvec *a, struct idvec *b)
{
	struct idvec t = *a;

	*a = *b;
	*b = t;
}

static int
idvec_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct idvec *iv = arg;

	(void)k;
	(void)kl;
	if (iv->n >= (iv->max ? iv->max : SEARCH_MAX_CANDIDATES)) {
		iv->full = 1;
		return 1;
	}
	idvec_add(iv, v, vl);
	return 0;
}

/*
 * A queue key (status, kind) holds its record ids in order (DUPSORT), so
 * the lowest `limit` of a queue are among the first `limit` of each key.
 */
struct qscan {
	struct idvec	*acc;
	size_t		 limit;
	unsigned char	 key[2];
	size_t		 inkey;
};

static int
queue_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct qscan *q = arg;

	if (kl != 2)
		return 0;
	if (memcmp(k, q->key, 2) != 0) {
		memcpy(q->key, k, 2);
		q->inkey = 0;
	}
	if (q->inkey++ < q->limit)
		idvec_add(q->acc, v, vl);
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
idvec_sort_unique(struct idvec *iv)
{
	size_t i, o = 0;

	if (iv->n > 1)
		qsort(iv->v, iv->n, sizeof *iv->v, id_cmp);
	for (i = 0; i < iv->n; i++)
		if (o == 0 || strcmp(iv->v[o - 1], iv->v[i]) != 0)
			memmove(iv->v[o++], iv->v[i], REC_IDLEN);
	iv->n = o;
}

/*
 * Each id once, in the order found: an index scan from a name's prefix
 * meets the names equal to it first, so the exact matches are read
 * first.  sorted gets the same ids by id, for lookups.
 */
static void
idvec_unique_stable(struct idvec *iv, struct idvec *sorted)
{
	unsigned char *seen;
	const char (*at)[REC_IDLEN];
	size_t i, o = 0;

	sorted->n = 0;
	for (i = 0; i < iv->n; i++)
		idvec_add(sorted, iv->v[i], strlen(iv->v[i]));
	idvec_sort_unique(sorted);
	seen = xcalloc(sorted->n ? sorted->n : 1, 1);
	for (i = 0; i < iv->n; i++) {
		at = bsearch(iv->v[i], sorted->v, sorted->n, sizeof *sorted->v,
		    id_cmp);
		if (at == NULL || seen[at - sorted->v])
			continue;
		seen[at - sorted->v] = 1;
		if (o != i)
			memmove(iv->v[o], iv->v[i], REC_IDLEN);
		o++;
	}
	iv->n = o;
	free(seen);
}

/* Keeps the ids of iv that are (keep 1) or are not (keep 0) in set. */
static void
idvec_filter(struct idvec *iv, const struct idvec *set, int keep)
{
	size_t i, o = 0;

	for (i = 0; i < iv->n; i++) {
		int in = set->n > 0 && bsearch(iv->v[i], set->v, set->n,
		    sizeof *set->v, id_cmp) != NULL;

		if (in != keep)
			continue;
		if (o != i)
			memmove(iv->v[o], iv->v[i], REC_IDLEN);
		o++;
	}
	iv->n = o;
}

struct search {
	struct session	*s;
	const char	*text;
	struct keylist	 q;		/* folded query tokens */
	struct buf	*qk;		/* the phonetic key of each, or empty */
	int		 names;		/* a name query (not id or KIDC) */
	unsigned char	 qkey[2];	/* a queue: status, kind (or none) */
	size_t		 qlen;
	const struct search_query *crit;	/* born, parents, place */
	const char	*purpose;	/* audit: "search" unless said */
	struct record	*hits;
	double		*score;		/* of each hit */
	size_t		 nhits;
	size_t		 limit;
	size_t		 want;		/* read this many, then rank */
	size_t		 reads;		/* records read */
};

static void
hits_free(struct search *sr)
{
	size_t i;

	for (i = 0; i < sr->nhits; i++)
		rec_free(&sr->hits[i]);
	free(sr->hits);
	free(sr->score);
	sr->hits = NULL;
	sr->score = NULL;
	sr->nhits = 0;
}

/*
 * How well a record's names answer the query, 0 if not at all: every
 * query token must be a record token (1), begin one (0.9), or sound
 * like one -- the same phonetic key, in either script (0.75); the
 * score is their mean.  Ties go to the lower record id.
 */
#define SCORE_EXACT	1.0
#define SCORE_PREFIX	0.9
#define SCORE_SOUND	0.75

static double
record_score(const struct record *r, const struct search *sr)
{
	const struct form *f = form_by_code(r->kind);
	struct keylist names = { 0, NULL };	/* tokens and keys, as indexed */
	double sum = 0, best;
	size_t i, j;

	for (i = 0; f && i < r->nfields; i++) {
		const struct form_field *ff = form_field(f, r->fields[i].key);

		if (ff && (ff->type == FT_NAME_KM || ff->type == FT_NAME_LATIN))
			index_name_entries(r->fields[i].value, &names);
	}
	for (i = 0; i < sr->q.n; i++) {
		const struct buf *q = &sr->q.keys[i], *k = &sr->qk[i];

		/* A query token never begins with the key mark: it can
		 * only begin a token; a key only equals a key. */
		best = 0;
		for (j = 0; j < names.n && best < SCORE_EXACT; j++)
			if (names.keys[j].len >= q->len &&
			    memcmp(names.keys[j].data, q->data, q->len) == 0)
				best = names.keys[j].len == q->len ?
				    SCORE_EXACT : SCORE_PREFIX;
		for (j = 0; j < names.n && best == 0 && k->len > 0; j++)
			if (names.keys[j].len == k->len &&
			    memcmp(names.keys[j].data, k->data, k->len) == 0)
				best = SCORE_SOUND;
		if (best == 0) {
			sum = 0;
			break;
		}
		sum += best;
	}
	keylist_free(&names);
	return sr->q.n ? sum / (double)sr->q.n : 0;
}

/*
 * The other things a clerk knows of a person, each scored 0 to 1: the
 * date of birth (the same 1, a typo, swapped day and month or within 5
 * days 0.8, two parts of three 0.5), a parent's name (Jaro-Winkler of
 * the folded names, the better of the Khmer and Latin fields), the place
 * (the same code 1, district 0.6, province 0.3).  Weighed with the name
 * (0.5) by what was asked: birth 0.2, mother 0.15, father 0.1, place
 * 0.05; a record without the field scores 0 on it.
 */
static double
date_score(const char *want, const char *have)
{
	static const double by_level[] = { 1.0, 0.8, 0.5, 0.0 };
	int l = match_level(MATCH_DATE, want, have, 5);

	return l >= 0 && l < 4 ? by_level[l] : 0.0;
}

static double
parent_score(const struct record *r, const char *want, const char *who)
{
	static const char *const kinds[] = { "name_km", "name_latin" };
	struct buf a, b;
	char key[40];
	double best = 0, jw;
	size_t i;

	buf_init(&a);
	buf_init(&b);
	name_fold(want, &a);
	buf_add_u8(&a, 0);
	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof key, "%s_%s", who, kinds[i]);
		if (rec_value(r, key) == NULL)
			continue;
		name_fold(rec_value(r, key), &b);
		buf_add_u8(&b, 0);
		jw = match_jaro_winkler((const char *)a.data,
		    (const char *)b.data);
		if (jw > best)
			best = jw;
	}
	buf_free(&a);
	buf_free(&b);
	return best;
}

static double
place_score(const struct record *r, const char *want)
{
	const struct form *f = form_by_code(r->kind);
	const char *have = f && f->place_field ? rec_value(r, f->place_field) :
	    NULL;
	size_t n = have ? strlen(have) : 0;

	if (n == 0)
		return 0;
	if (strncmp(have, want, strlen(want)) == 0)
		return 1;		/* that place, or inside that area */
	if (n >= 4 && strlen(want) >= 4 && strncmp(have, want, 4) == 0)
		return 0.6;
	if (n >= 2 && strncmp(have, want, 2) == 0)
		return 0.3;
	return 0;
}

static double
criteria_score(const struct record *r, const struct search_query *q,
    double name)
{
	double sum = 0.5 * name, w = 0.5;
	const char *born = rec_value(r, "date_of_birth");

	if (q->born) {
		sum += 0.2 * (born ? date_score(q->born, born) : 0);
		w += 0.2;
	}
	if (q->mother) {
		sum += 0.15 * parent_score(r, q->mother, "mother");
		w += 0.15;
	}
	if (q->father) {
		sum += 0.1 * parent_score(r, q->father, "father");
		w += 0.1;
	}
	if (q->place) {
		sum += 0.05 * place_score(r, q->place);
		w += 0.05;
	}
	return sum / w;
}

/* A word narrows the candidates by the index up to so many entries. */
#define SEARCH_NARROW_MAX	20000
/*
 * Blocks of ids a search of several whole words may read (each some 50
 * ids): at 16 million records, two words each on hundreds of thousands
 * of records took seconds from a cold store with 60,000; past this many
 * the search answers with what it found, or asks for more of the name.
 */
#define SEARCH_WHOLE_READS	20000

static int
search_candidates(struct txn *tx, struct search *sr, struct idvec *acc,
    struct idvec *sound, struct cr_err *e)
{
	struct idvec set = { NULL, 0, 0, 0, 0 }, other = { NULL, 0, 0, 0, 0 };
	struct idvec whole = { NULL, 0, 0, 0, 0 };
	char kidc[KIDC_LEN + 1], why[128];
	double best_share = 1.0, *share;
	size_t i, best = 0;
	int rc = CR_OK, more = 0;

	if (sr->qlen > 0) {
		struct qscan q = { acc, sr->limit, { 0, 0 }, 0 };

		rc = store_index_scan(tx, SI_STATUS, sr->qkey, sr->qlen,
		    queue_visit, &q, e);
		idvec_sort_unique(acc);
		return rc;
	}
	if (rec_id_valid(sr->text)) {
		idvec_add(acc, sr->text, strlen(sr->text));
		return CR_OK;
	}
	if (kidc_normalize(sr->text, kidc, why, sizeof why) == 0) {
		rc = store_index_scan(tx, SI_KIDC, kidc, KIDC_LEN, idvec_visit,
		    acc, e);
		idvec_sort_unique(acc);
		return rc;
	}
	sr->names = 1;
	/* Start from the rarest token. */
	share = xcalloc(sr->q.n, sizeof *share);
	for (i = 0; i < sr->q.n; i++) {
		if ((rc = store_index_share(tx, SI_NAME, sr->q.keys[i].data,
		    sr->q.keys[i].len, &share[i], e)) != CR_OK)
			goto out;
		if (i == 0 || share[i] < best_share) {
			best = i;
			best_share = share[i];
		}
	}
	/* One word: the first entries in index order are the best. */
	if (sr->q.n == 1)
		acc->max = sound->max = SEARCH_READS;
	else {
		/*
		 * Several words: first the records that have each of them
		 * whole, found in the index however common each word is
		 * (store_index_intersect).  Enough of them to rank, and they
		 * are the answer: the prefixes would only add worse matches.
		 */
		whole.max = SEARCH_RANK;	/* enough to rank: stop there */
		rc = store_index_intersect(tx, SI_NAME, sr->q.keys, sr->q.n,
		    SEARCH_WHOLE_READS, idvec_visit, &whole, &more, e);
		if (rc != CR_OK)
			goto out;
		if (whole.n >= SEARCH_RANK) {
			idvec_swap(acc, &whole);
			goto out;
		}
	}
	rc = store_index_scan(tx, SI_NAME, sr->q.keys[best].data,
	    sr->q.keys[best].len, idvec_visit, acc, e);
	if (rc == CR_OK && acc->full && sr->q.n > 1 && whole.n > 0) {
		/* too many begin with the words: those that are them */
		idvec_swap(acc, &whole);
		goto out;
	}
	if (rc == CR_OK && acc->full && sr->q.n > 1) {
		rc = err_set(e, CR_EINVAL, "too many records have a name "
		    "beginning with '%.*s' (more than %d)%s: type more of the "
		    "name, or another name", (int)sr->q.keys[best].len,
		    (const char *)sr->q.keys[best].data,
		    SEARCH_MAX_CANDIDATES, more ? ", and too many have its "
		    "words whole to find those with all of them" : "");
		goto out;
	}
	idvec_unique_stable(acc, &set);
	/* Names that sound like it, in either script; too many: none. */
	if (rc == CR_OK && sr->qk[best].len > 0) {
		rc = store_index_scan(tx, SI_NAME, sr->qk[best].data,
		    sr->qk[best].len, idvec_visit, sound, e);
		if (sound->full && sr->q.n > 1)
			sound->n = 0;
		idvec_unique_stable(sound, &other);
		idvec_filter(sound, &set, 0);
	}
	/*
	 * The other words narrow the candidates through the index, each
	 * by the names it begins or sounds like, where that takes few
	 * entries; for a word too common, the record check does it.
	 */
	for (i = 0; rc == CR_OK && i < sr->q.n; i++) {
		if (i == best)
			continue;
		other.n = 0;
		other.full = 0;
		other.max = SEARCH_NARROW_MAX;
		rc = store_index_scan(tx, SI_NAME, sr->q.keys[i].data,
		    sr->q.keys[i].len, idvec_visit, &other, e);
		if (rc == CR_OK && !other.full && sr->qk[i].len > 0)
			rc = store_index_scan(tx, SI_NAME, sr->qk[i].data,
			    sr->qk[i].len, idvec_visit, &other, e);
		if (rc != CR_OK || other.full)
			continue;
		idvec_sort_unique(&other);
		idvec_filter(acc, &other, 1);
		idvec_filter(sound, &other, 1);
	}
out:
	free(share);
	free(set.v);
	free(other.v);
	free(whole.v);
	return rc;
}

/* Reads candidate id and keeps it if it matches; 1 when done. */
static int
search_take(struct search *sr, struct txn *tx, const char *id,
    struct buf *b, struct cr_err *e)
{
	struct record r;
	double score = 1;
	int rc;

	sr->reads++;
	rc = store_get(tx, ST_RECORDS, id, strlen(id), b, 0, e);
	if (rc == CR_ENOTFOUND) {
		err_clear(e);
		return CR_OK;
	}
	if (rc != CR_OK || (rc = rec_decode(b->data, b->len, &r, e)) != CR_OK)
		return rc;
	if (authz_check(sr->s, AZ_READ, form_by_code(r.kind), e) != CR_OK ||
	    (sr->names && (score = record_score(&r, sr)) <= 0)) {
		err_clear(e);
		rec_free(&r);
		return CR_OK;
	}
	if (sr->crit)
		score = criteria_score(&r, sr->crit, score);
	sr->hits = xrealloc(sr->hits, (sr->nhits + 1) * sizeof *sr->hits);
	sr->score = xrealloc(sr->score, (sr->nhits + 1) * sizeof *sr->score);
	sr->score[sr->nhits] = score;
	sr->hits[sr->nhits++] = r;
	return CR_OK;
}

/* Best score first; then the lower record id. */
static int
hit_cmp(const void *a, const void *b, void *arg)
{
	const struct search *sr = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sr->score[i] != sr->score[j])
		return sr->score[i] > sr->score[j] ? -1 : 1;
	return strcmp(sr->hits[i].id, sr->hits[j].id);
}

static void
hits_rank(struct search *sr)
{
	struct record *h;
	double *sc;
	size_t *o, i;

	if (sr->nhits < 2)
		return;
	o = xcalloc(sr->nhits, sizeof *o);
	for (i = 0; i < sr->nhits; i++)
		o[i] = i;
	qsort_r(o, sr->nhits, sizeof *o, hit_cmp, sr);
	h = xcalloc(sr->nhits, sizeof *h);
	sc = xcalloc(sr->nhits, sizeof *sc);
	for (i = 0; i < sr->nhits; i++) {
		h[i] = sr->hits[o[i]];
		sc[i] = sr->score[o[i]];
	}
	free(sr->hits);
	free(sr->score);
	free(o);
	sr->hits = h;
	sr->score = sc;
}

/*
 * Records whose names match go first, lowest id first, up to sr->want;
 * then, if there is room, records whose names only sound alike; then
 * all of them by score, and the best sr->limit are kept.
 */
static int
search_read(struct search *sr, struct cr_err *e)
{
	struct idvec acc = { NULL, 0, 0, 0, 0 }, sound = { NULL, 0, 0, 0, 0 };
	struct txn *tx;
	struct buf b;
	uint64_t version;
	size_t i;
	int rc;

	buf_init(&b);
	sr->reads = 0;
	if ((rc = store_begin_read(sr->s->store, &tx, e)) != CR_OK)
		return rc;
	rc = search_candidates(tx, sr, &acc, &sound, e);
	/* Names found by older rules would be wrong, not just fewer. */
	if (rc == CR_OK && sr->names && (rc = meta_get_u64(tx, "index.name",
	    &version, 0, e)) == CR_OK && version != INDEX_NAME_VERSION)
		rc = err_set(e, CR_EINVAL, "this store's name index was built "
		    "by name rules version %llu, and this civreg uses %d: an "
		    "administrator runs 'civreg reindex' once",
		    (unsigned long long)version, INDEX_NAME_VERSION);
	for (i = 0; rc == CR_OK && i < acc.n && sr->nhits < sr->want &&
	    sr->reads < SEARCH_READS; i++)
		rc = search_take(sr, tx, acc.v[i], &b, e);
	for (i = 0; rc == CR_OK && i < sound.n && sr->nhits < sr->want &&
	    sr->reads < SEARCH_READS; i++)
		rc = search_take(sr, tx, sound.v[i], &b, e);
	store_abort(tx);	/* read only */
	if (rc == CR_OK)
		hits_rank(sr);
	while (sr->nhits > sr->limit)	/* read more to rank: the best */
		rec_free(&sr->hits[--sr->nhits]);
	free(acc.v);
	free(sound.v);
	buf_free(&b);
	return rc;
}

static int
search_note(struct txn *tx, void *arg, struct cr_err *e)
{
	struct search *sr = arg;
	char detail[256], shown[160];

	str_printable(shown, sizeof shown, sr->text);
	snprintf(detail, sizeof detail, "%s '%s': %zu found", sr->qlen ?
	    "queue" : sr->purpose ? sr->purpose : "search", shown, sr->nhits);
	return audit_append(tx, sr->s->user, sr->s->office, AU_SEARCH, "",
	    detail, e);
}

static int search_run(struct search *, regist_hit_fn, regist_found_fn,
    void *, struct cr_err *);

/* A query's folded token and its key entry, side by side (once each). */
static void
query_token(void *arg, const void *tok, size_t len, const void *key,
    size_t klen)
{
	struct search *sr = arg;
	size_t n = sr->q.n;

	keylist_add(&sr->q, tok, len);
	if (sr->q.n == n)
		return;			/* "Sok Sok" is one token */
	sr->qk = xrealloc(sr->qk, sr->q.n * sizeof *sr->qk);
	buf_init(&sr->qk[n]);
	index_key_entry(key, klen, &sr->qk[n]);
}


int
regist_search_query(struct session *s, const struct search_query *q,
    size_t limit, regist_found_fn visit, void *arg, struct cr_err *e)
{
	struct search sr;
	const char *text = q->text;
	char why[128];
	int y, m, d, rc;

	if ((rc = authz_check(s, AZ_SEARCH, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (!utf8_valid(text, strlen(text)) || (q->mother &&
	    !utf8_valid(q->mother, strlen(q->mother))) || (q->father &&
	    !utf8_valid(q->father, strlen(q->father))))
		return err_set(e, CR_EINVAL, "the search text is not valid "
		    "UTF-8: check the keyboard or terminal encoding");
	if (q->born && date_parse(q->born, &y, &m, &d, why, sizeof why) != 0)
		return err_set(e, CR_EINVAL, "--born '%s': %s", q->born, why);
	if (q->place && (strspn(q->place, "0123456789") != strlen(q->place) ||
	    strlen(q->place) < 2 || strlen(q->place) > 8 ||
	    strlen(q->place) % 2 != 0))
		return err_set(e, CR_EINVAL, "--place '%s': give a gazetteer "
		    "code of 2, 4, 6 or 8 digits", q->place);
	memset(&sr, 0, sizeof sr);
	sr.s = s;
	sr.text = text;
	sr.purpose = q->purpose;
	sr.limit = limit ? limit : 100;
	/* Read more than shown, so that the best come first, not the
	 * lowest ids: an exact "Sok" before a hundred "Sokha". */
	sr.want = sr.limit < SEARCH_RANK ? SEARCH_RANK : sr.limit;
	if (q->born || q->mother || q->father || q->place)
		sr.crit = q;
	name_tokens(text, query_token, &sr);
	if (sr.q.n == 0) {
		free(sr.qk);
		return err_set(e, CR_EINVAL, "nothing to search for: give a "
		    "name, an identity code or a record id");
	}
	return search_run(&sr, NULL, visit, arg, e);
}

int
regist_search(struct session *s, const char *text, size_t limit,
    regist_found_fn visit, void *arg, struct cr_err *e)
{
	struct search_query q;

	memset(&q, 0, sizeof q);
	q.text = text;
	return regist_search_query(s, &q, limit, visit, arg, e);
}

static int
search_run(struct search *sr, regist_hit_fn visit, regist_found_fn found,
    void *arg, struct cr_err *e)
{
	size_t i;
	int rc, tries = 0;

	do {
		hits_free(sr);
		err_clear(e);
		rc = search_read(sr, e);
	} while (rc == CR_EDEADLOCK && ++tries < 20);
	/* Nothing is shown unless the search is on record. */
	if (rc == CR_OK)
		rc = store_run(sr->s->store, search_note, sr, e);
	for (i = 0; rc == CR_OK && i < sr->nhits; i++)
		if ((found ? found(arg, &sr->hits[i], sr->score[i]) :
		    visit(arg, &sr->hits[i])) != 0)
			break;
	hits_free(sr);
	for (i = 0; sr->qk && i < sr->q.n; i++)
		buf_free(&sr->qk[i]);
	free(sr->qk);
	keylist_free(&sr->q);
	return rc;
}

int
regist_queue(struct session *s, int status, int kind, size_t limit,
    regist_hit_fn visit, void *arg, struct cr_err *e)
{
	struct search sr;
	char name[64];
	int rc;

	if ((rc = authz_check(s, AZ_SEARCH, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	memset(&sr, 0, sizeof sr);
	sr.s = s;
	snprintf(name, sizeof name, "%s%s%s", rec_status_name(status),
	    kind ? " " : "", kind && form_by_code(kind) ?
	    form_by_code(kind)->key : "");
	sr.text = name;
	sr.limit = limit ? limit : 100;
	sr.want = sr.limit;
	sr.qkey[0] = (unsigned char)status;
	sr.qkey[1] = (unsigned char)kind;
	sr.qlen = kind ? 2 : 1;
	return search_run(&sr, visit, NULL, arg, e);
}

/*
 * Starting a registration from a health notice: the values of the notice
 * whose keys and types the event's form shares, and notice_ref.  The
 * caller owns *kv (draft_free-style: keys and values allocated).
 */
int
regist_from_notice(struct session *s, const char *id, const char *kind,
    struct draft *out, struct cr_err *e)
{
	const struct form *ef = form_by_key(kind), *nf;
	const struct form_field *ref = NULL;
	struct rec_history h;
	struct record n;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	if (ef == NULL)
		return err_set(e, CR_EINVAL, "unknown form '%s'", kind);
	for (i = 0; i < ef->nfields; i++)
		if (ef->fields[i].type == FT_REF && ef->fields[i].refkind &&
		    (nf = form_by_key(ef->fields[i].refkind)) != NULL &&
		    nf->cls == FC_NOTICE)
			ref = &ef->fields[i];
	if (ref == NULL)
		return err_set(e, CR_EINVAL, "a %s is not registered from a "
		    "health notice", ef->title_en);
	if ((rc = regist_show(s, id, &n, &h, e)) != CR_OK)
		return rc;
	rec_history_free(&h);
	nf = form_by_code(n.kind);
	if (nf == NULL || strcmp(nf->key, ref->refkind) != 0) {
		rec_free(&n);
		return err_set(e, CR_EINVAL, "%s is not a %s", id, ref->refkind);
	}
	snprintf(out->form, sizeof out->form, "%s", ef->key);
	out->kv = xcalloc(n.nfields + 1, sizeof *out->kv);
	for (i = 0; i < n.nfields; i++) {
		const struct form_field *tf = form_field(ef, n.fields[i].key);
		const struct form_field *sf = form_field(nf, n.fields[i].key);

		if (tf && sf && tf->type == sf->type) {
			out->kv[out->n].key = xstrdup(n.fields[i].key);
			out->kv[out->n].value = xstrdup(n.fields[i].value);
			out->n++;
		}
	}
	out->kv[out->n].key = xstrdup(ref->key);
	out->kv[out->n].value = xstrdup(n.id);
	out->n++;
	rec_free(&n);
	return CR_OK;
}

/*
 * Amending a rejected declaration: the clerk gives the corrected values
 * (key=value; key= removes an optional field), the whole record is
 * validated again as a declaration, and it goes back to declared as a
 * new revision, so the rejected values stay in its history.  The
 * registration fields of the refused attempt are dropped: registration
 * computes them again.
 */
struct amend {
	struct session		*s;
	const char		*id;
	const struct kv		*kv;
	size_t			 n;
	struct record		*after;
};

static int
amend_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct amend *am = arg;
	struct record r, prev;
	struct declare d;
	struct kv *all = NULL;
	const struct form *f;
	char changed[200], detail[300], who[128];
	size_t nall = 0, i, j, o = 0;
	struct buf b;
	int rc;

	rec_init(&r);
	rec_init(&prev);
	buf_init(&b);
	changed[0] = '\0';
	rc = store_get(tx, ST_RECORDS, am->id, strlen(am->id), &b, 1, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ENOTFOUND, "no record %s in this store",
		    am->id);
	if (rc == CR_OK && (rc = rec_decode(b.data, b.len, &r, e)) == CR_OK)
		rc = rec_decode(b.data, b.len, &prev, e);
	if (rc != CR_OK)
		goto out;
	if ((f = form_by_code(r.kind)) == NULL) {
		rc = err_set(e, CR_EINVAL, "%s is of an unknown kind", r.id);
		goto out;
	}
	if (!form_allows_role(f, am->s->role)) {
		rc = err_set(e, CR_EPERM, "user %s (role %s) may not amend a %s "
		    "(%s): this needs the role %s", am->s->user,
		    user_role_name(am->s->role), f->key, f->title_en,
		    authz_who(AZ_DECLARE, f, who, sizeof who));
		goto out;
	}
	if (r.status != RS_REJECTED) {
		rc = err_set(e, CR_EINVAL, "%s is %s: only a rejected "
		    "declaration is amended (a registered record is changed by "
		    "a correction)", r.id, rec_status_name(r.status));
		goto out;
	}
	/* The form's fields as they are, then the new values over them. */
	all = xcalloc(r.nfields + am->n + 1, sizeof *all);
	for (i = 0; i < r.nfields; i++)
		if (r.fields[i].key[0] != '_') {
			all[nall].key = r.fields[i].key;
			all[nall++].value = r.fields[i].value;
		}
	for (j = 0; j < am->n; j++) {
		for (i = 0; i < nall; i++)
			if (strcmp(all[i].key, am->kv[j].key) == 0)
				break;
		if (i < nall && strcmp(all[i].value, am->kv[j].value) == 0)
			continue;
		if (i == nall && am->kv[j].value[0] == '\0')
			continue;
		if (i == nall)
			nall++;
		all[i] = am->kv[j];
		o += (size_t)snprintf(changed + o, o < sizeof changed ?
		    sizeof changed - o : 0, "%s%s", o ? ", " : "",
		    am->kv[j].key);
		if (o >= sizeof changed)
			o = sizeof changed - 1;
	}
	if (changed[0] == '\0') {
		rc = err_set(e, CR_EINVAL, "nothing to amend in %s: give the "
		    "corrected values as key=value (if the refusal was wrong, "
		    "appeal it instead)", r.id);
		goto out;
	}
	if ((rc = form_validate(f, all, nall, e)) != CR_OK)
		goto out;
	memset(&d, 0, sizeof d);
	d.s = am->s;
	d.f = f;
	d.kv = all;
	d.n = nall;
	d.prev = &prev;
	if ((rc = check_in_store(tx, &d, NULL, e)) != CR_OK)
		goto out;
	fill_fields(&r, f, all, nall);
	if ((rc = workflow_check_declaration(tx, &r, e)) != CR_OK)
		goto out;
	r.status = RS_DECLARED;
	r.action = RA_AMEND;
	r.rev++;
	r.time = (int64_t)cr_now();
	r.flags = (unsigned)rec_place_flags(&r, r.office);
	snprintf(r.author, sizeof r.author, "%s", am->s->user);
	free(r.note);
	snprintf(detail, sizeof detail, "amended: %s", changed);
	r.note = xstrdup(detail);
	rec_vv_bump(&r, am->s->office);
	if ((rc = regist_put_revision(tx, &r, 0, e)) != CR_OK ||
	    (rc = link_notices(tx, am->s, &r, &prev, e)) != CR_OK)
		goto out;
	snprintf(detail, sizeof detail, "amend: now declared; changed %s",
	    changed);
	if ((rc = audit_append(tx, am->s->user, am->s->office, AU_WORKFLOW,
	    r.id, detail, e)) != CR_OK)
		goto out;
	if (am->after) {
		rec_free(am->after);
		*am->after = r;
		rec_init(&r);
	}
out:
	free(all);
	buf_free(&b);
	rec_free(&r);
	rec_free(&prev);
	return rc;
}

int
regist_amend(struct session *s, const char *id, const struct kv *kv,
    size_t n, struct record *after, struct cr_err *e)
{
	struct amend am = { s, id, kv, n, after };
	int rc;

	if (after)
		rec_init(after);
	if (!rec_id_valid(id))
		return err_set(e, CR_EINVAL, "'%s' is not a record id: write it "
		    "as OFFICE-NUMBER, e.g. 120101-00000042", id);
	rc = store_run(s->store, amend_txn, &am, e);
	if (rc == CR_EPERM)
		audit_denied(s, id, e);
	return rc;
}
