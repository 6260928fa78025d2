/*
 * likely.c -- at entry: is this person in the register already?
 *
 * Most duplicates are made at the counter: a mother comes back for a
 * birth certificate and a new clerk declares the birth again, or a death
 * is declared for someone whose birth is on file under another spelling.
 * Batch de-duplication (dedup.c) finds them later; this file finds them
 * before they are saved, while the informant is still at the counter and
 * can say "yes, that is him".
 *
 * Each person a form is about is a "person" line of the form (forms/
 * README): the fields holding their names, code, date of birth and
 * parents' names.  A person whose code is given is known already.  For
 * the others the register is searched by name (the ranked search of
 * regist.c, audited as "at entry"), and each record found is scored
 * person against person, over the person lines of its own form: a
 * death's deceased against a birth's child, a husband against a
 * husband.  The score weighs the name (0.5), the date of birth (0.25),
 * the mother's name (0.15) and the father's (0.1), over what both sides
 * give; a name alone, with nothing else on both sides to compare, counts
 * 0.8 of itself, so that only the same name is shown.  Names compare by
 * Jaro-Winkler after folding (name.c), and across scripts by their
 * phonetic keys (0.9 when equal).
 *
 * Contract: likely_find checks the declaration as regist_declare would
 * (role, form, places, references: the same messages), writes nothing but the searches' audit entries, and returns at
 * most LIKELY_MAX matches per person scoring LIKELY_MIN or more, best
 * first.  What a link does is regist_declare_linked's (regist.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

/* Folded and NUL-ended, for Jaro-Winkler. */
static void
fold_z(const char *s, struct buf *b)
{
	buf_reset(b);
	name_fold(s, b);
	buf_add_u8(b, 0);
}

/* Two names, any scripts: 0 (unlike) to 1 (the same once folded). */
static double
one_name(const char *a, const char *b)
{
	struct buf fa, fb;
	double s;

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return -1;
	buf_init(&fa);
	buf_init(&fb);
	fold_z(a, &fa);
	fold_z(b, &fb);
	s = match_jaro_winkler((const char *)fa.data, (const char *)fb.data);
	if (s < 0.9) {			/* another script, or a spelling */
		buf_reset(&fa);
		buf_reset(&fb);
		name_key(a, &fa);
		name_key(b, &fb);
		if (fa.len > 0 && fa.len == fb.len &&
		    memcmp(fa.data, fb.data, fa.len) == 0)
			s = 0.9;
	}
	buf_free(&fa);
	buf_free(&fb);
	return s;
}

static const char *
value(const struct record *r, const char *field)
{
	const char *v = field ? rec_value(r, field) : NULL;

	return v && *v ? v : NULL;
}

/* The best of the two names' pairings; -1 if neither side has one. */
static double
names_score(const struct form_person *p, const struct record *a,
    const struct form_person *q, const struct record *b)
{
	const char *an[2] = { value(a, p->name_km), value(a, p->name_latin) };
	const char *bn[2] = { value(b, q->name_km), value(b, q->name_latin) };
	double best = -1, s;
	int i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if ((s = one_name(an[i], bn[j])) > best)
				best = s;
	return best;
}

static double
person_score(const struct form_person *p, const struct record *a,
    const struct form_person *q, const struct record *b)
{
	static const double by_level[] = { 1.0, 0.8, 0.5, 0.0 };
	const char *da = value(a, p->born), *db = value(b, q->born);
	double name = names_score(p, a, q, b), sum, w, s;
	int l;

	if (name < 0.7)
		return 0;
	sum = 0.5 * name;
	w = 0.5;
	if (da && db) {
		l = match_level(MATCH_DATE, da, db, 5);
		sum += 0.25 * (l >= 0 && l < 4 ? by_level[l] : 0);
		w += 0.25;
	}
	if ((s = one_name(value(a, p->mother), value(b, q->mother))) >= 0) {
		sum += 0.15 * s;
		w += 0.15;
	}
	if ((s = one_name(value(a, p->father), value(b, q->father))) >= 0) {
		sum += 0.1 * s;
		w += 0.1;
	}
	/* A name alone is weak evidence: only the very same name is shown. */
	return w > 0.5 ? sum / w : 0.8 * name;
}

double
likely_score(const struct form *f, int p, const struct record *decl,
    const struct record *r, int *qp)
{
	const struct form *rf = form_by_code(r->kind);
	double best = 0, s;
	size_t q;

	if (qp)
		*qp = -1;
	for (q = 0; rf && q < rf->npersons; q++)
		if ((s = person_score(&f->persons[p], decl, &rf->persons[q],
		    r)) > best) {
			best = s;
			if (qp)
				*qp = (int)q;
		}
	return best;
}

struct find {
	const struct form	*f;
	int			 p;
	const struct record	*decl;
	struct likely_list	*out;
};

