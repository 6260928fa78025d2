/*
 * record.c -- the record and its on-disk encoding, version 1.
 *
 * A record is one civil-registration document (a birth declaration, a
 * death notice, an appeal ...) at one revision.  The same encoding is the
 * value in records.db (current revision) and history.db (every revision),
 * and will be what replication ships, so it is strict: decoding checks
 * every length, refuses trailing bytes and invalid UTF-8, and knows its
 * version number.  The layout is written down in db/record-format.txt;
 * field keys are stored as strings so that forms can grow without
 * re-encoding old records.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define STATUS_NAME(sym, code, name) [code] = name,
static const char *const status_names[] = { REC_STATUSES(STATUS_NAME) };

static const char *const action_names[] = {
	NULL, "declare", "notify", "register", "reject", "correct", "certify",
	"archive", "approve", "link", "merge", "import", "annul",
	"issue", "decide", "amend", "assign-code", "digitize"
};

const char *
rec_status_name(int s)
{
	if (s > 0 && (size_t)s < sizeof status_names / sizeof status_names[0])
		return status_names[s];
	return "unknown";
}

const char *
rec_action_name(int a)
{
	if (a > 0 && (size_t)a < sizeof action_names / sizeof action_names[0])
		return action_names[a];
	return "unknown";
}

void
rec_init(struct record *r)
{
	memset(r, 0, sizeof *r);
}

void
rec_free(struct record *r)
{
	size_t i;

	for (i = 0; i < r->nfields; i++) {
		free(r->fields[i].key);
		free(r->fields[i].value);
	}
	free(r->fields);
	free(r->vv);
	free(r->note);
	rec_init(r);
}

const char *
rec_value(const struct record *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].key, key) == 0)
			return r->fields[i].value;
	return NULL;
}

/* OFFICE-SEQUENCE: 2 to 8 digits, a dash, 8 or more digits. */
int
rec_id_valid(const char *id)
{
	size_t i, a = 0, b = 0;

	for (i = 0; id[i] >= '0' && id[i] <= '9'; i++)
		a++;
	if (a < 2 || a > 8 || id[i] != '-')
		return 0;
	for (i++; id[i] >= '0' && id[i] <= '9'; i++)
		b++;
	return id[i] == '\0' && b >= 8 && a + b + 1 < REC_IDLEN;
}

/*
 * An office may register an event that happened elsewhere, or for a
 * person living elsewhere (DESIGN §3): the record says which, by
 * comparing its place codes with the office's own area (its code is a
 * gazetteer prefix; the national office, 00, covers the country).
 */
int
rec_place_flags(const struct record *r, const char *office)
{
	const struct form *f = form_by_code(r->kind);
	const char *o, *res;
	size_t n = strlen(office);
	int flags = 0;

	if (f == NULL || strcmp(office, "00") == 0)
		return 0;
	o = f->place_field ? rec_value(r, f->place_field) : NULL;
	res = f->residence_field ? rec_value(r, f->residence_field) : NULL;
	if (o && strncmp(o, office, n) != 0)
		flags |= REC_F_OCCURRED_ELSEWHERE;
	if (res && strncmp(res, office, n) != 0)
		flags |= REC_F_RESIDENT_ELSEWHERE;
	return flags;
}

void
rec_vv_bump(struct record *r, const char *office)
{
	size_t i;

	for (i = 0; i < r->nvv; i++)
		if (strcmp(r->vv[i].office, office) == 0) {
			r->vv[i].counter++;
			return;
		}
	r->vv = xrealloc(r->vv, (r->nvv + 1) * sizeof *r->vv);
	snprintf(r->vv[r->nvv].office, OFFICE_LEN, "%s", office);
	r->vv[r->nvv].counter = 1;
	r->nvv++;
}

void
rec_encode(const struct record *r, struct buf *b)
{
	size_t i;

	buf_reset(b);
	buf_add(b, "CR", 2);
	buf_add_u8(b, REC_ENCODING_VERSION);
	buf_add_u8(b, (unsigned)r->kind);
	buf_add_u8(b, (unsigned)r->status);
	buf_add_u8(b, (unsigned)r->action);
	buf_add_u16(b, r->flags);
	buf_add_u32(b, r->rev);
	buf_add_u64(b, (uint64_t)r->time);
	buf_add_u64(b, (uint64_t)r->created);
	buf_add_str(b, r->id);
	buf_add_str(b, r->office);
	buf_add_str(b, r->author);
	buf_add_str(b, r->note ? r->note : "");
	buf_add_u16(b, (unsigned)r->nvv);
	for (i = 0; i < r->nvv; i++) {
		buf_add_str(b, r->vv[i].office);
		buf_add_u32(b, r->vv[i].counter);
	}
	buf_add_u16(b, (unsigned)r->nfields);
	for (i = 0; i < r->nfields; i++) {
		buf_add_str(b, r->fields[i].key);
		buf_add_str(b, r->fields[i].value);
	}
}

static void
copy_bounded(char *dst, size_t dstsz, char *src, struct rd *rd)
{
	if (strlen(src) >= dstsz)
		rd->bad = 1;
	snprintf(dst, dstsz, "%s", src);
	free(src);
}

