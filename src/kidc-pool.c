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
 *   'A' office     the number of the last allocation to that office.
 *
 * An allocation takes codes from the front of 'F', marks them allocated
 * in 'K' and seals them for the office as an allocation file (the
 * replication keys and file format: sync.c, repfile.c).  The office's
 * import refuses a file replayed, forged, not from the national office,
 * or holding a code it already has, and keeps its pool:
 *
 *   'P' code       each code received: unused, issued or confirmed, and
 *                  the record it went to;
 *   'U' seq be64   the unused codes, in arrival order;
 *   'S' seq be64   issued codes by the change-log entry that carries
 *                  them, until an upstream office acknowledges it
 *                  (confirmed: a receipt, sync.c);
 *   'W' seq be64   registrations that found the pool empty, in order
 *                  ('w' id: the same, by record), given codes when a
 *                  pool arrives;
 *   'N' office seq each allocation file imported, against replay.
 *
 * A code leaves 'U' once, in the transaction of the registration that
 * takes it: an abort puts it back, a commit issues it for good -- even
 * if the record is annulled later, the code is never issued again.
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

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civreg.h"

#define GEN_MAGIC	"KG"
#define GEN_VERSION	1
#define GEN_BATCH	10000

#define POOL_MAGIC	"KP"
#define POOL_VERSION	1

enum { KS_FREE = 1, KS_ALLOCATED = 2 };	/* state of a generated code */
enum { KP_UNUSED = 1, KP_ISSUED = 2, KP_CONFIRMED = 3 };  /* of a pool code */

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

/* --- allocation: the national office hands codes to an office --------- */

/* The first want codes of 'F' (the oldest draws): keys and codes. */
struct front {
	size_t		 want;
	int		 bad;		/* an 'F' entry that is not a code */
	struct keylist	 keys;
	struct buf	 codes;		/* KIDC_LEN digits each */
};

static int
front_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct front *f = arg;

	if (vl != KIDC_LEN) {
		f->bad = 1;
		return 1;
	}
	f->keys.keys = xrealloc(f->keys.keys, (f->keys.n + 1) *
	    sizeof *f->keys.keys);
	buf_init(&f->keys.keys[f->keys.n]);
	buf_add(&f->keys.keys[f->keys.n++], k, kl);
	buf_add(&f->codes, v, vl);
	return f->keys.n >= f->want;
}

struct alloc {
	struct session		*s;
	const char		*to;
	const char		*dir;
	size_t			 count;
	struct kidc_alloc	*out;
	struct buf		 file;
	char			 tmp[4300];	/* written, not yet named */
};

static int
alloc_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct alloc *a = arg;
	struct front fr;
	struct buf k, v, payload;
	unsigned char nb[8];
	char detail[160], code[KIDC_LEN + 1];
	uint64_t number = 0;
	int64_t now = (int64_t)cr_now();
	size_t i;
	int rc;

	if (a->tmp[0]) {		/* a deadlock: the transaction again */
		unlink(a->tmp);
		a->tmp[0] = '\0';
	}
	memset(&fr, 0, sizeof fr);
	fr.want = a->count;
	buf_init(&fr.codes);
	buf_init(&k);
	buf_init(&v);
	buf_init(&payload);
	if ((rc = store_scan(tx, ST_KIDC, "F", 1, front_visit, &fr, e)) !=
	    CR_OK)
		goto out;
	if (fr.bad) {
		rc = err_set(e, CR_ECORRUPT, "kidc.db: an entry of the list of "
		    "codes not allocated is damaged: run 'civreg verify'");
		goto out;
	}
	if (fr.keys.n < a->count) {
		rc = err_set(e, CR_EINVAL, "only %zu identity codes are not "
		    "allocated yet, fewer than the %zu asked for: generate more "
		    "with 'civreg kidc generate --count N' first", fr.keys.n,
		    a->count);
		goto out;
	}
	/* The allocation's number, per office: the file's sequence. */
	buf_add_u8(&k, 'A');
	buf_add_cstr(&k, a->to);
	rc = store_get(tx, ST_KIDC, k.data, k.len, &v, 1, e);
	if (rc == CR_OK && v.len == 8)
		number = be64_get(v.data);
	else if (rc == CR_OK)
		rc = err_set(e, CR_ECORRUPT, "kidc.db: the allocation count of "
		    "office %s is damaged", a->to);
	else if (rc == CR_ENOTFOUND) {
		err_clear(e);
		rc = CR_OK;
	}
	if (rc != CR_OK)
		goto out;
	be64_put(nb, ++number);
	if ((rc = store_put(tx, ST_KIDC, k.data, k.len, nb, 8, 0, e)) != CR_OK)
		goto out;
	for (i = 0; i < fr.keys.n; i++) {
		memcpy(code, fr.codes.data + i * KIDC_LEN, KIDC_LEN);
		code[KIDC_LEN] = '\0';
		if ((rc = store_del(tx, ST_KIDC, fr.keys.keys[i].data,
		    fr.keys.keys[i].len, e)) != CR_OK)
			goto out;
		code_key(&k, 'K', code);
		rc = store_get(tx, ST_KIDC, k.data, k.len, &v, 1, e);
		if (rc == CR_OK && (v.len < 4 || v.data[3] != KS_FREE))
			rc = err_set(e, CR_ECORRUPT, "kidc.db: code %s is listed "
			    "as not allocated but was allocated before: nothing "
			    "is allocated; run 'civreg verify'", code);
		else if (rc == CR_ENOTFOUND)
			rc = err_set(e, CR_ECORRUPT, "kidc.db: code %s is listed "
			    "as not allocated but was never generated here: "
			    "nothing is allocated; run 'civreg verify'", code);
		if (rc != CR_OK)
			goto out;
		gen_encode(&v, KS_ALLOCATED, now, a->to, number);
		if ((rc = store_put(tx, ST_KIDC, k.data, k.len, v.data, v.len,
		    0, e)) != CR_OK)
			goto out;
	}
	repfile_payload_start(&payload, 0, 0);
	repfile_entry_add(&payload, PE_KIDC_POOL, fr.codes.data, fr.codes.len);
	if ((rc = sync_seal(tx, a->s, a->to, RF_ALLOCATION, number, &payload,
	    &a->file, e)) != CR_OK)
		goto out;
	a->out->number = number;
	a->out->count = fr.keys.n;
	snprintf(a->out->path, sizeof a->out->path,
	    "%.3900s/%s-codes-to-%s-%06llu.crf", a->dir, a->s->office, a->to,
	    (unsigned long long)number);
	if (access(a->out->path, F_OK) == 0) {
		rc = err_set(e, CR_EEXIST, "%s exists already: move it away "
		    "or give another --out directory; nothing is allocated",
		    a->out->path);
		goto out;
	}
	/* Written before the commit: a full stick allocates nothing. */
	if ((rc = sync_write_new(a->out->path, &a->file, a->tmp,
	    sizeof a->tmp, e)) != CR_OK) {
		a->tmp[0] = '\0';
		goto out;
	}
	snprintf(detail, sizeof detail, "allocated %zu identity codes to "
	    "office %s (allocation %llu)", fr.keys.n, a->to,
	    (unsigned long long)number);
	rc = audit_append(tx, a->s->user, a->s->office, AU_KIDC, "", detail, e);
