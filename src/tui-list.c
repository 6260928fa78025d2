/*
 * tui-list.c -- screens that show lists: search (results update as you
 * type), queues, a record with its history and audit trail, and the pick
 * list used by choice and place fields.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civreg.h"

#define _(s)	gettext(s)
#define N_(s)	(s)

/* Moves a selection; returns 1 if the key was a movement key. */
int
tui_list_key(int k, int *sel, int n, int rows)
{
	if (n <= 0)
		return 0;
	if (k == TUI_KEY(KEY_DOWN) || k == TUI_CTRL('n') || k == '\t')
		*sel = *sel + 1 < n ? *sel + 1 : *sel;
	else if (k == TUI_KEY(KEY_UP) || k == TUI_CTRL('p') ||
	    k == TUI_KEY(KEY_BTAB))
		*sel = *sel > 0 ? *sel - 1 : 0;
	else if (k == TUI_KEY(KEY_NPAGE) || k == TUI_CTRL('v'))
		*sel = *sel + rows < n ? *sel + rows : n - 1;
	else if (k == TUI_KEY(KEY_PPAGE))
		*sel = *sel > rows ? *sel - rows : 0;
	else if (k == TUI_KEY(KEY_HOME))
		*sel = 0;
	else if (k == TUI_KEY(KEY_END))
		*sel = n - 1;
	else
		return 0;
	return 1;
}

/* --- a list of one-line rows with their record ids ------------------------ */

struct rows {
	char	**line;
	char	**id;
	size_t	  n;
};

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->line[i]);
		free(r->id[i]);
	}
	free(r->line);
	free(r->id);
	memset(r, 0, sizeof *r);
}

/* One row: [prefix] [!] id kind status date names (prefix: a score). */
static int
rows_add(struct rows *r, const struct record *rec, const char *prefix)
{
	const struct form *f = form_by_code(rec->kind);
	const char *date = f && f->date_field ? rec_value(rec, f->date_field) :
	    NULL;
	char line[512];
	size_t i, o;

	o = (size_t)snprintf(line, sizeof line, "%s%s%s  %-12.12s %-10.10s "
	    "%-10s ", prefix, regist_overdue(&tui_session, rec) ? "!" : "",
	    rec->id, f ? f->key : "?", rec_status_name(rec->status),
	    date ? date : "-");
	for (i = 0; f && i < rec->nfields && o < sizeof line - 1; i++) {
		const struct form_field *ff = form_field(f, rec->fields[i].key);

		if (ff && (ff->type == FT_NAME_KM || ff->type == FT_NAME_LATIN))
			o += (size_t)snprintf(line + o, sizeof line - o, "%s ",
			    rec->fields[i].value);
	}
	r->line = xrealloc(r->line, (r->n + 1) * sizeof *r->line);
	r->id = xrealloc(r->id, (r->n + 1) * sizeof *r->id);
	r->line[r->n] = xstrdup(line);
	r->id[r->n] = xstrdup(rec->id);
	r->n++;
	return 0;
}

static int
rows_add_record(void *arg, const struct record *rec)
{
	return rows_add(arg, rec, "");
}

/* A search's hit, its score first (100 a perfect match); ranked already. */
static int
rows_add_found(void *arg, const struct record *rec, double score)
{
	char pct[16];

	snprintf(pct, sizeof pct, "%3d%%  ", (int)(score * 100 + 0.5));
	return rows_add(arg, rec, pct);
}

static void
rows_draw(const struct rows *r, int sel, int y0, int y1)
{
	int h = y1 - y0, first = sel >= h ? sel - h + 1 : 0, i;

	for (i = 0; i < h && first + i < (int)r->n; i++)
		tui_put(y0 + i, 1, COLS - 2, r->line[first + i],
		    first + i == sel ? TUI_A_FOCUS : 0);
}

/* --- search ---------------------------------------------------------------- */

struct search {
	int		pending;	/* typed, not searched yet */
	struct tedit	q;
	struct rows	r;
	int		sel;
	char		*last;
};

