/*
 * digitize.c -- the paper back-log, keyed into spreadsheets, loaded.
 *
 * More than sixteen million records exist only in paper registers.  Data
 * entry teams key them into spreadsheets, a batch of pages at a time,
 * and civreg takes them in: every row is either loaded or listed in a
 * rejects report with its line and reason -- none dropped, none altered
 * -- and every record says where it came from (batch, line, page scan).
 *
 * A batch is loaded in transactions of DIGITIZE_CHUNK_FIRST rows, then
 * twice as many each time up to DIGITIZE_CHUNK: a big transaction writes
 * each index entry's block once for many rows (5,000 rows load about 45%
 * faster than 500), and the small first ones show progress at once and
 * keep what an early interruption loses small.  Each loaded
 * row leaves a mark (batch, line) -> record id in digitize.db in the same
 * transaction as its record, so a load killed at any moment loses at
 * most the transaction in flight, and the same command run again skips
 * the lines marked and loads the rest: no row twice, none lost.  A mark
 * keeps the SHA-256 of its row as keyed, so that the team can correct
 * the rejected rows in the spreadsheet and run it again: a row loaded
 * before and changed since is refused (a loaded record is corrected by a
 * correction request), the others load.  Rejected rows are not marked:
 * each run lists them again, so the report is always whole.
 *
 * A record is checked as a declaration is (form rules, places,
 * references, the workflow's rules), then stored registered (action
 * digitize): registration gives a birth its identity code from the
 * office's pool, or the record waits for one (kidc-pool.c).  After a
 * batch of births, de-duplication (dedup.c) runs over the births recorded
 * since the batch began, so that a keyed record of someone already in the
 * register goes to the review queue.
 *
 * Double entry: the same pages keyed twice, by two clerks, and compared
 * (digitize_compare): every field that differs is listed for a
 * supervisor, and the rows both keyed alike can be written out to be
 * loaded.
 *
 * digitize.db (db/record-format.txt, section 16):
 *   "B" batch                -> "DB" 1, sha256[32], kind u8, started i64,
 *                               rows u32, loaded u32, rejected u32 (LE)
 *   "L" batch NUL line(be32) -> record id NUL, sha256 of the row[32]
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civreg.h"

#define BATCH_MAGIC	"DB"
#define BATCH_VERSION	1

/* A column: the form field it fills, or one of these. */
#define COL_IGNORE	(-1)
#define COL_PAGE	(-2)	/* the page-scan reference */

struct mapfile {
	const struct form	*f;
	size_t			 ncol;
	int			*col;	/* field index, COL_IGNORE, COL_PAGE */
};

/* A file mapped read-only; an empty file is len 0, data NULL. */
struct mapped {
	void	*data;
	size_t	 len;
};

static int
map_file(const char *path, struct mapped *m, struct cr_err *e)
{
	struct stat sb;
	int fd;

	memset(m, 0, sizeof *m);
	if ((fd = open(path, O_RDONLY)) < 0)
		return err_set(e, errno == ENOENT ? CR_ENOTFOUND : CR_EIO,
		    "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, CR_EINVAL, "%s: not a regular file", path);
	}
	m->len = (size_t)sb.st_size;
	if (m->len > 0 && (m->data = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE,
	    fd, 0)) == MAP_FAILED) {
		m->data = NULL;
		close(fd);
		return err_set(e, CR_EIO, "%s: %s", path, strerror(errno));
	}
	close(fd);
	return CR_OK;
}

/* Whether two paths name one file (the second need not exist). */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void
unmap_file(struct mapped *m)
{
	if (m->data)
		munmap(m->data, m->len);
	memset(m, 0, sizeof *m);
}

static int
field_index(const struct form *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].key, key) == 0)
			return (int)i;
	return COL_IGNORE - 10;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/*
 * The mapping: the map file's "COLUMN = TARGET" lines (TARGET a field of
 * the form, @page or @ignore; # begins a comment), else the header's
 * names as field keys ("page" the page scan).  Every column must have a
 * target and no field two columns.
 */
