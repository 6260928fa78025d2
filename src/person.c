/*
 * person.c -- the population register: one person across the records.
 *
 * The identity code (KIDC) links a person's civil records: every field of
 * type kidc is in the person index (SI_KIDC), so one index lookup finds
 * every record that names the code, whatever the person's part in it.
 * The part comes from the field's key: "kidc" is the record's subject,
 * "mother_kidc" the mother, "husband_kidc" the husband, "informant_kidc"
 * the informant, and so on.  A birth gets the child's own code only in
 * issue 6; a kidc field on a birth is its subject when present.
 *
 * The current residence is derived, never stored: the latest-dated
 * residence among the records about the person as subject that a
 * registrar has made valid (registered, certified, issued or approved):
 * a change of residence gives new_residence from date_moved, an ID card
 * usual_residence from its issue date, and any other form its residence
 * field (forms/ `residence`) at its event date -- but only when that
 * field describes the subject: a birth's residence is the mother's
 * (mother_residence), a marriage's the husband's, so they do not count
 * for the subject.  A declared, rejected or annulled record never counts.
 * The history is every such residence, oldest first; on equal dates the
 * record made later wins.  A registered death of the subject makes the
 * person deceased.
 *
 * Looking at a person is audited (action "person", the code in the
 * detail) in a transaction of its own before anything is returned, also
 * when no record names the code; reading runs read-committed, so a busy
 * office is not blocked.  Errors: a mistyped code is CR_EINVAL (with
 * what is wrong with it), a code no record names CR_ENOTFOUND.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

/* Statuses in which a registrar has made a record valid. */
int
person_counts(int status)
{
	return status == RS_REGISTERED || status == RS_CERTIFIED ||
	    status == RS_ISSUED || status == RS_APPROVED ||
	    status == RS_ARCHIVED;
}

void
person_free(struct person *p)
{
	size_t i;

	for (i = 0; i < p->nres; i++) {
		free(p->res[i].place_km);
		free(p->res[i].place_latin);
	}
	free(p->res);
	free(p->rec);
	free(p->name_km);
	free(p->name_latin);
	memset(p, 0, sizeof *p);
}

/* The length of a kidc field's prefix ("mother_kidc": 7), or -1. */
static int
prefix_len(const char *key)
{
	size_t kl = strlen(key);

	if (kl < 4 || strcmp(key + kl - 4, "kidc") != 0)
		return -1;
	return (int)(kl - 4);
}

/* Whether the form's residence field is the subject's own. */
static int
subject_residence(const struct form *f)
{
	size_t i;
	int pl;

	if (f->residence_field == NULL || f->date_field == NULL)
		return 0;
	for (i = 0; i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];

		if (ff->type != FT_KIDC || (pl = prefix_len(ff->key)) <= 0)
			continue;
		if (strncmp(f->residence_field, ff->key, (size_t)pl) == 0)
			return 0;	/* mother_residence: the mother's */
	}
	return 1;
}

/* The event date of a record, if it is a real date. */
static const char *
event_date(const struct form *f, const struct record *r)
{
	const char *v = f->date_field ? rec_value(r, f->date_field) : NULL;
	char why[128];
	int y, m, d;

	return v && date_parse(v, &y, &m, &d, why, sizeof why) == 0 ? v : "";
}

struct pread {
	struct session	*s;
	const char	*kidc;
	struct person	*p;
	int		 name_score;	/* of the record the names come from */
	char		 name_date[11];
	char		 name_id[REC_IDLEN];
};

/* Names from the best record so far: as subject, valid, latest. */
static void
take_names(struct pread *pr, const struct form *f, const struct record *r,
    const char *prefix, int subject)
{
	const char *km, *latin, *date = event_date(f, r);
	char key[64];
	int score = subject * 2 + person_counts(r->status), c;

	snprintf(key, sizeof key, "%sname_km", prefix);
	km = rec_value(r, key);
	if (km == NULL) {	/* informant_name */
		snprintf(key, sizeof key, "%sname", prefix);
		km = rec_value(r, key);
	}
	snprintf(key, sizeof key, "%sname_latin", prefix);
	latin = rec_value(r, key);
	if (km == NULL && latin == NULL)
		return;
	if (pr->p->name_km || pr->p->name_latin) {
		if (score != pr->name_score) {
			if (score < pr->name_score)
				return;
		} else if ((c = strcmp(date, pr->name_date)) < 0 ||
		    (c == 0 && strcmp(r->id, pr->name_id) < 0))
			return;
	}
	free(pr->p->name_km);
	free(pr->p->name_latin);
	pr->p->name_km = km ? xstrdup(km) : NULL;
	pr->p->name_latin = latin ? xstrdup(latin) : NULL;
	pr->name_score = score;
	snprintf(pr->name_date, sizeof pr->name_date, "%s", date);
	snprintf(pr->name_id, sizeof pr->name_id, "%s", r->id);
}

