/*
 * sync.c -- export, import and merge: offices that agree without a network.
 *
 * Offices never share a database (DESIGN §6).  Each keeps, per other
 * office, how far that office has acknowledged its change log; an export
 * writes every change after that point -- whole record revisions with
 * their version vectors, the office's own audit entries, the revocations
 * it knows -- as one sealed, signed file (repfile.c) with the next
 * sequence number of the pair.  Sending more than needed is harmless:
 * import is idempotent, so a lost file costs nothing but the next export
 * carrying the same changes again, and files apply in any order.
 *
 * Import checks before it believes: the signature and the sender's
 * certificate chain (keys.c) before anything of the payload is read,
 * then that the file is for this office and not one already imported,
 * then decrypts, then checks that the signer may write each record it
 * sent (a commune its own records, a district or province those of its
 * area), and applies everything in one transaction or nothing.  Merging
 * a revision compares version vectors: one that dominates the local
 * record replaces it, one that is dominated or equal is ignored, and a
 * concurrent one is kept beside it in conflicts.db (only the latest of
 * the other side: a kept revision that a newer one covers goes): the
 * record is in the conflict queue until a registrar writes a revision
 * that dominates both (sync_resolve), which then reaches every office
 * like any other.  Whatever the order, loss and repetition of files,
 * every office then holds the same records: tests/converge.c tries it.
 * Imported revisions enter the change log, so a province passes its
 * communes' changes on.  After an import a signed receipt goes back to
 * the sender, whose import of it moves its acknowledged point.
 *
 * Diagnostics: a rejected file changes nothing; the reason names the
 * file, what is wrong and what to do, and the file is set aside in the
 * store's rejected/ directory with the reason beside it.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civreg.h"


/* --- the state of each pair of offices (peers.db) ------------------------ */

struct peer_out {
	uint64_t	next_seq;	/* of the next file to that office */
	uint64_t	acked_hw;	/* change log acknowledged up to */
	uint64_t	acked_audit;	/* audit log acknowledged up to */
};

static void
peer_key(struct buf *k, int kind, const char *office)
{
	buf_reset(k);
	buf_add_u8(k, (unsigned)kind);
	buf_add_cstr(k, office);
}

static int
peer_out_get(struct txn *tx, const char *office, struct peer_out *p,
    struct cr_err *e)
{
	struct buf k, v;
	struct rd rd;
	int rc;

	buf_init(&k);
	buf_init(&v);
	memset(p, 0, sizeof *p);
	p->next_seq = 1;
	peer_key(&k, 'O', office);
	rc = store_get(tx, ST_PEERS, k.data, k.len, &v, 1, e);
	if (rc == CR_ENOTFOUND) {
		err_clear(e);
		rc = CR_OK;
	} else if (rc == CR_OK) {
		rd_init(&rd, v.data, v.len);
		if (rd_u8(&rd) != 1)
			rd.bad = 1;
		p->next_seq = rd_u64(&rd);
		p->acked_hw = rd_u64(&rd);
		p->acked_audit = rd_u64(&rd);
		if (rd.bad || rd.left)
			rc = err_set(e, CR_ECORRUPT, "peers.db: the state of "
			    "office %s is damaged", office);
	}
	buf_free(&k);
	buf_free(&v);
	return rc;
}

static int
peer_out_put(struct txn *tx, const char *office, const struct peer_out *p,
    struct cr_err *e)
{
	struct buf k, v;
	int rc;

	buf_init(&k);
	buf_init(&v);
	peer_key(&k, 'O', office);
	buf_add_u8(&v, 1);
	buf_add_u64(&v, p->next_seq);
	buf_add_u64(&v, p->acked_hw);
	buf_add_u64(&v, p->acked_audit);
	rc = store_put(tx, ST_PEERS, k.data, k.len, v.data, v.len, 0, e);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

static void
in_key(struct buf *k, const char *office, uint64_t seq)
{
	unsigned char s[8];

	peer_key(k, 'I', office);
	be64_put(s, seq);
	buf_add(k, s, 8);
}

/* --- payload ------------------------------------------------------------- */

static void
le64_put(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* --- export -------------------------------------------------------------- */

struct export {
	struct session		*s;
	const char		*to;
	const char		*dir;
	struct sync_result	*res;
	struct buf		 payload;
	struct buf		 file;
	struct txn		*tx;
	struct cr_err		*e;
	uint64_t		 hw, audit_hw;
	char			 tmp[4096];
};

/* The owning office of a record, from its id: OFFICE-NUMBER. */
static const char *
owner_of(const void *key, size_t kl, char o[OFFICE_LEN])
{
	const char *dash = memchr(key, '-', kl);
	size_t n = dash ? (size_t)(dash - (const char *)key) : 0;

	if (n >= OFFICE_LEN)
		n = 0;
	memcpy(o, key, n);
	o[n] = '\0';
	return o;
}

static int
export_change(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct export *x = arg;
	char owner[OFFICE_LEN];
	struct buf rev;
	int rc;

	buf_init(&rev);
	rc = regist_history_get(x->tx, v, vl, &rev, x->e);
	/*
	 * Only records this office may write: a commune that received its
	 * neighbours' records from the province does not send them back
	 * (the recipient would refuse the whole file).
	 */
	if (rc == CR_OK && keys_authority(x->s->office,
	    owner_of(v, vl, owner))) {
		repfile_entry_add(&x->payload, PE_REVISION, rev.data, rev.len);
		x->res->records++;
	}
	buf_free(&rev);
	if (kl == 8)
		x->hw = be64_get(k);
	return rc == CR_OK ? 0 : -rc;
}

static int
export_audit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct export *x = arg;

	repfile_entry_add(&x->payload, PE_AUDIT, v, vl);
	x->res->audit++;
	if (kl == 8)
		x->audit_hw = be64_get(k);
	return 0;
}

static int
export_revocation(void *arg, const struct key_revocation *r)
{
	struct export *x = arg;
	struct buf b;

	buf_init(&b);
	keys_revocation_encode(r, &b);
	repfile_entry_add(&x->payload, PE_REVOCATION, b.data, b.len);
	buf_free(&b);
	return 0;
}

/* Writes a file beside its final name, then links it into place. */
int
sync_write_new(const char *path, const struct buf *b, char *tmp, size_t tmpsz,
    struct cr_err *e)
{
	size_t off;
	ssize_t n = 0;
	int fd;

