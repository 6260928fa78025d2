/*
 * tui-dedup.c -- the review of likely duplicates: the queue of pairs that
 * de-duplication proposed, and one pair side by side to decide.
 *
 * The queue screen lists what dedup_review gives -- the pairs without a
 * decision made here or at any office, in record id order -- one line a
 * pair: P(same) as a percentage, the two record ids, the two children's
 * names.  r runs dedup_run over the whole office, its progress on the
 * message line, then reads the queue again; Ctrl-R only reads it again.
 * Enter shows the pair: both records read with regist_show (so the reads
 * are audited like any record opened), one row per field that either
 * record has, labelled from the form in the user's language, the rows
 * that differ bold and marked with *.  Columns are measured in screen
 * columns (tui_put, wcwidth: a Khmer vowel sign or subscript mark takes
 * none), so the two records line up whatever the script and every line
 * fits 80 columns (tui-pair.c, shared with the conflict view).  s (the
 * same person) and d (different people) ask for an optional reason, then
 * declare a match_decision record exactly as `civreg dedup decide` does;
 * the pair leaves the queue.  a and b open the two records with their
 * history.
 *
 * Contract: these screens only draw and ask; nothing here touches the
 * store.  The core decides who may: AZ_DEDUP to read or fill the queue
 * (dedup.c), the form's roles to declare a decision.  A refusal, or any
 * other error, is shown with tui_error and changes nothing.  The entry
 * point is tui_dedup_open (civreg.h), from the Queues screen.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <libintl.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define _(s)	gettext(s)
#define N_(s)	(s)

/* --- the queue ------------------------------------------------------------- */

struct dpair {
	char	 a[REC_IDLEN], b[REC_IDLEN];
	double	 posterior, weight;
	char	*km_a, *la_a, *km_b, *la_b;	/* the children's names, or "" */
};

struct dqueue {
	struct dpair	*p;
	size_t		 n;
	int		 sel;
};

static void
dqueue_clear(struct dqueue *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		free(q->p[i].km_a);
		free(q->p[i].la_a);
		free(q->p[i].km_b);
		free(q->p[i].la_b);
	}
	free(q->p);
	q->p = NULL;
	q->n = 0;
}

static char *
value_of(const struct record *r, const char *key)
{
	const char *v = rec_value(r, key);

	return xstrdup(v ? v : "");
}

static int
dqueue_collect(void *arg, const struct dedup_pair *dp)
{
	struct dqueue *q = arg;
	struct dpair *p;

	q->p = xrealloc(q->p, (q->n + 1) * sizeof *q->p);
	p = &q->p[q->n++];
	snprintf(p->a, sizeof p->a, "%s", dp->a.id);
	snprintf(p->b, sizeof p->b, "%s", dp->b.id);
	p->posterior = dp->posterior;
	p->weight = dp->weight;
	p->km_a = value_of(&dp->a, "name_km");
	p->la_a = value_of(&dp->a, "name_latin");
	p->km_b = value_of(&dp->b, "name_km");
	p->la_b = value_of(&dp->b, "name_latin");
	return 0;
}

/* Reads the queue again; a refusal or error is shown, the queue left empty. */
static int
dqueue_fill(struct dqueue *q)
{
	struct cr_err e;
	int rc;

	dqueue_clear(q);
	err_clear(&e);
	if ((rc = dedup_review(&tui_session, dqueue_collect, q, &e)) !=
	    CR_OK) {
		dqueue_clear(q);
		tui_error("%s", e.msg);
	}
	if (q->sel >= (int)q->n)
		q->sel = q->n > 0 ? (int)q->n - 1 : 0;
	return rc;
}

static int
percent(double p)
{
	return (int)(p * 100 + 0.5);
}

/* Columns of the queue: P(same), the two ids, the two names. */
#define QX_PCT	1
#define QX_A	7
#define QX_B	24
#define QX_NAME	41

/* Whether a child's Khmer and Latin names fit in w screen columns. */
static int
names_fit(const char *km, const char *la, int w)
{
	return !*km || !*la || tui_cols(km) + 1 + tui_cols(la) <= w;
}

