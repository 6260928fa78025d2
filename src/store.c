/*
 * store.c -- the only file that talks to Berkeley DB.
 *
 * Why one file: the rules for using Berkeley DB safely from several
 * processes at once are subtle (TOOLBOX.md), and they should be kept in
 * one place where they can be read together: the environment is opened
 * with DB_RECOVER and DB_REGISTER so that a crashed terminal is recovered
 * without panicking the live ones; the deadlock detector runs on every
 * conflict and store_run() retries the whole transaction; every DBT that
 * receives data is DB_DBT_REALLOC because the handles are DB_THREAD;
 * commits are synchronous unless a benchmark asks otherwise; a checkpoint
 * after commits and at close lets DB_LOG_AUTO_REMOVE keep the logs small;
 * every database carries page checksums (DB_CHKSUM) so that a flipped byte
 * on disk is an error and not a silently different record; big imports
 * run as bulk transactions (store_run_bulk), whose new pages are written
 * at commit instead of logged -- so a live store is backed up with
 * db5.3_hotbackup, never by copying files and replaying logs.
 *
 * Contract: tables and indexes are named by the enums in civreg.h.  The
 * secondary indexes of ST_RECORDS are kept here, in blocks of ids, from
 * keys computed by index.c, in the transaction of every write of
 * records.db, so no write path can forget one.  Every function returns a CR_* status and fills the
 * cr_err; DB_LOCK_DEADLOCK becomes CR_EDEADLOCK, which store_run()
 * retries.  Callers never see a DB handle.
 *
 * Diagnostics: Berkeley DB's own messages are captured (errcall) and
 * appended to ours, naming the database file.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <sys/file.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <db.h>

#include "civreg.h"

struct store {
	struct store	*next;		/* open stores of this process */
	int		 refs;
	char		*real;		/* realpath of dir */
	DB_ENV		*env;
	DB		*db[ST_NTABLES];
	DB		*idx[SI_NINDEX];	/* blocks of ids, kept here */
	int		 old_indexes;	/* idx_*.db of before: reindex */
	char		*dir;
	int		 flags;
	int		 lockfd;	/* civreg.lock: serializes open/remove */
	int		 panicked;	/* a fatal error: reopen to recover */
	unsigned	 commits;
	char		 lasterr[512];
};

/*
 * Index entries of fresh records (store_put_fresh) not yet written: one
 * run per index, packed as [be32 key length][be32 id length][key][id].
 */
struct st_run {
	struct buf	 pack;
	size_t		*at;		/* offsets of the entries in pack */
	size_t		 n, cap;
};

struct txn {
	struct store	*st;
	DB_TXN		*t;
	struct st_run	*runs;		/* SI_NINDEX of them, or NULL */
	size_t		 pending;	/* bytes waiting in runs */
};

static const char *const table_files[ST_NTABLES] = {
	"meta.db", "records.db", "history.db", "changes.db", "audit.db",
	"users.db", "places.db", "kidc.db", "peers.db", "drafts.db",
	"leases.db", "certs.db", "keys.db", "conflicts.db", "raudit.db",
	"review.db", "digitize.db"
};

static const char *const index_files[SI_NINDEX] = {
	"ix_name.db", "ix_kidc.db", "ix_status.db", "ix_date.db",
	"ix_place.db"
};

/*
 * The indexes of stores made before they were kept in blocks (Berkeley
 * DB duplicates, DB->associate): 'civreg reindex' builds the new ones
 * and removes these; until then the indexes are refused (st_indexes_ok).
 */
static const char *const old_index_files[] = {
	"idx_name.db", "idx_names.db", "idx_kidc.db", "idx_status.db",
	"idx_date.db", "idx_place.db"
};

#define STORE_RETRIES	200

/*
 * DB_REGISTER allows one environment handle per process, so a process
 * (the TUI with several sessions, a test) shares one store per directory.
 */
static struct store *open_stores;

/*
 * A process that dies inside Berkeley DB -- holding a region mutex, or a
 * transaction's locks -- stops every other terminal of the office: they
 * wait for it forever, since DB_REGISTER recovers only at the next open.
 * A hung-up terminal, Ctrl-C, Ctrl-Z or a kill arrive at any moment, so
 * they are held back while this process is inside a transaction or
 * opening, checkpointing or closing the store, and delivered the moment
 * it leaves: the transaction commits or aborts first.  SIGKILL and power
 * cuts remain; recovery at the next open handles them.
 */
static int		st_held;
static sigset_t		st_saved_mask;

static void
st_hold(void)
{
	sigset_t set;

	if (st_held++ > 0)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_BLOCK, &set, &st_saved_mask);
}

static void
st_release(void)
{
	if (st_held == 0 || --st_held > 0)
		return;
	sigprocmask(SIG_SETMASK, &st_saved_mask, NULL);
}

const char *
store_table_name(int t)
{
	return t >= 0 && t < ST_NTABLES ? table_files[t] : "?";
}

const char *
store_index_name(int i)
{
	return i >= 0 && i < SI_NINDEX ? index_files[i] : "?";
}

int
store_panicked(struct store *st)
{
	return st->panicked;
}

const char *
store_dir(struct store *st)
{
	return st->dir;
}

struct store *
store_of(struct txn *tx)
{
	return tx->st;
}

static void
st_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct store *st = env->app_private;

	(void)pfx;
	if (st != NULL)
		snprintf(st->lasterr, sizeof st->lasterr, "%s", msg);
}

/* Maps a Berkeley DB return code to a CR status with a useful sentence. */
static int
st_fail(struct store *st, struct cr_err *e, int rc, const char *what,
    const char *file)
{
	const char *extra = st && st->lasterr[0] ? st->lasterr : NULL;
	int code;

	if (rc == DB_LOCK_DEADLOCK || rc == DB_LOCK_NOTGRANTED)
		return err_set(e, CR_EDEADLOCK, "%s: %s: busy (deadlock), "
		    "try again", what, file);
	if (rc == DB_RUNRECOVERY || rc == DB_VERIFY_BAD) {
		code = CR_ECORRUPT;
		if (st)
			st->panicked = 1;
	} else
	if (rc == ENOSPC || rc == EIO)
		code = CR_EIO;
	else if (rc == ENOMEM)
		code = CR_ENOMEM;
	else
		code = CR_EDB;
	err_set(e, code, "%s: %s in %s: %s%s%s%s", what, file,
	    st ? st->dir : "store", db_strerror(rc), extra ? " (" : "",
	    extra ? extra : "", extra ? ")" : "");
	if (code == CR_ECORRUPT)
		err_add(e, code, "the store may be damaged: run 'civreg verify' "
		    "and restore from a backup if it reports damage");
	else if (code == CR_EIO)
		err_add(e, code, "check that the disk is not full and is "
		    "writable; nothing was saved");
	if (st)
		st->lasterr[0] = '\0';
	return code;
}

/* An index of an earlier layout is neither read nor written. */
static int
st_indexes_ok(struct txn *tx, struct cr_err *e)
{
	if (!tx->st->old_indexes)
		return CR_OK;
	return err_set(e, CR_EDB, "this store's indexes were made by an "
	    "earlier civreg (idx_*.db): an administrator runs 'civreg "
	    "reindex' once; nothing was changed");
}

/* A DBT that only passes bytes in (keys and values we write). */
static void
st_dbt(DBT *t, const void *p, size_t n)
{
	memset(t, 0, sizeof *t);
	t->data = (void *)p;
	t->size = (u_int32_t)n;
}

/*
 * The indexes (ix_*.db) are kept by hand, in blocks.  A birth puts some
 * fifteen entries in the name index (every word of the child's, the
 * mother's and the father's names, in both scripts, and the sound of
 * each), and a common word is shared by a tenth of the register, as a
 * status or a commune is by every record of it.  As Berkeley DB
 * duplicates (DB->associate, one entry per record and entry), every id
 * was a search down a duplicate tree and a log record of its own, and
 * that was most of the time an import took.  Here one key holds a block
 * of the record ids of one entry:
 *
 *	key	entry NUL first-id	(entry: index.c's key)
 *	value	[u8 length][id] ...	ids in byte order, none twice,
 *					at most NB_MAX bytes, never empty
 *
 * "entry NUL" begins the keys of that entry and of no other: a name or
 * place entry holds no NUL but a phonetic key's last byte, and the other
 * entries are of one length.  The first id of a block is also its key's
 * tail, so the block that holds an id, or would, is found by one
 * DB_SET_RANGE: the entry's last block whose first id is not after it.
 * A batch of ids for one entry, sorted (st_flush), is merged into its
 * blocks with one read and one write per block touched; a record written
 * alone changes only the entries it gained or lost (st_index_update).
 * Readers see what they saw before: entry by entry in key order, each
 * entry's ids in byte order (st_scan).
 */
