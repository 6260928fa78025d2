/*
 * tui-form.c -- the one form screen, driven by the form definitions.
 *
 * Every form in forms/ opens here: one row per field, a label in Khmer
 * or English, the value, and beside it what is wrong with it in words.
 * Text is edited by tui-edit.c (never libformw, which scrambles Khmer);
 * choice fields and places open a pick list (places go province ->
 * district -> commune, filtered as you type in Khmer or Latin; a choice
 * shows its Khmer label when the labels are Khmer, but what is stored is
 * always its key, and typing finds either); dates and
 * codes are checked as soon as they are complete.  What is typed is kept
 * as a draft when a field is left and after a second of quiet, so Esc, a
 * crash or a closed terminal loses nothing; the draft is offered again
 * when the form is reopened.  Ctrl-X saves through regist_declare(): a
 * refused form keeps every value and puts the cursor on the first field
 * the core complained about.
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

#define LABEL_W	28
#define VALUE_X	30
#define VALUE_W	26
#define ERR_X	57

struct fstate {
	const struct form	*f;
	struct tedit		*val;
	char			**err;
	char			**note;		/* place names, leases */
	char			(*leased)[REC_IDLEN];	/* per ref field */
	time_t			 renewed;	/* leases last renewed */
	int			 focus;
	int			 dirty;
	time_t			 saved;		/* last draft save */
	int			 offering;	/* a draft is offered */
	int			 restored;
	struct draft		 offer;
	/* place pick in progress */
	int			 pick_field;
	char			 pick_parent[9];
	char			**pick_code;
	size_t			 npick;
	/* amending a rejected declaration: its id (held by a lease) */
	char			 amend[REC_IDLEN];
	/* at entry: likely matches, asked person by person, and links */
	struct likely_list	 likely;
	int			 asking;	/* the person asked about */
	char			 link[FORM_MAX_PERSONS][REC_IDLEN];
	size_t			 nlink;
};

static void
set_err(struct fstate *s, int i, const char *msg)
{
	free(s->err[i]);
	s->err[i] = msg ? xstrdup(msg) : NULL;
}

/* The field registration fills with an identity code: not typed. */
static int
issued_field(const struct form *f, const struct form_field *ff)
{
	return f->issue_field && strcmp(ff->key, f->issue_field) == 0;
}

static void
check_field(struct fstate *s, int i)
{
	const struct form_field *ff = &s->f->fields[i];
	char *v = tedit_utf8(&s->val[i]), why[512];

	set_err(s, i, NULL);
	if (v[0] != '\0' && form_check_value(ff, v, why, sizeof why) != 0)
		set_err(s, i, why);
	free(v);
}

static void
save_draft(struct fstate *s)
{
	struct draft d;
	struct cr_err e;
	size_t i;

	if (s->amend[0]) {	/* the record itself is the draft */
		s->dirty = 0;
		return;
	}
	memset(&d, 0, sizeof d);
	snprintf(d.form, sizeof d.form, "%s", s->f->key);
	d.kv = xcalloc(s->f->nfields, sizeof *d.kv);
	for (i = 0; i < s->f->nfields; i++) {
		if (s->val[i].len == 0)
			continue;
		d.kv[d.n].key = (char *)s->f->fields[i].key;
		d.kv[d.n].value = tedit_utf8(&s->val[i]);
		d.n++;
	}
	d.focus = s->focus;
	err_clear(&e);
	if (draft_save(&tui_session, &d, &e) != CR_OK)
		tui_error(_("The draft could not be kept: %s"), e.msg);
	else {
		s->dirty = 0;
		s->saved = time(NULL);
	}
	for (i = 0; i < d.n; i++)
		free(d.kv[i].value);
	free(d.kv);
}

static void lease_field(struct fstate *, int);

static void
load_values(struct fstate *s, const struct draft *d)
{
	size_t i, j;

	for (i = 0; i < d->n; i++)
		for (j = 0; j < s->f->nfields; j++)
			if (strcmp(d->kv[i].key, s->f->fields[j].key) == 0) {
				tedit_set_utf8(&s->val[j], d->kv[i].value);
				check_field(s, (int)j);
				lease_field(s, (int)j);
			}
	if (d->focus >= 0 && (size_t)d->focus < s->f->nfields)
		s->focus = d->focus;
}