/* The names shown: both (if both), else the one there is. */
static void
names(char *out, size_t n, const char *km, const char *la, int both)
{
	if (*km && *la && both)
		snprintf(out, n, "%s %s", km, la);
	else
		snprintf(out, n, "%s", *km ? km : *la ? la : "-");
}

static void
dqueue_row(int y, const char *pct, const char *a, const char *b,
    const char *km_a, const char *la_a, const char *km_b, const char *la_b,
    int attr)
{
	int nw = (COLS - 1 - QX_NAME) / 2, bw = COLS - 1 - QX_NAME - nw;
	int both = names_fit(km_a, la_a, nw - 2) && names_fit(km_b, la_b, bw);
	char n[300];

	/* Each cell padded to the next: a selected row is one bar. */
	tui_put(y, QX_PCT, QX_A - QX_PCT, pct, attr);
	tui_put(y, QX_A, QX_B - QX_A, a, attr);
	tui_put(y, QX_B, QX_NAME - QX_B, b, attr);
	/* Both names of both children if they fit, else the Khmer ones. */
	names(n, sizeof n, km_a, la_a, both);
	tui_put(y, QX_NAME, nw - 2, n, attr);
	tui_put(y, QX_NAME + nw - 2, 2, "", attr);	/* a gap, always */
	names(n, sizeof n, km_b, la_b, both);
	tui_put(y, QX_NAME + nw, bw, n, attr);
}

static void
dqueue_draw(struct tui_screen *sc)
{
	struct dqueue *q = sc->data;
	int h = LINES - 6, first = q->sel >= h ? q->sel - h + 1 : 0, i;
	char line[200];

	tui_title(_("Possible duplicates"));
	if (q->n == 0) {
		tui_put(3, 4, COLS - 8, _("The queue is empty: no pair waits "
		    "for a decision."), 0);
		tui_put(5, 4, COLS - 8, _("r looks for likely duplicates "
		    "among this office's births."), TUI_A_DIM);
		return;
	}
	snprintf(line, sizeof line, _("Pairs waiting for a decision: %zu."),
	    q->n);
	tui_put(2, 1, COLS - 2, line, TUI_A_DIM);
	dqueue_row(3, _("Same"), _("First record"), _("Second record"),
	    _("First child"), "", _("Second child"), "", TUI_A_BOLD);
	for (i = 0; i < h && first + i < (int)q->n; i++) {
		const struct dpair *p = &q->p[first + i];
		char pct[16];

		snprintf(pct, sizeof pct, "%3d%%", percent(p->posterior));
		dqueue_row(4 + i, pct, p->a, p->b, p->km_a, p->la_a, p->km_b,
		    p->la_b, first + i == q->sel ? TUI_A_FOCUS : 0);
	}
}

/* The run's progress, drawn at once: the main loop waits for the run. */
static void
status_show(const char *s)
{
	tui_put(LINES - 2, 0, COLS, s, TUI_A_BOLD);
	refresh();
}

static void
run_progress(void *arg, const char *phase, size_t done, size_t total)
{
	char line[200];

	(void)arg;
	if (strcmp(phase, "comparing") == 0)
		snprintf(line, sizeof line, _("Looking for duplicates: "
		    "comparing %zu births..."), total);
	else
		snprintf(line, sizeof line, _("Looking for duplicates: %zu "
		    "births read..."), done);
	status_show(line);
}

static void
dqueue_run(struct dqueue *q)
{
	struct dedup_stats st;
	struct cr_err e;

	status_show(_("Looking for duplicates among this office's births..."));
	err_clear(&e);
	if (dedup_run(&tui_session, NULL, NULL, run_progress, NULL, &st, &e) !=
	    CR_OK) {
		tui_error("%s", e.msg);
		return;
	}
	q->sel = 0;
	if (dqueue_fill(q) == CR_OK)
		tui_message(_("%zu births compared in %zu pairs: %zu likely "
		    "duplicates, %zu new in the queue."), st.records,
		    st.compared, st.proposed, st.queued);
}

static void dview_open(struct dqueue *, const struct dpair *);

