/*
 * stats.c -- vital statistics: the UN minimum tabulations, counted from
 * the register.
 *
 * The state registers events so that it can count them.  A table counts
 * the valid records (registered, certified or archived) of one event
 * kind -- or of every kind that has a registration timeliness -- whose
 * event date falls in a period and whose place -- of occurrence, or of
 * usual residence -- lies in an area, by one dimension: the month of the
 * event, a coded field (sex, attendant ...), the mother's age at the
 * birth, the deceased's age, the ICD-10 chapter of the cause, the event
 * kind.  A cross-tabulation splits each row by a second one, in columns
 * (deaths by age group and sex).  Tables are a const table below:
 * adding one is a line.
 *
 * Numbers add up: every record a table selects falls in exactly one row
 * and, in a cross-tabulation, in exactly one column of it ("not stated"
 * when the field is empty or unreadable), so a table's total is the
 * count of its records; a period or area without records gives the rows
 * with zeros, not an error.  A province and the national office count
 * their merged registers the same way.
 *
 * Contract: stats_compute reads the register read-only (one pass over
 * records.db) and is audited; roles AZ_STATS.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

/*
 * What a row (or a cross-tabulation's column) is: D_MONTH, D_PLACE and
 * D_COMPLETE only rows; D_KIND, the event kind, for a table of every
 * kind that has a timeliness.
 */
enum dim { D_NONE, D_MONTH, D_CHOICE, D_MOTHER_AGE, D_AGE, D_ICD,
	D_TIMELINESS, D_COMPLETE, D_PLACE, D_KIND };

struct stats_def {
	const char	*key;
	const char	*title;
	const char	*form;		/* the event kind counted; NULL: each */
	enum dim	 dim;		/* the rows */
	const char	*field;		/* D_CHOICE rows: the field */
	enum dim	 cdim;		/* the columns; D_NONE: one count */
	const char	*cfield;	/* D_CHOICE columns: the field */
};

static const struct stats_def stats_defs[] = {
	{ "births-month", "Live births by month of occurrence", "birth",
	  D_MONTH, NULL, D_NONE, NULL },
	{ "births-sex", "Live births by sex", "birth", D_CHOICE, "sex",
	  D_NONE, NULL },
	{ "births-attendant", "Live births by attendant at birth", "birth",
	  D_CHOICE, "attendant", D_NONE, NULL },
	{ "births-place", "Live births by place (of occurrence, or of usual "
	  "residence with --by residence)", "birth", D_PLACE, NULL, D_NONE,
	  NULL },
	{ "births-place-type", "Live births by type of place of occurrence",
	  "birth", D_CHOICE, "place_type", D_NONE, NULL },
	{ "births-mother-age", "Live births by age of mother", "birth",
	  D_MOTHER_AGE, NULL, D_NONE, NULL },
	{ "births-timeliness", "Live births by timeliness of registration",
	  "birth", D_TIMELINESS, NULL, D_NONE, NULL },
	{ "deaths-month", "Deaths by month of occurrence", "death", D_MONTH,
	  NULL, D_NONE, NULL },
	{ "deaths-sex", "Deaths by sex", "death", D_CHOICE, "sex", D_NONE,
	  NULL },
	{ "deaths-age", "Deaths by age group", "death", D_AGE, NULL, D_NONE,
	  NULL },
	{ "deaths-age-sex", "Deaths by age group and sex", "death", D_AGE,
	  NULL, D_CHOICE, "sex" },
	{ "deaths-cause", "Deaths by cause (ICD-10 chapter)", "death", D_ICD,
	  NULL, D_NONE, NULL },
	{ "deaths-place", "Deaths by place (of occurrence, or of usual "
	  "residence with --by residence)", "death", D_PLACE, NULL, D_NONE,
	  NULL },
	{ "deaths-place-type", "Deaths by type of place of occurrence",
	  "death", D_CHOICE, "place_type", D_NONE, NULL },
	{ "deaths-timeliness", "Deaths by timeliness of registration",
	  "death", D_TIMELINESS, NULL, D_NONE, NULL },
	{ "fetal-deaths-month", "Fetal deaths by month of delivery",
	  "fetal_death", D_MONTH, NULL, D_NONE, NULL },
	{ "marriages-month", "Marriages by month", "marriage", D_MONTH, NULL,
	  D_NONE, NULL },
	{ "divorces-month", "Divorces by month", "divorce", D_MONTH, NULL,
	  D_NONE, NULL },
	{ "timeliness", "Timeliness of registration by event kind", NULL,
	  D_KIND, NULL, D_TIMELINESS, NULL },
	{ "births-completeness", "Completeness of birth registration by "
	  "province", "birth", D_COMPLETE, "b", D_NONE, NULL },
	{ "deaths-completeness", "Completeness of death registration by "
	  "province", "death", D_COMPLETE, "d", D_NONE, NULL },
};
#define NDEFS	(sizeof stats_defs / sizeof stats_defs[0])