static char *
joined(const char *a, const char *b)
{
	struct buf j;
	char *s;

	buf_init(&j);
	if (a)
		buf_add(&j, a, strlen(a));
	if (a && b)
		buf_add(&j, " / ", 3);
	if (b)
		buf_add(&j, b, strlen(b));
	buf_add_u8(&j, 0);
	s = xstrdup((const char *)j.data);
	buf_free(&j);
	return s;
}

static int
found(void *arg, const struct record *r, double rank)
{
	struct find *fd = arg;
	const struct form *rf = form_by_code(r->kind);
	const struct form_person *q;
	struct likely *l;
	double score;
	size_t i;
	int qi;

	(void)rank;
	score = likely_score(fd->f, fd->p, fd->decl, r, &qi);
	if (score < LIKELY_MIN || qi < 0)
		return 0;
	for (i = 0; i < fd->out->n; i++)
		if (fd->out->v[i].person == fd->p &&
		    strcmp(fd->out->v[i].id, r->id) == 0)
			return 0;
	q = &rf->persons[qi];
	fd->out->v = xrealloc(fd->out->v, (fd->out->n + 1) *
	    sizeof *fd->out->v);
	l = &fd->out->v[fd->out->n++];
	memset(l, 0, sizeof *l);
	l->person = fd->p;
	snprintf(l->id, sizeof l->id, "%s", r->id);
	l->kind = r->kind;
	l->status = r->status;
	l->score = score;
	if (value(r, q->kidc))
		snprintf(l->kidc, sizeof l->kidc, "%s", value(r, q->kidc));
	l->name = joined(value(r, q->name_km), value(r, q->name_latin));
	l->born = xstrdup(value(r, q->born) ? value(r, q->born) : "");
	l->mother = xstrdup(value(r, q->mother) ? value(r, q->mother) : "");
	return 0;
}

/* By person, then best score first, then the lower id. */
static int
likely_cmp(const void *pa, const void *pb)
{
	const struct likely *a = pa, *b = pb;

	if (a->person != b->person)
		return a->person - b->person;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->id, b->id);
}

static void
likely_entry_free(struct likely *l)
{
	free(l->name);
	free(l->born);
	free(l->mother);
}

/* Sorted, and no more than LIKELY_MAX for each person. */
static void
likely_trim(struct likely_list *out)
{
	size_t i, k = 0, run = 0;

	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, likely_cmp);
	for (i = 0; i < out->n; i++) {
		run = i > 0 && out->v[i].person == out->v[i - 1].person ?
		    run + 1 : 0;
		if (run >= LIKELY_MAX)
			likely_entry_free(&out->v[i]);
		else
			out->v[k++] = out->v[i];
	}
	out->n = k;
}

int
likely_find(struct session *s, const char *kind, const struct kv *kv,
    size_t n, struct likely_list *out, struct cr_err *e)
{
	const struct form *f = form_by_key(kind);
	struct search_query q;
	struct record d;
	struct find fd;
	size_t i;
	int rc = CR_OK;

	memset(out, 0, sizeof *out);
	if (f == NULL)
		return err_set(e, CR_EINVAL, "unknown form '%s': 'civreg "
		    "forms' lists the forms", kind);
	/* The declaration's own refusals first, as regist_declare gives
	 * them: a role that may not declare it learns nothing more. */
	if ((rc = authz_check(s, AZ_DECLARE, f, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((rc = regist_check(s, f, kv, n, e)) != CR_OK)
		return rc;
	rec_init(&d);
	d.kind = f->code;
	for (i = 0; i < n; i++)
		if (kv[i].value[0] != '\0')
			rec_set(&d, kv[i].key, kv[i].value);
	for (i = 0; rc == CR_OK && i < f->npersons; i++) {
		const struct form_person *p = &f->persons[i];

		if (value(&d, p->kidc))
			continue;		/* known by their code */
		memset(&q, 0, sizeof q);
		if ((q.text = value(&d, p->name_km)) == NULL &&
		    (q.text = value(&d, p->name_latin)) == NULL)
			continue;
		q.born = value(&d, p->born);
		q.mother = value(&d, p->mother);
		q.father = value(&d, p->father);
		q.purpose = "at entry";
		fd.f = f;
		fd.p = (int)i;
		fd.decl = &d;
		fd.out = out;
		rc = regist_search_query(s, &q, 50, found, &fd, e);
		if (rc == CR_EINVAL) {	/* a name too common to say */
			err_clear(e);
			rc = CR_OK;
		}
	}
	rec_free(&d);
	if (rc != CR_OK) {
		likely_free(out);
		return rc;
	}
	likely_trim(out);
	return CR_OK;
}

void
likely_free(struct likely_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		likely_entry_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}