static int
dqueue_key(struct tui_screen *sc, int k)
{
	struct dqueue *q = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_list_key(k, &q->sel, (int)q->n, LINES - 6))
		return 1;
	if (tui_is_back(k))
		tui_pop();
	else if (tui_is_enter(k) && q->n > 0)
		dview_open(q, &q->p[q->sel]);
	else if (k == 'r')
		dqueue_run(q);
	else if (k == TUI_CTRL('r'))
		dqueue_fill(q);
	else
		return 0;
	return 1;
}

static void
dqueue_free(struct tui_screen *sc)
{
	struct dqueue *q = sc->data;

	dqueue_clear(q);
	free(q);
}

static const struct tui_ops dqueue_ops = {
	"duplicates", dqueue_draw, dqueue_key, dqueue_free,
	N_("Up/Down choose  Enter open  r find duplicates  ^R again  Esc back"),
	N_("The pairs of births that de-duplication found likely to be one\n"
	   "person registered twice, under another spelling or with a date\n"
	   "typed wrong.  Each line: the chance that the two are one person,\n"
	   "the two record ids and the two children's names.\n\n"
	   "Enter shows the pair side by side, to decide: the same person,\n"
	   "or different people.  A pair with a decision, made here or at\n"
	   "any office, leaves the queue for good.\n\n"
	   "r looks for duplicates among all of this office's registered\n"
	   "births and adds the new pairs (it may take a while on a large\n"
	   "register; the progress is shown below).  Ctrl-R reads the queue\n"
	   "again.  Registrars and supervisors may use this screen.")
};

/* --- a pair side by side --------------------------------------------------- */

struct dview {
	struct dqueue	*q;		/* below: read again after a decision */
	struct record	 a, b;
	double		 posterior, weight;
	struct tui_pair	 pair;		/* asking: 0, 's' or 'd' */
};

static void
dview_fill(struct dview *v)
{
	const struct form *fa = form_by_code(v->a.kind);
	const struct form *fb = form_by_code(v->b.kind);

	tui_pair_add(&v->pair, _("Status"), rec_status_name(v->a.status),
	    rec_status_name(v->b.status), v->a.status != v->b.status);
	tui_pair_fields(&v->pair, fa, NULL, &v->a, &v->b);
	if (fb != fa)
		tui_pair_fields(&v->pair, fb, fa, &v->a, &v->b);
}

static void
dview_draw(struct tui_screen *sc)
{
	struct dview *v = sc->data;
	int vw = (COLS - TUI_PAIR_X - 2) / 2;
	char line[200];

	tui_title(_("Possible duplicates"));
	snprintf(line, sizeof line, _("P(same) %d%%, weight %.1f: %d fields "
	    "differ (*)"), percent(v->posterior), v->weight, v->pair.ndiff);
	tui_put(2, 1, COLS - 2, line, TUI_A_BOLD);
	tui_pair_draw(&v->pair, v->a.id, v->b.id, vw, vw);
}

/* Declares the decision; on success the pair screen goes, the queue stays. */
static void
dview_decide(struct dview *v, int same)
{
	struct dqueue *q = v->q;
	struct kv kv[4];
	struct cr_err e;
	char *reason = tedit_utf8(&v->pair.in), id[REC_IDLEN], a[REC_IDLEN],
	    b[REC_IDLEN];
	size_t n = 3;

	kv[0].key = "record_a";
	kv[0].value = v->a.id;
	kv[1].key = "record_b";
	kv[1].value = v->b.id;
	kv[2].key = "decision";
	kv[2].value = same ? "same" : "different";
	if (reason[strspn(reason, " ")] != '\0') {
		kv[3].key = "reason";
		kv[3].value = reason;
		n = 4;
	}
	err_clear(&e);
	if (regist_declare(&tui_session, "match_decision", kv, n, id, &e) !=
	    CR_OK) {
		tui_error("%s", e.msg);		/* nothing declared */
		free(reason);
		return;
	}
	free(reason);
	snprintf(a, sizeof a, "%s", v->a.id);
	snprintf(b, sizeof b, "%s", v->b.id);
	tui_pop();			/* v is gone */
	if (same)
		tui_message(_("Decision %s: %s and %s are one person."), id, a,
		    b);
	else
		tui_message(_("Decision %s: %s and %s are two people."), id, a,
		    b);
	dqueue_fill(q);
}

