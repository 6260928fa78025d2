/*
 * match.c -- which records describe the same person: de-duplication of one
 * set of records, or linkage of two (DESIGN.md 7, issue 7).
 *
 * The engine knows nothing about persons or forms.  A record is a row of
 * UTF-8 values typed by a schema (struct match_schema, a const table): a
 * name, free text such as an address, a date, a code (identity number,
 * postcode) or a small category (sex).  civreg maps its records onto a
 * schema (Khmer and Latin names, dates of birth, parents' names, place
 * codes, identity code); bench/dedup maps the FEBRL files onto another.
 * Values are compared by Unicode code point, so Khmer works as Latin does;
 * the caller may normalize them further (src/name.c) before adding them.
 *
 * It works in four steps, the classical Fellegi-Sunter design:
 *
 * 1. Blocking.  Comparing every pair is quadratic, so each pass of the
 *    schema computes keys (an identifier, a date, sound keys of names, a
 *    prefix and a postcode ...) and only records sharing a key are paired.
 *    Several passes on different fields mean that a field corrupted in one
 *    record still leaves the pair in another pass.  Keys are 64-bit hashes
 *    sorted by radix sort (linear, no hash table to grow), so a million
 *    records block in seconds; a block larger than max_block (a common
 *    name, a default date) is skipped and counted, never compared, which
 *    bounds the work.  The pairs of all passes are sorted and made unique.
 *
 * 2. Comparison.  Each field of a candidate pair gets an agreement level,
 *    0 (exact) to 3 (far), or MATCH_MISSING: names by Jaro-Winkler (also on
 *    sorted tokens), text by edit distance without spaces, dates with
 *    tolerance for a one-digit typo, swapped day and month and a few days'
 *    difference, codes by edit distance with transpositions.  Two fields
 *    declared partners (given and family name) are also compared crosswise
 *    and the better reading kept, so swapped names still agree.  The
 *    levels of a pair make its agreement pattern, 4 bits a field.
 *
 * 3. Weights from the data.  No labelled pairs exist for a district's
 *    records, so m = P(level | match) and u = P(level | non-match) for
 *    every field and level, and the share p of matches among candidates,
 *    are estimated by expectation-maximisation over the candidate pairs
 *    under conditional independence of the fields (a two-class latent
 *    model).  Fields that are not independent, the parts of an address,
 *    share a group and count as one variable (how many of them agree), so
 *    a person who moved is not outweighed by six disagreements that are
 *    really one.  EM runs on the distinct patterns with their counts, a
 *    few thousand at most, so it costs nothing next to the comparisons.  A
 *    pair's weight is the sum of log2(m/u) over its non-missing fields;
 *    it is accepted when its posterior P(match | pattern) reaches the
 *    threshold (0.5: more likely a match than not).  A missing value
 *    weighs nothing either way.
 *
 * 4. Clusters.  Accepted pairs are joined by union-find in order of
 *    decreasing weight (transitive closure: A=B and B=C give A=C); a union
 *    that would make a cluster larger than max_cluster is refused and
 *    counted, so a chain of weak links cannot swallow a village.  In
 *    linkage, one_to_one first keeps, by decreasing weight, only pairs
 *    whose records are both still free.
 *
 * On FEBRL (bench/dedup) this gives F1 0.999 on each data set, in 0.03 s
 * for 5000 records; a million synthetic records take about 40 s on two
 * cores (opts.threads = 2).
 *
 * Contract: deterministic (same rows in the same order, same options, same
 * result; threads split the comparisons but not the outcome), no global
 * state, everything freed by match_free() and match_result_free(); out of
 * memory aborts (xmalloc).  No libm: logarithms are computed here so the
 * core library needs nothing new to link.  Accepted pairs are proposals
 * for a registrar, who links or dismisses them; nothing is merged here.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define CPMAX		128	/* code points compared per value */
#define VALMAX		1000	/* bytes kept per value */
#define KEYMAX		8	/* keys per part of a pass */
#define PASSKEYMAX	16	/* keys per record in a pass */

struct match_set {
	const struct match_schema *s;
	int		 linkage;
	char		*text;		/* normalized values, NUL-terminated */
	size_t		 textlen, textcap;
	size_t		*base;		/* per record: offset of its values */
	uint16_t	*off;		/* per record and field: from base */
	unsigned char	*source;
	size_t		 n, cap;
};

/* ---------------------------------------------------------------- UTF-8 */

static uint32_t
utf8_get(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t c;
	int n, i;

	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		c = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		c = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		c = p[0] & 0x07;
		n = 3;
	} else {
		*pp = p + 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pp = p + i;
			return 0xfffd;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*pp = p + n + 1;
	return c;
}

static size_t
utf8_put1(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3f));
	o[2] = (char)(0x80 | (c >> 6 & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Code points of s, at most max, without spaces if nospace. */
static size_t
decode(const char *s, uint32_t *out, size_t max, int nospace)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	uint32_t c;

	while (*p && n < max) {
		c = utf8_get(&p);
		if (nospace && c == ' ')
			continue;
		out[n++] = c;
	}
	return n;
}

/* The stored form of a value: case folded (ASCII, Latin-1), white space
 * collapsed and trimmed, zero-width and control characters dropped; for
 * codes, spaces and - . / dropped too. */
static size_t
normalize(const char *in, int type, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = 0;
	int space = 0;
	uint32_t c;

	while (*p && n + 5 < outsz) {
		c = utf8_get(&p);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == 0xa0 || c == 0x3000) {
			space = n > 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == 0xad ||
		    (c >= 0x200b && c <= 0x200d) || c == 0xfeff)
			continue;
		if (type == MATCH_CODE &&
		    (c == '-' || c == '.' || c == '/'))
			continue;
		if ((c >= 'A' && c <= 'Z') ||
		    (c >= 0xc0 && c <= 0xde && c != 0xd7))
			c += 0x20;
		if (space && type != MATCH_CODE)
			out[n++] = ' ';
		space = 0;
		n += utf8_put1(out + n, c);
	}
	out[n] = '\0';
	return n;
}

