/*
 * cert.c -- certificates, burial permits and certified copies.
 *
 * A family comes to the commune office for a paper that says a birth,
 * death, marriage or divorce was registered, or for the permit to bury
 * someone.  The paper is plain UTF-8 text, Khmer and English, at most 80
 * display columns a line, for the dot-matrix printers of the offices (to
 * a file, to standard output, or through lpr).  A paper is worth what a
 * third party can check, so each one printed gets a serial number from
 * the office's sequence (meta.db "seq.cert", OFFICE-C-NNNNNN) and a
 * random verification code of 55 bits in Crockford base32 with a check
 * character (XXXX-XXXX-XXXX); `civreg certificate verify CODE` looks the
 * code up and says what the paper said when it was printed and whether
 * the record changed since.  The check character (a weighted sum in
 * GF(32)) catches every single wrong character and every swap of two, so
 * a misread code is told apart from a forged one.
 *
 * Which papers: an original certificate of a birth, death, marriage or
 * divorce that is registered or certified (printing the first one of a
 * registered record certifies it: a new revision, as 'civreg certify'
 * makes); a burial permit once issued; a certified copy (--copy) of the
 * register entry of any civil event that is registered or certified.  A
 * fetal death is registered for statistics only: it has no certificate,
 * but a certified copy of its entry may be printed (parents need proof
 * for leave and benefits); the copy says that it is no birth certificate.
 * Everything else is refused with the reason and what to do.
 *
 * Printing again is allowed and counted: each print gets its own serial
 * and code, prints after the first of a record and type say REPRINT n on
 * the paper, and every print is audited ("birth certificate SERIAL, print
 * 2").  Rendering, the entry in certs.db, the certify step and the audit
 * entry are one transaction; the caller sends the text to the printer
 * only after the commit, so a paper that failed to print is still on
 * record and its reprint is counted.  Layout (db/record-format.txt has
 * the bytes of certs.db): widths are wcwidth() columns under C.UTF-8,
 * whatever the caller's locale, so the paper is the same on every
 * terminal; text is cut only between grapheme clusters.  A choice value
 * is printed as its Khmer label and its stored key, "ស្រី / female"
 * (values_km= in forms/), and so is the timeliness.  Given the store
 * and CIVREG_NOW the text is the same every time except the code.
 *
 * Diagnostics: a paper the record may not have is CR_EINVAL (exit 2)
 * naming its kind or status and what to do, and nothing is written; a
 * role that may not print is CR_EPERM, audited as denied.  A code that
 * fails its check character is CR_EINVAL ("mistyped", not looked up); a
 * well-formed code not in certs.db is CR_ENOTFOUND, audited.  cert_lpr
 * reports lpr's exit status and its last line as CR_EIO.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

#include "civreg.h"

#define S(x)		(1u << (x))
#define CERT_VERSION	1
#define PAGE_COLS	80
#define VALUE_COL	48	/* values start in this column (from 0) */
#define COENG		0x17d2
#define CODE_DATA	(CERT_CODE_CHARS - 1)

/* Crockford's base32: no I, L, O, U. */
static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * The printed documents.  fields: the record fields on the paper, shown
 * in form order; a copy shows every field.
 */
static const struct cert_doc {
	const char	*form;
	const char	*what;		/* messages and the audit log */
	const char	*title_km;
	const char	*title_en;
	unsigned	 statuses;
	const char	*fields;
} cert_docs[] = {
	{ "birth", "birth certificate", "សំបុត្រកំណើត", "BIRTH CERTIFICATE",
	  S(RS_REGISTERED) | S(RS_CERTIFIED),
	  "name_km,name_latin,kidc,sex,date_of_birth,time_of_birth,"
	  "place_of_birth,mother_name_km,mother_name_latin,mother_kidc,"
	  "mother_date_of_birth,mother_nationality,mother_residence,"
	  "father_name_km,father_name_latin,father_kidc,father_date_of_birth,"
	  "father_nationality" },
	{ "death", "death certificate", "សំបុត្រមរណភាព", "DEATH CERTIFICATE",
	  S(RS_REGISTERED) | S(RS_CERTIFIED),
	  "name_km,name_latin,kidc,sex,date_of_birth,age_years,nationality,"
	  "marital_status,usual_residence,date_of_death,time_of_death,"
	  "place_of_death" },
	{ "marriage", "marriage certificate", "សំបុត្រអាពាហ៍ពិពាហ៍",
	  "MARRIAGE CERTIFICATE", S(RS_REGISTERED) | S(RS_CERTIFIED),
	  "husband_name_km,husband_name_latin,husband_kidc,"
	  "husband_date_of_birth,husband_nationality,husband_residence,"
	  "husband_father_name,husband_mother_name,wife_name_km,"
	  "wife_name_latin,wife_kidc,wife_date_of_birth,wife_nationality,"
	  "wife_residence,wife_father_name,wife_mother_name,date_of_marriage,"
	  "place_of_marriage,witness1_name,witness2_name" },
	{ "divorce", "divorce certificate", "សំបុត្របញ្ជាក់ការលែងលះ",
	  "DIVORCE CERTIFICATE", S(RS_REGISTERED) | S(RS_CERTIFIED),
	  "husband_name_km,husband_name_latin,husband_kidc,"
	  "husband_date_of_birth,husband_residence,wife_name_km,"
	  "wife_name_latin,wife_kidc,wife_date_of_birth,wife_residence,"
	  "marriage_ref,date_of_marriage,place_of_marriage,date_of_divorce,"
	  "court_name,court_place,judgment_number,custody" },
	{ "burial_permit", "burial permit", "លិខិតអនុញ្ញាតបញ្ចុះសព",
	  "BURIAL PERMIT", S(RS_ISSUED),
	  "death_ref,name_km,name_latin,method,burial_place,burial_site,"
	  "burial_date,applicant_name,applicant_kidc,applicant_relationship" },
};
#define NDOCS	(sizeof cert_docs / sizeof cert_docs[0])

/* Key prefixes in certs.db. */
#define K_SERIAL	'S'	/* S serial -> entry */
#define K_CODE		'C'	/* C code (12 chars) -> serial */
#define K_RECORD	'R'	/* R id NUL seq(be64) -> serial */

/* --- the verification code ------------------------------------------------ */

/* Multiplication in GF(2^5) modulo x^5 + x^2 + 1 (primitive). */
static unsigned
gf32_mul(unsigned a, unsigned b)
{
	unsigned p = 0;

	while (b) {
		if (b & 1)
			p ^= a;
		b >>= 1;
		a <<= 1;
		if (a & 0x20)
			a ^= 0x25;
	}
	return p;
}

