/*
 * tui-stats.c -- the vital statistics screens: the tables to choose from,
 * with the period and area they count, and one table as a bar chart.
 *
 * The first screen lists the tables that stats.c defines (stats_count,
 * stats_info: key and title) under three fields: From and To, dates
 * YYYY-MM-DD (the first day of the current year and today until they
 * are changed: date_today, so CIVREG_NOW fixes them), and Area, an
 * optional gazetteer code.  Tab moves between the fields and the list;
 * the fields take only digits and '-', so the letter keys work wherever
 * the focus is: f, t and a go to a field, r says which place the area is
 * about -- the table's own (the place of occurrence; usual residence for
 * a completeness table), usual residence, or the place of occurrence.
 *
 * Enter computes the table under the selection with stats_compute and
 * shows it: its title, the period and area, then one line a row --
 * label, count, share of the total and a bar of '#' scaled to the
 * largest row -- and the total, always on screen.  A completeness table
 * (stats_table.expected >= 0) shows, after the records registered, the
 * events expected and the share of them registered, the bar scaled to
 * that share (a complete register, or the best province, filling it),
 * and a total of the provinces with rates over the total.  A
 * cross-tabulation (stats_table.ncols > 0) shows a row's cells, each
 * column as wide as its heading or its total, then the row's total and
 * its bar; the last line totals the columns.  Labels take the widest
 * label's columns (tui_cols: Khmer marks take none), within what the
 * numbers and a bar of 10 leave, and the bar takes the rest, so every
 * line fits the terminal (80 columns at least).  Titles and labels are
 * the core's English words, shown in Khmer when the user reads Khmer
 * (core_words, the forms' values_km= and titles, month names).  Up and
 * Down scroll a table longer than the screen (months over years) by a
 * line, Space and b by a page, g and G to its ends (PgDn, PgUp, Home and
 * End too, where the terminal has them: a VT100 has not); Esc goes back
 * to the first screen as it was.
 *
 * Contract: these screens only draw and ask; nothing here touches the
 * store.  The core checks the dates, the period, the area and the role
 * (AZ_STATS; a refusal is audited) and audits each table computed.  A
 * refusal or bad input is shown with tui_error and nothing else
 * happens.  The entry point is tui_stats_open (civreg.h), from the main
 * menu.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define _(s)	gettext(s)
#define N_(s)	(s)

#define DATE_MAX	10	/* YYYY-MM-DD */
#define AREA_MAX	8	/* a village code */

/* --- the core's words, in the user's language ----------------------------- */

/*
 * The titles and row labels the core (stats.c) names itself, marked so
 * that po/km.po translates them (tests/po.sh).  The command line and
 * CSV keep them in English; here they are looked up by that English.
 * A form's choice values have their Khmer in the form (values_km=), the
 * event kinds in its title, and the months are numbers: see axis_label.
 */
