/*
 * tui-person.c -- the population register screens: one person's records
 * and residence, and the ID cards expired or expiring in a commune.
 *
 * The person screen takes an identity code (typed, or from the record
 * view's o key) and shows what person.c derives: names, current
 * residence with its gazetteer names, a registered death, the residence
 * history and every record that names the code with the person's part
 * in it; Enter opens the record under the selection.  The ID card
 * screen lists, for the office's commune (at a district, province or
 * national office: a commune typed or picked from the gazetteer), the
 * cards idcard.c finds for a period the user can change, and writes
 * them as CSV to a file whose name it shows.  Both look-ups are audited
 * by the core; these screens only draw and ask.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <errno.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civreg.h"

#define _(s)	gettext(s)
#define N_(s)	(s)

/* --- lines, some of which name a record ----------------------------------- */

struct lines {
	char	**text;
	char	**id;		/* the record a line names, or NULL */
	int	 *bold;
	size_t	  n;
	int	 *pick;		/* indexes of the lines with an id */
	int	  npick;
};

static void
lines_free(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->text[i]);
		free(l->id[i]);
	}
	free(l->text);
	free(l->id);
	free(l->bold);
	free(l->pick);
	memset(l, 0, sizeof *l);
}

static void
lines_add(struct lines *l, const char *id, int bold, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
lines_add(struct lines *l, const char *id, int bold, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	l->text = xrealloc(l->text, (l->n + 1) * sizeof *l->text);
	l->id = xrealloc(l->id, (l->n + 1) * sizeof *l->id);
	l->bold = xrealloc(l->bold, (l->n + 1) * sizeof *l->bold);
	l->pick = xrealloc(l->pick, (l->n + 1) * sizeof *l->pick);
	l->text[l->n] = xstrdup(line);
	l->id[l->n] = id ? xstrdup(id) : NULL;
	l->bold[l->n] = bold;
	if (id)
		l->pick[l->npick++] = (int)l->n;
	l->n++;
}

/* Draws rows y0..y1-1, scrolled so that the selected line shows. */
static void
lines_draw(const struct lines *l, int sel, int *first, int y0, int y1)
{
	int h = y1 - y0, at = sel >= 0 && sel < l->npick ? l->pick[sel] : -1;
	int i;

	if (at >= 0 && sel == 0)
		*first = 0;	/* keep the heading lines in view */
	if (at >= 0 && at < *first)
		*first = at;
	if (at >= 0 && at >= *first + h)
		*first = at - h + 1;
	for (i = 0; i < h && *first + i < (int)l->n; i++)
		tui_put(y0 + i, 1, COLS - 2, l->text[*first + i],
		    *first + i == at ? TUI_A_FOCUS : l->bold[*first + i] ?
		    TUI_A_BOLD : 0);
}

static const char *
kind_title(int kind)
{
	const struct form *f = form_by_code(kind);

	return f ? tui_label(f->title_km, f->title_en) : "?";
}

/* --- a person ----------------------------------------------------------- */

struct pview {
	struct tedit	 code;
	char		 shown[KIDC_LEN + 1];	/* the code of the lines */
	struct lines	 l;
	int		 sel;
	int		 first;
};

static void
pview_fill(struct pview *v, const struct person *p)
{
	const struct person_residence *cur = p->nres ? &p->res[p->nres - 1] :
	    NULL;
	size_t i;

	lines_free(&v->l);
	v->sel = v->first = 0;
	lines_add(&v->l, NULL, 1, "%s: %s / %s", _("Name"),
	    p->name_km ? p->name_km : "-", p->name_latin ? p->name_latin : "-");
	if (p->death_id[0])
		lines_add(&v->l, p->death_id, 1, "%s: %s  (%s)", _("Deceased"),
		    p->death_date, p->death_id);
	if (cur) {
		lines_add(&v->l, NULL, 1, "%s: %s %s", _("Current residence"),
		    cur->code, cur->place_km ? tui_label(cur->place_km,
		    cur->place_latin) : "");
		lines_add(&v->l, cur->id, 0, "  %s %s  (%s)", _("since"),
		    cur->date, cur->id);
	} else
		lines_add(&v->l, NULL, 1, "%s: %s", _("Current residence"),
		    _("not known (no registered record gives it)"));
	lines_add(&v->l, NULL, 1, "%s:", _("Residence history"));
	for (i = 0; i < p->nres; i++)
		lines_add(&v->l, p->res[i].id, 0, "  %-10s  %-8s  %-15s  %s",
		    p->res[i].date, p->res[i].code, p->res[i].id,
		    p->res[i].place_km ? tui_label(p->res[i].place_km,
		    p->res[i].place_latin) : "");
	lines_add(&v->l, NULL, 1, "%s:", _("Records"));
	for (i = 0; i < p->nrec; i++)
		lines_add(&v->l, p->rec[i].id, 0, "  %-15s  %-10s  %-10s  %-16s"
		    "  %s", p->rec[i].id, p->rec[i].date[0] ? p->rec[i].date :
		    "-", rec_status_name(p->rec[i].status), p->rec[i].part,
		    kind_title(p->rec[i].kind));
}

static void
pview_look(struct pview *v)
{
	struct person p;
	struct cr_err e;
	char *code = tedit_utf8(&v->code), digits[KIDC_LEN + 1], why[160];

	err_clear(&e);
	if (person_get(&tui_session, code, &p, &e) != CR_OK) {
		lines_free(&v->l);
		v->shown[0] = '\0';
		tui_error("%s", e.msg);
		free(code);
		return;
	}
	if (kidc_normalize(code, digits, why, sizeof why) == 0)
		snprintf(v->shown, sizeof v->shown, "%s", digits);
	pview_fill(v, &p);
	person_free(&p);
	free(code);
}

static void
pview_draw(struct tui_screen *sc)
{
	struct pview *v = sc->data;
	char *q = tedit_utf8(&v->code);

	tui_title(_("Person register"));
	tui_put(2, 1, 16, _("Identity code:"), TUI_A_BOLD);
	tui_put(2, 18, 20, q, TUI_A_FOCUS);
	free(q);
	if (v->l.n == 0)
		tui_put(4, 2, COLS - 4, _("Type the 12 digits of the identity "
		    "code, then Enter."), TUI_A_DIM);
	lines_draw(&v->l, v->sel, &v->first, 4, LINES - 2);
	move(2, 18 + tedit_width(&v->code, 0, v->code.cur));
	curs_set(1);
}

/* Whether the typed code is the one shown (else Enter looks it up). */
static int
pview_current(struct pview *v)
{
	char *code = tedit_utf8(&v->code), digits[KIDC_LEN + 1], why[160];
	int same = v->shown[0] && kidc_normalize(code, digits, why,
	    sizeof why) == 0 && strcmp(digits, v->shown) == 0;

	free(code);
	return same;
}

static int
pview_key(struct tui_screen *sc, int k)
{
	struct pview *v = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_is_back(k)) {
		tui_pop();
		return 1;
	}
	if (tui_is_enter(k)) {
		if (!pview_current(v))
			pview_look(v);
		else if (v->l.npick > 0)
			tui_record_open(v->l.id[v->l.pick[v->sel]]);
		return 1;
	}
	if (tui_list_key(k, &v->sel, v->l.npick, LINES - 7))
		return 1;
	if (tui_is_erase(k))
		tedit_backspace(&v->code);
	else if (k == TUI_CTRL('u'))
		tedit_kill(&v->code);
	else if (k == TUI_KEY(KEY_LEFT) || k == TUI_CTRL('b'))
		tedit_left(&v->code);
	else if (k == TUI_KEY(KEY_RIGHT) || k == TUI_CTRL('f'))
		tedit_right(&v->code);
	else if ((k >= '0' && k <= '9') || k == ' ')
		tedit_insert(&v->code, (wchar_t)k, 14);
	else
		return 0;
	return 1;
}

