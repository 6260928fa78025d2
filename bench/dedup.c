/*
 * dedup.c -- how well and how fast src/match.c finds duplicates.
 *
 * The FEBRL data sets (../shared/data/febrl, README there) are the usual
 * public benchmark of record linkage: synthetic person records with
 * corrupted duplicates and their ground truth in rec_id.  This program
 * maps their columns onto a schema of the generic engine (names, address
 * text, codes, a date, a state), adds the rows WITHOUT rec_id, runs the
 * engine, and only then scores what it flagged against rec_id: every pair
 * of records sharing an original rec-N is a true match, duplicate to
 * duplicate too.  Datasets 1, 2 and 3 are de-duplicated, 4a and 4b
 * linked.  What is flagged is every pair of records the engine put in one
 * cluster (accepted pairs and their transitive closure; --pairs scores
 * the accepted pairs alone).  One line per data set:
 *
 *   NAME precision P recall R f1 F seconds S
 *
 * where S is the wall time of reading and parsing the CSV files plus the
 * engine (everything but the scoring).  Nothing is tuned on rec_id: the
 * schema and the engine's defaults are the same for every file, EM finds
 * the weights.
 *
 * --synthetic N makes N person records in memory (names drawn from
 * generated vocabularies with skewed frequencies, addresses, postcodes
 * tied to suburbs, dates, 7-digit numbers), nearly half of them copies
 * of another with one to four corruptions each (typos, spellings that
 * sound alike, swapped names, another given name, missing values, day and
 * month swapped, dates a few days or a year off, a digit wrong or two
 * swapped, spaces inserted or lost, a move to another address), and
 * prints the same line, with S the engine's time (adding the rows and the
 * run, not making them), plus the peak resident size of the process.
 * Rows are added in the order made (a duplicate after its original):
 * blocking sorts keys, so the order changes nothing but the numbering.
 *
 * usage: dedup [--data DIR] [--pairs] [--threads N] [--verbose]
 *              [--drop FIELD]... [--synthetic N [--seed S]]
 * --drop gives the engine a column as empty (to see how much it owes to
 * it; FIELD as in the CSV header).
 * DIR defaults to $SHARED_DATA/febrl, else the build's SHARED_DATA, else
 * ../shared/data/febrl.
 */
#include "config.h"

#include <sys/resource.h>

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civreg.h"

#ifndef DEDUP_DATA
#define DEDUP_DATA "../shared/data/febrl"
#endif

enum { F_GIVEN, F_SURNAME, F_STNUM, F_ADDR1, F_ADDR2, F_SUBURB, F_POSTCODE,
	F_STATE, F_DOB, F_SSID, NF };

static const struct match_field fields[NF] = {
	{ "given_name", MATCH_NAME, F_SURNAME, 0 },
	{ "surname", MATCH_NAME, F_GIVEN, 0 },
	{ "street_number", MATCH_CODE, -1, 1 },
	{ "address_1", MATCH_TEXT, F_ADDR2, 1 },
	{ "address_2", MATCH_TEXT, F_ADDR1, 1 },
	{ "suburb", MATCH_TEXT, -1, 1 },
	{ "postcode", MATCH_CODE, -1, 1 },
	{ "state", MATCH_CAT, -1, 1 },
	{ "date_of_birth", MATCH_DATE, -1, 0 },
	{ "soc_sec_id", MATCH_CODE, -1, 0 },
};

/* Blocking passes: each catches the pairs whose corruption spared its
 * fields. */
static const struct match_pass passes[] = {
	{ 1, { { F_SSID, MATCH_KEY_EXACT, 0 } } },
	{ 1, { { F_DOB, MATCH_KEY_EXACT, 0 } } },
	{ 1, { { F_GIVEN, MATCH_KEY_PAIR, 0 } } },
	{ 2, { { F_GIVEN, MATCH_KEY_TOKENS, 0 },
	       { F_POSTCODE, MATCH_KEY_EXACT, 0 } } },
	{ 2, { { F_GIVEN, MATCH_KEY_TOKENS, 0 },
	       { F_DOB, MATCH_KEY_PREFIX, 6 } } },
	{ 2, { { F_POSTCODE, MATCH_KEY_EXACT, 0 },
	       { F_STNUM, MATCH_KEY_EXACT, 0 } } },
	{ 2, { { F_SSID, MATCH_KEY_PREFIX, 3 },
	       { F_DOB, MATCH_KEY_YEAR, 0 } } },
	{ 2, { { F_SSID, MATCH_KEY_SUFFIX, 3 },
	       { F_SUBURB, MATCH_KEY_PHONETIC, 0 } } },
};