#define NOT_STATED	"not stated"
#define NO_RATES	"no rates for the province"
#define OTHER_PLACES	"other places"

/* meta.db "rates.PP": population and crude rates (db/record-format 3). */
#define RATES_MAGIC	"RT"
#define RATES_VERSION	1

size_t
stats_count(void)
{
	return NDEFS;
}

int
stats_info(size_t i, const char **key, const char **title)
{
	if (i >= NDEFS)
		return -1;
	*key = stats_defs[i].key;
	*title = stats_defs[i].title;
	return 0;
}

/* Mother's age at the birth: under 15, 15-19 ... 45-49, 50 and over. */
static const char *const mother_ages[] = {
	"under 15", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
	"45-49", "50 and over"
};
/* The UN age groups of deaths. */
static const char *const death_ages[] = {
	"under 1", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34",
	"35-39", "40-44", "45-49", "50-54", "55-59", "60-64", "65-69",
	"70-74", "75-79", "80-84", "85 and over"
};
/* ICD-10 chapters by the first letter (and number) of the code. */
static const struct {
	const char	*label;
	char		 from[4], to[4];
} icd_chapters[] = {
	{ "I Infectious and parasitic (A00-B99)", "A00", "B99" },
	{ "II Neoplasms (C00-D48)", "C00", "D48" },
	{ "III Blood and immune (D50-D89)", "D50", "D89" },
	{ "IV Endocrine, nutritional, metabolic (E00-E90)", "E00", "E90" },
	{ "V Mental and behavioural (F00-F99)", "F00", "F99" },
	{ "VI Nervous system (G00-G99)", "G00", "G99" },
	{ "VII Eye and adnexa (H00-H59)", "H00", "H59" },
	{ "VIII Ear and mastoid (H60-H95)", "H60", "H95" },
	{ "IX Circulatory system (I00-I99)", "I00", "I99" },
	{ "X Respiratory system (J00-J99)", "J00", "J99" },
	{ "XI Digestive system (K00-K93)", "K00", "K93" },
	{ "XII Skin (L00-L99)", "L00", "L99" },
	{ "XIII Musculoskeletal (M00-M99)", "M00", "M99" },
	{ "XIV Genitourinary (N00-N99)", "N00", "N99" },
	{ "XV Pregnancy and childbirth (O00-O99)", "O00", "O99" },
	{ "XVI Perinatal conditions (P00-P96)", "P00", "P96" },
	{ "XVII Congenital malformations (Q00-Q99)", "Q00", "Q99" },
	{ "XVIII Ill-defined (R00-R99)", "R00", "R99" },
	{ "XX External causes (V01-Y98)", "V01", "Y98" },
	{ "XXII Special purposes (U00-U99)", "U00", "U99" },
};
#define NICD	(sizeof icd_chapters / sizeof icd_chapters[0])

static const char *const timeliness[] = { "current", "late", "delayed" };
#define NTIMELINESS	(sizeof timeliness / sizeof timeliness[0])

struct tally {
	const struct stats_def	*def;
	const struct form	*f;		/* NULL: every event kind */
	const struct stats_query *q;
	struct stats_table	*t;
	int32_t			 from, to;
	int			 residence;	/* the area is by residence */
	size_t			 level;		/* D_PLACE: digits of a row */
	int			 dynamic;	/* D_PLACE: rows as found */
};

/*
 * The kinds with a registration timeliness: every form of class event,
 * as workflow.c registers them (its rule "register" is for "*event").
 */
static int
timed_kind(const struct form *f)
{
	return f != NULL && f->cls == FC_EVENT;
}