static int
map_columns(const struct form *f, const struct csv_row *hdr,
    const char *mapfile, struct mapfile *mf, struct cr_err *e)
{
	char **target = xcalloc(hdr->nf, sizeof *target);
	size_t i, j, ln = 0;
	FILE *fp = NULL;
	char line[1024];
	int rc = CR_OK;

	mf->f = f;
	mf->ncol = hdr->nf;
	mf->col = xcalloc(hdr->nf, sizeof *mf->col);
	if (mapfile) {
		if ((fp = fopen(mapfile, "r")) == NULL) {
			rc = err_set(e, errno == ENOENT ? CR_ENOTFOUND : CR_EIO,
			    "--map %s: %s", mapfile, strerror(errno));
			goto out;
		}
		while (fgets(line, sizeof line, fp)) {
			char *eq, *col, *tgt;

			ln++;
			if (strchr(line, '#'))
				*strchr(line, '#') = '\0';
			if (*trim(line) == '\0')
				continue;
			if ((eq = strchr(line, '=')) == NULL) {
				rc = err_set(e, CR_EINVAL, "%s:%zu: write COLUMN "
				    "= FIELD", mapfile, ln);
				goto out;
			}
			*eq = '\0';
			col = trim(line);
			tgt = trim(eq + 1);
			for (i = 0; i < hdr->nf; i++)
				if (strcmp(trim(hdr->f[i]), col) == 0)
					break;
			if (i == hdr->nf) {
				rc = err_set(e, CR_EINVAL, "%s:%zu: the file has "
				    "no column '%s'", mapfile, ln, col);
				goto out;
			}
			if (target[i]) {
				rc = err_set(e, CR_EINVAL, "%s:%zu: column '%s' "
				    "is mapped twice", mapfile, ln, col);
				goto out;
			}
			target[i] = xstrdup(tgt);
		}
	}
	for (i = 0; i < hdr->nf; i++) {
		const char *t = target[i] ? target[i] : trim(hdr->f[i]);

		if (strcmp(t, "@ignore") == 0)
			mf->col[i] = COL_IGNORE;
		else if (strcmp(t, "@page") == 0 || (!mapfile &&
		    strcmp(t, "page") == 0))
			mf->col[i] = COL_PAGE;
		else if ((mf->col[i] = field_index(f, t)) < 0) {
			rc = err_set(e, CR_EINVAL, "column %zu ('%s'): %s%s%s "
			    "is not a field of form %s ('civreg forms %s' lists "
			    "them): %s", i + 1, hdr->f[i], mapfile ? "'" : "",
			    mapfile ? t : "it", mapfile ? "'" : "", f->key,
			    f->key, mapfile ? "map it to a field, @page or "
			    "@ignore" : "name the column after its field, or "
			    "give a --map");
			goto out;
		}
		for (j = 0; j < i; j++)
			if (mf->col[j] == mf->col[i] && mf->col[i] != COL_IGNORE) {
				rc = err_set(e, CR_EINVAL, "columns %zu and %zu "
				    "both fill %s", j + 1, i + 1, mf->col[i] ==
				    COL_PAGE ? "the page scan" :
				    f->fields[mf->col[i]].key);
				goto out;
			}
	}
out:
	if (fp)
		fclose(fp);
	for (i = 0; i < hdr->nf; i++)
		free(target[i]);
	free(target);
	return rc;
}

/* --- batches ---------------------------------------------------------------- */

struct batch {
	unsigned char	 sha[CRYPTO_HASHLEN];
	int		 kind;
	int64_t		 started;
	uint32_t	 rows, loaded, rejected;
};

static void
batch_key(struct buf *k, const char *name)
{
	buf_reset(k);
	buf_add_u8(k, 'B');
	buf_add(k, name, strlen(name));
}

/* Big-endian line numbers: a batch's marks are in line order. */
static void
line_key(struct buf *k, const char *name, size_t line)
{
	unsigned char n[4];

	buf_reset(k);
	buf_add_u8(k, 'L');
	buf_add_cstr(k, name);
	be32_put(n, (uint32_t)line);
	buf_add(k, n, 4);
}

static int
batch_get(struct txn *tx, const char *name, struct batch *b,
    struct cr_err *e)
{
	struct buf k, v;
	struct rd rd;
	const unsigned char *m;
	int rc;

	buf_init(&k);
	buf_init(&v);
	batch_key(&k, name);
	rc = store_get(tx, ST_DIGITIZE, k.data, k.len, &v, 0, e);
	if (rc == CR_OK) {
		rd_init(&rd, v.data, v.len);
		m = rd_bytes(&rd, 2);
		if (m == NULL || memcmp(m, BATCH_MAGIC, 2) != 0 ||
		    rd_u8(&rd) != BATCH_VERSION ||
		    (m = rd_bytes(&rd, CRYPTO_HASHLEN)) == NULL)
			rc = err_set(e, CR_ECORRUPT, "digitize.db: batch %s is "
			    "damaged: run 'civreg verify'", name);
		else {
			memcpy(b->sha, m, CRYPTO_HASHLEN);
			b->kind = rd_u8(&rd);
			b->started = (int64_t)rd_u64(&rd);
			b->rows = rd_u32(&rd);
			b->loaded = rd_u32(&rd);
			b->rejected = rd_u32(&rd);
		}
	}
	buf_free(&k);
	buf_free(&v);
	return rc;
}

static int
batch_put(struct txn *tx, const char *name, const struct batch *b,
    struct cr_err *e)
{
	struct buf k, v;
	int rc;

