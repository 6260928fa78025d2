/*
 * verify.c -- 'civreg verify': is everything in the store what it says?
 *
 * Reads every table and index once and checks what the rest of civreg
 * assumes: every record and revision decodes and agrees with its key and
 * its form; the current revision is in the history; every change-log
 * entry names a revision that exists; every index entry points at a
 * record that produces that key, and no key is missing; users and places
 * decode; certificate entries decode, name existing records, and their
 * code and record keys lead to them (cert.c); identity codes are
 * valid and kidc.db's lists agree with its entries (kidc-pool.c); the
 * audit chain is
 * unbroken up to the head kept in meta.db.
 * Page checksums (store.c) turn flipped bytes into read errors, which are
 * reported with the file they were found in.  Each problem is one line;
 * the count decides the exit status.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

struct vctx {
	struct txn	*tx;
	struct cr_err	*report;
	int		 problems;
	uint64_t	 records, revisions, changes, users, places;
	uint64_t	 keys[SI_NINDEX];	/* expected index entries */
	uint64_t	 entries[SI_NINDEX];	/* found index entries */
	int		 index;
	struct buf	 b;
	struct buf	 hb;		/* a current revision, by its history */
};

static void
problem(struct vctx *v, const char *fmt, ...) __attribute__((format(printf,
    2, 3)));

static void
problem(struct vctx *v, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	v->problems++;
	if (v->problems <= 200)
		err_add(v->report, CR_ECORRUPT, "%s", line);
}

static int
record_visit(void *arg, const void *k, size_t kl, const void *val, size_t vl)
{
	struct vctx *v = arg;
	struct record r;
	struct keylist kls;
	struct cr_err e;
	char id[REC_IDLEN + 8], hk[REC_IDLEN + 8];
	int i, rc;

	v->records++;
	snprintf(id, sizeof id, "%.*s", (int)(kl < REC_IDLEN ? kl : REC_IDLEN),
	    (const char *)k);
	if (rec_decode(val, vl, &r, &e) != CR_OK) {
		problem(v, "records.db: record %s: %s", id, e.msg);
		return 0;
	}
	if (strlen(r.id) != kl || memcmp(r.id, k, kl) != 0)
		problem(v, "records.db: the record stored under %s says it is "
		    "%s", id, r.id);
	if (form_by_code(r.kind) == NULL)
		problem(v, "records.db: record %s has unknown kind %d", id,
		    r.kind);
	if (strcmp(rec_status_name(r.status), "unknown") == 0)
		problem(v, "records.db: record %s has unknown status %d", id,
		    r.status);
	/* The current revision must be the newest in the history. */
	memcpy(hk, r.id, strlen(r.id) + 1);
	be32_put((unsigned char *)hk + strlen(r.id) + 1, r.rev);
	rc = store_get(v->tx, ST_HISTORY, hk, strlen(r.id) + 5, &v->b, 0, &e);
	if (rc == CR_ENOTFOUND)
		problem(v, "history.db: revision %u of %s is missing",
		    (unsigned)r.rev, id);
	else if (rc != CR_OK)
		problem(v, "history.db: %s", e.msg);
	else if (!regist_history_holds(v->b.data, v->b.len, val, vl))
		problem(v, "history.db: revision %u of %s differs from the "
		    "current record", (unsigned)r.rev, id);
	for (i = 0; i < SI_NINDEX; i++) {
		index_keys_record(i, &r, &kls);
		v->keys[i] += kls.n;
		keylist_free(&kls);
	}
	rec_free(&r);
	return 0;
}