out:
	keylist_free(&fr.keys);
	buf_free(&fr.codes);
	buf_free(&k);
	buf_free(&v);
	buf_free(&payload);
	return rc;
}

int
kidc_pool_allocate(struct session *s, const char *to, size_t count,
    const char *dir, struct kidc_alloc *out, struct cr_err *e)
{
	struct alloc a;
	struct stat st;
	char shown[48];
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = national_only(s, "allocate", e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (!office_code_shape(to)) {
		str_printable(shown, sizeof shown, to);
		return err_set(e, CR_EINVAL, "'%s' is not an office code: give "
		    "the 2-, 4- or 6-digit code of the office the codes are "
		    "for", shown);
	}
	if (strcmp(to, s->office) == 0)
		return err_set(e, CR_EINVAL, "%s is this office: allocate codes "
		    "to another office", to);
	if (count == 0 || count > KIDC_ALLOCATE_MAX)
		return err_set(e, CR_EINVAL, "--count must be from 1 to %d",
		    KIDC_ALLOCATE_MAX);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, CR_EINVAL, "%s is not a directory: give the "
		    "directory to write the allocation file in (a USB stick's)",
		    dir);
	memset(&a, 0, sizeof a);
	a.s = s;
	a.to = to;
	a.dir = dir;
	a.count = count;
	a.out = out;
	buf_init(&a.file);
	rc = store_run(s->store, alloc_txn, &a, e);
	if (rc == CR_OK && sync_place_new(a.tmp, out->path) != 0) {
		rc = err_set(e, CR_EIO, "allocation %llu is recorded, but its "
		    "file could not be named %s (%s): the complete file is %s; "
		    "rename it to that name", (unsigned long long)out->number,
		    out->path, strerror(errno), a.tmp);
		a.tmp[0] = '\0';	/* kept: it is the only copy */
	}
	if (a.tmp[0])
		unlink(a.tmp);
	buf_free(&a.file);
	return rc;
}

/* --- an office's pool -------------------------------------------------- */

struct pool_code {
	int	 state;			/* KP_* */
	char	 from[OFFICE_LEN];	/* the office that allocated it */
	uint64_t number;		/* its allocation */
	int64_t	 arrived;
	char	 record[REC_IDLEN];	/* issued to; "" while unused */
	int64_t	 issued;
	uint64_t change;		/* the change-log entry carrying it */
};

static void
pool_encode(struct buf *v, const struct pool_code *p)
{
	buf_reset(v);
	buf_add(v, POOL_MAGIC, 2);
	buf_add_u8(v, POOL_VERSION);
	buf_add_u8(v, (unsigned char)p->state);
	buf_add_str(v, p->from);
	buf_add_u64(v, p->number);
	buf_add_u64(v, (uint64_t)p->arrived);
	buf_add_str(v, p->record);
	buf_add_u64(v, (uint64_t)p->issued);
	buf_add_u64(v, p->change);
}

