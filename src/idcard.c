/*
 * idcard.c -- Khmer ID cards expired or expiring in an area.
 *
 * A card is valid ten years (the id_card form refuses an expiry date more
 * than ten years after the issue date: notafter=issue_date+10y), and
 * before an election the communes run renewal campaigns: who in this
 * commune holds a card that has expired, or will before the vote?  This
 * file answers that for a commune (6 digits) or, as a reasonable
 * extension, for a whole district (4) or province (2): the issued cards
 * whose usual residence lies there and whose expiry date falls in
 * [from, to], both days included.  Only a person's latest issued card
 * counts (by issue date, then by the order the records were made): a
 * renewal supersedes the old card, even one issued in another commune.
 * A card is "expired" when its expiry date is before today, else
 * "expiring" (a card that expires today is still valid today).
 *
 * Candidates come from the smaller of two index ranges, by the btree's
 * own estimate: the issued ID cards (SI_STATUS issued, id_card) or the
 * records resident in the area (SI_PLACE 'R' + code).  Each candidate in
 * the period is then checked against the person's other cards through
 * the person index (SI_KIDC).  The reading runs in a read-committed
 * transaction; the listing is audited (id-card-list, with the area and
 * the period) in a transaction of its own before anything is returned.
 *
 * Errors: a code that is not 2, 4, 6 or 8 digits, or not in a loaded
 * gazetteer, and dates that are not dates or in the wrong order are
 * CR_EINVAL with the value and what to type instead.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

const char *
idcard_area_level(const char *area)
{
	switch (strlen(area)) {
	case 2:
		return "province";
	case 4:
		return "district";
	case 6:
		return "commune";
	default:
		return "village";
	}
}

static int
parse_day(const char *what, const char *v, int32_t *day, struct cr_err *e)
{
	char why[160], shown[64];
	int y, m, d;

	if (date_parse(v, &y, &m, &d, why, sizeof why) != 0) {
		str_printable(shown, sizeof shown, v);
		return err_set(e, CR_EINVAL, "%s '%s' %s", what, shown, why);
	}
	*day = date_days(y, m, d);
	return CR_OK;
}

static void
day_str(int32_t day, char *out, size_t n)
{
	int y, m, d;

	date_from_days(day, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

static int
area_check(const char *area, struct cr_err *e)
{
	char shown[64];
	size_t n = strspn(area, "0123456789");

	if (area[n] == '\0' && (n == 2 || n == 4 || n == 6 || n == 8))
		return CR_OK;
	str_printable(shown, sizeof shown, area);
	return err_set(e, CR_EINVAL, "'%s' is not a commune code: give the "
	    "6-digit gazetteer code of a commune (or 4 digits for a district, "
	    "2 for a province), e.g. 120101", shown);
}

/* Checks what needs no store: the code's form and the dates. */
int
idcard_query_parse(const char *area, const char *from, const char *to,
    struct idcard_query *q, struct cr_err *e)
{
	char a[16], b[16], dflt[64] = "";
	int rc;

	memset(q, 0, sizeof q[0]);
	if ((rc = area_check(area, e)) != CR_OK)
		return rc;
	snprintf(q->area, sizeof q->area, "%s", area);
	if (from && *from) {
		if ((rc = parse_day("the start of the period", from, &q->from,
		    e)) != CR_OK)
			return rc;
		q->has_from = 1;
	} else
		q->from = INT32_MIN;
	if (to && *to) {
		if ((rc = parse_day("the end of the period", to, &q->to, e)) !=
		    CR_OK)
			return rc;
	} else
		q->to = date_today() + IDCARD_AHEAD_DAYS;
	if (q->has_from && q->from > q->to) {
		day_str(q->from, a, sizeof a);
		day_str(q->to, b, sizeof b);
		if (!(to && *to))
			snprintf(dflt, sizeof dflt, " (%d days from today, "
			    "the default)", IDCARD_AHEAD_DAYS);
		return err_set(e, CR_EINVAL, "the period starts on %s, after "
		    "its end %s%s: give an end on or after the start", a, b,
		    dflt);
	}
	return CR_OK;
}