/*
 * The check symbol: sum of v[i] * x^(i+1).  Two different weights never
 * coincide within 31 places and GF(32) has no zero divisors, so one wrong
 * symbol or a swap of two different symbols always changes the sum.
 */
static unsigned
code_check(const unsigned *v, size_t n)
{
	unsigned sum = 0, w = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		w = gf32_mul(w, 2);
		sum ^= gf32_mul(v[i], w);
	}
	return sum;
}

/* The value of one code character as typed, or -1. */
static int
code_value(int c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	if (c == 'O')
		c = '0';
	else if (c == 'I' || c == 'L')
		c = '1';
	if (c == '\0' || (p = strchr(code_alphabet, c)) == NULL)
		return -1;
	return (int)(p - code_alphabet);
}

char
cert_code_check_char(const char *data)
{
	unsigned v[CODE_DATA];
	size_t i;
	int x;

	for (i = 0; i < CODE_DATA; i++) {
		if ((x = code_value((unsigned char)data[i])) < 0)
			return '?';
		v[i] = (unsigned)x;
	}
	return code_alphabet[code_check(v, CODE_DATA)];
}

void
cert_code_show(const char *code, char out[CERT_CODE_SHOWN + 1])
{
	snprintf(out, CERT_CODE_SHOWN + 1, "%.4s-%.4s-%.4s", code, code + 4,
	    code + 8);
}

int
cert_code_parse(const char *in, char out[CERT_CODE_CHARS + 1], char *why,
    size_t whysz)
{
	size_t n = 0;
	int x;

	for (; *in; in++) {
		if (*in == '-' || *in == ' ' || *in == '\t')
			continue;
		if ((x = code_value((unsigned char)*in)) < 0) {
			snprintf(why, whysz, "'%c' is not a character of a code "
			    "(codes use 0-9 and the letters A-Z without I, L, O, "
			    "U)", *in >= 0x20 && *in < 0x7f ? *in : '?');
			return -1;
		}
		if (n < CERT_CODE_CHARS)
			out[n] = code_alphabet[x];
		n++;
	}
	if (n != CERT_CODE_CHARS) {
		snprintf(why, whysz, "a code has %d characters, not %zu",
		    CERT_CODE_CHARS, n);
		return -1;
	}
	out[n] = '\0';
	if (cert_code_check_char(out) != out[CODE_DATA]) {
		snprintf(why, whysz, "the check character does not match: a "
		    "character was misread or two were swapped");
		return -1;
	}
	return 0;
}

static void
code_new(char out[CERT_CODE_CHARS + 1])
{
	unsigned char r[7];
	uint64_t bits = 0;
	size_t i;

	crypto_random(r, sizeof r);
	for (i = 0; i < sizeof r; i++)
		bits = bits << 8 | r[i];
	for (i = 0; i < CODE_DATA; i++)
		out[i] = code_alphabet[(bits >> (5 * i)) & 31];
	out[CODE_DATA] = cert_code_check_char(out);
	out[CERT_CODE_CHARS] = '\0';
	crypto_wipe(r, sizeof r);
}

/* --- certs.db entries ----------------------------------------------------- */

static void
entry_encode(const struct cert_info *c, uint64_t seq, struct buf *b)
{
	buf_reset(b);
	buf_add(b, "CE", 2);
	buf_add_u8(b, CERT_VERSION);
	buf_add_u8(b, (unsigned)c->kind);
	buf_add_u8(b, (unsigned)c->type);
	buf_add_u32(b, c->rev);
	buf_add_u32(b, c->print);
	buf_add_u64(b, (uint64_t)c->time);
	buf_add_u64(b, seq);
	buf_add_str(b, c->serial);
	buf_add_str(b, c->code);
	buf_add_str(b, c->record);
	buf_add_str(b, c->user);
	buf_add_str(b, c->office);
	buf_add(b, c->digest, CRYPTO_HASHLEN);
}

static int
entry_decode(const void *p, size_t n, struct cert_info *c, uint64_t *seq,
    struct cr_err *e)
{
	const unsigned char *m, *d;
	char *s[5];
	struct rd rd;
	size_t i;
	int bad;

	memset(c, 0, sizeof *c);
	rd_init(&rd, p, n);
	m = rd_bytes(&rd, 2);
	if (m == NULL || m[0] != 'C' || m[1] != 'E' ||
	    rd_u8(&rd) != CERT_VERSION)
		return err_set(e, CR_ECORRUPT, "certs.db: not a certificate "
		    "entry of version %d", CERT_VERSION);
	c->kind = (int)rd_u8(&rd);
	c->type = (int)rd_u8(&rd);
	c->rev = rd_u32(&rd);
	c->print = rd_u32(&rd);
	c->time = (int64_t)rd_u64(&rd);
	*seq = rd_u64(&rd);
	for (i = 0; i < 5; i++)
		s[i] = rd_str(&rd);
	d = rd_bytes(&rd, CRYPTO_HASHLEN);
	bad = rd.bad || rd.left != 0 || d == NULL ||
	    strlen(s[0]) >= sizeof c->serial ||
	    strlen(s[1]) != CERT_CODE_SHOWN || strlen(s[2]) >= REC_IDLEN ||
	    !rec_id_valid(s[2]) || strlen(s[3]) >= USER_LEN ||
	    strlen(s[4]) >= OFFICE_LEN ||
	    (c->type != CT_ORIGINAL && c->type != CT_COPY) || c->print == 0;
	if (!bad) {
		memcpy(c->serial, s[0], strlen(s[0]) + 1);
		memcpy(c->code, s[1], strlen(s[1]) + 1);
		memcpy(c->record, s[2], strlen(s[2]) + 1);
		memcpy(c->user, s[3], strlen(s[3]) + 1);
		memcpy(c->office, s[4], strlen(s[4]) + 1);
		memcpy(c->digest, d, CRYPTO_HASHLEN);
	}
	for (i = 0; i < 5; i++)
		free(s[i]);
	if (bad)
		return err_set(e, CR_ECORRUPT, "certs.db: a certificate entry "
		    "is damaged");
	return CR_OK;
}

static void
key_serial(struct buf *k, const char *serial)
{
	buf_reset(k);
	buf_add_u8(k, K_SERIAL);
	buf_add(k, serial, strlen(serial));
}

static void
key_code(struct buf *k, const char *code)
{
	size_t i;

	buf_reset(k);
	buf_add_u8(k, K_CODE);
	for (i = 0; code[i]; i++)
		if (code[i] != '-')
			buf_add_u8(k, (unsigned char)code[i]);
}

static void
key_record(struct buf *k, const char *id, uint64_t seq)
{
	unsigned char b[8];

	buf_reset(k);
	buf_add_u8(k, K_RECORD);
	buf_add_cstr(k, id);
	if (seq) {
		be64_put(b, seq);
		buf_add(k, b, 8);
	}
}