/* Screen rows: a section title takes one, each field one. */
static int
row_of(const struct fstate *s, int field)
{
	int r = 0, i;

	for (i = 0; i <= field; i++)
		r += s->f->fields[i].section_en ? 2 : 1;
	return r - 1;
}

static void
form_draw(struct tui_screen *sc)
{
	struct fstate *s = sc->data;
	int top = 2, h = LINES - 4, first, i, y;
	char title[200], label[160];

	if (s->amend[0])
		snprintf(title, sizeof title, _("%s: amending %s"),
		    tui_label(s->f->title_km, s->f->title_en), s->amend);
	else
		snprintf(title, sizeof title, "%s%s", tui_label(
		    s->f->title_km, s->f->title_en), s->saved ?
		    _("   (draft kept)") : s->restored ?
		    _("   (draft restored)") : "");
	tui_title(title);
	if (s->offering) {
		char when[32];

		time_format((time_t)s->offer.time, when, sizeof when);
		tui_put(4, 4, COLS - 8, _("An unfinished copy of this form was "
		    "kept:"), TUI_A_BOLD);
		snprintf(label, sizeof label, _("%zu field(s) filled, last "
		    "changed %s UTC."), s->offer.n, when);
		tui_put(6, 4, COLS - 8, label, 0);
		tui_put(8, 4, COLS - 8, _("Enter: continue it    N: start an "
		    "empty form (the draft is deleted)"), TUI_A_FOCUS);
		return;
	}
	first = row_of(s, s->focus) >= h ? row_of(s, s->focus) - h + 1 : 0;
	for (i = 0; i < (int)s->f->nfields; i++) {
		const struct form_field *ff = &s->f->fields[i];
		const char *shown;
		char *v;
		int cw;

		if (ff->section_en) {
			y = top + row_of(s, i) - 1 - first;
			if (y >= top && y < top + h)
				tui_put(y, 1, COLS - 2, tui_label(ff->section_km,
				    ff->section_en), TUI_A_BOLD);
		}
		y = top + row_of(s, i) - first;
		if (y < top || y >= top + h)
			continue;
		snprintf(label, sizeof label, "%s%s", tui_label(ff->label_km,
		    ff->label_en), ff->required ? " *" : "");
		tui_put(y, 1, LABEL_W, label, 0);
		if (i == s->focus)
			tedit_scroll(&s->val[i], VALUE_W - 1);
		v = tedit_utf8_from(&s->val[i], s->val[i].off);
		shown = ff->type == FT_CHOICE && s->val[i].off == 0 ?
		    tui_label(form_value_km(ff, v), v) : v;
		tui_put(y, VALUE_X, VALUE_W, shown, i == s->focus ?
		    TUI_A_FOCUS : TUI_A_DIM);
		cw = shown != v ? tui_cols(shown) : -1;
		free(v);
		if (s->err[i])
			tui_put(y, ERR_X, COLS - ERR_X - 1, s->err[i],
			    TUI_A_ERROR);
		else if (s->note[i])
			tui_put(y, ERR_X, COLS - ERR_X - 1, s->note[i], 0);
		if (i == s->focus) {
			curs_set(1);
			move(y, VALUE_X + (cw >= 0 ? (cw < VALUE_W ? cw :
			    VALUE_W - 1) : tedit_width(&s->val[i],
			    s->val[i].off, s->val[i].cur)));
		}
	}
}

/*
 * A field naming an existing record takes a lease on it, so the other
 * terminals see that it is being worked on; if another terminal already
 * holds one, say so beside the field.
 */
static void
lease_field(struct fstate *s, int i)
{
	char *v = tedit_utf8(&s->val[i]), when[32];
	struct lease other;
	struct cr_err e;

	if (s->f->fields[i].type != FT_REF)
		goto out;
	if (s->leased[i][0] && strcmp(s->leased[i], v) != 0) {
		lease_release(&tui_session, s->leased[i], &e);
		s->leased[i][0] = '\0';
	}
	free(s->note[i]);
	s->note[i] = NULL;
	if (s->err[i] || !rec_id_valid(v))
		goto out;
	err_clear(&e);
	switch (lease_take(&tui_session, v, s->f->key, &other, &e)) {
	case CR_OK:
		snprintf(s->leased[i], REC_IDLEN, "%s", v);
		break;
	case CR_EEXIST:
		time_format((time_t)other.time, when, sizeof when);
		s->note[i] = xmalloc(200);
		snprintf(s->note[i], 200, _("being edited by %s (%s) since %s"),
		    other.user, other.form, when + 11);
		tui_error(_("%s is being edited at another terminal by %s (%s) "
		    "since %s UTC."), v, other.user, other.form, when);
		break;
	default:
		break;
	}
out:
	free(v);
}