static void
row_add(struct stats_table *t, const char *label)
{
	t->rows = xrealloc(t->rows, (t->nrows + 1) * sizeof *t->rows);
	t->rows[t->nrows].label = xstrdup(label);
	t->rows[t->nrows].count = 0;
	t->rows[t->nrows].expected = -1;
	/* A cross-tabulation's columns are set before its rows. */
	t->rows[t->nrows].cells = t->ncols ? xcalloc(t->ncols,
	    sizeof *t->rows[t->nrows].cells) : NULL;
	t->nrows++;
}

static void
col_add(struct stats_table *t, const char *label)
{
	t->cols = xrealloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
	t->cols[t->ncols++] = xstrdup(label);
}

static void
row_insert(struct stats_table *t, size_t at, const char *label)
{
	struct stats_row nr;

	row_add(t, label);
	nr = t->rows[t->nrows - 1];
	memmove(&t->rows[at + 1], &t->rows[at], (t->nrows - 1 - at) *
	    sizeof *t->rows);
	t->rows[at] = nr;
}

/* A place row: "CODE Name", one level below the area. */
static int
place_row(void *arg, const struct place *p)
{
	struct tally *ty = arg;
	char label[120];

	snprintf(label, sizeof label, "%s %s", p->code, p->name_latin ?
	    p->name_latin : "");
	row_add(ty->t, label);
	return 0;
}

static int
rate_decode(const void *k, size_t kl, const void *v, size_t vl,
    struct stats_rate *r)
{
	struct rd rd;
	const unsigned char *m;

	if (kl != 8 || memcmp(k, "rates.", 6) != 0 || vl != 2 + 1 + 8 + 8)
		return -1;
	rd_init(&rd, v, vl);
	m = rd_bytes(&rd, 2);
	if (m == NULL || memcmp(m, RATES_MAGIC, 2) != 0 ||
	    rd_u8(&rd) != RATES_VERSION)
		return -1;
	memcpy(r->province, (const char *)k + 6, 2);
	r->province[2] = '\0';
	r->population = rd_u64(&rd);
	r->birth_rate = rd_u32(&rd) / 1000.0;
	r->death_rate = rd_u32(&rd) / 1000.0;
	return 0;
}

/*
 * A completeness table's rows, read in the computing transaction: one a
 * province with rates in the area, expected events = population x crude
 * rate / 1000 x the period's share of a year; then the registered
 * records of provinces without rates, and those without a place.
 */
struct rates_rows {
	struct tally	*ty;
	struct txn	*tx;
	double		 years;
};

static int
rates_row(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct rates_rows *rr = arg;
	struct tally *ty = rr->ty;
	struct stats_rate r;
	struct place pl;
	struct cr_err e;
	char label[120];
	double rate;

	if (rate_decode(k, kl, v, vl, &r) != 0)
		return 0;		/* verify reports it */
	if (ty->q->area && strncmp(r.province, ty->q->area,
	    strlen(ty->q->area) < 2 ? strlen(ty->q->area) : 2) != 0)
		return 0;
	if (gazetteer_get(rr->tx, r.province, &pl, &e) == CR_OK) {
		snprintf(label, sizeof label, "%s %s", r.province,
		    pl.name_latin ? pl.name_latin : "");
		place_free(&pl);
	} else
		snprintf(label, sizeof label, "%s", r.province);
	row_add(ty->t, label);
	rate = ty->def->field[0] == 'b' ? r.birth_rate : r.death_rate;
	ty->t->rows[ty->t->nrows - 1].expected = (double)r.population *
	    rate / 1000.0 * rr->years;
	return 0;
}

static int
rates_rows_init(struct txn *tx, struct tally *ty, struct cr_err *e)
{
	struct rates_rows rr;
	size_t i;
	int rc;

	rr.ty = ty;
	rr.tx = tx;
	rr.years = (double)(ty->to - ty->from + 1) / 365.25;
	if ((rc = store_scan(tx, ST_META, "rates.", 6, rates_row, &rr, e)) !=
	    CR_OK)
		return rc;
	ty->t->expected = 0;
	for (i = 0; i < ty->t->nrows; i++)
		ty->t->expected += ty->t->rows[i].expected;
	row_add(ty->t, NO_RATES);
	row_add(ty->t, NOT_STATED);
	return CR_OK;
}

/*
 * The labels of an axis that does not depend on the register or the
 * area -- a row's or a column's -- each given to add, then "not stated"
 * (but for the event kinds: every record has one).
 */
