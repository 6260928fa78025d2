/*
 * util.c -- memory, byte buffers, bounded readers, UTF-8 and dates.
 *
 * Allocation failure is not something a registry can recover from in the
 * middle of a transaction, so x*alloc abort with a message (the open
 * transaction dies with the process and Berkeley DB recovery undoes it).
 * Encoded integers are little-endian inside record, user and audit
 * values, and big-endian in keys and meta.db counters, where byte order
 * must sort numerically.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

static void
oom(void)
{
	fputs("civreg: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
buf_add_u8(struct buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	buf_add(b, &c, 1);
}

/* n bytes of v, least significant first. */
static void
buf_add_le(struct buf *b, uint64_t v, int n)
{
	unsigned char c[8];
	int i;

	for (i = 0; i < n; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	buf_add(b, c, (size_t)n);
}

void
buf_add_u16(struct buf *b, unsigned v)
{
	buf_add_le(b, v, 2);
}

void
buf_add_u32(struct buf *b, uint32_t v)
{
	buf_add_le(b, v, 4);
}

void
buf_add_u64(struct buf *b, uint64_t v)
{
	buf_add_le(b, v, 8);
}

void
buf_add_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > 0xffff)
		n = 0xffff;	/* callers validate lengths long before this */
	buf_add_u16(b, (unsigned)n);
	buf_add(b, s, n);
}

void
buf_add_cstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s) + 1);
}

void
rd_init(struct rd *r, const void *p, size_t n)
{
	r->p = p;
	r->left = n;
	r->bad = 0;
}