static int
pool_decode(const void *data, size_t len, struct pool_code *p)
{
	const unsigned char *m;
	char *from, *rec;
	struct rd rd;
	int ok;

	memset(p, 0, sizeof *p);
	rd_init(&rd, data, len);
	m = rd_bytes(&rd, 2);
	if (m == NULL || memcmp(m, POOL_MAGIC, 2) != 0 ||
	    rd_u8(&rd) != POOL_VERSION)
		return -1;
	p->state = rd_u8(&rd);
	from = rd_str(&rd);
	p->number = rd_u64(&rd);
	p->arrived = (int64_t)rd_u64(&rd);
	rec = rd_str(&rd);
	p->issued = (int64_t)rd_u64(&rd);
	p->change = rd_u64(&rd);
	ok = !rd.bad && rd.left == 0 && strlen(from) < OFFICE_LEN &&
	    strlen(rec) < REC_IDLEN && p->state >= KP_UNUSED &&
	    p->state <= KP_CONFIRMED;
	snprintf(p->from, sizeof p->from, "%s", ok ? from : "");
	snprintf(p->record, sizeof p->record, "%s", ok ? rec : "");
	free(from);
	free(rec);
	return ok ? 0 : -1;
}

static int
pool_get(struct txn *tx, const char *code, struct pool_code *p,
    struct cr_err *e)
{
	struct buf k, v;
	int rc;

	buf_init(&k);
	buf_init(&v);
	code_key(&k, 'P', code);
	rc = store_get(tx, ST_KIDC, k.data, k.len, &v, 1, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ECORRUPT, "kidc.db: identity code %s is "
		    "listed but not in the pool: run 'civreg verify'", code);
	else if (rc == CR_OK && pool_decode(v.data, v.len, p) != 0)
		rc = err_set(e, CR_ECORRUPT, "kidc.db: the pool entry of "
		    "identity code %s is damaged", code);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

static int
pool_put(struct txn *tx, const char *code, const struct pool_code *p,
    int no_overwrite, struct cr_err *e)
{
	struct buf k, v;
	int rc;

	buf_init(&k);
	buf_init(&v);
	code_key(&k, 'P', code);
	pool_encode(&v, p);
	rc = store_put(tx, ST_KIDC, k.data, k.len, v.data, v.len,
	    no_overwrite, e);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

static void
seq_key(struct buf *k, int tag, uint64_t seq)
{
	unsigned char b[8];

	buf_reset(k);
	buf_add_u8(k, (unsigned char)tag);
	be64_put(b, seq);
	buf_add(k, b, 8);
}

/*
 * The next unused codes, out of 'U' in order, read ahead into kb: a bulk
 * load reads a run of them with one cursor instead of one scan a record.
 */
#define KIDC_READ_AHEAD	512

struct ahead {
	struct kidc_bulk	*kb;
	int			 bad;
};

static int
ahead_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct ahead *a = arg;

	if (kl != 9 || vl != KIDC_LEN) {
		a->bad = 1;
		return 1;
	}
	buf_add(&a->kb->keys, k, kl);
	buf_add(&a->kb->codes, v, vl);
	return ++a->kb->n >= (a->kb->one ? 1 : KIDC_READ_AHEAD);
}

static size_t
warn_level(struct txn *tx)
{
	struct cr_err e;
	uint64_t v;

	if (meta_get_u64(tx, "kidc.warn", &v, 0, &e) != CR_OK || v == 0)
		return KIDC_WARN_DEFAULT;
	return (size_t)v;
}

static int
bulk_open(struct txn *tx, struct kidc_bulk *kb, struct cr_err *e)
{
	int rc;

	if (kb->open)
		return CR_OK;
	if ((rc = meta_get_u64(tx, "kidc.unused", &kb->left, 1, e)) != CR_OK)
		return rc;
	kb->warn = warn_level(tx);
	kb->open = 1;
	return CR_OK;
}

/*
 * The oldest unused code, out of 'U': CR_ENOTFOUND if the pool is empty.
 * kb->left is the count that kidc_bulk_end writes back.
 */
static int
take_unused(struct txn *tx, struct kidc_bulk *kb, char code[KIDC_LEN + 1],
    struct cr_err *e)
{
	struct ahead a = { kb, 0 };
	const unsigned char *k;
	int rc;