static void
axis_init(const struct tally *ty, enum dim dim, const char *field,
    void (*add)(struct stats_table *, const char *))
{
	const struct form_field *ff;
	size_t i;
	char m[16];
	int y, mo, dd;
	int32_t day;

	switch (dim) {
	case D_MONTH:
		date_from_days(ty->from, &y, &mo, &dd);
		for (day = ty->from; day <= ty->to; ) {
			snprintf(m, sizeof m, "%04d-%02d", y, mo);
			add(ty->t, m);
			if (++mo > 12) {
				mo = 1;
				y++;
			}
			day = date_days(y, mo, 1);
		}
		break;
	case D_CHOICE:
		ff = ty->f ? form_field(ty->f, field) : NULL;
		for (i = 0; ff && ff->values && ff->values[i]; i++)
			add(ty->t, ff->values[i]);
		break;
	case D_MOTHER_AGE:
		for (i = 0; i < sizeof mother_ages / sizeof *mother_ages; i++)
			add(ty->t, mother_ages[i]);
		break;
	case D_AGE:
		for (i = 0; i < sizeof death_ages / sizeof *death_ages; i++)
			add(ty->t, death_ages[i]);
		break;
	case D_ICD:
		for (i = 0; i < NICD; i++)
			add(ty->t, icd_chapters[i].label);
		break;
	case D_TIMELINESS:
		for (i = 0; i < NTIMELINESS; i++)
			add(ty->t, timeliness[i]);
		break;
	case D_KIND:
		for (i = 0; form_table[i]; i++)
			if (timed_kind(form_table[i]))
				add(ty->t, form_table[i]->key);
		return;
	case D_NONE:
	case D_COMPLETE:
	case D_PLACE:
		return;		/* rows_init */
	}
	add(ty->t, NOT_STATED);
}

/* The rows of a table, all of them, before any record is counted. */
static void
rows_init(struct tally *ty)
{
	const struct stats_def *d = ty->def;
	struct cr_err e;

	switch (d->dim) {
	case D_COMPLETE:
		return;		/* rates_rows_init, in the transaction */
	case D_PLACE:
		ty->level = ty->q->area ? strlen(ty->q->area) + 2 : 2;
		if (ty->level > 8)	/* a village: itself */
			ty->level = 8;
		if (ty->level == 8 && ty->q->area && strlen(ty->q->area) == 8)
			row_add(ty->t, ty->q->area);
		else if (gazetteer_list(ty->t->s, ty->q->area ? ty->q->area :
		    "", place_row, ty, &e) != CR_OK || ty->t->nrows == 0)
			ty->dynamic = 1;	/* no gazetteer: as found */
		row_add(ty->t, OTHER_PLACES);
		row_add(ty->t, NOT_STATED);
		return;
	default:
		axis_init(ty, d->dim, d->field, row_add);
	}
}

static int32_t
day_of(const char *s)
{
	char why[80];
	int y, m, d;

	if (s == NULL || date_parse(s, &y, &m, &d, why, sizeof why) != 0)
		return INT32_MIN;
	return date_days(y, m, d);
}

/* Whole years from birth to the event. */
static int
age_at(const char *born, const char *event)
{
	char why[80];
	int by, bm, bd, ey, em, ed, a;

	if (born == NULL || event == NULL ||
	    date_parse(born, &by, &bm, &bd, why, sizeof why) != 0 ||
	    date_parse(event, &ey, &em, &ed, why, sizeof why) != 0)
		return -1;
	a = ey - by - (em < bm || (em == bm && ed < bd));
	return a;
}

/* The place the area is about: occurrence, or usual residence. */
static const char *
place_of(const struct tally *ty, const struct form *f,
    const struct record *r)
{
	const char *pf = ty->residence ? f->residence_field :
	    f->place_field;

	return pf ? rec_value(r, pf) : NULL;
}

/*
 * Where a record falls on an axis that axis_init made: the index of its
 * label, or none ("not stated") if the field is empty or unreadable.
 */