static void
pview_free(struct tui_screen *sc)
{
	struct pview *v = sc->data;

	tedit_free(&v->code);
	lines_free(&v->l);
	free(v);
}

static const struct tui_ops person_ops = {
	"person", pview_draw, pview_key, pview_free,
	N_("type a code, Enter  Up/Down choose  Enter open  ^U clear  Esc back"),
	N_("Type a person's identity code (12 digits, spaces allowed) and\n"
	   "press Enter: the screen shows the person's names, the current\n"
	   "residence (from the latest registered change of residence, ID\n"
	   "card or other record about the person), a registered death, the\n"
	   "residence history, and every record that names the code, with\n"
	   "the person's part in it (subject, mother, husband, informant ...).\n"
	   "Up/Down choose a record, Enter opens it.  Every look-up is\n"
	   "written to the audit log.")
};

void
tui_person_open(const char *kidc)
{
	struct pview *v = xcalloc(1, sizeof *v);
	char digits[KIDC_LEN + 1], grouped[KIDC_LEN + 3], why[160];

	tui_push(&person_ops, v);
	if (kidc && *kidc) {
		if (kidc_normalize(kidc, digits, why, sizeof why) == 0) {
			kidc_format(digits, grouped);
			tedit_set_utf8(&v->code, grouped);
		} else
			tedit_set_utf8(&v->code, kidc);
		pview_look(v);
	}
}