static void
card_free(struct idcard *c)
{
	free(c->name_km);
	free(c->name_latin);
	free(c->card_number);
}

void
idcard_list_free(struct idcard_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		card_free(&l->v[i]);
	free(l->v);
	free(l->area_km);
	free(l->area_latin);
	l->v = NULL;
	l->area_km = l->area_latin = NULL;
	l->n = l->nexpired = 0;
}

/* A record by id; CR_ENOTFOUND is not an error for the caller. */
static int
get_record(struct txn *tx, const char *id, struct buf *b, struct record *r,
    struct cr_err *e)
{
	int rc;

	if ((rc = store_get(tx, ST_RECORDS, id, strlen(id), b, 0, e)) !=
	    CR_OK)
		return rc;
	if ((rc = rec_decode(b->data, b->len, r, e)) != CR_OK)
		return err_set(e, rc, "record %s is damaged: 'civreg verify' "
		    "reports the damage", id);
	return CR_OK;
}

/* An issued card's issue day, or -1 if the record is no such card. */
static int
issued_card(const struct record *r, int code, int32_t *issue)
{
	const char *v = rec_value(r, "issue_date");
	char why[128];
	int y, m, d;

	if (r->kind != code || (r->status != RS_ISSUED &&
	    r->status != RS_ARCHIVED) || v == NULL ||
	    date_parse(v, &y, &m, &d, why, sizeof why) != 0)
		return -1;
	*issue = date_days(y, m, d);
	return 0;
}

/* Whether card b is later than card a: issue date, creation, id. */
static int
later(int32_t ia, const struct record *a, int32_t ib, const struct record *b)
{
	if (ib != ia)
		return ib > ia;
	if (b->created != a->created)
		return b->created > a->created;
	return strcmp(b->id, a->id) > 0;
}

/* Whether another issued card of the same person supersedes this one. */
static int
superseded(struct txn *tx, const struct record *card, int32_t issue,
    const char *kidc, int code, int *yes, struct cr_err *e)
{
	struct keylist ids = { 0, NULL };
	struct record r;
	struct buf b;
	int32_t other;
	size_t i;
	int rc;

	*yes = 0;
	buf_init(&b);
	rc = store_index_scan(tx, SI_KIDC, kidc, KIDC_LEN, keylist_collect, &ids, e);
	for (i = 0; rc == CR_OK && !*yes && i < ids.n; i++) {
		const char *id = (const char *)ids.keys[i].data;

		if (strcmp(id, card->id) == 0)
			continue;
		rc = get_record(tx, id, &b, &r, e);
		if (rc == CR_ENOTFOUND) {
			err_clear(e);
			rc = CR_OK;
			continue;
		}
		if (rc != CR_OK)
			break;
		if (issued_card(&r, code, &other) == 0 &&
		    later(issue, card, other, &r))
			*yes = 1;
		rec_free(&r);
	}
	keylist_free(&ids);
	buf_free(&b);
	return rc;
}

struct listing {
	struct session		*s;
	const struct idcard_query *q;
	struct idcard_list	*out;
	int			 code;		/* the id_card form */
	int32_t			 today;
};

/* One candidate: kept if it is an issued card in the area and period. */
static int
consider(struct txn *tx, struct listing *l, const struct record *r,
    struct cr_err *e)
{
	const char *res = rec_value(r, "usual_residence");
	const char *exp = rec_value(r, "expiry_date");
	const char *kv = rec_value(r, "kidc");
	char kidc[KIDC_LEN + 1], why[128];
	struct idcard *c;
	int32_t issue, expiry;
	int y, m, d, yes, rc;