static const char *const core_words[] = {
	/* the titles */
	N_("Live births by month of occurrence"),
	N_("Live births by sex"),
	N_("Live births by attendant at birth"),
	N_("Live births by place (of occurrence, or of usual residence with "
	   "--by residence)"),
	N_("Live births by type of place of occurrence"),
	N_("Live births by age of mother"),
	N_("Live births by timeliness of registration"),
	N_("Deaths by month of occurrence"),
	N_("Deaths by sex"),
	N_("Deaths by age group"),
	N_("Deaths by age group and sex"),
	N_("Deaths by cause (ICD-10 chapter)"),
	N_("Deaths by place (of occurrence, or of usual residence with --by "
	   "residence)"),
	N_("Deaths by type of place of occurrence"),
	N_("Deaths by timeliness of registration"),
	N_("Fetal deaths by month of delivery"),
	N_("Marriages by month"),
	N_("Divorces by month"),
	N_("Timeliness of registration by event kind"),
	N_("Completeness of birth registration by province"),
	N_("Completeness of death registration by province"),
	/* rows and columns */
	N_("not stated"), N_("no rates for the province"), N_("other places"),
	N_("current"), N_("late"), N_("delayed"),
	N_("under 1"), N_("under 15"), N_("50 and over"), N_("85 and over"),
	N_("I Infectious and parasitic (A00-B99)"),
	N_("II Neoplasms (C00-D48)"),
	N_("III Blood and immune (D50-D89)"),
	N_("IV Endocrine, nutritional, metabolic (E00-E90)"),
	N_("V Mental and behavioural (F00-F99)"),
	N_("VI Nervous system (G00-G99)"),
	N_("VII Eye and adnexa (H00-H59)"),
	N_("VIII Ear and mastoid (H60-H95)"),
	N_("IX Circulatory system (I00-I99)"),
	N_("X Respiratory system (J00-J99)"),
	N_("XI Digestive system (K00-K93)"),
	N_("XII Skin (L00-L99)"),
	N_("XIII Musculoskeletal (M00-M99)"),
	N_("XIV Genitourinary (N00-N99)"),
	N_("XV Pregnancy and childbirth (O00-O99)"),
	N_("XVI Perinatal conditions (P00-P96)"),
	N_("XVII Congenital malformations (Q00-Q99)"),
	N_("XVIII Ill-defined (R00-R99)"),
	N_("XX External causes (V01-Y98)"),
	N_("XXII Special purposes (U00-U99)"),
};

/* Month names, for the Khmer screen: "YYYY-MM" rows read as "month year". */
static const char *const month_names[] = {
	N_("January"), N_("February"), N_("March"), N_("April"), N_("May"),
	N_("June"), N_("July"), N_("August"), N_("September"),
	N_("October"), N_("November"), N_("December")
};

/* One of the core's words in the user's language; else as it is. */
static const char *
core_word(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof core_words / sizeof core_words[0]; i++)
		if (strcmp(s, core_words[i]) == 0)
			return _(core_words[i]);
	return s;
}

/*
 * A label of an axis in the user's language: field, the form's choice
 * field whose values the axis is (stats_table row_field, col_field).
 * In English the core's own label, as the command line prints it.
 */
static const char *
axis_label(const struct stats_table *t, const char *field,
    const char *label, char *buf, size_t n)
{
	const struct form *f = t->form ? form_by_key(t->form) : NULL;
	const char *km;
	int y, m;
	char end;

	if (!tui_session.lang)
		return label;
	if (field && f && (km = form_value_km(form_field(f, field),
	    label)) != NULL)
		return km;
	if (t->form == NULL && (f = form_by_key(label)) != NULL &&
	    f->title_km)
		return f->title_km;	/* an event kind */
	if (strlen(label) == 7 && sscanf(label, "%4d-%2d%c", &y, &m,
	    &end) == 2 && m >= 1 && m <= 12) {
		snprintf(buf, n, "%s %d", _(month_names[m - 1]), y);
		return buf;
	}
	return core_word(label);
}

/* --- one table, as a bar chart ------------------------------------------- */

struct sshow {
	struct stats_table	 t;
	char			 from[DATE_MAX + 1], to[DATE_MAX + 1];
	char			 area[AREA_MAX + 1];	/* "": all areas */
	int			 first;		/* the first row shown */
};

static const char *
row_label(const struct sshow *v, const char *label, char *buf, size_t n)
{
	return axis_label(&v->t, v->t.row_field, label, buf, n);
}

/* A completeness table: registered against expected, per province. */
static int
complete(const struct sshow *v)
{
	return v->t.expected >= 0;
}

/* The rows on screen: under the headings, over the total line(s). */
#define SHOW_Y	5
static int
show_height(const struct sshow *v)
{
	return LINES - 3 - SHOW_Y - complete(v);
}