/*
 * One record that names the code: its parts, residence, death.  linked:
 * a record a "same" duplicate decision ties to the code (dedup.c): the
 * person is its subject whatever code, if any, it holds.
 */
static void
take_record(struct pread *pr, const struct form *f, const struct record *r,
    int linked)
{
	struct person *p = pr->p;
	struct person_record *pc;
	char digits[KIDC_LEN + 1], why[128], prefix[48];
	size_t i, o;
	int pl, subject = 0, named = 0;

	p->rec = xrealloc(p->rec, (p->nrec + 1) * sizeof *p->rec);
	pc = &p->rec[p->nrec];
	memset(pc, 0, sizeof *pc);
	for (i = 0; i < r->nfields; i++) {
		const struct form_field *ff = form_field(f, r->fields[i].key);

		if (ff == NULL || ff->type != FT_KIDC ||
		    (pl = prefix_len(ff->key)) < 0 ||
		    kidc_normalize(r->fields[i].value, digits, why,
		    sizeof why) != 0 || strcmp(digits, pr->kidc) != 0)
			continue;
		snprintf(prefix, sizeof prefix, "%.*s", pl, ff->key);
		if (pl == 0)
			subject = 1;
		if (!named || pl == 0)
			take_names(pr, f, r, prefix, pl == 0);
		named = 1;
		/* "mother_" -> "mother"; "" -> "subject" */
		o = strlen(pc->part);
		snprintf(pc->part + o, sizeof pc->part - o, "%s%.*s",
		    o ? "," : "", pl ? pl - (ff->key[pl - 1] == '_') : 7,
		    pl ? ff->key : "subject");
	}
	if (linked && !subject) {
		take_names(pr, f, r, "", 1);
		o = strlen(pc->part);
		snprintf(pc->part + o, sizeof pc->part - o, "%ssubject",
		    o ? "," : "");
		subject = named = 1;
	}
	if (!named)
		return;		/* an index entry of an older revision */
	snprintf(pc->id, sizeof pc->id, "%s", r->id);
	pc->kind = r->kind;
	pc->status = r->status;
	snprintf(pc->date, sizeof pc->date, "%s", event_date(f, r));
	p->nrec++;
	if (!subject || !person_counts(r->status))
		return;
	if (strcmp(f->key, "death") == 0 && (p->death_id[0] == '\0' ||
	    strcmp(pc->date, p->death_date) > 0)) {
		snprintf(p->death_id, sizeof p->death_id, "%s", r->id);
		snprintf(p->death_date, sizeof p->death_date, "%s", pc->date);
	}
	if (subject_residence(f) && pc->date[0] &&
	    rec_value(r, f->residence_field) != NULL) {
		struct person_residence *pr_res;

		p->res = xrealloc(p->res, (p->nres + 1) * sizeof *p->res);
		pr_res = &p->res[p->nres++];
		memset(pr_res, 0, sizeof *pr_res);
		snprintf(pr_res->code, sizeof pr_res->code, "%s",
		    rec_value(r, f->residence_field));
		snprintf(pr_res->date, sizeof pr_res->date, "%s", pc->date);
		snprintf(pr_res->id, sizeof pr_res->id, "%s", r->id);
		pr_res->kind = r->kind;
	}
}

/* "Tonle Basak, Chamkar Mon, Phnom Penh" in both scripts. */
static int
place_path(struct txn *tx, struct person_residence *res, struct cr_err *e)
{
	struct buf km, latin;
	struct place pl;
	char code[9];
	int rc = CR_OK, first = 1;

	buf_init(&km);
	buf_init(&latin);
	snprintf(code, sizeof code, "%s", res->code);
	while (code[0]) {
		if ((rc = gazetteer_get(tx, code, &pl, e)) != CR_OK)
			break;
		if (!first) {
			buf_add(&km, ", ", 2);
			buf_add(&latin, ", ", 2);
		}
		first = 0;
		buf_add(&km, pl.name_km, strlen(pl.name_km));
		buf_add(&latin, pl.name_latin, strlen(pl.name_latin));
		snprintf(code, sizeof code, "%s", pl.parent);
		place_free(&pl);
	}
	if (rc == CR_ENOTFOUND) {	/* not in the gazetteer: no names */
		err_clear(e);
		rc = CR_OK;
	} else if (rc == CR_OK && !first) {
		buf_add_u8(&km, 0);
		buf_add_u8(&latin, 0);
		res->place_km = xstrdup((const char *)km.data);
		res->place_latin = xstrdup((const char *)latin.data);
	}
	buf_free(&km);
	buf_free(&latin);
	return rc;
}


/* The two records of a "same" decision, read after the indexed ones. */
static void
link_records(struct keylist *ids, const struct record *d)
{
	const char *side[2] = { rec_value(d, "record_a"),
	    rec_value(d, "record_b") };
	size_t j;

	/* NUL-terminated like keylist_collect's; one already there stays. */
	for (j = 0; j < 2; j++)
		if (side[j] != NULL)
			keylist_add(ids, side[j], strlen(side[j]) + 1);
}