	snprintf(tmp, tmpsz, "%s.tmp%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return err_set(e, CR_EIO, "cannot write %s: %s", tmp,
		    strerror(errno));
	for (off = 0; off < b->len; off += (size_t)n)
		if ((n = write(fd, b->data + off, b->len - off)) <= 0)
			break;
	if (off < b->len || fsync(fd) != 0 || close(fd) != 0) {
		err_set(e, CR_EIO, "cannot write %s: %s", tmp, off < b->len &&
		    n == 0 ? "no space written" : strerror(errno));
		if (off < b->len)
			close(fd);
		unlink(tmp);
		return CR_EIO;
	}
	return CR_OK;
}

/*
 * Gives a written file its name without replacing a file of that name:
 * link(2), or rename(2) where the file system has no links (FAT sticks),
 * after checking that the name is free.
 */
int
sync_place_new(const char *tmp, const char *path)
{
	struct stat st;

	if (link(tmp, path) == 0)
		return 0;
	if (errno == EEXIST || stat(path, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(tmp, path);
}

int
sync_seal(struct txn *tx, struct session *s, const char *to, int kind,
    uint64_t seq, const struct buf *payload, struct buf *file,
    struct cr_err *e)
{
	struct repfile_head h;
	struct office_keys own;
	struct office_cert peer;
	int rc;

	memset(&h, 0, sizeof h);
	if ((rc = keys_peer(tx, to, &peer, e)) == CR_ENOTFOUND)
		return err_set(e, CR_ENOTFOUND, "no certified key of office %s "
		    "is known here: install its certificate with 'civreg keys "
		    "install FILE' (doc/replication.md)", to);
	if (rc != CR_OK)
		return rc;
	if ((rc = keys_own(tx, &own, e)) != CR_OK)
		return rc;
	if ((rc = keys_own_chain(tx, h.chain, &h.nchain, e)) != CR_OK)
		goto out;
	h.kind = kind;
	snprintf(h.sender, sizeof h.sender, "%s", s->office);
	snprintf(h.recipient, sizeof h.recipient, "%s", to);
	h.seq = seq;
	h.created = (int64_t)cr_now();
	keys_id(own.sign_pk, h.sender_id);
	keys_id(peer.sign_pk, h.recipient_id);
	rc = repfile_seal(&h, &own, peer.enc_pk, payload->data, payload->len,
	    file, e);
out:
	crypto_wipe(&own, sizeof own);
	return rc;
}

static int
export_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct export *x = arg;
	struct peer_out po;
	unsigned char from[8];
	char detail[200];
	uint64_t seq;
	int rc;

	x->tx = tx;
	x->e = e;
	x->res->records = x->res->audit = 0;
	if ((rc = peer_out_get(tx, x->to, &po, e)) != CR_OK)
		return rc;
	x->hw = po.acked_hw;
	x->audit_hw = po.acked_audit;
	repfile_payload_start(&x->payload, 0, 0);	/* high waters set below */
	be64_put(from, po.acked_hw + 1);
	if ((rc = store_scan_from(tx, ST_CHANGES, from, 8, export_change, x,
	    e)) != CR_OK)
		return rc;
	be64_put(from, po.acked_audit + 1);
	if ((rc = store_scan_from(tx, ST_AUDIT, from, 8, export_audit, x,
	    e)) != CR_OK)
		return rc;
	if ((rc = keys_revocations(tx, export_revocation, x, e)) != CR_OK)
		return rc;
	le64_put(x->payload.data + 3, x->hw);	/* as rd_u64 reads it */
	le64_put(x->payload.data + 11, x->audit_hw);
	seq = po.next_seq++;
	if ((rc = peer_out_put(tx, x->to, &po, e)) != CR_OK)
		return rc;
	if ((rc = sync_seal(tx, x->s, x->to, RF_CHANGES, seq, &x->payload,
	    &x->file, e)) != CR_OK)
		return rc;
	x->res->seq = seq;
	snprintf(x->res->path, sizeof x->res->path, "%.3900s/%s-to-%s-%06llu.crf",
	    x->dir, x->s->office, x->to, (unsigned long long)seq);
	snprintf(detail, sizeof detail, "file %llu to %s: %zu revisions, %zu "
	    "audit entries", (unsigned long long)seq, x->to, x->res->records,
	    x->res->audit);
	return audit_append(tx, x->s->user, x->s->office, AU_EXPORT, "",
	    detail, e);
}

int
sync_export(struct session *s, const char *to, const char *dir,
    struct sync_result *res, struct cr_err *e)
{
	struct export x;
	struct stat st;
	char shown[48];
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = authz_check(s, AZ_REPLICATE, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (!office_code_shape(to)) {
		str_printable(shown, sizeof shown, to);
		return err_set(e, CR_EINVAL, "'%s%s' is not an office code: "
		    "give the code of the office to export to, 2, 4 or 6 "
		    "digits (00 for the national office)", shown,
		    strlen(to) >= sizeof shown ? "..." : "");
	}
	if (strcmp(to, s->office) == 0)
		return err_set(e, CR_EINVAL, "%s is this office: export to "
		    "another office", to);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, CR_EINVAL, "%s is not a directory: give the "
		    "directory to write the file in (a USB stick's)", dir);
	memset(&x, 0, sizeof x);
	x.s = s;
	x.to = to;
	x.dir = dir;
	x.res = res;
	buf_init(&x.payload);
	buf_init(&x.file);
	rc = store_run(s->store, export_txn, &x, e);
	/*
	 * Written after the commit: if it fails, the sequence number is
	 * spent and the recipient reports a gap, but nothing is lost -- the
	 * next export carries every change not acknowledged.
	 */
	if (rc == CR_OK && ((rc = sync_write_new(res->path, &x.file, x.tmp,
	    sizeof x.tmp, e)) != CR_OK || sync_place_new(x.tmp, res->path) != 0))
		rc = err_set(e, CR_EIO, "the export is recorded but %s could "
		    "not be written (%s): export again", res->path,
		    e->msg[0] ? e->msg : strerror(errno));
	if (x.tmp[0])
		unlink(x.tmp);
	buf_free(&x.payload);
	buf_free(&x.file);
	return rc;
}

/* --- import -------------------------------------------------------------- */

struct import {
	struct session		*s;
	const unsigned char	*file;
	size_t			 n;
	struct repfile_head	 h;
	struct sync_result	*res;
	unsigned char		 digest[CRYPTO_HASHLEN];
	uint64_t		 hw, audit_hw;
	struct buf		 receipt;	/* the receipt's payload */
	struct txn		*tx;
	uint64_t		 change, change0;	/* seq.change */
	const char		*path;
	const unsigned char	*pbase;		/* the payload, for progress */
	size_t			 plen, next_report;
	int			 pools;		/* allocations in the file */
};

/*
 * Progress on big files: a 100,000-record file takes seconds to apply,
 * and a clerk should see it moving.  Reported by payload bytes, in
 * twentieths, for payloads of 1 MB and more.
 */
#define PROGRESS_MIN	(1024 * 1024)
/*
 * From this size on (some 1,000 births) an import runs as a bulk
 * transaction: its new pages are written at commit instead of logged.
 * Below it, the sync of whole files at commit would cost more.
 */
#define SYNC_BULK_BYTES	(1024 * 1024)
static sync_progress_fn	progress_fn;
static void		*progress_arg;

void
sync_set_progress(sync_progress_fn fn, void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

static void
progress(struct import *im, const void *at)
{
	size_t done = (size_t)((const unsigned char *)at - im->pbase);

	if (progress_fn == NULL || im->plen < PROGRESS_MIN ||
	    done < im->next_report)
		return;
	im->next_report = done + im->plen / 20;
	progress_fn(progress_arg, im->path, done, im->plen);
}

static int
read_file(const char *path, struct buf *b, struct cr_err *e)
{
	unsigned char chunk[65536];
	ssize_t got;
	int fd;

	buf_reset(b);
	if ((fd = open(path, O_RDONLY)) < 0)
		return err_set(e, CR_ENOTFOUND, "cannot read %s: %s", path,
		    strerror(errno));
	while ((got = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(b, chunk, (size_t)got);
	close(fd);
	if (got < 0)
		return err_set(e, CR_EIO, "cannot read %s: %s", path,
		    strerror(errno));
	return CR_OK;
}

/*
 * Writes a revision that came from elsewhere: current, history, log.
 * The change-log numbers are counted in memory (im->change) and stored
 * once at the end of the transaction: meta_next for each of 100,000
 * revisions would read and write the same meta.db page 100,000 times.
 */
static int
put_incoming(struct import *im, struct txn *tx, const struct record *r,
    const void *enc, size_t len, int current, struct cr_err *e)
{
	struct buf k, m;
	unsigned char seqk[8], rv[4];
	int rc;

	buf_init(&k);
	buf_init(&m);
	buf_add_cstr(&k, r->id);
	be32_put(rv, r->rev);
	buf_add(&k, rv, 4);
	if (current && ((rc = regist_history_demote(tx, r->id, e)) != CR_OK ||
	    (rc = store_put(tx, ST_RECORDS, r->id, strlen(r->id), enc, len, 0,
	    e)) != CR_OK))
		goto out;
	/* A mark: the current revision, in records.db (regist.c). */
	regist_history_mark(enc, len, &m);
	rc = store_put(tx, ST_HISTORY, k.data, k.len, m.data, m.len, 1, e);
	if (rc == CR_EEXIST) {		/* that revision is here already */
		err_clear(e);
		rc = CR_OK;
		goto out;
	}
	if (rc != CR_OK)
		goto out;
	be64_put(seqk, ++im->change);
	rc = store_put(tx, ST_CHANGES, seqk, 8, k.data, k.len, 1, e);
out:
	buf_free(&k);
	buf_free(&m);
	return rc;
}

struct conflict_scan {
	const struct record	*incoming;
	int			 same;		/* already kept */
	int			 newer;		/* a kept one dominates it */
	struct keylist		 drop;		/* dominated: to delete */
};

static int
conflict_visit(void *arg, const void *k, size_t kl, const void *v,
    size_t vl)
{
	struct conflict_scan *c = arg;
	struct record r;
	struct cr_err de;
	int cmp;

	rec_init(&r);
	if (rec_decode(v, vl, &r, &de) != CR_OK)
		return 0;
	cmp = rec_vv_compare(c->incoming, &r);
	if (cmp == VV_EQUAL)
		c->same = 1;
	else if (cmp == VV_DOMINATED)
		c->newer = 1;
	else if (cmp == VV_DOMINATES) {
		c->drop.keys = xrealloc(c->drop.keys, (c->drop.n + 1) *
		    sizeof *c->drop.keys);
		buf_init(&c->drop.keys[c->drop.n]);
		buf_add(&c->drop.keys[c->drop.n++], k, kl);
	}
	rec_free(&r);
	return 0;
}

/*
 * The kept concurrent revisions of a record against r: whether r is one
 * of them (*same 1) or older than one of them (*same 2); if neither,
 * those r dominates are settled by it and go.
 */
static int
conflicts_against(struct txn *tx, const struct record *r, int *same,
    struct cr_err *e)
{
	struct conflict_scan c;
	struct buf k;
	size_t i;
	int rc;

	memset(&c, 0, sizeof c);
	c.incoming = r;
	buf_init(&k);
	buf_add_cstr(&k, r->id);
	rc = store_scan(tx, ST_CONFLICTS, k.data, k.len, conflict_visit, &c,
	    e);
	for (i = 0; rc == CR_OK && !c.same && !c.newer && i < c.drop.n; i++)
		rc = store_del(tx, ST_CONFLICTS, c.drop.keys[i].data,
		    c.drop.keys[i].len, e);
	*same = c.same ? 1 : c.newer ? 2 : 0;
	keylist_free(&c.drop);
	buf_free(&k);
	return rc;
}

static int
keep_conflict(struct txn *tx, const struct record *r, const void *enc,
    size_t len, struct cr_err *e)
{
	unsigned char h[CRYPTO_HASHLEN];
	struct buf k;
	int rc;

	buf_init(&k);
	buf_add_cstr(&k, r->id);
	crypto_sha256(enc, len, h);
	buf_add(&k, h, 8);
	rc = store_put(tx, ST_CONFLICTS, k.data, k.len, enc, len, 0, e);
	buf_free(&k);
	return rc;
}

/* The identity code registration issued into r, or NULL. */
static const char *
issued_code(const struct record *r, const struct form *f)
{
	const char *v = f->issue_field ? rec_value(r, f->issue_field) : NULL;

	return v && *v ? v : NULL;
}

/* Merges one incoming revision by its version vector. */
static int
merge(struct import *im, struct txn *tx, const void *enc, size_t len,
    struct cr_err *e)
{
	const struct form *f;
	struct record in, cur;
	struct buf b;
	int rc, same, cmp;

	rec_init(&in);
	rec_init(&cur);
	buf_init(&b);
	if ((rc = rec_decode(enc, len, &in, e)) != CR_OK) {
		rc = err_set(e, CR_ECORRUPT, "a record in the file is damaged: "
		    "%s", e->msg);
		goto out;
	}
	if (!keys_authority(im->h.sender, in.office)) {
		rc = err_set(e, CR_EPERM, "office %s may not write record %s, "
		    "which belongs to office %s: a commune writes only its own "
		    "records, a district or province those of its area",
		    im->h.sender, in.id, in.office);
		goto out;
	}
	/*
	 * A record new here (most of a big first file) is written at once:
	 * trying the write first spares a lookup of every new record.
	 */
	rc = store_put_fresh(tx, &in, enc, len, e);
	if (rc == CR_OK) {
		if ((rc = put_incoming(im, tx, &in, enc, len, 0, e)) == CR_OK)
			im->res->applied++;
		goto out;
	}
	if (rc != CR_EEXIST)
		goto out;
	err_clear(e);
	rc = store_get(tx, ST_RECORDS, in.id, strlen(in.id), &b, 1, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_EDB, "records.db: %s is there and is not",
		    in.id);
	if (rc != CR_OK || (rc = rec_decode(b.data, b.len, &cur, e)) != CR_OK)
		goto out;
	cmp = rec_vv_compare(&in, &cur);
	if (cmp == VV_EQUAL || cmp == VV_DOMINATED) {
		im->res->ignored++;
		goto out;
	}
	if (cmp == VV_DOMINATES) {
		/*
		 * An issued code is never taken away or replaced: every
		 * revision after it carries it (resolve_txn keeps it), so
		 * one that does not is refused with its file.
		 */
		f = form_by_code(cur.kind);
		if (f && issued_code(&cur, f) && (issued_code(&in, f) == NULL ||
		    strcmp(issued_code(&in, f), issued_code(&cur, f)) != 0)) {
			rc = err_set(e, CR_EPERM, "the revision of %s from office "
			    "%s removes or changes its identity code %s, which "
			    "is never done: the file is refused", in.id,
			    im->h.sender, issued_code(&cur, f));
			goto out;
		}
		if ((rc = put_incoming(im, tx, &in, enc, len, 1, e)) != CR_OK ||
		    (rc = conflicts_against(tx, &in, &same, e)) !=
		    CR_OK)
			goto out;
		im->res->applied++;
		goto out;
	}
	/*
	 * Concurrent: keep both; the local one stays current.  Of the other
	 * side only its latest revision is kept: one that a kept revision
	 * already covers is ignored, and the kept ones it covers go (else a
	 * commune's two edits in a row would be two conflicts, and the
	 * registrar could not keep "the other" one).
	 */
	if ((rc = conflicts_against(tx, &in, &same, e)) != CR_OK)
		goto out;
	if (same) {
		im->res->ignored++;
		goto out;
	}
	if ((rc = keep_conflict(tx, &in, enc, len, e)) == CR_OK)
		im->res->conflicts++;
out:
	rec_free(&in);
	rec_free(&cur);
	buf_free(&b);
	return rc;
}

static int
raudit_put(struct import *im, struct txn *tx, const void *enc, size_t len,
    struct cr_err *e)
{
	struct audit_entry a;
	unsigned char s[8];
	struct buf k;
	int rc;

	if ((rc = audit_decode(enc, len, &a, e)) != CR_OK)
		return err_set(e, CR_ECORRUPT, "an audit entry in the file is "
		    "damaged: %s", e->msg);
	buf_init(&k);
	buf_add_cstr(&k, im->h.sender);
	be64_put(s, a.seq);
	buf_add(&k, s, 8);
	audit_entry_free(&a);
	rc = store_put(tx, ST_RAUDIT, k.data, k.len, enc, len, 1, e);
	if (rc == CR_EEXIST) {
		err_clear(e);
		rc = CR_OK;
	}
	buf_free(&k);
	return rc;
}

/* The highest sequence number seen from an office, for gap reports. */
struct seen {
	uint64_t	max;
	uint64_t	count;
};

static int
seen_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct seen *sn = arg;
	uint64_t q;

	(void)v;
	(void)vl;
	if (kl < 8)
		return 0;
	q = be64_get((const unsigned char *)k + kl - 8);
	if (q > sn->max)
		sn->max = q;
	sn->count++;
	return 0;
}

static int
apply_entry(void *arg, int type, const void *data, size_t len,
    struct cr_err *e)
{
	struct import *im = arg;
	struct key_revocation kr;
	int rc;

	progress(im, data);
	/* An allocation file holds one allocation and nothing else. */
	if ((im->h.kind == RF_ALLOCATION) != (type == PE_KIDC_POOL))
		return err_set(e, CR_ECORRUPT, "the file holds an entry of type "
		    "%d, which does not belong in %s file", type,
		    im->h.kind == RF_ALLOCATION ? "an allocation" :
		    "a changes or receipt");
	switch (type) {
	case PE_KIDC_POOL:
		if (im->pools++ > 0)
			return err_set(e, CR_ECORRUPT, "the file holds more "
			    "than one allocation of identity codes");
		return kidc_pool_receive(im->tx, im->s, im->h.sender, im->h.seq,
		    data, len, &im->res->codes, &im->res->assigned, e);
	case PE_REVISION:
		return merge(im, im->tx, data, len, e);
	case PE_AUDIT:
		return raudit_put(im, im->tx, data, len, e);
	case PE_REVOCATION:
		if ((rc = keys_revocation_decode(data, len, &kr, e)) != CR_OK)
			return rc;
		/*
		 * One that cannot be checked here (its issuer's key is not
		 * known, or revoked) is passed over: it is news for other
		 * offices, it comes again with every export, and refusing
		 * the file would refuse every file of the sender for ever.
		 */
		rc = keys_apply_revocation(im->tx, &kr, e);
		if (rc == CR_ENOTFOUND) {
			err_clear(e);
			rc = CR_OK;
		}
		return rc;
	case PE_RECEIPT:
		buf_reset(&im->receipt);
		buf_add(&im->receipt, data, len);
		return CR_OK;
	}
	return err_set(e, CR_ECORRUPT, "the file holds an entry of unknown "
	    "type %d", type);
}

/* A receipt: the other office has applied our file up to hw. */
static int
apply_receipt(struct import *im, struct txn *tx, struct cr_err *e)
{
	struct peer_out po;
	struct rd rd;
	uint64_t seq, hw, ahw;
	int rc;

	rd_init(&rd, im->receipt.data, im->receipt.len);
	seq = rd_u64(&rd);
	hw = rd_u64(&rd);
	ahw = rd_u64(&rd);
	im->res->applied = rd_u32(&rd);
	im->res->ignored = rd_u32(&rd);
	im->res->conflicts = rd_u32(&rd);
	if (rd.bad || im->receipt.len == 0)
		return err_set(e, CR_ECORRUPT, "the receipt is damaged");
	if ((rc = peer_out_get(tx, im->h.sender, &po, e)) != CR_OK)
		return rc;
	if (seq >= po.next_seq)
		return err_set(e, CR_EINVAL, "the receipt acknowledges file %llu "
		    "to office %s, which this office never sent",
		    (unsigned long long)seq, im->h.sender);
	if (hw > po.acked_hw)
		po.acked_hw = hw;
	if (ahw > po.acked_audit)
		po.acked_audit = ahw;
	im->res->seq = seq;
	im->res->receipt = 1;
	if ((rc = peer_out_put(tx, im->h.sender, &po, e)) != CR_OK)
		return rc;
	/* Codes issued here are confirmed once an office above has them. */
	if (strcmp(im->h.sender, im->s->office) != 0 &&
	    keys_authority(im->h.sender, im->s->office))
		rc = kidc_pool_confirm(tx, po.acked_hw, &im->res->confirmed, e);
	return rc;
}

static int
import_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct import *im = arg;
	struct office_keys own;
	struct seen sn;
	struct buf k, payload;
	unsigned char id[KEY_ID_LEN], rec[CRYPTO_HASHLEN + 8];
	char detail[300];
	int rc;

	buf_init(&k);
	buf_init(&payload);
	memset(&own, 0, sizeof own);
	im->res->applied = im->res->ignored = im->res->conflicts = 0;
	im->res->codes = im->res->assigned = im->res->confirmed = 0;
	im->pools = 0;
	im->res->gap_from = im->res->gap_to = 0;
	/* Trust before anything of the payload is read. */
	if ((rc = keys_verify_chain(tx, im->h.chain, im->h.nchain, e)) !=
	    CR_OK) {
		rc = err_set(e, CR_EPERM, "the signer is not trusted: %s",
		    e->msg);	/* err_set formats before it clears */
		goto out;
	}
	if ((rc = keys_own(tx, &own, e)) != CR_OK)
		goto out;
	keys_id(own.sign_pk, id);
	if (strcmp(im->h.recipient, im->s->office) != 0 ||
	    !crypto_memeq(id, im->h.recipient_id, KEY_ID_LEN)) {
		rc = err_set(e, CR_EPERM, "the file is for office %s, not for "
		    "this office (%s)", im->h.recipient, im->s->office);
		goto out;
	}
	if (im->h.kind == RF_ALLOCATION && strcmp(im->h.sender, "00") != 0) {
		rc = err_set(e, CR_EPERM, "identity codes are allocated only by "
		    "the national office (00), and this allocation file is "
		    "signed by office %s", im->h.sender);
		goto out;
	}
	if (im->h.kind == RF_CHANGES) {
		in_key(&k, im->h.sender, im->h.seq);
		rc = store_get(tx, ST_PEERS, k.data, k.len, NULL, 0, e);
		if (rc == CR_OK) {
			rc = err_set(e, CR_EEXIST, "file %llu from office %s was "
			    "imported already: nothing is applied twice",
			    (unsigned long long)im->h.seq, im->h.sender);
			goto out;
		}
		if (rc != CR_ENOTFOUND)
			goto out;
		err_clear(e);
	}
	if ((rc = repfile_open(im->file, im->n, &own, &payload, e)) != CR_OK)
		goto out;
	buf_reset(&im->receipt);
	im->tx = tx;
	if ((rc = meta_get_u64(tx, "seq.change", &im->change0, 1, e)) != CR_OK)
		goto out;
	im->change = im->change0;
	im->pbase = payload.data;
	im->plen = payload.len;
	im->next_report = 0;
	if ((rc = repfile_payload(payload.data, payload.len, &im->hw,
	    &im->audit_hw, apply_entry, im, e)) != CR_OK)
		goto out;
	if (progress_fn && im->plen >= PROGRESS_MIN)
		progress_fn(progress_arg, im->path, im->plen, im->plen);
	if (im->change != im->change0 && (rc = meta_put_u64(tx, "seq.change",
	    im->change, e)) != CR_OK)
		goto out;
	if (im->h.kind == RF_RECEIPT) {
		if ((rc = apply_receipt(im, tx, e)) != CR_OK)
			goto out;
		snprintf(detail, sizeof detail, "receipt from %s for file %llu",
		    im->h.sender, (unsigned long long)im->res->seq);
	} else if (im->h.kind == RF_ALLOCATION) {
		if (im->pools == 0) {
			rc = err_set(e, CR_ECORRUPT, "the allocation file holds "
			    "no identity codes");
			goto out;
		}
		im->res->seq = im->h.seq;
		snprintf(detail, sizeof detail, "allocation %llu from %s: %zu "
		    "identity codes, %zu waiting registrations given one",
		    (unsigned long long)im->h.seq, im->h.sender,
		    im->res->codes, im->res->assigned);
	} else {
		memset(&sn, 0, sizeof sn);
		peer_key(&k, 'I', im->h.sender);
		if ((rc = store_scan(tx, ST_PEERS, k.data, k.len, seen_visit,
		    &sn, e)) != CR_OK)
			goto out;
		if (im->h.seq > sn.max + 1) {
			im->res->gap_from = sn.max + 1;
			im->res->gap_to = im->h.seq - 1;
		}
		in_key(&k, im->h.sender, im->h.seq);
		memcpy(rec, im->digest, CRYPTO_HASHLEN);
		be64_put(rec + CRYPTO_HASHLEN, (uint64_t)cr_now());
		if ((rc = store_put(tx, ST_PEERS, k.data, k.len, rec,
		    sizeof rec, 1, e)) != CR_OK)
			goto out;
		im->res->seq = im->h.seq;
		snprintf(detail, sizeof detail, "file %llu from %s: %zu "
		    "applied, %zu ignored, %zu conflicts",
		    (unsigned long long)im->h.seq, im->h.sender,
		    im->res->applied, im->res->ignored, im->res->conflicts);
	}
	rc = audit_append(tx, im->s->user, im->s->office, AU_IMPORT, "",
	    detail, e);
out:
	crypto_wipe(&own, sizeof own);
	buf_free(&k);
	buf_free(&payload);
	return rc;
}

/* Keeps a refused file, and why, in the store's rejected/ directory. */
static void
set_aside(struct session *s, const char *path, const struct buf *file,
    const char *why)
{
	char dir[4096], dst[4600], tmp[4700];
	const char *base = strrchr(path, '/');
	struct buf r;

	base = base ? base + 1 : path;
	snprintf(dir, sizeof dir, "%s/rejected", store_dir(s->store));
	mkdir(dir, 0700);
	snprintf(dst, sizeof dst, "%s/%s", dir, base);
	if (sync_write_new(dst, file, tmp, sizeof tmp, &(struct cr_err){ 0 }) ==
	    CR_OK && rename(tmp, dst) != 0)
		unlink(tmp);
	buf_init(&r);
	buf_add(&r, why, strlen(why));
	buf_add(&r, "\n", 1);
	snprintf(dst, sizeof dst, "%s/%s.reason", dir, base);
	if (sync_write_new(dst, &r, tmp, sizeof tmp, &(struct cr_err){ 0 }) ==
	    CR_OK && rename(tmp, dst) != 0)
		unlink(tmp);
	buf_free(&r);
}

/* The receipt for the sender of an imported file, beside it. */
static int
write_receipt(struct session *s, struct import *im, const char *dir,
    struct sync_result *res, struct cr_err *e)
{
	struct buf p, file;
	char tmp[4200];
	struct txn *tx;
	int rc;

	buf_init(&p);
	buf_init(&file);
	repfile_payload_start(&p, 0, 0);
	buf_add_u8(&p, PE_RECEIPT);
	buf_add_u32(&p, 8 + 8 + 8 + 12);
	buf_add_u64(&p, im->h.seq);
	buf_add_u64(&p, im->hw);
	buf_add_u64(&p, im->audit_hw);
	buf_add_u32(&p, (uint32_t)res->applied);
	buf_add_u32(&p, (uint32_t)res->ignored);
	buf_add_u32(&p, (uint32_t)res->conflicts);
	if ((rc = store_begin_read(s->store, &tx, e)) == CR_OK) {
		rc = sync_seal(tx, s, im->h.sender, RF_RECEIPT, im->h.seq, &p,
		    &file, e);
		store_abort(tx);
	}
	snprintf(res->receipt_path, sizeof res->receipt_path,
	    "%.3900s/%s-receipt-%s-%06llu.crf", dir, s->office, im->h.sender,
	    (unsigned long long)im->h.seq);
	if (rc == CR_OK && (rc = sync_write_new(res->receipt_path, &file, tmp,
	    sizeof tmp, e)) == CR_OK && rename(tmp, res->receipt_path) != 0) {
		rc = err_set(e, CR_EIO, "cannot write %s: %s",
		    res->receipt_path, strerror(errno));
		unlink(tmp);
	}
	buf_free(&p);
	buf_free(&file);
	return rc;
}

int
sync_import(struct session *s, const char *path, const char *receipt_dir,
    struct sync_result *res, struct cr_err *e)
{
	struct import im;
	struct buf file;
	char dir[4096];
	const char *slash;
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = authz_check(s, AZ_REPLICATE, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	buf_init(&file);
	if ((rc = read_file(path, &file, e)) != CR_OK)
		goto out;
	memset(&im, 0, sizeof im);
	im.s = s;
	im.file = file.data;
	im.n = file.len;
	im.res = res;
	im.path = path;
	buf_init(&im.receipt);
	crypto_sha256(file.data, file.len, im.digest);
	/* A big file is mostly new records: a bulk transaction (store.c). */
	if ((rc = repfile_verify(file.data, file.len, &im.h, e)) == CR_OK)
		rc = (file.len >= SYNC_BULK_BYTES ? store_run_bulk :
		    store_run)(s->store, import_txn, &im, e);
	res->kind = im.h.kind;
	snprintf(res->from, sizeof res->from, "%s", im.h.sender);
	if (rc == CR_EPERM)	/* the role was checked above: the file */
		rc = e->code = CR_EINVAL;
	if (rc != CR_OK) {
		if (rc != CR_ENOTFOUND || file.len > 0)
			set_aside(s, path, &file, e->msg);
		buf_free(&im.receipt);
		goto out;
	}
	buf_free(&im.receipt);
	if (im.h.kind == RF_CHANGES) {
		slash = strrchr(path, '/');
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) :
		    1, slash ? path : ".");
		rc = write_receipt(s, &im, receipt_dir ? receipt_dir : dir,
		    res, e);
		if (rc != CR_OK)
			rc = err_set(e, rc, "the file is imported, but its "
			    "receipt could not be written: %s", e->msg);
	}
out:
	buf_free(&file);
	return rc;
}

/* --- conflicts ----------------------------------------------------------- */

struct conflict_list {
	sync_conflict_fn	 fn;
	void			*arg;
	struct txn		*tx;
	struct record		*local;
	int			 stop;
};

static int
list_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct conflict_list *cl = arg;
	struct record other, local;
	struct cr_err e;
	struct buf b;
	int rc = 0;

	(void)kl;
	rec_init(&other);
	rec_init(&local);
	buf_init(&b);
	if (rec_decode(v, vl, &other, &e) == CR_OK &&
	    store_get(cl->tx, ST_RECORDS, k, strlen(k), &b, 0, &e) == CR_OK &&
	    rec_decode(b.data, b.len, &local, &e) == CR_OK)
		rc = cl->fn(cl->arg, &local, &other);
	rec_free(&other);
	rec_free(&local);
	buf_free(&b);
	return rc != 0;
}

int
sync_conflicts(struct session *s, const char *id, sync_conflict_fn fn,
    void *arg, struct cr_err *e)
{
	struct conflict_list cl;
	struct txn *tx;
	struct buf k;
	int rc;

	if ((rc = authz_check(s, AZ_READ, NULL, e)) != CR_OK)
		return rc;
	memset(&cl, 0, sizeof cl);
	cl.fn = fn;
	cl.arg = arg;
	buf_init(&k);
	if (id)
		buf_add_cstr(&k, id);
	if ((rc = store_begin_read(s->store, &tx, e)) == CR_OK) {
		cl.tx = tx;
		rc = store_scan(tx, ST_CONFLICTS, k.data, k.len, list_visit,
		    &cl, e);
		store_abort(tx);
	}
	buf_free(&k);
	return rc;
}

struct resolve {
	struct session		*s;
	const char		*id;
	int			 keep_other;
	const char		*reason;
	struct record		*after;
};

struct collect_revs {
	size_t		 n;
	struct record	*r;
};

static int
collect_rev(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct collect_revs *c = arg;
	struct cr_err e;

	(void)k;
	(void)kl;
	c->r = xrealloc(c->r, (c->n + 1) * sizeof *c->r);
	rec_init(&c->r[c->n]);
	if (rec_decode(v, vl, &c->r[c->n], &e) == CR_OK)
		c->n++;
	return 0;
}

/*
 * A registrar settles a conflict: the kept revision (the local one, or
 * the other) becomes a new revision whose version vector covers both,
 * so it dominates each at every office it reaches.
 */
static int
resolve_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct resolve *rv = arg;
	struct collect_revs c;
	const struct form *f;
	struct record cur, next;
	struct buf b, k;
	char detail[300];
	size_t i;
	uint32_t rev;
	int rc;

