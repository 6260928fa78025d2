/*
 * draft.c -- forms in progress, kept so that nothing typed is lost.
 *
 * The form screen saves what has been typed into drafts.db (key: user
 * NUL form) whenever a field is left and every few seconds of typing, so
 * a form survives Esc, a crash, a power cut or a closed terminal, and is
 * offered again at the next login.  A draft is the user's own unfinished
 * work, not a civil record: it is neither validated, replicated nor
 * audited, and it is deleted when the declaration is saved.
 * Layout: "DR", version 1, u64 time, u32 focus, u16 n, n x (key, value).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define DRAFT_VERSION	1

void
draft_free(struct draft *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->kv[i].key);
		free(d->kv[i].value);
	}
	free(d->kv);
	memset(d, 0, sizeof *d);
}

static void
draft_key(struct buf *k, const char *user, const char *form)
{
	buf_reset(k);
	buf_add_cstr(k, user);
	buf_add(k, form, strlen(form));
}

struct dsave {
	struct session		*s;
	const struct draft	*d;
};

static int
save_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct dsave *ds = arg;
	struct buf k, v;
	size_t i;
	int rc;

	buf_init(&k);
	buf_init(&v);
	draft_key(&k, ds->s->user, ds->d->form);
	buf_add(&v, "DR", 2);
	buf_add_u8(&v, DRAFT_VERSION);
	buf_add_u64(&v, (uint64_t)cr_now());
	buf_add_u32(&v, (uint32_t)ds->d->focus);
	buf_add_u16(&v, (unsigned)ds->d->n);
	for (i = 0; i < ds->d->n; i++) {
		buf_add_str(&v, ds->d->kv[i].key);
		buf_add_str(&v, ds->d->kv[i].value);
	}
	rc = store_put(tx, ST_DRAFTS, k.data, k.len, v.data, v.len, 0, e);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

int
draft_save(struct session *s, const struct draft *d, struct cr_err *e)
{
	struct dsave ds = { s, d };

	if (form_by_key(d->form) == NULL || d->n > 1000)
		return err_set(e, CR_EINVAL, "not a draft of a known form");
	return store_run(s->store, save_txn, &ds, e);
}

static int
draft_decode(const void *p, size_t n, struct draft *d, struct cr_err *e)
{
	const unsigned char *m;
	struct rd rd;
	size_t i;

	rd_init(&rd, p, n);
	m = rd_bytes(&rd, 2);
	if (m == NULL || m[0] != 'D' || m[1] != 'R' ||
	    rd_u8(&rd) != DRAFT_VERSION)
		return err_set(e, CR_ECORRUPT, "drafts.db: not a draft");
	d->time = (int64_t)rd_u64(&rd);
	d->focus = (int)rd_u32(&rd);
	d->n = rd_u16(&rd);
	if (rd.bad || d->n > rd.left / 4)
		d->n = 0;
	d->kv = xcalloc(d->n, sizeof *d->kv);
	for (i = 0; i < d->n; i++) {
		d->kv[i].key = rd_str(&rd);
		d->kv[i].value = rd_str(&rd);
	}
	if (rd.bad || rd.left != 0) {
		draft_free(d);
		return err_set(e, CR_ECORRUPT, "drafts.db: a draft is damaged");
	}
	return CR_OK;
}

int
draft_load(struct session *s, const char *form, struct draft *d,
    struct cr_err *e)
{
	struct txn *tx;
	struct buf k, v;
	int rc;

	memset(d, 0, sizeof *d);
	buf_init(&k);
	buf_init(&v);
	draft_key(&k, s->user, form);
	if ((rc = store_begin_read(s->store, &tx, e)) == CR_OK) {
		rc = store_get(tx, ST_DRAFTS, k.data, k.len, &v, 0, e);
		store_abort(tx);
	}
	if (rc == CR_OK && (rc = draft_decode(v.data, v.len, d, e)) == CR_OK)
		snprintf(d->form, sizeof d->form, "%s", form);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

static int
del_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct buf *k = arg;
	int rc = store_del(tx, ST_DRAFTS, k->data, k->len, e);

	return rc == CR_ENOTFOUND ? CR_OK : rc;
}

int
draft_delete(struct session *s, const char *form, struct cr_err *e)
{
	struct buf k;
	int rc;

	buf_init(&k);
	draft_key(&k, s->user, form);
	rc = store_run(s->store, del_txn, &k, e);
	buf_free(&k);
	return rc;
}

struct dlist {
	draft_visit_fn	 visit;
	void		*arg;
	size_t		 ulen;
};

static int
list_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct dlist *l = arg;
	struct draft d;
	struct cr_err e;
	int r;

	memset(&d, 0, sizeof d);
	if (draft_decode(v, vl, &d, &e) != CR_OK)
		return 0;
	snprintf(d.form, sizeof d.form, "%.*s", (int)(kl - l->ulen),
	    (const char *)k + l->ulen);
	r = l->visit(l->arg, &d);
	draft_free(&d);
	return r ? 1 : 0;
}

int
draft_list(struct session *s, draft_visit_fn visit, void *arg,
    struct cr_err *e)
{
	struct dlist l = { visit, arg, strlen(s->user) + 1 };
	struct txn *tx;
	int rc;

	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	rc = store_scan(tx, ST_DRAFTS, s->user, l.ulen, list_visit, &l, e);
	store_abort(tx);
	return rc;
}
