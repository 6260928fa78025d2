/*
 * tui-pair.c -- two records side by side, as the conflict view
 * (tui-sync.c) and a likely duplicate (tui-dedup.c) show them.
 *
 * One row a field that either record has, labelled from the form in the
 * user's language; the rows that differ bold and marked with *.  Under
 * the two headings, a label column and two value columns measured in
 * screen columns (tui_put, wcwidth), so the records line up whatever the
 * script; Up/Down scroll.  The screen's deciding keys (s or d, l or o)
 * ask for an optional reason on the line above the message line.  One
 * piece so that both screens look and behave alike; each keeps its
 * title, its keys and its calls to the core.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <libintl.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define _(s)	gettext(s)

#define PY_HEAD		3	/* the headings; the rows below */
#define PX_LABEL	3
#define PW_LABEL	(TUI_PAIR_X - PX_LABEL - 1)

/* Rows that fit between the headings and the status lines. */
static int
rows_shown(void)
{
	return LINES - 6;
}

/* A value is missing (NULL) or differs. */
static int
differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && b && strcmp(a, b) != 0);
}

void
tui_pair_add(struct tui_pair *p, const char *label, const char *a,
    const char *b, int d)
{
	struct tui_pair_row *r;

	p->row = xrealloc(p->row, (p->nrow + 1) * sizeof *p->row);
	r = &p->row[p->nrow++];
	r->label = xstrdup(label);
	r->a = xstrdup(a ? a : "-");
	r->b = xstrdup(b ? b : "-");
	r->differ = d == TUI_PAIR_CMP ? differ(a, b) : d;
	p->ndiff += r->differ;
}

/* A choice by its Khmer label in Khmer; anything else as stored. */
static const char *
shown(const struct form_field *ff, const char *value)
{
	return value ? tui_label(form_value_km(ff, value), value) : NULL;
}

void
tui_pair_fields(struct tui_pair *p, const struct form *f,
    const struct form *skip, const struct record *a, const struct record *b)
{
	const char *va, *vb;
	size_t i;

	for (i = 0; f && i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];

		if (skip && form_field(skip, ff->key))
			continue;
		va = rec_value(a, ff->key);
		vb = rec_value(b, ff->key);
		if (va == NULL && vb == NULL)
			continue;
		tui_pair_add(p, tui_label(ff->label_km, ff->label_en),
		    shown(ff, va), shown(ff, vb), differ(va, vb));
	}
}

void
tui_pair_clear(struct tui_pair *p)
{
	size_t i;

	for (i = 0; i < p->nrow; i++) {
		free(p->row[i].label);
		free(p->row[i].a);
		free(p->row[i].b);
	}
	free(p->row);
	p->row = NULL;
	p->nrow = 0;
	p->ndiff = 0;
}

void
tui_pair_free(struct tui_pair *p)
{
	tui_pair_clear(p);
	tedit_free(&p->in);
}

void
tui_pair_draw(struct tui_pair *p, const char *head_a, const char *head_b,
    int aw, int bw)
{
	int bx = TUI_PAIR_X + aw + 1, y, i;

	tui_put(PY_HEAD, TUI_PAIR_X, aw, head_a, TUI_A_BOLD);
	tui_put(PY_HEAD, bx, bw, head_b, TUI_A_BOLD);
	for (y = PY_HEAD + 1, i = p->first; y < LINES - (p->asking ? 3 : 2) &&
	    i < (int)p->nrow; y++, i++) {
		const struct tui_pair_row *r = &p->row[i];
		int a = r->differ ? TUI_A_BOLD : 0;

		tui_put(y, 1, 2, r->differ ? "*" : "", TUI_A_BOLD);
		tui_put(y, PX_LABEL, PW_LABEL, r->label, a);
		tui_put(y, TUI_PAIR_X, aw, r->a, a);
		tui_put(y, bx, bw, r->b, a);
	}
	if (p->asking) {
		char *t;

		tui_put(LINES - 3, 1, 20, _("Reason (optional):"), TUI_A_BOLD);
		tedit_scroll(&p->in, COLS - 24);
		t = tedit_utf8_from(&p->in, p->in.off);
		tui_put(LINES - 3, 22, COLS - 24, t, TUI_A_FOCUS);
		free(t);
		move(LINES - 3, 22 + tedit_width(&p->in, p->in.off, p->in.cur));
		curs_set(1);
	}
}

int
tui_pair_scroll_key(struct tui_pair *p, int k)
{
	if (k == TUI_KEY(KEY_DOWN) || k == TUI_CTRL('n') || k == ' ') {
		if (p->first + rows_shown() < (int)p->nrow)
			p->first++;
	} else if (k == TUI_KEY(KEY_UP) || k == TUI_CTRL('p')) {
		if (p->first > 0)
			p->first--;
	} else
		return 0;
	return 1;
}

void
tui_pair_ask(struct tui_pair *p, int k)
{
	p->asking = k;
	tedit_kill(&p->in);
}

int
tui_pair_answer(struct tui_pair *p, int k)
{
	int asked = p->asking;

	if (tui_is_back(k)) {
		p->asking = 0;
		return -1;
	}
	if (tui_is_enter(k)) {
		p->asking = 0;
		return asked;
	}
	return 0;
}
