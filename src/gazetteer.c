/*
 * gazetteer.c -- Cambodia's administrative divisions (places.db).
 *
 * Place fields hold gazetteer codes: 2 digits for a province, 4 for a
 * district, 6 for a commune, 8 for a village.  Loading reads the
 * government's CSV files (provinces.csv, districts.csv, communes.csv and,
 * when present, villages.csv; columns code,parent,type_km,type_latin,
 * type_en,name_km,name_latin) and writes them in one transaction: a bad
 * row anywhere loads nothing and names its file and line.  Once places
 * are loaded, every place field must name a known code.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define PLACE_VERSION	1
#define NCOLS		7

void
place_free(struct place *p)
{
	free(p->type_en);
	free(p->name_km);
	free(p->name_latin);
	p->type_en = p->name_km = p->name_latin = NULL;
}

struct row {
	char	*col[NCOLS];
	int	 ncol;
};

/* One CSV row; quoted fields may hold commas and doubled quotes. */
static int
csv_row(char *line, struct row *r)
{
	char *p = line, *o;

	r->ncol = 0;
	line[strcspn(line, "\r\n")] = '\0';
	for (;;) {
		if (r->ncol == NCOLS)
			return -1;
		if (*p == '"') {
			r->col[r->ncol++] = o = ++p;
			for (;;) {
				if (*p == '\0')
					return -1;
				if (*p == '"' && p[1] == '"') {
					*o++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else
					*o++ = *p++;
			}
			if (*p != ',' && *p != '\0')
				return -1;
			*o = '\0';
		} else {
			r->col[r->ncol++] = p;
			p += strcspn(p, ",");
		}
		if (*p == '\0')
			return r->ncol;
		*p++ = '\0';
	}
}

struct load {
	const char	*dir;
	size_t		 count;
	struct session	*s;
};

static int
load_file(struct txn *tx, struct load *l, const char *name, size_t digits,
    int optional, struct cr_err *e)
{
	char path[4096], line[4096], *p;
	struct row r;
	struct buf b, pb;
	FILE *fp;
	int lineno = 0, rc = CR_OK;

	snprintf(path, sizeof path, "%s/%s", l->dir, name);
	if ((fp = fopen(path, "r")) == NULL) {
		if (optional && errno == ENOENT)
			return CR_OK;
		return err_set(e, CR_ENOTFOUND, "cannot read %s: %s", path,
		    strerror(errno));
	}
	buf_init(&b);
	buf_init(&pb);
	while (fgets(line, sizeof line, fp) != NULL) {
		size_t i;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			rc = err_set(e, CR_EINVAL, "%s line %d: the line is too "
			    "long", path, lineno);
			break;
		}
		p = line;
		if (p[strspn(p, " \t\r\n")] == '\0')
			continue;	/* blank line */
		if (lineno == 1) {
			if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
				p += 3;
			if (strncmp(p, "code,", 5) == 0)
				continue;	/* header */
		}
		if (!utf8_valid(p, strlen(p))) {
			rc = err_set(e, CR_EINVAL, "%s line %d: not valid UTF-8",
			    path, lineno);
			break;
		}
		if (csv_row(p, &r) != NCOLS) {
			rc = err_set(e, CR_EINVAL, "%s line %d: expected %d "
			    "columns (code,parent,type_km,type_latin,type_en,"
			    "name_km,name_latin)", path, lineno, NCOLS);
			break;
		}
		for (i = 0; r.col[0][i] >= '0' && r.col[0][i] <= '9'; i++)
			;
		if (r.col[0][i] != '\0' || i != digits) {
			rc = err_set(e, CR_EINVAL, "%s line %d: code '%s' should "
			    "have %zu digits", path, lineno, r.col[0], digits);
			break;
		}
		if (digits == 2 && r.col[1][0] != '\0') {
			rc = err_set(e, CR_EINVAL, "%s line %d: a province has "
			    "no parent, but '%s' is given", path, lineno,
			    r.col[1]);
			break;
		}
		if (digits > 2 && (strlen(r.col[1]) != digits - 2 ||
		    strncmp(r.col[0], r.col[1], digits - 2) != 0)) {
			rc = err_set(e, CR_EINVAL, "%s line %d: the parent '%s' "
			    "of %s is not the place that contains it (its "
			    "first %zu digits)", path, lineno, r.col[1],
			    r.col[0], digits - 2);
			break;
		}
		if (digits > 2) {
			rc = store_get(tx, ST_PLACES, r.col[1], strlen(r.col[1]),
			    &pb, 0, e);
			if (rc == CR_ENOTFOUND)
				rc = err_set(e, CR_EINVAL, "%s line %d: the "
				    "parent %s of %s is not in the gazetteer",
				    path, lineno, r.col[1], r.col[0]);
			if (rc != CR_OK)
				break;
		}
		buf_reset(&b);
		buf_add(&b, "PL", 2);
		buf_add_u8(&b, PLACE_VERSION);
		for (i = 1; i < NCOLS; i++)
			buf_add_str(&b, r.col[i]);
		rc = store_put(tx, ST_PLACES, r.col[0], strlen(r.col[0]),
		    b.data, b.len, 1, e);
		if (rc == CR_EEXIST)
			rc = err_set(e, CR_EINVAL, "%s line %d: the code %s "
			    "appears twice", path, lineno, r.col[0]);
		if (rc != CR_OK)
			break;
		l->count++;
	}
	if (rc == CR_OK && ferror(fp))
		rc = err_set(e, CR_EIO, "cannot read %s", path);
	fclose(fp);
	buf_free(&b);
	buf_free(&pb);
	return rc;
}