static size_t
axis_of(const struct tally *ty, enum dim dim, const char *field,
    const struct form *f, const struct record *r, const char *event,
    size_t none)
{
	const struct form_field *ff;
	const char *v;
	size_t i;
	int a, y, m, mm, dd;
	char why[80], code[4];

	switch (dim) {
	case D_MONTH:
		if (date_parse(event, &y, &m, &dd, why, sizeof why) != 0)
			return none;
		/* the rows are the period's months, from its first */
		date_from_days(ty->from, &a, &mm, &dd);
		i = (size_t)((y - a) * 12 + (m - mm));
		return i < none ? i : none;
	case D_CHOICE:
		/* the labels are the field's values, in their order */
		ff = form_field(f, field);
		v = rec_value(r, field);
		for (i = 0; v && ff && ff->values && ff->values[i] &&
		    i < none; i++)
			if (strcmp(ff->values[i], v) == 0)
				return i;
		return none;
	case D_MOTHER_AGE:
		a = age_at(rec_value(r, "mother_date_of_birth"), event);
		if (a < 0)
			return none;
		return a < 15 ? 0 : a >= 50 ? 8 : (size_t)(a - 15) / 5 + 1;
	case D_AGE:
		a = age_at(rec_value(r, "date_of_birth"), event);
		if (a < 0 && (v = rec_value(r, "age_years")) != NULL)
			a = atoi(v);
		if (a < 0)
			return none;
		return a < 1 ? 0 : a < 5 ? 1 : a >= 85 ? 18 : (size_t)a / 5 + 1;
	case D_ICD:
		v = rec_value(r, "icd10_code");
		if (v == NULL || strlen(v) < 3)
			return none;
		code[0] = (char)(v[0] >= 'a' && v[0] <= 'z' ? v[0] - 32 : v[0]);
		code[1] = v[1];
		code[2] = v[2];
		code[3] = '\0';
		for (i = 0; i < NICD; i++)
			if (strcmp(code, icd_chapters[i].from) >= 0 &&
			    strcmp(code, icd_chapters[i].to) <= 0)
				return i;
		return none;
	case D_TIMELINESS:
		v = rec_value(r, "_timeliness");
		for (i = 0; v && i < NTIMELINESS; i++)
			if (strcmp(v, timeliness[i]) == 0)
				return i;
		return none;
	case D_KIND:
		/* the labels are the timed kinds, in form_table's order */
		for (i = 0, a = 0; form_table[i] && form_table[i] != f; i++)
			a += timed_kind(form_table[i]);
		return (size_t)a;
	case D_NONE:
	case D_COMPLETE:
	case D_PLACE:
		break;		/* row_of */
	}
	return none;
}

/* The row a record falls in: its index, the last ("not stated") if none. */
static size_t
row_of(const struct tally *ty, const struct form *f, const struct record *r,
    const char *event)
{
	const char *v;
	size_t i, none = ty->t->nrows - 1;
	int a;
	char code[12];

	switch (ty->def->dim) {
	case D_COMPLETE:
		v = place_of(ty, f, r);
		if (v == NULL || strlen(v) < 2)
			return none;
		for (i = 0; i + 2 < ty->t->nrows; i++)
			if (strncmp(ty->t->rows[i].label, v, 2) == 0)
				return i;
		return none - 1;	/* no rates */
	case D_PLACE:
		v = place_of(ty, f, r);
		if (v == NULL || strlen(v) < ty->level)
			return none;
		for (i = 0; i + 2 < ty->t->nrows; i++) {
			a = strncmp(ty->t->rows[i].label, v, ty->level);
			if (a == 0)
				return i;
			if (a > 0 && ty->dynamic)
				break;		/* rows in code order */
		}
		if (!ty->dynamic)
			return none - 1;	/* other places */
		snprintf(code, sizeof code, "%.*s", (int)ty->level, v);
		row_insert(ty->t, i, code);
		return i;
	default:
		return axis_of(ty, ty->def->dim, ty->def->field, f, r, event,
		    none);
	}
}

/* The form of a record the table counts, or NULL. */
static const struct form *
form_of(const struct tally *ty, const struct record *r)
{
	const struct form *f;

	if (ty->f)
		return r->kind == ty->f->code ? ty->f : NULL;
	f = form_by_code(r->kind);
	return timed_kind(f) ? f : NULL;
}