	buf_init(&k);
	buf_init(&v);
	batch_key(&k, name);
	buf_add(&v, BATCH_MAGIC, 2);
	buf_add_u8(&v, BATCH_VERSION);
	buf_add(&v, b->sha, CRYPTO_HASHLEN);
	buf_add_u8(&v, (unsigned)b->kind);
	buf_add_u64(&v, (uint64_t)b->started);
	buf_add_u32(&v, b->rows);
	buf_add_u32(&v, b->loaded);
	buf_add_u32(&v, b->rejected);
	rc = store_put(tx, ST_DIGITIZE, k.data, k.len, v.data, v.len, 0, e);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

/* --- a keying held in memory (double entry) ---------------------------------- */

struct keyed {
	struct csv_row	 hdr;
	char		**name;		/* the header's names */
	size_t		 ncol;
	size_t		 nrow;
	size_t		*line;		/* of each row */
	char		***cell;	/* row -> column -> text; NULL: bad */
	char		**why;
};

static void
keyed_free(struct keyed *k)
{
	size_t i, j;

	for (i = 0; i < k->nrow; i++) {
		for (j = 0; k->cell[i] && j < k->ncol; j++)
			free(k->cell[i][j]);
		free(k->cell[i]);
		free(k->why[i]);
	}
	for (i = 0; i < k->ncol; i++)
		free(k->name[i]);
	free(k->name);
	free(k->cell);
	free(k->why);
	free(k->line);
	memset(k, 0, sizeof *k);
}

static int
keyed_read(const char *path, struct keyed *k, struct cr_err *e)
{
	struct mapped m;
	struct csv c;
	struct csv_row r;
	char why[200];
	size_t i;
	int rc;

	memset(k, 0, sizeof *k);
	if ((rc = map_file(path, &m, e)) != CR_OK)
		return rc;
	csv_init(&c, m.data, m.len);
	if (!csv_next(&c, &r, why, sizeof why) || r.bad) {
		rc = err_set(e, CR_EINVAL, "%s: %s", path, r.bad ? why :
		    "empty: the first line names the columns");
		goto out;
	}
	k->ncol = r.nf;
	k->name = xcalloc(r.nf, sizeof *k->name);
	for (i = 0; i < r.nf; i++)
		k->name[i] = xstrdup(r.f[i]);
	while (csv_next(&c, &r, why, sizeof why)) {
		k->line = xrealloc(k->line, (k->nrow + 1) * sizeof *k->line);
		k->cell = xrealloc(k->cell, (k->nrow + 1) * sizeof *k->cell);
		k->why = xrealloc(k->why, (k->nrow + 1) * sizeof *k->why);
		k->line[k->nrow] = r.line;
		k->cell[k->nrow] = NULL;
		k->why[k->nrow] = NULL;
		if (!r.bad && r.nf != k->ncol)
			snprintf(why, sizeof why, "%zu fields, and the header "
			    "has %zu", r.nf, k->ncol);
		if (r.bad || r.nf != k->ncol)
			k->why[k->nrow] = xstrdup(why);
		else {
			k->cell[k->nrow] = xcalloc(k->ncol, sizeof(char *));
			for (i = 0; i < k->ncol; i++)
				k->cell[k->nrow][i] = xstrdup(r.f[i]);
		}
		k->nrow++;
	}
out:
	csv_free(&c);
	unmap_file(&m);
	if (rc != CR_OK)
		keyed_free(k);
	return rc;
}

/* --- loading ---------------------------------------------------------------- */

/* A row read and waiting for its transaction. */
struct prow {
	size_t	 line;
	unsigned char sha[CRYPTO_HASHLEN];	/* of its bytes in the file */
	char	*why;		/* unreadable: the reason */
	size_t	 nkv;
	struct kv *kv;		/* keys the form's, values in text */
	char	*page;		/* in text too */
	char	*text;		/* the row's cells, one allocation */
	int	 checked;	/* the form's checks passed (form_validate) */
	char	*invalid;	/* or what they found */
};

struct chunk {
	struct session		*s;
	const char		*name;
	const struct form	*f;
	struct batch		*b;
	int			 fresh;	/* begun by this run: no line marked */
	struct prow		*row;
	size_t			 n;
	/* what this attempt did (a deadlock retries the whole chunk) */
	size_t			 loaded, already, codes, waiting;
	char			**reject;	/* per row: why, or NULL */
	size_t			 pos;	/* bytes of the file read after it */
	int			 more;	/* the file may have rows after it */
};

static void
chunk_reset(struct chunk *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->reject[i]);
		c->reject[i] = NULL;
	}
	c->loaded = c->already = c->codes = c->waiting = 0;
}

/* The form's messages, one per line, as one line for the report. */
static char *
one_line(const char *msg)
{
	char *s = xstrdup(msg), *p;

	for (p = s; *p; p++)
		if (*p == '\n')
			*p = ';';	/* "a: why;b: why": one cell */
	return s;
}