#define NB_MAX		1024	/* bytes of ids in a block: stays on-page */

/* One id to add to or take from an entry's blocks. */
struct nb_op {
	const unsigned char	*id;
	uint32_t		 il;
	int			 add;
};

/* Ids, each pointing into bytes held elsewhere. */
struct nb_ids {
	const unsigned char	**id;
	size_t			 *il;
	size_t			  n, cap;
};

static void
nb_push(struct nb_ids *v, const unsigned char *id, size_t il)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 128;
		v->id = xrealloc(v->id, v->cap * sizeof *v->id);
		v->il = xrealloc(v->il, v->cap * sizeof *v->il);
	}
	v->id[v->n] = id;
	v->il[v->n++] = il;
}

static void
nb_free(struct nb_ids *v)
{
	free(v->id);
	free(v->il);
}

/* Byte order, shorter first: Berkeley DB's, as the duplicates had. */
static int
nb_cmp(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

/* Whether key is one of entry's blocks. */
static int
nb_of(const DBT *k, const void *entry, size_t elen)
{
	return k->size > elen + 1 && memcmp(k->data, entry, elen) == 0 &&
	    ((const unsigned char *)k->data)[elen] == 0;
}

/*
 * A block's ids, checked: none empty, none running past the end, in
 * order, and the first the key's tail; *elen is then the entry's length.
 * 0 if the block is damaged.
 */
static int
nb_parse(const unsigned char *k, size_t kl, const unsigned char *p,
    size_t vl, size_t *elen, struct nb_ids *v)
{
	const unsigned char *end = p + vl;
	size_t il;

	v->n = 0;
	if (vl > NB_MAX)
		return 0;
	while (p < end) {
		il = *p++;
		if (il == 0 || il > (size_t)(end - p) || (v->n > 0 &&
		    nb_cmp(v->id[v->n - 1], v->il[v->n - 1], p, il) >= 0))
			return 0;
		nb_push(v, p, il);
		p += il;
	}
	if (v->n == 0 || kl < v->il[0] + 1)
		return 0;
	*elen = kl - v->il[0] - 1;
	return k[*elen] == 0 && memcmp(k + *elen + 1, v->id[0], v->il[0]) == 0;
}

static int
nb_damaged(int index, struct cr_err *e)
{
	return err_set(e, CR_ECORRUPT, "%s: a block of record ids is "
	    "damaged: run 'civreg verify', then 'civreg reindex' (an "
	    "administrator)", index_files[index]);
}

/* Writes ids as blocks of entry, each filled in turn; one put each. */
static int
nb_write(struct txn *tx, int index, const void *entry, size_t elen,
    const struct nb_ids *ids, size_t keep, struct buf *key, struct buf *val,
    struct cr_err *e)
{
	DB *db = tx->st->idx[index];
	size_t i = 0;
	DBT k, d;
	int rc;

	while (i < ids->n) {
		buf_reset(key);
		buf_add(key, entry, elen);
		buf_add_u8(key, 0);
		buf_add(key, ids->id[i], ids->il[i]);
		buf_reset(val);
		do {
			buf_add_u8(val, (unsigned char)ids->il[i]);
			buf_add(val, ids->id[i], ids->il[i]);
			i++;
		} while (i < ids->n && val->len + 1 + ids->il[i] <= NB_MAX);
		st_dbt(&k, key->data, key->len);
		st_dbt(&d, val->data, val->len);
		/*
		 * The first block's first keep bytes are stored already:
		 * only the ids after them are appended (a partial put logs
		 * them alone, not the whole block again).
		 */
		if (keep > 0 && keep <= val->len) {
			if (val->len == keep) {
				keep = 0;
				continue;
			}
			st_dbt(&d, val->data + keep, val->len - keep);
			d.flags = DB_DBT_PARTIAL;
			d.doff = (u_int32_t)keep;
			d.dlen = 0;
			keep = 0;
		}
		if ((rc = db->put(db, tx->t, &k, &d, 0)) != 0)
			return st_fail(tx->st, e, rc, "write failed",
			    index_files[index]);
	}
	return CR_OK;
}

/*
 * A cursor step: "no such key" is not an error but *at = 0; *of says
 * whether the cursor is on one of entry's blocks.
 */
static int
nb_step(DBC *c, DBT *k, DBT *d, u_int32_t op, const void *entry,
    size_t elen, int *at, int *of)
{
	int rc = c->get(c, k, d, op);

	*at = rc == 0;
	*of = rc == 0 && nb_of(k, entry, elen);
	return rc == DB_NOTFOUND ? 0 : rc;
}

/* A copy of the block the cursor is on. */
static void
nb_keep(struct buf *bk, struct buf *bv, const DBT *k, const DBT *d)
{
	buf_reset(bk);
	buf_add(bk, k->data, k->size);
	buf_reset(bv);
	buf_add(bv, d->data, d->size);
}

/*
 * Applies ops (sorted by id) to entry's blocks: each run of ops that
 * falls in one block is merged into it, and the block written back --
 * split when it outgrows NB_MAX, under a new key when its first id
 * changed, deleted when emptied.  One cleanup path.
 */
static int
st_index_apply(struct txn *tx, int index, const void *entry, size_t elen,
    const struct nb_op *ops, size_t n, struct cr_err *e)
{
	DB *db = tx->st->idx[index];
	struct nb_ids have = { 0 }, out = { 0 }, tmp = { 0 };
	struct buf bk, bv, ck, cv, nk, wk, wv;
	DBC *c = NULL;
	DBT k, d;
	size_t i = 0, j, h, el, keep;
	int rc = 0, ret = CR_OK, at, of, found, cand, bounded, cmp;

	buf_init(&bk);
	buf_init(&bv);
	buf_init(&ck);
	buf_init(&cv);
	buf_init(&nk);
	buf_init(&wk);
	buf_init(&wv);
	memset(&k, 0, sizeof k);
	memset(&d, 0, sizeof d);
	k.flags = d.flags = DB_DBT_REALLOC;
	if ((rc = db->cursor(db, tx->t, &c, 0)) != 0) {
		ret = st_fail(tx->st, e, rc, "cannot open a cursor",
		    index_files[index]);
		goto out;
	}
	while (i < n) {
		/* The probe: where a block beginning with ops[i] would be. */
		buf_reset(&wk);
		buf_add(&wk, entry, elen);
		buf_add_u8(&wk, 0);
		buf_add(&wk, ops[i].id, ops[i].il);
		k.data = xrealloc(k.data, wk.len);
		memcpy(k.data, wk.data, wk.len);
		k.size = (u_int32_t)wk.len;
		found = cand = bounded = 0;
		if ((rc = nb_step(c, &k, &d, DB_SET_RANGE, entry, elen, &at,
		    &of)) != 0)
			goto dberr;
		if (of && k.size == wk.len && memcmp(k.data, wk.data,
		    wk.len) == 0) {
			nb_keep(&bk, &bv, &k, &d);	/* begins with it */
			found = 1;
		} else {
			/* A later block of the entry bounds the run... */
			if (of) {
				nb_keep(&ck, &cv, &k, &d);
				cand = 1;
			}
			/* ... and the block before the probe takes it. */
			if ((rc = nb_step(c, &k, &d, at ? DB_PREV : DB_LAST,
			    entry, elen, &at, &of)) != 0)
				goto dberr;
			if (of) {
				nb_keep(&bk, &bv, &k, &d);
				found = 1;
			} else if (cand) {
				/* before the entry's first block: into it */
				buf_reset(&bk);
				buf_add(&bk, ck.data, ck.len);
				buf_reset(&bv);
				buf_add(&bv, cv.data, cv.len);
				found = 1;
				cand = 0;
				k.data = xrealloc(k.data, ck.len);
				memcpy(k.data, ck.data, ck.len);
				k.size = (u_int32_t)ck.len;
				if ((rc = c->get(c, &k, &d, DB_SET)) != 0)
					goto dberr;
			}
		}
		if (found && !cand) {
			if ((rc = nb_step(c, &k, &d, DB_NEXT, entry, elen,
			    &at, &of)) != 0)
				goto dberr;
			if (of) {
				nb_keep(&ck, &cv, &k, &d);
				cand = 1;
			}
		}
		if (cand) {
			if (!nb_parse(ck.data, ck.len, cv.data, cv.len, &el,
			    &tmp) || el != elen) {
				ret = nb_damaged(index, e);
				goto out;
			}
			buf_reset(&nk);
			buf_add(&nk, tmp.id[0], tmp.il[0]);
			bounded = 1;
		}
		have.n = 0;
		if (found && (!nb_parse(bk.data, bk.len, bv.data, bv.len, &el,
		    &have) || el != elen)) {
			ret = nb_damaged(index, e);
			goto out;
		}
		/* The ops before the next block, merged into this one. */
		for (j = i; j < n && (!bounded || nb_cmp(ops[j].id, ops[j].il,
		    nk.data, nk.len) < 0); j++)
			;
		out.n = 0;
		for (h = 0; h < have.n || i < j;) {
			if (i == j)
				cmp = -1;
			else if (h == have.n)
				cmp = 1;
			else
				cmp = nb_cmp(have.id[h], have.il[h], ops[i].id,
				    ops[i].il);
			if (cmp < 0) {
				nb_push(&out, have.id[h], have.il[h]);
				h++;
				continue;
			}
			if (cmp == 0)
				h++;		/* the op says what becomes of it */
			if (ops[i].add && (out.n == 0 || nb_cmp(out.id[out.n -
			    1], out.il[out.n - 1], ops[i].id, ops[i].il) != 0))
				nb_push(&out, ops[i].id, ops[i].il);
			i++;
		}
		/* The old key goes if the block is gone or begins otherwise. */
		if (found && (out.n == 0 || nb_cmp(out.id[0], out.il[0],
		    have.id[0], have.il[0]) != 0)) {
			DBT ok;

			st_dbt(&ok, bk.data, bk.len);
			if ((rc = db->del(db, tx->t, &ok, 0)) != 0)
				goto dberr;
		}
		/* Ids only added after the block's own: appended. */
		keep = found && out.n >= have.n ? bv.len : 0;
		for (h = 0; keep > 0 && h < have.n; h++)
			if (out.id[h] != have.id[h])
				keep = 0;
		if ((ret = nb_write(tx, index, entry, elen, &out, keep, &wk, &wv,
		    e)) != CR_OK)
			goto out;
	}
	goto out;
dberr:
	ret = st_fail(tx->st, e, rc, "index update failed",
	    index_files[index]);
out:
	if (c != NULL && (rc = c->close(c)) != 0 && ret == CR_OK)
		ret = st_fail(tx->st, e, rc, "cannot close a cursor",
		    index_files[index]);
	free(k.data);
	free(d.data);
	nb_free(&have);
	nb_free(&out);
	nb_free(&tmp);
	buf_free(&bk);
	buf_free(&bv);
	buf_free(&ck);
	buf_free(&cv);
	buf_free(&nk);
	buf_free(&wk);
	buf_free(&wv);
	return ret;
}

/*
 * The entries a record gains and loses in each index when records.db is
 * written at id (val NULL: deleted), against the record there now; one
 * block update each.  A record written again unchanged touches nothing.
 */
static int
st_index_update(struct txn *tx, const void *id, size_t idlen,
    const void *val, size_t vlen, int no_overwrite, struct cr_err *e)
{
	struct keylist was[SI_NINDEX], now[SI_NINDEX];
	struct record old, nr;
	struct cr_err de;
	DB *db = tx->st->db[ST_RECORDS];
	struct nb_op op;
	DBT k, d;
	size_t i, j;
	int rc, ret = CR_OK, x, have_old = 0, have_new = 0;

	if (idlen == 0 || idlen > 255)
		return err_set(e, CR_EINVAL, "%s: a record id of %zu bytes "
		    "cannot be indexed", table_files[ST_RECORDS], idlen);
	st_dbt(&k, id, idlen);
	memset(&d, 0, sizeof d);
	d.flags = DB_DBT_MALLOC;
	rc = db->get(db, tx->t, &k, &d, DB_RMW);
	if (rc != 0 && rc != DB_NOTFOUND)
		return st_fail(tx->st, e, rc, "read failed",
		    table_files[ST_RECORDS]);
	if (rc == 0 && no_overwrite) {
		free(d.data);
		return err_set(e, CR_EEXIST, "%s: key already present",
		    table_files[ST_RECORDS]);
	}
	/* A record that does not decode has no entries (verify says so). */
	if (rc == 0) {
		have_old = rec_decode(d.data, d.size, &old, &de) == CR_OK;
		free(d.data);
	}
	if (val != NULL)
		have_new = rec_decode(val, vlen, &nr, &de) == CR_OK;
	op.id = id;
	op.il = (uint32_t)idlen;
	for (x = 0; x < SI_NINDEX; x++) {
		was[x].n = now[x].n = 0;
		was[x].keys = now[x].keys = NULL;
		if (have_old)
			index_keys_record(x, &old, &was[x]);
		if (have_new)
			index_keys_record(x, &nr, &now[x]);
	}
	for (x = 0; x < SI_NINDEX && ret == CR_OK; x++)
		for (op.add = 0; op.add < 2 && ret == CR_OK; op.add++) {
			const struct keylist *a = op.add ? &now[x] : &was[x],
			    *b = op.add ? &was[x] : &now[x];

			for (i = 0; i < a->n && ret == CR_OK; i++) {
				for (j = 0; j < b->n; j++)
					if (b->keys[j].len == a->keys[i].len &&
					    memcmp(b->keys[j].data,
					    a->keys[i].data, a->keys[i].len) ==
					    0)
						break;
				if (j == b->n)
					ret = st_index_apply(tx, x,
					    a->keys[i].data, a->keys[i].len,
					    &op, 1, e);
			}
		}
	for (x = 0; x < SI_NINDEX; x++) {
		keylist_free(&was[x]);
		keylist_free(&now[x]);
	}
	if (have_old)
		rec_free(&old);
	if (have_new)
		rec_free(&nr);
	return ret;
}

/*
 * Fresh records in bulk.  An import of a big file writes tens of thousands
 * of records that are new here, each with some 22 index entries.
 * store_put_fresh() writes the record itself at once and keeps its
 * entries, computed by the same index.c rules; st_flush() groups them by
 * key and merges each key's ids into its blocks at once.  The entries are
 * written in the same transaction before anything could miss them: before
 * a commit, before any index is read, before records.db is written or
 * deleted by store_put/store_del (whose update of the indexes must find
 * the entries of the record it replaces), and whenever 16 MB are waiting.
 */
#define ST_RUN_MAX	(16u * 1024 * 1024)

static void
st_runs_free(struct txn *tx)
{
	int i;

	if (tx->runs == NULL)
		return;
	for (i = 0; i < SI_NINDEX; i++) {
		buf_free(&tx->runs[i].pack);
		free(tx->runs[i].at);
	}
	free(tx->runs);
	tx->runs = NULL;
	tx->pending = 0;
}

static void
st_run_add(struct st_run *run, const void *key, size_t klen, const void *id,
    size_t idlen)
{
	unsigned char n[8];

	if (run->n == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 1024;
		run->at = xrealloc(run->at, run->cap * sizeof *run->at);
	}
	run->at[run->n++] = run->pack.len;
	be32_put(n, (uint32_t)klen);
	be32_put(n + 4, (uint32_t)idlen);
	buf_add(&run->pack, n, 8);
	buf_add(&run->pack, key, klen);
	buf_add(&run->pack, id, idlen);
}

/*
 * A run's entries grouped by key: sorting every entry (a million and a
 * half for 100,000 births) by key and id was a seventh of an import, and
 * the keys are few and the ids mostly come in order.  So the entries are
 * grouped through a hash table, in the order they came; only the keys
 * are sorted, and a group's ids only when they did not come in order.
 */
struct st_group {
	const unsigned char	*k, *last;	/* key; id of the tail */
	uint32_t		 kl, lastl;
	size_t			 head, tail;	/* entries, linked by next[] */
	size_t			 n;
	int			 sorted;
};

static int
st_group_cmp(const void *pa, const void *pb)
{
	const struct st_group *a = pa, *b = pb;

	return nb_cmp(a->k, a->kl, b->k, b->kl);
}

static int
st_op_cmp(const void *pa, const void *pb)
{
	const struct nb_op *a = pa, *b = pb;

	return nb_cmp(a->id, a->il, b->id, b->il);
}

static uint64_t
st_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	while (n-- > 0)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* Writes one index's waiting entries, key by key in order; one exit. */
static int
st_run_write(struct txn *tx, int index, struct st_run *run,
    struct cr_err *e)
{
	struct st_group *g = NULL;
	struct nb_op *ops = NULL;
	const unsigned char *p, *k;
	size_t *slot = NULL, *next = NULL, cap = 16, ng = 0, i, h, j, m;
	uint32_t kl, il;
	int rc = CR_OK;

	if (run->n == 0)
		return CR_OK;
	while (cap < 2 * run->n)
		cap *= 2;
	slot = xcalloc(cap, sizeof *slot);	/* group + 1; 0: empty */
	next = xcalloc(run->n, sizeof *next);
	g = xcalloc(run->n, sizeof *g);
	for (i = 0; i < run->n; i++) {
		p = (const unsigned char *)run->pack.data + run->at[i];
		kl = be32_get(p);
		il = be32_get(p + 4);
		k = p + 8;
		if (il == 0 || il > 255) {
			rc = err_set(e, CR_EINVAL, "%s: a record id of %u bytes "
			    "cannot be indexed", index_files[index],
			    (unsigned)il);
			goto out;
		}
		for (h = st_hash(k, kl) & (cap - 1); slot[h] != 0; h = (h + 1) &
		    (cap - 1))
			if (g[slot[h] - 1].kl == kl &&
			    memcmp(g[slot[h] - 1].k, k, kl) == 0)
				break;
		if (slot[h] == 0) {
			g[ng].k = k;
			g[ng].kl = kl;
			g[ng].head = i;
			g[ng].sorted = 1;
			slot[h] = ++ng;
		} else {
			struct st_group *gr = &g[slot[h] - 1];

			/* the tail's id is kept: no jump back into the pack */
			if (nb_cmp(gr->last, gr->lastl, k + kl, il) > 0)
				gr->sorted = 0;
			next[gr->tail] = i;
		}
		g[slot[h] - 1].tail = i;
		g[slot[h] - 1].last = k + kl;
		g[slot[h] - 1].lastl = il;
		g[slot[h] - 1].n++;
	}
	qsort(g, ng, sizeof *g, st_group_cmp);
	ops = xcalloc(run->n, sizeof *ops);
	for (j = 0; j < ng && rc == CR_OK; j++) {
		for (m = 0, i = g[j].head; m < g[j].n; m++, i = next[i]) {
			p = (const unsigned char *)run->pack.data + run->at[i];
			ops[m].id = p + 8 + be32_get(p);
			ops[m].il = be32_get(p + 4);
			ops[m].add = 1;
		}
		if (!g[j].sorted)
			qsort(ops, g[j].n, sizeof *ops, st_op_cmp);
		rc = st_index_apply(tx, index, g[j].k, g[j].kl, ops, g[j].n, e);
	}
out:
	free(slot);
	free(next);
	free(g);
	free(ops);
	return rc;
}

static int
st_flush(struct txn *tx, struct cr_err *e)
{
	int i, rc = CR_OK;

	if (tx->runs == NULL)
		return CR_OK;
	for (i = 0; i < SI_NINDEX && rc == CR_OK; i++)
		rc = st_run_write(tx, i, &tx->runs[i], e);
	st_runs_free(tx);
	return rc;
}

/* An index key of a fresh record, queued with its id. */
struct st_run_arg {
	struct txn	*tx;
	struct st_run	*run;
	const void	*id;
	size_t		 idlen;
};

static void
st_run_key(void *arg, const void *key, size_t len)
{
	struct st_run_arg *ra = arg;

	if (len == 0)
		return;
	st_run_add(ra->run, key, len, ra->id, ra->idlen);
	ra->tx->pending += len + ra->idlen + 8;
}

/* Queues every index entry of record r, whose key is id. */
static void
st_queue(struct txn *tx, const struct record *r, const void *id,
    size_t idlen)
{
	struct st_run_arg ra;
	int i;

	if (tx->runs == NULL)
		tx->runs = xcalloc(SI_NINDEX, sizeof *tx->runs);
	ra.tx = tx;
	ra.id = id;
	ra.idlen = idlen;
	for (i = 0; i < SI_NINDEX; i++) {
		ra.run = &tx->runs[i];
		index_each_key(i, r, st_run_key, &ra);
	}
}

int
store_put_fresh(struct txn *tx, const struct record *r, const void *enc,
    size_t len, struct cr_err *e)
{
	DB *db = tx->st->db[ST_RECORDS];
	DBT k, d;
	size_t idlen = strlen(r->id);
	int rc;

	if ((rc = st_indexes_ok(tx, e)) != CR_OK)
		return rc;
	st_dbt(&k, r->id, idlen);
	st_dbt(&d, enc, len);
	rc = db->put(db, tx->t, &k, &d, DB_NOOVERWRITE);
	if (rc == DB_KEYEXIST)
		return err_set(e, CR_EEXIST, "%s: key already present",
		    table_files[ST_RECORDS]);
	if (rc != 0)
		return st_fail(tx->st, e, rc, "write failed",
		    table_files[ST_RECORDS]);
	st_queue(tx, r, r->id, idlen);
	if (tx->pending >= ST_RUN_MAX)
		return st_flush(tx, e);
	return CR_OK;
}

/*
 * Builds every index again from records.db, in one pass, in the caller's
 * transaction (reindex): after the name rules changed (INDEX_NAME_VERSION)
 * or for a store of an earlier layout, whose idx_*.db then go.  The old
 * entries go (DB->truncate), the new ones are queued and written like a
 * fresh record's; one cleanup path.
 */
int
store_reindex(struct txn *tx, size_t *records, struct cr_err *e)
{
	DB *rdb = tx->st->db[ST_RECORDS];
	DBC *c = NULL;
	DBT k, d;
	struct record r;
	struct cr_err de;
	u_int32_t gone;
	size_t i;
	int rc, ret = CR_OK;

	*records = 0;
	memset(&k, 0, sizeof k);
	memset(&d, 0, sizeof d);
	k.flags = d.flags = DB_DBT_REALLOC;	/* DB_THREAD handles */
	if ((ret = st_flush(tx, e)) != CR_OK)
		return ret;
	for (i = 0; i < SI_NINDEX; i++)
		if ((rc = tx->st->idx[i]->truncate(tx->st->idx[i], tx->t,
		    &gone, 0)) != 0)
			return st_fail(tx->st, e, rc, "cannot empty",
			    index_files[i]);
	for (i = 0; i < sizeof old_index_files / sizeof *old_index_files;
	    i++)
		if ((rc = tx->st->env->dbremove(tx->st->env, tx->t,
		    old_index_files[i], NULL, 0)) != 0 && rc != ENOENT)
			return st_fail(tx->st, e, rc, "cannot remove an old "
			    "index", old_index_files[i]);
	if ((rc = rdb->cursor(rdb, tx->t, &c, 0)) != 0) {
		ret = st_fail(tx->st, e, rc, "cannot open a cursor",
		    table_files[ST_RECORDS]);
		goto out;
	}
	while ((rc = c->get(c, &k, &d, DB_NEXT)) == 0) {
		(*records)++;
		if (rec_decode(d.data, d.size, &r, &de) != CR_OK)
			continue;	/* no entries; verify reports it */
		st_queue(tx, &r, k.data, k.size);
		rec_free(&r);
		if (tx->pending >= ST_RUN_MAX && (ret = st_flush(tx, e)) !=
		    CR_OK)
			goto out;
	}
	if (rc != DB_NOTFOUND) {
		ret = st_fail(tx->st, e, rc, "read failed",
		    table_files[ST_RECORDS]);
		goto out;
	}
	ret = st_flush(tx, e);
	if (ret == CR_OK)
		tx->st->old_indexes = 0;
out:
	if (c != NULL && (rc = c->close(c)) != 0 && ret == CR_OK)
		ret = st_fail(tx->st, e, rc, "cannot close a cursor",
		    table_files[ST_RECORDS]);
	free(k.data);
	free(d.data);
	return ret;
}

static void st_free(struct store *);
static int st_open(const char *, int, struct store **, struct cr_err *);

/*
 * The environment's regions (__db.*) hold a cache of database pages that
 * outlives the processes using it.  When the last process leaves, the
 * regions are removed, so the next start reads every page from disk and
 * checks its checksum: damage to a file is found, not hidden by a stale
 * cached copy.  Opening and removing hold an exclusive lock on
 * civreg.lock so that no process joins an environment being removed.
 */
static int
st_lock(struct store *st, struct cr_err *e)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/civreg.lock", st->dir);
	if (st->lockfd < 0 &&
	    (st->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) < 0)
		return err_set(e, CR_EIO, "cannot open %s: %s", path,
		    strerror(errno));
	while (flock(st->lockfd, LOCK_EX) != 0)
		if (errno != EINTR)
			return err_set(e, CR_EIO, "cannot lock %s: %s", path,
			    strerror(errno));
	return CR_OK;
}

