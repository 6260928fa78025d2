/*
 * audit.c -- the append-only, hash-chained audit log (audit.db).
 *
 * Why a chain: an audit log that an administrator can quietly edit proves
 * nothing.  Each entry carries the SHA-256 of the entry before it and its
 * own hash over all its bytes, and meta.db keeps the newest sequence
 * number and hash, so an altered, removed or re-ordered entry, or a cut
 * tail, breaks the chain where it happened and 'civreg verify' names it.
 *
 * Every entry is written in the same transaction as the action it
 * records: if the action is undone, so is its entry, and an action cannot
 * commit without one.  Entry layout: db/record-format.txt.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define AUDIT_VERSION	1
#define HEAD_KEY	"audit.head"

static const char *const action_names[] = {
	NULL, "init", "login", "login-failed", "user-add", "user-passwd",
	"user-disable", "user-enable", "declare", "read", "search",
	"gazetteer", "verify", "audit-read", "locked", "denied", "preference",
	"workflow", "authenticate", "certificate", "certificate-verify",
	"person", "id-card-list", "config", "keys", "export", "import",
	"resolve", "push", "kidc", "dedup", "digitize", "stats"
};

const char *
audit_action_name(int a)
{
	if (a > 0 && (size_t)a < sizeof action_names / sizeof action_names[0])
		return action_names[a];
	return "unknown";
}

void
audit_entry_free(struct audit_entry *a)
{
	free(a->record);
	free(a->detail);
	a->record = a->detail = NULL;
}

/* The head: sequence number (be64) and hash of the newest entry. */
static int
head_get(struct txn *tx, uint64_t *seq, unsigned char hash[CRYPTO_HASHLEN],
    int upd, struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = store_get(tx, ST_META, HEAD_KEY, strlen(HEAD_KEY), &b, upd, e);
	if (rc == CR_ENOTFOUND) {
		*seq = 0;
		memset(hash, 0, CRYPTO_HASHLEN);
		rc = CR_OK;
	} else if (rc == CR_OK) {
		if (b.len != 8 + CRYPTO_HASHLEN)
			rc = err_set(e, CR_ECORRUPT, "meta.db: the audit head "
			    "is damaged (%zu bytes)", b.len);
		else {
			*seq = be64_get(b.data);
			memcpy(hash, b.data + 8, CRYPTO_HASHLEN);
		}
	}
	buf_free(&b);
	return rc;
}

int
audit_append(struct txn *tx, const char *user, const char *office,
    int action, const char *record, const char *detail, struct cr_err *e)
{
	unsigned char prev[CRYPTO_HASHLEN], hash[CRYPTO_HASHLEN], key[8];
	unsigned char head[8 + CRYPTO_HASHLEN];
	struct buf b;
	uint64_t seq;
	int rc;

	if ((rc = head_get(tx, &seq, prev, 1, e)) != CR_OK)
		return rc;
	seq++;
	buf_init(&b);
	buf_add(&b, "AU", 2);
	buf_add_u8(&b, AUDIT_VERSION);
	buf_add_u8(&b, (unsigned)action);
	buf_add_u64(&b, seq);
	buf_add_u64(&b, (uint64_t)cr_now());
	buf_add_str(&b, user ? user : "");
	buf_add_str(&b, office ? office : "");
	buf_add_str(&b, record ? record : "");
	buf_add_str(&b, detail ? detail : "");
	buf_add(&b, prev, CRYPTO_HASHLEN);
	crypto_sha256(b.data, b.len, hash);
	buf_add(&b, hash, CRYPTO_HASHLEN);
	be64_put(key, seq);
	rc = store_put(tx, ST_AUDIT, key, 8, b.data, b.len, 1, e);
	buf_free(&b);
	if (rc != CR_OK)
		return rc;
	be64_put(head, seq);
	memcpy(head + 8, hash, CRYPTO_HASHLEN);
	return store_put(tx, ST_META, HEAD_KEY, strlen(HEAD_KEY), head,
	    sizeof head, 0, e);
}

