/*
 * name.c -- person names for search and de-duplication.
 *
 * The same person is written many ways.  In Khmer script the marks of a
 * syllable can be typed in any order and look the same on paper (a vowel
 * before a subscript consonant, a register shifter after the vowel),
 * invisible zero-width spaces and joiners sit between letters, and
 * clerks mix up long and short vowels and the two n and l letters.  In
 * Latin letters there is no single transliteration: Sok and Sokh, Chea
 * and Chia, Sophanna and Sophana, Vanna and Wanna.  Search and
 * de-duplication must see through both, so this file gives two views
 * of a name:
 *
 *   name_fold  the name in its own script, with every difference that
 *              carries no meaning removed: Khmer marks in one order,
 *              zero-width characters gone, the common variant letters
 *              folded (doc/search.md lists them); Latin in lower case
 *              without diacritics and with the common transliteration
 *              variants folded.  Two spellings of one name fold alike;
 *              what is left is compared by similarity (match.c).
 *   name_key   a phonetic key per token in an alphabet of consonant
 *              classes shared by both scripts (K for k/kh/g and ក ខ គ
 *              ឃ, T for d/t/th and ដ ត ទ ធ ...), vowels dropped: សុខ,
 *              Sok and Sokh all give SK, so a key finds a name across
 *              spellings and across scripts.  Keys are for finding
 *              candidates, never for deciding: many names share one.
 *
 * Contract: both take any UTF-8 text (bad bytes are skipped, as
 * index_normalize does) and write tokens separated by one space, in the
 * order of the input; nothing fails.  Tables are fixed: a change to them
 * changes stored index keys, so it bumps INDEX_NAME_VERSION.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define KH_FIRST	0x1780
#define KH_LAST		0x17ff
#define COENG		0x17d2

static int
is_khmer(uint32_t c)
{
	return c >= KH_FIRST && c <= KH_LAST;
}

/* A base letter: consonants and independent vowels. */
static int
kh_base(uint32_t c)
{
	return c >= 0x1780 && c <= 0x17b3;
}

/*
 * The place of a mark in a syllable, in the order Unicode's Khmer
 * encoding model stores them: subscripts, subscript ro last, register
 * shifters, robat, dependent vowel, the signs, the rest.  -1: not a
 * mark (a base, a digit, a sign of its own).
 */
static int
kh_rank(uint32_t c, uint32_t next)
{
	if (c == COENG)
		return next == 0x179a ? 1 : 0;		/* ្រ after the others */
	if (c == 0x17c9 || c == 0x17ca)
		return 2;
	if (c == 0x17cc)
		return 3;
	if (c >= 0x17b6 && c <= 0x17c5)
		return 4;
	if (c >= 0x17c6 && c <= 0x17c8)
		return 5;
	if (c == 0x17cb || (c >= 0x17cd && c <= 0x17d1) || c == 0x17dd)
		return 6;
	return -1;
}

/*
 * Variants folded before comparing: deprecated letters, long and short
 * vowels, the two n and the two l, and marks that clerks leave out or
 * add (register shifters, bantoc and the other small signs).  0: drop.
 */
static uint32_t
kh_fold(uint32_t c)
{
	switch (c) {
	case 0x17a3:	return 0x17a2;	/* deprecated a -> អ */
	case 0x17b2:	return 0x17b1;	/* ឲ -> ឱ */
	case 0x17b4: case 0x17b5:	/* invisible inherent vowels */
	case 0x17c9: case 0x17ca:	/* ៉ ៊ */
	case 0x17cb: case 0x17cd: case 0x17ce: case 0x17cf:	/* ់ ៍ ៎ ៏ */
	case 0x17d7:			/* ៗ repetition */
		return 0;
	case 0x17b8:	return 0x17b7;	/* ី -> ិ */
	case 0x17ba:	return 0x17b9;	/* ឺ -> ឹ */
	case 0x17bc:	return 0x17bb;	/* ូ -> ុ */
	case 0x178e:	return 0x1793;	/* ណ -> ន */
	case 0x17a1:	return 0x179b;	/* ឡ -> ល */
	case 0x17d3:	return 0x17c6;	/* deprecated ៓ -> ំ */
	}
	return c;
}

/* A token's code points. */
struct cps {
	uint32_t	*c;
	size_t		 n, cap;
};

static void
cps_add(struct cps *t, uint32_t c)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->c = xrealloc(t->c, t->cap * sizeof *t->c);
	}
	t->c[t->n++] = c;
}

/* One mark, or a coeng with its consonant: sorted as a unit. */
struct unit {
	int		rank;
	size_t		at, len;
};

static int
unit_cmp(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->at < y->at ? -1 : x->at > y->at;	/* stable */
}

/*
 * Puts the marks after each base in canonical order, then folds the
 * variants; in place.
 */