/* Columns of the numbers after a label: count, [expected,] percent. */
#define NUM_W	(1 + 9 + 1 + 7)
#define NUM_WC	(1 + 10 + 1 + 10 + 1 + 8)

/* Digits of n. */
static int
digits(size_t n)
{
	int d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/*
 * A cross-tabulation's columns: one for each of the table's, then the
 * row's total, each as wide as its heading or its largest number (its
 * total), 4 at least, and a space before it.  Their widths in cw (the
 * last: the total's); returns them summed.
 */
static int
cross_widths(const struct sshow *v, int *cw)
{
	char buf[32];
	size_t j;
	int w, sum = 0;

	for (j = 0; j <= v->t.ncols; j++) {
		if (j < v->t.ncols) {
			w = tui_cols(axis_label(&v->t, v->t.col_field,
			    v->t.cols[j], buf, sizeof buf));
			if (w < digits(v->t.col_totals[j]))
				w = digits(v->t.col_totals[j]);
		} else if ((w = tui_cols(_("total"))) < digits(v->t.total))
			w = digits(v->t.total);
		cw[j] = 1 + (w < 4 ? 4 : w);
		sum += cw[j];
	}
	return sum;
}

/*
 * The numbers of a row: the count and its share of the total, or for a
 * completeness table the count, the events expected and the share of
 * them registered ("-": no rates), or for a cross-tabulation its cells
 * (cells; NULL: the column totals) and the count.
 */
static void
row_numbers(const struct sshow *v, size_t count, double expected,
    const size_t *cells, const int *cw, char *out, size_t n)
{
	size_t j, o = 0;

	if (v->t.ncols) {
		out[0] = '\0';
		for (j = 0; j <= v->t.ncols && o < n; j++) {
			snprintf(out + o, n - o, " %*zu", cw[j] - 1,
			    j == v->t.ncols ? count : cells ? cells[j] :
			    v->t.col_totals[j]);
			o += strlen(out + o);
		}
	} else if (!complete(v))
		snprintf(out, n, " %9zu %6.1f%%", count, v->t.total ? 100.0 *
		    (double)count / (double)v->t.total : 0.0);
	else if (expected < 0)
		snprintf(out, n, " %10zu %10s %8s", count, "-", "-");
	else
		snprintf(out, n, " %10zu %10.0f %7.1f%%", count, expected,
		    expected > 0 ? 100.0 * (double)count / expected : 0.0);
}

/* What a row's bar measures: its count, or its completeness. */
static double
row_measure(const struct sshow *v, const struct stats_row *r)
{
	if (!complete(v))
		return (double)r->count;
	return r->expected > 0 ? (double)r->count / r->expected : 0.0;
}

/* s right-aligned in w screen columns from x, dim: a heading. */
static void
put_right(int y, int x, int w, const char *s)
{
	int c = tui_cols(s);

	if (c > w)
		c = w;
	tui_put(y, x + w - c, c, s, TUI_A_DIM);
}

static void
show_clamp(struct sshow *v)
{
	int last = (int)v->t.nrows - show_height(v);

	if (v->first > last)
		v->first = last;
	if (v->first < 0)
		v->first = 0;
}

static void
show_draw(struct tui_screen *sc)
{
	struct sshow *v = sc->data;
	char line[300], where[200], nums[300], lb[64], *bar;
	double max = 0, m;
	size_t i, j, with = 0;
	int lw = 16, nw, bw, x, y, b, n, cx;
	int h = show_height(v);
	int *cw = xcalloc(v->t.ncols + 1, sizeof *cw);

	nw = v->t.ncols ? cross_widths(v, cw) : complete(v) ? NUM_WC :
	    NUM_W;
	tui_title(_("Vital statistics"));
	tui_put(2, 1, COLS - 2, core_word(v->t.title), TUI_A_BOLD);
	if (v->area[0])
		snprintf(where, sizeof where, _("area %s"), v->area);
	else
		snprintf(where, sizeof where, "%s", _("all areas"));
	snprintf(line, sizeof line, _("%s to %s, %s %s"), v->from, v->to,
	    where, v->t.by_residence ? _("(usual residence)") :
	    _("(place of occurrence)"));
	tui_put(3, 1, COLS - 2, line, 0);

	/* The label column as wide as the widest label, within reason. */
	if ((n = tui_cols(_("total (with rates)"))) > lw && complete(v))
		lw = n;
	for (i = 0; i < v->t.nrows; i++) {
		if ((m = row_measure(v, &v->t.rows[i])) > max)
			max = m;
		if ((n = tui_cols(row_label(v, v->t.rows[i].label, lb,
		    sizeof lb))) > lw)
			lw = n;
		if (v->t.rows[i].expected >= 0)
			with += v->t.rows[i].count;
	}
	if (complete(v) && max < 1.0)
		max = 1.0;	/* a register complete fills the bar */
	/* The label gives way to the numbers and a bar of 10 at least. */
	if (lw > COLS - 2 - nw - 2 - 10)
		lw = COLS - 2 - nw - 2 - 10;
	if (lw < 4)
		lw = 4;		/* numbers too wide: the bar gives way */
	bw = COLS - 2 - lw - nw - 2;
	if (bw < 0)
		bw = 0;
	x = 1 + lw;
	if (nw > COLS - 1 - x)
		nw = COLS - 1 - x;	/* and then the numbers, cut */

	/* Headings; where the rows do not all fit, which are shown. */
	show_clamp(v);
	if (v->t.ncols)
		for (j = 0, cx = x; j <= v->t.ncols; cx += cw[j++])
			put_right(SHOW_Y - 1, cx + 1, cw[j] - 1, j <
			    v->t.ncols ? axis_label(&v->t, v->t.col_field,
			    v->t.cols[j], lb, sizeof lb) : _("total"));
	else if (complete(v)) {
		put_right(SHOW_Y - 1, x + 1, 10, _("registered"));
		put_right(SHOW_Y - 1, x + 12, 10, _("expected"));
		put_right(SHOW_Y - 1, x + 23, 8, _("complete"));
	} else {
		put_right(SHOW_Y - 1, x + 1, 9, _("count"));
		put_right(SHOW_Y - 1, x + 11, 7, _("share"));
	}
	if ((int)v->t.nrows > h && bw > 0) {
		snprintf(line, sizeof line, _("rows %d-%d of %zu"),
		    v->first + 1, v->first + h, v->t.nrows);
		tui_put(SHOW_Y - 1, x + nw + 2, bw, line, TUI_A_DIM);
	}

	bar = xmalloc((size_t)bw + 1);
	for (y = 0; y < h && v->first + y < (int)v->t.nrows; y++) {
		const struct stats_row *r = &v->t.rows[v->first + y];

		tui_put(SHOW_Y + y, 1, lw, row_label(v, r->label, lb,
		    sizeof lb), 0);
		row_numbers(v, r->count, r->expected, r->cells, cw, nums,
		    sizeof nums);
		tui_put(SHOW_Y + y, x, nw, nums, 0);
		/* Rounded up: a row that counts anything has a bar. */
		m = row_measure(v, r);
		n = max > 0 && m > 0 ? (int)(m * bw / max + 0.999999) : 0;
		for (b = 0; b < n && b < bw; b++)
			bar[b] = '#';
		bar[b] = '\0';
		if (b > 0)
			tui_put(SHOW_Y + y, x + nw + 2, bw, bar, 0);
	}
	free(bar);

	if (complete(v)) {
		tui_put(LINES - 4, 1, lw, _("total (with rates)"), TUI_A_BOLD);
		row_numbers(v, with, v->t.expected, NULL, cw, nums,
		    sizeof nums);
		tui_put(LINES - 4, x, nw, nums, TUI_A_BOLD);
		snprintf(nums, sizeof nums, " %10zu", v->t.total);
	} else
		row_numbers(v, v->t.total, -1, NULL, cw, nums, sizeof nums);
	tui_put(LINES - 3, 1, lw, _("total"), TUI_A_BOLD);
	tui_put(LINES - 3, x, nw, nums, TUI_A_BOLD);
	free(cw);
}

static int
show_key(struct tui_screen *sc, int k)
{
	struct sshow *v = sc->data;
	int h = show_height(v);

	if (k == TUI_IDLE)
		return 1;
	/* A VT100 has no paging keys: letters do it too, as in less(1). */
	if (k == TUI_KEY(KEY_DOWN) || k == TUI_CTRL('n'))
		v->first++;
	else if (k == TUI_KEY(KEY_UP) || k == TUI_CTRL('p'))
		v->first--;
	else if (k == TUI_KEY(KEY_NPAGE) || k == TUI_CTRL('v') || k == ' ')
		v->first += h;
	else if (k == TUI_KEY(KEY_PPAGE) || k == 'b')
		v->first -= h;
	else if (k == TUI_KEY(KEY_HOME) || k == 'g' || k == '<')
		v->first = 0;
	else if (k == TUI_KEY(KEY_END) || k == 'G' || k == '>')
		v->first = (int)v->t.nrows;
	else if (tui_is_back(k) || tui_is_enter(k)) {
		tui_pop();
		return 1;
	} else
		return 0;
	show_clamp(v);
	return 1;
}

static void
show_free(struct tui_screen *sc)
{
	struct sshow *v = sc->data;

	stats_table_free(&v->t);
	free(v);
}

static const struct tui_ops show_ops = {
	"statistics table", show_draw, show_key, show_free,
	N_("Up/Down scroll  Space/b page  g/G first/last  Esc back  ? help"),
	N_("One table of vital statistics for the period and area shown on\n"
	   "the second line.  Each line is a row of the table: the number\n"
	   "of registered records it counts, its share of the total and a\n"
	   "bar as long as that number, the longest row's bar the widest.\n"
	   "Every record counted is in exactly one row, so the rows add up\n"
	   "to the total on the last line; 'not stated' holds the records\n"
	   "whose field is empty or cannot be read.\n\n"
	   "A completeness table has one row a province: the births or\n"
	   "deaths registered, the events expected from the province's\n"
	   "population and crude rate, and the share of them registered,\n"
	   "which the bar shows (a full bar: all of them, or the best).\n\n"
	   "A table by two things (deaths by age group and sex, timeliness\n"
	   "by event kind) has a column for each value of the second, then\n"
	   "the row's total, which the bar shows; the last line totals each\n"
	   "column.\n\n"
	   "Up/Down scroll a long table by a line; Space (or PgDn) and b\n"
	   "(or PgUp) by a page; g (or Home) and G (or End) go to its first\n"
	   "and last rows.  Esc goes back to the list of tables.  Each table\n"
	   "computed is written to the audit log.")
};

/* --- the tables, the period and the area ---------------------------------- */

enum { F_LIST, F_FROM, F_TO, F_AREA, F_N };

struct schoose {
	int		sel;		/* the table under the selection */
	int		focus;		/* F_* */
	struct tedit	field[F_N];	/* F_FROM, F_TO, F_AREA */
	int		by;		/* STATS_BY_* */
};

/* Rows of the list of tables. */
#define LIST_Y	5
static int
list_height(void)
{
	return LINES - 2 - LIST_Y;
}

static const char *
by_text(int by)
{
	switch (by) {
	case STATS_BY_RESIDENCE:
		return _("usual residence");
	case STATS_BY_OCCURRENCE:
		return _("place of occurrence");
	default:
		return _("place of occurrence (completeness: usual residence)");
	}
}

/* A label, then its field: where the field begins. */
static int
choose_field(struct schoose *c, int f, int y, int x, const char *label)
{
	char *t;
	int w = f == F_AREA ? AREA_MAX + 2 : DATE_MAX + 2;

	x += tui_put(y, x, tui_cols(label), label, TUI_A_BOLD) + 1;
	tedit_scroll(&c->field[f], w - 1);
	t = tedit_utf8_from(&c->field[f], c->field[f].off);
	tui_put(y, x, w, t, c->focus == f ? TUI_A_FOCUS : TUI_A_BOLD);
	free(t);
	return x;
}

static void
choose_draw(struct tui_screen *sc)
{
	struct schoose *c = sc->data;
	const char *key, *title;
	char line[200];
	int x, xs[F_N], i, h = list_height(), first, n = (int)stats_count();

	tui_title(_("Vital statistics"));
	x = 1;
	xs[F_FROM] = choose_field(c, F_FROM, 2, x, _("From:"));
	x = xs[F_FROM] + DATE_MAX + 4;
	xs[F_TO] = choose_field(c, F_TO, 2, x, _("To:"));
	x = xs[F_TO] + DATE_MAX + 4;
	xs[F_AREA] = choose_field(c, F_AREA, 2, x, _("Area:"));
	x = xs[F_AREA] + AREA_MAX + 4;
	if (x < COLS - 2)
		tui_put(2, x, COLS - 1 - x, _("(empty: all areas)"),
		    TUI_A_DIM);
	snprintf(line, sizeof line, "%s %s", _("Area by:"), by_text(c->by));
	tui_put(3, 1, COLS - 2, line, 0);

	first = c->sel >= h ? c->sel - h + 1 : 0;
	for (i = 0; i < h && first + i < n; i++) {
		int a = first + i == c->sel ? (c->focus == F_LIST ?
		    TUI_A_FOCUS : TUI_A_BOLD) : 0;

		stats_info((size_t)(first + i), &key, &title);
		snprintf(line, sizeof line, " %-20s %s", key,
		    core_word(title));
		tui_put(LIST_Y + i, 1, COLS - 2, line, a);
	}
	if (c->focus != F_LIST) {
		struct tedit *t = &c->field[c->focus];

		move(2, xs[c->focus] + tedit_width(t, t->off, t->cur));
		curs_set(1);
	}
}

/* Enter: the table under the selection, for the period and area. */
static void
choose_show(struct schoose *c)
{
	struct stats_query q;
	struct sshow *v;
	struct cr_err e;
	const char *key, *title;
	char *from, *to, *area;

	if (stats_info((size_t)c->sel, &key, &title) != 0)
		return;
	from = tedit_utf8(&c->field[F_FROM]);
	to = tedit_utf8(&c->field[F_TO]);
	area = tedit_utf8(&c->field[F_AREA]);
	memset(&q, 0, sizeof q);
	q.from = from;
	q.to = to;
	q.area = area[0] ? area : NULL;
	q.by = c->by;
	v = xcalloc(1, sizeof *v);
	err_clear(&e);
	if (stats_compute(&tui_session, key, &q, &v->t, &e) != CR_OK) {
		tui_error("%s", e.msg);
		free(v);
	} else {
		/* The core took them: dates of 10 and a code of 8 at most. */
		snprintf(v->from, sizeof v->from, "%s", from);
		snprintf(v->to, sizeof v->to, "%s", to);
		snprintf(v->area, sizeof v->area, "%s", area);
		tui_push(&show_ops, v);
	}
	free(from);
	free(to);
	free(area);
}

/* A key for the field in focus: 1 if it was one. */
static int
choose_edit(struct tedit *t, int f, int k)
{
	if (tui_is_erase(k))
		tedit_backspace(t);
	else if (k == TUI_KEY(KEY_DC) || k == TUI_CTRL('d'))
		tedit_delete(t);
	else if (k == TUI_CTRL('u'))
		tedit_kill(t);
	else if (k == TUI_KEY(KEY_LEFT) || k == TUI_CTRL('b'))
		tedit_left(t);
	else if (k == TUI_KEY(KEY_RIGHT) || k == TUI_CTRL('f'))
		tedit_right(t);
	else if (k == TUI_KEY(KEY_HOME) || k == TUI_CTRL('a'))
		tedit_home(t);
	else if (k == TUI_KEY(KEY_END) || k == TUI_CTRL('e'))
		tedit_end(t);
	else if ((k >= '0' && k <= '9') || (k == '-' && f != F_AREA))
		tedit_insert(t, (wchar_t)k, f == F_AREA ? AREA_MAX : DATE_MAX);
	else
		return 0;
	return 1;
}

static int
choose_key(struct tui_screen *sc, int k)
{
	struct schoose *c = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_is_back(k)) {
		tui_pop();
		return 1;
	}
	if (k == '\t' || k == TUI_KEY(KEY_BTAB)) {
		c->focus = (c->focus + (k == '\t' ? 1 : F_N - 1)) % F_N;
		return 1;
	}
	if (tui_is_enter(k)) {
		choose_show(c);
		return 1;
	}
	if (c->focus != F_LIST && choose_edit(&c->field[c->focus], c->focus,
	    k))
		return 1;
	if (tui_list_key(k, &c->sel, (int)stats_count(), list_height()))
		return 1;
	if (k == 'f')
		c->focus = F_FROM;
	else if (k == 't')
		c->focus = F_TO;
	else if (k == 'a')
		c->focus = F_AREA;
	else if (k == 'r')
		c->by = c->by == STATS_BY_DEFAULT ? STATS_BY_RESIDENCE :
		    c->by == STATS_BY_RESIDENCE ? STATS_BY_OCCURRENCE :
		    STATS_BY_DEFAULT;
	else
		return 0;
	return 1;
}