/* The entry of a serial (CR_ENOTFOUND if none). */
static int
entry_get(struct txn *tx, const char *serial, size_t slen,
    struct cert_info *c, uint64_t *seq, struct cr_err *e)
{
	struct buf k, v;
	int rc;

	buf_init(&k);
	buf_init(&v);
	buf_add_u8(&k, K_SERIAL);
	buf_add(&k, serial, slen);
	rc = store_get(tx, ST_CERTS, k.data, k.len, &v, 0, e);
	if (rc == CR_OK)
		rc = entry_decode(v.data, v.len, c, seq, e);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

/* --- which document ------------------------------------------------------- */

static const struct cert_doc *
doc_of(const struct form *f)
{
	size_t i;

	for (i = 0; f && i < NDOCS; i++)
		if (strcmp(cert_docs[i].form, f->key) == 0)
			return &cert_docs[i];
	return NULL;
}

const char *
cert_doc_name(int kind, int type, char *out, size_t n)
{
	const struct form *f = form_by_code(kind);
	const struct cert_doc *d = doc_of(f);

	if (type == CT_COPY)
		snprintf(out, n, "certified copy of the %s entry",
		    f ? f->key : "?");
	else
		snprintf(out, n, "%s", d ? d->what : "certificate");
	return out;
}

/*
 * May record r have a paper of this type?  NULL document and CR_OK for a
 * copy; a refusal says why and what to do.
 */
static int
doc_allowed(const struct record *r, const struct form *f, int type,
    const struct cert_doc **dp, struct cr_err *e)
{
	const struct cert_doc *d = doc_of(f);
	const char *title = f ? f->title_en : "record of unknown kind";
	const char *paper = type == CT_COPY ? "a certified copy" :
	    "a certificate";
	unsigned ok;

	*dp = d;
	if (f == NULL || (f->cls != FC_EVENT &&
	    strcmp(f->key, "burial_permit") != 0))
		return err_set(e, CR_EINVAL, "%s is a %s: only a registered "
		    "civil event has a certificate or a certified copy", r->id,
		    title);
	if (strcmp(f->key, "burial_permit") == 0) {
		if (type == CT_COPY)
			return err_set(e, CR_EINVAL, "%s is a burial permit: it "
			    "has no certified copy; print the permit again (the "
			    "reprint is counted)", r->id);
		if (r->status != RS_ISSUED)
			return err_set(e, CR_EINVAL, "%s is %s: a burial permit "
			    "is printed once it is issued; a registrar issues it "
			    "with 'civreg issue %s'", r->id,
			    rec_status_name(r->status), r->id);
		return CR_OK;
	}
	if (type == CT_ORIGINAL && strcmp(f->key, "fetal_death") == 0)
		return err_set(e, CR_EINVAL, "%s is a fetal death (stillbirth): "
		    "it is registered for statistics only and has no "
		    "certificate; a certified copy of the register entry can be "
		    "printed with --copy", r->id);
	if (type == CT_ORIGINAL && d == NULL)
		return err_set(e, CR_EINVAL, "%s is a %s: civreg prints "
		    "certificates of births, deaths, marriages and divorces; "
		    "print a certified copy of the register entry with --copy",
		    r->id, title);
	ok = d && type == CT_ORIGINAL ? d->statuses :
	    S(RS_REGISTERED) | S(RS_CERTIFIED);
	if (ok & S(r->status))
		return CR_OK;
	switch (r->status) {
	case RS_DECLARED:
		return err_set(e, CR_EINVAL, "%s is declared: only a registered "
		    "record has %s; register it first ('civreg "
		    "register-record %s', registrar)", r->id, paper, r->id);
	case RS_PENDING_APPROVAL:
		return err_set(e, CR_EINVAL, "%s is pending-approval: a delayed "
		    "registration has %s once the district registrar approves "
		    "it", r->id, paper);
	case RS_REJECTED:
		return err_set(e, CR_EINVAL, "%s is rejected: a rejected "
		    "declaration has no %s", r->id, paper + 2);
	default:
		return err_set(e, CR_EINVAL, "%s is %s: only a registered or "
		    "certified record has %s", r->id,
		    rec_status_name(r->status), paper);
	}
}

/* --- the page ------------------------------------------------------------- */

struct page {
	struct buf	b;
};

/* Display columns of n bytes of UTF-8 (wcwidth; marks are 0). */
static int
cols_of(const char *s, size_t n)
{
	mbstate_t ms;
	wchar_t wc;
	size_t k;
	int cols = 0, w;

	memset(&ms, 0, sizeof ms);
	while (n > 0) {
		k = mbrtowc(&wc, s, n, &ms);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&ms, 0, sizeof ms);
			k = 1;
			wc = '?';
		}
		if ((w = wcwidth(wc)) > 0)
			cols += w;
		s += k;
		n -= k;
	}
	return cols;
}

/*
 * Khmer vowel signs and marks, spacing ones (AA, REAHMUK ...) included:
 * they belong to the consonant before them, never start a cluster.
 */
static int
khmer_sign(wchar_t c)
{
	return (c >= 0x17b4 && c <= 0x17d3) || c == 0x17dd;
}

/*
 * How many bytes of s fit in cols columns: cut after the last ", " that
 * fits (place names), else after the last space, else before the first
 * cluster that does not fit (a base character keeps its vowel signs and
 * marks; a COENG keeps the consonant after it).  *skip: bytes of
 * spaces to drop after the cut.
 */
static size_t
fit(const char *s, int cols, size_t *skip)
{
	mbstate_t ms;
	wchar_t wc, prev = 0;
	size_t i = 0, n = strlen(s), k, sp = 0, comma = 0, cut = 0;
	int w, used = 0;

	*skip = 0;
	memset(&ms, 0, sizeof ms);
	while (i < n) {
		k = mbrtowc(&wc, s + i, n - i, &ms);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&ms, 0, sizeof ms);
			k = 1;
			wc = '?';
		}
		if ((w = wcwidth(wc)) < 0)
			w = 0;
		if (w > 0 && prev != COENG && !khmer_sign(wc))
			cut = i;
		if (wc == ' ')
			sp = i;
		if (wc == ' ' && prev == ',')
			comma = i;
		if (used + w > cols) {
			if (comma > 0)
				sp = comma;
			if (sp > 0) {
				while (s[sp + *skip] == ' ')
					++*skip;
				return sp;
			}
			/* A first cluster wider than the line goes anyway. */
			return cut > 0 ? cut : i > 0 ? i : k;
		}
		used += w;
		prev = wc;
		i += k;
	}
	return n;
}