static int
history_visit(void *arg, const void *k, size_t kl, const void *val, size_t vl)
{
	struct vctx *v = arg;
	struct record r;
	struct cr_err e;
	size_t idlen = strnlen(k, kl);

	v->revisions++;
	/* The current revision's entry is a mark: it is in records.db. */
	if (regist_history_is_mark(val, vl)) {
		if (regist_history_get(v->tx, k, kl, &v->hb, &e) != CR_OK) {
			problem(v, "%s", e.msg);
			return 0;
		}
		val = v->hb.data;
		vl = v->hb.len;
	}
	if (rec_decode(val, vl, &r, &e) != CR_OK) {
		problem(v, "history.db: revision of %.*s: %s", (int)idlen,
		    (const char *)k, e.msg);
		return 0;
	}
	if (idlen + 5 != kl || strlen(r.id) != idlen ||
	    memcmp(r.id, k, idlen) != 0 ||
	    be32_get((const unsigned char *)k + idlen + 1) != r.rev)
		problem(v, "history.db: revision %u of %s is stored under the "
		    "wrong key", (unsigned)r.rev, r.id);
	rec_free(&r);
	return 0;
}

static int
change_visit(void *arg, const void *k, size_t kl, const void *val, size_t vl)
{
	struct vctx *v = arg;
	struct cr_err e;
	int rc;

	v->changes++;
	rc = kl == 8 ? store_get(v->tx, ST_HISTORY, val, vl, NULL, 0, &e) :
	    CR_ECORRUPT;
	if (rc == CR_ENOTFOUND || rc == CR_ECORRUPT)
		problem(v, "changes.db: change %llu names a revision that does "
		    "not exist", kl == 8 ? (unsigned long long)be64_get(k) : 0);
	else if (rc != CR_OK)
		problem(v, "changes.db: %s", e.msg);
	return 0;
}

static int
index_visit(void *arg, const void *k, size_t kl, const void *pk, size_t pkl)
{
	struct vctx *v = arg;
	struct keylist kls;
	struct cr_err e;
	size_t i;
	int rc;

	v->entries[v->index]++;
	rc = store_get(v->tx, ST_RECORDS, pk, pkl, &v->b, 0, &e);
	if (rc != CR_OK) {
		problem(v, "%s: an entry points at record %.*s, which %s",
		    store_index_name(v->index), (int)pkl, (const char *)pk,
		    rc == CR_ENOTFOUND ? "does not exist" : "cannot be read");
		return 0;
	}
	index_keys(v->index, v->b.data, v->b.len, &kls);
	for (i = 0; i < kls.n; i++)
		if (kls.keys[i].len == kl && memcmp(kls.keys[i].data, k, kl) ==
		    0)
			break;
	if (i == kls.n)
		problem(v, "%s: an entry for record %.*s does not match the "
		    "record (stale index)", store_index_name(v->index),
		    (int)pkl, (const char *)pk);
	keylist_free(&kls);
	return 0;
}

static int
user_visit(void *arg, const void *k, size_t kl, const void *val, size_t vl)
{
	struct vctx *v = arg;
	struct cr_err e;

	v->users++;
	if (user_check(k, kl, val, vl, &e) != CR_OK)
		problem(v, "%s", e.msg);
	return 0;
}

static int
place_visit(void *arg, const void *k, size_t kl, const void *val, size_t vl)
{
	struct vctx *v = arg;
	struct place p;
	struct cr_err e;
	char code[16];

	(void)val;
	(void)vl;
	v->places++;
	snprintf(code, sizeof code, "%.*s", (int)(kl < 9 ? kl : 9),
	    (const char *)k);
	if (gazetteer_get(v->tx, code, &p, &e) != CR_OK)
		problem(v, "places.db: %s", e.msg);
	else
		place_free(&p);
	return 0;
}