static void
renew_leases(struct fstate *s, int release)
{
	struct lease other;
	struct cr_err e;
	size_t i;

	for (i = 0; i < s->f->nfields; i++)
		if (s->leased[i][0]) {
			if (release)
				lease_release(&tui_session, s->leased[i], &e);
			else
				lease_take(&tui_session, s->leased[i],
				    s->f->key, &other, &e);
		}
	if (s->amend[0] && release)
		lease_release(&tui_session, s->amend, &e);
	else if (s->amend[0])
		lease_take(&tui_session, s->amend, s->f->key, &other, &e);
	s->renewed = time(NULL);
}

static void
leave_field(struct fstate *s)
{
	check_field(s, s->focus);
	lease_field(s, s->focus);
	if (s->dirty)
		save_draft(s);
}

static void
go(struct fstate *s, int to)
{
	int step = to > s->focus ? 1 : -1;

	/* The field registration fills is passed over: nothing to type. */
	while (to >= 0 && to < (int)s->f->nfields &&
	    issued_field(s->f, &s->f->fields[to]))
		to += step;
	if (to < 0 || to >= (int)s->f->nfields || to == s->focus)
		return;
	check_field(s, s->focus);
	lease_field(s, s->focus);
	s->focus = to;		/* the draft remembers where the cursor went */
	if (s->dirty)
		save_draft(s);
	if (s->err[to])
		tui_error("%s: %s", s->f->fields[to].label_en, s->err[to]);
}

/* --- choice and place pickers -------------------------------------------- */

static void
choice_done(void *arg, int chosen)
{
	struct fstate *s = arg;

	if (chosen < 0)
		return;
	tedit_set_utf8(&s->val[s->focus],
	    s->f->fields[s->focus].values[chosen]);
	s->dirty = 1;
	check_field(s, s->focus);
	go(s, s->focus + 1);
}

static void place_open(struct fstate *, const char *parent);

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

static void
pick_codes_free(struct fstate *s)
{
	size_t i;

	for (i = 0; i < s->npick; i++)
		free(s->pick_code[i]);
	free(s->pick_code);
	s->pick_code = NULL;
	s->npick = 0;
}

static void
place_done(void *arg, int chosen)
{
	struct fstate *s = arg;
	const struct form_field *ff = &s->f->fields[s->focus];
	char code[9];

	if (chosen < 0) {
		pick_codes_free(s);
		return;
	}
	snprintf(code, sizeof code, "%s", s->pick_code[chosen]);
	pick_codes_free(s);
	tedit_set_utf8(&s->val[s->focus], code);
	s->dirty = 1;
	if ((int)strlen(code) < (ff->level ? ff->level : 6) &&
	    strlen(code) < 8) {
		place_open(s, code);	/* one level down */
		return;
	}
	check_field(s, s->focus);
	go(s, s->focus + 1);
}

static void
place_open(struct fstate *s, const char *parent)
{
	struct collect c;
	struct cr_err e;
	char title[100];

	memset(&c, 0, sizeof c);
	err_clear(&e);
	if (gazetteer_list(&tui_session, parent, collect_place, &c, &e) !=
	    CR_OK)
		tui_error("%s", e.msg);
	if (c.n == 0) {
		if (parent[0] == '\0')
			tui_error("%s", _("No gazetteer is loaded: type the "
			    "place code."));
		check_field(s, s->focus);
		free(c.label);
		free(c.code);
		return;
	}
	snprintf(title, sizeof title, "%s %s", _("Choose a place in"),
	    parent[0] ? parent : _("Cambodia"));
	s->pick_code = c.code;
	s->npick = c.n;
	tui_pick(title, (const char *const *)c.label, c.n, place_done, s);
	while (c.n > 0)
		free(c.label[--c.n]);
	free(c.label);
}

