/*
 * tui-edit.c -- one line of text being edited, Khmer-safe.
 *
 * Why not libformw: its insert mode moves Khmer's zero-width marks to the
 * end of the field ("សុខ" typed becomes "សខ…ុ", TOOLBOX.md).  So each text
 * field keeps its own wide-character buffer and every movement and
 * deletion works on whole grapheme clusters: a base character with the
 * zero-width marks that follow it, where a COENG (U+17D2) also takes the
 * consonant after it into the cluster (a subscript consonant).  Columns
 * come from wcwidth().  This file draws nothing and includes no curses,
 * so the unit tests check it directly; tui-form.c draws the buffer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "civreg.h"

#define COENG	0x17d2

static int
zero_width(wchar_t c)
{
	/* Marks and joiners draw nothing of their own. */
	return c != 0 && wcwidth(c) == 0;
}

void
tedit_init(struct tedit *t)
{
	memset(t, 0, sizeof *t);
}

void
tedit_free(struct tedit *t)
{
	free(t->buf);
	tedit_init(t);
}

/* End of the cluster that starts at i. */
size_t
tedit_next(const struct tedit *t, size_t i)
{
	if (i >= t->len)
		return t->len;
	i++;
	while (i < t->len) {
		if (t->buf[i - 1] == COENG) {
			i++;		/* the subscript consonant */
			continue;
		}
		if (!zero_width(t->buf[i]))
			break;
		i++;
	}
	return i;
}

/* Start of the cluster that ends at i. */
size_t
tedit_prev(const struct tedit *t, size_t i)
{
	size_t j = 0, start = 0;

	while (j < i && j < t->len) {
		start = j;
		j = tedit_next(t, j);
	}
	return start;
}

int
tedit_set_utf8(struct tedit *t, const char *s)
{
	mbstate_t st;
	size_t n;
	const char *p = s;

	memset(&st, 0, sizeof st);
	n = mbsrtowcs(NULL, &p, 0, &st);
	if (n == (size_t)-1)
		return -1;
	if (n + 1 > t->cap) {
		t->cap = n + 16;
		t->buf = xrealloc(t->buf, t->cap * sizeof *t->buf);
	}
	p = s;
	memset(&st, 0, sizeof st);
	mbsrtowcs(t->buf, &p, n + 1, &st);
	t->len = n;
	t->cur = n;
	t->off = 0;
	return 0;
}

char *
tedit_utf8(const struct tedit *t)
{
	return tedit_utf8_from(t, 0);
}

/* The text from character off on (what a scrolled field shows). */
char *
tedit_utf8_from(const struct tedit *t, size_t off)
{
	mbstate_t st;
	const wchar_t *p;
	wchar_t *w;
	size_t n;
	char *s;

	if (off > t->len)
		off = t->len;
	w = xcalloc(t->len - off + 1, sizeof *w);
	if (t->len > off)
		memcpy(w, t->buf + off, (t->len - off) * sizeof *w);
	memset(&st, 0, sizeof st);
	p = w;
	n = wcsrtombs(NULL, &p, 0, &st);
	if (n == (size_t)-1) {
		free(w);
		return xstrdup("");
	}
	s = xmalloc(n + 1);
	p = w;
	memset(&st, 0, sizeof st);
	wcsrtombs(s, &p, n + 1, &st);
	free(w);
	return s;
}

int
tedit_insert(struct tedit *t, wchar_t c, size_t max)
{
	if (c < 0x20 || c == 0x7f)
		return -1;
	if (max > 0 && t->len >= max)
		return -1;
	if (t->len + 2 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->buf = xrealloc(t->buf, t->cap * sizeof *t->buf);
	}
	memmove(t->buf + t->cur + 1, t->buf + t->cur,
	    (t->len - t->cur) * sizeof *t->buf);
	t->buf[t->cur++] = c;
	t->len++;
	/* Typing a mark after a base stays inside that cluster. */
	return 0;
}

static void
delete_range(struct tedit *t, size_t a, size_t b)
{
	memmove(t->buf + a, t->buf + b, (t->len - b) * sizeof *t->buf);
	t->len -= b - a;
	t->cur = a;
}

void
tedit_backspace(struct tedit *t)
{
	if (t->cur > 0)
		delete_range(t, tedit_prev(t, t->cur), t->cur);
}

void
tedit_delete(struct tedit *t)
{
	if (t->cur < t->len)
		delete_range(t, t->cur, tedit_next(t, t->cur));
}

void
tedit_left(struct tedit *t)
{
	t->cur = tedit_prev(t, t->cur);
}

void
tedit_right(struct tedit *t)
{
	t->cur = tedit_next(t, t->cur);
}

void
tedit_home(struct tedit *t)
{
	t->cur = 0;
}

void
tedit_end(struct tedit *t)
{
	t->cur = t->len;
}

void
tedit_kill(struct tedit *t)
{
	t->len = t->cur = t->off = 0;
}

/* Screen columns of buf[a..b). */
int
tedit_width(const struct tedit *t, size_t a, size_t b)
{
	int w = 0, cw;

	for (; a < b && a < t->len; a++)
		if ((cw = wcwidth(t->buf[a])) > 0)
			w += cw;
	return w;
}

/*
 * Keeps the cursor inside a window of cols columns by moving the first
 * shown character (off), always to a cluster boundary.
 */
void
tedit_scroll(struct tedit *t, int cols)
{
	if (t->cur < t->off)
		t->off = t->cur;
	while (t->off < t->cur && tedit_width(t, t->off, t->cur) >= cols)
		t->off = tedit_next(t, t->off);
}