/* keys.db: every entry decodes by the rule of its key (keys.c). */
static int
keys_visit(void *arg, const void *k, size_t kl, const void *val, size_t vl)
{
	struct vctx *v = arg;
	struct office_cert c, chain[KEYS_MAX_CHAIN];
	struct key_revocation r;
	struct office_keys own;
	struct cr_err e;
	size_t n;
	int rc = CR_OK;

	err_clear(&e);
	if (kl == 3 && memcmp(k, "own", 3) == 0)
		rc = keys_own(v->tx, &own, &e);
	else if ((kl == 4 && memcmp(k, "self", 4) == 0) ||
	    (kl > 5 && memcmp(k, "peer", 5) == 0) ||
	    (kl > 6 && memcmp(k, "trust", 6) == 0))
		rc = keys_cert_decode(val, vl, &c, &e);
	else if (kl == 5 && memcmp(k, "chain", 5) == 0)
		rc = keys_chain_decode(val, vl, chain, &n, &e);
	else if (kl > 4 && memcmp(k, "rev", 4) == 0)
		rc = keys_revocation_decode(val, vl, &r, &e);
	else
		rc = err_set(&e, CR_ECORRUPT, "an entry of no known kind");
	crypto_wipe(&own, sizeof own);
	if (rc != CR_OK)
		problem(v, "keys.db: %s", e.msg);
	return 0;
}

/* digitize.db: batches, and the record each loaded line became. */
static int
digitize_visit(void *arg, const void *k, size_t kl, const void *val,
    size_t vl)
{
	struct vctx *v = arg;
	char why[300];

	if (digitize_check_entry(v->tx, k, kl, val, vl, why, sizeof why) != 0)
		problem(v, "digitize.db: %s", why);
	return 0;
}

/* conflicts.db: id NUL 8 bytes -> a revision of that record, here. */
static int
conflict_visit(void *arg, const void *k, size_t kl, const void *val,
    size_t vl)
{
	struct vctx *v = arg;
	const char *id = k;
	struct record r;
	struct cr_err e;
	size_t idl = strnlen(id, kl);

	rec_init(&r);
	if (idl + 9 != kl || rec_decode(val, vl, &r, &e) != CR_OK)
		problem(v, "conflicts.db: an entry for %.*s is damaged",
		    (int)idl, id);
	else if (strcmp(r.id, id) != 0)
		problem(v, "conflicts.db: the entry for %s holds record %s",
		    id, r.id);
	else if (store_get(v->tx, ST_RECORDS, id, idl, NULL, 0, &e) != CR_OK)
		problem(v, "conflicts.db: %s is in conflict but not in "
		    "records.db", id);
	rec_free(&r);
	return 0;
}

/* raudit.db: office NUL seq -> that office's audit entry number seq. */
static int
raudit_visit(void *arg, const void *k, size_t kl, const void *val,
    size_t vl)
{
	struct vctx *v = arg;
	struct audit_entry a;
	struct cr_err e;
	size_t ol = strnlen(k, kl);

	if (ol + 9 != kl || audit_decode(val, vl, &a, &e) != CR_OK) {
		problem(v, "raudit.db: an entry of office %.*s is damaged",
		    (int)ol, (const char *)k);
		return 0;
	}
	if (a.seq != be64_get((const unsigned char *)k + ol + 1))
		problem(v, "raudit.db: entry %llu of office %.*s is filed "
		    "under another number", (unsigned long long)a.seq, (int)ol,
		    (const char *)k);
	audit_entry_free(&a);
	return 0;
}

/* peers.db: 'O' office -> 25 bytes of state; 'I' office seq -> 40. */
static int
peer_visit(void *arg, const void *k, size_t kl, const void *val, size_t vl)
{
	struct vctx *v = arg;
	const unsigned char *p = k, *d = val;
	size_t ol = kl > 1 ? strnlen((const char *)p + 1, kl - 1) : 0;

	if (kl > 1 && p[0] == 'O' && ol + 2 == kl && vl == 25 && d[0] == 1)
		return 0;
	if (kl > 1 && p[0] == 'I' && ol + 10 == kl && vl == 40)
		return 0;
	problem(v, "peers.db: an entry (%zu bytes, value %zu) is damaged", kl,
	    vl);
	return 0;
}

static void
scan(struct vctx *v, int table, store_visit_fn fn)
{
	struct cr_err e;

	if (store_panicked(store_of(v->tx)))
		return;		/* reported once, below */
	err_clear(&e);
	if (store_scan(v->tx, table, NULL, 0, fn, v, &e) != CR_OK)
		problem(v, "%s cannot be read to the end: %s",
		    store_table_name(table), e.msg);
}