static void
choose_free(struct tui_screen *sc)
{
	struct schoose *c = sc->data;
	int i;

	for (i = 0; i < F_N; i++)
		tedit_free(&c->field[i]);
	free(c);
}

static const struct tui_ops choose_ops = {
	"statistics", choose_draw, choose_key, choose_free,
	N_("Up/Down table  Enter show  Tab/f/t/a fields  r area by  Esc  ?"),
	N_("The tables of vital statistics, counted from the registered\n"
	   "records (not declarations waiting, nor rejected ones) whose\n"
	   "event date is in the period From - To, both days included.\n"
	   "Up/Down choose a table; Enter computes it and shows it with a\n"
	   "bar chart.\n\n"
	   "Tab moves between the list and the fields (or f: From, t: To,\n"
	   "a: Area).  Dates are YYYY-MM-DD; the period starts on the first\n"
	   "day of this year and ends today until you change it.  Area is\n"
	   "a gazetteer code of 2, 4, 6 or 8 digits (a province, district,\n"
	   "commune or village); empty, all areas are counted.  r changes\n"
	   "the place the area is about: the place of occurrence of the\n"
	   "event, or the usual residence (the mother's for a birth, the\n"
	   "deceased's for a death); completeness tables count by residence\n"
	   "unless you choose otherwise.  Ctrl-U clears a field.\n\n"
	   "Registrars and the district, province and national offices may\n"
	   "compute statistics; each table computed is written to the audit\n"
	   "log.")
};

void
tui_stats_open(void)
{
	struct schoose *c = xcalloc(1, sizeof *c);
	char text[16];
	int y, m, d;
	int32_t today = date_today();

	date_from_days(today, &y, &m, &d);
	snprintf(text, sizeof text, "%04d-01-01", y);
	tedit_set_utf8(&c->field[F_FROM], text);
	snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
	tedit_set_utf8(&c->field[F_TO], text);
	c->by = STATS_BY_DEFAULT;
	tui_push(&choose_ops, c);
}