static void
search_run(struct search *s)
{
	struct cr_err e;
	char *q = tedit_utf8(&s->q);

	if (s->last && strcmp(s->last, q) == 0) {
		free(q);
		return;
	}
	free(s->last);
	s->last = q;
	rows_free(&s->r);
	s->sel = 0;
	err_clear(&e);
	if (q[strspn(q, " ")] == '\0')
		return;
	if (regist_search(&tui_session, q, (size_t)(LINES - 6),
	    rows_add_found, &s->r, &e) != CR_OK) {
		if (e.code == CR_EINVAL)
			tui_message("%s", e.msg);	/* type more */
		else
			tui_error("%s", e.msg);
	}
}

static void
search_draw(struct tui_screen *sc)
{
	struct search *s = sc->data;
	char *q = tedit_utf8(&s->q), count[64];

	tui_title(_("Search"));
	tui_put(2, 1, 10, _("Find:"), TUI_A_BOLD);
	tedit_scroll(&s->q, COLS - 14);
	free(q);
	q = tedit_utf8_from(&s->q, s->q.off);
	tui_put(2, 12, COLS - 14, q, TUI_A_FOCUS);
	move(2, 12 + tedit_width(&s->q, s->q.off, s->q.cur));
	curs_set(1);
	snprintf(count, sizeof count, _("%zu found"), s->r.n);
	tui_put(3, 12, 30, count, TUI_A_DIM);
	rows_draw(&s->r, s->sel, 5, LINES - 2);
	free(q);
}

static int
search_key(struct tui_screen *sc, int k)
{
	struct search *s = sc->data;

	/* Search when typing pauses: one audited search, not one a key. */
	if (k == TUI_IDLE) {
		if (s->pending)
			search_run(s);
		s->pending = 0;
		return 1;
	}
	if (tui_is_back(k)) {
		tui_pop();
		return 1;
	}
	if (tui_is_enter(k)) {
		if (s->pending)
			search_run(s);
		s->pending = 0;
		if (s->r.n > 0)
			tui_record_open(s->r.id[s->sel]);
		return 1;
	}
	if (tui_list_key(k, &s->sel, (int)s->r.n, LINES - 7))
		return 1;
	if (tui_is_erase(k))
		tedit_backspace(&s->q);
	else if (k == TUI_KEY(KEY_LEFT) || k == TUI_CTRL('b'))
		tedit_left(&s->q);
	else if (k == TUI_KEY(KEY_RIGHT) || k == TUI_CTRL('f'))
		tedit_right(&s->q);
	else if (k == TUI_CTRL('u'))
		tedit_kill(&s->q);
	else if (k == '?' && s->q.len == 0)
		return 0;	/* help */
	else if (k > 0 && k < 0x1000000 && tedit_insert(&s->q, (wchar_t)k,
	    100) == 0)
		;
	else
		return 0;
	s->pending = 1;
	return 1;
}

static void
search_free(struct tui_screen *sc)
{
	struct search *s = sc->data;

	tedit_free(&s->q);
	rows_free(&s->r);
	free(s->last);
	free(s);
}

static const struct tui_ops search_ops = {
	"search", search_draw, search_key, search_free,
	N_("type a name  Up/Down choose  Enter open  ^U clear  Esc back"),
	N_("Type a name in Khmer or Latin letters, an identity code or a\n"
	   "record id: the list follows as you type, best match first.\n"
	   "Every word you type must begin, or sound like, one of the names\n"
	   "of a record, in either script: Sok finds Sokh and សុខ.  The first\n"
	   "column is how well it matches: 100 is exact.  Up/Down (or\n"
	   "Ctrl-N, Ctrl-P) choose a record, Enter opens it, Ctrl-U clears\n"
	   "the search, Esc goes back.  Every search is written to the audit\n"
	   "log.")
};

void
tui_search_open(void)
{
	tui_push(&search_ops, xcalloc(1, sizeof(struct search)));
}

/* --- queues ---------------------------------------------------------------- */