static int
verify_note(struct txn *tx, void *arg, struct cr_err *e)
{
	struct session *s = ((void **)arg)[0];
	const char *detail = ((void **)arg)[1];

	return audit_append(tx, s->user, s->office, AU_VERIFY, "", detail, e);
}

static int
verify_pass(struct session *s, struct vctx *vp, struct cr_err *report,
    uint64_t *audit_np, struct cr_err *e)
{
	struct vctx v;
	struct cr_err ue;
	char office[OFFICE_LEN], schema[16];
	uint64_t audit_n = 0;
	int level, i, rc;

	memset(&v, 0, sizeof v);
	err_clear(report);
	v.report = report;
	buf_init(&v.b);
	buf_init(&v.hb);
	if ((rc = store_begin_read(s->store, &v.tx, e)) != CR_OK)
		return rc;
	err_clear(&ue);
	if (office_info(v.tx, office, &level, &ue) != CR_OK)
		problem(&v, "meta.db: %s", ue.msg);
	if (meta_get_str(v.tx, "schema", schema, sizeof schema, &ue) != CR_OK)
		problem(&v, "meta.db: %s", ue.msg);
	else if (atoi(schema) != SCHEMA_VERSION)
		problem(&v, "meta.db: schema version %s, this civreg knows %d",
		    schema, SCHEMA_VERSION);
	{
		uint64_t nv;

		err_clear(&ue);
		if (meta_get_u64(v.tx, "index.name", &nv, 0, &ue) != CR_OK)
			problem(&v, "meta.db: %s", ue.msg);
		else if (nv != INDEX_NAME_VERSION)
			problem(&v, "the name index was built by name rules "
			    "version %llu, this civreg uses %d: an "
			    "administrator runs 'civreg reindex' once (no "
			    "backup is needed for this one)",
			    (unsigned long long)nv, INDEX_NAME_VERSION);
	}
	scan(&v, ST_RECORDS, record_visit);
	scan(&v, ST_HISTORY, history_visit);
	scan(&v, ST_CHANGES, change_visit);
	scan(&v, ST_PLACES, place_visit);
	scan(&v, ST_USERS, user_visit);
	scan(&v, ST_KEYS, keys_visit);
	scan(&v, ST_CONFLICTS, conflict_visit);
	scan(&v, ST_DIGITIZE, digitize_visit);
	scan(&v, ST_RAUDIT, raudit_visit);
	scan(&v, ST_PEERS, peer_visit);
	if (!store_panicked(s->store)) {
		uint64_t ncerts;

		v.problems += cert_check_store(v.tx, report, &ncerts);
		v.problems += kidc_pool_check_store(v.tx, report);
	}
	for (i = 0; i < SI_NINDEX && !store_panicked(s->store); i++) {
		v.index = i;
		err_clear(&ue);
		if (store_index_scan(v.tx, i, NULL, 0, index_visit, &v, &ue) !=
		    CR_OK)
			problem(&v, "%s cannot be read to the end: %s",
			    store_index_name(i), ue.msg);
		else if (v.entries[i] != v.keys[i])
			problem(&v, "%s has %llu entries where the records "
			    "give %llu (index incomplete)", store_index_name(i),
			    (unsigned long long)v.entries[i],
			    (unsigned long long)v.keys[i]);
	}
	if (!store_panicked(s->store))
		v.problems += audit_verify_chain(v.tx, report, &audit_n);
	if (store_panicked(s->store))
		problem(&v, "checking stopped at the first unreadable file: "
		    "Berkeley DB needs recovery after such damage");
	store_abort(v.tx);	/* read only */
	buf_free(&v.b);
	buf_free(&v.hb);
	*vp = v;
	*audit_np = audit_n;
	return CR_OK;
}