/* --- saving ---------------------------------------------------------------- */

/* Puts each "key: message" line of the core's answer beside its field. */
static int
spread_errors(struct fstate *s, const struct cr_err *e)
{
	const char *p = e->msg;
	int first = -1, i;

	while (*p) {
		size_t n = strcspn(p, "\n"), kl = strcspn(p, ":");

		for (i = 0; kl < n && i < (int)s->f->nfields; i++)
			if (strlen(s->f->fields[i].key) == kl &&
			    strncmp(p, s->f->fields[i].key, kl) == 0) {
				char msg[600];

				/* "key: reason"; a bare "key:" has none */
				snprintf(msg, sizeof msg, "%.*s", n >= kl + 2 ?
				    (int)(n - kl - 2) : 0, n >= kl + 2 ?
				    p + kl + 2 : "");
				if (strncmp(msg, "missing:", 8) == 0)
					snprintf(msg, sizeof msg, "%s",
					    _("required: fill it in"));
				set_err(s, i, msg);
				if (first < 0 || i < first)
					first = i;
			}
		p += n + (p[n] == '\n');
	}
	return first;
}

static void form_declare(struct fstate *, int check);

/* The form's values as key=value (amending, an emptied field is key=). */
static size_t
form_values(struct fstate *s, struct kv *kv)
{
	size_t i, n = 0;

	for (i = 0; i < s->f->nfields; i++) {
		set_err(s, (int)i, NULL);
		if (s->val[i].len == 0 && !s->amend[0])
			continue;
		kv[n].key = (char *)s->f->fields[i].key;
		kv[n].value = tedit_utf8(&s->val[i]);
		n++;
	}
	return n;
}

static void likely_ask(struct fstate *);

/* The clerk's answer for one person: a match (linked), the last item
 * (a new person), or Esc (back to the form, nothing saved). */
static void
likely_done(void *arg, int chosen)
{
	struct fstate *s = arg;
	size_t i, k = 0;

	for (i = 0; i < s->likely.n; i++) {
		if (s->likely.v[i].person != s->asking)
			continue;
		if ((int)k++ == chosen)
			snprintf(s->link[s->nlink++], REC_IDLEN, "%s",
			    s->likely.v[i].id);
	}
	if (chosen < 0) {
		likely_free(&s->likely);
		tui_message("%s", _("Not saved: the form is as you left it."));
		return;
	}
	s->asking++;
	likely_ask(s);
}