static const struct match_schema schema = {
	fields, NF, passes, sizeof passes / sizeof passes[0]
};

struct cfg {
	int	pairs;		/* score accepted pairs, not clusters */
	int	threads;
	int	verbose;
	int	drop[NF];	/* fields given to the engine as missing */
};

/* The row as the engine sees it: dropped fields empty. */
static void
add_row(struct match_set *m, int src, const char *const *row,
    const struct cfg *cfg)
{
	const char *v[NF];
	int f;

	for (f = 0; f < NF; f++)
		v[f] = cfg->drop[f] ? "" : row[f];
	match_add(m, src, v);
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------- scoring */

struct rec3 {
	uint32_t	cl, ent;
	unsigned char	src;
};

static int
rec3_cmp(const void *x, const void *y)
{
	const struct rec3 *a = x, *b = y;

	if (a->cl != b->cl)
		return a->cl < b->cl ? -1 : 1;
	if (a->ent != b->ent)
		return a->ent < b->ent ? -1 : 1;
	return 0;
}

/* Pairs of records within groups of equal key (cl, or cl and ent):
 * dedup C(n, 2), linkage n0 * n1.  recs sorted by cl then ent. */
static double
group_pairs(const struct rec3 *r, size_t n, int by_ent, int linkage)
{
	double tot = 0, c[2];
	size_t i, j;

	for (i = 0; i < n; i = j) {
		c[0] = c[1] = 0;
		for (j = i; j < n && r[j].cl == r[i].cl &&
		    (!by_ent || r[j].ent == r[i].ent); j++)
			c[r[j].src]++;
		if (linkage)
			tot += c[0] * c[1];
		else
			tot += (c[0] + c[1]) * (c[0] + c[1] - 1) / 2;
	}
	return tot;
}

static void
score(const char *name, const struct match_result *res, const uint32_t *ent,
    const unsigned char *src, size_t n, int linkage, const struct cfg *cfg,
    double secs, const char *extra)
{
	struct rec3 *r = xmalloc((n ? n : 1) * sizeof *r);
	double truth, flagged, tp, p, rc, f;
	size_t i;

	for (i = 0; i < n; i++) {
		r[i].cl = ent[i];
		r[i].ent = ent[i];
		r[i].src = src[i];
	}
	qsort(r, n, sizeof *r, rec3_cmp);
	truth = group_pairs(r, n, 0, linkage);
	if (cfg->pairs || res->cluster == NULL) {
		flagged = (double)res->npairs;
		for (tp = 0, i = 0; i < res->npairs; i++)
			tp += ent[res->pairs[i].a] == ent[res->pairs[i].b];
	} else {
		for (i = 0; i < n; i++) {
			r[i].cl = res->cluster[i];
			r[i].ent = ent[i];
			r[i].src = src[i];
		}
		qsort(r, n, sizeof *r, rec3_cmp);
		flagged = group_pairs(r, n, 0, linkage);
		tp = group_pairs(r, n, 1, linkage);
	}
	free(r);
	p = flagged > 0 ? tp / flagged : 0;
	rc = truth > 0 ? tp / truth : 0;
	f = p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
	printf("%s precision %.4f recall %.4f f1 %.4f seconds %.3f%s\n",
	    name, p, rc, f, secs, extra ? extra : "");
	fflush(stdout);
	if (cfg->verbose)
		fprintf(stderr, "  %s: %.0f flagged, %.0f true, %.0f true "
		    "pairs in all\n", name, flagged, tp, truth);
}

static void
report_em(const struct match_result *res)
{
	size_t f;
	int l;

	fprintf(stderr, "  candidates %zu, blocks skipped %zu, patterns %zu, "
	    "EM %d iterations%s, p %.4f, accepted %zu, unions refused %zu\n",
	    res->candidates, res->blocks_skipped, res->patterns,
	    res->iterations, res->converged ? "" : " (not converged)",
	    res->p, res->npairs, res->clusters_refused);
	for (f = 0; f < NF; f++) {
		if (res->nlevels[f] == 0)	/* in a group, shown above */
			continue;
		fprintf(stderr, "  %-14s m", fields[f].group > 0 ?
		    "address group" : fields[f].name);
		for (l = 0; l < res->nlevels[f]; l++)
			fprintf(stderr, " %.3f", res->m[f][l]);
		fprintf(stderr, "  u");
		for (l = 0; l < res->nlevels[f]; l++)
			fprintf(stderr, " %.3f", res->u[f][l]);
		fprintf(stderr, "\n");
	}
}

/* How many true pairs blocking let through: every candidate accepted. */
static void
report_blocking(struct match_set *m, const struct match_opts *o0,
    const uint32_t *ent, const unsigned char *src, size_t n, int linkage)
{
	struct match_opts o = *o0;
	struct match_result r;
	struct rec3 *g;
	double truth, tp = 0;
	size_t i;

	o.threshold = 0;
	o.closure = 0;
	o.one_to_one = 0;
	if (match_run(m, &o, &r) != 0)
		return;
	for (i = 0; i < r.npairs; i++)
		tp += ent[r.pairs[i].a] == ent[r.pairs[i].b];
	g = xmalloc((n ? n : 1) * sizeof *g);
	for (i = 0; i < n; i++) {
		g[i].cl = g[i].ent = ent[i];
		g[i].src = src[i];
	}
	qsort(g, n, sizeof *g, rec3_cmp);
	truth = group_pairs(g, n, 0, linkage);
	fprintf(stderr, "  blocking: %zu candidates hold %.0f of the %.0f "
	    "true pairs\n", r.npairs, tp, truth);
	free(g);
	match_result_free(&r);
}

/* ----------------------------------------------------------------- FEBRL */

struct csv {
	char	*data;
	char	**rows;		/* rows[i * 11 + c] */
	size_t	 n;
};

static int
csv_read(const char *path, struct csv *c)
{
	FILE *fp = fopen(path, "rb");
	size_t len = 0, cap = 0, got, i, col, cap_rows = 0;
	char *p, *line, *nl, *q;

	memset(c, 0, sizeof *c);
	if (fp == NULL)
		return -1;
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			c->data = xrealloc(c->data, cap + 1);
		}
		got = fread(c->data + len, 1, cap - len, fp);
		len += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	c->data[len] = '\0';
	p = c->data;
	/* skip the header line */
	nl = strchr(p, '\n');
	p = nl ? nl + 1 : p + len;
	while (*p) {
		line = p;
		nl = strchr(p, '\n');
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else
			p += strlen(p);
		if ((q = strchr(line, '\r')) != NULL)
			*q = '\0';
		if (*line == '\0')
			continue;
		if (c->n == cap_rows) {
			cap_rows = cap_rows ? cap_rows * 2 : 1024;
			c->rows = xrealloc(c->rows,
			    cap_rows * 11 * sizeof *c->rows);
		}
		for (col = 0; col < 11; col++) {
			while (*line == ' ')
				line++;
			c->rows[c->n * 11 + col] = line;
			q = strchr(line, ',');
			if (q) {
				*q = '\0';
				line = q + 1;
			} else
				line += strlen(line);
		}
		for (i = 0; i < 11; i++) {	/* trailing spaces */
			q = c->rows[c->n * 11 + i];
			len = strlen(q);
			while (len > 0 && q[len - 1] == ' ')
				q[--len] = '\0';
		}
		c->n++;
	}
	return 0;
}

