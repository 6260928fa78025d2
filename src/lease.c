/*
 * lease.c -- who is working on which record, across terminals.
 *
 * Several terminals share one store; two clerks must not correct the
 * same record at once without knowing it.  A form that names an existing
 * record (a correction, an appeal, a burial permit ...) takes a lease on
 * it: leases.db maps the record id to the user, the process, the form
 * and the time.  Screens show a record leased by someone else as being
 * edited elsewhere.  A lease is a warning, not a lock: it lapses after
 * LEASE_SECONDS without renewal (a crashed terminal), and it is not a
 * civil record, so it is neither replicated nor audited.
 * Layout: "LS", version 1, u64 time, u32 pid, str user, str form.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civreg.h"

#define LEASE_VERSION	1

static int
lease_decode(const void *p, size_t n, struct lease *l)
{
	const unsigned char *m;
	struct rd rd;
	char *s;

	memset(l, 0, sizeof *l);
	rd_init(&rd, p, n);
	m = rd_bytes(&rd, 2);
	if (m == NULL || m[0] != 'L' || m[1] != 'S' ||
	    rd_u8(&rd) != LEASE_VERSION)
		return -1;
	l->time = (int64_t)rd_u64(&rd);
	l->pid = (long)rd_u32(&rd);
	s = rd_str(&rd);
	snprintf(l->user, sizeof l->user, "%s", s);
	free(s);
	s = rd_str(&rd);
	snprintf(l->form, sizeof l->form, "%s", s);
	free(s);
	return rd.bad || rd.left ? -1 : 0;
}

static int
lease_fresh(const struct lease *l)
{
	return (int64_t)cr_now() - l->time < LEASE_SECONDS;
}

static int
lease_mine(const struct session *s, const struct lease *l)
{
	return strcmp(l->user, s->user) == 0 && l->pid == (long)getpid();
}

struct ltake {
	struct session	*s;
	const char	*id;
	const char	*form;
	struct lease	*other;
	int		 held;
};

static int
take_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct ltake *t = arg;
	struct lease cur;
	struct buf v;
	int rc;

	buf_init(&v);
	t->held = 0;
	rc = store_get(tx, ST_LEASES, t->id, strlen(t->id), &v, 1, e);
	if (rc == CR_OK && lease_decode(v.data, v.len, &cur) == 0 &&
	    lease_fresh(&cur) && !lease_mine(t->s, &cur)) {
		if (t->other)
			*t->other = cur;
		t->held = 1;		/* someone else's: leave it */
		buf_free(&v);
		return CR_OK;
	}
	if (rc != CR_OK && rc != CR_ENOTFOUND) {
		buf_free(&v);
		return rc;
	}
	buf_reset(&v);
	buf_add(&v, "LS", 2);
	buf_add_u8(&v, LEASE_VERSION);
	buf_add_u64(&v, (uint64_t)cr_now());
	buf_add_u32(&v, (uint32_t)getpid());
	buf_add_str(&v, t->s->user);
	buf_add_str(&v, t->form);
	rc = store_put(tx, ST_LEASES, t->id, strlen(t->id), v.data, v.len, 0,
	    e);
	buf_free(&v);
	return rc;
}

/*
 * Takes or renews this terminal's lease on a record.  CR_EEXIST, with
 * *other filled, when another terminal holds a live lease on it.
 */
int
lease_take(struct session *s, const char *id, const char *form,
    struct lease *other, struct cr_err *e)
{
	struct ltake t = { s, id, form, other, 0 };
	int rc;

	if (!rec_id_valid(id))
		return err_set(e, CR_EINVAL, "'%s' is not a record id", id);
	if ((rc = store_run(s->store, take_txn, &t, e)) != CR_OK)
		return rc;
	return t.held ? CR_EEXIST : CR_OK;
}

static int
release_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct ltake *t = arg;
	struct lease cur;
	struct buf v;
	int rc;

	buf_init(&v);
	rc = store_get(tx, ST_LEASES, t->id, strlen(t->id), &v, 1, e);
	if (rc == CR_OK && lease_decode(v.data, v.len, &cur) == 0 &&
	    lease_mine(t->s, &cur))
		rc = store_del(tx, ST_LEASES, t->id, strlen(t->id), e);
	buf_free(&v);
	return rc == CR_ENOTFOUND ? CR_OK : rc;
}

int
lease_release(struct session *s, const char *id, struct cr_err *e)
{
	struct ltake t = { s, id, "", NULL, 0 };

	return store_run(s->store, release_txn, &t, e);
}

/* The live lease on a record, if any: CR_ENOTFOUND when there is none. */
int
lease_get(struct session *s, const char *id, struct lease *l,
    struct cr_err *e)
{
	struct txn *tx;
	struct buf v;
	int rc;

	buf_init(&v);
	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	rc = store_get(tx, ST_LEASES, id, strlen(id), &v, 0, e);
	store_abort(tx);
	if (rc == CR_OK && (lease_decode(v.data, v.len, l) != 0 ||
	    !lease_fresh(l)))
		rc = CR_ENOTFOUND;
	buf_free(&v);
	return rc;
}