/* Asks about the next person with likely matches; then saves. */
static void
likely_ask(struct fstate *s)
{
	const struct form_person *fp;
	const struct form_field *ff;
	char **items = NULL, title[300], *name;
	size_t i, n = 0;

	for (; s->asking < (int)s->f->npersons; s->asking++) {
		for (i = 0; i < s->likely.n; i++)
			if (s->likely.v[i].person == s->asking)
				break;
		if (i < s->likely.n)
			break;
	}
	if (s->asking >= (int)s->f->npersons) {
		likely_free(&s->likely);
		form_declare(s, 0);
		return;
	}
	for (i = 0; i < s->likely.n; i++) {
		const struct likely *l = &s->likely.v[i];
		const struct form *lf = form_by_code(l->kind);
		char line[600];

		if (l->person != s->asking)
			continue;
		snprintf(line, sizeof line, "%3d%%  %s  %s %s  %s%s%s%s%s",
		    (int)(l->score * 100 + 0.5), l->id, lf ? tui_label(
		    lf->title_km, lf->title_en) : "?",
		    rec_status_name(l->status), l->name, *l->born ? "  " : "", l->born,
		    *l->mother ? "  " : "", l->mother);
		items = xrealloc(items, (n + 1) * sizeof *items);
		items[n++] = xstrdup(line);
	}
	items = xrealloc(items, (n + 1) * sizeof *items);
	items[n++] = xstrdup(_("None of these: a person not in the register"));
	fp = &s->f->persons[s->asking];
	ff = form_field(s->f, fp->name_km);
	name = ff ? tedit_utf8(&s->val[ff - s->f->fields]) : xstrdup("");
	snprintf(title, sizeof title, _("Already in the register? %s: %s"),
	    ff ? tui_label(ff->label_km, ff->label_en) : "", name);
	free(name);
	tui_pick(title, (const char *const *)items, n, likely_done, s);
	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

static void
form_save(struct fstate *s)
{
	s->nlink = 0;
	s->asking = 0;
	likely_free(&s->likely);
	form_declare(s, !s->amend[0]);
}

/*
 * Saves; first (check) looks for the form's persons in the register and,
 * if some are likely there, asks about each (likely_ask), which saves.
 */
static void
form_declare(struct fstate *s, int check)
{
	struct kv *kv = xcalloc(s->f->nfields, sizeof *kv);
	const char *links[FORM_MAX_PERSONS];
	char id[REC_IDLEN];
	struct record r;
	struct cr_err e;
	size_t i, n = form_values(s, kv);
	int bad, rc;

	err_clear(&e);
	for (i = 0; i < s->nlink; i++)
		links[i] = s->link[i];
	if (s->amend[0]) {
		rc = regist_amend(&tui_session, s->amend, kv, n, &r, &e);
		if (rc == CR_OK) {
			snprintf(id, sizeof id, "%s", s->amend);
			rec_free(&r);
		}
	} else if (check && (rc = likely_find(&tui_session, s->f->key, kv, n,
	    &s->likely, &e)) == CR_OK && s->likely.n > 0) {
		for (i = 0; i < n; i++)
			free(kv[i].value);
		free(kv);
		likely_ask(s);
		return;
	} else if (!check || rc == CR_OK)
		rc = regist_declare_linked(&tui_session, s->f->key, kv, n,
		    links, s->nlink, id, &e);
	if (rc == CR_OK) {
		if (!s->amend[0])
			draft_delete(&tui_session, s->f->key, &e);
		tui_pop();
		tui_record_open(id);
		tui_message(_("Saved as %s."), id);
	} else if ((bad = spread_errors(s, &e)) >= 0) {
		s->focus = bad;
		tui_error(_("Not saved: correct the marked fields (%s: %s)"),
		    s->f->fields[bad].key, s->err[bad]);
	} else
		tui_error(_("Not saved: %s"), e.msg);
	for (i = 0; i < n; i++)
		free(kv[i].value);
	free(kv);
}

/* --- keys ---------------------------------------------------------------- */

static int
typed_text(const struct form_field *ff)
{
	return ff->type == FT_TEXT || ff->type == FT_KHMER;
}

static int
form_key(struct tui_screen *sc, int k)
{
	struct fstate *s = sc->data;
	const struct form_field *ff = &s->f->fields[s->focus];
	struct tedit *t = &s->val[s->focus];
	struct cr_err e;

	if (s->offering) {
		if (tui_is_enter(k) || k == 'y' || k == 'Y') {
			load_values(s, &s->offer);
			s->offering = 0;
			s->restored = 1;
			tui_message("%s", _("Draft restored."));
		} else if (k == 'n' || k == 'N') {
			draft_delete(&tui_session, s->f->key, &e);
			s->offering = 0;
		} else if (tui_is_back(k))
			tui_pop();
		else
			return k != '?';
		return 1;
	}
	if (k == TUI_IDLE) {
		if (s->dirty)
			save_draft(s);
		if (time(NULL) - s->renewed > LEASE_SECONDS / 4)
			renew_leases(s, 0);
		return 1;
	}
	if (k == '\t' || k == TUI_CTRL('n') || k == TUI_KEY(KEY_DOWN))
		go(s, s->focus + 1);
	else if (k == TUI_KEY(KEY_BTAB) || k == TUI_CTRL('p') ||
	    k == TUI_KEY(KEY_UP))
		go(s, s->focus - 1);
	else if (k == TUI_KEY(KEY_NPAGE))
		go(s, s->focus + 10 < (int)s->f->nfields ? s->focus + 10 :
		    (int)s->f->nfields - 1);
	else if (k == TUI_KEY(KEY_PPAGE))
		go(s, s->focus > 10 ? s->focus - 10 : 0);
	else if (k == TUI_CTRL('x')) {
		leave_field(s);
		form_save(s);		/* may close this screen: s is gone */
		return 1;
	} else if (tui_is_back(k)) {
		leave_field(s);
		tui_message("%s", s->saved || s->restored ? _("The form was "
		    "kept as a draft.") : "");
		tui_pop();
		return 1;
	} else if (tui_is_enter(k) || (k == ' ' && ff->type == FT_CHOICE)) {
		if (ff->type == FT_CHOICE) {
			size_t n = 0;
			int km = tui_session.lang && ff->values_km;

			while (ff->values[n])
				n++;
			/* Shown in the labels' language, found by either. */
			tui_pick_also(tui_label(ff->label_km, ff->label_en),
			    km ? ff->values_km : ff->values,
			    km ? ff->values : ff->values_km, n, choice_done, s);
		} else if (ff->type == FT_PLACE)
			place_open(s, "");
		else
			go(s, s->focus + 1);
	} else if (k == TUI_KEY(KEY_LEFT) || k == TUI_CTRL('b'))
		tedit_left(t);
	else if (k == TUI_KEY(KEY_RIGHT) || k == TUI_CTRL('f'))
		tedit_right(t);
	else if (k == TUI_KEY(KEY_HOME) || k == TUI_CTRL('a'))
		tedit_home(t);
	else if (k == TUI_KEY(KEY_END) || k == TUI_CTRL('e'))
		tedit_end(t);
	else if (k == 127 || k == 8 || k == TUI_KEY(KEY_BACKSPACE)) {
		tedit_backspace(t);
		s->dirty = 1;
	} else if (k == TUI_KEY(KEY_DC) || k == TUI_CTRL('d')) {
		tedit_delete(t);
		s->dirty = 1;
	} else if (k == TUI_CTRL('k')) {
		tedit_kill(t);
		s->dirty = 1;
	} else if (k == '?' && (!typed_text(ff) || t->len == 0))
		return 0;	/* help; inside free text, '?' is text */
	else if (k > 0 && k < 0x1000000 && issued_field(s->f, ff))
		return 1;	/* not reached by go(); nothing to type here */
	else if (k > 0 && k < 0x1000000 && ff->type != FT_CHOICE) {
		if (tedit_insert(t, (wchar_t)k, (size_t)form_field_max(ff) *
		    4) != 0)
			return 1;
		s->dirty = 1;
		/* Dates are checked as soon as they are complete. */
		if (ff->type == FT_DATE && t->len >= 10)
			check_field(s, s->focus);
		else
			set_err(s, s->focus, NULL);
	} else
		return 0;
	/* The whole reason, for the field the cursor is in. */
	if (!s->offering && s->err[s->focus] && !tui_message_set())
		tui_error("%s", s->err[s->focus]);
	return 1;
}

static void
form_free(struct tui_screen *sc)
{
	struct fstate *s = sc->data;
	size_t i;

	renew_leases(s, 1);	/* the screen is closing: let them go */
	for (i = 0; i < s->f->nfields; i++) {
		tedit_free(&s->val[i]);
		free(s->err[i]);
		free(s->note[i]);
	}
	free(s->leased);
	free(s->val);
	free(s->err);
	free(s->note);
	pick_codes_free(s);
	draft_free(&s->offer);
	likely_free(&s->likely);
	free(s);
}

static const struct tui_ops form_ops = {
	"form", form_draw, form_key, form_free,
	N_("Tab/^N next ^P prev  Enter pick  ^X save  Esc back  ? help"),
	N_("Fill in the fields; * marks the required ones.  Tab, Ctrl-N and\n"
	   "Down go to the next field, Ctrl-P and Up to the previous one.\n"
	   "Left/Right (Ctrl-B/Ctrl-F) move inside a value by whole Khmer\n"
	   "letters with their marks; Backspace and Delete (Ctrl-D) remove\n"
	   "them; Ctrl-A/Ctrl-E go to the start/end; Ctrl-K clears a field.\n"
	   "Enter on a choice or place field opens a list: type to filter it,\n"
	   "in Khmer or Latin letters.  Dates are written YYYY-MM-DD.\n\n"
	   "Ctrl-X saves the declaration.  If something is wrong, nothing is\n"
	   "saved: the reason is shown beside each field, and the cursor goes\n"
	   "to the first one.  What you type is kept as a draft as you go:\n"
	   "Esc, a power cut or a closed terminal lose nothing, and the draft\n"
	   "is offered when you open the form again.\n\n"
	   "Before a new person is saved, people like them already in the\n"
	   "register are listed, best first: choose the one it is (linked),\n"
	   "or the last line for someone new; Esc goes back to the form.")
};

/* A form filled in from given values (a health notice's). */
void
tui_form_open_values(const struct form *f, const struct draft *d)
{
	struct fstate *s;

	tui_form_open(f);
	s = tui_top_data();
	if (s->offering) {		/* the given values win over a draft */
		draft_free(&s->offer);
		s->offering = 0;
	}
	load_values(s, d);
	s->focus = 0;
	s->dirty = 1;
}

/*
 * A rejected declaration, to be corrected and declared again: its
 * values, no draft, and the record leased so another terminal sees it.
 */
void
tui_form_open_amend(const struct form *f, const char *id,
    const struct draft *d)
{
	struct lease other;
	struct fstate *s;
	struct cr_err e;
	char when[32];

	err_clear(&e);
	switch (lease_take(&tui_session, id, f->key, &other, &e)) {
	case CR_OK:
		break;
	case CR_EEXIST:
		time_format((time_t)other.time, when, sizeof when);
		tui_error(_("%s is being edited at another terminal by %s (%s) "
		    "since %s UTC."), id, other.user, other.form, when);
		return;
	default:
		tui_error("%s", e.msg);
		return;
	}
	tui_form_open(f);
	s = tui_top_data();
	draft_free(&s->offer);
	s->offering = 0;
	snprintf(s->amend, sizeof s->amend, "%s", id);
	load_values(s, d);
	s->focus = 0;
	s->renewed = time(NULL);
}

void
tui_form_open(const struct form *f)
{
	struct fstate *s = xcalloc(1, sizeof *s);
	struct cr_err e;
	size_t i;

	s->f = f;
	s->val = xcalloc(f->nfields, sizeof *s->val);
	s->err = xcalloc(f->nfields, sizeof *s->err);
	s->note = xcalloc(f->nfields, sizeof *s->note);
	s->leased = xcalloc(f->nfields, sizeof *s->leased);
	for (i = 0; i < f->nfields; i++) {
		tedit_init(&s->val[i]);
		if (issued_field(f, &f->fields[i]))
			s->note[i] = xstrdup(_("issued at registration"));
	}
	err_clear(&e);
	if (draft_load(&tui_session, f->key, &s->offer, &e) == CR_OK)
		s->offering = 1;
	tui_push(&form_ops, s);
}

/* --- the list of forms ----------------------------------------------------- */

struct flist {
	const struct form	*forms[64];
	int			 n, sel;
};

static void
flist_draw(struct tui_screen *sc)
{
	struct flist *l = sc->data;
	int i, h = LINES - 5, first = l->sel >= h ? l->sel - h + 1 : 0;
	char line[200];

	tui_title(_("Declare"));
	for (i = 0; i < h && first + i < l->n; i++) {
		const struct form *f = l->forms[first + i];

		snprintf(line, sizeof line, "%-20s %s", f->key,
		    tui_label(f->title_km, f->title_en));
		tui_put(2 + i, 2, COLS - 4, line, first + i == l->sel ?
		    TUI_A_FOCUS : 0);
	}
}

static int
flist_key(struct tui_screen *sc, int k)
{
	struct flist *l = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_list_key(k, &l->sel, l->n, LINES - 6))
		return 1;
	if (tui_is_back(k))
		tui_pop();
	else if (tui_is_enter(k))
		tui_form_open(l->forms[l->sel]);
	else
		return 0;
	return 1;
}

static void
flist_free(struct tui_screen *sc)
{
	free(sc->data);
}

static const struct tui_ops flist_ops = {
	"forms", flist_draw, flist_key, flist_free,
	N_("Up/Down choose  Enter open  Esc back  ? help"),
	N_("The forms your role may fill in.  Enter opens one; a form you\n"
	   "left unfinished is offered again with what you had typed.")
};

void
tui_form_list(void)
{
	struct flist *l = xcalloc(1, sizeof *l);
	size_t i;

	for (i = 0; form_table[i] && l->n < 64; i++)
		if (form_allows_role(form_table[i], tui_session.role))
			l->forms[l->n++] = form_table[i];
	tui_push(&flist_ops, l);
}