static int
chunk_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct chunk *c = arg;
	struct buf k, v;
	struct kidc_issue is;
	struct regist_bulk bk;
	struct batch nb;
	struct cr_err re;
	char id[REC_IDLEN], note[300], detail[200];
	size_t i, first = 0, last = 0;
	int rc = CR_OK, refused;

	chunk_reset(c);
	memset(&bk, 0, sizeof bk);
	buf_init(&k);
	buf_init(&v);
	for (i = 0; rc == CR_OK && i < c->n; i++) {
		struct prow *r = &c->row[i];

		if (first == 0)
			first = r->line;
		last = r->line;
		if (r->why) {
			c->reject[i] = xstrdup(r->why);
			continue;
		}
		line_key(&k, c->name, r->line);
		rc = c->fresh ? CR_ENOTFOUND : store_get(tx, ST_DIGITIZE,
		    k.data, k.len, &v, 0, e);
		if (rc == CR_OK) {		/* loaded by an earlier run */
			if (v.len == strnlen((const char *)v.data, v.len) + 1 +
			    CRYPTO_HASHLEN && memcmp(v.data + v.len -
			    CRYPTO_HASHLEN, r->sha, CRYPTO_HASHLEN) == 0) {
				c->already++;
				continue;
			}
			snprintf(note, sizeof note, "line %zu was loaded before "
			    "(record %.*s) and has changed since: a loaded "
			    "record is corrected by a correction request, not "
			    "by loading it again", r->line, REC_IDLEN - 1,
			    (const char *)v.data);
			c->reject[i] = xstrdup(note);
			continue;
		}
		if (rc != CR_ENOTFOUND)
			break;
		err_clear(e);
		rc = CR_OK;
		if (r->invalid) {	/* the form's checks, made ahead */
			c->reject[i] = xstrdup(r->invalid);
			continue;
		}
		snprintf(note, sizeof note, "digitized: batch %s, line %zu%s%s",
		    c->name, r->line, r->page ? ", page " : "",
		    r->page ? r->page : "");
		err_clear(&re);
		rc = regist_put_digitized(tx, c->s, c->f, r->kv, r->nkv, note,
		    r->checked, id, &is, &bk, &refused, &re);
		if (refused && (rc == CR_EINVAL || rc == CR_ENOTFOUND)) {
			c->reject[i] = one_line(re.msg);
			rc = CR_OK;
			continue;
		}
		if (rc != CR_OK) {
			*e = re;
			break;
		}
		if (is.code[0])
			c->codes++;
		else if (is.pending)
			c->waiting++;
		buf_reset(&v);
		buf_add_cstr(&v, id);
		buf_add(&v, r->sha, CRYPTO_HASHLEN);
		rc = store_put(tx, ST_DIGITIZE, k.data, k.len, v.data, v.len, 1,
		    e);
		c->loaded++;
	}
	if (rc == CR_OK)
		rc = regist_bulk_end(tx, &bk, e);
	regist_bulk_free(&bk);
	if (rc == CR_OK && c->loaded > 0) {
		nb = *c->b;	/* the caller's copy counts once committed */
		nb.loaded += (uint32_t)c->loaded;
		rc = batch_put(tx, c->name, &nb, e);
	}
	if (rc == CR_OK && c->loaded > 0) {
		snprintf(detail, sizeof detail, "digitize %s: lines %zu-%zu, "
		    "%zu %s loaded", c->name, first, last, c->loaded,
		    c->f->key);
		rc = audit_append(tx, c->s->user, c->s->office, AU_DIGITIZE,
		    "", detail, e);
	}
	buf_free(&k);
	buf_free(&v);
	return rc;
}

static void
prow_free(struct prow *r)
{
	free(r->kv);
	free(r->text);
	free(r->why);
	free(r->invalid);
	memset(r, 0, sizeof *r);
}

/* A row as key=value pairs by the mapping; empty cells are left out. */
static void
prow_fill(struct prow *p, const struct mapfile *mf, const struct csv_row *r,
    const char *base, const char *why)
{
	size_t i, n, len = 1;
	char *t;

	memset(p, 0, sizeof *p);
	p->line = r->line;
	crypto_sha256(base + r->start, r->end - r->start, p->sha);
	if (why[0]) {
		p->why = xstrdup(why);
		return;
	}
	if (r->nf != mf->ncol) {
		char w[120];

		snprintf(w, sizeof w, "%zu field%s, and the header has %zu",
		    r->nf, r->nf == 1 ? "" : "s", mf->ncol);
		p->why = xstrdup(w);
		return;
	}
	/* Two allocations a row, not two a cell: millions of rows. */
	for (i = 0; i < r->nf; i++)
		len += strlen(r->f[i]) + 1;
	p->kv = xcalloc(r->nf, sizeof *p->kv);
	t = p->text = xmalloc(len);
	for (i = 0; i < r->nf; i++) {
		if (mf->col[i] == COL_IGNORE || r->f[i][0] == '\0')
			continue;
		n = strlen(r->f[i]) + 1;
		memcpy(t, r->f[i], n);
		if (mf->col[i] == COL_PAGE)
			p->page = t;
		else {
			/* the form's own key: read, never freed */
			p->kv[p->nkv].key = (char *)(uintptr_t)
			    mf->f->fields[mf->col[i]].key;
			p->kv[p->nkv].value = t;
			p->nkv++;
		}
		t += n;
	}
}

/*
 * Double entry at load (--second): row r of the file against row r of the
 * second keying, columns by name.  A row they differ on is not loaded:
 * why says how, for the supervisor.
 */