static void
csv_free(struct csv *c)
{
	free(c->data);
	free(c->rows);
}

/* rec-N-org, rec-N-dup-K: N */
static uint32_t
rec_entity(const char *id)
{
	const char *p = strchr(id, '-');

	return p ? (uint32_t)strtoul(p + 1, NULL, 10) : UINT32_MAX;
}

static int
febrl(const char *dir, const char *name, const char *file0,
    const char *file1, const struct cfg *cfg)
{
	struct csv c[2];
	struct match_opts o;
	struct match_result res;
	struct match_set *m;
	char path[4096];
	const char *files[2] = { file0, file1 };
	uint32_t *ent = NULL;
	unsigned char *src = NULL;
	size_t n = 0, i, k;
	int nfiles = file1 ? 2 : 1, linkage = file1 != NULL;
	double t0, t1;

	t0 = now_sec();
	for (k = 0; k < (size_t)nfiles; k++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[k]);
		if (csv_read(path, &c[k]) != 0) {
			fprintf(stderr, "dedup: cannot read %s\n", path);
			while (k-- > 0)
				csv_free(&c[k]);
			return -1;
		}
	}
	m = match_new(&schema, linkage);
	for (k = 0; k < (size_t)nfiles; k++) {
		ent = xrealloc(ent, (n + c[k].n) * sizeof *ent);
		src = xrealloc(src, n + c[k].n);
		for (i = 0; i < c[k].n; i++) {
			/* rec_id (column 0) is kept for scoring only */
			ent[n] = rec_entity(c[k].rows[i * 11]);
			src[n] = (unsigned char)k;
			add_row(m, (int)k,
			    (const char *const *)&c[k].rows[i * 11 + 1], cfg);
			n++;
		}
	}
	match_opts_default(&o);
	o.threads = cfg->threads;
	match_run(m, &o, &res);
	t1 = now_sec();
	score(name, &res, ent, src, n, linkage, cfg, t1 - t0, NULL);
	if (cfg->verbose) {
		report_em(&res);
		report_blocking(m, &o, ent, src, n, linkage);
	}
	match_result_free(&res);
	match_free(m);
	for (k = 0; k < (size_t)nfiles; k++)
		csv_free(&c[k]);
	free(ent);
	free(src);
	return 0;
}