	if ((rc = bulk_open(tx, kb, e)) != CR_OK)
		return rc;
	if (kb->next == kb->n && !kb->empty) {
		/* the ones taken before are deleted: 'U' begins after them */
		buf_reset(&kb->keys);
		buf_reset(&kb->codes);
		kb->next = kb->n = 0;
		if ((rc = store_scan(tx, ST_KIDC, "U", 1, ahead_visit, &a,
		    e)) != CR_OK)
			return rc;
		kb->empty = kb->n == 0;
	}
	if (a.bad || (kb->next < kb->n && kb->left == 0))
		return err_set(e, CR_ECORRUPT, "kidc.db: the list of unused "
		    "identity codes is damaged: run 'civreg verify'");
	if (kb->next == kb->n)
		return CR_ENOTFOUND;
	k = kb->keys.data + kb->next * 9;
	memcpy(code, kb->codes.data + kb->next * KIDC_LEN, KIDC_LEN);
	code[KIDC_LEN] = '\0';
	kb->next++;
	kb->left--;
	kb->taken++;
	return store_del(tx, ST_KIDC, k, 9, e);
}

int
kidc_bulk_end(struct txn *tx, struct kidc_bulk *kb, struct cr_err *e)
{
	int rc;

	if (kb->waits && (rc = meta_put_u64(tx, "seq.kidc_wait", kb->wait,
	    e)) != CR_OK)
		return rc;
	kb->waits = 0;
	/* a registration that found the pool empty writes no count */
	if (kb->taken > 0 && (rc = meta_put_u64(tx, "kidc.unused", kb->left,
	    e)) != CR_OK)
		return rc;
	kb->open = 0;
	kb->taken = 0;
	return CR_OK;
}

void
kidc_bulk_free(struct kidc_bulk *kb)
{
	buf_free(&kb->keys);
	buf_free(&kb->codes);
	memset(kb, 0, sizeof *kb);
}

/* The record waits for the next allocation ('w' id, 'W' seq). */
static int
wait_for_code(struct txn *tx, const struct record *r, struct kidc_bulk *kb,
    struct cr_err *e)
{
	struct buf k;
	unsigned char wb[8];
	uint64_t wait;
	int rc;

	buf_init(&k);
	buf_add_u8(&k, 'w');
	buf_add_cstr(&k, r->id);
	/* A record new to the store (bulk) cannot be waiting already: the
	 * put below refuses a second 'w' all the same. */
	rc = kb->fresh ? CR_ENOTFOUND : store_get(tx, ST_KIDC, k.data, k.len,
	    NULL, 0, e);
	if (rc == CR_OK)		/* waiting already */
		goto out;
	if (rc != CR_ENOTFOUND)
		goto out;
	err_clear(e);
	if (!kb->waits && (rc = meta_get_u64(tx, "seq.kidc_wait",
	    &kb->wait, 1, e)) != CR_OK)
		goto out;
	kb->waits = 1;
	wait = ++kb->wait;
	be64_put(wb, wait);
	if ((rc = store_put(tx, ST_KIDC, k.data, k.len, wb, 8, 1, e)) != CR_OK)
		goto out;
	seq_key(&k, 'W', wait);
	rc = store_put(tx, ST_KIDC, k.data, k.len, r->id, strlen(r->id), 1, e);
out:
	buf_free(&k);
	return rc;
}

int
kidc_pool_issue_bulk(struct txn *tx, struct record *r, struct kidc_issue *is,
    struct kidc_bulk *kb, struct cr_err *e)
{
	const struct form *f = form_by_code(r->kind);
	const char *have;
	int rc;

	memset(is, 0, sizeof *is);
	if (f == NULL || f->issue_field == NULL)
		return CR_OK;
	have = rec_value(r, f->issue_field);
	if (have && *have)
		return CR_OK;
	rc = take_unused(tx, kb, is->code, e);
	if (rc == CR_OK) {
		rec_set(r, f->issue_field, is->code);
		is->left = (size_t)kb->left;
		is->low = is->left < kb->warn;
		return CR_OK;
	}
	if (rc != CR_ENOTFOUND)
		return rc;
	/* The pool is empty: the record waits for the next allocation. */
	err_clear(e);
	is->code[0] = '\0';
	is->pending = is->low = 1;
	return wait_for_code(tx, r, kb, e);
}

int
kidc_pool_issue(struct txn *tx, struct record *r, struct kidc_issue *is,
    struct cr_err *e)
{
	struct kidc_bulk kb;
	int rc;

	memset(&kb, 0, sizeof kb);
	kb.one = 1;
	if ((rc = kidc_pool_issue_bulk(tx, r, is, &kb, e)) == CR_OK)
		rc = kidc_bulk_end(tx, &kb, e);
	kidc_bulk_free(&kb);
	return rc;
}

int
kidc_pool_issued_at(struct txn *tx, const struct record *r,
    const struct kidc_issue *is, uint64_t change, struct cr_err *e)
{
	struct pool_code p;
	struct buf k;
	int rc;

	if (is->code[0] == '\0')
		return CR_OK;
	if ((rc = pool_get(tx, is->code, &p, e)) != CR_OK)
		return rc;
	if (p.state != KP_UNUSED)
		return err_set(e, CR_ECORRUPT, "kidc.db: identity code %s was "
		    "issued before, to %s: run 'civreg verify'", is->code,
		    p.record);
	p.state = KP_ISSUED;
	snprintf(p.record, sizeof p.record, "%s", r->id);
	p.issued = (int64_t)cr_now();
	p.change = change;
	if ((rc = pool_put(tx, is->code, &p, 0, e)) != CR_OK)
		return rc;
	buf_init(&k);
	seq_key(&k, 'S', change);
	rc = store_put(tx, ST_KIDC, k.data, k.len, is->code, KIDC_LEN, 1, e);
	buf_free(&k);
	return rc;
}

int
kidc_pool_issued(struct txn *tx, const struct record *r,
    const struct kidc_issue *is, struct cr_err *e)
{
	uint64_t change;
	int rc;

	if (is->code[0] == '\0')
		return CR_OK;
	if ((rc = meta_get_u64(tx, "seq.change", &change, 0, e)) != CR_OK)
		return rc;
	return kidc_pool_issued_at(tx, r, is, change, e);
}

/* Records waiting for a code: 'W' keys and their record ids. */
struct waiting {
	struct keylist	keys;
	struct keylist	ids;
};

static int
waiting_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct waiting *w = arg;