	if (issued_card(r, l->code, &issue) != 0 || res == NULL ||
	    strncmp(res, l->q->area, strlen(l->q->area)) != 0 ||
	    exp == NULL || date_parse(exp, &y, &m, &d, why, sizeof why) != 0 ||
	    kv == NULL || kidc_normalize(kv, kidc, why, sizeof why) != 0)
		return CR_OK;
	expiry = date_days(y, m, d);
	if ((l->q->has_from && expiry < l->q->from) || expiry > l->q->to)
		return CR_OK;
	if ((rc = superseded(tx, r, issue, kidc, l->code, &yes, e)) != CR_OK ||
	    yes)
		return rc;
	l->out->v = xrealloc(l->out->v, (l->out->n + 1) * sizeof *l->out->v);
	c = &l->out->v[l->out->n++];
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "%s", r->id);
	snprintf(c->kidc, sizeof c->kidc, "%s", kidc);
	c->name_km = xstrdup(rec_value(r, "name_km") ? rec_value(r,
	    "name_km") : "");
	c->name_latin = xstrdup(rec_value(r, "name_latin") ? rec_value(r,
	    "name_latin") : "");
	c->card_number = xstrdup(rec_value(r, "card_number") ? rec_value(r,
	    "card_number") : "");
	snprintf(c->issue_date, sizeof c->issue_date, "%s",
	    rec_value(r, "issue_date"));
	snprintf(c->expiry_date, sizeof c->expiry_date, "%s", exp);
	snprintf(c->residence, sizeof c->residence, "%s", res);
	c->expired = expiry < l->today;
	l->out->nexpired += (size_t)c->expired;
	return CR_OK;
}

static int
by_expiry(const void *a, const void *b)
{
	const struct idcard *x = a, *y = b;
	int c = strcmp(x->expiry_date, y->expiry_date);

	return c ? c : strcmp(x->id, y->id);
}

static int
list_read(struct listing *l, struct cr_err *e)
{
	struct keylist ids = { 0, NULL };
	struct txn *tx;
	struct place p;
	struct record r;
	struct buf b;
	unsigned char sk[2];
	char pk[16];
	double by_status, by_place;
	size_t i;
	int rc, loaded;

	idcard_list_free(l->out);
	if ((rc = store_begin_read(l->s->store, &tx, e)) != CR_OK)
		return rc;
	buf_init(&b);
	if ((loaded = gazetteer_loaded(tx, e)) < 0) {
		rc = -loaded;
		goto out;
	}
	if (loaded) {
		rc = gazetteer_get(tx, l->q->area, &p, e);
		if (rc == CR_ENOTFOUND) {
			rc = err_set(e, CR_EINVAL, "%s is not a %s in the "
			    "gazetteer: check the code ('civreg gazetteer show "
			    "CODE' shows a place)", l->q->area,
			    idcard_area_level(l->q->area));
			goto out;
		}
		if (rc != CR_OK)
			goto out;
		l->out->area_km = p.name_km;
		l->out->area_latin = p.name_latin;
		p.name_km = p.name_latin = NULL;
		place_free(&p);
	}
	/* The smaller range; the place index has two keys a record. */
	sk[0] = RS_ISSUED;
	sk[1] = (unsigned char)l->code;
	snprintf(pk, sizeof pk, "R%s", l->q->area);
	if ((rc = store_index_share(tx, SI_STATUS, sk, 2, &by_status, e)) !=
	    CR_OK || (rc = store_index_share(tx, SI_PLACE, pk, strlen(pk),
	    &by_place, e)) != CR_OK)
		goto out;
	if (2 * by_place < by_status)
		rc = store_index_scan(tx, SI_PLACE, pk, strlen(pk), keylist_collect,
		    &ids, e);
	else {
		rc = store_index_scan(tx, SI_STATUS, sk, 2, keylist_collect, &ids, e);
		sk[0] = RS_ARCHIVED;	/* an archived card is still held */
		if (rc == CR_OK)
			rc = store_index_scan(tx, SI_STATUS, sk, 2,
			    keylist_collect, &ids, e);
	}
	for (i = 0; rc == CR_OK && i < ids.n; i++) {
		rc = get_record(tx, (const char *)ids.keys[i].data, &b, &r, e);
		if (rc == CR_ENOTFOUND) {	/* gone since the scan */
			err_clear(e);
			rc = CR_OK;
			continue;
		}
		if (rc != CR_OK)
			break;
		rc = consider(tx, l, &r, e);
		rec_free(&r);
	}
out:
	store_abort(tx);	/* read only */
	keylist_free(&ids);
	buf_free(&b);
	return rc;
}

