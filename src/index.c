/*
 * index.c -- what the secondary indexes of records.db hold.
 *
 * store.c asks here for the keys of each record revision it writes, so
 * the rules for names, identity codes, queues, dates and places live in
 * one place, next to the normalization that search uses for its queries:
 * a name is found only if the query is normalized exactly like the index.
 *
 * Name normalization (version INDEX_NAME_VERSION, db/record-format.txt):
 * zero-width characters and soft hyphens vanish; Latin letters (Basic,
 * Latin-1, Extended-A/B, Additional: Vietnamese too) lose case and
 * diacritics; hyphens, dots and spaces separate tokens; apostrophes join.
 * Version 2 indexes each token as name_fold gives it (Khmer marks in
 * order, variant letters and transliterations folded) and its phonetic
 * key (name_key, after a byte 1), so that a search sees through
 * spellings and scripts; changing these rules means rebuilding the name
 * index ('civreg reindex').
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

void
keylist_free(struct keylist *kl)
{
	size_t i;

	for (i = 0; i < kl->n; i++)
		buf_free(&kl->keys[i]);
	free(kl->keys);
	kl->keys = NULL;
	kl->n = 0;
}

void
keylist_add(struct keylist *kl, const void *p, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	for (i = 0; i < kl->n; i++)	/* BDB wants no repeated keys */
		if (kl->keys[i].len == n && memcmp(kl->keys[i].data, p, n) == 0)
			return;
	kl->keys = xrealloc(kl->keys, (kl->n + 1) * sizeof *kl->keys);
	buf_init(&kl->keys[kl->n]);
	buf_add(&kl->keys[kl->n], p, n);
	kl->n++;
}

/*
 * Latin letters without case or diacritics, by block ('?': keep as is).
 * Generated once from Unicode decompositions, with the letters that have
 * none (d with stroke, dotless i, l with stroke ...) given by hand.
 */
static const char latin1_fold[] =		/* U+00C0..U+00FF */
    "aaaaaaaceeeeiiii" "dnooooo?ouuuuyts"
    "aaaaaaaceeeeiiii" "dnooooo?ouuuuyty";
static const char latin_ext_fold[] =		/* U+0100..U+024F */
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
    "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs"
    "b?????????????????f?????????????oo?????????????uu???????????????"
    "?????????????aaiioouuuuuuuuuu?aaaa??ggggkkoooo??j???gg??nnaa????"
    "aaaaeeeeiiiioooorrrruuuusstt??hh??????aaeeooooooooyy????????????"
    "??????ee????????";
static const char latin_add_fold[] =		/* U+1E00..U+1EFF */
    "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm"
    "mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv"
    "wwwwwwwwwwxxxxyyzzzzzzhtwy??????aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee"
    "eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy??????";

static uint32_t
fold_latin(uint32_t c)
{
	char f = '?';

	if (c >= 'A' && c <= 'Z')
		return c + 'a' - 'A';
	if (c >= 0xc0 && c <= 0xff)
		f = latin1_fold[c - 0xc0];
	else if (c >= 0x100 && c <= 0x24f)
		f = latin_ext_fold[c - 0x100];
	else if (c >= 0x1e00 && c <= 0x1eff)
		f = latin_add_fold[c - 0x1e00];
	return f == '?' ? c : (uint32_t)(unsigned char)f;
}

/* in: valid or invalid UTF-8; out: normalized tokens separated by ' '. */
void
index_normalize(const char *in, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	int space = 1;

	buf_reset(out);
	while (*p) {
		uint32_t c;
		size_t len = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 :
		    *p >= 0xc0 ? 2 : 1;

		/*
		 * A bad byte is skipped (validation refuses these); the
		 * check stops at the first byte that does not continue the
		 * sequence, so it never reads past the terminating NUL.
		 */
		if (len > 1 && !utf8_valid((const char *)p, len)) {
			p++;
			continue;
		}
		if (len == 1 && *p >= 0x80) {
			p++;
			continue;
		}
		c = len == 1 ? p[0] : len == 2 ? (uint32_t)(p[0] & 0x1f) << 6 |
		    (p[1] & 0x3f) : len == 3 ? (uint32_t)(p[0] & 0x0f) << 12 |
		    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f) :
		    (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) <<
		    12 | (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		p += len;
		if (c == 0x200b || c == 0x200c || c == 0x200d || c == 0xfeff ||
		    c == 0xad || c == '\'' || (c >= 0x300 && c <= 0x36f))
			continue;
		if (c == ' ' || c == '\t' || c == '-' || c == '.' ||
		    c == ',' || c == '\n' || c == '\r') {
			if (!space)
				buf_add_u8(out, ' ');
			space = 1;
			continue;
		}
		utf8_put(out, fold_latin(c));
		space = 0;
	}
	if (out->len > 0 && out->data[out->len - 1] == ' ')
		out->len--;
}

/* The tokens of a name as the index holds them: name_fold's (name.c). */
static void
add_token(void *arg, const void *tok, size_t len, const void *key,
    size_t klen)
{
	(void)key;
	(void)klen;
	keylist_add(arg, tok, len);
}

void
index_name_tokens(const char *text, struct keylist *kl)
{
	name_tokens(text, add_token, kl);
}