int
audit_decode(const void *p, size_t n, struct audit_entry *a,
    struct cr_err *e)
{
	unsigned char hash[CRYPTO_HASHLEN];
	const unsigned char *magic, *h;
	struct rd rd;
	char *s;

	memset(a, 0, sizeof *a);
	rd_init(&rd, p, n);
	magic = rd_bytes(&rd, 2);
	if (magic == NULL || magic[0] != 'A' || magic[1] != 'U' ||
	    rd_u8(&rd) != AUDIT_VERSION)
		return err_set(e, CR_ECORRUPT, "not an audit entry of version "
		    "%d", AUDIT_VERSION);
	a->action = (int)rd_u8(&rd);
	a->seq = rd_u64(&rd);
	a->time = (int64_t)rd_u64(&rd);
	s = rd_str(&rd);
	snprintf(a->user, sizeof a->user, "%s", s);
	free(s);
	s = rd_str(&rd);
	snprintf(a->office, sizeof a->office, "%s", s);
	free(s);
	a->record = rd_str(&rd);
	a->detail = rd_str(&rd);
	if ((h = rd_bytes(&rd, CRYPTO_HASHLEN)) != NULL)
		memcpy(a->prev, h, CRYPTO_HASHLEN);
	if ((h = rd_bytes(&rd, CRYPTO_HASHLEN)) != NULL)
		memcpy(a->hash, h, CRYPTO_HASHLEN);
	if (rd.bad || rd.left != 0) {
		audit_entry_free(a);
		return err_set(e, CR_ECORRUPT, "audit entry is damaged: a "
		    "length or text inside it is invalid");
	}
	crypto_sha256(p, n - CRYPTO_HASHLEN, hash);
	if (!crypto_memeq(hash, a->hash, CRYPTO_HASHLEN)) {
		audit_entry_free(a);
		return err_set(e, CR_ECORRUPT, "audit entry %llu was altered: "
		    "its hash does not match its content",
		    (unsigned long long)a->seq);
	}
	return CR_OK;
}

struct chain {
	uint64_t	 expect;
	unsigned char	 prev[CRYPTO_HASHLEN];
	int		 prev_unknown;	/* previous entry unreadable */
	int		 problems;
	struct cr_err	*report;
};

static int
chain_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct chain *c = arg;
	struct audit_entry a;
	struct cr_err e;
	uint64_t seq = kl == 8 ? be64_get(k) : 0;

	err_clear(&e);
	if (kl != 8) {
		c->problems++;
		err_add(c->report, CR_ECORRUPT, "audit.db: a key of %zu bytes "
		    "is not a sequence number", kl);
		return 0;
	}
	if (seq != c->expect) {
		c->problems++;
		err_add(c->report, CR_ECORRUPT, "audit.db: entries %llu to "
		    "%llu are missing", (unsigned long long)c->expect,
		    (unsigned long long)seq - 1);
	}
	c->expect = seq + 1;
	if (audit_decode(v, vl, &a, &e) != CR_OK) {
		c->problems++;
		err_add(c->report, CR_ECORRUPT, "audit.db: entry %llu: %s",
		    (unsigned long long)seq, e.msg);
		c->prev_unknown = 1;
		return 0;
	}
	if (a.seq != seq) {
		c->problems++;
		err_add(c->report, CR_ECORRUPT, "audit.db: entry %llu says it "
		    "is entry %llu (moved)", (unsigned long long)seq,
		    (unsigned long long)a.seq);
	}
	if (!c->prev_unknown && !crypto_memeq(a.prev, c->prev,
	    CRYPTO_HASHLEN)) {
		c->problems++;
		err_add(c->report, CR_ECORRUPT, "audit.db: entry %llu does not "
		    "follow entry %llu (chain broken: an entry was changed, "
		    "removed or inserted)", (unsigned long long)seq,
		    (unsigned long long)seq - 1);
	}
	memcpy(c->prev, a.hash, CRYPTO_HASHLEN);
	c->prev_unknown = 0;
	audit_entry_free(&a);
	return 0;
}