static const struct {
	const char	*name;
	int		 status;
	const char	*kind;
	const char	*empty;
	int		 conflicts;	/* from sync_conflicts */
	int		 dedup;		/* its own screen: tui_dedup_open */
} queues[] = {
	{ N_("Declarations to register"), RS_DECLARED, NULL, NULL, 0, 0 },
	{ N_("Awaiting district approval"), RS_PENDING_APPROVAL, NULL, NULL,
	  0, 0 },
	{ N_("Health notices not yet registered"), RS_NOTIFIED, NULL, NULL, 0,
	  0 },
	{ N_("Appeals"), RS_DECLARED, "appeal", NULL, 0, 0 },
	{ N_("Corrections requested"), RS_DECLARED, "correction", NULL, 0, 0 },
	{ N_("Rejected: to amend (e) or appeal"), RS_REJECTED, NULL, NULL, 0,
	  0 },
	{ N_("Conflicts between offices"), 0, NULL,
	  N_("(no conflict between offices)"), 1, 0 },
	{ N_("Possible duplicates"), 0, NULL, NULL, 0, 1 },
};
#define NQUEUES (sizeof queues / sizeof queues[0])

struct queue {
	int		which;		/* -1: the list of queues */
	int		sel;
	struct rows	r;
	int		direct;		/* opened on one queue: Esc leaves */
};

/* One row per record in conflict, however many other revisions. */
static int
rows_add_conflict(void *arg, const struct record *local,
    const struct record *other)
{
	struct rows *r = arg;
	const struct form *f = form_by_code(local->kind);
	char line[512];

	if (r->n > 0 && strcmp(r->id[r->n - 1], local->id) == 0)
		return 0;
	snprintf(line, sizeof line, "%s  %-12.12s %s %u %-10s  %s %u %-10s "
	    "%s %s", local->id, f ? f->key : "?", _("here"),
	    (unsigned)local->rev, rec_status_name(local->status),
	    _("other"), (unsigned)other->rev, rec_status_name(other->status),
	    _("by"), other->author);
	r->line = xrealloc(r->line, (r->n + 1) * sizeof *r->line);
	r->id = xrealloc(r->id, (r->n + 1) * sizeof *r->id);
	r->line[r->n] = xstrdup(line);
	r->id[r->n] = xstrdup(local->id);
	r->n++;
	return 0;
}

static void
queue_fill(struct queue *q)
{
	const struct form *f;
	struct cr_err e;

	rows_free(&q->r);
	q->sel = 0;
	if (queues[q->which].conflicts) {
		err_clear(&e);
		if (sync_conflicts(&tui_session, NULL, rows_add_conflict,
		    &q->r, &e) != CR_OK)
			tui_error("%s", e.msg);
		return;
	}
	if (queues[q->which].status == 0)
		return;
	f = queues[q->which].kind ? form_by_key(queues[q->which].kind) : NULL;
	err_clear(&e);
	if (regist_queue(&tui_session, queues[q->which].status,
	    f ? f->code : 0, 500, rows_add_record, &q->r, &e) != CR_OK)
		tui_error("%s", e.msg);
}

/* Whether the user's role may open queue i: dim in the list if not. */
static int
queue_allowed(size_t i)
{
	struct cr_err e;

	return !queues[i].dedup || authz_check(&tui_session, AZ_DEDUP, NULL,
	    &e) == CR_OK;
}

static void
queue_draw(struct tui_screen *sc)
{
	struct queue *q = sc->data;
	size_t i;

	if (q->which < 0) {
		tui_title(_("Queues"));
		for (i = 0; i < NQUEUES; i++)
			tui_put(3 + 2 * (int)i, 4, 60, _(queues[i].name),
			    ((int)i == q->sel ? TUI_A_FOCUS : 0) |
			    (queue_allowed(i) ? 0 : TUI_A_DIM));
		return;
	}
	tui_title(_(queues[q->which].name));
	if (q->r.n == 0)
		tui_put(3, 4, COLS - 8, queues[q->which].empty ?
		    _(queues[q->which].empty) : _("(empty)"), TUI_A_DIM);
	rows_draw(&q->r, q->sel, 2, LINES - 2);
}

/* After a conflict is resolved: the queue as it is now. */
static void
queue_refill(void *arg)
{
	queue_fill(arg);
}