int
rec_decode(const void *p, size_t n, struct record *r, struct cr_err *e)
{
	const unsigned char *magic;
	struct rd rd;
	unsigned ver;
	size_t i;

	rec_init(r);
	rd_init(&rd, p, n);
	magic = rd_bytes(&rd, 2);
	if (magic == NULL || magic[0] != 'C' || magic[1] != 'R')
		return err_set(e, CR_ECORRUPT, "not a civreg record (bad magic)");
	ver = rd_u8(&rd);
	if (ver != REC_ENCODING_VERSION)
		return err_set(e, CR_ECORRUPT, "record encoding version %u is "
		    "not known to this civreg (knows %d): upgrade civreg", ver,
		    REC_ENCODING_VERSION);
	r->kind = (int)rd_u8(&rd);
	r->status = (int)rd_u8(&rd);
	r->action = (int)rd_u8(&rd);
	r->flags = rd_u16(&rd);
	r->rev = rd_u32(&rd);
	r->time = (int64_t)rd_u64(&rd);
	r->created = (int64_t)rd_u64(&rd);
	copy_bounded(r->id, sizeof r->id, rd_str(&rd), &rd);
	copy_bounded(r->office, sizeof r->office, rd_str(&rd), &rd);
	copy_bounded(r->author, sizeof r->author, rd_str(&rd), &rd);
	r->note = rd_str(&rd);
	r->nvv = rd_u16(&rd);
	if (!rd.bad && (r->nvv > REC_VV_MAX || r->nvv > rd.left / 6))
		rd.bad = 1;
	if (rd.bad)
		r->nvv = 0;
	r->vv = xcalloc(r->nvv, sizeof *r->vv);
	for (i = 0; i < r->nvv && !rd.bad; i++) {
		copy_bounded(r->vv[i].office, OFFICE_LEN, rd_str(&rd), &rd);
		r->vv[i].counter = rd_u32(&rd);
	}
	r->nfields = rd.bad ? 0 : rd_u16(&rd);
	if (!rd.bad && r->nfields > rd.left / 4)
		rd.bad = 1;
	if (rd.bad)
		r->nfields = 0;
	r->fields = xcalloc(r->nfields, sizeof *r->fields);
	for (i = 0; i < r->nfields; i++) {
		r->fields[i].key = rd_str(&rd);
		r->fields[i].value = rd_str(&rd);
	}
	if (!rd.bad && rd.left != 0)
		rd.bad = 1;
	if (!rd.bad && !rec_id_valid(r->id))
		rd.bad = 1;
	if (rd.bad) {
		rec_free(r);
		return err_set(e, CR_ECORRUPT, "record is damaged: a length "
		    "or text inside it is invalid");
	}
	return CR_OK;
}

/* Sets a field, adding it at the end if the record has none by that key. */
void
rec_set(struct record *r, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].key, key) == 0) {
			free(r->fields[i].value);
			r->fields[i].value = xstrdup(value);
			return;
		}
	r->fields = xrealloc(r->fields, (r->nfields + 1) * sizeof *r->fields);
	r->fields[r->nfields].key = xstrdup(key);
	r->fields[r->nfields].value = xstrdup(value);
	r->nfields++;
}

void
rec_unset(struct record *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].key, key) == 0) {
			free(r->fields[i].key);
			free(r->fields[i].value);
			memmove(&r->fields[i], &r->fields[i + 1],
			    (r->nfields - i - 1) * sizeof *r->fields);
			r->nfields--;
			return;
		}
}

/*
 * What changed from revision a to b, field by field: b's fields in order,
 * then those a had and b has not.  before or after is NULL if absent.
 */
void
rec_changes(const struct record *a, const struct record *b,
    rec_change_fn fn, void *arg)
{
	const char *was;
	size_t i;

	for (i = 0; i < b->nfields; i++)
		if ((was = rec_value(a, b->fields[i].key)) == NULL ||
		    strcmp(was, b->fields[i].value) != 0)
			fn(arg, b->fields[i].key, was, b->fields[i].value);
	for (i = 0; i < a->nfields; i++)
		if (rec_value(b, a->fields[i].key) == NULL)
			fn(arg, a->fields[i].key, a->fields[i].value, NULL);
}

static uint32_t
vv_get(const struct record *r, const char *office)
{
	size_t i;

	for (i = 0; i < r->nvv; i++)
		if (strcmp(r->vv[i].office, office) == 0)
			return r->vv[i].counter;
	return 0;
}

/*
 * How revision a stands to revision b by their version vectors: equal,
 * a dominates (has seen everything b has, and more), a is dominated, or
 * concurrent (each has seen a change the other has not).
 */
int
rec_vv_compare(const struct record *a, const struct record *b)
{
	int more = 0, less = 0;
	uint32_t x, y;
	size_t i;

	for (i = 0; i < a->nvv; i++) {
		x = a->vv[i].counter;
		y = vv_get(b, a->vv[i].office);
		more |= x > y;
		less |= x < y;
	}
	for (i = 0; i < b->nvv; i++)
		if (vv_get(a, b->vv[i].office) < b->vv[i].counter)
			less = 1;
	if (more && less)
		return VV_CONCURRENT;
	return more ? VV_DOMINATES : less ? VV_DOMINATED : VV_EQUAL;
}

/* a's vector becomes the entrywise maximum of a's and b's. */
void
rec_vv_merge(struct record *a, const struct record *b)
{
	size_t i, j;

	for (i = 0; i < b->nvv; i++) {
		for (j = 0; j < a->nvv; j++)
			if (strcmp(a->vv[j].office, b->vv[i].office) == 0)
				break;
		if (j == a->nvv) {
			a->vv = xrealloc(a->vv, (a->nvv + 1) * sizeof *a->vv);
			a->vv[j] = b->vv[i];
			a->nvv++;
		} else if (a->vv[j].counter < b->vv[i].counter)
			a->vv[j].counter = b->vv[i].counter;
	}
}