/* One record into one table, if the table counts it. */
static void
tally_one(struct tally *ty, const struct record *r)
{
	const struct form *f;
	const char *event, *place;
	int32_t day;
	size_t i, j;

	if ((f = form_of(ty, r)) == NULL)
		return;
	event = f->date_field ? rec_value(r, f->date_field) : NULL;
	if ((day = day_of(event)) == INT32_MIN || day < ty->from ||
	    day > ty->to)
		return;
	if (ty->q->area) {
		place = place_of(ty, f, r);
		if (place == NULL || strncmp(place, ty->q->area,
		    strlen(ty->q->area)) != 0)
			return;
	}
	i = row_of(ty, f, r, event);	/* first: it may add a row */
	ty->t->rows[i].count++;
	if (ty->t->ncols) {
		j = axis_of(ty, ty->def->cdim, ty->def->cfield, f, r, event,
		    ty->t->ncols - 1);
		ty->t->rows[i].cells[j]++;
		ty->t->col_totals[j]++;
	}
	ty->t->total++;
}

struct pass {
	struct tally	*ty;
	size_t		 n;
};

/* One pass over the register for all the tables asked for. */
static int
pass_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct pass *p = arg;
	struct record r;
	struct cr_err e;
	size_t i;

	(void)k;
	(void)kl;
	if (rec_decode(v, vl, &r, &e) != CR_OK)
		return 0;		/* verify reports it */
	if (r.status == RS_REGISTERED || r.status == RS_CERTIFIED ||
	    r.status == RS_ARCHIVED)
		for (i = 0; i < p->n; i++)
			tally_one(&p->ty[i], &r);
	rec_free(&r);
	return 0;
}

static int
stats_note(struct txn *tx, void *arg, struct cr_err *e)
{
	struct pass *p = arg;
	struct tally *ty;
	char detail[200];
	size_t i;
	int rc = CR_OK;

	for (i = 0; rc == CR_OK && i < p->n; i++) {
		ty = &p->ty[i];
		snprintf(detail, sizeof detail, "stats %s %s..%s%s%s: %zu "
		    "records", ty->def->key, ty->q->from, ty->q->to,
		    ty->q->area ? " area " : "", ty->q->area ? ty->q->area : "",
		    ty->t->total);
		rc = audit_append(tx, ty->t->s->user, ty->t->s->office,
		    AU_STATS, "", detail, e);
	}
	return rc;
}

/* A table's tally, checked and with its rows; or an error. */
static int
tally_init(struct session *s, const char *key, const struct stats_query *q,
    struct tally *ty, struct stats_table *t, struct cr_err *e)
{
	size_t i;

	memset(t, 0, sizeof *t);
	memset(ty, 0, sizeof *ty);
	for (i = 0; i < NDEFS; i++)
		if (strcmp(stats_defs[i].key, key) == 0)
			break;
	if (i == NDEFS)
		return err_set(e, CR_EINVAL, "no table '%s': 'civreg stats' "
		    "lists the tables", key);
	ty->def = &stats_defs[i];
	ty->f = ty->def->form ? form_by_key(ty->def->form) : NULL;
	ty->q = q;
	ty->t = t;
	if ((ty->from = day_of(q->from)) == INT32_MIN)
		return err_set(e, CR_EINVAL, "--from '%s': give a date, "
		    "YYYY-MM-DD", q->from ? q->from : "");
	if ((ty->to = day_of(q->to)) == INT32_MIN)
		return err_set(e, CR_EINVAL, "--to '%s': give a date, "
		    "YYYY-MM-DD", q->to ? q->to : "");
	if (ty->to < ty->from)
		return err_set(e, CR_EINVAL, "--to %s is before --from %s",
		    q->to, q->from);
	if (ty->def->dim == D_MONTH && ty->to - ty->from > 366 * 20)
		return err_set(e, CR_EINVAL, "a table by month covers at "
		    "most 20 years: give a shorter period");
	if (q->area && (strspn(q->area, "0123456789") != strlen(q->area) ||
	    strlen(q->area) < 2 || strlen(q->area) > 8 ||
	    strlen(q->area) % 2))
		return err_set(e, CR_EINVAL, "--area '%s': give a gazetteer "
		    "code of 2, 4, 6 or 8 digits", q->area);
	t->s = s;
	t->key = ty->def->key;
	t->title = ty->def->title;
	t->form = ty->def->form;
	t->row_field = ty->def->dim == D_CHOICE ? ty->def->field : NULL;
	t->col_field = ty->def->cdim == D_CHOICE ? ty->def->cfield : NULL;
	t->expected = -1;
	/* Completeness is by usual residence unless asked otherwise. */
	ty->residence = q->by == STATS_BY_RESIDENCE || (q->by ==
	    STATS_BY_DEFAULT && ty->def->dim == D_COMPLETE);
	t->by_residence = ty->residence;
	/* The columns first: each row gets a cell for each. */
	if (ty->def->cdim != D_NONE) {
		axis_init(ty, ty->def->cdim, ty->def->cfield, col_add);
		t->col_totals = xcalloc(t->ncols, sizeof *t->col_totals);
	}
	rows_init(ty);
	return CR_OK;
}