int
audit_verify_chain(struct txn *tx, struct cr_err *report, uint64_t *count)
{
	unsigned char hhash[CRYPTO_HASHLEN];
	struct chain c;
	struct cr_err e;
	uint64_t hseq;
	int rc;

	memset(&c, 0, sizeof c);
	c.expect = 1;
	c.report = report;
	err_clear(&e);
	rc = store_scan(tx, ST_AUDIT, NULL, 0, chain_visit, &c, &e);
	if (rc != CR_OK) {
		err_add(report, CR_ECORRUPT, "audit.db cannot be read to the "
		    "end: %s", e.msg);
		return c.problems + 1;
	}
	*count = c.expect - 1;
	if ((rc = head_get(tx, &hseq, hhash, 0, &e)) != CR_OK) {
		err_add(report, CR_ECORRUPT, "%s", e.msg);
		return c.problems + 1;
	}
	if (hseq != c.expect - 1 || (hseq > 0 &&
	    !crypto_memeq(hhash, c.prev, CRYPTO_HASHLEN))) {
		c.problems++;
		err_add(report, CR_ECORRUPT, "audit.db: the log ends at entry "
		    "%llu but the store recorded entry %llu as the newest (the "
		    "tail was cut or replaced)", (unsigned long long)c.expect - 1,
		    (unsigned long long)hseq);
	}
	return c.problems;
}

struct denied {
	struct session		*s;
	const char		*record;
	const struct cr_err	*why;
};

static int
denied_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct denied *d = arg;
	char detail[256];

	snprintf(detail, sizeof detail, "%.250s", d->why->msg);
	return audit_append(tx, d->s->user, d->s->office, AU_DENIED,
	    d->record ? d->record : "", detail, e);
}

/* Who tried what they may not do is itself worth keeping. */
void
audit_denied(struct session *s, const char *record, const struct cr_err *why)
{
	struct denied d = { s, record, why };
	struct cr_err e;

	if (s->store != NULL && why->code == CR_EPERM)
		(void)store_run(s->store, denied_txn, &d, &e);
}

struct listing {
	const char	*record;
	audit_visit_fn	 visit;
	void		*arg;
	int		 stop;
};

static int
list_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct listing *l = arg;
	struct audit_entry a;
	struct cr_err e;
	int r;

	(void)k;
	(void)kl;
	if (audit_decode(v, vl, &a, &e) != CR_OK)
		return 0;	/* verify reports damage; listing goes on */
	if (l->record == NULL || strcmp(l->record, a.record) == 0) {
		r = l->visit(l->arg, &a);
		if (r != 0) {
			audit_entry_free(&a);
			return 1;
		}
	}
	audit_entry_free(&a);
	return 0;
}

struct audit_read {
	struct session	*s;
	const char	*record;
};

static int
audit_note_read(struct txn *tx, void *arg, struct cr_err *e)
{
	struct audit_read *r = arg;

	return audit_append(tx, r->s->user, r->s->office, AU_AUDIT_READ,
	    r->record ? r->record : "", "audit log listed", e);
}

/*
 * The listing itself is a plain read after the access was recorded in its
 * own transaction, so a retried transaction never shows a line twice.
 */
int
audit_list(struct session *s, const char *record, audit_visit_fn visit,
    void *arg, struct cr_err *e)
{
	struct audit_read r = { s, record };
	struct listing l = { record, visit, arg, 0 };
	struct txn *tx;
	int rc;

	if ((rc = authz_check(s, AZ_AUDIT_READ, NULL, e)) != CR_OK) {
		audit_denied(s, record, e);
		return rc;
	}
	if ((rc = store_run(s->store, audit_note_read, &r, e)) != CR_OK)
		return rc;
	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	rc = store_scan(tx, ST_AUDIT, NULL, 0, list_visit, &l, e);
	if (rc == CR_OK)
		rc = store_commit(tx, e);
	else
		store_abort(tx);
	return rc;
}