/* ------------------------------------------------------------- synthetic */

struct rng {
	uint64_t	s;
};

static uint64_t
rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t
rndn(struct rng *r, size_t n)
{
	return (size_t)(rnd(r) % n);
}

static double
rndu(struct rng *r)
{
	return (double)(rnd(r) >> 11) / 9007199254740992.0;
}

/* Skewed choice: a few values common, most rare (P(i < k) = sqrt(k/n)). */
static size_t
rndz(struct rng *r, size_t n)
{
	double u = rndu(r);

	return (size_t)(u * u * (double)n);
}

struct vocab {
	char	**w;
	size_t	  n;
};

static void
vocab_make(struct vocab *v, struct rng *r, size_t n, int minsyl, int maxsyl)
{
	static const char *on[] = { "b", "br", "c", "ch", "d", "dr", "f",
		"g", "gr", "h", "j", "k", "l", "m", "n", "p", "pr", "r", "s",
		"sh", "st", "t", "th", "tr", "v", "w", "z", "", "", "" };
	static const char *nu[] = { "a", "e", "i", "o", "u", "ai", "ea",
		"ie", "ou", "y", "ay", "ee" };
	static const char *co[] = { "", "", "", "n", "r", "l", "s", "th",
		"ck", "m", "rd", "nt", "ll", "ss" };
	char w[64];
	size_t i, k, len;
	int s, ns;

	v->n = n;
	v->w = xmalloc(n * sizeof *v->w);
	for (i = 0; i < n; i++) {
		ns = minsyl + (int)rndn(r, (size_t)(maxsyl - minsyl + 1));
		len = 0;
		for (s = 0; s < ns; s++) {
			const char *parts[3] = {
				on[rndn(r, sizeof on / sizeof on[0])],
				nu[rndn(r, sizeof nu / sizeof nu[0])],
				co[rndn(r, sizeof co / sizeof co[0])] };
			for (k = 0; k < 3; k++) {
				size_t l = strlen(parts[k]);
				if (len + l < sizeof w) {
					memcpy(w + len, parts[k], l);
					len += l;
				}
			}
		}
		w[len] = '\0';
		v->w[i] = xstrdup(w);
	}
}

static void
vocab_free(struct vocab *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->w[i]);
	free(v->w);
}

struct srec {
	char	f[NF][64];
};