/* One line; trailing spaces dropped. */
static void
put_line(struct page *pg, const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == ' ')
		n--;
	buf_add(&pg->b, s, n);
	buf_add_u8(&pg->b, '\n');
}

static void
put_text(struct page *pg, const char *s)
{
	put_line(pg, s, strlen(s));
}

static void
pad(struct buf *b, int n, int c)
{
	while (n-- > 0)
		buf_add_u8(b, (unsigned)c);
}

static void
center(struct page *pg, const char *s)
{
	struct buf l;
	int w = cols_of(s, strlen(s));

	buf_init(&l);
	pad(&l, w < PAGE_COLS ? (PAGE_COLS - w) / 2 : 0, ' ');
	buf_add(&l, s, strlen(s));
	put_line(pg, (const char *)l.data, l.len);
	buf_free(&l);
}

static void
rule(struct page *pg, int c)
{
	struct buf l;

	buf_init(&l);
	pad(&l, PAGE_COLS, c);
	put_line(pg, (const char *)l.data, l.len);
	buf_free(&l);
}

/* Long text from column indent, cut to the page width. */
static void
para(struct page *pg, int indent, const char *s)
{
	struct buf l;
	size_t cut, skip;

	buf_init(&l);
	while (*s) {
		buf_reset(&l);
		pad(&l, indent, ' ');
		cut = fit(s, PAGE_COLS - indent, &skip);
		buf_add(&l, s, cut);
		put_line(pg, (const char *)l.data, l.len);
		s += cut + skip;
	}
	buf_free(&l);
}

/*
 * "  KHMER / ENGLISH ...... value": values from VALUE_COL, cut to the
 * page; a '\n' in value starts a line of its own.  A label too long for
 * its column puts the Khmer on a line of its own.
 */
static void
field(struct page *pg, const char *km, const char *en, const char *value)
{
	struct buf l;
	const char *nl, *p;
	char *piece;
	size_t cut, skip, plen;
	int lw, first = 1;

	buf_init(&l);
	buf_add(&l, "  ", 2);
	buf_add(&l, km, strlen(km));
	buf_add(&l, " / ", 3);
	buf_add(&l, en, strlen(en));
	if ((lw = cols_of((const char *)l.data, l.len)) + 3 > VALUE_COL) {
		buf_reset(&l);
		buf_add(&l, "  ", 2);
		buf_add(&l, km, strlen(km));
		put_line(pg, (const char *)l.data, l.len);
		buf_reset(&l);
		buf_add(&l, "  ", 2);
		buf_add(&l, en, strlen(en));
		if ((lw = cols_of((const char *)l.data, l.len)) + 3 > VALUE_COL) {
			put_line(pg, (const char *)l.data, l.len);
			buf_reset(&l);
			lw = 0;
			first = 0;
		}
	}
	while (*value) {
		nl = strchr(value, '\n');
		plen = nl ? (size_t)(nl - value) : strlen(value);
		piece = xstrndup(value, plen);
		value += plen + (nl != NULL);
		for (p = piece; *p || first; ) {
			if (first) {
				buf_add_u8(&l, ' ');
				pad(&l, VALUE_COL - lw - 2, '.');
				buf_add_u8(&l, ' ');
				first = 0;
			} else {
				buf_reset(&l);
				pad(&l, VALUE_COL, ' ');
			}
			cut = fit(p, PAGE_COLS - VALUE_COL, &skip);
			buf_add(&l, p, cut);
			put_line(pg, (const char *)l.data, l.len);
			p += cut + skip;
		}
		free(piece);
	}
	if (first)
		put_line(pg, (const char *)l.data, l.len);
	buf_free(&l);
}

static void
section(struct page *pg, const char *km, const char *en)
{
	char line[512];

	snprintf(line, sizeof line, "%s / %s", km, en);
	put_text(pg, line);
}

/* --- values as printed ---------------------------------------------------- */

/* "CODE km, km, km\nlatin, latin, latin" from the gazetteer, or CODE. */
static int
place_value(struct txn *tx, const char *code, struct buf *out,
    struct cr_err *e)
{
	struct buf km, la;
	struct place p;
	char c[9];
	size_t n = strlen(code);
	int rc = CR_OK;

	buf_reset(out);
	buf_add(out, code, n);
	if (n < 2 || n > 8 || strspn(code, "0123456789") != n)
		return CR_OK;
	buf_init(&km);
	buf_init(&la);
	for (; n >= 2; n -= 2) {
		snprintf(c, sizeof c, "%.*s", (int)n, code);
		rc = gazetteer_get(tx, c, &p, e);
		if (rc == CR_ENOTFOUND) {
			rc = CR_OK;
			continue;
		}
		if (rc != CR_OK)
			break;
		if (p.name_km[0]) {
			buf_add(&km, km.len ? ", " : " ", km.len ? 2 : 1);
			buf_add(&km, p.name_km, strlen(p.name_km));
		}
		if (p.name_latin[0]) {
			if (la.len)
				buf_add(&la, ", ", 2);
			buf_add(&la, p.name_latin, strlen(p.name_latin));
		}
		place_free(&p);
	}
	if (rc == CR_OK) {
		buf_add(out, km.data, km.len);
		if (la.len) {
			buf_add_u8(out, '\n');
			buf_add(out, la.data, la.len);
		}
	}
	buf_free(&km);
	buf_free(&la);
	return rc;
}

/*
 * The registration's timeliness (workflow.c) in Khmer.  Kept here, not in
 * a form: it is set by the law's periods, not chosen by a clerk.
 */
static const char *const timeliness_km[][2] = {
	{ "current", "ទាន់ពេល" },
	{ "late", "យឺត" },
	{ "delayed", "ហួសកាលកំណត់" },
};

/* "KHMER / key" for a known timeliness, else the value as it is. */
static const char *
timeliness_value(const char *v, char *out, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof timeliness_km / sizeof timeliness_km[0]; i++)
		if (strcmp(timeliness_km[i][0], v) == 0) {
			snprintf(out, n, "%s / %s", timeliness_km[i][1], v);
			return out;
		}
	return v;
}

/*
 * A field value as printed: a choice value as "KHMER / key" (values_km=
 * in the form); control characters become spaces.
 */
static int
value_of(struct txn *tx, const struct form_field *ff, const char *v,
    struct buf *out, struct cr_err *e)
{
	const char *km;
	size_t i;
	int rc;