static void
kh_canonical(struct cps *t)
{
	struct unit u[32];
	uint32_t tmp[64];
	size_t i = 0, j, k, n, w;

	while (i < t->n) {
		if (!kh_base(t->c[i])) {
			i++;
			continue;
		}
		/* The run of marks after the base at i. */
		n = 0;
		j = i + 1;
		while (j < t->n && n < 32) {
			uint32_t nx = j + 1 < t->n ? t->c[j + 1] : 0;
			int r = kh_rank(t->c[j], nx);

			if (r < 0)
				break;
			u[n].rank = r;
			u[n].at = j;
			u[n].len = t->c[j] == COENG && j + 1 < t->n &&
			    kh_base(nx) ? 2 : 1;
			j += u[n++].len;
		}
		if (n > 1 && j - i - 1 <= sizeof tmp / sizeof tmp[0]) {
			qsort(u, n, sizeof u[0], unit_cmp);
			for (k = 0, w = 0; k < n; k++) {
				memcpy(tmp + w, t->c + u[k].at, u[k].len *
				    sizeof *tmp);
				w += u[k].len;
			}
			memcpy(t->c + i + 1, tmp, w * sizeof *tmp);
		}
		i = j;
	}
	for (i = 0, w = 0; i < t->n; i++) {
		uint32_t c = kh_fold(t->c[i]);

		/* The same mark typed twice in a row is once. */
		if (c != 0 && !(w > 0 && c == t->c[w - 1] && kh_rank(c, 0) >=
		    2))
			t->c[w++] = c;
	}
	t->n = w;
}

/*
 * Latin transliteration variants, on a folded lower-case token: kh, ph,
 * th and gh lose their h, a final h after a vowel goes, ia is ea, ou is
 * u, w is v, a final y is i, and doubled letters are single.
 */
static void
latin_fold(struct cps *t)
{
	size_t i, w = 0;

	for (i = 0; i < t->n; i++) {
		uint32_t c = t->c[i], nx = i + 1 < t->n ? t->c[i + 1] : 0;

		if (c == 'h' && w > 0 && (t->c[w - 1] == 'k' ||
		    t->c[w - 1] == 'p' || t->c[w - 1] == 't' ||
		    t->c[w - 1] == 'g'))
			continue;
		if (c == 'h' && nx == 0 && w > 0 && t->c[w - 1] < 0x80 &&
		    strchr("aeiouy", (int)t->c[w - 1]))
			continue;
		if (c == 'w')
			c = 'v';
		if (c == 'y' && nx == 0 && w > 0)
			c = 'i';
		if (c == 'i' && nx == 'a') {
			t->c[w++] = 'e';
			continue;
		}
		if (c == 'u' && w > 0 && t->c[w - 1] == 'o') {
			t->c[w - 1] = 'u';
			continue;
		}
		if (w > 0 && c == t->c[w - 1] && c < 0x80)
			continue;
		t->c[w++] = c;
	}
	t->n = w;
}

/* Splits index_normalize's tokens into code points, one at a time. */
typedef void (*token_fn)(struct cps *, void *arg);

static void
each_token(const char *in, token_fn fn, void *arg)
{
	struct buf norm;
	struct cps t;
	const char *p, *end;

	buf_init(&norm);
	memset(&t, 0, sizeof t);
	index_normalize(in, &norm);
	buf_add_u8(&norm, 0);
	p = (const char *)norm.data;
	while (*p) {
		t.n = 0;
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end)
			cps_add(&t, utf8_next(&p));
		if (*p == ' ')
			p++;
		fn(&t, arg);
	}
	free(t.c);
	buf_free(&norm);
}

static int
token_khmer(const struct cps *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (is_khmer(t->c[i]))
			return 1;
	return 0;
}

/* Folds a token in place: by its script's rules. */
static int
fold_cps(struct cps *t)
{
	int km = token_khmer(t);

	if (km)
		kh_canonical(t);
	else
		latin_fold(t);
	return km;
}

static void
fold_token(struct cps *t, void *arg)
{
	struct buf *out = arg;
	size_t i;

	fold_cps(t);
	if (t->n == 0)
		return;
	if (out->len > 0)
		buf_add_u8(out, ' ');
	for (i = 0; i < t->n; i++)
		utf8_put(out, t->c[i]);
}

void
name_fold(const char *in, struct buf *out)
{
	buf_reset(out);
	each_token(in, fold_token, out);
}

/* --- phonetic keys ------------------------------------------------------- */