static void
typo(struct rng *r, char *s, size_t sz)
{
	size_t n = strlen(s), i;
	char c;

	if (n == 0)
		return;
	i = rndn(r, n);
	switch (rndn(r, 4)) {
	case 0:		/* substitute */
		if (s[i] >= '0' && s[i] <= '9')
			s[i] = (char)('0' + rndn(r, 10));
		else
			s[i] = (char)('a' + rndn(r, 26));
		break;
	case 1:		/* insert */
		if (n + 2 >= sz)
			break;
		memmove(s + i + 1, s + i, n - i + 1);
		s[i] = (char)('a' + rndn(r, 26));
		break;
	case 2:		/* delete */
		if (n < 3)
			break;
		memmove(s + i, s + i + 1, n - i);
		break;
	default:	/* swap neighbours */
		if (i + 1 < n) {
			c = s[i];
			s[i] = s[i + 1];
			s[i + 1] = c;
		}
		break;
	}
}

static void
digit_typo(struct rng *r, char *s)
{
	size_t n = strlen(s), i;
	char c;

	if (n < 2)
		return;
	i = rndn(r, n - 1);
	if (rndn(r, 2)) {
		c = s[i];
		s[i] = s[i + 1];
		s[i + 1] = c;
	} else
		s[i] = (char)('0' + rndn(r, 10));
}

struct gen {
	struct rng	 r;
	struct vocab	 given, sur, street, suburb, bldg;
	uint32_t	*pc;		/* postcode of each suburb */
};

static const char *const street_types[] = { "street", "road", "place",
	"avenue", "crescent", "circuit", "close", "drive" };
static const char *const states[] = { "nsw", "vic", "qld", "sa", "wa",
	"tas", "act", "nt" };

static void
gen_address(struct gen *g, struct srec *p)
{
	struct rng *r = &g->r;
	size_t sb = rndz(r, g->suburb.n);

	snprintf(p->f[F_STNUM], 64, "%zu", 1 + rndz(r, 400));
	snprintf(p->f[F_ADDR1], 64, "%s %s",
	    g->street.w[rndz(r, g->street.n)], street_types[rndn(r, 8)]);
	snprintf(p->f[F_ADDR2], 64, "%s",
	    rndn(r, 3) == 0 ? g->bldg.w[rndz(r, g->bldg.n)] : "");
	snprintf(p->f[F_SUBURB], 64, "%s", g->suburb.w[sb]);
	snprintf(p->f[F_POSTCODE], 64, "%04u", (unsigned)g->pc[sb]);
	snprintf(p->f[F_STATE], 64, "%s", states[sb % 8]);
}

/* A spelling that sounds the same: the first rule that applies. */
static void
sound_variant(struct rng *r, char *s, size_t sz)
{
	static const char *const rule[][2] = { { "ph", "f" }, { "ck", "k" },
		{ "ee", "i" }, { "ou", "u" }, { "th", "t" }, { "c", "k" },
		{ "y", "i" }, { "ai", "ay" }, { "ss", "s" }, { "ll", "l" },
		{ "sh", "ch" }, { "k", "c" }, { "i", "y" }, { "ea", "ee" } };
	size_t nr = sizeof rule / sizeof rule[0], k, i, lf, lt, n;
	char *q;

	for (k = 0, i = rndn(r, nr); k < nr; k++, i = (i + 1) % nr) {
		if ((q = strstr(s, rule[i][0])) == NULL)
			continue;
		lf = strlen(rule[i][0]);
		lt = strlen(rule[i][1]);
		n = strlen(s);
		if (n - lf + lt + 1 > sz)
			return;
		memmove(q + lt, q + lf, strlen(q + lf) + 1);
		memcpy(q, rule[i][1], lt);
		return;
	}
	typo(r, s, sz);
}