static void
prompt_key(struct tedit *t, int k)
{
	if (tui_is_erase(k))
		tedit_backspace(t);
	else if (k == TUI_KEY(KEY_LEFT) || k == TUI_CTRL('b'))
		tedit_left(t);
	else if (k == TUI_KEY(KEY_RIGHT) || k == TUI_CTRL('f'))
		tedit_right(t);
	else if (k == TUI_CTRL('u'))
		tedit_kill(t);
	else if (k >= ' ' && k != 127 && k < 0x1000000)
		tedit_insert(t, (wchar_t)k, 200);	/* the form's max */
}

static int
dview_key(struct tui_screen *sc, int k)
{
	struct dview *v = sc->data;
	int asked;

	if (k == TUI_IDLE)
		return 1;
	if (v->pair.asking) {
		if ((asked = tui_pair_answer(&v->pair, k)) < 0)
			tui_message("%s", _("Nothing declared."));
		else if (asked)
			dview_decide(v, asked == 's');
		else
			prompt_key(&v->pair.in, k);
		return 1;
	}
	if (tui_pair_scroll_key(&v->pair, k))
		return 1;
	if (k == 's' || k == 'd') {
		tui_pair_ask(&v->pair, k);
		tui_message("%s", k == 's' ? _("The same person: type a reason "
		    "if you like, then Enter (Esc: do not).") : _("Different "
		    "people: type a reason if you like, then Enter (Esc: do "
		    "not)."));
	} else if (k == 'a')
		tui_record_open(v->a.id);
	else if (k == 'b')
		tui_record_open(v->b.id);
	else if (tui_is_back(k))
		tui_pop();
	else
		return 0;
	return 1;
}

static void
dview_free(struct tui_screen *sc)
{
	struct dview *v = sc->data;

	tui_pair_free(&v->pair);
	rec_free(&v->a);
	rec_free(&v->b);
	free(v);
}

static const struct tui_ops dview_ops = {
	"duplicate", dview_draw, dview_key, dview_free,
	N_("s same  d different  a/b open record  Up/Down  Esc back  ? help"),
	N_("Two registered births that may be one person, side by side:\n"
	   "every field that either record has, the lines that differ bold\n"
	   "and marked with *.  Names are compared as they sound, so Sok and\n"
	   "Sokh, or a date typed wrong, can still be one child.  Up/Down\n"
	   "scroll; a and b open the first or the second record with its\n"
	   "history.\n\n"
	   "s declares that the two are the same person, d that they are\n"
	   "different people; you may type the reason, then Enter (Esc: do\n"
	   "not declare).  The decision is a record of its own, audited and\n"
	   "sent to the other offices; nothing is deleted.  For the same\n"
	   "person, both records go under one identity code, the first\n"
	   "record's if it has one.  Registrars and the district and\n"
	   "province supervisors may decide.")
};

static void
dview_open(struct dqueue *q, const struct dpair *p)
{
	struct dview *v = xcalloc(1, sizeof *v);
	struct rec_history h;
	struct cr_err e;

	rec_init(&v->a);
	rec_init(&v->b);
	err_clear(&e);
	if (regist_show(&tui_session, p->a, &v->a, &h, &e) != CR_OK) {
		tui_error("%s", e.msg);
		dview_free(&(struct tui_screen){ NULL, v, NULL });
		return;
	}
	rec_history_free(&h);
	if (regist_show(&tui_session, p->b, &v->b, &h, &e) != CR_OK) {
		tui_error("%s", e.msg);
		dview_free(&(struct tui_screen){ NULL, v, NULL });
		return;
	}
	rec_history_free(&h);
	v->q = q;
	v->posterior = p->posterior;
	v->weight = p->weight;
	dview_fill(v);
	tui_push(&dview_ops, v);
}

/* --- the entry point ------------------------------------------------------- */

void
tui_dedup_open(void)
{
	struct dqueue *q = xcalloc(1, sizeof *q);

	/* The core refuses (and audits) a role without AZ_DEDUP. */
	if (dqueue_fill(q) != CR_OK) {
		dqueue_free(&(struct tui_screen){ NULL, q, NULL });
		return;
	}
	tui_push(&dqueue_ops, q);
}