	buf_reset(out);
	if (ff && ff->type == FT_CHOICE && (km = form_value_km(ff, v))) {
		buf_add(out, km, strlen(km));
		buf_add(out, " / ", 3);
		buf_add(out, v, strlen(v));
	} else if (ff && ff->type == FT_PLACE) {
		if ((rc = place_value(tx, v, out, e)) != CR_OK)
			return rc;
	} else if (ff && ff->type == FT_KIDC && strlen(v) == KIDC_LEN) {
		char g[KIDC_LEN + 3];

		snprintf(g, sizeof g, "%.4s %.4s %.4s", v, v + 4, v + 8);
		buf_add(out, g, strlen(g));
	} else
		buf_add(out, v, strlen(v));
	for (i = 0; i < out->len; i++)
		if ((out->data[i] < 0x20 && out->data[i] != '\n') ||
		    out->data[i] == 0x7f)
			out->data[i] = ' ';
	buf_add_u8(out, 0);
	return CR_OK;
}

struct printing {
	struct session		*s;
	const char		*id;
	int			 type;
	struct cert_paper	*out;
};

/* The paper.  c holds everything but the digest. */
static int
render(struct txn *tx, const struct record *r, const struct form *f,
    const struct cert_doc *d, const struct cert_info *c, struct page *pg,
    struct cr_err *e)
{
	const char *sec_km = NULL, *sec_en = NULL, *v;
	struct buf val;
	char line[256], when[32];
	size_t i;
	int rc = CR_OK, shown_sec = 0;

	buf_init(&val);
	center(pg, "ព្រះរាជាណាចក្រកម្ពុជា");
	center(pg, "KINGDOM OF CAMBODIA");
	center(pg, "ជាតិ សាសនា ព្រះមហាក្សត្រ");
	center(pg, "NATION RELIGION KING");
	put_text(pg, "");
	if ((rc = place_value(tx, c->office, &val, e)) != CR_OK)
		goto out;
	buf_add_u8(&val, 0);
	field(pg, "ការិយាល័យអត្រានុកូលដ្ឋាន", "Civil registry",
	    (const char *)val.data);
	rule(pg, '=');
	if (c->type == CT_COPY) {
		center(pg, "ច្បាប់ចម្លងត្រឹមត្រូវតាមបញ្ជី");
		center(pg, "CERTIFIED COPY OF A REGISTER ENTRY");
		snprintf(line, sizeof line, "%s / %s", f->title_km,
		    f->title_en);
		center(pg, line);
	} else {
		center(pg, d->title_km);
		center(pg, d->title_en);
	}
	if (c->print > 1) {
		snprintf(line, sizeof line, "បោះពុម្ពឡើងវិញលើកទី %u / REPRINT %u",
		    (unsigned)c->print, (unsigned)c->print);
		center(pg, line);
	}
	if (strcmp(f->key, "fetal_death") == 0) {
		center(pg, "ចុះបញ្ជីសម្រាប់តែស្ថិតិ៖ មិនមែនជាសំបុត្រកំណើតទេ");
		center(pg, "Registered for statistics only: not a birth "
		    "certificate");
	}
	rule(pg, '=');
	field(pg, "លេខរៀង", "Serial number", c->serial);
	field(pg, "លេខកំណត់ត្រា", "Register entry", r->id);
	if (c->type == CT_COPY) {
		snprintf(line, sizeof line, "%s, revision %u",
		    rec_status_name(r->status), (unsigned)r->rev);
		field(pg, "ស្ថានភាព", "Status", line);
	}
	for (i = 0; i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];

		if (ff->section_km) {
			sec_km = ff->section_km;
			sec_en = ff->section_en;
			shown_sec = 0;
		}
		if ((v = rec_value(r, ff->key)) == NULL || *v == '\0' ||
		    (c->type != CT_COPY && !str_in_list(d->fields, ff->key)))
			continue;
		if (sec_km && !shown_sec) {
			section(pg, sec_km, sec_en);
			shown_sec = 1;
		}
		if ((rc = value_of(tx, ff, v, &val, e)) != CR_OK)
			goto out;
		field(pg, ff->label_km, ff->label_en, (const char *)val.data);
	}
	if (f->cls == FC_EVENT) {
		section(pg, "ការចុះបញ្ជី", "Registration");
		if ((v = rec_value(r, "_registration_date")) != NULL)
			field(pg, "ថ្ងៃចុះបញ្ជី", "Date of registration", v);
		if ((v = rec_value(r, "_timeliness")) != NULL)
			field(pg, "ភាពទាន់ពេល", "Timeliness",
			    timeliness_value(v, line, sizeof line));
		if ((rc = place_value(tx, r->office, &val, e)) != CR_OK)
			goto out;
		buf_add_u8(&val, 0);
		field(pg, "ការិយាល័យចុះបញ្ជី", "Registered at",
		    (const char *)val.data);
	}
	rule(pg, '-');
	time_format((time_t)c->time, when, sizeof when);
	snprintf(line, sizeof line, "%s UTC", when);
	field(pg, "ថ្ងៃបោះពុម្ព", "Printed", line);
	field(pg, "បោះពុម្ពដោយ", "Printed by", c->user);
	field(pg, "លេខកូដផ្ទៀងផ្ទាត់", "Verification code", c->code);
	snprintf(line, sizeof line, "ផ្ទៀងផ្ទាត់ / Verify with: civreg "
	    "certificate verify %s", c->code);
	para(pg, 2, line);
	put_text(pg, "");
	snprintf(line, sizeof line, "%*s%s", VALUE_COL - 8, "",
	    "ហត្ថលេខា និងត្រា / Signature and seal");
	put_text(pg, line);
	put_text(pg, "");
	put_text(pg, "");
	put_text(pg, "");
	snprintf(line, sizeof line, "%*s%s", VALUE_COL - 8, "",
	    "................................");
	put_text(pg, line);
	snprintf(line, sizeof line, "%*s%s", VALUE_COL - 8, "",
	    "មន្ត្រីអត្រានុកូលដ្ឋាន / Civil registrar");
	put_text(pg, line);
out:
	buf_free(&val);
	return rc;
}

/* Counts the papers of this type already printed for the record. */
struct counting {
	struct txn	*tx;
	int		 type;
	uint32_t	 n;
	int		 rc;
	struct cr_err	*e;
};

static int
count_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct counting *cn = arg;
	struct cert_info c;
	uint64_t seq;

	(void)k;
	(void)kl;
	if ((cn->rc = entry_get(cn->tx, v, vl, &c, &seq, cn->e)) != CR_OK)
		return -cn->rc;
	if (c.type == cn->type)
		cn->n++;
	return 0;
}