/* From a record: its subject, or the one of its codes the user picks. */
struct codes {
	size_t	  n;
	char	**code;
};

static void
codes_done(void *arg, int chosen)
{
	struct codes *c = arg;
	size_t i;

	if (chosen >= 0)
		tui_person_open(c->code[chosen]);
	for (i = 0; i < c->n; i++)
		free(c->code[i]);
	free(c->code);
	free(c);
}

void
tui_person_of_record(int kind, const struct kv *codes, size_t n)
{
	const struct form *f = form_by_code(kind);
	struct codes *c;
	char **label, grouped[KIDC_LEN + 3], line[200];
	size_t i;

	if (n == 0) {
		tui_error("%s", _("This record names no identity code."));
		return;
	}
	for (i = 0; i < n; i++)
		if (strcmp(codes[i].key, "kidc") == 0) {
			tui_person_open(codes[i].value);
			return;
		}
	for (i = 1; i < n; i++)		/* mother and informant alike */
		if (strcmp(codes[i].value, codes[0].value) != 0)
			break;
	if (i == n) {
		tui_person_open(codes[0].value);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->code = xcalloc(n, sizeof *c->code);
	label = xcalloc(n, sizeof *label);
	for (i = 0; i < n; i++) {
		const struct form_field *ff = f ? form_field(f, codes[i].key) :
		    NULL;

		kidc_format(codes[i].value, grouped);
		snprintf(line, sizeof line, "%s  %s", grouped, ff ?
		    tui_label(ff->label_km, ff->label_en) : codes[i].key);
		label[i] = xstrdup(line);
		c->code[i] = xstrdup(codes[i].value);
	}
	c->n = n;
	tui_pick(_("Whose records?"), (const char *const *)label, n, codes_done,
	    c);
	for (i = 0; i < n; i++)
		free(label[i]);
	free(label);
}

/* --- ID cards expired or expiring ----------------------------------------- */

enum { ASK_NONE, ASK_AREA, ASK_FROM, ASK_TO, ASK_FILE };

struct icview {
	struct idcard_query	 q;
	int			 have;		/* q is set and listed */
	struct idcard_list	 l;
	int			 sel;
	int			 asking;
	struct tedit		 in;
	char			**pick_code;
	size_t			 npick;
};

static void
day_text(int32_t day, char *out, size_t n)
{
	int y, m, d;

	date_from_days(day, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

static const char *
area_word(const char *area)
{
	switch (strlen(area)) {
	case 2:
		return _("province");
	case 4:
		return _("district");
	case 6:
		return _("commune");
	default:
		return _("village");
	}
}

static void
ic_list(struct icview *v, const struct idcard_query *q)
{
	struct idcard_list l;
	struct cr_err e;

	err_clear(&e);
	if (idcard_list(&tui_session, q, &l, &e) != CR_OK) {
		tui_error("%s", e.msg);
		return;
	}
	idcard_list_free(&v->l);
	v->l = l;
	v->q = *q;
	v->have = 1;
	v->sel = 0;
}

static void
ic_ask(struct icview *v, int what)
{
	char text[40] = "", today[16];

	v->asking = what;
	if (what == ASK_AREA)
		snprintf(text, sizeof text, "%s", v->q.area);
	else if (what == ASK_FROM && v->q.has_from)
		day_text(v->q.from, text, sizeof text);
	else if (what == ASK_TO)
		day_text(v->q.to, text, sizeof text);
	else if (what == ASK_FILE) {
		day_text(date_today(), today, sizeof today);
		snprintf(text, sizeof text, "idcards-%s-%s.csv", v->q.area,
		    today);
	}
	tedit_set_utf8(&v->in, text);
}

static void
ic_write(struct icview *v, const char *name)
{
	char cwd[4096], shown[4200];
	FILE *fp;
	int ok;

	if (name[0] == '\0') {
		tui_error("%s", _("Give a file name."));
		return;
	}
	if ((fp = fopen(name, "wx")) == NULL) {
		if (errno == EEXIST)
			tui_error(_("%s exists already: give another name."),
			    name);
		else
			tui_error(_("Cannot write %s: %s."), name,
			    strerror(errno));
		return;
	}
	ok = idcard_write_csv(&v->l, fp) == 0;
	ok = fclose(fp) == 0 && ok;
	if (!ok) {
		tui_error(_("Cannot write %s: %s."), name, strerror(errno));
		remove(name);		/* no half list left behind */
		return;
	}
	if (name[0] != '/' && getcwd(cwd, sizeof cwd) != NULL)
		snprintf(shown, sizeof shown, "%s/%s", cwd, name);
	else
		snprintf(shown, sizeof shown, "%s", name);
	v->asking = ASK_NONE;
	tui_message(_("Written: %s (%zu cards)."), shown, v->l.n);
}

/* The answer to a prompt: a new area, period or file name. */
static void
ic_answer(struct icview *v)
{
	struct idcard_query q;
	struct cr_err e;
	char *t = tedit_utf8(&v->in), from[16] = "", to[16] = "";
	const char *area = v->q.area;
	int rc;

	if (v->asking == ASK_FILE) {
		ic_write(v, t);
		free(t);
		return;
	}
	if (v->q.has_from)
		day_text(v->q.from, from, sizeof from);
	if (v->have || v->q.to)
		day_text(v->q.to, to, sizeof to);
	if (v->asking == ASK_AREA)
		area = t;
	err_clear(&e);
	rc = idcard_query_parse(area, v->asking == ASK_FROM ? t : from,
	    v->asking == ASK_TO ? t : to, &q, &e);
	free(t);
	if (rc != CR_OK) {
		tui_error("%s", e.msg);
		return;
	}
	v->asking = ASK_NONE;
	ic_list(v, &q);
}

static void
ic_pick_free(struct icview *v)
{
	size_t i;

	for (i = 0; i < v->npick; i++)
		free(v->pick_code[i]);
	free(v->pick_code);
	v->pick_code = NULL;
	v->npick = 0;
}

struct collect {
	char	**label;
	char	**code;
	size_t	  n;
};

static int
collect_place(void *arg, const struct place *p)
{
	struct collect *c = arg;
	char line[300];

	snprintf(line, sizeof line, "%s  %s  %s", p->code, p->name_latin,
	    p->name_km);
	c->label = xrealloc(c->label, (c->n + 1) * sizeof *c->label);
	c->code = xrealloc(c->code, (c->n + 1) * sizeof *c->code);
	c->label[c->n] = xstrdup(line);
	c->code[c->n] = xstrdup(p->code);
	c->n++;
	return 0;
}

static void ic_pick(struct icview *, const char *parent);

static void
ic_picked(void *arg, int chosen)
{
	struct icview *v = arg;
	char code[9];

	if (chosen < 0) {
		ic_pick_free(v);
		return;
	}
	snprintf(code, sizeof code, "%s", v->pick_code[chosen]);
	ic_pick_free(v);
	/* The first line of a district or province is the whole of it. */
	if (chosen > 0 && strlen(code) < 6) {
		ic_pick(v, code);
		return;
	}
	tedit_set_utf8(&v->in, code);
	v->asking = ASK_AREA;
	ic_answer(v);
}

/* The places in parent; before them, parent itself as a whole. */
static void
ic_pick(struct icview *v, const char *parent)
{
	struct collect c;
	struct cr_err e;
	char title[100], line[100];

	memset(&c, 0, sizeof c);
	if (parent[0]) {
		snprintf(line, sizeof line, "%s  %s", parent,
		    _("(all of it)"));
		c.label = xcalloc(1, sizeof *c.label);
		c.code = xcalloc(1, sizeof *c.code);
		c.label[0] = xstrdup(line);
		c.code[0] = xstrdup(parent);
		c.n = 1;
	}
	err_clear(&e);
	if (gazetteer_list(&tui_session, parent, collect_place, &c, &e) !=
	    CR_OK)
		tui_error("%s", e.msg);
	if (c.n <= (parent[0] ? 1u : 0u)) {
		if (e.code == CR_OK)
			tui_error("%s", _("No gazetteer is loaded: type the "
			    "commune code."));
		while (c.n > 0) {
			c.n--;
			free(c.label[c.n]);
			free(c.code[c.n]);
		}
		free(c.label);
		free(c.code);
		return;
	}
	snprintf(title, sizeof title, "%s %s", _("Choose a place in"),
	    parent[0] ? parent : _("Cambodia"));
	ic_pick_free(v);
	v->pick_code = c.code;
	v->npick = c.n;
	tui_pick(title, (const char *const *)c.label, c.n, ic_picked, v);
	while (c.n > 0)
		free(c.label[--c.n]);
	free(c.label);
}

/* Where the pick starts: the office's own area, a commune's district. */
static void
ic_pick_start(struct icview *v)
{
	char parent[9];

	snprintf(parent, sizeof parent, "%.8s", tui_session.office);
	if (tui_session.level == LV_NATIONAL)
		parent[0] = '\0';
	else if (strlen(parent) >= 6)
		parent[4] = '\0';
	ic_pick(v, parent);
}

static void
ic_draw(struct tui_screen *sc)
{
	struct icview *v = sc->data;
	char line[300], from[16], to[16], kidc[KIDC_LEN + 3];
	int i, h = LINES - 9, first;

	tui_title(_("ID cards expired or expiring"));
	if (v->have) {
		snprintf(line, sizeof line, "%s %s %s", area_word(v->q.area),
		    v->q.area, v->l.area_latin ?
		    tui_label(v->l.area_km, v->l.area_latin) : "");
		tui_put(2, 1, COLS - 2, line, TUI_A_BOLD);
		day_text(v->q.to, to, sizeof to);
		if (v->q.has_from) {
			day_text(v->q.from, from, sizeof from);
			snprintf(line, sizeof line, _("Expiry from %s to %s: "
			    "%zu cards, %zu expired"), from, to, v->l.n,
			    v->l.nexpired);
		} else
			snprintf(line, sizeof line, _("Expiry up to %s: %zu "
			    "cards, %zu expired"), to, v->l.n, v->l.nexpired);
		tui_put(3, 1, COLS - 2, line, 0);
		tui_put(5, 1, 16, _("Identity code"), TUI_A_DIM);
		tui_put(5, 17, 12, _("Expires"), TUI_A_DIM);
		tui_put(5, 29, 12, _("State"), TUI_A_DIM);
		tui_put(5, 41, 14, _("Card number"), TUI_A_DIM);
		tui_put(5, 55, COLS - 56, _("Name"), TUI_A_DIM);
		first = v->sel >= h ? v->sel - h + 1 : 0;
		for (i = 0; i < h && first + i < (int)v->l.n; i++) {
			const struct idcard *c = &v->l.v[first + i];
			int a = first + i == v->sel ? TUI_A_FOCUS : 0;

			kidc_format(c->kidc, kidc);
			tui_put(6 + i, 1, 16, kidc, a);
			tui_put(6 + i, 17, 12, c->expiry_date, a);
			tui_put(6 + i, 29, 12, c->expired ? _("expired") :
			    _("expiring"), a | (c->expired ? TUI_A_BOLD : 0));
			tui_put(6 + i, 41, 14, c->card_number, a);
			tui_put(6 + i, 55, COLS - 56, tui_label(c->name_km,
			    c->name_latin), a);
		}
		if (v->l.n == 0)
			tui_put(6, 2, COLS - 4, _("(no card in this period)"),
			    TUI_A_DIM);
	} else
		tui_put(3, 2, COLS - 4, _("Type a commune code (or a district "
		    "or province code), or Tab to pick it."), TUI_A_DIM);
	if (v->asking) {
		static const char *const ask[] = { NULL,
		    N_("Commune code:"), N_("Expiry from:"),
		    N_("Expiry up to:"), N_("Write CSV to:") };
		char *t = tedit_utf8_from(&v->in, v->in.off);

		tui_put(LINES - 3, 1, 16, _(ask[v->asking]), TUI_A_BOLD);
		tedit_scroll(&v->in, COLS - 20);
		tui_put(LINES - 3, 18, COLS - 20, t, TUI_A_FOCUS);
		move(LINES - 3, 18 + tedit_width(&v->in, v->in.off, v->in.cur));
		curs_set(1);
		free(t);
	}
}

static int
ic_prompt_key(struct icview *v, int k)
{
	if (tui_is_back(k)) {
		v->asking = ASK_NONE;
		if (!v->have)
			tui_pop();
	} else if (tui_is_enter(k))
		ic_answer(v);
	else if (k == '\t' && v->asking == ASK_AREA) {
		char *t = tedit_utf8(&v->in);
		size_t n = strspn(t, "0123456789");

		if (t[n] == '\0' && (n == 2 || n == 4))
			ic_pick(v, t);		/* within what is typed */
		else
			ic_pick_start(v);
		free(t);
	}
	else if (tui_is_erase(k))
		tedit_backspace(&v->in);
	else if (k == TUI_CTRL('u'))
		tedit_kill(&v->in);
	else if (k == TUI_KEY(KEY_LEFT) || k == TUI_CTRL('b'))
		tedit_left(&v->in);
	else if (k == TUI_KEY(KEY_RIGHT) || k == TUI_CTRL('f'))
		tedit_right(&v->in);
	else if (k >= ' ' && k < 0x1000000)
		tedit_insert(&v->in, (wchar_t)k, v->asking == ASK_FILE ? 200 :
		    10);
	return 1;
}

static int
ic_key(struct tui_screen *sc, int k)
{
	struct icview *v = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (v->asking)
		return ic_prompt_key(v, k);
	if (tui_list_key(k, &v->sel, (int)v->l.n, LINES - 10))
		return 1;
	if (tui_is_back(k))
		tui_pop();
	else if (tui_is_enter(k) && v->l.n > 0)
		tui_record_open(v->l.v[v->sel].id);
	else if (k == 'c')
		ic_ask(v, ASK_AREA);
	else if (k == 'g')
		ic_pick_start(v);
	else if (k == 'f')
		ic_ask(v, ASK_FROM);
	else if (k == 't')
		ic_ask(v, ASK_TO);
	else if (k == 'w')
		ic_ask(v, ASK_FILE);
	else if (k == TUI_CTRL('r'))
		ic_list(v, &v->q);
	else
		return 0;
	return 1;
}

static void
ic_free(struct tui_screen *sc)
{
	struct icview *v = sc->data;

	idcard_list_free(&v->l);
	tedit_free(&v->in);
	ic_pick_free(v);
	free(v);
}

static const struct tui_ops idcard_ops = {
	"id-cards", ic_draw, ic_key, ic_free,
	N_("c commune g pick f from t to w write CSV ^R Enter open Esc ?"),
	N_("The ID cards of the people resident in a commune whose expiry\n"
	   "date is in the period: expired ones (before today), then those\n"
	   "expiring, by expiry date.  Only each person's latest issued card\n"
	   "counts: a renewal replaces the old card.  The period starts with\n"
	   "every expired card and ends 90 days from today until you change\n"
	   "it: f sets its first day (empty: no limit), t its last.\n"
	   "c types another commune code (4 digits: a whole district, 2: a\n"
	   "province; Tab in the prompt picks from the gazetteer), g picks a\n"
	   "commune from the gazetteer.  w writes the list as CSV (UTF-8) to\n"
	   "the file you name; the message line shows where.  Enter opens a\n"
	   "card's record.  Every listing is written to the audit log.")
};

void
tui_idcards_open(void)
{
	struct icview *v = xcalloc(1, sizeof *v);
	struct idcard_query q;
	struct cr_err e;

	tui_push(&idcard_ops, v);
	err_clear(&e);
	if (tui_session.level == LV_COMMUNE &&
	    idcard_query_parse(tui_session.office, NULL, NULL, &q, &e) ==
	    CR_OK) {
		ic_list(v, &q);
		return;
	}
	/* A district or province office: which commune? */
	if (tui_session.level != LV_NATIONAL)
		snprintf(v->q.area, sizeof v->q.area, "%.8s",
		    tui_session.office);
	ic_ask(v, ASK_AREA);
	ic_pick_start(v);
}