	w->keys.keys = xrealloc(w->keys.keys, (w->keys.n + 1) *
	    sizeof *w->keys.keys);
	buf_init(&w->keys.keys[w->keys.n]);
	buf_add(&w->keys.keys[w->keys.n++], k, kl);
	return keylist_collect(&w->ids, k, kl, v, vl);
}

static int
unwait(struct txn *tx, const struct buf *wkey, const char *id,
    struct cr_err *e)
{
	struct buf k;
	int rc;

	buf_init(&k);
	buf_add_u8(&k, 'w');
	buf_add_cstr(&k, id);
	if ((rc = store_del(tx, ST_KIDC, wkey->data, wkey->len, e)) == CR_OK)
		rc = store_del(tx, ST_KIDC, k.data, k.len, e);
	buf_free(&k);
	return rc;
}

/*
 * A pool arrived: the registrations that found it empty get their codes,
 * oldest first, each as a new revision (action assign-code) by the user
 * importing.  One no longer valid (annulled) or given a code meanwhile
 * stops waiting without one.
 */
static int
assign_waiting(struct txn *tx, struct session *s, uint64_t number,
    size_t *assigned, struct cr_err *e)
{
	struct waiting w;
	struct kidc_issue is;
	struct record r;
	const struct form *f;
	const char *id, *have;
	char note[160], detail[200];
	uint64_t left;
	size_t i;
	int rc;

	memset(&w, 0, sizeof w);
	rec_init(&r);
	if ((rc = store_scan(tx, ST_KIDC, "W", 1, waiting_visit, &w, e)) !=
	    CR_OK)
		goto out;
	for (i = 0; i < w.keys.n; i++) {
		id = (const char *)w.ids.keys[i].data;
		if ((rc = meta_get_u64(tx, "kidc.unused", &left, 0, e)) !=
		    CR_OK)
			goto out;
		if (left == 0)
			break;
		rec_free(&r);
		rec_init(&r);
		rc = regist_load(tx, id, &r, 1, e);
		if (rc == CR_ENOTFOUND) {
			err_clear(e);
			if ((rc = unwait(tx, &w.keys.keys[i], id, e)) != CR_OK)
				goto out;
			continue;
		}
		if (rc != CR_OK)
			goto out;
		f = form_by_code(r.kind);
		have = f && f->issue_field ? rec_value(&r, f->issue_field) :
		    NULL;
		if (f == NULL || f->issue_field == NULL || (have && *have) ||
		    !(r.status == RS_REGISTERED || r.status == RS_CERTIFIED ||
		    r.status == RS_ARCHIVED)) {
			if ((rc = unwait(tx, &w.keys.keys[i], id, e)) != CR_OK)
				goto out;
			continue;
		}
		if ((rc = kidc_pool_issue(tx, &r, &is, e)) != CR_OK)
			goto out;
		snprintf(note, sizeof note, "identity code issued from "
		    "allocation %llu (the pool was empty at registration)",
		    (unsigned long long)number);
		r.action = RA_ASSIGN;
		r.rev++;
		r.time = (int64_t)cr_now();
		snprintf(r.author, sizeof r.author, "%s", s->user);
		free(r.note);
		r.note = xstrdup(note);
		rec_vv_bump(&r, s->office);
		if ((rc = regist_put_revision(tx, &r, 0, e)) != CR_OK ||
		    (rc = kidc_pool_issued(tx, &r, &is, e)) != CR_OK ||
		    (rc = unwait(tx, &w.keys.keys[i], id, e)) != CR_OK)
			goto out;
		snprintf(detail, sizeof detail, "assign: identity code ...%s "
		    "from allocation %llu", is.code + KIDC_LEN - 4,
		    (unsigned long long)number);
		if ((rc = audit_append(tx, s->user, s->office, AU_KIDC, r.id,
		    detail, e)) != CR_OK)
			goto out;
		(*assigned)++;
	}
out:
	rec_free(&r);
	keylist_free(&w.keys);
	keylist_free(&w.ids);
	return rc;
}