static int
print_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct printing *pr = arg;
	struct cert_paper *out = pr->out;
	struct cert_info *c = &out->info;
	const struct cert_doc *d;
	const struct form *f;
	struct counting cn;
	struct record r;
	struct page pg;
	struct buf b, k;
	char code[CERT_CODE_CHARS + 1], detail[200], what[80];
	uint64_t seq;
	int rc, tries, certified = 0;

	cert_paper_free(out);
	rec_init(&r);
	buf_init(&b);
	buf_init(&k);
	buf_init(&pg.b);
	/* For update: two terminals printing one record take turns. */
	rc = store_get(tx, ST_RECORDS, pr->id, strlen(pr->id), &b, 1, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ENOTFOUND, "no record %s in this store: "
		    "'civreg search' finds records by name", pr->id);
	if (rc == CR_OK)
		rc = rec_decode(b.data, b.len, &r, e);
	if (rc != CR_OK)
		goto out;
	f = form_by_code(r.kind);
	if ((rc = doc_allowed(&r, f, pr->type, &d, e)) != CR_OK)
		goto out;
	memset(&cn, 0, sizeof cn);
	cn.tx = tx;
	cn.type = pr->type;
	cn.e = e;
	key_record(&k, r.id, 0);
	rc = store_scan(tx, ST_CERTS, k.data, k.len, count_visit, &cn, e);
	if (rc == CR_OK && cn.rc != CR_OK)
		rc = cn.rc;
	if (rc != CR_OK)
		goto out;
	if ((rc = meta_next(tx, "seq.cert", &seq, e)) != CR_OK)
		goto out;
	snprintf(c->serial, sizeof c->serial, "%s-C-%06llu", pr->s->office,
	    (unsigned long long)seq);
	if (pr->type == CT_ORIGINAL && r.status == RS_REGISTERED) {
		char note[160], who[128];

		/* Certifying is the workflow's step, by its rule and role. */
		snprintf(note, sizeof note, "%s %s printed", d->what,
		    c->serial);
		rc = workflow_step(tx, pr->s, &r, "certify", note, who,
		    sizeof who, e);
		if (rc == CR_EPERM)
			err_set(e, CR_EPERM, "user %s (role %s) may not print "
			    "the first certificate of %s: that certifies it, "
			    "which needs the role %s; certified records and "
			    "certified copies are printed by more roles",
			    pr->s->user, user_role_name(pr->s->role), r.id,
			    who);
		if (rc != CR_OK)
			goto out;
		certified = 1;
	}
	/* A fresh code; a clash with an earlier one draws again. */
	for (tries = 0; ; tries++) {
		code_new(code);
		key_code(&k, code);
		rc = store_put(tx, ST_CERTS, k.data, k.len, c->serial,
		    strlen(c->serial), 1, e);
		if (rc != CR_EEXIST || tries == 8)
			break;
		err_clear(e);
	}
	if (rc != CR_OK)
		goto out;
	cert_code_show(code, c->code);
	snprintf(c->record, sizeof c->record, "%s", r.id);
	snprintf(c->user, sizeof c->user, "%s", pr->s->user);
	snprintf(c->office, sizeof c->office, "%s", pr->s->office);
	c->kind = r.kind;
	c->type = pr->type;
	c->rev = r.rev;
	c->print = cn.n + 1;
	c->time = (int64_t)cr_now();
	if ((rc = render(tx, &r, f, d, c, &pg, e)) != CR_OK)
		goto out;
	crypto_sha256(pg.b.data, pg.b.len, c->digest);
	entry_encode(c, seq, &b);
	key_serial(&k, c->serial);
	if ((rc = store_put(tx, ST_CERTS, k.data, k.len, b.data, b.len, 1,
	    e)) != CR_OK)
		goto out;
	key_record(&k, r.id, seq);
	if ((rc = store_put(tx, ST_CERTS, k.data, k.len, c->serial,
	    strlen(c->serial), 1, e)) != CR_OK)
		goto out;
	snprintf(detail, sizeof detail, "%s %s, print %u",
	    cert_doc_name(c->kind, c->type, what, sizeof what), c->serial,
	    (unsigned)c->print);
	if ((rc = audit_append(tx, pr->s->user, pr->s->office, AU_CERT_PRINT,
	    r.id, detail, e)) != CR_OK)
		goto out;
	out->certified = certified;
	out->len = pg.b.len;
	buf_add_u8(&pg.b, 0);
	out->text = (char *)pg.b.data;
	buf_init(&pg.b);
out:
	rec_free(&r);
	buf_free(&b);
	buf_free(&k);
	buf_free(&pg.b);
	return rc;
}

void
cert_paper_free(struct cert_paper *p)
{
	free(p->text);
	memset(p, 0, sizeof *p);
}

int
cert_print(struct session *s, const char *id, int type,
    struct cert_paper *out, struct cr_err *e)
{
	struct printing pr = { s, id, type, out };
	locale_t loc, old = (locale_t)0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = authz_check(s, AZ_CERT_PRINT, NULL, e)) != CR_OK) {
		audit_denied(s, id, e);
		return rc;
	}
	if (!rec_id_valid(id))
		return err_set(e, CR_EINVAL, "'%s' is not a record id: write it "
		    "as OFFICE-NUMBER, e.g. 120101-00000042", id);
	if (type != CT_ORIGINAL && type != CT_COPY)
		return err_set(e, CR_EUSAGE, "unknown certificate type %d",
		    type);
	/* Widths as a UTF-8 terminal counts them, whatever our locale. */
	if ((loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0)) != NULL)
		old = uselocale(loc);
	rc = store_run(s->store, print_txn, &pr, e);
	if (rc == CR_EPERM)
		audit_denied(s, id, e);
	if (loc) {
		uselocale(old);
		freelocale(loc);
	}
	if (rc != CR_OK)
		cert_paper_free(out);
	return rc;
}

/* --- verify --------------------------------------------------------------- */

struct verifying {
	struct session		*s;
	const char		*code;
	struct cert_check	*out;
	int			 found;
};

/*
 * Names and event date of a record, for the one who checks a paper: the
 * person's or the spouses' names, else (a fetal death) the first two.
 */
static void
summary(const struct record *r, char *out, size_t n)
{
	static const char *const main_names =
	    "name_km,name_latin,husband_name_km,husband_name_latin,"
	    "wife_name_km,wife_name_latin";
	const struct form *f = form_by_code(r->kind);
	const char *v;
	size_t i, o = 0, shown = 0;
	int pass;

	out[0] = '\0';
	for (pass = 0; pass < 2 && shown == 0; pass++)
		for (i = 0; f && i < f->nfields && o < n; i++) {
			const struct form_field *ff = &f->fields[i];

			if ((ff->type != FT_NAME_KM &&
			    ff->type != FT_NAME_LATIN) ||
			    (pass == 0 && !str_in_list(main_names, ff->key)) ||
			    (pass == 1 && shown == 2) ||
			    (v = rec_value(r, ff->key)) == NULL)
				continue;
			o += (size_t)snprintf(out + o, n - o, "%s%s=%s", o ?
			    "; " : "", ff->key, v);
			shown++;
		}
	if (f && f->date_field && (v = rec_value(r, f->date_field)) && o < n)
		snprintf(out + o, n - o, "%s%s=%s", o ? "; " : "",
		    f->date_field, v);
}