static int
list_note(struct txn *tx, void *arg, struct cr_err *e)
{
	struct listing *l = arg;
	char detail[200], from[16], to[16];

	day_str(l->q->to, to, sizeof to);
	if (l->q->has_from)
		day_str(l->q->from, from, sizeof from);
	snprintf(detail, sizeof detail, "%s %s, expiry %s%s%s%s: %zu cards, "
	    "%zu expired", idcard_area_level(l->q->area), l->q->area,
	    l->q->has_from ? "from " : "up to ", l->q->has_from ? from : to,
	    l->q->has_from ? " to " : "", l->q->has_from ? to : "",
	    l->out->n, l->out->nexpired);
	return audit_append(tx, l->s->user, l->s->office, AU_IDCARD_LIST, "",
	    detail, e);
}

int
idcard_list(struct session *s, const struct idcard_query *q,
    struct idcard_list *out, struct cr_err *e)
{
	const struct form *f = form_by_key("id_card");
	struct listing l;
	int rc, tries = 0;

	memset(out, 0, sizeof *out);
	if ((rc = authz_check(s, AZ_IDCARD_LIST, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (f == NULL)
		return err_set(e, CR_EDB, "this program has no id_card form");
	/* The caller may have built q by hand: check it all the same. */
	if ((rc = area_check(q->area, e)) != CR_OK)
		return rc;
	if (q->has_from && q->from > q->to)
		return err_set(e, CR_EINVAL, "the period starts after its end: "
		    "give an end on or after the start");
	l.s = s;
	l.q = q;
	l.out = out;
	l.code = f->code;
	l.today = date_today();
	do {
		err_clear(e);
		rc = list_read(&l, e);
	} while (rc == CR_EDEADLOCK && ++tries < 20);
	/* Nothing is shown unless the listing is on record. */
	if (rc == CR_OK)
		rc = store_run(s->store, list_note, &l, e);
	if (rc != CR_OK) {
		idcard_list_free(out);
		return rc;
	}
	out->q = *q;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, by_expiry);
	return CR_OK;
}

/* RFC 4180: a field with a comma, quote or line break is quoted. */
static void
csv_field(FILE *fp, const char *v, int last)
{
	if (strpbrk(v, ",\"\r\n") == NULL)
		fputs(v, fp);
	else {
		putc('"', fp);
		for (; *v; v++) {
			if (*v == '"')
				putc('"', fp);
			putc(*v, fp);
		}
		putc('"', fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

/*
 * UTF-8, CRLF line ends, a header line; identity codes in groups of four
 * so that a spreadsheet keeps them as text.
 */
int
idcard_write_csv(const struct idcard_list *l, FILE *fp)
{
	char kidc[KIDC_LEN + 3];
	size_t i;

	fputs("kidc,name_km,name_latin,card_number,issue_date,expiry_date,"
	    "state,record_id\r\n", fp);
	for (i = 0; i < l->n; i++) {
		const struct idcard *c = &l->v[i];

		kidc_format(c->kidc, kidc);
		csv_field(fp, kidc, 0);
		csv_field(fp, c->name_km, 0);
		csv_field(fp, c->name_latin, 0);
		csv_field(fp, c->card_number, 0);
		csv_field(fp, c->issue_date, 0);
		csv_field(fp, c->expiry_date, 0);
		csv_field(fp, c->expired ? "expired" : "expiring", 0);
		csv_field(fp, c->id, 1);
	}
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