static int
queue_key(struct tui_screen *sc, int k)
{
	struct queue *q = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (q->which < 0) {
		if (tui_list_key(k, &q->sel, NQUEUES, NQUEUES))
			return 1;
		if (tui_is_back(k))
			tui_pop();
		else if (tui_is_enter(k) && queues[q->sel].dedup)
			tui_dedup_open();	/* the core refuses a role */
		else if (tui_is_enter(k)) {
			q->which = q->sel;
			queue_fill(q);
		} else
			return 0;
		return 1;
	}
	if (tui_list_key(k, &q->sel, (int)q->r.n, LINES - 4))
		return 1;
	if (tui_is_back(k) && q->direct)
		tui_pop();
	else if (tui_is_back(k)) {
		q->sel = q->which;
		q->which = -1;
		rows_free(&q->r);
	} else if (tui_is_enter(k) && q->r.n > 0 && queues[q->which].conflicts)
		tui_conflict_open(q->r.id[q->sel], queue_refill, q);
	else if (tui_is_enter(k) && q->r.n > 0)
		tui_record_open(q->r.id[q->sel]);
	else if (k == TUI_CTRL('r'))
		queue_fill(q);
	else
		return 0;
	return 1;
}

static void
queue_free(struct tui_screen *sc)
{
	struct queue *q = sc->data;

	rows_free(&q->r);
	free(q);
}

static const struct tui_ops queue_ops = {
	"queues", queue_draw, queue_key, queue_free,
	N_("Up/Down choose  Enter open  ^R refresh  Esc back  ? help"),
	N_("Each queue lists the records waiting for someone, oldest first.\n"
	   "Enter opens a queue, then a record.  Ctrl-R reads the queue again\n"
	   "(other terminals may have changed it).  Possible duplicates:\n"
	   "pairs of records that may be one person, from de-duplication\n"
	   "(r there runs it) or linked at entry, shown side by side for a\n"
	   "registrar's decision.\n\n"
	   "Conflicts between offices: records changed here and at another\n"
	   "office at the same time.  Enter shows the two revisions side by\n"
	   "side; there l keeps this office's revision and o the other's.")
};

void
tui_queues_open(void)
{
	struct queue *q = xcalloc(1, sizeof *q);

	q->which = -1;
	tui_push(&queue_ops, q);
}

void
tui_conflicts_open(void)
{
	struct queue *q = xcalloc(1, sizeof *q);
	size_t i;

	for (i = 0; i < NQUEUES && !queues[i].conflicts; i++)
		;
	q->which = (int)i;
	q->direct = 1;
	tui_push(&queue_ops, q);
	queue_fill(q);
}

/* --- a record -------------------------------------------------------------- */

struct view {
	char		**line;
	size_t		  n;
	int		  first;
	char		  id[REC_IDLEN];
	int		  kind;
	struct kv	 *codes;	/* its identity codes (o: person) */
	size_t		  ncodes;
	/* a workflow step waiting for its reason or evidence */
	const char	 *verb;
	int		  asking;	/* 0, 1 reason, 2 evidence */
	struct tedit	  in;
	char		 *reason;
};