static void
st_remove_env(struct store *st)
{
	struct cr_err e;
	DB_ENV *env;

	if (st_lock(st, &e) != CR_OK)
		return;
	/* Without DB_FORCE this fails (EBUSY) while others use it. */
	if (db_env_create(&env, 0) == 0) {
		env->set_errcall(env, st_errcall);	/* app_private NULL: quiet */
		env->remove(env, st->dir, 0);
	}
	flock(st->lockfd, LOCK_UN);
}

static int
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int empty = 1;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

static int
st_check_dir(const char *dir, int flags, struct cr_err *e)
{
	char path[4096];
	struct stat sb;

	snprintf(path, sizeof path, "%s/meta.db", dir);
	if (flags & STORE_CREATE) {
		if (stat(dir, &sb) == 0) {
			if (!S_ISDIR(sb.st_mode))
				return err_set(e, CR_EEXIST, "%s exists and is "
				    "not a directory: choose another place for "
				    "the store", dir);
			if (stat(path, &sb) == 0)
				return err_set(e, CR_EEXIST, "a civreg store "
				    "already exists in %s: init never touches an "
				    "existing store; choose another directory",
				    dir);
			if (!dir_is_empty(dir))
				return err_set(e, CR_EEXIST, "%s is not empty: "
				    "init creates a store only in a new or empty "
				    "directory", dir);
		} else if (mkdir(dir, 0770) != 0) {
			/* Made by someone else meanwhile: not ours either. */
			if (errno == EEXIST)
				return err_set(e, CR_EEXIST, "%s was created "
				    "by someone else meanwhile: init creates a "
				    "store only in a new or empty directory",
				    dir);
			return err_set(e, CR_EIO, "cannot create the store "
			    "directory %s: %s", dir, strerror(errno));
		}
		return CR_OK;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return err_set(e, CR_ENOTFOUND, "no store directory %s: give "
		    "the right one with -d DIR or CIVREG_DIR, or create a store "
		    "with 'civreg init'", dir);
	if (stat(path, &sb) != 0)
		return err_set(e, CR_ENOTFOUND, "%s holds no civreg store "
		    "(no meta.db): create one with 'civreg -d %s init'", dir,
		    dir);
	return CR_OK;
}

/*
 * Page size, fixed when a file is created (Berkeley DB reads it from an
 * existing file and ignores this).  Records of some 900 bytes fill the
 * default 4 KB pages with three or four each; every page split writes the
 * whole page to the log, and an import of 100,000 records split records.db
 * and history.db 60,000 times.  16 KB pages hold some seventeen records,
 * and appends (ids are sequential) leave them nearly full: an import runs
 * about 30% faster (bench/bench_import).
 *
 * Every file has that one size.  Once a large cache is full, each page
 * read in takes the place of one thrown out: of the same size, Berkeley
 * DB reuses its buffer; of another, it frees that buffer and allocates
 * anew in its shared region, whose free list is kept sorted by size.  With
 * pages of 16, 8 and 4 KB, a 16-million-row load with a 12 GiB cache spent
 * most of its time walking that list once the cache was full
 * (doc/digitize.md).  A small file costs 32 KB instead of 8.
 */
static int
st_open_db(struct store *st, DB **dbp, const char *file, int dup,
    struct cr_err *e)
{
	DB *db;
	int rc;

	if ((rc = db_create(&db, st->env, 0)) != 0)
		return st_fail(st, e, rc, "cannot create a database handle",
		    file);
	if ((rc = db->set_pagesize(db, STORE_PAGESIZE)) != 0) {
		db->close(db, 0);
		return st_fail(st, e, rc, "cannot set the page size", file);
	}
	if ((rc = db->set_flags(db, DB_CHKSUM | (dup ? DB_DUP | DB_DUPSORT :
	    0))) != 0 || (rc = db->open(db, NULL, file, NULL, DB_BTREE,
	    DB_CREATE | DB_THREAD | DB_AUTO_COMMIT, 0660)) != 0) {
		st_fail(st, e, rc, "cannot open database", file);
		db->close(db, 0);
		return e->code;
	}
	*dbp = db;
	return CR_OK;
}

int
store_open(const char *dir, int flags, struct store **stp, struct cr_err *e)
{
	int rc;

	st_hold();
	rc = st_open(dir, flags, stp, e);
	st_release();
	return rc;
}

/*
 * CIVREG_CACHE_MB, the cache a new environment gets, in MiB: a load of 16
 * million records took 18 to 24 minutes with 12 GiB and 43 with the default
 * (doc/digitize.md).  A value that is not a size is refused rather than
 * ignored, so an operator's typo is not silently a 64 MiB cache.
 */
static int
st_cache_mb(u_int32_t *mb, struct cr_err *e)
{
	const char *s = getenv("CIVREG_CACHE_MB");
	unsigned long v;
	char *end;

	*mb = STORE_CACHE_MB;
	if (s == NULL || *s == '\0')
		return CR_OK;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *s < '0' || *s > '9' || v < 1 ||
	    v > STORE_CACHE_MAX_MB)
		return err_set(e, CR_EINVAL, "CIVREG_CACHE_MB=%s: give the "
		    "cache size in MiB, a whole number from 1 to %d (unset, it "
		    "is %d)", s, STORE_CACHE_MAX_MB, STORE_CACHE_MB);
	*mb = (u_int32_t)v;
	return CR_OK;
}