static char *
second_check(const struct keyed *kb, const size_t *bcol,
    const struct csv_row *r, size_t rowno, const char *path)
{
	struct buf w;
	size_t j;
	char *s;

	buf_init(&w);
	if (rowno >= kb->nrow) {
		buf_add_cstr(&w, "not in the second keying");
		goto done;
	}
	if (kb->cell[rowno] == NULL) {
		char m[300];

		snprintf(m, sizeof m, "unreadable in the second keying (line "
		    "%zu): %s", kb->line[rowno], kb->why[rowno]);
		buf_add_cstr(&w, m);
		goto done;
	}
	for (j = 0; j < r->nf; j++) {
		const char *b = kb->cell[rowno][bcol[j]];

		if (strcmp(r->f[j], b) == 0)
			continue;
		if (w.len == 0) {
			buf_add(&w, "keyed differently in ", 21);
			buf_add(&w, path, strlen(path));
			buf_add(&w, " (line ", 7);
			{
				char n[24];

				snprintf(n, sizeof n, "%zu):", kb->line[rowno]);
				buf_add(&w, n, strlen(n));
			}
		} else
			buf_add(&w, ";", 1);
		buf_add(&w, " ", 1);
		buf_add(&w, kb->name[bcol[j]], strlen(kb->name[bcol[j]]));
		buf_add(&w, " '", 2);
		buf_add(&w, r->f[j], strlen(r->f[j]));
		buf_add(&w, "' / '", 5);
		buf_add(&w, b, strlen(b));
		buf_add(&w, "'", 1);
	}
	if (w.len == 0) {
		buf_free(&w);
		return NULL;		/* keyed alike */
	}
	buf_add_u8(&w, 0);
done:
	s = xstrdup((const char *)w.data);
	buf_free(&w);
	return s;
}

/*
 * Reading the next chunk of rows -- parsing, hashing, pairing with the
 * second keying, and the form's own checks, none of which needs the
 * store -- runs on a thread of its own while the chunk before is written:
 * the two cores of an office PC each do half.  The filler alone touches
 * the CSV reader, the second keying and the chunk it fills until it is
 * joined; the writer touches the other chunk.
 */
struct filler {
	struct csv		*c;
	const struct mapfile	*mf;
	const struct keyed	*kb;
	const size_t		*bcol;
	const char		*second;
	size_t			 rowno;
	struct chunk		*ch;	/* the one to fill */
	size_t			 want;
	char			 why[200];
};

static void
fill_chunk(struct filler *fl)
{
	struct chunk *ch = fl->ch;
	struct csv_row row;
	struct cr_err e;
	int more = 1;

	for (ch->n = 0; ch->n < fl->want && (more = csv_next(fl->c, &row,
	    fl->why, sizeof fl->why)); ch->n++) {
		struct prow *p = &ch->row[ch->n];

		prow_fill(p, fl->mf, &row, fl->c->base, fl->why);
		if (fl->second && p->why == NULL && row.nf == fl->mf->ncol)
			p->why = second_check(fl->kb, fl->bcol, &row,
			    fl->rowno, fl->second);
		fl->rowno++;
		if (p->why != NULL)
			continue;
		err_clear(&e);
		switch (form_validate(fl->mf->f, p->kv, p->nkv, &e)) {
		case CR_OK:
			p->checked = 1;
			break;
		case CR_EINVAL:
			p->invalid = one_line(e.msg);
			break;
		default:		/* checked again in the transaction */
			break;
		}
	}
	ch->more = more;
	ch->pos = (size_t)(fl->c->p - fl->c->base);
}

static void *
fill_thread(void *arg)
{
	fill_chunk(arg);
	return NULL;
}

static void
report_reject(FILE *fp, size_t line, const char *why)
{
	fprintf(fp, "%zu,", line);
	csv_write_field(fp, why);
	fputc('\n', fp);
}

/* The second keying, its columns found by the header's names. */
static int
second_open(const char *path, const struct csv_row *hdr, struct keyed *kb,
    size_t **bcol, struct cr_err *e)
{
	size_t i, j;
	int rc;

	if ((rc = keyed_read(path, kb, e)) != CR_OK)
		return rc;
	if (kb->ncol != hdr->nf) {
		rc = err_set(e, CR_EINVAL, "--second %s has %zu columns and "
		    "this file %zu: both keyings must have the same columns",
		    path, kb->ncol, hdr->nf);
		keyed_free(kb);
		return rc;
	}
	*bcol = xcalloc(hdr->nf, sizeof **bcol);
	for (i = 0; i < hdr->nf; i++) {
		for (j = 0; j < kb->ncol; j++)
			if (strcmp(hdr->f[i], kb->name[j]) == 0)
				break;
		if (j == kb->ncol) {
			rc = err_set(e, CR_EINVAL, "--second %s has no column "
			    "'%s': both keyings must have the same columns",
			    path, hdr->f[i]);
			keyed_free(kb);
			return rc;
		}
		(*bcol)[i] = j;
	}
	return CR_OK;
}