int
verify_store(struct session *s, FILE *out, struct cr_err *e)
{
	struct vctx v;
	struct cr_err report, ue;
	char detail[128];
	uint64_t audit_n = 0;
	void *args[2];
	int rc;

	if ((rc = authz_check(s, AZ_VERIFY, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (s->damage[0] != '\0') {
		err_set(e, CR_ECORRUPT, "the store is damaged: it could not "
		    "even record this login");
		err_add(e, CR_ECORRUPT, "%s", s->damage);
		err_add(e, CR_ECORRUPT, "restore the damaged file from a "
		    "backup");
		return CR_ECORRUPT;
	}
	/*
	 * Each table is read with read-committed isolation, so that a big
	 * register neither fills the lock table nor stops the terminals.
	 * A terminal writing meanwhile can make one pass see a record and
	 * not yet its index entry.  So when the first pass finds anything,
	 * a second pass is made and only its findings are reported: what a
	 * write in progress showed the first pass is gone by then, real
	 * damage is still there.  (The two reports are not compared line by
	 * line: a count such as an index's entries moves with every write,
	 * so real damage would read differently twice.  A write during the
	 * second pass can still show; running verify again tells.)
	 */
	if ((rc = verify_pass(s, &v, &report, &audit_n, e)) != CR_OK)
		return rc;
	if (v.problems > 0 && !store_panicked(s->store) &&
	    (rc = verify_pass(s, &v, &report, &audit_n, e)) != CR_OK)
		return rc;
	if (v.problems == 0) {
		fprintf(out, "ok: %llu records, %llu revisions, %llu changes, "
		    "%llu places, %llu users; indexes complete; audit chain of "
		    "%llu entries intact\n", (unsigned long long)v.records,
		    (unsigned long long)v.revisions,
		    (unsigned long long)v.changes,
		    (unsigned long long)v.places, (unsigned long long)v.users,
		    (unsigned long long)audit_n);
		snprintf(detail, sizeof detail, "store verified: no damage");
	} else
		snprintf(detail, sizeof detail, "store verified: %d problems",
		    v.problems);
	args[0] = s;
	args[1] = detail;
	err_clear(&ue);
	(void)store_run(s->store, verify_note, args, &ue);	/* best effort */
	if (v.problems > 0) {
		*e = report;
		if (v.problems > 200)
			err_add(e, CR_ECORRUPT, "... and %d more problems",
			    v.problems - 200);
		err_add(e, CR_ECORRUPT, "%d problem(s) found: restore the "
		    "damaged files from a backup", v.problems);
		return CR_ECORRUPT;
	}
	return CR_OK;
}

/* --- rebuilding the name index ------------------------------------------ */

struct reindex {
	struct session	*s;
	size_t		 records;
};

static int
reindex_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct reindex *ri = arg;
	char detail[128];
	uint64_t was;
	int rc;

	if ((rc = meta_get_u64(tx, "index.name", &was, 1, e)) != CR_OK ||
	    (rc = store_reindex(tx, &ri->records, e)) != CR_OK ||
	    (rc = meta_put_u64(tx, "index.name", INDEX_NAME_VERSION, e)) !=
	    CR_OK)
		return rc;
	snprintf(detail, sizeof detail, "reindex: the indexes rebuilt from "
	    "%zu records, name rules version %llu (was %llu)", ri->records,
	    (unsigned long long)INDEX_NAME_VERSION, (unsigned long long)was);
	return audit_append(tx, ri->s->user, ri->s->office, AU_VERIFY, "",
	    detail, e);
}

/*
 * 'civreg reindex': every index written again by this civreg's name
 * rules and layout, in one transaction (administrators).  Needed once
 * after an upgrade that raised INDEX_NAME_VERSION or changed the index
 * files; harmless any time.
 */
int
verify_reindex(struct session *s, size_t *records, struct cr_err *e)
{
	struct reindex ri = { s, 0 };
	int rc;

	*records = 0;
	if ((rc = authz_check(s, AZ_CONFIG, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((rc = store_run(s->store, reindex_txn, &ri, e)) == CR_OK)
		*records = ri.records;
	return rc;
}