/*
 * A phonetic key as the index holds it: after a byte 1, which no folded
 * token begins with, and before a byte 0, so that a prefix scan of it
 * finds that key and no longer one; empty if there is no key.
 */
void
index_key_entry(const void *key, size_t klen, struct buf *entry)
{
	buf_reset(entry);
	if (klen == 0)
		return;
	buf_add_u8(entry, INDEX_KEY_MARK);
	buf_add(entry, key, klen);
	buf_add_u8(entry, 0);
}

struct entries {
	index_key_fn	 fn;
	void		*arg;
	struct buf	 entry;
};

static void
add_entries(void *arg, const void *tok, size_t len, const void *key,
    size_t klen)
{
	struct entries *en = arg;

	en->fn(en->arg, tok, len);
	index_key_entry(key, klen, &en->entry);
	if (en->entry.len > 0)
		en->fn(en->arg, en->entry.data, en->entry.len);
}

/*
 * A name's entries in ix_name.db: each folded token and its phonetic
 * key (which begins with INDEX_KEY_MARK, so no token is ever a prefix
 * of a key); the name is split and folded once.
 */
static void
name_entries(const char *text, index_key_fn fn, void *arg)
{
	struct entries en;

	en.fn = fn;
	en.arg = arg;
	buf_init(&en.entry);
	name_tokens(text, add_entries, &en);
	buf_free(&en.entry);
}

static void
keylist_fn(void *arg, const void *key, size_t len)
{
	keylist_add(arg, key, len);
}

void
index_name_entries(const char *text, struct keylist *kl)
{
	name_entries(text, keylist_fn, kl);
}

void
index_keys(int index, const void *data, size_t len, struct keylist *kl)
{
	struct record r;
	struct cr_err e;

	kl->n = 0;
	kl->keys = NULL;
	if (rec_decode(data, len, &r, &e) != CR_OK)
		return;
	index_keys_record(index, &r, kl);
	rec_free(&r);
}

/* The same from a decoded record (store.c decodes once for all five). */
void
index_keys_record(int index, const struct record *r, struct keylist *kl)
{
	kl->n = 0;
	kl->keys = NULL;
	index_each_key(index, r, keylist_fn, kl);
}

/*
 * Each of a record's keys in one index, given to fn as it is found: an
 * import computes some 22 for every record, and collecting them in a
 * keylist first cost an allocation each.  A key may come twice (a child
 * and a father with one family name); keylist_add drops the second, and
 * store.c's merge of ids does too.
 */
void
index_each_key(int index, const struct record *r, index_key_fn fn,
    void *arg)
{
	const struct form *f;
	unsigned char k[4];
	size_t i, hint = 0;

	f = form_by_code(r->kind);
	switch (index) {
	case SI_STATUS:
		k[0] = (unsigned char)r->status;
		k[1] = (unsigned char)r->kind;
		fn(arg, k, 2);
		break;
	case SI_NAME:
	case SI_KIDC:
		for (i = 0; f && i < r->nfields; i++) {
			const struct form_field *ff = form_field_next(f,
			    r->fields[i].key, &hint);
			char code[KIDC_LEN + 1], why[128];

			if (ff == NULL)
				continue;
			if (index == SI_NAME && (ff->type == FT_NAME_KM ||
			    ff->type == FT_NAME_LATIN))
				name_entries(r->fields[i].value, fn, arg);
			else if (index == SI_KIDC && ff->type == FT_KIDC &&
			    kidc_normalize(r->fields[i].value, code, why,
			    sizeof why) == 0)
				fn(arg, code, KIDC_LEN);
		}
		break;
	case SI_DATE: {
		const char *v = f && f->date_field ? rec_value(r,
		    f->date_field) : NULL;
		int y, mo, d;
		char why[128];

		if (v && date_parse(v, &y, &mo, &d, why, sizeof why) == 0) {
			/* offset so that byte order is date order */
			be32_put(k, (uint32_t)date_days(y, mo, d) + 0x80000000u);
			fn(arg, k, 4);
		}
		break;
	}
	case SI_PLACE: {
		const char *o = f && f->place_field ? rec_value(r,
		    f->place_field) : NULL;
		const char *res = f && f->residence_field ? rec_value(r,
		    f->residence_field) : NULL;
		char key[16];
		size_t n;

		if (o && (n = strlen(o)) < 10) {
			key[0] = 'O';
			memcpy(key + 1, o, n);
			fn(arg, key, n + 1);
		}
		if (res && (n = strlen(res)) < 10) {
			key[0] = 'R';
			memcpy(key + 1, res, n);
			fn(arg, key, n + 1);
		}
		break;
	}
	}
}

/*
 * A store_visit_fn for index scans: appends each value (the primary key,
 * a record id) to the keylist given as arg, NUL-terminated.
 */
int
keylist_collect(void *arg, const void *k, size_t kl, const void *v,
    size_t vl)
{
	struct keylist *ids = arg;

	(void)k;
	(void)kl;
	ids->keys = xrealloc(ids->keys, (ids->n + 1) * sizeof *ids->keys);
	buf_init(&ids->keys[ids->n]);
	buf_add(&ids->keys[ids->n], v, vl);
	buf_add_u8(&ids->keys[ids->n++], 0);
	return 0;
}