/* The batch's name: as given, else the file's base name. */
static int
batch_name(const char *given, const char *file, char out[DIGITIZE_NAME_LEN],
    struct cr_err *e)
{
	const char *n = given ? given : (strrchr(file, '/') ?
	    strrchr(file, '/') + 1 : file);
	size_t i;

	if (*n == '\0' || strlen(n) >= DIGITIZE_NAME_LEN)
		return err_set(e, CR_EINVAL, "batch name '%s': give 1 to %d "
		    "characters (--batch)", n, DIGITIZE_NAME_LEN - 1);
	for (i = 0; n[i]; i++)
		if ((unsigned char)n[i] < 0x20 || n[i] == 0x7f)
			return err_set(e, CR_EINVAL, "batch name: no control "
			    "characters (--batch)");
	snprintf(out, DIGITIZE_NAME_LEN, "%s", n);
	return CR_OK;
}

struct begin {
	const char	*name;
	struct batch	*b;
	int		 fresh;
};

static int
begin_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct begin *bg = arg;
	struct batch old;
	int rc;

	bg->fresh = 0;
	rc = batch_get(tx, bg->name, &old, e);
	if (rc == CR_ENOTFOUND) {
		err_clear(e);
		bg->fresh = 1;
		return batch_put(tx, bg->name, bg->b, e);
	}
	if (rc != CR_OK)
		return rc;
	if (old.kind != bg->b->kind)
		return err_set(e, CR_EINVAL, "batch %s is of kind %s, not %s",
		    bg->name, form_by_code(old.kind) ?
		    form_by_code(old.kind)->key : "?",
		    form_by_code(bg->b->kind)->key);
	memcpy(old.sha, bg->b->sha, CRYPTO_HASHLEN);	/* the file now */
	*bg->b = old;
	return CR_OK;
}

static int
end_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct begin *bg = arg;

	return batch_put(tx, bg->name, bg->b, e);
}

int
digitize_import(struct session *s, const struct digitize_opts *o,
    digitize_progress_fn progress, void *arg, struct digitize_result *res,
    struct cr_err *e)
{
	const struct form *f;
	struct mapped m = { NULL, 0 };
	struct mapfile mf = { NULL, 0, NULL };
	struct csv c;
	struct csv_row hdr;
	struct batch b;
	struct begin bg;
	struct chunk ch[2];
	struct filler fl;
	char why[200], rpath[4200], since[16];
	struct keyed kb;
	FILE *rep = NULL;
	size_t i, *bcol = NULL, chunk = DIGITIZE_CHUNK_FIRST;
	int rc, y, mo, d, cur;