static int
st_open(const char *dir, int flags, struct store **stp, struct cr_err *e)
{
	struct store *st;
	u_int32_t cache_mb;
	int rc, i;

	*stp = NULL;
	if ((rc = st_check_dir(dir, flags, e)) != CR_OK ||
	    (rc = st_cache_mb(&cache_mb, e)) != CR_OK)
		return rc;
	{
		char *real = realpath(dir, NULL);

		if (real == NULL)
			return err_set(e, CR_EIO, "cannot resolve the store "
			    "directory %s: %s", dir, strerror(errno));
		for (st = open_stores; st; st = st->next)
			if (strcmp(st->real, real) == 0) {
				free(real);
				st->refs++;
				*stp = st;
				return CR_OK;
			}
		st = xcalloc(1, sizeof *st);
		st->real = real;
	}
	st->refs = 1;
	st->lockfd = -1;
	st->dir = xstrdup(dir);
	st->flags = flags;

	if ((rc = db_env_create(&st->env, 0)) != 0) {
		st_fail(st, e, rc, "cannot create the environment", dir);
		goto fail;
	}
	st->env->app_private = st;
	st->env->set_errcall(st->env, st_errcall);
	st->env->set_lk_detect(st->env, DB_LOCK_DEFAULT);
	/*
	 * An import applies a whole file in one transaction, and Berkeley
	 * DB holds a lock on every page it writes until the commit: 100,000
	 * revisions take about 73,000 locks.  The lock table starts at
	 * 20,000 locks and grows as needed, up to the main region's memory
	 * (256 MB, some 1.7 million locks); the hash table stays the size of
	 * the start, which keeps opening the environment as cheap as before.
	 */
	st->env->set_memory_init(st->env, DB_MEM_LOCK, 20000);
	st->env->set_memory_init(st->env, DB_MEM_LOCKOBJECT, 20000);
	st->env->set_lk_tablesize(st->env, 32768);
	st->env->set_memory_max(st->env, 0, 256u * 1024 * 1024);
	st->env->set_lk_max_lockers(st->env, 2000);
	/* gbytes and bytes: a cache of 4 GiB or more does not fit in one
	 * u_int32_t of bytes; each region at most 2 GiB. */
	st->env->set_cachesize(st->env, cache_mb / 1024,
	    (cache_mb % 1024) * 1024 * 1024, (int)(cache_mb + 2047) / 2048);
	st->env->set_lg_bsize(st->env, 256 * 1024);
	st->env->set_lg_max(st->env, 4 * 1024 * 1024);
	st->env->set_flags(st->env, DB_AUTO_COMMIT, 1);
	if (flags & STORE_NOSYNC)
		st->env->set_flags(st->env, DB_TXN_WRITE_NOSYNC, 1);
	st->env->log_set_config(st->env, DB_LOG_AUTO_REMOVE, 1);
	if ((rc = st_lock(st, e)) != CR_OK)
		goto fail;
	rc = st->env->open(st->env, dir, DB_CREATE | DB_INIT_TXN |
	    DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_THREAD |
	    DB_REGISTER | DB_RECOVER, 0660);
	flock(st->lockfd, LOCK_UN);
	if (rc != 0) {
		st_fail(st, e, rc, "cannot open the store environment", "");
		goto fail;
	}
	for (i = 0; i < ST_NTABLES; i++)
		if (st_open_db(st, &st->db[i], table_files[i], 0, e) != CR_OK)
			goto fail;
	for (i = 0; i < SI_NINDEX; i++)
		if (st_open_db(st, &st->idx[i], index_files[i], 0, e) != CR_OK)
			goto fail;
	for (i = 0; i < (int)(sizeof old_index_files /
	    sizeof *old_index_files); i++) {
		struct stat sb;
		char path[4096];

		snprintf(path, sizeof path, "%s/%s", dir, old_index_files[i]);
		if (stat(path, &sb) == 0)
			st->old_indexes = 1;
	}
	st->next = open_stores;
	open_stores = st;
	*stp = st;
	return CR_OK;
fail:
	st_free(st);
	return e->code ? e->code : CR_EDB;
}