static int
person_read(struct pread *pr, struct cr_err *e)
{
	struct keylist ids = { 0, NULL };
	const struct form *f;
	struct record r;
	struct txn *tx;
	struct buf b;
	size_t i, nindexed;
	int rc, loaded;

	person_free(pr->p);
	snprintf(pr->p->kidc, sizeof pr->p->kidc, "%s", pr->kidc);
	pr->name_score = 0;
	if ((rc = store_begin_read(pr->s->store, &tx, e)) != CR_OK)
		return rc;
	buf_init(&b);
	rc = store_index_scan(tx, SI_KIDC, pr->kidc, KIDC_LEN, keylist_collect, &ids,
	    e);
	nindexed = ids.n;
	for (i = 0; rc == CR_OK && i < ids.n; i++) {
		const char *id = (const char *)ids.keys[i].data;

		rc = store_get(tx, ST_RECORDS, id, strlen(id), &b, 0, e);
		if (rc == CR_ENOTFOUND) {	/* gone since the scan */
			err_clear(e);
			rc = CR_OK;
			continue;
		}
		if (rc != CR_OK)
			break;
		if ((rc = rec_decode(b.data, b.len, &r, e)) != CR_OK) {
			rc = err_set(e, rc, "record %s is damaged: 'civreg "
			    "verify' reports the damage", id);
			break;
		}
		f = form_by_code(r.kind);
		if (f != NULL && authz_check(pr->s, AZ_READ, f, e) == CR_OK) {
			take_record(pr, f, &r, i >= nindexed);
			/* A decision that two records are this person. */
			if (i < nindexed && strcmp(f->key, "match_decision") ==
			    0 && rec_value(&r, "decision") && strcmp(rec_value(&r,
			    "decision"), "same") == 0)
				link_records(&ids, &r);
		}
		err_clear(e);
		rec_free(&r);
	}
	if (rc == CR_OK && pr->p->nres > 0) {
		if ((loaded = gazetteer_loaded(tx, e)) < 0)
			rc = -loaded;
		for (i = 0; rc == CR_OK && loaded && i < pr->p->nres; i++)
			rc = place_path(tx, &pr->p->res[i], e);
	}
	store_abort(tx);	/* read only */
	keylist_free(&ids);
	buf_free(&b);
	return rc;
}

static int
person_note(struct txn *tx, void *arg, struct cr_err *e)
{
	struct pread *pr = arg;
	char detail[96];

	snprintf(detail, sizeof detail, "identity code %s: %zu record%s",
	    pr->kidc, pr->p->nrec, pr->p->nrec == 1 ? "" : "s");
	return audit_append(tx, pr->s->user, pr->s->office, AU_PERSON, "",
	    detail, e);
}

/* Dated first, by date, then by id; undated last. */
static int
by_date(const char *da, const char *ia, const char *db, const char *ib)
{
	int c;

	if (!*da != !*db)
		return *da ? -1 : 1;
	return (c = strcmp(da, db)) != 0 ? c : strcmp(ia, ib);
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct person_record *x = a, *y = b;

	return by_date(x->date, x->id, y->date, y->id);
}

static int
res_cmp(const void *a, const void *b)
{
	const struct person_residence *x = a, *y = b;

	return by_date(x->date, x->id, y->date, y->id);
}

int
person_get(struct session *s, const char *code, struct person *p,
    struct cr_err *e)
{
	struct pread pr;
	char kidc[KIDC_LEN + 1], why[160], shown[64], grouped[KIDC_LEN + 3];
	int rc, tries = 0;

	memset(p, 0, sizeof *p);
	if ((rc = authz_check(s, AZ_PERSON, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (kidc_normalize(code, kidc, why, sizeof why) != 0) {
		str_printable(shown, sizeof shown, code);
		return err_set(e, CR_EINVAL, "'%s' %s", shown, why);
	}
	memset(&pr, 0, sizeof pr);
	pr.s = s;
	pr.kidc = kidc;
	pr.p = p;
	do {
		err_clear(e);
		rc = person_read(&pr, e);
	} while (rc == CR_EDEADLOCK && ++tries < 20);
	/* Nothing is shown unless the look-up is on record. */
	if (rc == CR_OK)
		rc = store_run(s->store, person_note, &pr, e);
	if (rc == CR_OK && p->nrec == 0) {
		kidc_format(kidc, grouped);
		rc = err_set(e, CR_ENOTFOUND, "no record in this store names "
		    "the identity code %s: check the code, or find the person "
		    "by name with 'civreg search'", grouped);
	}
	if (rc != CR_OK) {
		person_free(p);
		return rc;
	}
	if (p->nrec > 1)
		qsort(p->rec, p->nrec, sizeof *p->rec, rec_cmp);
	if (p->nres > 1)
		qsort(p->res, p->nres, sizeof *p->res, res_cmp);
	return CR_OK;
}