/* The keys whose values differ between two revisions. */
static void
changes(const struct record *a, const struct record *b, char *out, size_t n)
{
	const char *v;
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < a->nfields && o < n; i++)
		if ((v = rec_value(b, a->fields[i].key)) == NULL ||
		    strcmp(v, a->fields[i].value) != 0)
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ?
			    ", " : "", a->fields[i].key);
	for (i = 0; i < b->nfields && o < n; i++)
		if (rec_value(a, b->fields[i].key) == NULL)
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ?
			    ", " : "", b->fields[i].key);
}

static int
verify_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct verifying *vf = arg;
	struct cert_check *out = vf->out;
	struct record then, now;
	struct buf k, v;
	char detail[200], what[80], shown[CERT_CODE_SHOWN + 1];
	uint64_t seq;
	int rc;

	memset(out, 0, sizeof *out);
	vf->found = 0;
	rec_init(&then);
	rec_init(&now);
	buf_init(&k);
	buf_init(&v);
	cert_code_show(vf->code, shown);
	key_code(&k, vf->code);
	rc = store_get(tx, ST_CERTS, k.data, k.len, &v, 0, e);
	if (rc == CR_ENOTFOUND) {
		snprintf(detail, sizeof detail, "code %s: unknown", shown);
		rc = audit_append(tx, vf->s->user, vf->s->office,
		    AU_CERT_VERIFY, "", detail, e);
		goto out;
	}
	if (rc != CR_OK)
		goto out;
	rc = entry_get(tx, (const char *)v.data, v.len, &out->info, &seq, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ECORRUPT, "certs.db: the code %s names "
		    "certificate %.*s, which is missing", shown, (int)v.len,
		    (const char *)v.data);
	if (rc != CR_OK)
		goto out;
	vf->found = 1;
	/* The revision printed, from the history, and the record now. */
	buf_reset(&k);
	buf_add_cstr(&k, out->info.record);
	{
		unsigned char r4[4];

		be32_put(r4, out->info.rev);
		buf_add(&k, r4, 4);
	}
	rc = regist_history_get(tx, k.data, k.len, &v, e);
	if (rc == CR_OK)
		rc = rec_decode(v.data, v.len, &then, e);
	if (rc == CR_OK)
		rc = store_get(tx, ST_RECORDS, out->info.record,
		    strlen(out->info.record), &v, 0, e);
	if (rc == CR_OK)
		rc = rec_decode(v.data, v.len, &now, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ECORRUPT, "certificate %s names revision %u "
		    "of %s, which is not in this store", out->info.serial,
		    (unsigned)out->info.rev, out->info.record);
	if (rc != CR_OK)
		goto out;
	out->rev_now = now.rev;
	out->status_now = now.status;
	out->status_then = then.status;
	summary(&then, out->summary, sizeof out->summary);
	changes(&then, &now, out->changed, sizeof out->changed);
	snprintf(detail, sizeof detail, "%s %s: genuine; record %s",
	    cert_doc_name(out->info.kind, out->info.type, what, sizeof what),
	    out->info.serial, now.rev == then.rev ? "unchanged" :
	    "changed since");
	rc = audit_append(tx, vf->s->user, vf->s->office, AU_CERT_VERIFY,
	    out->info.record, detail, e);
out:
	rec_free(&then);
	rec_free(&now);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

int
cert_verify(struct session *s, const char *code, struct cert_check *out,
    struct cr_err *e)
{
	struct verifying vf;
	char norm[CERT_CODE_CHARS + 1], why[160], shown[160], sc[16];
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = authz_check(s, AZ_CERT_VERIFY, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (cert_code_parse(code, norm, why, sizeof why) != 0) {
		str_printable(shown, sizeof shown, code);
		return err_set(e, CR_EINVAL, "'%s' is mistyped: %s; read the "
		    "code on the paper again", shown, why);
	}
	vf.s = s;
	vf.code = norm;
	vf.out = out;
	vf.found = 0;
	if ((rc = store_run(s->store, verify_txn, &vf, e)) != CR_OK)
		return rc;
	if (!vf.found) {
		cert_code_show(norm, sc);
		return err_set(e, CR_ENOTFOUND, "%s is not the code of any "
		    "certificate printed at this office: the paper may be "
		    "forged, or it was printed at another office (ask the "
		    "office named on it)", sc);
	}
	return CR_OK;
}

/* --- list ----------------------------------------------------------------- */

struct listing {
	struct session		*s;
	const char		*id;
	struct cert_info	*v;
	size_t			 n;
	struct txn		*tx;
	int			 rc;
	struct cr_err		*e;
};

static int
list_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct listing *l = arg;
	uint64_t seq;

	(void)k;
	(void)kl;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	if ((l->rc = entry_get(l->tx, v, vl, &l->v[l->n], &seq, l->e)) !=
	    CR_OK)
		return -l->rc;
	l->n++;
	return 0;
}

static int
list_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct listing *l = arg;
	struct buf k;
	int rc;

	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->tx = tx;
	l->rc = CR_OK;
	l->e = e;
	buf_init(&k);
	rc = store_get(tx, ST_RECORDS, l->id, strlen(l->id), NULL, 0, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ENOTFOUND, "no record %s in this store: "
		    "'civreg search' finds records by name", l->id);
	if (rc == CR_OK) {
		key_record(&k, l->id, 0);
		rc = store_scan(tx, ST_CERTS, k.data, k.len, list_visit, l, e);
		if (rc == CR_OK && l->rc != CR_OK)
			rc = l->rc;
	}
	if (rc == CR_OK)
		rc = audit_append(tx, l->s->user, l->s->office, AU_READ, l->id,
		    "certificates listed", e);
	buf_free(&k);
	return rc;
}

int
cert_list(struct session *s, const char *id, cert_visit_fn visit, void *arg,
    struct cr_err *e)
{
	struct listing l;
	size_t i;
	int rc;

	memset(&l, 0, sizeof l);
	if ((rc = authz_check(s, AZ_READ, NULL, e)) != CR_OK) {
		audit_denied(s, id, e);
		return rc;
	}
	if (!rec_id_valid(id))
		return err_set(e, CR_EINVAL, "'%s' is not a record id: write it "
		    "as OFFICE-NUMBER, e.g. 120101-00000042", id);
	l.s = s;
	l.id = id;
	rc = store_run(s->store, list_txn, &l, e);
	for (i = 0; rc == CR_OK && i < l.n; i++)
		if (visit(arg, &l.v[i]) != 0)
			break;
	free(l.v);
	return rc;
}