static void
view_add(struct view *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
view_add(struct view *v, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	v->line = xrealloc(v->line, (v->n + 1) * sizeof *v->line);
	v->line[v->n++] = xstrdup(line);
}

static int
view_audit(void *arg, const struct audit_entry *a)
{
	char when[32];

	time_format((time_t)a->time, when, sizeof when);
	view_add(arg, "  %s  %-10s %-12s %s", when, a->user,
	    audit_action_name(a->action), a->detail);
	return 0;
}

/* A field a revision changed: the earlier value stays in sight. */
static void
view_change(void *arg, const char *key, const char *before,
    const char *after)
{
	view_add(arg, "       %s: %s -> %s", key, before ? before : "-",
	    after ? after : "-");
}

static void
view_draw(struct tui_screen *sc)
{
	struct view *v = sc->data;
	int y, i;

	tui_title(_("Record"));
	for (y = 2, i = v->first; y < LINES - (v->asking ? 3 : 2) &&
	    i < (int)v->n; y++, i++)
		tui_put(y, 1, COLS - 2, v->line[i], v->line[i][0] != ' ' &&
		    strchr(v->line[i], ':') ? TUI_A_BOLD : 0);
	if (v->asking) {
		char *t = tedit_utf8_from(&v->in, v->in.off);

		tui_put(LINES - 3, 1, 24, v->asking == 1 ? (strcmp(v->verb,
		    "register") != 0 ? _("Reason (required):") :
		    _("Reason, if late:")) : _("Evidence reference:"),
		    TUI_A_BOLD);
		tedit_scroll(&v->in, COLS - 28);
		tui_put(LINES - 3, 26, COLS - 28, t, TUI_A_FOCUS);
		free(t);
	}
}

/*
 * A registrar's step on the record in view; the core decides whether the
 * role and the status allow it, and says what is missing.
 */
static void
view_act(struct view *v, const char *evidence)
{
	struct wf_request rq;
	struct kidc_issue is;
	struct record r;
	struct cr_err e;
	char id[REC_IDLEN], code[KIDC_LEN + 3];

	memset(&rq, 0, sizeof rq);
	rq.verb = v->verb;
	rq.id = v->id;
	rq.reason = v->reason && *v->reason ? v->reason : NULL;
	rq.evidence = evidence;
	memset(&is, 0, sizeof is);
	rq.issued = &is;
	err_clear(&e);
	if (workflow_act(&tui_session, &rq, &r, &e) == CR_OK) {
		snprintf(id, sizeof id, "%s", v->id);
		tui_pop();			/* v is gone: show it again */
		tui_record_open(id);
		kidc_format(is.code, code);
		if (is.pending)
			tui_error(_("%s is now %s, without an identity code: "
			    "the pool is empty; the code is given when the "
			    "next allocation is imported."), r.id,
			    rec_status_name(r.status));
		else if (is.code[0] && is.low)
			tui_error(_("%s is now %s, identity code %s.  Only %zu "
			    "unused codes left: ask the national office for "
			    "more."), r.id, rec_status_name(r.status), code,
			    is.left);
		else if (is.code[0])
			tui_message(_("%s is now %s, identity code %s."), r.id,
			    rec_status_name(r.status), code);
		else
			tui_message(_("%s is now %s."), r.id,
			    rec_status_name(r.status));
		rec_free(&r);
		return;
	}
	if (e.code == CR_EINVAL && strstr(e.msg, "--evidence") && !evidence) {
		v->asking = 2;			/* delayed: ask for evidence */
		tedit_kill(&v->in);
		tui_message("%s", _("A delayed registration: type the evidence "
		    "reference, then Enter."));
		return;
	}
	tui_error("%s", e.msg);
}

static int
view_prompt_key(struct view *v, int k)
{
	char *text;

	if (tui_is_back(k)) {
		v->asking = 0;
		return 1;
	}
	if (tui_is_erase(k))
		tedit_backspace(&v->in);
	else if (tui_is_enter(k)) {
		text = tedit_utf8(&v->in);
		if (v->asking == 1) {
			free(v->reason);
			v->reason = text;
			v->asking = 0;
			view_act(v, NULL);
		} else {
			v->asking = 0;
			view_act(v, text);
			free(text);
		}
	} else if (k > 0 && k < 0x1000000)
		tedit_insert(&v->in, (wchar_t)k, 500);
	return 1;
}

/* The rejected declaration's values in its form, to correct and save. */
static void
view_amend(struct view *v)
{
	const struct form *f = form_by_code(v->kind);
	struct rec_history h;
	struct record r;
	struct draft d;
	struct cr_err e;
	size_t i;

	err_clear(&e);
	if (f == NULL || regist_show(&tui_session, v->id, &r, &h, &e) !=
	    CR_OK) {
		tui_error("%s", f ? e.msg : _("Unknown form."));
		return;
	}
	rec_history_free(&h);
	if (r.status != RS_REJECTED) {
		tui_error(_("%s is %s: only a rejected declaration is amended."),
		    r.id, rec_status_name(r.status));
		rec_free(&r);
		return;
	}
	memset(&d, 0, sizeof d);
	d.kv = xcalloc(r.nfields + 1, sizeof *d.kv);
	for (i = 0; i < r.nfields; i++)
		if (r.fields[i].key[0] != '_')
			d.kv[d.n++] = r.fields[i];
	tui_form_open_amend(f, r.id, &d);
	free(d.kv);
	rec_free(&r);
}

/* p: the certificate (or permit), P: a certified copy, through lpr. */
static void
view_print(struct view *v, int type)
{
	struct cert_paper p;
	struct cr_err e;
	char id[REC_IDLEN];
	int rc;

	err_clear(&e);
	if (cert_print(&tui_session, v->id, type, &p, &e) != CR_OK) {
		tui_error("%s", e.msg);
		return;
	}
	rc = cert_lpr(NULL, p.text, p.len, &e);
	snprintf(id, sizeof id, "%s", v->id);
	tui_pop();			/* v is gone: it may be certified now */
	tui_record_open(id);
	if (rc != CR_OK)
		tui_error(_("%s is recorded but not printed: %s; print it again "
		    "(a reprint is counted)."), p.info.serial, e.msg);
	else if (type == CT_COPY)
		tui_message(_("Certified copy printed: %s, verification code "
		    "%s."), p.info.serial, p.info.code);
	else
		tui_message(_("Certificate printed: %s, verification code %s."),
		    p.info.serial, p.info.code);
	cert_paper_free(&p);
}

static int
view_key(struct tui_screen *sc, int k)
{
	struct view *v = sc->data;
	static const struct {
		int		 key;
		const char	*verb;
		int		 reason;	/* ask for one first */
	} steps[] = {
		{ 'r', "register", 1 }, { 'a', "approve", 0 },
		{ 'j', "reject", 1 }, { 'c', "certify", 0 },
		{ 'x', "archive", 0 }, { 'i', "issue", 0 },
		{ 'g', "grant", 1 }, { 'm', "dismiss", 1 },
	};
	size_t i;

	if (k == TUI_IDLE)
		return 1;
	if (v->asking)
		return view_prompt_key(v, k);
	if (k == 'p' || k == 'P') {
		view_print(v, k == 'P' ? CT_COPY : CT_ORIGINAL);
		return 1;
	}
	if (k == 'o') {		/* the person register for its codes */
		tui_person_of_record(v->kind, v->codes, v->ncodes);
		return 1;
	}
	if (k == 'e') {		/* amend a rejected declaration */
		view_amend(v);
		return 1;
	}
	if (k == 'd') {		/* declare the event of a health notice */
		const struct form *nf = form_by_code(v->kind), *ef;
		struct draft d;
		struct cr_err e;
		char key[40];

		if (nf == NULL || nf->cls != FC_NOTICE) {
			tui_error("%s", _("Only a health notice starts a "
			    "declaration."));
			return 1;
		}
		snprintf(key, sizeof key, "%.*s", (int)strlen(nf->key) - 7,
		    nf->key);
		err_clear(&e);
		if ((ef = form_by_key(key)) == NULL ||
		    regist_from_notice(&tui_session, v->id, key, &d, &e) !=
		    CR_OK) {
			tui_error("%s", e.msg);
			return 1;
		}
		tui_form_open_values(ef, &d);
		draft_free(&d);
		tui_message("%s", _("Copied from the notice: complete the "
		    "form and save with Ctrl-X."));
		return 1;
	}
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (k == steps[i].key) {
			v->verb = steps[i].verb;
			free(v->reason);
			v->reason = NULL;
			if (steps[i].reason) {
				v->asking = 1;
				tedit_kill(&v->in);
			} else
				view_act(v, NULL);
			return 1;
		}
	if (k == TUI_KEY(KEY_DOWN) || k == TUI_CTRL('n') || k == ' ') {
		if (v->first + 1 < (int)v->n)
			v->first++;
	} else if (k == TUI_KEY(KEY_UP) || k == TUI_CTRL('p')) {
		if (v->first > 0)
			v->first--;
	} else if (tui_is_back(k) || tui_is_enter(k))
		tui_pop();
	else
		return 0;
	return 1;
}

static void
view_free(struct tui_screen *sc)
{
	struct view *v = sc->data;
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->line[i]);
	free(v->line);
	for (i = 0; i < v->ncodes; i++) {
		free(v->codes[i].key);
		free(v->codes[i].value);
	}
	free(v->codes);
	tedit_free(&v->in);
	free(v->reason);
	free(v);
}