	memset(res, 0, sizeof *res);
	memset(ch, 0, sizeof ch);
	memset(&fl, 0, sizeof fl);
	memset(&c, 0, sizeof c);
	memset(&kb, 0, sizeof kb);
	if ((rc = authz_check(s, AZ_DIGITIZE, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((f = form_by_key(o->kind)) == NULL)
		return err_set(e, CR_EINVAL, "--kind %s: no such form ('civreg "
		    "forms' lists them)", o->kind);
	if (f->cls != FC_EVENT)
		return err_set(e, CR_EINVAL, "--kind %s: digitize loads the "
		    "registers of events (birth, death, marriage ...), and %s "
		    "is a %s form", o->kind, o->kind, form_class_name(f->cls));
	if ((rc = batch_name(o->batch, o->file, res->batch, e)) != CR_OK)
		return rc;
	if ((rc = map_file(o->file, &m, e)) != CR_OK)
		return rc;
	csv_init(&c, m.data, m.len);
	if (!csv_next(&c, &hdr, why, sizeof why)) {
		rc = err_set(e, CR_EINVAL, "%s: empty: the first line names "
		    "the columns", o->file);
		goto out;
	}
	if (hdr.bad) {
		rc = err_set(e, CR_EINVAL, "%s: line %zu, the header: %s",
		    o->file, hdr.line, why);
		goto out;
	}
	if ((rc = map_columns(f, &hdr, o->map, &mf, e)) != CR_OK)
		goto out;
	if (o->second && (rc = second_open(o->second, &hdr, &kb, &bcol, e)) !=
	    CR_OK)
		goto out;
	/* The report first: a batch is not begun where none can be kept,
	 * and the report never overwrites a keying. */
	snprintf(rpath, sizeof rpath, "%s", o->rejects ? o->rejects : "");
	if (!o->rejects)
		snprintf(rpath, sizeof rpath, "%s.rejects.csv", o->file);
	if (same_file(rpath, o->file) || (o->second &&
	    same_file(rpath, o->second))) {
		rc = err_set(e, CR_EINVAL, "--rejects %s is a keyed file: give "
		    "the report a name of its own", rpath);
		goto out;
	}
	if ((rep = fopen(rpath, "w")) == NULL) {
		rc = err_set(e, CR_EIO, "rejects report %s: %s", rpath,
		    strerror(errno));
		goto out;
	}
	snprintf(res->rejects, sizeof res->rejects, "%s", rpath);
	fprintf(rep, "line,reason\n");
	memset(&b, 0, sizeof b);
	crypto_sha256(m.data ? m.data : "", m.len, b.sha);
	b.kind = f->code;
	b.started = (int64_t)cr_now();
	bg.name = res->batch;
	bg.b = &b;
	if ((rc = store_run(s->store, begin_txn, &bg, e)) != CR_OK)
		goto out;
	for (i = 0; i < 2; i++) {
		ch[i].s = s;
		ch[i].name = res->batch;
		ch[i].f = f;
		ch[i].b = &b;
		ch[i].fresh = bg.fresh;
		ch[i].row = xcalloc(DIGITIZE_CHUNK, sizeof *ch[i].row);
		ch[i].reject = xcalloc(DIGITIZE_CHUNK, sizeof *ch[i].reject);
	}
	fl.c = &c;
	fl.mf = &mf;
	fl.kb = &kb;
	fl.bcol = bcol;
	fl.second = o->second;
	fl.ch = &ch[0];
	fl.want = chunk;
	fill_chunk(&fl);
	for (cur = 0;; cur = 1 - cur) {
		struct chunk *now = &ch[cur], *next = &ch[1 - cur];
		pthread_t t;
		int ahead = 0;

		if (now->n == 0)
			break;
		if (chunk < DIGITIZE_CHUNK)
			chunk = chunk * 2 < DIGITIZE_CHUNK ? chunk * 2 :
			    DIGITIZE_CHUNK;
		fl.ch = next;
		fl.want = chunk;
		if (now->more)
			ahead = pthread_create(&t, NULL, fill_thread, &fl) == 0;
		rc = store_run(s->store, chunk_txn, now, e);
		if (ahead)
			pthread_join(t, NULL);
		else if (now->more && rc == CR_OK)
			fill_chunk(&fl);	/* no thread: in turn */
		if (rc != CR_OK)
			break;
		b.loaded += (uint32_t)now->loaded;
		res->rows += now->n;
		res->loaded += now->loaded;
		res->already += now->already;
		res->codes += now->codes;
		res->waiting += now->waiting;
		for (i = 0; i < now->n; i++) {
			if (now->reject[i]) {
				report_reject(rep, now->row[i].line,
				    now->reject[i]);
				res->rejected++;
			}
			prow_free(&now->row[i]);
		}
		now->n = 0;
		if (progress)
			progress(arg, now->pos, m.len, res->rows);
		if (!now->more)
			break;
	}
	for (cur = 0; cur < 2; cur++)
		for (i = 0; i < ch[cur].n; i++)
			prow_free(&ch[cur].row[i]);
	if (fflush(rep) != 0 || fsync(fileno(rep)) != 0) {
		if (rc == CR_OK)
			rc = err_set(e, CR_EIO, "rejects report %s: %s", rpath,
			    strerror(errno));
	}
	if (rc != CR_OK)
		goto out;
	b.rows = (uint32_t)res->rows;
	b.rejected = (uint32_t)res->rejected;
	if ((rc = store_run(s->store, end_txn, &bg, e)) != CR_OK)
		goto out;
	/* The loaded persons against the register: births, for review. */
	if (f->issue_field && res->loaded + res->already > 0 && !o->no_dedup) {
		date_from_days((int32_t)(b.started / 86400), &y, &mo, &d);
		snprintf(since, sizeof since, "%04d-%02d-%02d", y, mo, d);
		rc = dedup_run(s, since, NULL, NULL, NULL, &res->dedup, e);
		res->deduped = rc == CR_OK;
		if (rc == CR_EINVAL) {	/* the load stands; say why not */
			size_t wl = strnlen(e->msg, sizeof res->dedup_why - 1);

			memcpy(res->dedup_why, e->msg, wl);
			res->dedup_why[wl] = '\0';
			err_clear(e);
			rc = CR_OK;
		}
	}
out:
	if (rep)
		fclose(rep);
	for (cur = 0; cur < 2; cur++) {
		if (ch[cur].row == NULL)
			continue;
		for (i = 0; i < DIGITIZE_CHUNK; i++)
			free(ch[cur].reject[i]);
		free(ch[cur].reject);
		free(ch[cur].row);
	}
	free(mf.col);
	free(bcol);
	if (o->second)
		keyed_free(&kb);
	csv_free(&c);
	unmap_file(&m);
	return rc;
}

/*
 * verify: a batch decodes; a line mark names a record that is here and
 * says it came from that batch and line.  0, or -1 and why.
 */
int
digitize_check_entry(struct txn *tx, const void *k, size_t kl,
    const void *v, size_t vl, char *why, size_t whysz)
{
	const char *key = k, *id = v;
	struct record r;
	struct cr_err e;
	size_t nl;
	int ok;

	if (kl > 1 && key[0] == 'B') {
		struct rd rd;
		const unsigned char *m;

		rd_init(&rd, v, vl);
		m = rd_bytes(&rd, 2);
		if (m == NULL || memcmp(m, BATCH_MAGIC, 2) != 0 ||
		    rd_u8(&rd) != BATCH_VERSION || vl != 3 + CRYPTO_HASHLEN +
		    1 + 8 + 12) {
			snprintf(why, whysz, "batch %.*s is damaged",
			    (int)(kl - 1), key + 1);
			return -1;
		}
		return 0;
	}
	nl = kl > 1 ? strnlen(key + 1, kl - 1) : 0;
	if (kl < 2 || key[0] != 'L' || nl + 6 != kl || vl <= CRYPTO_HASHLEN ||
	    id[vl - CRYPTO_HASHLEN - 1] != '\0' || strlen(id) + 1 +
	    CRYPTO_HASHLEN != vl || !rec_id_valid(id)) {
		snprintf(why, whysz, "an entry of no known kind");
		return -1;
	}
	rec_init(&r);
	if ((ok = regist_load(tx, id, &r, 0, &e) == CR_OK) == 0)
		snprintf(why, whysz, "batch %.*s line %u: record %s is not "
		    "here", (int)nl, key + 1, be32_get((const unsigned char *)
		    key + nl + 2), id);
	rec_free(&r);
	return ok ? 0 : -1;
}

/* --- double entry ------------------------------------------------------------ */

static void
write_row(FILE *fp, char **cell, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', fp);
		csv_write_field(fp, cell[i]);
	}
	fputc('\n', fp);
}

int
digitize_compare(const char *a, const char *b, const char *agreed,
    digitize_diff_fn diff, void *arg, struct digitize_cmp *res,
    struct cr_err *e)
{
	struct keyed ka, kb;
	size_t i, j, *bcol = NULL, n;
	FILE *out = NULL;
	int rc, same;

	memset(res, 0, sizeof *res);
	if ((rc = keyed_read(a, &ka, e)) != CR_OK)
		return rc;
	if ((rc = keyed_read(b, &kb, e)) != CR_OK) {
		keyed_free(&ka);
		return rc;
	}
	/* The same columns, in any order. */
	bcol = xcalloc(ka.ncol, sizeof *bcol);
	for (i = 0; i < ka.ncol; i++) {
		for (j = 0; j < kb.ncol; j++)
			if (strcmp(ka.name[i], kb.name[j]) == 0)
				break;
		if (j == kb.ncol) {
			rc = err_set(e, CR_EINVAL, "%s has a column '%s' that "
			    "%s has not: both keyings must have the same "
			    "columns", a, ka.name[i], b);
			goto out;
		}
		bcol[i] = j;
	}
	if (kb.ncol != ka.ncol) {
		rc = err_set(e, CR_EINVAL, "%s has %zu columns and %s %zu: "
		    "both keyings must have the same columns", a, ka.ncol, b,
		    kb.ncol);
		goto out;
	}
	if (agreed && (out = fopen(agreed, "w")) == NULL) {
		rc = err_set(e, CR_EIO, "--agreed %s: %s", agreed,
		    strerror(errno));
		goto out;
	}
	if (out)
		write_row(out, ka.name, ka.ncol);
	n = ka.nrow > kb.nrow ? ka.nrow : kb.nrow;
	for (i = 0; i < n; i++) {
		struct digitize_diff d;

		memset(&d, 0, sizeof d);
		d.record = i + 1;
		d.line_a = i < ka.nrow ? ka.line[i] : 0;
		d.line_b = i < kb.nrow ? kb.line[i] : 0;
		res->records++;
		if (i >= ka.nrow || i >= kb.nrow) {
			d.why = i >= ka.nrow ? "only in the second keying" :
			    "only in the first keying";
			res->differ++;
			diff(arg, &d);
			continue;
		}
		if (ka.cell[i] == NULL || kb.cell[i] == NULL) {
			d.why = ka.cell[i] == NULL ? ka.why[i] : kb.why[i];
			d.which = ka.cell[i] == NULL ? 'A' : 'B';
			res->differ++;
			diff(arg, &d);
			continue;
		}
		same = 1;
		for (j = 0; j < ka.ncol; j++) {
			if (strcmp(ka.cell[i][j], kb.cell[i][bcol[j]]) == 0)
				continue;
			d.column = ka.name[j];
			d.a = ka.cell[i][j];
			d.b = kb.cell[i][bcol[j]];
			res->fields++;
			same = 0;
			diff(arg, &d);
		}
		if (same) {
			res->agree++;
			if (out)
				write_row(out, ka.cell[i], ka.ncol);
		} else
			res->differ++;
	}
	if (out && (fflush(out) != 0 || ferror(out)))
		rc = err_set(e, CR_EIO, "--agreed %s: %s", agreed,
		    strerror(errno));
out:
	if (out && fclose(out) != 0 && rc == CR_OK)
		rc = err_set(e, CR_EIO, "--agreed %s: %s", agreed,
		    strerror(errno));
	if (rc != CR_OK && out)
		unlink(agreed);		/* never half an agreed file */
	free(bcol);
	keyed_free(&ka);
	keyed_free(&kb);
	return rc;
}