const void *
rd_bytes(struct rd *r, size_t n)
{
	const void *p;

	if (r->bad || r->left < n) {
		r->bad = 1;
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

unsigned
rd_u8(struct rd *r)
{
	const unsigned char *p = rd_bytes(r, 1);

	return p ? p[0] : 0;
}

unsigned
rd_u16(struct rd *r)
{
	const unsigned char *p = rd_bytes(r, 2);

	return p ? (unsigned)(p[0] | p[1] << 8) : 0;
}

static uint64_t
rd_le(struct rd *r, int n)
{
	const unsigned char *p = rd_bytes(r, (size_t)n);
	uint64_t v = 0;
	int i;

	if (p == NULL)
		return 0;
	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint32_t
rd_u32(struct rd *r)
{
	return (uint32_t)rd_le(r, 4);
}

uint64_t
rd_u64(struct rd *r)
{
	return rd_le(r, 8);
}

char *
rd_str(struct rd *r)
{
	unsigned n = rd_u16(r);
	const char *p = rd_bytes(r, n);

	if (p == NULL)
		return xstrdup("");
	if (memchr(p, '\0', n) != NULL || !utf8_valid(p, n))
		r->bad = 1;
	return xstrndup(p, n);
}

void
be64_put(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

uint64_t
be64_get(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void
be32_put(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 3; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

uint32_t
be32_get(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * Appends code point c, UTF-8 encoded: in place, after one check of the
 * room left (the name index encodes every letter of every name).
 */
void
utf8_put(struct buf *b, uint32_t c)
{
	unsigned char *u;

	if (b->cap - b->len < 4) {
		buf_add(b, "\0\0\0\0", 4);
		b->len -= 4;
	}
	u = b->data + b->len;
	if (c < 0x80) {
		u[0] = (unsigned char)c;
		b->len += 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xc0 | c >> 6);
		u[1] = (unsigned char)(0x80 | (c & 0x3f));
		b->len += 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xe0 | c >> 12);
		u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c & 0x3f));
		b->len += 3;
	} else {
		u[0] = (unsigned char)(0xf0 | c >> 18);
		u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (c & 0x3f));
		b->len += 4;
	}
}

/*
 * The code point at *p, which must be valid UTF-8 (utf8_valid), and
 * *p moved past it.
 */
uint32_t
utf8_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	uint32_t c;

	if (s[0] < 0x80) {
		c = s[0];
		*p += 1;
	} else if (s[0] < 0xe0) {
		c = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		*p += 2;
	} else if (s[0] < 0xf0) {
		c = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
		*p += 3;
	} else {
		c = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) <<
		    12 | (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		*p += 4;
	}
	return c;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p, need, min;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else
			return 0;
		if ((size_t)(end - p) <= need)
			return 0;
		for (unsigned i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += need + 1;
	}
	return 1;
}

size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Khmer block U+1780..U+17FF and Khmer symbols U+19E0..U+19FF. */
int
utf8_has_khmer(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (p[0] == 0xe1 && (p[1] == 0x9e || p[1] == 0x9f ||
		    (p[1] == 0xa7 && p[2] >= 0xa0)))
			return 1;
	return 0;
}

/* Copies in for a message: control bytes and bad UTF-8 as \xNN, cut short. */
void
str_printable(char *out, size_t outsz, const char *in)
{
	size_t o = 0, n = strlen(in), i = 0;

	while (i < n && o + 8 < outsz) {
		unsigned char c = (unsigned char)in[i];
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (c >= 0x20 && c != 0x7f && (c < 0x80 ||
		    (i + len <= n && utf8_valid(in + i, len)))) {
			if (o + len + 4 >= outsz)
				break;
			memcpy(out + o, in + i, len);
			o += len;
			i += len;
		} else {
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
			i++;
		}
	}
	if (i < n && o + 4 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

time_t
cr_now(void)
{
	const char *s = getenv("CIVREG_NOW");
	int y, m, d, hh = 0, mm = 0, ss = 0;
	char why[8];

	if (s == NULL || strlen(s) < 10)
		return time(NULL);
	{
		char day[11];

		memcpy(day, s, 10);
		day[10] = '\0';
		if (date_parse(day, &y, &m, &d, why, sizeof why) != 0)
			return time(NULL);
	}
	if (s[10] == 'T' && sscanf(s + 11, "%2d:%2d:%2d", &hh, &mm, &ss) < 2)
		return time(NULL);
	return (time_t)date_days(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : md[m - 1];
}

int
date_parse(const char *s, int *y, int *m, int *d, char *why, size_t whysz)
{
	static const char *months[] = { "January", "February", "March",
	    "April", "May", "June", "July", "August", "September", "October",
	    "November", "December" };
	int i;

	for (i = 0; i < 10; i++) {
		int want_dash = (i == 4 || i == 7);

		if (s[i] == '\0' || (want_dash ? s[i] != '-' :
		    (s[i] < '0' || s[i] > '9'))) {
			snprintf(why, whysz, "is not a date: write it as "
			    "YYYY-MM-DD, e.g. 2024-03-17");
			return -1;
		}
	}
	if (s[10] != '\0') {
		snprintf(why, whysz, "is not a date: write it as YYYY-MM-DD, "
		    "e.g. 2024-03-17");
		return -1;
	}
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	if (*y < 1800) {
		snprintf(why, whysz, "is not a possible date: the year %d is "
		    "before 1800", *y);
		return -1;
	}
	if (*m < 1 || *m > 12) {
		snprintf(why, whysz, "is not a real date: there is no month %d "
		    "(months are 01 to 12)", *m);
		return -1;
	}
	if (*d < 1 || *d > month_days(*y, *m)) {
		snprintf(why, whysz, "is not a real date: %s %d has %d days",
		    months[*m - 1], *y, month_days(*y, *m));
		return -1;
	}
	return 0;
}

/* Days from the civil calendar (proleptic Gregorian), Hinnant's method. */
int32_t
date_days(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
date_from_days(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int32_t
date_today(void)
{
	time_t t = cr_now();

	return (int32_t)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
}

void
time_format(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Whether item is one of the comma-separated words of list. */
int
str_in_list(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p && *p) {
		if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return 0;
}