static int
collect_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct keylist *kl_ = arg;

	(void)v;
	(void)vl;
	kl_->keys = xrealloc(kl_->keys, (kl_->n + 1) * sizeof *kl_->keys);
	buf_init(&kl_->keys[kl_->n]);
	buf_add(&kl_->keys[kl_->n++], k, kl);
	return 0;
}

/* A load replaces the whole gazetteer: the files are the reference. */
static int
clear_places(struct txn *tx, struct cr_err *e)
{
	struct keylist old = { 0, NULL };
	size_t i;
	int rc;

	rc = store_scan(tx, ST_PLACES, NULL, 0, collect_visit, &old, e);
	for (i = 0; rc == CR_OK && i < old.n; i++)
		rc = store_del(tx, ST_PLACES, old.keys[i].data, old.keys[i].len,
		    e);
	keylist_free(&old);
	return rc;
}

static int
load_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct load *l = arg;
	char detail[64];
	int rc;

	l->count = 0;
	if ((rc = clear_places(tx, e)) != CR_OK)
		return rc;
	if ((rc = load_file(tx, l, "provinces.csv", 2, 0, e)) != CR_OK ||
	    (rc = load_file(tx, l, "districts.csv", 4, 0, e)) != CR_OK ||
	    (rc = load_file(tx, l, "communes.csv", 6, 0, e)) != CR_OK ||
	    (rc = load_file(tx, l, "villages.csv", 8, 1, e)) != CR_OK)
		return rc;
	snprintf(detail, sizeof detail, "%zu places loaded", l->count);
	return audit_append(tx, l->s->user, l->s->office, AU_GAZETTEER, "",
	    detail, e);
}

int
gazetteer_load(struct session *s, const char *dir, size_t *count,
    struct cr_err *e)
{
	struct load l = { dir, 0, s };
	int rc;

	if ((rc = authz_check(s, AZ_GAZETTEER, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	rc = store_run(s->store, load_txn, &l, e);
	*count = l.count;
	return rc;
}

int
gazetteer_get(struct txn *tx, const char *code, struct place *p,
    struct cr_err *e)
{
	struct buf b;
	struct rd rd;
	const unsigned char *m;
	char *s;
	int rc;

	memset(p, 0, sizeof *p);
	buf_init(&b);
	rc = store_get(tx, ST_PLACES, code, strlen(code), &b, 0, e);
	if (rc != CR_OK) {
		buf_free(&b);
		return rc;
	}
	rd_init(&rd, b.data, b.len);
	m = rd_bytes(&rd, 2);
	if (m == NULL || m[0] != 'P' || m[1] != 'L' ||
	    rd_u8(&rd) != PLACE_VERSION)
		rd.bad = 1;
	snprintf(p->code, sizeof p->code, "%s", code);
	s = rd_str(&rd);
	snprintf(p->parent, sizeof p->parent, "%s", s);
	free(s);
	free(rd_str(&rd));			/* type_km */
	free(rd_str(&rd));			/* type_latin */
	p->type_en = rd_str(&rd);
	p->name_km = rd_str(&rd);
	p->name_latin = rd_str(&rd);
	buf_free(&b);
	if (rd.bad || rd.left != 0) {
		place_free(p);
		return err_set(e, CR_ECORRUPT, "places.db: the entry of %s is "
		    "damaged", code);
	}
	return CR_OK;
}

static int
any_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	(void)k; (void)kl; (void)v; (void)vl;
	*(int *)arg = 1;
	return 1;
}

int
gazetteer_loaded(struct txn *tx, struct cr_err *e)
{
	int any = 0, rc;

	rc = store_scan(tx, ST_PLACES, NULL, 0, any_visit, &any, e);
	return rc != CR_OK ? -rc : any;
}

struct plist {
	struct txn	*tx;
	size_t		 len;		/* code length wanted */
	place_visit_fn	 visit;
	void		*arg;
	struct cr_err	*e;
};

static int
plist_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct plist *pl = arg;
	struct place p;
	char code[16];
	int r;

	(void)v;
	(void)vl;
	if (kl != pl->len)
		return 0;
	snprintf(code, sizeof code, "%.*s", (int)kl, (const char *)k);
	if (gazetteer_get(pl->tx, code, &p, pl->e) != CR_OK)
		return -CR_ECORRUPT;
	r = pl->visit(pl->arg, &p);
	place_free(&p);
	return r ? 1 : 0;
}

int
gazetteer_list(struct session *s, const char *parent, place_visit_fn visit,
    void *arg, struct cr_err *e)
{
	struct plist pl;
	struct txn *tx;
	int rc;

	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	pl.tx = tx;
	pl.len = strlen(parent) + 2;
	pl.visit = visit;
	pl.arg = arg;
	pl.e = e;
	rc = store_scan(tx, ST_PLACES, parent, strlen(parent), plist_visit,
	    &pl, e);
	store_abort(tx);
	return rc;
}