static const struct tui_ops view_ops = {
	"record", view_draw, view_key, view_free,
	N_("r reg a approve j reject c cert i issue g grant m dismiss e amend ? more"),
	N_("The record: its status, every field, every revision in its\n"
	   "history with the values it changed and, for registrars and\n"
	   "supervisors, its audit trail: who read or changed it and when.\n"
	   "Opening it is itself audited.\n\n"
	   "r registers a declaration (give the reason if it is late; a\n"
	   "delayed one also needs the evidence, then the district's approval\n"
	   "with a).  a approves a correction (one of a name, sex, date of\n"
	   "birth or parent goes on to the district).  j rejects, with a\n"
	   "reason.  c certifies, i issues a burial permit or ID card, x\n"
	   "archives.  g grants and m dismisses an appeal, with the reasons.\n"
	   "e opens a rejected declaration in its form to correct it; Ctrl-X\n"
	   "declares it again.  On a health notice, d starts its declaration\n"
	   "with the data copied.  The program refuses a step your role or\n"
	   "the record's status does not allow, and says who may.\n"
	   "p prints its certificate or burial permit, P a certified copy\n"
	   "of the entry, through lpr; reprints are counted.\n"
	   "o opens the person register for the record's identity code.")
};

void
tui_record_open(const char *id)
{
	const struct form *f;
	struct rec_history h;
	struct view *v;
	struct record r;
	struct cr_err e;
	char when[32];
	size_t i;

	err_clear(&e);
	if (regist_show(&tui_session, id, &r, &h, &e) != CR_OK) {
		tui_error("%s", e.msg);
		return;
	}
	f = form_by_code(r.kind);
	v = xcalloc(1, sizeof *v);
	snprintf(v->id, sizeof v->id, "%s", r.id);
	v->kind = r.kind;
	view_add(v, "%s: %s   %s: %s", _("Record"), r.id, _("Status"),
	    rec_status_name(r.status));
	view_add(v, "%s: %s", _("Form"), f ? tui_label(f->title_km,
	    f->title_en) : "?");
	{
		struct lease l;

		if (lease_get(&tui_session, r.id, &l, &e) == CR_OK &&
		    !(strcmp(l.user, tui_session.user) == 0 &&
		    l.pid == (long)getpid())) {
			time_format((time_t)l.time, when, sizeof when);
			view_add(v, "%s: %s (%s), %s UTC", _("Being edited at "
			    "another terminal by"), l.user, l.form, when);
		}
		err_clear(&e);
	}
	for (i = 0; i < r.nfields; i++) {
		const struct form_field *ff = f ? form_field(f, r.fields[i].key) :
		    NULL;

		const char *label = ff ? tui_label(ff->label_km,
		    ff->label_en) : r.fields[i].key;
		int pad = 30 - tui_cols(label);

		/* Padded by screen columns: a Khmer letter is 3 bytes, 1 column. */
		view_add(v, "  %s%*s %s", label, pad > 0 ? pad : 0, "",
		    tui_label(form_value_km(ff, r.fields[i].value),
		    r.fields[i].value));
		if (ff && ff->type == FT_KIDC) {
			v->codes = xrealloc(v->codes, (v->ncodes + 1) *
			    sizeof *v->codes);
			v->codes[v->ncodes].key = xstrdup(ff->key);
			v->codes[v->ncodes++].value = xstrdup(r.fields[i].value);
		}
	}
	view_add(v, "%s:", _("History"));
	for (i = 0; i < h.n; i++) {
		time_format((time_t)h.revs[i].time, when, sizeof when);
		view_add(v, "  %u  %s  %-9s %-10s %s %s", (unsigned)h.revs[i].rev,
		    when, rec_action_name(h.revs[i].action),
		    rec_status_name(h.revs[i].status), h.revs[i].author,
		    h.revs[i].note ? h.revs[i].note : "");
		if (i > 0)
			rec_changes(&h.revs[i - 1], &h.revs[i], view_change, v);
	}
	view_add(v, "%s:", _("Audit trail"));
	if (audit_list(&tui_session, r.id, view_audit, v, &e) != CR_OK)
		view_add(v, "  %s", _("(your role does not read the audit log)"));
	rec_free(&r);
	rec_history_free(&h);
	tui_push(&view_ops, v);
}