static void
corrupt(struct gen *g, struct srec *p)
{
	struct rng *r = &g->r;
	char tmp[64];
	int y, mo, d, k;
	size_t f, n;

	switch (rndn(r, 16)) {
	case 0:
	case 1:
		typo(r, p->f[F_GIVEN], sizeof p->f[0]);
		break;
	case 2:
		typo(r, p->f[F_SURNAME], sizeof p->f[0]);
		break;
	case 3:
		sound_variant(r, p->f[rndn(r, 2) ? F_GIVEN : F_SURNAME],
		    sizeof p->f[0]);
		break;
	case 4:
		memcpy(tmp, p->f[F_GIVEN], sizeof tmp);
		memcpy(p->f[F_GIVEN], p->f[F_SURNAME], sizeof tmp);
		memcpy(p->f[F_SURNAME], tmp, sizeof tmp);
		break;
	case 5:		/* another given name (a nickname, a new name) */
		snprintf(p->f[F_GIVEN], 64, "%s",
		    g->given.w[rndz(r, g->given.n)]);
		break;
	case 6:
	case 7:		/* a value lost */
		p->f[rndn(r, NF)][0] = '\0';
		break;
	case 8:		/* the date */
	case 9:
		if (sscanf(p->f[F_DOB], "%4d%2d%2d", &y, &mo, &d) != 3)
			break;
		k = (int)rndn(r, 4);
		if (k == 0 && d <= 12)
			snprintf(p->f[F_DOB], sizeof p->f[0], "%04d%02d%02d",
			    y, d, mo);
		else if (k <= 1)
			digit_typo(r, p->f[F_DOB]);
		else if (k == 2)
			snprintf(p->f[F_DOB], sizeof p->f[0], "%04d%02d%02d",
			    y + (int)rndn(r, 3) - 1, mo, d);
		else {
			d += (int)rndn(r, 9) - 4;
			if (d < 1)
				d = 1;
			if (d > 28)
				d = 28;
			snprintf(p->f[F_DOB], sizeof p->f[0], "%04d%02d%02d",
			    y, mo, d);
		}
		break;
	case 10:
		digit_typo(r, p->f[F_SSID]);
		break;
	case 11:	/* spaces in the address */
		f = rndn(r, 2) ? F_ADDR1 : F_SUBURB;
		n = strlen(p->f[f]);
		if (n > 2 && n + 2 < sizeof p->f[0]) {
			size_t i = 1 + rndn(r, n - 1);
			if (p->f[f][i] == ' ')
				memmove(p->f[f] + i, p->f[f] + i + 1, n - i);
			else {
				memmove(p->f[f] + i + 1, p->f[f] + i,
				    n - i + 1);
				p->f[f][i] = ' ';
			}
		}
		break;
	case 12:
		typo(r, p->f[rndn(r, 2) ? F_ADDR1 : F_SUBURB],
		    sizeof p->f[0]);
		break;
	case 13:	/* moved house */
		gen_address(g, p);
		break;
	default:
		digit_typo(r, p->f[rndn(r, 2) ? F_POSTCODE : F_STNUM]);
		break;
	}
}