int
stats_compute_many(struct session *s, const char *const *keys, size_t n,
    const struct stats_query *q, struct stats_table *t, struct cr_err *e)
{
	struct pass p;
	struct txn *tx;
	size_t i;
	int rc = CR_OK;

	for (i = 0; i < n; i++)
		memset(&t[i], 0, sizeof t[i]);
	if ((rc = authz_check(s, AZ_STATS, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	p.ty = xcalloc(n ? n : 1, sizeof *p.ty);
	p.n = n;
	for (i = 0; rc == CR_OK && i < n; i++)
		rc = tally_init(s, keys[i], q, &p.ty[i], &t[i], e);
	if (rc == CR_OK && (rc = store_begin_read(s->store, &tx, e)) ==
	    CR_OK) {
		for (i = 0; rc == CR_OK && i < n; i++)
			if (p.ty[i].def->dim == D_COMPLETE)
				rc = rates_rows_init(tx, &p.ty[i], e);
		if (rc == CR_OK)
			rc = store_scan(tx, ST_RECORDS, NULL, 0, pass_visit,
			    &p, e);
		store_abort(tx);	/* read only */
	}
	if (rc == CR_OK)
		rc = store_run(s->store, stats_note, &p, e);
	if (rc != CR_OK)
		for (i = 0; i < n; i++)
			stats_table_free(&t[i]);
	free(p.ty);
	return rc;
}

int
stats_compute(struct session *s, const char *key,
    const struct stats_query *q, struct stats_table *t, struct cr_err *e)
{
	return stats_compute_many(s, &key, 1, q, t, e);
}

void
stats_table_free(struct stats_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows; i++) {
		free(t->rows[i].label);
		free(t->rows[i].cells);
	}
	free(t->rows);
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cols);
	free(t->col_totals);
	memset(t, 0, sizeof *t);
}

/* --- rates ------------------------------------------------------------------ */

struct rates_load {
	struct session	*s;
	struct stats_rate *r;
	size_t		 n;
};

static int
unset_rate(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct keylist *gone = arg;

	(void)v;
	(void)vl;
	keylist_add(gone, k, kl);
	return 0;
}

static int
rates_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct rates_load *rl = arg;
	struct keylist gone = { 0, NULL };
	struct buf v;
	char key[16], detail[120];
	size_t i;
	int rc;

	/* The table replaces the one before: no province left over. */
	rc = store_scan(tx, ST_META, "rates.", 6, unset_rate, &gone, e);
	for (i = 0; rc == CR_OK && i < gone.n; i++)
		rc = store_del(tx, ST_META, gone.keys[i].data,
		    gone.keys[i].len, e);
	keylist_free(&gone);
	buf_init(&v);
	for (i = 0; rc == CR_OK && i < rl->n; i++) {
		buf_reset(&v);
		buf_add(&v, RATES_MAGIC, 2);
		buf_add_u8(&v, RATES_VERSION);
		buf_add_u64(&v, rl->r[i].population);
		buf_add_u32(&v, (uint32_t)(rl->r[i].birth_rate * 1000 + 0.5));
		buf_add_u32(&v, (uint32_t)(rl->r[i].death_rate * 1000 + 0.5));
		snprintf(key, sizeof key, "rates.%s", rl->r[i].province);
		rc = store_put(tx, ST_META, key, strlen(key), v.data, v.len, 0,
		    e);
	}
	buf_free(&v);
	if (rc != CR_OK)
		return rc;
	snprintf(detail, sizeof detail, "stats rates: %zu provinces", rl->n);
	return audit_append(tx, rl->s->user, rl->s->office, AU_STATS, "",
	    detail, e);
}