	memset(&c, 0, sizeof c);
	rec_init(&cur);
	rec_init(&next);
	buf_init(&b);
	buf_init(&k);
	rc = store_get(tx, ST_RECORDS, rv->id, strlen(rv->id), &b, 1, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ENOTFOUND, "no record %s in this store",
		    rv->id);
	if (rc != CR_OK || (rc = rec_decode(b.data, b.len, &cur, e)) != CR_OK)
		goto out;
	buf_add_cstr(&k, rv->id);
	if ((rc = store_scan(tx, ST_CONFLICTS, k.data, k.len, collect_rev, &c,
	    e)) != CR_OK)
		goto out;
	if (c.n == 0) {
		rc = err_set(e, CR_EINVAL, "%s is not in conflict: 'civreg "
		    "conflicts' lists the records that are", rv->id);
		goto out;
	}
	if (rv->keep_other && c.n > 1) {
		rc = err_set(e, CR_EINVAL, "%s has %zu other revisions: keep "
		    "the local one, then correct it", rv->id, c.n);
		goto out;
	}
	/* Start from the chosen revision; cover every vector. */
	buf_reset(&b);
	rec_encode(rv->keep_other ? &c.r[0] : &cur, &b);
	if ((rc = rec_decode(b.data, b.len, &next, e)) != CR_OK)
		goto out;
	rev = cur.rev;
	rec_vv_merge(&next, &cur);
	for (i = 0; i < c.n; i++) {
		rec_vv_merge(&next, &c.r[i]);
		if (c.r[i].rev > rev)
			rev = c.r[i].rev;
	}
	/* An identity code issued on either side stays (the local first). */
	if ((f = form_by_code(next.kind)) && f->issue_field &&
	    !issued_code(&next, f)) {
		const char *code = issued_code(&cur, f);

		for (i = 0; code == NULL && i < c.n; i++)
			code = issued_code(&c.r[i], f);
		if (code)
			rec_set(&next, f->issue_field, code);
	}
	next.rev = rev + 1;
	next.action = RA_MERGE;
	next.time = (int64_t)cr_now();
	snprintf(next.author, sizeof next.author, "%s", rv->s->user);
	free(next.note);
	next.note = xstrdup(rv->reason ? rv->reason : "conflict resolved");
	rec_vv_bump(&next, rv->s->office);
	if ((rc = regist_put_revision(tx, &next, 0, e)) != CR_OK)
		goto out;
	{
		int same;

		if ((rc = conflicts_against(tx, &next, &same, e)) != CR_OK)
			goto out;
	}
	snprintf(detail, sizeof detail, "resolve: kept the %s revision%s%.200s",
	    rv->keep_other ? "other office's" : "local",
	    rv->reason ? "; " : "", rv->reason ? rv->reason : "");
	if ((rc = audit_append(tx, rv->s->user, rv->s->office, AU_RESOLVE,
	    rv->id, detail, e)) != CR_OK)
		goto out;
	if (rv->after) {
		rec_free(rv->after);
		*rv->after = next;
		rec_init(&next);
	}
out:
	for (i = 0; i < c.n; i++)
		rec_free(&c.r[i]);
	free(c.r);
	rec_free(&cur);
	rec_free(&next);
	buf_free(&b);
	buf_free(&k);
	return rc;
}

int
sync_resolve(struct session *s, const char *id, int keep_other,
    const char *reason, struct record *after, struct cr_err *e)
{
	struct resolve rv = { s, id, keep_other, reason, after };
	int rc;

	if (after)
		rec_init(after);
	if ((rc = authz_check(s, AZ_RESOLVE, NULL, e)) != CR_OK) {
		audit_denied(s, id, e);
		return rc;
	}
	return store_run(s->store, resolve_txn, &rv, e);
}