int
kidc_pool_receive(struct txn *tx, struct session *s, const char *sender,
    uint64_t number, const void *codes, size_t len, size_t *ncodes,
    size_t *assigned, struct cr_err *e)
{
	struct pool_code p, had;
	struct buf k;
	unsigned char nb[16];
	char code[KIDC_LEN + 1], why[200], shown[60];
	uint64_t useq, unused;
	size_t i, n;
	int rc;

	*ncodes = *assigned = 0;
	if (len == 0 || len % KIDC_LEN != 0)
		return err_set(e, CR_ECORRUPT, "the allocation holds %zu bytes "
		    "of codes, not a whole number of %d-digit codes", len,
		    KIDC_LEN);
	buf_init(&k);
	buf_add_u8(&k, 'N');
	buf_add_cstr(&k, sender);
	be64_put(nb, number);
	buf_add(&k, nb, 8);
	rc = store_get(tx, ST_KIDC, k.data, k.len, NULL, 0, e);
	if (rc == CR_OK) {
		rc = err_set(e, CR_EEXIST, "allocation %llu from office %s was "
		    "imported already: nothing is applied twice",
		    (unsigned long long)number, sender);
		goto out;
	}
	if (rc != CR_ENOTFOUND)
		goto out;
	err_clear(e);
	n = len / KIDC_LEN;
	be64_put(nb, (uint64_t)cr_now());
	be64_put(nb + 8, (uint64_t)n);
	if ((rc = store_put(tx, ST_KIDC, k.data, k.len, nb, 16, 1, e)) !=
	    CR_OK)
		goto out;
	if ((rc = meta_get_u64(tx, "seq.kidc_pool", &useq, 1, e)) != CR_OK ||
	    (rc = meta_get_u64(tx, "kidc.unused", &unused, 1, e)) != CR_OK)
		goto out;
	memset(&p, 0, sizeof p);
	p.state = KP_UNUSED;
	snprintf(p.from, sizeof p.from, "%s", sender);
	p.number = number;
	p.arrived = (int64_t)cr_now();
	for (i = 0; i < n; i++) {
		memcpy(code, (const char *)codes + i * KIDC_LEN, KIDC_LEN);
		code[KIDC_LEN] = '\0';
		if (kidc_check(code, why, sizeof why) != 0) {
			str_printable(shown, sizeof shown, code);
			rc = err_set(e, CR_ECORRUPT, "code %zu of allocation "
			    "%llu ('%s') %s", i + 1,
			    (unsigned long long)number, shown, why);
			goto out;
		}
		rc = pool_put(tx, code, &p, 1, e);
		if (rc == CR_EEXIST) {
			err_clear(e);
			if ((rc = pool_get(tx, code, &had, e)) != CR_OK)
				goto out;
			if (had.number == number && strcmp(had.from, sender) ==
			    0)
				rc = err_set(e, CR_EINVAL, "identity code %s "
				    "appears twice in allocation %llu: a code "
				    "is never given out twice, so the file is "
				    "refused; report it to the national office",
				    code, (unsigned long long)number);
			else
				rc = err_set(e, CR_EINVAL, "identity code %s of "
				    "allocation %llu is in this office's pool "
				    "already (allocation %llu from office %s): a "
				    "code is never given out twice, so the file "
				    "is refused; report it to the national "
				    "office", code, (unsigned long long)number,
				    (unsigned long long)had.number, had.from);
			goto out;
		}
		if (rc != CR_OK)
			goto out;
		seq_key(&k, 'U', ++useq);
		if ((rc = store_put(tx, ST_KIDC, k.data, k.len, code, KIDC_LEN,
		    1, e)) != CR_OK)
			goto out;
	}
	if ((rc = meta_put_u64(tx, "seq.kidc_pool", useq, e)) != CR_OK ||
	    (rc = meta_put_u64(tx, "kidc.unused", unused + n, e)) != CR_OK)
		goto out;
	*ncodes = n;
	rc = assign_waiting(tx, s, number, assigned, e);
out:
	buf_free(&k);
	return rc;
}

/* Issued codes whose change an upstream office acknowledged. */
struct acked {
	uint64_t	hw;
	struct keylist	keys;
	struct keylist	codes;
};

static int
acked_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct acked *a = arg;

	if (kl != 9 || be64_get((const unsigned char *)k + 1) > a->hw)
		return 1;
	a->keys.keys = xrealloc(a->keys.keys, (a->keys.n + 1) *
	    sizeof *a->keys.keys);
	buf_init(&a->keys.keys[a->keys.n]);
	buf_add(&a->keys.keys[a->keys.n++], k, kl);
	return keylist_collect(&a->codes, k, kl, v, vl);
}

int
kidc_pool_confirm(struct txn *tx, uint64_t hw, size_t *confirmed,
    struct cr_err *e)
{
	struct acked a;
	struct pool_code p;
	const char *code;
	size_t i;
	int rc;

	*confirmed = 0;
	memset(&a, 0, sizeof a);
	a.hw = hw;
	if ((rc = store_scan(tx, ST_KIDC, "S", 1, acked_visit, &a, e)) !=
	    CR_OK)
		goto out;
	for (i = 0; i < a.keys.n; i++) {
		code = (const char *)a.codes.keys[i].data;
		if (strlen(code) != KIDC_LEN) {
			rc = err_set(e, CR_ECORRUPT, "kidc.db: an entry of the "
			    "issued codes is damaged: run 'civreg verify'");
			goto out;
		}
		if ((rc = pool_get(tx, code, &p, e)) != CR_OK)
			goto out;
		p.state = KP_CONFIRMED;
		if ((rc = pool_put(tx, code, &p, 0, e)) != CR_OK ||
		    (rc = store_del(tx, ST_KIDC, a.keys.keys[i].data,
		    a.keys.keys[i].len, e)) != CR_OK)
			goto out;
		(*confirmed)++;
	}
out:
	keylist_free(&a.keys);
	keylist_free(&a.codes);
	return rc;
}

/* --- the warning threshold --------------------------------------------- */