/* --- pick list ------------------------------------------------------------- */

struct pick {
	char		 *title;
	char		**items;
	char		**also;		/* matched too, not shown; or NULL */
	size_t		  n;
	int		  sel;
	struct tedit	  filter;
	int		 *shown;	/* indexes matching the filter */
	int		  nshown;
	void		(*done)(void *, int);
	void		 *arg;
};

static void
pick_filter(struct pick *p)
{
	char *f = tedit_utf8(&p->filter);
	struct buf nf, ni;
	size_t i;

	buf_init(&nf);
	buf_init(&ni);
	index_normalize(f, &nf);
	buf_add_u8(&nf, 0);
	p->nshown = 0;
	for (i = 0; i < p->n; i++) {
		index_normalize(p->items[i], &ni);
		buf_add_u8(&ni, 0);
		if (strstr((char *)ni.data, (char *)nf.data) == NULL &&
		    p->also && p->also[i]) {
			index_normalize(p->also[i], &ni);
			buf_add_u8(&ni, 0);
		}
		if (strstr((char *)ni.data, (char *)nf.data) != NULL)
			p->shown[p->nshown++] = (int)i;
	}
	if (p->sel >= p->nshown)
		p->sel = p->nshown > 0 ? p->nshown - 1 : 0;
	buf_free(&nf);
	buf_free(&ni);
	free(f);
}