/* ---------------------------------------------------------- comparators */

static double
jaro_cp(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	unsigned char fa[CPMAX], fb[CPMAX];
	size_t win, i, j, lo, hi, m = 0, t = 0, k = 0;

	if (la == 0 && lb == 0)
		return 1.0;
	if (la == 0 || lb == 0)
		return 0.0;
	win = (la > lb ? la : lb) / 2;
	win = win > 0 ? win - 1 : 0;
	memset(fa, 0, la);
	memset(fb, 0, lb);
	for (i = 0; i < la; i++) {
		lo = i > win ? i - win : 0;
		hi = i + win + 1 < lb ? i + win + 1 : lb;
		for (j = lo; j < hi; j++)
			if (!fb[j] && a[i] == b[j]) {
				fa[i] = fb[j] = 1;
				m++;
				break;
			}
	}
	if (m == 0)
		return 0.0;
	for (i = 0; i < la; i++) {
		if (!fa[i])
			continue;
		while (!fb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	return ((double)m / (double)la + (double)m / (double)lb +
	    ((double)m - (double)t / 2.0) / (double)m) / 3.0;
}

static double
jw_cp(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	double j = jaro_cp(a, la, b, lb);
	size_t l = 0;

	while (l < 4 && l < la && l < lb && a[l] == b[l])
		l++;
	return j + (double)l * 0.1 * (1.0 - j);
}

double
match_jaro_winkler(const char *a, const char *b)
{
	uint32_t A[CPMAX], B[CPMAX];
	size_t la = decode(a, A, CPMAX, 0), lb = decode(b, B, CPMAX, 0);

	return jw_cp(A, la, B, lb);
}

/* A lower bound of the edit distance: an edit changes the counts of code
 * points (hashed into 64 bins) by 2 at most, a swap not at all. */
static int
hist_bound(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	short h[64];
	size_t i;
	int l1 = 0, v;

	memset(h, 0, sizeof h);
	for (i = 0; i < la; i++)
		h[(a[i] * 0x9e3779b1u) >> 26]++;
	for (i = 0; i < lb; i++)
		h[(b[i] * 0x9e3779b1u) >> 26]--;
	for (i = 0; i < 64; i++) {
		v = h[i];
		l1 += v < 0 ? -v : v;
	}
	return (l1 + 1) / 2;
}

/* Optimal string alignment distance: insertions, deletions,
 * substitutions and swaps of adjacent code points; when it exceeds max,
 * some value above max (only cells within max of the diagonal are
 * computed, and a row all above max stops the work). */
static int
osa_max(const uint32_t *a, size_t la, const uint32_t *b, size_t lb, int max)
{
	int r0[CPMAX + 1], r1[CPMAX + 1], r2[CPMAX + 1];
	int *pp = r0, *p = r1, *c = r2, *tmp, v, big = max + 1, rowmin;
	size_t i, j, lo, hi, k;

	if (la == 0 || lb == 0)
		return (int)(la + lb);
	if ((la > lb ? la - lb : lb - la) > (size_t)max)
		return big;
	if (max < (int)(la > lb ? la : lb) && hist_bound(a, la, b, lb) > max)
		return big;
	k = (size_t)max;
	for (j = 0; j <= lb; j++)
		pp[j] = p[j] = c[j] = j <= k ? (int)j : big;
	for (i = 1; i <= la; i++) {
		lo = i > k ? i - k : 1;
		hi = i + k < lb ? i + k : lb;
		c[0] = i <= k ? (int)i : big;
		if (lo > 1)
			c[lo - 1] = big;
		rowmin = c[0];
		for (j = lo; j <= hi; j++) {
			v = p[j - 1] + (a[i - 1] != b[j - 1]);
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			if (v > big)
				v = big;
			c[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (hi < lb)
			c[hi + 1] = big;
		if (rowmin > max)
			return big;
		tmp = pp;
		pp = p;
		p = c;
		c = tmp;
	}
	return p[lb];
}

static int
osa_cp(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	return osa_max(a, la, b, lb, (int)(la > lb ? la : lb));
}

int
match_edit_distance(const char *a, const char *b)
{
	uint32_t A[CPMAX], B[CPMAX];
	size_t la = decode(a, A, CPMAX, 0), lb = decode(b, B, CPMAX, 0);

	return osa_cp(A, la, B, lb);
}

/* The tokens of a value sorted and joined without spaces; 0 if it has
 * one token only.  Tokens are sorted by first code point then length,
 * enough to undo a swap of two or three words. */
struct tok {
	const uint32_t	*p;
	size_t		 n;
};

static int
tok_cmp(const void *x, const void *y)
{
	const struct tok *a = x, *b = y;
	size_t i;

	for (i = 0; i < a->n && i < b->n; i++)
		if (a->p[i] != b->p[i])
			return a->p[i] < b->p[i] ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

static size_t
sorted_tokens(const uint32_t *in, size_t n, uint32_t *out)
{
	struct tok t[16];
	size_t nt = 0, i, o = 0, start = 0;

	for (i = 0; i <= n; i++)
		if (i == n || in[i] == ' ') {
			if (i > start && nt < 16) {
				t[nt].p = in + start;
				t[nt].n = i - start;
				nt++;
			}
			start = i + 1;
		}
	if (nt < 2)
		return 0;
	qsort(t, nt, sizeof t[0], tok_cmp);
	for (i = 0; i < nt; i++) {
		memcpy(out + o, t[i].p, t[i].n * sizeof *out);
		o += t[i].n;
	}
	return o;
}

static size_t
strip_spaces(const uint32_t *in, size_t n, uint32_t *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (in[i] != ' ')
			out[o++] = in[i];
	return o;
}

#define NAME_CLOSE	0.92
#define NAME_FAR	0.80
#define TEXT_CLOSE	0.80
#define TEXT_FAR	0.55

static int
name_level(const char *a, const char *b)
{
	uint32_t A[CPMAX], B[CPMAX], A2[CPMAX], B2[CPMAX];
	size_t la, lb, la2, lb2;
	double s, s2;

	la = decode(a, A, CPMAX, 0);
	lb = decode(b, B, CPMAX, 0);
	la2 = strip_spaces(A, la, A2);
	lb2 = strip_spaces(B, lb, B2);
	if (la2 == lb2 && memcmp(A2, B2, la2 * sizeof *A2) == 0)
		return 0;
	s = jw_cp(A2, la2, B2, lb2);
	if (s < NAME_CLOSE && la2 != la && lb2 != lb) {
		la2 = sorted_tokens(A, la, A2);
		lb2 = sorted_tokens(B, lb, B2);
		if (la2 == lb2 && memcmp(A2, B2, la2 * sizeof *A2) == 0)
			return 1;
		s2 = jw_cp(A2, la2, B2, lb2);
		if (s2 > s)
			s = s2;
	}
	return s >= NAME_CLOSE ? 1 : s >= NAME_FAR ? 2 : 3;
}

static int
text_level(const char *a, const char *b)
{
	uint32_t A[CPMAX], B[CPMAX];
	size_t la = decode(a, A, CPMAX, 1), lb = decode(b, B, CPMAX, 1);
	size_t mx = la > lb ? la : lb;
	double s;

	if (la == lb && memcmp(A, B, la * sizeof *A) == 0)
		return 0;
	/* only distances up to the far threshold matter */
	s = 1.0 - (double)osa_max(A, la, B, lb,
	    (int)((1.0 - TEXT_FAR) * (double)mx)) / (double)mx;
	return s >= TEXT_CLOSE ? 1 : s >= TEXT_FAR ? 2 : 3;
}

static int
code_level(const char *a, const char *b)
{
	uint32_t A[CPMAX], B[CPMAX];
	size_t la = decode(a, A, CPMAX, 1), lb = decode(b, B, CPMAX, 1);
	int d;

	if (la == lb && memcmp(A, B, la * sizeof *A) == 0)
		return 0;
	d = osa_max(A, la, B, lb, 2);
	if (d == 1)
		return 1;
	if (d == 2 && la >= 4 && lb >= 4)
		return 2;
	return 3;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static long
civil_days(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
date_ok(int y, int m, int d)
{
	static const int mdays[12] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return y > 0 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] &&
	    (m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

static size_t
digits(const char *s, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (; *s && n < max; s++)
		if (*s >= '0' && *s <= '9')
			out[n++] = (uint32_t)(*s - '0');
	return n;
}

static int
num(const uint32_t *d, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++)
		v = v * 10 + (int)d[i];
	return v;
}

static int
date_level(const char *a, const char *b, int days)
{
	uint32_t A[16], B[16];
	size_t la = digits(a, A, 16), lb = digits(b, B, 16);
	int ya, ma, da, yb, mb, db, d, same;
	long diff;

	if (la == 0 || lb == 0)
		return MATCH_MISSING;
	if (la == lb && memcmp(A, B, la * sizeof *A) == 0)
		return 0;
	d = osa_max(A, la, B, lb, 2);
	if (la != 8 || lb != 8)
		return d == 1 ? 1 : 3;
	if (d == 1)
		return 1;
	ya = num(A, 4), ma = num(A + 4, 2), da = num(A + 6, 2);
	yb = num(B, 4), mb = num(B + 4, 2), db = num(B + 6, 2);
	if (ya == yb && ma == db && da == mb)
		return 1;
	if (date_ok(ya, ma, da) && date_ok(yb, mb, db)) {
		diff = civil_days(ya, ma, da) - civil_days(yb, mb, db);
		if (diff <= days && diff >= -days)
			return 1;
	}
	same = (ya == yb) + (ma == mb) + (da == db);
	if (same >= 2 || d == 2)
		return 2;
	return 3;
}

int
match_nlevels(enum match_type t)
{
	switch (t) {
	case MATCH_CAT:
		return 2;
	default:
		return 4;
	}
}

/* The level of two normalized values. */
static int
level_of(enum match_type t, const char *a, const char *b, int date_days)
{
	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return MATCH_MISSING;
	if (strcmp(a, b) == 0)
		return 0;
	switch (t) {
	case MATCH_NAME:
		return name_level(a, b);
	case MATCH_TEXT:
		return text_level(a, b);
	case MATCH_DATE:
		return date_level(a, b, date_days);
	case MATCH_CODE:
		return code_level(a, b);
	case MATCH_CAT:
	default:
		return strcmp(a, b) == 0 ? 0 : 1;
	}
}

int
match_level(enum match_type t, const char *a, const char *b, int date_days)
{
	char na[VALMAX + 8], nb[VALMAX + 8];

	if (a == NULL || b == NULL)
		return MATCH_MISSING;
	normalize(a, (int)t, na, sizeof na);
	normalize(b, (int)t, nb, sizeof nb);
	return level_of(t, na, nb, date_days);
}

/* ------------------------------------------------------------ sound keys */

/* Latin letters by sound class (Soundex groups, h w y as vowels). */
static char
sound_class(uint32_t c)
{
	static const char cls[26] = {
		/* a */ '0', '1', '2', '3', '0', '1', '2', '0', '0', '2',
		/* k */ '2', '4', '5', '5', '0', '1', '2', '6', '2', '3',
		/* u */ '0', '1', '0', '2', '0', '2'
	};

	if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7))
		c += 0x20;
	if (c >= 0xe0 && c <= 0xff) {		/* Latin-1: base letter */
		static const char base[32] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
		c = (uint32_t)base[c - 0xe0];
	}
	if (c >= 'a' && c <= 'z')
		return cls[c - 'a'];
	return 0;
}

void
match_phonetic(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, ncodes = 0;
	char prev = 0, k;
	uint32_t c;

	if (outsz == 0)
		return;
	while (*p && n + 5 < outsz && ncodes < 6) {
		c = utf8_get(&p);
		if (c == ' ' || c == '-' || c == '\'' || c == '.')
			continue;
		if (c >= 0x1780 && c <= 0x17ff) {
			/* Khmer: consonants and independent vowels make the
			 * skeleton; vowel signs, marks and COENG do not. */
			if (c <= 0x17b3) {
				n += utf8_put1(out + n, c);
				ncodes++;
			}
			prev = 0;
			continue;
		}
		k = sound_class(c);
		if (k == 0) {			/* other scripts: as is */
			n += utf8_put1(out + n, c);
			ncodes++;
			prev = 0;
			continue;
		}
		if (ncodes == 0) {
			/* the first sound: its class, vowels as one */
			out[n++] = k == '0' ? 'a' : k;
			ncodes++;
		} else if (k != '0' && k != prev) {
			out[n++] = k;
			ncodes++;
		}
		if (c != 'h' && c != 'w')
			prev = k;
	}
	out[n] = '\0';
}

/* --------------------------------------------------------------- records */

void
match_opts_default(struct match_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_block = 200;
	o->date_days = 5;
	o->threshold = 0.5;
	o->closure = 1;
	o->max_cluster = 50;
	o->one_to_one = 0;
	o->em_max_iter = 500;
	o->threads = 1;
}

struct match_set *
match_new(const struct match_schema *s, int linkage)
{
	struct match_set *m = xcalloc(1, sizeof *m);

	m->s = s;
	m->linkage = linkage;
	return m;
}

void
match_free(struct match_set *m)
{
	if (m == NULL)
		return;
	free(m->text);
	free(m->base);
	free(m->off);
	free(m->source);
	free(m);
}

size_t
match_count(const struct match_set *m)
{
	return m->n;
}

uint32_t
match_add(struct match_set *m, int source, const char *const *values)
{
	size_t nf = m->s->nfields, f, start, len;
	char tmp[VALMAX + 8];

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->base = xrealloc(m->base, m->cap * sizeof *m->base);
		m->off = xrealloc(m->off, m->cap * nf * sizeof *m->off);
		m->source = xrealloc(m->source, m->cap);
	}
	start = m->textlen;
	m->base[m->n] = start;
	m->source[m->n] = source != 0;
	for (f = 0; f < nf; f++) {
		len = values[f] != NULL ?
		    normalize(values[f], (int)m->s->fields[f].type, tmp,
		    sizeof tmp) : 0;
		if (values[f] == NULL)
			tmp[0] = '\0';
		if (m->textlen + len + 1 > m->textcap) {
			while (m->textlen + len + 1 > m->textcap)
				m->textcap = m->textcap ? m->textcap * 2 :
				    65536;
			m->text = xrealloc(m->text, m->textcap);
		}
		m->off[m->n * nf + f] = (uint16_t)(m->textlen - start);
		memcpy(m->text + m->textlen, tmp, len + 1);
		m->textlen += len + 1;
	}
	return (uint32_t)m->n++;
}

static const char *
val(const struct match_set *m, size_t r, int f)
{
	return m->text + m->base[r] + m->off[r * m->s->nfields + (size_t)f];
}

static int
level_cost(int l, int nl)
{
	return l == MATCH_MISSING ? nl : l;
}

void
match_compare(const struct match_set *m, const struct match_opts *o,
    uint32_t a, uint32_t b, int *lv)
{
	const struct match_field *fd = m->s->fields;
	size_t nf = m->s->nfields;
	int f, p, nl, cf, cp, straight, cross, days;

	days = o != NULL ? o->date_days : 5;
	for (f = 0; f < (int)nf; f++)
		lv[f] = level_of(fd[f].type, val(m, a, f), val(m, b, f), days);
	for (f = 0; f < (int)nf; f++) {
		p = fd[f].partner;
		if (p <= f || p >= (int)nf || fd[p].type != fd[f].type)
			continue;
		nl = match_nlevels(fd[f].type);
		straight = level_cost(lv[f], nl) + level_cost(lv[p], nl);
		if (straight <= 1)	/* a swap cannot do better */
			continue;
		cf = level_of(fd[f].type, val(m, a, f), val(m, b, p), days);
		cp = level_of(fd[f].type, val(m, a, p), val(m, b, f), days);
		cross = level_cost(cf, nl) + level_cost(cp, nl);
		if (cross < straight) {
			lv[f] = cf;
			lv[p] = cp;
		}
	}
}

/* -------------------------------------------------------------- sorting */

struct kent {
	uint64_t	h;
	uint32_t	r;
};

/* Stable LSD radix sort by h; tmp as big as a. */
static void
radix_kent(struct kent *a, struct kent *tmp, size_t n)
{
	size_t cnt[256], i, b, sum, c;
	struct kent *src = a, *dst = tmp, *sw;
	unsigned shift;

	for (b = 0; b < 8; b++) {
		shift = (unsigned)(b * 8);
		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < n; i++)
			cnt[src[i].h >> shift & 0xff]++;
		if (n == 0 || cnt[src[0].h >> shift & 0xff] == n)
			continue;
		for (sum = 0, i = 0; i < 256; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[src[i].h >> shift & 0xff]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

static void
radix_u64(uint64_t *a, uint64_t *tmp, size_t n)
{
	size_t cnt[256], i, b, sum, c;
	uint64_t *src = a, *dst = tmp, *sw;
	unsigned shift;

	for (b = 0; b < 8; b++) {
		shift = (unsigned)(b * 8);
		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < n; i++)
			cnt[src[i] >> shift & 0xff]++;
		if (n == 0 || cnt[src[0] >> shift & 0xff] == n)
			continue;
		for (sum = 0, i = 0; i < 256; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[src[i] >> shift & 0xff]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

/* ------------------------------------------------------------- blocking */

static uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#define FNV0	0xcbf29ce484222325ULL

/* Keys of one part of a pass for record r; returns how many (0: none). */
static size_t
part_keys(const struct match_set *m, size_t r, const struct match_part *pt,
    uint64_t *keys)
{
	const struct match_field *fd = &m->s->fields[pt->field];
	const char *v = val(m, r, pt->field), *w;
	uint32_t cp[CPMAX];
	char s1[64], s2[64];
	const char *tv[2];
	size_t n, i, j, k, nk = 0, nv;
	char *q;
	int c;

	if (*v == '\0')
		return 0;
	switch (pt->kind) {
	case MATCH_KEY_EXACT:
	case MATCH_KEY_PREFIX:
	case MATCH_KEY_SUFFIX:
		if (fd->type == MATCH_DATE)
			n = digits(v, cp, CPMAX);
		else
			n = decode(v, cp, CPMAX, 1);
		if (n == 0)
			return 0;
		i = 0;
		if (pt->kind == MATCH_KEY_PREFIX && (size_t)pt->arg < n)
			n = (size_t)pt->arg;
		if (pt->kind == MATCH_KEY_SUFFIX && (size_t)pt->arg < n)
			i = n - (size_t)pt->arg;
		keys[0] = hash_bytes(FNV0, cp + i, (n - i) * sizeof *cp);
		return 1;
	case MATCH_KEY_YEAR:
		n = digits(v, cp, CPMAX);
		if (n < 4)
			return 0;
		keys[0] = hash_bytes(FNV0, cp, 4 * sizeof *cp);
		return 1;
	case MATCH_KEY_PHONETIC:
		match_phonetic(v, s1, sizeof s1);
		if (*s1 == '\0')
			return 0;
		keys[0] = hash_bytes(FNV0, s1, strlen(s1));
		return 1;
	case MATCH_KEY_PAIR:
		match_phonetic(v, s1, sizeof s1);
		s2[0] = '\0';
		if (fd->partner >= 0)
			match_phonetic(val(m, r, fd->partner), s2, sizeof s2);
		if (*s1 == '\0')
			return 0;
		c = strcmp(s1, s2);
		keys[0] = hash_bytes(FNV0, c < 0 ? s1 : s2,
		    strlen(c < 0 ? s1 : s2) + 1);
		keys[0] = hash_bytes(keys[0], c < 0 ? s2 : s1,
		    strlen(c < 0 ? s2 : s1));
		return 1;
	case MATCH_KEY_TOKENS:
		tv[0] = v;
		tv[1] = fd->partner >= 0 ? val(m, r, fd->partner) : "";
		for (j = 0; j < 2; j++) {
			w = tv[j];
			n = decode(w, cp, CPMAX, 0);
			for (i = 0; i < n && nk < KEYMAX; i = k + 1) {
				for (k = i; k < n && cp[k] != ' '; k++)
					;
				if (k == i)
					continue;
				q = s1;
				for (nv = i; nv < k &&
				    q + 5 < s1 + sizeof s1; nv++)
					q += utf8_put1(q, cp[nv]);
				*q = '\0';
				match_phonetic(s1, s2, sizeof s2);
				if (*s2 == '\0')
					continue;
				keys[nk] = hash_bytes(FNV0, s2, strlen(s2));
				for (nv = 0; nv < nk; nv++)
					if (keys[nv] == keys[nk])
						break;
				if (nv == nk)
					nk++;
			}
		}
		return nk;
	}
	return 0;
}

struct pairs {
	uint64_t	*p;
	size_t		 n, cap;
};

static void
pairs_add(struct pairs *ps, uint32_t a, uint32_t b)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 4096;
		ps->p = xrealloc(ps->p, ps->cap * sizeof *ps->p);
	}
	ps->p[ps->n++] = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

/* One pass: keys of every record, sorted, each block paired. */
static void
block_pass(const struct match_set *m, const struct match_pass *ps,
    size_t pass_no, const struct match_opts *o, struct pairs *out,
    size_t *skipped)
{
	struct kent *k = NULL, *tmp;
	size_t nk = 0, cap = 0, r, i, j, x, y, np, nn, c, t, bs;
	uint64_t pk[MATCH_MAX_PARTS][KEYMAX], acc[PASSKEYMAX], nacc[PASSKEYMAX];
	size_t cnt[MATCH_MAX_PARTS];
	int p;

	for (r = 0; r < m->n; r++) {
		for (p = 0; p < ps->nparts; p++) {
			cnt[p] = part_keys(m, r, &ps->part[p], pk[p]);
			if (cnt[p] == 0)
				break;
		}
		if (p < ps->nparts)
			continue;
		acc[0] = mix64(pass_no + 1);
		np = 1;
		for (p = 0; p < ps->nparts; p++) {
			nn = 0;
			for (i = 0; i < np; i++)
				for (j = 0; j < cnt[p] && nn < PASSKEYMAX; j++)
					nacc[nn++] = mix64(acc[i] ^
					    mix64(pk[p][j] + (uint64_t)p));
			memcpy(acc, nacc, nn * sizeof *acc);
			np = nn;
		}
		if (nk + np > cap) {
			cap = cap ? cap * 2 : 4096;
			while (nk + np > cap)
				cap *= 2;
			k = xrealloc(k, cap * sizeof *k);
		}
		for (i = 0; i < np; i++) {
			k[nk].h = acc[i];
			k[nk].r = (uint32_t)r;
			nk++;
		}
	}
	tmp = xmalloc((nk ? nk : 1) * sizeof *tmp);
	radix_kent(k, tmp, nk);
	free(tmp);
	for (i = 0; i < nk; i = j) {
		/* the block [i, j); records in order, a record's repeated
		 * keys (two tokens with one sound) made unique */
		for (j = i + 1; j < nk && k[j].h == k[i].h; j++)
			;
		for (bs = 1, x = i + 1; x < j; x++)
			if (k[x].r != k[x - 1].r)
				bs++;
		if (bs < 2)
			continue;
		if (bs > o->max_block) {
			(*skipped)++;
			continue;
		}
		for (x = i; x < j; x++) {
			if (x > i && k[x].r == k[x - 1].r)
				continue;
			for (y = x + 1; y < j; y++) {
				if (k[y].r == k[y - 1].r)
					continue;
				c = k[x].r;
				t = k[y].r;
				if (m->linkage && m->source[c] == m->source[t])
					continue;
				pairs_add(out, (uint32_t)c, (uint32_t)t);
			}
		}
	}
	free(k);
}

/* ------------------------------------------------------------ comparing */

struct cmp_job {
	const struct match_set	*m;
	const struct match_opts	*o;
	const uint64_t		*pairs;
	uint64_t		*pat;
	size_t			 lo, hi;
};

/* The first field of f's group, or f. */
static size_t
group_head(const struct match_schema *s, size_t f)
{
	size_t g;

	if (s->fields[f].group <= 0)
		return f;
	for (g = 0; g < f; g++)
		if (s->fields[g].group == s->fields[f].group)
			return g;
	return f;
}

/* The agreement pattern of a pair, 4 bits a field.  A group's fields
 * make one level at its first field: 0 all present values exact, 1 three
 * quarters or more exact or close, 2 half or more, 3 fewer; the group's
 * other fields are left out (MATCH_MISSING). */
static uint64_t
pattern(const struct match_schema *s, const int *lv)
{
	size_t f, g, nf = s->nfields;
	int n, ex, cl, l;
	uint64_t pt = 0;

	for (f = 0; f < nf; f++) {
		l = lv[f];
		if (s->fields[f].group > 0) {
			if (group_head(s, f) != f) {
				l = MATCH_MISSING;
			} else {
				n = ex = cl = 0;
				for (g = f; g < nf; g++) {
					if (s->fields[g].group !=
					    s->fields[f].group ||
					    lv[g] == MATCH_MISSING)
						continue;
					n++;
					ex += lv[g] == 0;
					cl += lv[g] <= 1;
				}
				l = n == 0 ? MATCH_MISSING : ex == n ? 0 :
				    cl * 4 >= n * 3 ? 1 : cl * 2 >= n ? 2 : 3;
			}
		}
		pt |= (uint64_t)l << (4 * f);
	}
	return pt;
}

static void *
cmp_run(void *arg)
{
	struct cmp_job *j = arg;
	int lv[MATCH_MAX_FIELDS];
	size_t i;

	for (i = j->lo; i < j->hi; i++) {
		match_compare(j->m, j->o, (uint32_t)(j->pairs[i] >> 32),
		    (uint32_t)j->pairs[i], lv);
		j->pat[i] = pattern(j->m->s, lv);
	}
	return NULL;
}

static void
compare_all(const struct match_set *m, const struct match_opts *o,
    const uint64_t *pairs, size_t n, uint64_t *pat)
{
	struct cmp_job job[16];
	pthread_t th[16];
	int nt = o->threads < 1 ? 1 : o->threads > 16 ? 16 : o->threads, i;
	int started[16];

	if (n < 10000)
		nt = 1;
	for (i = 0; i < nt; i++) {
		job[i].m = m;
		job[i].o = o;
		job[i].pairs = pairs;
		job[i].pat = pat;
		job[i].lo = n * (size_t)i / (size_t)nt;
		job[i].hi = n * (size_t)(i + 1) / (size_t)nt;
	}
	for (i = 1; i < nt; i++)
		started[i] = pthread_create(&th[i], NULL, cmp_run,
		    &job[i]) == 0;
	cmp_run(&job[0]);
	for (i = 1; i < nt; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			cmp_run(&job[i]);
	}
}

/* ------------------------------------------------------------------- EM */

/* log2 without libm: x = 2^e * f, f in [1, 2), ln f by the atanh series. */
static double
lg2(double x)
{
	double s, s2, t, sum;
	int e = 0, k;

	if (!(x > 0))
		return -1e300;
	while (x >= 2.0) {
		x /= 2.0;
		e++;
	}
	while (x < 1.0) {
		x *= 2.0;
		e--;
	}
	if (x > 1.4142135623730951) {
		x /= 2.0;
		e++;
	}
	s = (x - 1.0) / (x + 1.0);
	s2 = s * s;
	t = s;
	sum = 0;
	for (k = 1; k < 40; k += 2) {
		sum += t / k;
		t *= s2;
	}
	return (double)e + 2.0 * sum / 0.6931471805599453;
}

struct upat {
	uint64_t	pat;
	double		n;
	double		g;	/* posterior */
	double		w;	/* weight */
};

/* The distinct patterns of pat[0..n) with their counts, in order of
 * first appearance (an open-addressing table, a few thousand entries
 * whatever n); each pat[i] is replaced by its pattern's number. */
static struct upat *
distinct_patterns(uint64_t *pat, size_t n, size_t *nup)
{
	struct upat *up = NULL;
	uint32_t *tab, *nt;
	size_t cap = 1024, nu = 0, ucap = 0, i, h, k;

	tab = xmalloc(cap * sizeof *tab);
	memset(tab, 0xff, cap * sizeof *tab);
	for (i = 0; i < n; i++) {
		for (h = mix64(pat[i]) & (cap - 1);
		    tab[h] != UINT32_MAX && up[tab[h]].pat != pat[i];
		    h = (h + 1) & (cap - 1))
			;
		if (tab[h] == UINT32_MAX) {
			if (nu == ucap) {
				ucap = ucap ? ucap * 2 : 256;
				up = xrealloc(up, ucap * sizeof *up);
			}
			up[nu].pat = pat[i];
			up[nu].n = 0;
			tab[h] = (uint32_t)nu++;
			if (nu * 2 > cap) {	/* grow, rehash */
				cap *= 2;
				nt = xmalloc(cap * sizeof *nt);
				memset(nt, 0xff, cap * sizeof *nt);
				for (k = 0; k < nu; k++) {
					for (h = mix64(up[k].pat) & (cap - 1);
					    nt[h] != UINT32_MAX;
					    h = (h + 1) & (cap - 1))
						;
					nt[h] = (uint32_t)k;
				}
				free(tab);
				tab = nt;
				for (h = mix64(pat[i]) & (cap - 1);
				    up[tab[h]].pat != pat[i];
				    h = (h + 1) & (cap - 1))
					;
			}
		}
		up[tab[h]].n += 1;
		pat[i] = tab[h];
	}
	free(tab);
	if (up == NULL)
		up = xmalloc(sizeof *up);
	*nup = nu;
	return up;
}

static int
lv_of(uint64_t pat, size_t f)
{
	return (int)(pat >> (4 * f) & 0xf);
}

static void
em(const struct match_schema *s, struct upat *up, size_t np,
    const struct match_opts *o, struct match_result *res)
{
	double sm[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS];
	double su[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS];
	double tot = 0, sg, pm, pu, g, delta, x, eps, nm, nu, t;
	size_t f, i, nf = s->nfields;
	int l, nl, it, lv;

	for (i = 0; i < np; i++)
		tot += up[i].n;
	eps = 1e-3;
	for (f = 0; f < nf; f++) {
		nl = match_nlevels(s->fields[f].type);
		if (s->fields[f].group > 0)
			nl = group_head(s, f) == f ? 4 : 0;
		res->nlevels[f] = nl;
		for (nm = nu = 0, l = 0; l < nl; l++) {
			res->m[f][l] = 1.0 / (double)(1 << (3 * l));
			res->u[f][l] = (double)(1 << l);
			nm += res->m[f][l];
			nu += res->u[f][l];
		}
		for (l = 0; l < nl; l++) {
			res->m[f][l] /= nm;
			res->u[f][l] /= nu;
		}
	}
	res->p = 0.1;
	res->converged = 0;
	for (it = 0; it < o->em_max_iter; it++) {
		memset(sm, 0, sizeof sm);
		memset(su, 0, sizeof su);
		sg = 0;
		for (i = 0; i < np; i++) {
			pm = res->p;
			pu = 1.0 - res->p;
			for (f = 0; f < nf; f++) {
				lv = lv_of(up[i].pat, f);
				if (lv == MATCH_MISSING)
					continue;
				pm *= res->m[f][lv];
				pu *= res->u[f][lv];
			}
			g = pm + pu > 0 ? pm / (pm + pu) : 0;
			up[i].g = g;
			sg += up[i].n * g;
			for (f = 0; f < nf; f++) {
				lv = lv_of(up[i].pat, f);
				if (lv == MATCH_MISSING)
					continue;
				sm[f][lv] += up[i].n * g;
				su[f][lv] += up[i].n * (1.0 - g);
			}
		}
		delta = 0;
		for (f = 0; f < nf; f++) {
			nl = res->nlevels[f];
			for (nm = nu = 0, l = 0; l < nl; l++) {
				nm += sm[f][l] + eps;
				nu += su[f][l] + eps;
			}
			for (l = 0; l < nl; l++) {
				x = (sm[f][l] + eps) / nm;
				t = x - res->m[f][l];
				if (t < 0)
					t = -t;
				if (t > delta)
					delta = t;
				res->m[f][l] = x;
				x = (su[f][l] + eps) / nu;
				t = x - res->u[f][l];
				if (t < 0)
					t = -t;
				if (t > delta)
					delta = t;
				res->u[f][l] = x;
			}
		}
		x = tot > 0 ? sg / tot : 0.5;
		if (x < 1e-9)
			x = 1e-9;
		if (x > 1 - 1e-9)
			x = 1 - 1e-9;
		t = x - res->p;
		if (t < 0)
			t = -t;
		if (t > delta)
			delta = t;
		res->p = x;
		if (delta < 1e-7) {
			res->converged = 1;
			it++;
			break;
		}
	}
	res->iterations = it;
	/* Final posteriors and weights under the estimated parameters. */
	for (i = 0; i < np; i++) {
		pm = res->p;
		pu = 1.0 - res->p;
		up[i].w = 0;
		for (f = 0; f < nf; f++) {
			lv = lv_of(up[i].pat, f);
			if (lv == MATCH_MISSING)
				continue;
			pm *= res->m[f][lv];
			pu *= res->u[f][lv];
			up[i].w += lg2(res->m[f][lv] / res->u[f][lv]);
		}
		up[i].g = pm + pu > 0 ? pm / (pm + pu) : 0;
	}
}

/* ------------------------------------------------------------- clusters */

static uint32_t
uf_find(uint32_t *par, uint32_t x)
{
	uint32_t r = x, n;

	while (par[r] != r)
		r = par[r];
	while (par[x] != r) {
		n = par[x];
		par[x] = r;
		x = n;
	}
	return r;
}

struct acc {
	size_t	idx;		/* into the result's pairs */
	double	w;
};

static int
acc_cmp(const void *x, const void *y)
{
	const struct acc *a = x, *b = y;

	if (a->w != b->w)
		return a->w > b->w ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* ------------------------------------------------------------------ run */

static int
schema_ok(const struct match_schema *s)
{
	size_t f, i;
	int p, j;

	if (s->nfields == 0 || s->nfields > MATCH_MAX_FIELDS ||
	    s->npasses == 0)
		return 0;
	for (f = 0; f < s->nfields; f++) {
		p = s->fields[f].partner;
		if (p >= 0 && (p >= (int)s->nfields || p == (int)f ||
		    s->fields[p].partner != (int)f ||
		    s->fields[p].type != s->fields[f].type))
			return 0;
		if ((int)s->fields[f].type < MATCH_NAME ||
		    s->fields[f].type > MATCH_CAT)
			return 0;
	}
	for (i = 0; i < s->npasses; i++) {
		if (s->passes[i].nparts < 1 ||
		    s->passes[i].nparts > MATCH_MAX_PARTS)
			return 0;
		for (j = 0; j < s->passes[i].nparts; j++)
			if (s->passes[i].part[j].field < 0 ||
			    s->passes[i].part[j].field >= (int)s->nfields ||
			    s->passes[i].part[j].kind < MATCH_KEY_EXACT ||
			    s->passes[i].part[j].kind > MATCH_KEY_YEAR)
				return 0;
	}
	return 1;
}

/* The candidate pairs of every pass, sorted and unique. */
static uint64_t *
block_all(const struct match_set *m, const struct match_opts *o,
    struct match_result *res, size_t *np)
{
	struct pairs ps = { NULL, 0, 0 };
	uint64_t *tmp;
	size_t i, n;

	for (i = 0; i < m->s->npasses; i++)
		block_pass(m, &m->s->passes[i], i, o, &ps,
		    &res->blocks_skipped);
	tmp = xmalloc((ps.n ? ps.n : 1) * sizeof *tmp);
	radix_u64(ps.p, tmp, ps.n);
	free(tmp);
	for (n = 0, i = 0; i < ps.n; i++)
		if (n == 0 || ps.p[i] != ps.p[n - 1])
			ps.p[n++] = ps.p[i];
	if (ps.p == NULL)
		ps.p = xmalloc(sizeof *ps.p);
	*np = n;
	return ps.p;
}

/* The accepted pairs' numbers in res->pairs by decreasing weight. */
static struct acc *
by_weight(const struct match_result *res)
{
	struct acc *ac = xmalloc((res->npairs ? res->npairs : 1) * sizeof *ac);
	size_t i;

	for (i = 0; i < res->npairs; i++) {
		ac[i].idx = i;
		ac[i].w = res->pairs[i].weight;
	}
	qsort(ac, res->npairs, sizeof *ac, acc_cmp);
	return ac;
}

/* Linkage one to one: by decreasing weight, a pair is kept if neither of
 * its records is in a pair kept before. */
static void
one_to_one(const struct match_set *m, struct match_result *res)
{
	struct acc *ac = by_weight(res);
	unsigned char *used = xcalloc(m->n ? m->n : 1, 1), *keep;
	size_t i, j;
	uint32_t a, b;

	keep = xcalloc(res->npairs ? res->npairs : 1, 1);
	for (i = 0; i < res->npairs; i++) {
		a = res->pairs[ac[i].idx].a;
		b = res->pairs[ac[i].idx].b;
		if (used[a] || used[b])
			continue;
		used[a] = used[b] = 1;
		keep[ac[i].idx] = 1;
	}
	for (j = 0, i = 0; i < res->npairs; i++)
		if (keep[i])
			res->pairs[j++] = res->pairs[i];
	res->npairs = j;
	free(keep);
	free(used);
	free(ac);
}

/* Union-find of the accepted pairs by decreasing weight, no cluster
 * above max_cluster; res->cluster[r] is the smallest record of r's. */
static void
clusters(const struct match_set *m, const struct match_opts *o,
    struct match_result *res)
{
	struct acc *ac = by_weight(res);
	size_t n = m->n ? m->n : 1, i;
	uint32_t *par = xmalloc(n * sizeof *par), *sz = xmalloc(n * sizeof *sz);
	uint32_t ra, rb, *mn;

	for (i = 0; i < m->n; i++) {
		par[i] = (uint32_t)i;
		sz[i] = 1;
	}
	for (i = 0; i < res->npairs; i++) {
		ra = uf_find(par, res->pairs[ac[i].idx].a);
		rb = uf_find(par, res->pairs[ac[i].idx].b);
		if (ra == rb)
			continue;
		if ((size_t)sz[ra] + sz[rb] > o->max_cluster) {
			res->clusters_refused++;
			continue;
		}
		if (sz[ra] < sz[rb]) {
			par[ra] = rb;
			sz[rb] += sz[ra];
		} else {
			par[rb] = ra;
			sz[ra] += sz[rb];
		}
	}
	mn = sz;			/* sizes no longer needed */
	for (i = 0; i < m->n; i++)
		mn[i] = UINT32_MAX;
	res->cluster = xmalloc(n * sizeof *res->cluster);
	for (i = 0; i < m->n; i++) {
		ra = uf_find(par, (uint32_t)i);
		if (mn[ra] == UINT32_MAX)
			mn[ra] = (uint32_t)i;	/* met first: smallest */
		res->cluster[i] = mn[ra];
	}
	free(par);
	free(sz);
	free(ac);
}

int
match_run(struct match_set *m, const struct match_opts *opts,
    struct match_result *res)
{
	struct match_opts o;
	struct match_pair *pp;
	struct upat *up;
	uint64_t *pairs, *pat;
	size_t i, n, nu, cap = 0;

	memset(res, 0, sizeof *res);
	if (opts != NULL)
		o = *opts;
	else
		match_opts_default(&o);
	if (o.max_block < 2)
		o.max_block = 2;
	if (o.max_cluster < 2)
		o.max_cluster = 2;
	res->nrecords = m->n;
	if (!schema_ok(m->s))
		return -1;

	/* 1. blocking */
	pairs = block_all(m, &o, res, &n);
	res->candidates = n;

	/* 2. comparison */
	pat = xmalloc((n ? n : 1) * sizeof *pat);
	compare_all(m, &o, pairs, n, pat);

	/* 3. EM over the distinct patterns; pat[i] becomes the number of
	 * pair i's pattern in up[] */
	up = distinct_patterns(pat, n, &nu);
	res->patterns = nu;
	em(m->s, up, nu, &o, res);

	/* 4. the pairs accepted, in pair order */
	for (i = 0; i < n; i++) {
		if (up[pat[i]].g < o.threshold)
			continue;
		if (res->npairs == cap) {
			cap = cap ? cap * 2 : 1024;
			res->pairs = xrealloc(res->pairs,
			    cap * sizeof *res->pairs);
		}
		pp = &res->pairs[res->npairs++];
		pp->a = (uint32_t)(pairs[i] >> 32);
		pp->b = (uint32_t)pairs[i];
		pp->weight = up[pat[i]].w;
		pp->posterior = up[pat[i]].g;
	}
	free(pat);
	free(up);
	free(pairs);

	/* 5. one to one, clusters */
	if (m->linkage && o.one_to_one)
		one_to_one(m, res);
	if (o.closure)
		clusters(m, &o, res);
	return 0;
}

void
match_result_free(struct match_result *r)
{
	if (r == NULL)
		return;
	free(r->pairs);
	free(r->cluster);
	r->pairs = NULL;
	r->cluster = NULL;
	r->npairs = 0;
}