int
kidc_pool_warn_get(struct session *s)
{
	struct txn *tx;
	struct cr_err e;
	size_t w = KIDC_WARN_DEFAULT;

	if (store_begin_read(s->store, &tx, &e) == CR_OK) {
		w = warn_level(tx);
		store_abort(tx);
	}
	return (int)w;
}

/* Warn when fewer unused codes than this are left: administrators. */
int
kidc_pool_warn_set(struct session *s, const char *value, struct cr_err *e)
{
	int rc;

	if ((rc = authz_check(s, AZ_CONFIG, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	return meta_setting_set(s, "kidc.warn", value, 1, KIDC_ALLOCATE_MAX,
	    KIDC_WARN_DEFAULT, "codes", e);
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

struct pool_count {
	struct kidc_stats	*st;
	int			 bad;
};

static int
pool_count_visit(void *arg, const void *k, size_t kl, const void *v,
    size_t vl)
{
	struct pool_count *c = arg;
	struct pool_code p;

	(void)k;
	(void)kl;
	if (pool_decode(v, vl, &p) != 0)
		c->bad = 1;
	else if (p.state == KP_UNUSED)
		c->st->unused++;
	else if (p.state == KP_ISSUED)
		c->st->issued++;
	else
		c->st->confirmed++;
	return 0;
}

/*
 * Counted by reading every entry: read-committed, so that counting the
 * millions of codes of a national store holds no locks on them.
 */
int
kidc_pool_stats(struct session *s, struct kidc_stats *st, struct cr_err *e)
{
	struct pool_count pc;
	struct txn *tx;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = authz_check(s, AZ_READ, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	pc.st = st;
	pc.bad = 0;
	if ((rc = store_scan(tx, ST_KIDC, "K", 1, count_visit, &st->generated,
	    e)) == CR_OK &&
	    (rc = store_scan(tx, ST_KIDC, "F", 1, count_visit, &st->free,
	    e)) == CR_OK &&
	    (rc = store_scan(tx, ST_KIDC, "P", 1, pool_count_visit, &pc,
	    e)) == CR_OK)
		rc = store_scan(tx, ST_KIDC, "W", 1, count_visit, &st->pending,
		    e);
	st->warn = warn_level(tx);
	store_abort(tx);
	st->allocated = st->generated - st->free;
	if (rc == CR_OK && pc.bad)
		rc = err_set(e, CR_ECORRUPT, "kidc.db: a pool entry is "
		    "damaged: run 'civreg verify'");
	return rc;
}

/* --- verify -------------------------------------------------------------- */

struct vkidc {
	struct txn	*tx;
	struct cr_err	*report;
	int		 problems;
	uint64_t	 gen_free, free_list;		/* national */
	uint64_t	 unused, unused_list, issued, issued_list;
	uint64_t	 waiting, waiting_back;
};

static void
kproblem(struct vkidc *vk, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
kproblem(struct vkidc *vk, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (++vk->problems <= 50)
		err_add(vk->report, CR_ECORRUPT, "kidc.db: %s", line);
}

/* A 12-digit code that passes every rule, or a problem named by what. */
static int
vcode(struct vkidc *vk, const void *p, size_t n, const char *what,
    char code[KIDC_LEN + 1])
{
	char why[200];

	code[0] = '\0';
	if (n != KIDC_LEN) {
		kproblem(vk, "%s: a code of %zu bytes", what, n);
		return -1;
	}
	memcpy(code, p, KIDC_LEN);
	code[KIDC_LEN] = '\0';
	if (kidc_check(code, why, sizeof why) != 0) {
		kproblem(vk, "%s: '%.12s' %s", what, code, why);
		return -1;
	}
	return 0;
}

/* The pool entry of code, which must be in state (0: any). */
static void
vpool_state(struct vkidc *vk, const char *code, int state, uint64_t change,
    const char *what)
{
	struct pool_code p;
	struct cr_err e;

	err_clear(&e);
	if (pool_get(vk->tx, code, &p, &e) != CR_OK)
		kproblem(vk, "%s: code %s: %s", what, code, e.msg);
	else if (p.state != state)
		kproblem(vk, "%s: code %s is %s in the pool", what, code,
		    p.state == KP_UNUSED ? "unused" : p.state == KP_ISSUED ?
		    "issued" : "confirmed");
	else if (change && p.change != change)
		kproblem(vk, "%s: code %s is listed under change %llu, but its "
		    "pool entry says change %llu", what, code,
		    (unsigned long long)change, (unsigned long long)p.change);
}

/* An issued code: its record holds it in the form's issue field. */
static void
vissued(struct vkidc *vk, const char *code, const struct pool_code *p)
{
	const struct form *f;
	const char *have;
	struct record r;
	struct cr_err e;

	rec_init(&r);
	err_clear(&e);
	if (regist_load(vk->tx, p->record, &r, 0, &e) != CR_OK)
		kproblem(vk, "code %s was issued to %s: %s", code, p->record,
		    e.msg);
	else if ((f = form_by_code(r.kind)) == NULL || !f->issue_field ||
	    (have = rec_value(&r, f->issue_field)) == NULL ||
	    strcmp(have, code) != 0)
		kproblem(vk, "code %s was issued to %s, which does not hold "
		    "it", code, p->record);
	rec_free(&r);
}

static int
vkidc_visit(void *arg, const void *kp, size_t kl, const void *v, size_t vl)
{
	struct vkidc *vk = arg;
	const unsigned char *k = kp, *d = v;
	struct pool_code p;
	struct cr_err e;
	char code[KIDC_LEN + 1];
	size_t ol;

	err_clear(&e);
	switch (kl > 0 ? k[0] : 0) {
	case 'K':		/* generated: magic, version, state ... */
		if (vcode(vk, k + 1, kl - 1, "generated", code) != 0)
			break;
		if (vl < 4 || memcmp(d, GEN_MAGIC, 2) != 0 ||
		    d[2] != GEN_VERSION || (d[3] != KS_FREE &&
		    d[3] != KS_ALLOCATED))
			kproblem(vk, "the entry of generated code %s is "
			    "damaged", code);
		else if (d[3] == KS_FREE)
			vk->gen_free++;
		break;
	case 'F':
		vk->free_list++;
		if (kl != 9 || vcode(vk, v, vl, "not allocated", code) != 0)
			break;
		{
			struct buf gk, gv;

			buf_init(&gk);
			buf_init(&gv);
			code_key(&gk, 'K', code);
			if (store_get(vk->tx, ST_KIDC, gk.data, gk.len, &gv, 0,
			    &e) != CR_OK || gv.len < 4 || gv.data[3] != KS_FREE)
				kproblem(vk, "code %s is listed as not "
				    "allocated, but is not a free generated "
				    "code", code);
			buf_free(&gk);
			buf_free(&gv);
		}
		break;
	case 'A':
		if (vl != 8)
			kproblem(vk, "an allocation count is damaged");
		break;
	case 'P':
		if (vcode(vk, k + 1, kl - 1, "pool", code) != 0)
			break;
		if (pool_decode(v, vl, &p) != 0) {
			kproblem(vk, "the pool entry of code %s is damaged",
			    code);
			break;
		}
		if (p.state == KP_UNUSED)
			vk->unused++;
		else {
			if (p.state == KP_ISSUED)
				vk->issued++;
			vissued(vk, code, &p);
		}
		break;
	case 'U':
		vk->unused_list++;
		if (kl == 9 && vcode(vk, v, vl, "unused", code) == 0)
			vpool_state(vk, code, KP_UNUSED, 0, "the unused list");
		break;
	case 'S':
		vk->issued_list++;
		if (kl == 9 && vcode(vk, v, vl, "issued", code) == 0)
			vpool_state(vk, code, KP_ISSUED, be64_get(k + 1),
			    "the issued list");
		break;
	case 'W':
		vk->waiting++;
		if (kl != 9 || vl == 0 || vl >= REC_IDLEN)
			kproblem(vk, "an entry of the waiting registrations is "
			    "damaged");
		break;
	case 'w':
		vk->waiting_back++;
		if (vl != 8)
			kproblem(vk, "an entry of the waiting registrations is "
			    "damaged");
		break;
	case 'N':
		ol = kl > 1 ? strnlen((const char *)k + 1, kl - 1) : 0;
		if (ol + 10 != kl || vl != 16)
			kproblem(vk, "an entry of the allocations imported is "
			    "damaged");
		break;
	default:
		kproblem(vk, "an entry of unknown kind (%zu bytes)", kl);
	}
	return 0;
}

int
kidc_pool_check_store(struct txn *tx, struct cr_err *report)
{
	struct vkidc vk;
	struct cr_err e;
	uint64_t unused;

	memset(&vk, 0, sizeof vk);
	vk.tx = tx;
	vk.report = report;
	err_clear(&e);
	if (store_scan(tx, ST_KIDC, NULL, 0, vkidc_visit, &vk, &e) != CR_OK)
		kproblem(&vk, "cannot be read to the end: %s", e.msg);
	if (vk.gen_free != vk.free_list)
		kproblem(&vk, "%llu generated codes are free, but %llu are "
		    "listed as not allocated",
		    (unsigned long long)vk.gen_free,
		    (unsigned long long)vk.free_list);
	if (vk.unused != vk.unused_list)
		kproblem(&vk, "%llu pool codes are unused, but %llu are listed "
		    "as unused", (unsigned long long)vk.unused,
		    (unsigned long long)vk.unused_list);
	if (vk.issued != vk.issued_list)
		kproblem(&vk, "%llu pool codes wait for confirmation, but %llu "
		    "are listed so", (unsigned long long)vk.issued,
		    (unsigned long long)vk.issued_list);
	if (vk.waiting != vk.waiting_back)
		kproblem(&vk, "%llu registrations wait for a code by order, "
		    "%llu by record", (unsigned long long)vk.waiting,
		    (unsigned long long)vk.waiting_back);
	if (meta_get_u64(tx, "kidc.unused", &unused, 0, &e) == CR_OK &&
	    unused != vk.unused)
		kproblem(&vk, "meta.db counts %llu unused codes, the pool "
		    "holds %llu", (unsigned long long)unused,
		    (unsigned long long)vk.unused);
	if (vk.problems > 50)
		err_add(report, CR_ECORRUPT, "kidc.db: ... and %d more "
		    "problems", vk.problems - 50);
	return vk.problems;
}