/* --- lpr ------------------------------------------------------------------ */

/*
 * Sends text to lpr (lpr -P PRINTER) on its standard input: fork and
 * execvp, no shell.  What lpr says goes to a temporary file, not to the
 * screen; its last line is quoted if it fails.
 */
int
cert_lpr(const char *printer, const char *text, size_t len,
    struct cr_err *e)
{
	struct sigaction ign, old;
	char *argv[4], said[256], line[256];
	FILE *log = tmpfile();
	pid_t pid;
	ssize_t w;
	int in[2], st = 0, fd, werr = 0;
	long maxfd;

	argv[0] = (char *)"lpr";
	argv[1] = printer ? (char *)"-P" : NULL;
	argv[2] = (char *)printer;
	argv[3] = NULL;
	if (pipe(in) != 0) {
		if (log)
			fclose(log);
		return err_set(e, CR_EIO, "cannot run lpr: %s", strerror(errno));
	}
	if ((pid = fork()) < 0) {
		close(in[0]);
		close(in[1]);
		if (log)
			fclose(log);
		return err_set(e, CR_EIO, "cannot run lpr: %s", strerror(errno));
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		/* lpr's words go to the log, never over the screens. */
		if (log == NULL)
			fd = open("/dev/null", O_WRONLY);
		else
			fd = fileno(log);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		/* The store's files and locks stay with civreg. */
		maxfd = sysconf(_SC_OPEN_MAX);
		for (fd = 3; fd < (maxfd > 0 && maxfd < 4096 ? maxfd : 4096);
		    fd++)
			close(fd);
		execvp("lpr", argv);
		_exit(127);
	}
	close(in[0]);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	while (len > 0) {
		w = write(in[1], text, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			werr = errno;
			break;
		}
		text += w;
		len -= (size_t)w;
	}
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		if (log)
			fclose(log);
		return err_set(e, CR_EIO, "lpr's result is unknown (%s): "
		    "check the printer before printing again",
		    strerror(errno));
	}
	said[0] = '\0';
	if (log) {
		rewind(log);
		while (fgets(line, sizeof line, log))
			if (line[strspn(line, " \t\r\n")] != '\0') {
				line[strcspn(line, "\r\n")] = '\0';
				str_printable(said, sizeof said, line);
			}
		if (said[0] && said[strlen(said) - 1] == '.')
			said[strlen(said) - 1] = '\0';
		fclose(log);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return err_set(e, CR_EIO, "lpr could not be started: is it "
		    "installed and in PATH?");
	if (WIFSIGNALED(st))
		return err_set(e, CR_EIO, "lpr was killed by signal %d",
		    WTERMSIG(st));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(e, CR_EIO, "lpr failed with exit status %d%s%s",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1, said[0] ? ": " : "",
		    said);
	if (werr)
		return err_set(e, CR_EIO, "lpr did not read the whole "
		    "certificate: %s", strerror(werr));
	return CR_OK;
}

/* --- verify.c: certs.db --------------------------------------------------- */

struct vcerts {
	struct txn	*tx;
	struct cr_err	*report;
	int		 problems;
	uint64_t	 count;
};

static void
vproblem(struct vcerts *vc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
vproblem(struct vcerts *vc, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (++vc->problems <= 50)
		err_add(vc->report, CR_ECORRUPT, "certs.db: %s", line);
}

static int
vcert_visit(void *arg, const void *kp, size_t kl, const void *v, size_t vl)
{
	struct vcerts *vc = arg;
	const unsigned char *k = kp;
	struct cert_info c;
	struct cr_err e;
	struct buf b;
	uint64_t seq;
	int rc;

	buf_init(&b);
	err_clear(&e);
	if (kl < 2) {
		vproblem(vc, "a key of %zu bytes", kl);
	} else if (k[0] == K_SERIAL) {
		vc->count++;
		if (entry_decode(v, vl, &c, &seq, &e) != CR_OK)
			vproblem(vc, "the entry of %.*s is damaged",
			    (int)(kl - 1 < 40 ? kl - 1 : 40), (const char *)k + 1);
		else if (strlen(c.serial) != kl - 1 ||
		    memcmp(c.serial, k + 1, kl - 1) != 0)
			vproblem(vc, "certificate %s is stored under another "
			    "serial", c.serial);
		else {
			rc = store_get(vc->tx, ST_RECORDS, c.record,
			    strlen(c.record), NULL, 0, &e);
			if (rc == CR_ENOTFOUND)
				vproblem(vc, "certificate %s names record %s, "
				    "which does not exist", c.serial, c.record);
			key_code(&b, c.code);
			rc = store_get(vc->tx, ST_CERTS, b.data, b.len, &b, 0,
			    &e);
			if (rc != CR_OK || b.len != strlen(c.serial) ||
			    memcmp(b.data, c.serial, b.len) != 0)
				vproblem(vc, "the code of certificate %s does not "
				    "lead to it", c.serial);
			key_record(&b, c.record, seq);
			if (store_get(vc->tx, ST_CERTS, b.data, b.len, NULL, 0,
			    &e) != CR_OK)
				vproblem(vc, "certificate %s is missing from the "
				    "list of record %s", c.serial, c.record);
		}
	} else if (k[0] == K_CODE || k[0] == K_RECORD) {
		if (entry_get(vc->tx, v, vl, &c, &seq, &e) != CR_OK)
			vproblem(vc, "a %s entry names certificate %.*s, which "
			    "is missing or damaged", k[0] == K_CODE ? "code" :
			    "record", (int)(vl < 40 ? vl : 40), (const char *)v);
	} else
		vproblem(vc, "a key of unknown kind '%c'", k[0] >= 0x20 &&
		    k[0] < 0x7f ? k[0] : '?');
	buf_free(&b);
	return 0;
}

int
cert_check_store(struct txn *tx, struct cr_err *report, uint64_t *count)
{
	struct vcerts vc;
	struct cr_err e;

	memset(&vc, 0, sizeof vc);
	vc.tx = tx;
	vc.report = report;
	err_clear(&e);
	if (store_scan(tx, ST_CERTS, NULL, 0, vcert_visit, &vc, &e) != CR_OK)
		vproblem(&vc, "cannot be read to the end: %s", e.msg);
	if (vc.problems > 50)
		err_add(report, CR_ECORRUPT, "certs.db: ... and %d more "
		    "problems", vc.problems - 50);
	*count = vc.count;
	return vc.problems;
}