/* Consonant classes of the Khmer consonants U+1780..U+17A2. */
static const char kh_class[] =
	"KKKKG"		/* ក ខ គ ឃ ង */
	"CCCCN"		/* ច ឆ ជ ឈ ញ */
	"TTTTN"		/* ដ ឋ ឌ ឍ ណ */
	"TTTTN"		/* ត ថ ទ ធ ន */
	"PPPPM"		/* ប ផ ព ភ ម */
	"YRLVS"		/* យ រ ល វ ឝ */
	"SSHLA";	/* ឞ ស ហ ឡ អ */

static void
key_add(struct buf *k, char c)
{
	if (k->len > 0 && k->data[k->len - 1] == (unsigned char)c)
		return;			/* SS is S: doubled letters */
	buf_add_u8(k, (unsigned char)c);
}

static void
key_khmer(const struct cps *t, struct buf *k)
{
	size_t i;
	int last_ro = 0;	/* the key's last letter is a subscript ro */

	for (i = 0; i < t->n; i++) {
		uint32_t c = t->c[i];

		if (c >= 0x1780 && c <= 0x17a2) {
			char cl = kh_class[c - 0x1780];

			if (cl == 'A') {	/* អ: only a leading vowel */
				if (k->len == 0)
					key_add(k, 'A');
				continue;
			}
			last_ro = cl == 'R' && i > 0 && t->c[i - 1] == COENG;
			key_add(k, cl);
		} else if (c >= 0x17a3 && c <= 0x17b3) {	/* ឥ ... */
			if (k->len == 0)
				key_add(k, 'A');
		} else if (c == 0x17c6) {	/* ំ: m */
			key_add(k, 'M');
			last_ro = 0;
		} else if (c >= 0x17b6 && c <= 0x17c5)
			last_ro = 0;		/* ស្រី: a vowel after it */
	}
	/* A final subscript ro, and a final វ, are not heard: ត្រ, កែវ. */
	if (k->len > 1 && (last_ro || k->data[k->len - 1] == 'V'))
		k->len--;
}

static int
vowel(uint32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static void
key_latin(const struct cps *t, struct buf *k)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		uint32_t c = t->c[i], nx = i + 1 < t->n ? t->c[i + 1] : 0;

		if (c == 'n' && nx == 'g') {
			key_add(k, 'G');
			i++;
		} else if (c == 'c' && nx == 'h') {
			key_add(k, 'C');
			i++;
		} else if ((c == 'n' || c == 's') && (nx == 'h' || (c == 'n' &&
		    nx == 'y' && i + 2 < t->n && vowel(t->c[i + 2])))) {
			key_add(k, c == 'n' ? 'N' : 'S');
			i++;
		} else if (vowel(c) || (c == 'y' && !vowel(nx))) {
			if (k->len == 0)
				key_add(k, 'A');
		} else if (c == 'h') {
			if (k->len == 0)
				key_add(k, 'H');
		} else if (c >= 'a' && c <= 'z') {
			static const char cl[] = "APKTAVKHACKLMNAPKRSTAVVSYS";

			if (cl[c - 'a'] != 'A')
				key_add(k, cl[c - 'a']);
		}
		/* digits and other scripts: not part of a name's sound */
	}
	/* As in Khmer: a final v (Kaev, Keo) is not heard. */
	if (k->len > 1 && k->data[k->len - 1] == 'V')
		k->len--;
}

static void
key_of(const struct cps *t, int km, struct buf *k)
{
	buf_reset(k);
	if (km)
		key_khmer(t, k);
	else
		key_latin(t, k);
}

static void
key_token(struct cps *t, void *arg)
{
	struct buf *out = arg, k;

	buf_init(&k);
	key_of(t, fold_cps(t), &k);
	if (k.len > 0) {
		if (out->len > 0)
			buf_add_u8(out, ' ');
		buf_add(out, k.data, k.len);
	}
	buf_free(&k);
}

void
name_key(const char *in, struct buf *out)
{
	buf_reset(out);
	each_token(in, key_token, out);
}

/*
 * Both at once, token by token, for the name index and its queries: a
 * name is split, decoded and folded once (the index writes every name
 * of every record through here).
 */
struct both {
	name_token_fn	 fn;
	void		*arg;
	struct buf	 tok, key;
};

static void
both_token(struct cps *t, void *arg)
{
	struct both *b = arg;
	size_t i;
	int km = fold_cps(t);

	if (t->n == 0)
		return;
	buf_reset(&b->tok);
	for (i = 0; i < t->n; i++)
		utf8_put(&b->tok, t->c[i]);
	key_of(t, km, &b->key);
	b->fn(b->arg, b->tok.data, b->tok.len, b->key.data, b->key.len);
}

void
name_tokens(const char *in, name_token_fn fn, void *arg)
{
	struct both b;

	b.fn = fn;
	b.arg = arg;
	buf_init(&b.tok);
	buf_init(&b.key);
	each_token(in, both_token, &b);
	buf_free(&b.tok);
	buf_free(&b.key);
}