/* A rate per 1000: a decimal number from 0 to 100, as keyed. */
static int
rate_parse(const char *s, double *out)
{
	char *end;

	if (*s == '\0' || strspn(s, "0123456789.") != strlen(s))
		return -1;
	*out = strtod(s, &end);
	return *end == '\0' && *out >= 0 && *out <= 100 ? 0 : -1;
}

int
stats_rates_load(struct session *s, const char *path, size_t *n,
    struct cr_err *e)
{
	struct rates_load rl;
	struct csv c;
	struct csv_row row;
	struct buf file;
	FILE *fp;
	char why[200], chunk[8192];
	size_t i, got;
	int rc = CR_OK;

	*n = 0;
	if ((rc = authz_check(s, AZ_CONFIG, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((fp = fopen(path, "r")) == NULL)
		return err_set(e, CR_ENOTFOUND, "%s: cannot read it", path);
	buf_init(&file);
	while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&file, chunk, got);
	fclose(fp);
	memset(&rl, 0, sizeof rl);
	rl.s = s;
	csv_init(&c, file.data, file.len);
	if (!csv_next(&c, &row, why, sizeof why) || row.bad || row.nf != 4 ||
	    strcmp(row.f[0], "province") != 0 ||
	    strcmp(row.f[1], "population") != 0 ||
	    strcmp(row.f[2], "birth_rate") != 0 ||
	    strcmp(row.f[3], "death_rate") != 0) {
		rc = err_set(e, CR_EINVAL, "%s: the first line must be "
		    "province,population,birth_rate,death_rate", path);
		goto out;
	}
	while (rc == CR_OK && csv_next(&c, &row, why, sizeof why)) {
		struct stats_rate r;
		char *end;

		memset(&r, 0, sizeof r);
		if (row.bad) {
			rc = err_set(e, CR_EINVAL, "%s:%zu: %s", path, row.line,
			    why);
			break;
		}
		if (row.nf != 4 || strlen(row.f[0]) != 2 ||
		    strspn(row.f[0], "0123456789") != 2) {
			rc = err_set(e, CR_EINVAL, "%s:%zu: give a province "
			    "code of 2 digits and three numbers", path,
			    row.line);
			break;
		}
		memcpy(r.province, row.f[0], 3);
		r.population = strtoull(row.f[1], &end, 10);
		if (*row.f[1] == '\0' || *end != '\0' ||
		    strspn(row.f[1], "0123456789") != strlen(row.f[1]) ||
		    r.population == 0 || r.population > 100000000ULL) {
			rc = err_set(e, CR_EINVAL, "%s:%zu: population '%s': "
			    "give a whole number of people, 1 to 100000000",
			    path, row.line, row.f[1]);
			break;
		}
		if (rate_parse(row.f[2], &r.birth_rate) != 0 ||
		    rate_parse(row.f[3], &r.death_rate) != 0) {
			rc = err_set(e, CR_EINVAL, "%s:%zu: a rate is per 1000 "
			    "people a year, a number from 0 to 100", path,
			    row.line);
			break;
		}
		for (i = 0; i < rl.n; i++)
			if (strcmp(rl.r[i].province, r.province) == 0)
				break;
		if (i < rl.n) {
			rc = err_set(e, CR_EINVAL, "%s:%zu: province %s is "
			    "given twice", path, row.line, r.province);
			break;
		}
		rl.r = xrealloc(rl.r, (rl.n + 1) * sizeof *rl.r);
		rl.r[rl.n++] = r;
	}
	if (rc == CR_OK)
		rc = store_run(s->store, rates_txn, &rl, e);
	if (rc == CR_OK)
		*n = rl.n;
out:
	csv_free(&c);
	buf_free(&file);
	free(rl.r);
	return rc;
}

struct rates_list {
	stats_rate_fn	 fn;
	void		*arg;
};

static int
list_rate(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct rates_list *rl = arg;
	struct stats_rate r;

	if (rate_decode(k, kl, v, vl, &r) != 0)
		return 0;
	return rl->fn(rl->arg, &r) != 0;
}

int
stats_rates_list(struct session *s, stats_rate_fn fn, void *arg,
    struct cr_err *e)
{
	struct rates_list rl = { fn, arg };
	struct txn *tx;
	int rc;

	if ((rc = authz_check(s, AZ_STATS, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	rc = store_scan(tx, ST_META, "rates.", 6, list_rate, &rl, e);
	store_abort(tx);	/* read only */
	return rc;
}