void
store_close(struct store *st)
{
	struct store **pp;

	if (st == NULL || --st->refs > 0)
		return;
	for (pp = &open_stores; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	st_hold();
	st_free(st);
	st_release();
}

static void
st_free(struct store *st)
{
	int i;

	/* After a fatal error, let the handles close and free their memory. */
	if (st->panicked && st->env != NULL)
		st->env->set_flags(st->env, DB_NOPANIC, 1);
	for (i = 0; i < SI_NINDEX; i++)
		if (st->idx[i] != NULL)
			st->idx[i]->close(st->idx[i], 0);
	for (i = 0; i < ST_NTABLES; i++)
		if (st->db[i] != NULL)
			st->db[i]->close(st->db[i], 0);
	if (st->env != NULL) {
		if (!st->panicked)	/* never flush after damage was seen */
			st->env->txn_checkpoint(st->env, 0, 0, 0);
		st->env->close(st->env, 0);
		st_remove_env(st);
	}
	if (st->lockfd >= 0)
		close(st->lockfd);
	free(st->dir);
	free(st->real);
	free(st);
}

int
store_checkpoint(struct store *st, int force, struct cr_err *e)
{
	int rc;

	st_hold();
	rc = st->env->txn_checkpoint(st->env, force ? 0 : 1024, force ? 0 : 5,
	    0);
	st_release();
	if (rc != 0)
		return st_fail(st, e, rc, "checkpoint failed", "log");
	return CR_OK;
}

static int
st_begin(struct store *st, struct txn **txp, u_int32_t flags,
    struct cr_err *e)
{
	struct txn *tx = xcalloc(1, sizeof *tx);
	int rc;

	tx->st = st;
	st_hold();		/* until commit or abort */
	if ((rc = st->env->txn_begin(st->env, NULL, &tx->t, flags)) != 0) {
		st_release();
		free(tx);
		*txp = NULL;
		return st_fail(st, e, rc, "cannot begin a transaction", "");
	}
	*txp = tx;
	return CR_OK;
}

int
store_begin(struct store *st, struct txn **txp, struct cr_err *e)
{
	return st_begin(st, txp, 0, e);
}

/*
 * For long listings: read locks are released as the cursor moves, so a
 * listing neither blocks the other terminals nor fills the lock table.
 */
int
store_begin_read(struct store *st, struct txn **txp, struct cr_err *e)
{
	return st_begin(st, txp, DB_READ_COMMITTED, e);
}

int
store_commit(struct txn *tx, struct cr_err *e)
{
	struct store *st = tx->st;
	int rc;

	if (st_flush(tx, e) != CR_OK) {
		store_abort(tx);
		return e->code;
	}
	rc = tx->t->commit(tx->t, 0);
	free(tx);
	if (rc != 0) {
		st_release();
		return st_fail(st, e, rc, "commit failed, nothing was saved",
		    "");
	}
	/* Cheap unless 1 MB of log or 5 minutes have passed. */
	if (++st->commits % 16 == 0)
		st->env->txn_checkpoint(st->env, 1024, 5, 0);
	st_release();
	return CR_OK;
}

void
store_abort(struct txn *tx)
{
	if (tx == NULL)
		return;
	st_runs_free(tx);
	tx->t->abort(tx->t);
	free(tx);
	st_release();
}

/*
 * Runs fn inside one transaction: commit on success, abort on any error,
 * and start again from scratch when Berkeley DB broke a deadlock.
 */
static int
st_run(struct store *st, u_int32_t flags, store_txn_fn fn, void *arg,
    struct cr_err *e)
{
	struct txn *tx;
	int rc, tries;

	for (tries = 0; tries < STORE_RETRIES; tries++) {
		err_clear(e);
		if ((rc = st_begin(st, &tx, flags, e)) != CR_OK)
			return rc;
		rc = fn(tx, arg, e);
		if (rc == CR_OK)
			rc = store_commit(tx, e);
		else
			store_abort(tx);
		if (rc != CR_EDEADLOCK)
			return rc;
		usleep(1000u * (unsigned)(1 + tries % 20));
	}
	return err_set(e, CR_EDB, "the store stayed busy after %d attempts: "
	    "another terminal may be holding it; nothing was saved", tries);
}

int
store_run(struct store *st, store_txn_fn fn, void *arg, struct cr_err *e)
{
	return st_run(st, 0, fn, arg, e);
}

/*
 * The same for a transaction that adds a great deal (the import of a big
 * replication file): DB_TXN_BULK.  Records, index entries and history
 * put on pages that the transaction itself added at the end of a file
 * are not logged; at commit Berkeley DB writes those files' pages to disk
 * and syncs them before the commit record, so a committed import is as
 * durable as any, and an aborted or interrupted one leaves only free
 * pages (their allocation is logged).  It halves an import's log (page
 * splits are still logged whole).  The price: the log alone can no
 * longer rebuild those pages, so a backup must copy the database files,
 * not replay old logs over an older copy -- civreg removes its logs as
 * it goes and keeps no log archive -- and a backup that copies files
 * while an import runs must set DB_HOTBACKUP_IN_PROGRESS first.  Small
 * transactions gain nothing and would pay for a sync of whole files, so
 * callers keep this for big ones.
 */
int
store_run_bulk(struct store *st, store_txn_fn fn, void *arg,
    struct cr_err *e)
{
	return st_run(st, DB_TXN_BULK, fn, arg, e);
}

static DB *
st_db(struct txn *tx, int table)
{
	return tx->st->db[table];
}

int
store_get(struct txn *tx, int table, const void *key, size_t klen,
    struct buf *val, int for_update, struct cr_err *e)
{
	DBT k, d;
	int rc;

	st_dbt(&k, key, klen);
	st_dbt(&d, NULL, 0);
	d.flags = DB_DBT_MALLOC;
	rc = st_db(tx, table)->get(st_db(tx, table), tx->t, &k, &d,
	    for_update ? DB_RMW : 0);
	if (rc == DB_NOTFOUND)
		return CR_ENOTFOUND;
	if (rc != 0)
		return st_fail(tx->st, e, rc, "read failed", table_files[table]);
	if (val != NULL) {
		buf_reset(val);
		buf_add(val, d.data, d.size);
	}
	free(d.data);
	return CR_OK;
}

int
store_put(struct txn *tx, int table, const void *key, size_t klen,
    const void *val, size_t vlen, int no_overwrite, struct cr_err *e)
{
	DBT k, d;
	int rc;

	if (table == ST_RECORDS && ((rc = st_indexes_ok(tx, e)) != CR_OK ||
	    (rc = st_flush(tx, e)) != CR_OK ||
	    (rc = st_index_update(tx, key, klen, val, vlen,
	    no_overwrite, e)) != CR_OK))
		return rc;
	st_dbt(&k, key, klen);
	st_dbt(&d, val, vlen);
	rc = st_db(tx, table)->put(st_db(tx, table), tx->t, &k, &d,
	    no_overwrite ? DB_NOOVERWRITE : 0);
	if (rc == DB_KEYEXIST)
		return err_set(e, CR_EEXIST, "%s: key already present",
		    table_files[table]);
	if (rc != 0)
		return st_fail(tx->st, e, rc, "write failed", table_files[table]);
	return CR_OK;
}

int
store_del(struct txn *tx, int table, const void *key, size_t klen,
    struct cr_err *e)
{
	DBT k;
	int rc;

	if (table == ST_RECORDS && ((rc = st_indexes_ok(tx, e)) != CR_OK ||
	    (rc = st_flush(tx, e)) != CR_OK ||
	    (rc = st_index_update(tx, key, klen, NULL, 0, 0, e)) != CR_OK))
		return rc;
	st_dbt(&k, key, klen);
	rc = st_db(tx, table)->del(st_db(tx, table), tx->t, &k, 0);
	if (rc == DB_NOTFOUND)
		return CR_ENOTFOUND;
	if (rc != 0)
		return st_fail(tx->st, e, rc, "delete failed",
		    table_files[table]);
	return CR_OK;
}

/*
 * One cursor loop for tables and indexes: position at the prefix (or the
 * first key), visit while the key starts with the prefix.  An index
 * (index >= 0) is read block by block, each id visited in turn with the
 * entry (the key without its first id) as the key, as if each were an
 * entry of its own.  One cleanup path closes the cursor and frees the
 * buffers whatever happened.
 */
static int
st_scan(struct txn *tx, DB *db, const char *file, int index,
    const void *prefix, size_t plen, int from, store_visit_fn visit,
    void *arg, struct cr_err *e)
{
	struct nb_ids ids = { 0 };
	DBC *c = NULL;
	DBT k, d;
	u_int32_t op;
	size_t i, el;
	int rc, ret = CR_OK, v = 0;

	memset(&k, 0, sizeof k);
	memset(&d, 0, sizeof d);
	k.flags = d.flags = DB_DBT_REALLOC;
	if ((rc = db->cursor(db, tx->t, &c, 0)) != 0) {
		ret = st_fail(tx->st, e, rc, "cannot open a cursor", file);
		goto out;
	}
	if (plen > 0) {
		k.data = xmalloc(plen);
		memcpy(k.data, prefix, plen);
		k.size = (u_int32_t)plen;
		op = DB_SET_RANGE;
	} else
		op = DB_FIRST;
	for (;;) {
		rc = c->get(c, &k, &d, op);
		op = DB_NEXT;
		if (rc == DB_NOTFOUND)
			break;
		if (rc != 0) {
			ret = st_fail(tx->st, e, rc, "read failed", file);
			goto out;
		}
		if (plen > 0 && !from && (k.size < plen ||
		    memcmp(k.data, prefix, plen) != 0))
			break;
		if (index < 0)
			v = visit(arg, k.data, k.size, d.data, d.size);
		else if (!nb_parse(k.data, k.size, d.data, d.size, &el,
		    &ids)) {
			ret = nb_damaged(index, e);
			goto out;
		}
		for (i = 0; index >= 0 && i < ids.n && v == 0; i++)
			v = visit(arg, k.data, el, ids.id[i], ids.il[i]);
		if (v < 0) {
			ret = e->code != CR_OK ? e->code : -v;
			goto out;
		}
		if (v > 0)
			break;
	}
out:
	if (c != NULL && (rc = c->close(c)) != 0 && ret == CR_OK)
		ret = st_fail(tx->st, e, rc, "cannot close a cursor", file);
	free(k.data);
	free(d.data);
	nb_free(&ids);
	return ret;
}

int
store_scan(struct txn *tx, int table, const void *prefix, size_t plen,
    store_visit_fn visit, void *arg, struct cr_err *e)
{
	return st_scan(tx, st_db(tx, table), table_files[table], -1, prefix,
	    plen, 0, visit, arg, e);
}

int
store_index_scan(struct txn *tx, int index, const void *prefix, size_t plen,
    store_visit_fn visit, void *arg, struct cr_err *e)
{
	int rc;

	if ((rc = st_indexes_ok(tx, e)) != CR_OK ||
	    (rc = st_flush(tx, e)) != CR_OK)
		return rc;
	return st_scan(tx, tx->st->idx[index], index_files[index], index,
	    prefix, plen, 0, visit, arg, e);
}

/*
 * The ids that every one of n entries holds -- whole entries, not
 * prefixes -- in byte order: a search for two common words ("Sok Dara"
 * in a province of millions) cannot list all the records beginning with
 * either, but each entry's ids are sorted, so their common ids are found
 * by a leapfrog: each entry in turn is moved to the first id not before
 * the highest seen, within its block or by one DB_SET_RANGE to the block
 * that holds it, so a rare entry skips over a common one's blocks.  At
 * most budget blocks are read; *more says the budget ran out before the
 * entries did.  One cleanup path.
 */
struct nb_stream {
	DBC		*c;
	const void	*entry;
	size_t		 elen;
	struct buf	 key, val;	/* the block the stream is in */
	struct nb_ids	 ids;
	size_t		 p;		/* the current id in it */
	int		 end;
};

/* The cursor's block, as the stream's; 0 if not one of entry's. */
static int
ns_take(struct nb_stream *ns, const DBT *k, const DBT *d, int index,
    struct cr_err *e)
{
	size_t el;

	if (!nb_of(k, ns->entry, ns->elen))
		return 0;
	buf_reset(&ns->key);
	buf_add(&ns->key, k->data, k->size);
	buf_reset(&ns->val);
	buf_add(&ns->val, d->data, d->size);
	if (!nb_parse(ns->key.data, ns->key.len, ns->val.data, ns->val.len,
	    &el, &ns->ids) || el != ns->elen)
		return -nb_damaged(index, e);
	ns->p = 0;
	return 1;
}

/* The first id of the block not before (id, il); ids.n if none. */
static size_t
ns_lower(const struct nb_stream *ns, size_t from, const unsigned char *id,
    size_t il)
{
	size_t lo = from, hi = ns->ids.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (nb_cmp(ns->ids.id[mid], ns->ids.il[mid], id, il) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Moves the stream to its first id not before (id, il), or to its end.
 * The block that holds such an id is the current one, or the last block
 * whose first id is not after it (found by DB_SET_RANGE and one step
 * back), or the one after that.
 */
static int
ns_seek(struct txn *tx, int index, struct nb_stream *ns,
    const unsigned char *id, size_t il, struct buf *probe, size_t *reads,
    struct cr_err *e)
{
	DBT k, d;
	int rc, r = 0;

	if (ns->end)
		return CR_OK;
	if (ns->p < ns->ids.n && nb_cmp(ns->ids.id[ns->ids.n - 1],
	    ns->ids.il[ns->ids.n - 1], id, il) >= 0) {
		ns->p = ns_lower(ns, ns->p, id, il);
		return CR_OK;
	}
	memset(&k, 0, sizeof k);
	memset(&d, 0, sizeof d);
	k.flags = d.flags = DB_DBT_REALLOC;
	/* Often the next block holds it: one step, not a search. */
	if (ns->ids.n > 0) {
		(*reads)++;
		if ((rc = ns->c->get(ns->c, &k, &d, DB_NEXT)) != 0 &&
		    rc != DB_NOTFOUND)
			goto dberr;
		if (rc != 0 || (r = ns_take(ns, &k, &d, index, e)) == 0) {
			r = 0;		/* the entry's blocks end */
			goto out;
		}
		if (r < 0 || nb_cmp(ns->ids.id[ns->ids.n - 1],
		    ns->ids.il[ns->ids.n - 1], id, il) >= 0) {
			if (r > 0)
				ns->p = ns_lower(ns, 0, id, il);
			goto out;
		}
	}
	buf_reset(probe);
	buf_add(probe, ns->entry, ns->elen);
	buf_add_u8(probe, 0);
	buf_add(probe, id, il);
	free(k.data);
	k.data = xmalloc(probe->len);
	memcpy(k.data, probe->data, probe->len);
	k.size = (u_int32_t)probe->len;
	(*reads)++;
	rc = ns->c->get(ns->c, &k, &d, DB_SET_RANGE);
	if (rc == 0 && nb_of(&k, ns->entry, ns->elen) && k.size == probe->len &&
	    memcmp(k.data, probe->data, probe->len) == 0) {
		r = ns_take(ns, &k, &d, index, e);	/* begins with it */
		goto out;
	}
	if (rc != 0 && rc != DB_NOTFOUND)
		goto dberr;
	/* The block before the probe, if it is one of the entry's. */
	(*reads)++;
	rc = ns->c->get(ns->c, &k, &d, rc == 0 ? DB_PREV : DB_LAST);
	if (rc != 0 && rc != DB_NOTFOUND)
		goto dberr;
	if (rc == 0 && (r = ns_take(ns, &k, &d, index, e)) != 0) {
		if (r < 0)
			goto out;
		if ((ns->p = ns_lower(ns, 0, id, il)) < ns->ids.n)
			goto out;
	}
	/* Its ids are all before: the next block, if the entry's. */
	(*reads)++;
	rc = ns->c->get(ns->c, &k, &d, rc == 0 ? DB_NEXT : DB_FIRST);
	if (rc != 0 && rc != DB_NOTFOUND)
		goto dberr;
	r = rc == 0 ? ns_take(ns, &k, &d, index, e) : 0;
	if (r > 0)
		ns->p = ns_lower(ns, 0, id, il);
out:
	free(k.data);
	free(d.data);
	if (r < 0)
		return -r;
	if (r == 0 || ns->p >= ns->ids.n)
		ns->end = 1;
	return CR_OK;
dberr:
	free(k.data);
	free(d.data);
	return st_fail(tx->st, e, rc, "read failed", index_files[index]);
}

int
store_index_intersect(struct txn *tx, int index, const struct buf *entries,
    size_t n, size_t budget, store_visit_fn visit, void *arg, int *more,
    struct cr_err *e)
{
	DB *db = tx->st->idx[index];
	struct nb_stream *ns = xcalloc(n, sizeof *ns);
	struct buf hi, probe;
	size_t i, agree, reads = 0;
	int rc, ret = CR_OK, v;

	*more = 0;
	buf_init(&hi);
	buf_init(&probe);
	if (n == 0)
		goto out;
	if ((ret = st_indexes_ok(tx, e)) != CR_OK ||
	    (ret = st_flush(tx, e)) != CR_OK)
		goto out;
	for (i = 0; i < n; i++) {
		ns[i].entry = entries[i].data;
		ns[i].elen = entries[i].len;
		if ((rc = db->cursor(db, tx->t, &ns[i].c, 0)) != 0) {
			ret = st_fail(tx->st, e, rc, "cannot open a cursor",
			    index_files[index]);
			goto out;
		}
		/* to the entry's first block: the lowest id there is */
		if ((ret = ns_seek(tx, index, &ns[i], (const unsigned char *)"",
		    0, &probe, &reads, e)) != CR_OK)
			goto out;
		if (ns[i].end)
			goto out;	/* an entry with no ids: none common */
	}
	/* hi: the highest current id; every stream is moved up to it */
	buf_add(&hi, ns[0].ids.id[ns[0].p], ns[0].ids.il[ns[0].p]);
	for (;;) {
		for (i = 0, agree = 0; i < n; i++) {
			struct nb_stream *s = &ns[i];

			if ((ret = ns_seek(tx, index, s, hi.data, hi.len,
			    &probe, &reads, e)) != CR_OK)
				goto out;
			if (s->end)
				goto out;
			if (nb_cmp(s->ids.id[s->p], s->ids.il[s->p], hi.data,
			    hi.len) == 0) {
				agree++;
				continue;
			}
			buf_reset(&hi);
			buf_add(&hi, s->ids.id[s->p], s->ids.il[s->p]);
			agree = 0;
			break;
		}
		if (agree < n) {
			if (reads > budget) {
				*more = 1;
				goto out;
			}
			continue;
		}
		v = visit(arg, entries[0].data, entries[0].len, hi.data,
		    hi.len);
		if (v < 0) {
			ret = e->code != CR_OK ? e->code : -v;
			goto out;
		}
		if (v > 0)
			goto out;
		/* past it: the next id of the first stream */
		if (++ns[0].p >= ns[0].ids.n) {
			ns[0].p = ns[0].ids.n;	/* seek reads the next block */
			buf_add_u8(&hi, 0);	/* the least id after hi */
		} else {
			buf_reset(&hi);
			buf_add(&hi, ns[0].ids.id[ns[0].p],
			    ns[0].ids.il[ns[0].p]);
		}
		if (reads > budget) {
			*more = 1;
			goto out;
		}
	}
out:
	for (i = 0; i < n; i++) {
		if (ns[i].c != NULL && (rc = ns[i].c->close(ns[i].c)) != 0 &&
		    ret == CR_OK)
			ret = st_fail(tx->st, e, rc, "cannot close a cursor",
			    index_files[index]);
		buf_free(&ns[i].key);
		buf_free(&ns[i].val);
		nb_free(&ns[i].ids);
	}
	free(ns);
	buf_free(&hi);
	buf_free(&probe);
	return ret;
}

/* Every entry from key on, in key order (the change log after a point). */
int
store_scan_from(struct txn *tx, int table, const void *key, size_t klen,
    store_visit_fn visit, void *arg, struct cr_err *e)
{
	return st_scan(tx, st_db(tx, table), table_files[table], -1, key, klen,
	    1, visit, arg, e);
}

/*
 * The share of an index's entries whose keys start with prefix, from the
 * btree's own statistics (DB->key_range), without reading them: lets a
 * search start from its rarest token.
 */
int
store_index_share(struct txn *tx, int index, const void *prefix, size_t plen,
    double *share, struct cr_err *e)
{
	DB *db = tx->st->idx[index];
	DB_KEY_RANGE lo, hi;
	unsigned char upper[256];
	DBT k;
	size_t n = plen;
	int rc;

	*share = 1.0;
	if ((rc = st_indexes_ok(tx, e)) != CR_OK ||
	    (rc = st_flush(tx, e)) != CR_OK)
		return rc;
	if (plen == 0 || plen > sizeof upper)
		return CR_OK;
	st_dbt(&k, prefix, plen);
	if ((rc = db->key_range(db, tx->t, &k, &lo, 0)) != 0)
		return st_fail(tx->st, e, rc, "cannot estimate",
		    index_files[index]);
	/* The first key after every key with this prefix. */
	memcpy(upper, prefix, plen);
	while (n > 0 && upper[n - 1] == 0xff)
		n--;
	if (n == 0)
		return CR_OK;
	upper[n - 1]++;
	st_dbt(&k, upper, n);
	if ((rc = db->key_range(db, tx->t, &k, &hi, 0)) != 0)
		return st_fail(tx->st, e, rc, "cannot estimate",
		    index_files[index]);
	*share = hi.less - lo.less;
	if (*share < 0)
		*share = 0;
	return CR_OK;
}

int
store_last(struct txn *tx, int table, struct buf *key, struct buf *val,
    struct cr_err *e)
{
	DB *db = st_db(tx, table);
	DBC *c = NULL;
	DBT k, d;
	int rc, ret = CR_OK;

	memset(&k, 0, sizeof k);
	memset(&d, 0, sizeof d);
	k.flags = d.flags = DB_DBT_REALLOC;
	if ((rc = db->cursor(db, tx->t, &c, 0)) != 0) {
		ret = st_fail(tx->st, e, rc, "cannot open a cursor",
		    table_files[table]);
		goto out;
	}
	rc = c->get(c, &k, &d, DB_LAST);
	if (rc == DB_NOTFOUND) {
		ret = CR_ENOTFOUND;
		goto out;
	}
	if (rc != 0) {
		ret = st_fail(tx->st, e, rc, "read failed", table_files[table]);
		goto out;
	}
	if (key) {
		buf_reset(key);
		buf_add(key, k.data, k.size);
	}
	if (val) {
		buf_reset(val);
		buf_add(val, d.data, d.size);
	}
out:
	if (c != NULL && (rc = c->close(c)) != 0 && ret == CR_OK)
		ret = st_fail(tx->st, e, rc, "cannot close a cursor",
		    table_files[table]);
	free(k.data);
	free(d.data);
	return ret;
}