static int
synthetic(size_t n, uint64_t seed, const struct cfg *cfg)
{
	struct gen g;
	struct match_set *m;
	struct match_opts o;
	struct match_result res;
	struct srec orig, dup;
	const char *vals[NF];
	uint32_t *ent, e = 0;
	unsigned char *src;
	size_t i = 0, k, ndup, f;
	double secs = 0, t0;
	struct rusage ru;
	char extra[64], name[64];

	memset(&g, 0, sizeof g);
	g.r.s = seed;
	vocab_make(&g.given, &g.r, 4000, 1, 3);
	vocab_make(&g.sur, &g.r, 20000, 1, 3);
	vocab_make(&g.street, &g.r, 8000, 1, 3);
	vocab_make(&g.suburb, &g.r, 3000, 2, 3);
	vocab_make(&g.bldg, &g.r, 2000, 2, 3);
	g.pc = xmalloc(g.suburb.n * sizeof *g.pc);
	for (k = 0; k < g.suburb.n; k++)
		g.pc[k] = (uint32_t)(800 + rndn(&g.r, 9000));
	ent = xmalloc((n ? n : 1) * sizeof *ent);
	src = xcalloc(n ? n : 1, 1);
	m = match_new(&schema, 0);
	while (i < n) {
		snprintf(orig.f[F_GIVEN], 64, "%s",
		    g.given.w[rndz(&g.r, g.given.n)]);
		snprintf(orig.f[F_SURNAME], 64, "%s",
		    g.sur.w[rndz(&g.r, g.sur.n)]);
		gen_address(&g, &orig);
		snprintf(orig.f[F_DOB], 64, "%04d%02d%02d",
		    1920 + (int)rndn(&g.r, 100), 1 + (int)rndn(&g.r, 12),
		    1 + (int)rndn(&g.r, 28));
		snprintf(orig.f[F_SSID], 64, "%07zu", rndn(&g.r, 10000000));
		for (f = 0; f < NF; f++)	/* some values never known */
			if (rndn(&g.r, 50) == 0)
				orig.f[f][0] = '\0';
		k = rndn(&g.r, 20);
		ndup = k < 11 ? 0 : k < 15 ? 1 : k < 18 ? 2 : k < 19 ? 3 : 4;
		t0 = now_sec();
		for (f = 0; f < NF; f++)
			vals[f] = orig.f[f];
		ent[i++] = e;
		add_row(m, 0, vals, cfg);
		secs += now_sec() - t0;
		for (k = 0; k < ndup && i < n; k++) {
			size_t nc = 1 + rndn(&g.r, 4), c;
			dup = orig;
			for (c = 0; c < nc; c++)
				corrupt(&g, &dup);
			t0 = now_sec();
			for (f = 0; f < NF; f++)
				vals[f] = dup.f[f];
			ent[i++] = e;
			add_row(m, 0, vals, cfg);
			secs += now_sec() - t0;
		}
		e++;
	}
	match_opts_default(&o);
	o.threads = cfg->threads;
	t0 = now_sec();
	match_run(m, &o, &res);
	secs += now_sec() - t0;
	getrusage(RUSAGE_SELF, &ru);
	snprintf(extra, sizeof extra, " peak_rss_mb %.0f",
	    (double)ru.ru_maxrss / 1024.0);
	snprintf(name, sizeof name, "synthetic%zu", n);
	score(name, &res, ent, src, n, 0, cfg, secs, extra);
	if (cfg->verbose) {
		report_em(&res);
		report_blocking(m, &o, ent, src, n, 0);
	}
	match_result_free(&res);
	match_free(m);
	free(ent);
	free(src);
	free(g.pc);
	vocab_free(&g.given);
	vocab_free(&g.sur);
	vocab_free(&g.street);
	vocab_free(&g.suburb);
	vocab_free(&g.bldg);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dedup [--data DIR] [--pairs] [--threads N] "
	    "[--verbose] [--drop FIELD]... [--synthetic N [--seed S]]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "pairs", no_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "synthetic", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "drop", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cfg cfg;
	char dirbuf[4096];
	const char *dir = NULL, *sd;
	size_t synth = 0;
	uint64_t seed = 7;
	int c, rc = 0, f;
	FILE *fp;

	memset(&cfg, 0, sizeof cfg);
	cfg.threads = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'p':
			cfg.pairs = 1;
			break;
		case 't':
			cfg.threads = atoi(optarg);
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 's':
			synth = strtoul(optarg, NULL, 10);
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'D':
			for (f = 0; f < NF; f++)
				if (strcmp(optarg, fields[f].name) == 0)
					break;
			if (f == NF)
				usage();
			cfg.drop[f] = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (synth > 0)
		return synthetic(synth, seed, &cfg) == 0 ? 0 : 1;
	if (dir == NULL && (sd = getenv("SHARED_DATA")) != NULL && *sd) {
		snprintf(dirbuf, sizeof dirbuf, "%s/febrl", sd);
		dir = dirbuf;
	}
	if (dir == NULL) {
		snprintf(dirbuf, sizeof dirbuf, "%s/dataset1.csv", DEDUP_DATA);
		if ((fp = fopen(dirbuf, "r")) != NULL) {
			fclose(fp);
			dir = DEDUP_DATA;
		} else
			dir = "../shared/data/febrl";
	}
	rc |= febrl(dir, "dataset1", "dataset1.csv", NULL, &cfg);
	rc |= febrl(dir, "dataset2", "dataset2.csv", NULL, &cfg);
	rc |= febrl(dir, "dataset3", "dataset3.csv", NULL, &cfg);
	rc |= febrl(dir, "dataset4", "dataset4a.csv", "dataset4b.csv", &cfg);
	return rc ? 1 : 0;
}