static void
pick_draw(struct tui_screen *sc)
{
	struct pick *p = sc->data;
	int h = LINES - 7, first, i;
	char *f = tedit_utf8(&p->filter);

	tui_title(p->title);
	tui_put(2, 1, 10, _("Filter:"), TUI_A_BOLD);
	tui_put(2, 12, 40, f, TUI_A_FOCUS);
	free(f);
	first = p->sel >= h ? p->sel - h + 1 : 0;
	for (i = 0; i < h && first + i < p->nshown; i++)
		tui_put(4 + i, 2, COLS - 4, p->items[p->shown[first + i]],
		    first + i == p->sel ? TUI_A_FOCUS : 0);
	if (p->nshown == 0)
		tui_put(4, 2, 40, _("(nothing matches)"), TUI_A_DIM);
}

static int
pick_key(struct tui_screen *sc, int k)
{
	struct pick *p = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_list_key(k, &p->sel, p->nshown, LINES - 8))
		return 1;
	if (tui_is_back(k)) {
		void (*done)(void *, int) = p->done;
		void *arg = p->arg;

		tui_pop();
		done(arg, -1);
	} else if (tui_is_enter(k) && p->nshown > 0) {
		void (*done)(void *, int) = p->done;
		void *arg = p->arg;
		int chosen = p->shown[p->sel];

		tui_pop();
		done(arg, chosen);
	} else if (tui_is_erase(k)) {
		tedit_backspace(&p->filter);
		pick_filter(p);
	} else if (k == '?' && p->filter.len == 0)
		return 0;
	else if (k > 0 && k < 0x1000000 && tedit_insert(&p->filter,
	    (wchar_t)k, 40) == 0)
		pick_filter(p);
	else
		return 0;
	return 1;
}

static void
pick_free(struct tui_screen *sc)
{
	struct pick *p = sc->data;
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->items[i]);
		if (p->also)
			free(p->also[i]);
	}
	free(p->items);
	free(p->also);
	free(p->shown);
	free(p->title);
	tedit_free(&p->filter);
	free(p);
}

static const struct tui_ops pick_ops = {
	"pick", pick_draw, pick_key, pick_free,
	N_("type to filter  Up/Down choose  Enter take  Esc back"),
	N_("Type part of a name, in Khmer or Latin letters, to shorten the\n"
	   "list; Up/Down choose, Enter takes the value, Esc leaves the\n"
	   "field as it was.")
};

/*
 * A list to pick from; also (may be NULL, or hold NULLs) gives each item
 * a second text that the filter matches but the list does not show: a
 * choice shown by its Khmer label is found by its key too.
 */
void
tui_pick_also(const char *title, const char *const *items,
    const char *const *also, size_t n, void (*done)(void *, int), void *arg)
{
	struct pick *p = xcalloc(1, sizeof *p);
	size_t i;

	p->title = xstrdup(title);
	p->items = xcalloc(n, sizeof *p->items);
	for (i = 0; i < n; i++)
		p->items[i] = xstrdup(items[i]);
	if (also) {
		p->also = xcalloc(n, sizeof *p->also);
		for (i = 0; i < n; i++)
			p->also[i] = also[i] ? xstrdup(also[i]) : NULL;
	}
	p->n = n;
	p->shown = xcalloc(n, sizeof *p->shown);
	p->done = done;
	p->arg = arg;
	pick_filter(p);
	tui_push(&pick_ops, p);
}

void
tui_pick(const char *title, const char *const *items, size_t n,
    void (*done)(void *, int), void *arg)
{
	tui_pick_also(title, items, NULL, n, done, arg);
}
