/*
 * tui-sync.c -- exchange with other offices: export, import, push over
 * SSH, and the conflict between two offices' revisions of a record.
 *
 * The screens call what the command line calls (sync.c, push.c) and
 * only draw and ask.  A clerk's day: Export writes the changes for one
 * office (picked from the offices whose keys are known here, or typed)
 * as one file in a directory, by default the one used last, else a
 * mounted USB stick; Import lists the *.crf files of a directory, marks
 * which are for this office, imports them (all, the marked ones or the
 * one under the cursor) and shows what each did: applied, skipped and
 * conflicting revisions, or the reason it was rejected; Push sends
 * files to another office's machine over SSH and shows its answers.
 * The conflict view shows the local and the other office's revision
 * side by side, the fields that differ marked, and resolves with l (keep
 * the local one) or o (keep the other), with an optional reason.
 *
 * Keys work on a VT100: letters, Tab, arrows or Ctrl-N/Ctrl-P, Ctrl-X
 * to act, Esc or Ctrl-G to go back.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "civreg.h"

#define _(s)	gettext(s)
#define N_(s)	(s)

static int
allowed(int action)
{
	struct cr_err e;

	return authz_check(&tui_session, action, NULL, &e) == CR_OK;
}

/* --- the exchange directory ------------------------------------------------ */

static char xdir[4096];		/* used last, in this session */
static char xdest[256];		/* the last push destination */

/*
 * Where files go and come from: the directory used last; else
 * $CIVREG_EXCHANGE_DIR; else a file system mounted under /media/USER or
 * /media (a USB stick); else the current directory.
 */
static const char *
exchange_dir(void)
{
	const char *env = getenv("CIVREG_EXCHANGE_DIR"), *user = getenv("USER");
	char media[300], path[600];
	struct stat st, sub;
	struct dirent *de;
	DIR *d;
	int pass;

	if (xdir[0])
		return xdir;
	if (env && *env) {
		snprintf(xdir, sizeof xdir, "%s", env);
		return xdir;
	}
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0 && (user == NULL || *user == '\0'))
			continue;
		snprintf(media, sizeof media, pass == 0 ? "/media/%s" :
		    "/media", user);
		if (stat(media, &st) != 0 || (d = opendir(media)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", media, de->d_name);
			if (stat(path, &sub) == 0 && S_ISDIR(sub.st_mode) &&
			    sub.st_dev != st.st_dev) {
				snprintf(xdir, sizeof xdir, "%s", path);
				closedir(d);
				return xdir;
			}
		}
		closedir(d);
	}
	if (getcwd(xdir, sizeof xdir) == NULL)
		snprintf(xdir, sizeof xdir, ".");
	return xdir;
}

static void
remember_dir(const char *dir)
{
	snprintf(xdir, sizeof xdir, "%s", dir);
}

/* --- one-line fields ------------------------------------------------------- */

/* The editing keys of a field; 1 if used. */
static int
field_key(struct tedit *t, int k, size_t max)
{
	if (tui_is_erase(k))
		tedit_backspace(t);
	else if (k == TUI_KEY(KEY_DC) || k == TUI_CTRL('d'))
		tedit_delete(t);
	else if (k == TUI_KEY(KEY_LEFT) || k == TUI_CTRL('b'))
		tedit_left(t);
	else if (k == TUI_KEY(KEY_RIGHT) || k == TUI_CTRL('f'))
		tedit_right(t);
	else if (k == TUI_CTRL('e'))
		tedit_end(t);
	else if (k == TUI_CTRL('u'))
		tedit_kill(t);
	else if (k >= ' ' && k != 0x7f && k < 0x1000000)
		tedit_insert(t, (wchar_t)k, max);
	else
		return 0;
	return 1;
}

static void
field_draw(int y, int x, int cols, struct tedit *t, int focus)
{
	char *s;

	tedit_scroll(t, cols - 1);
	s = tedit_utf8_from(t, t->off);
	tui_put(y, x, cols, s, focus ? TUI_A_FOCUS : 0);
	free(s);
	if (focus) {
		move(y, x + tedit_width(t, t->off, t->cur));
		curs_set(1);
	}
}

/* --- lines of text, wrapped, scrolled --------------------------------------- */

struct text {
	char	**line;
	int	 *attr;
	size_t	  n;
};

static void
text_add(struct text *t, int attr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
text_add(struct text *t, int attr, const char *fmt, ...)
{
	char line[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	t->line = xrealloc(t->line, (t->n + 1) * sizeof *t->line);
	t->attr = xrealloc(t->attr, (t->n + 1) * sizeof *t->attr);
	t->line[t->n] = xstrdup(line);
	t->attr[t->n++] = attr;
}

static void
text_free(struct text *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->line[i]);
	free(t->line);
	free(t->attr);
	memset(t, 0, sizeof *t);
}

/*
 * s in lines of at most width columns after indent spaces: broken at
 * its newlines, and at spaces where a line would be too wide (a word
 * wider than the line is cut).  Columns by wcwidth: Khmer marks take 0.
 */
static void
text_wrap(struct text *t, int attr, int indent, int width, const char *s)
{
	char line[1024];
	size_t n = 0, sp = 0, len;
	int col = 0, spcol = 0, cw;
	mbstate_t st;
	wchar_t wc;

	memset(&st, 0, sizeof st);
	for (;;) {
		if (*s == '\0' || *s == '\n') {
			line[n] = '\0';
			if (n > 0 || *s == '\n')
				text_add(t, attr, "%*s%s", indent, "", line);
			if (*s == '\0')
				return;
			s++;
			n = sp = 0;
			col = 0;
			continue;
		}
		len = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
			memset(&st, 0, sizeof st);
			wc = L'?';
			len = 1;
		}
		if ((cw = wcwidth(wc)) < 0)
			cw = 1;
		if ((col + cw > width && n > 0) || n + len >= sizeof line - 1) {
			if (wc == L' ') {	/* the break itself */
				line[n] = '\0';
				text_add(t, attr, "%*s%s", indent, "", line);
				n = sp = 0;
				col = 0;
				s += len;
				continue;
			}
			if (sp > 0) {
				line[sp - 1] = '\0';
				text_add(t, attr, "%*s%s", indent, "", line);
				memmove(line, line + sp, n - sp);
				n -= sp;
				col -= spcol;
			} else {
				line[n] = '\0';
				text_add(t, attr, "%*s%s", indent, "", line);
				n = 0;
				col = 0;
			}
			sp = 0;
		}
		memcpy(line + n, s, len);
		n += len;
		col += cw;
		s += len;
		if (wc == L' ') {
			sp = n;
			spcol = col;
		}
	}
}

static void
text_draw(const struct text *t, int first, int y0, int y1)
{
	int i;

	for (i = 0; y0 + i < y1 && first + i < (int)t->n; i++)
		tui_put(y0 + i, 1, COLS - 2, t->line[first + i],
		    t->attr[first + i]);
}

/* Scrolling keys of a text shown in rows lines; 1 if used. */
static int
text_scroll_key(const struct text *t, int *first, int rows, int k)
{
	int last = (int)t->n - rows;

	if (last < 0)
		last = 0;
	if (k == TUI_KEY(KEY_DOWN) || k == TUI_CTRL('n') || k == 'j')
		*first = *first < last ? *first + 1 : last;
	else if (k == TUI_KEY(KEY_UP) || k == TUI_CTRL('p') || k == 'k')
		*first = *first > 0 ? *first - 1 : 0;
	else if (k == ' ' || k == TUI_CTRL('v') || k == TUI_KEY(KEY_NPAGE))
		*first = *first + rows < last ? *first + rows : last;
	else if (k == 'b' || k == TUI_KEY(KEY_PPAGE))
		*first = *first > rows ? *first - rows : 0;
	else
		return 0;
	return 1;
}

/* --- replication files in a directory --------------------------------------- */

struct crf {
	char	*name;
	char	 sender[OFFICE_LEN];	/* from the name; "" if it does not */
	char	 rcpt[OFFICE_LEN];	/* follow the usual pattern */
	int	 receipt;		/* 1 a receipt, 2 identity codes */
	int	 mark;
	char	*last;			/* what this screen did with it */
	int	 last_attr;
};

struct files {
	char		 dir[4096];	/* the directory listed */
	struct crf	*f;
	size_t		 n;
	int		 sel;
};

/*
 * SENDER-to-RECIPIENT-SEQ.crf, SENDER-receipt-RECIPIENT-SEQ.crf or
 * SENDER-codes-to-RECIPIENT-SEQ.crf (identity codes: receipt 2)
 */
static void
crf_parse(struct crf *c)
{
	static const char *const kinds[] = { "-to-", "-receipt-",
		"-codes-to-" };
	const char *p = c->name, *q;
	size_t i, a, b, d;

	c->sender[0] = c->rcpt[0] = '\0';
	a = strspn(p, "0123456789");
	if (a == 0 || a >= OFFICE_LEN)
		return;
	for (i = 0; i < 3; i++) {
		if (strncmp(p + a, kinds[i], strlen(kinds[i])) != 0)
			continue;
		q = p + a + strlen(kinds[i]);
		b = strspn(q, "0123456789");
		if (b == 0 || b >= OFFICE_LEN || q[b] != '-')
			return;
		d = strspn(q + b + 1, "0123456789");
		if (d == 0 || strcmp(q + b + 1 + d, ".crf") != 0)
			return;
		snprintf(c->sender, sizeof c->sender, "%.*s", (int)a, p);
		snprintf(c->rcpt, sizeof c->rcpt, "%.*s", (int)b, q);
		c->receipt = (int)i;
		return;
	}
}

static int
crf_for_us(const struct crf *c)
{
	return c->rcpt[0] == '\0' || strcmp(c->rcpt, tui_session.office) == 0;
}

static int
crf_from_us(const struct crf *c)
{
	return strcmp(c->sender, tui_session.office) == 0;
}

static void
files_free(struct files *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++) {
		free(fl->f[i].name);
		free(fl->f[i].last);
	}
	free(fl->f);
	fl->f = NULL;
	fl->n = 0;
	fl->sel = 0;
}

static int
crf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct crf *)a)->name,
	    ((const struct crf *)b)->name);
}

/*
 * Lists the *.crf files of dir, by name (sender, then sequence).  Read
 * again, the directory keeps what was done with each file, and the
 * selection.  1: a directory not listed before; 0: read again; -1.
 */
static int
files_read(struct files *fl, const char *dir)
{
	char path[4400], *selname = NULL;
	struct files old;
	struct dirent *de;
	struct stat st;
	size_t len, i, j;
	int fresh;
	DIR *d;

	if (dir[0] == '\0') {
		tui_error("%s", _("Type the directory of the files."));
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		tui_error(_("Cannot read %s: %s."), dir, strerror(errno));
		return -1;
	}
	old = *fl;
	fresh = strcmp(old.dir, dir) != 0;
	fl->f = NULL;
	fl->n = 0;
	fl->sel = 0;
	if (fresh) {
		files_free(&old);
		snprintf(fl->dir, sizeof fl->dir, "%s", dir);
	} else if (old.sel < (int)old.n)	/* dir may be fl->dir */
		selname = old.f[old.sel].name;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".crf") != 0 ||
		    de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		fl->f = xrealloc(fl->f, (fl->n + 1) * sizeof *fl->f);
		memset(&fl->f[fl->n], 0, sizeof fl->f[fl->n]);
		fl->f[fl->n].name = xstrdup(de->d_name);
		crf_parse(&fl->f[fl->n]);
		fl->n++;
	}
	closedir(d);
	if (fl->n > 1)
		qsort(fl->f, fl->n, sizeof *fl->f, crf_cmp);
	for (i = 0; i < fl->n; i++)
		for (j = 0; j < old.n; j++)
			if (strcmp(fl->f[i].name, old.f[j].name) == 0) {
				fl->f[i].last = old.f[j].last;
				fl->f[i].last_attr = old.f[j].last_attr;
				fl->f[i].mark = old.f[j].mark;
				old.f[j].last = NULL;
				if (selname && strcmp(selname, fl->f[i].name) == 0)
					fl->sel = (int)i;
			}
	files_free(&old);
	return fresh;
}

static void
crf_set_last(struct crf *c, int attr, const char *s)
{
	free(c->last);
	c->last = xstrdup(s);
	c->last_attr = attr;
}

/* Draws the list in rows y0..y1-1; focus: the selection is shown. */
static void
files_draw(const struct files *fl, int focus, int y0, int y1)
{
	int h = y1 - y0, first = fl->sel >= h ? fl->sel - h + 1 : 0, i;
	char where[120];

	for (i = 0; i < h && first + i < (int)fl->n; i++) {
		const struct crf *c = &fl->f[first + i];
		int a = focus && first + i == fl->sel ? TUI_A_FOCUS : 0;

		if (c->rcpt[0] == '\0')
			snprintf(where, sizeof where, "%s", _("(unusual name)"));
		else if (crf_from_us(c))
			snprintf(where, sizeof where, c->receipt == 1 ?
			    _("our receipt for %s") : c->receipt == 2 ?
			    _("our codes for %s") : _("ours, for %s"),
			    c->rcpt);
		else if (crf_for_us(c))
			snprintf(where, sizeof where, c->receipt == 1 ?
			    _("receipt from %s") : c->receipt == 2 ?
			    _("identity codes from %s") : _("from %s"),
			    c->sender);
		else
			snprintf(where, sizeof where, _("for office %s"),
			    c->rcpt);
		tui_put(y0 + i, 1, 2, c->mark ? "*" : "", a | TUI_A_BOLD);
		tui_put(y0 + i, 3, 34, c->name, a | (crf_for_us(c) ||
		    crf_from_us(c) ? 0 : TUI_A_DIM));
		tui_put(y0 + i, 37, 22, where, a);
		tui_put(y0 + i, 59, COLS - 60, c->last ? c->last : "",
		    a | c->last_attr);
	}
	if (fl->n == 0 && fl->dir[0])
		tui_put(y0, 3, COLS - 6, _("(no .crf file in this directory)"),
		    TUI_A_DIM);
}

/* --- a summary of files done (import, push) --------------------------------- */

struct summary {
	const char	*title;		/* untranslated */
	struct text	 head;		/* totals, always in view */
	struct text	 t;		/* each file, scrolled */
	int		 first;
};

static void
summary_draw(struct tui_screen *sc)
{
	struct summary *s = sc->data;
	int y0 = 3 + (int)s->head.n;

	tui_title(_(s->title));
	text_draw(&s->head, 0, 2, y0 - 1);
	text_draw(&s->t, s->first, y0, LINES - 2);
	if (s->first + (LINES - 2 - y0) < (int)s->t.n)
		tui_put(LINES - 3, COLS - 12, 11, _("(more)"), TUI_A_DIM);
}

static int
summary_key(struct tui_screen *sc, int k)
{
	struct summary *s = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (text_scroll_key(&s->t, &s->first, LINES - 5 - (int)s->head.n, k))
		return 1;
	if (tui_is_back(k) || tui_is_enter(k) || k == 'q')
		tui_pop();
	else
		return 0;
	return 1;
}

static void
summary_free(struct tui_screen *sc)
{
	struct summary *s = sc->data;

	text_free(&s->head);
	text_free(&s->t);
	free(s);
}

static const struct tui_ops summary_ops = {
	"sync-summary", summary_draw, summary_key, summary_free,
	N_("Up/Down/Space scroll  Enter or Esc back  ? help"),
	N_("What happened to each file.  At the top, the totals: revisions\n"
	   "applied (new here), skipped (this office had them, or newer\n"
	   "ones) and in conflict (changed here and there at the same time:\n"
	   "they wait in the queue Conflicts between offices), and the files\n"
	   "rejected.  A rejected file changed nothing: the reason under its\n"
	   "name says what is wrong and what to do; a copy of the file and\n"
	   "the reason are kept in the store's rejected directory.  A file\n"
	   "imported already is not applied twice.\n\n"
	   "Up/Down (Ctrl-N, Ctrl-P) scroll a line, Space a page, b back a\n"
	   "page.  Enter or Esc goes back to the list of files.")
};

/* --- export ---------------------------------------------------------------- */

struct peer {
	char	code[OFFICE_LEN];
	char	line[120];
};

struct xview {
	struct tedit	 to, dir;
	int		 focus;		/* 0 office, 1 directory */
	struct peer	*peer;
	size_t		 npeer;
	int		 sel;		/* -1: none */
	struct text	 done;
};

static int
peer_visit(void *arg, const struct keys_entry *en)
{
	struct xview *x = arg;
	struct peer *p;

	if (en->own || en->revoked)
		return 0;
	x->peer = xrealloc(x->peer, (x->npeer + 1) * sizeof *x->peer);
	p = &x->peer[x->npeer++];
	snprintf(p->code, sizeof p->code, "%s", en->cert.office);
	snprintf(p->line, sizeof p->line, "%-10s %-10s %s %s", p->code,
	    meta_level_name(en->cert.level), _("certified by"),
	    en->cert.issuer);
	return 0;
}

static int
peer_cmp(const void *a, const void *b)
{
	return strcmp(((const struct peer *)a)->code,
	    ((const struct peer *)b)->code);
}

/* The known office whose code is typed, if any. */
static void
export_match(struct xview *x)
{
	char *to = tedit_utf8(&x->to);
	size_t i;

	x->sel = -1;
	for (i = 0; i < x->npeer; i++)
		if (strcmp(x->peer[i].code, to) == 0)
			x->sel = (int)i;
	free(to);
}

static void
export_draw(struct tui_screen *sc)
{
	struct xview *x = sc->data;
	int h = 8, first, i, y;

	tui_title(_("Export to another office"));
	tui_put(2, 1, 14, _("To office:"), TUI_A_BOLD);
	tui_put(3, 1, 14, _("Directory:"), TUI_A_BOLD);
	tui_put(5, 1, COLS - 2, _("Offices whose keys are known here "
	    "(Up/Down choose):"), TUI_A_BOLD);
	first = x->sel >= h ? x->sel - h + 1 : 0;
	for (i = 0; i < h && first + i < (int)x->npeer; i++)
		tui_put(6 + i, 3, COLS - 6, x->peer[first + i].line,
		    first + i == x->sel ? TUI_A_FOCUS : 0);
	if (x->npeer == 0)
		tui_put(6, 3, COLS - 6, _("(none yet: install the keys of the "
		    "office first, or type its code)"), TUI_A_DIM);
	y = 6 + h + 1;
	text_draw(&x->done, 0, y, LINES - 2);
	/* The fields last, for the cursor. */
	field_draw(3, 16, COLS - 18, &x->dir, x->focus == 1);
	field_draw(2, 16, 12, &x->to, x->focus == 0);
}

static void
export_run(struct xview *x)
{
	struct sync_result res;
	struct cr_err e;
	char *to = tedit_utf8(&x->to), *dir = tedit_utf8(&x->dir);

	text_free(&x->done);
	if (to[0] == '\0') {
		tui_error("%s", _("Choose or type the office to export to."));
		x->focus = 0;
	} else if (dir[0] == '\0') {
		tui_error("%s", _("Type the directory to write the file in."));
		x->focus = 1;
	} else {
		err_clear(&e);
		if (sync_export(&tui_session, to, dir, &res, &e) == CR_OK) {
			remember_dir(dir);
			text_add(&x->done, TUI_A_BOLD, "%s", _("Written:"));
			text_wrap(&x->done, 0, 2, COLS - 6, res.path);
			text_add(&x->done, 0, _("File %llu to office %s: %zu "
			    "revisions, %zu audit entries."),
			    (unsigned long long)res.seq, to, res.records,
			    res.audit);
			text_add(&x->done, TUI_A_DIM, _("Take it to office %s; "
			    "import the receipt it sends back."), to);
			tui_message(_("Exported: file %llu to office %s."),
			    (unsigned long long)res.seq, to);
		} else {
			text_add(&x->done, TUI_A_ERROR, "%s",
			    _("Nothing was exported:"));
			text_wrap(&x->done, 0, 2, COLS - 6, e.msg);
			tui_error("%s", e.msg);
		}
	}
	free(to);
	free(dir);
}

static int
export_key(struct tui_screen *sc, int k)
{
	struct xview *x = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_is_back(k)) {
		tui_pop();
		return 1;
	}
	if (k == TUI_CTRL('x')) {
		export_run(x);
		return 1;
	}
	if (k == '\t' || k == TUI_KEY(KEY_BTAB)) {
		x->focus = !x->focus;
		return 1;
	}
	if (tui_is_enter(k)) {
		if (x->focus == 0)
			x->focus = 1;
		else
			export_run(x);
		return 1;
	}
	if (k == TUI_KEY(KEY_DOWN) || k == TUI_CTRL('n') ||
	    k == TUI_KEY(KEY_UP) || k == TUI_CTRL('p')) {
		int down = k == TUI_KEY(KEY_DOWN) || k == TUI_CTRL('n');

		if (x->npeer == 0)
			return 1;
		if (x->sel < 0)
			x->sel = down ? 0 : (int)x->npeer - 1;
		else if (down && x->sel + 1 < (int)x->npeer)
			x->sel++;
		else if (!down && x->sel > 0)
			x->sel--;
		tedit_set_utf8(&x->to, x->peer[x->sel].code);
		return 1;
	}
	if (x->focus == 0) {
		if (k == '?')
			return 0;	/* help: no office code has one */
		if (!field_key(&x->to, k, OFFICE_LEN - 1))
			return 0;
		export_match(x);
		return 1;
	}
	return field_key(&x->dir, k, 1000);
}

static void
export_free(struct tui_screen *sc)
{
	struct xview *x = sc->data;

	tedit_free(&x->to);
	tedit_free(&x->dir);
	free(x->peer);
	text_free(&x->done);
	free(x);
}

static const struct tui_ops export_ops = {
	"export", export_draw, export_key, export_free,
	N_("Up/Down office  Tab field  Enter/^X export  ^U clear  Esc back"),
	N_("Writes every change the other office has not acknowledged yet\n"
	   "(records, this office's audit entries, key revocations) as one\n"
	   "sealed, signed file for that office only.\n\n"
	   "To office: Up/Down choose one of the offices whose keys are\n"
	   "known here (your province, your communes ...), or type its code.\n"
	   "Directory: where to write the file, usually a USB stick; it\n"
	   "starts as the directory used last.  Tab moves between the two;\n"
	   "Enter in the directory (or Ctrl-X anywhere) exports.  The screen\n"
	   "shows the file written and what it holds.\n\n"
	   "Take the file to the other office and import it there; the\n"
	   "receipt it writes beside the file comes back to be imported\n"
	   "here, so that the next file carries only what is new.  Sending\n"
	   "a file twice, or losing one, does no harm.")
};

static void
tui_export_open(void)
{
	struct xview *x = xcalloc(1, sizeof *x);
	struct cr_err e;

	x->sel = -1;
	tedit_set_utf8(&x->dir, exchange_dir());
	err_clear(&e);
	if (keys_list(&tui_session, peer_visit, x, &e) != CR_OK)
		tui_error("%s", e.msg);
	if (x->npeer > 1)
		qsort(x->peer, x->npeer, sizeof *x->peer, peer_cmp);
	/* A commune sends to its parent: the one office above it. */
	if (x->npeer > 0) {
		size_t i;
		int best = -1;

		for (i = 0; i < x->npeer; i++)
			if (strncmp(tui_session.office, x->peer[i].code,
			    strlen(x->peer[i].code)) == 0 && (best < 0 ||
			    strlen(x->peer[i].code) > strlen(x->peer[best].code)))
				best = (int)i;
		if (best >= 0) {
			x->sel = best;
			tedit_set_utf8(&x->to, x->peer[best].code);
		}
	}
	tui_push(&export_ops, x);
}

/* --- import ------------------------------------------------------------------ */

struct imview {
	struct tedit	 dir;
	int		 focus;		/* 0 the directory, 1 the list */
	struct files	 fl;
};

static void
import_list(struct imview *v)
{
	char *dir = tedit_utf8(&v->dir);
	size_t i, ours = 0;

	if (files_read(&v->fl, dir) >= 0) {
		for (i = 0; i < v->fl.n; i++)
			if (crf_for_us(&v->fl.f[i]) && !crf_from_us(&v->fl.f[i]))
				ours++;
		tui_message(_("%zu files, %zu for this office."), v->fl.n,
		    ours);
		if (v->fl.n > 0)
			v->focus = 1;
	}
	free(dir);
}

/* Imports the files chosen (all: those for this office). */
static void
import_run(struct imview *v, int all)
{
	struct summary *s;
	struct sync_result res;
	struct cr_err e;
	char path[4400], *dir;
	size_t i, nfiles = 0, ok = 0, receipts = 0, again = 0, bad = 0;
	size_t applied = 0, skipped = 0, conflicts = 0, marked = 0;
	int rc;

	dir = tedit_utf8(&v->dir);
	if (v->fl.dir[0] == '\0' || strcmp(dir, v->fl.dir) != 0) {
		free(dir);
		import_list(v);		/* the directory typed: list it first */
		return;
	}
	free(dir);
	for (i = 0; i < v->fl.n; i++)
		marked += v->fl.f[i].mark != 0;
	s = xcalloc(1, sizeof *s);
	s->title = N_("Import summary");
	for (i = 0; i < v->fl.n; i++) {
		struct crf *c = &v->fl.f[i];

		/* All: for this office, and not done on this screen yet. */
		if (all ? !crf_for_us(c) || crf_from_us(c) || c->last :
		    marked ? !c->mark : (int)i != v->fl.sel)
			continue;
		nfiles++;
		snprintf(path, sizeof path, "%s/%s", v->fl.dir, c->name);
		err_clear(&e);
		rc = sync_import(&tui_session, path, NULL, &res, &e);
		if (rc == CR_EPERM) {		/* the user's role */
			tui_error("%s", e.msg);
			text_free(&s->t);
			free(s);
			return;
		}
		c->mark = 0;
		if (rc == CR_EEXIST) {
			again++;
			crf_set_last(c, TUI_A_DIM, _("imported before"));
			text_add(&s->t, TUI_A_BOLD, "%-34s %s", c->name,
			    _("already imported: skipped"));
			text_wrap(&s->t, TUI_A_DIM, 4, COLS - 8, e.msg);
			continue;
		}
		if (rc != CR_OK) {
			bad++;
			crf_set_last(c, TUI_A_ERROR, _("rejected"));
			text_add(&s->t, TUI_A_ERROR, "%-34s %s", c->name,
			    _("rejected"));
			text_wrap(&s->t, 0, 4, COLS - 8, e.msg);
			continue;
		}
		if (res.receipt) {
			receipts++;
			crf_set_last(c, 0, _("receipt imported"));
			text_add(&s->t, TUI_A_BOLD, "%-34s %s", c->name,
			    _("receipt imported"));
			text_add(&s->t, 0, _("    office %s acknowledges file "
			    "%llu: %zu applied, %zu skipped, %zu conflicts "
			    "there"), res.from, (unsigned long long)res.seq,
			    res.applied, res.ignored, res.conflicts);
			continue;
		}
		if (res.kind == RF_ALLOCATION) {
			ok++;
			crf_set_last(c, 0, _("imported"));
			text_add(&s->t, TUI_A_BOLD, "%-34s %s", c->name,
			    _("identity codes imported"));
			text_add(&s->t, 0, _("    allocation %llu from office "
			    "%s: %zu identity codes; %zu waiting registrations "
			    "given one"), (unsigned long long)res.seq, res.from,
			    res.codes, res.assigned);
			continue;
		}
		ok++;
		applied += res.applied;
		skipped += res.ignored;
		conflicts += res.conflicts;
		crf_set_last(c, 0, _("imported"));
		text_add(&s->t, TUI_A_BOLD, "%-34s %s", c->name, _("imported"));
		text_add(&s->t, 0, _("    file %llu from office %s: %zu "
		    "applied, %zu skipped, %zu conflicts"),
		    (unsigned long long)res.seq, res.from, res.applied,
		    res.ignored, res.conflicts);
		if (res.gap_to)
			text_add(&s->t, TUI_A_BOLD, _("    files %llu to %llu "
			    "from office %s have not been imported yet"),
			    (unsigned long long)res.gap_from,
			    (unsigned long long)res.gap_to, res.from);
		text_add(&s->t, TUI_A_DIM, "%s", _("    the receipt for the "
		    "sender, written beside the file:"));
		text_wrap(&s->t, TUI_A_DIM, 6, COLS - 10, res.receipt_path);
	}
	if (nfiles == 0) {
		text_free(&s->t);
		free(s);
		tui_error("%s", all ? _("No file here is for this office, or "
		    "all were done: Enter imports one again.") :
		    _("No file chosen."));
		return;
	}
	text_add(&s->head, TUI_A_BOLD, _("Revisions: %zu applied, %zu "
	    "skipped, %zu conflicts"), applied, skipped, conflicts);
	text_add(&s->head, bad ? TUI_A_ERROR : TUI_A_BOLD, _("Files: %zu "
	    "imported, %zu receipts, %zu imported before, %zu rejected"),
	    ok, receipts, again, bad);
	if (conflicts)
		text_add(&s->head, 0, "%s", _("The conflicts wait in the queue "
		    "Conflicts between offices."));
	if (bad) {
		char line[4400];

		snprintf(line, sizeof line, _("A rejected file changed nothing; "
		    "a copy and the reason are in %s/rejected."),
		    store_dir(tui_session.store));
		text_wrap(&s->head, 0, 0, COLS - 4, line);
	}
	remember_dir(v->fl.dir);
	files_read(&v->fl, v->fl.dir);	/* the receipts written */
	tui_push(&summary_ops, s);
	if (bad)
		tui_error(_("%zu of %zu files rejected: see why below."), bad,
		    nfiles);
	else
		tui_message(_("%zu files done: %zu revisions applied, %zu "
		    "conflicts."), nfiles, applied, conflicts);
}

static void
import_draw(struct tui_screen *sc)
{
	struct imview *v = sc->data;

	tui_title(_("Import files from other offices"));
	tui_put(2, 1, 14, _("Directory:"), TUI_A_BOLD);
	if (v->fl.dir[0] == '\0')
		tui_put(4, 3, COLS - 6, _("Type the directory (a USB stick's), "
		    "then Enter to list its files."), TUI_A_DIM);
	else {
		tui_put(4, 3, 34, _("File"), TUI_A_DIM);
		tui_put(4, 37, 22, _("From / for"), TUI_A_DIM);
		tui_put(4, 59, COLS - 60, _("Done here"), TUI_A_DIM);
		files_draw(&v->fl, v->focus == 1, 5, LINES - 2);
	}
	field_draw(2, 16, COLS - 18, &v->dir, v->focus == 0);
}

static int
import_key(struct tui_screen *sc, int k)
{
	struct imview *v = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_is_back(k)) {
		tui_pop();
		return 1;
	}
	if (k == '\t' || k == TUI_KEY(KEY_BTAB)) {
		v->focus = v->fl.n > 0 ? !v->focus : 0;
		return 1;
	}
	if (k == TUI_CTRL('a')) {
		import_run(v, 1);
		return 1;
	}
	if (k == TUI_CTRL('r')) {
		import_list(v);
		return 1;
	}
	if (v->focus == 0) {
		if (tui_is_enter(k)) {
			import_list(v);
			return 1;
		}
		return field_key(&v->dir, k, 1000);
	}
	if (tui_list_key(k, &v->fl.sel, (int)v->fl.n, LINES - 8) &&
	    k != '\t')
		return 1;
	if (tui_is_enter(k) || k == TUI_CTRL('x'))
		import_run(v, 0);
	else if (k == 'a')
		import_run(v, 1);
	else if (k == ' ' && v->fl.n > 0) {
		v->fl.f[v->fl.sel].mark = !v->fl.f[v->fl.sel].mark;
		if (v->fl.sel + 1 < (int)v->fl.n)
			v->fl.sel++;
	} else
		return 0;
	return 1;
}

static void
import_free(struct tui_screen *sc)
{
	struct imview *v = sc->data;

	tedit_free(&v->dir);
	files_free(&v->fl);
	free(v);
}

static const struct tui_ops import_ops = {
	"import", import_draw, import_key, import_free,
	N_("Enter list/import  a all  Space mark  Tab field  ^R reread  Esc"),
	N_("Imports the files other offices sent: changes and receipts.\n\n"
	   "Directory: type where the files are (a USB stick; it starts as\n"
	   "the directory used last) and press Enter: the screen lists its\n"
	   ".crf files and whom each is from or for.  In the list, Up/Down\n"
	   "choose, Enter imports the file under the cursor (or the files\n"
	   "marked with Space), a (or Ctrl-A anywhere) imports every file\n"
	   "for this office not done yet on this screen, in order.  Files\n"
	   "for other offices, and this office's own, are left alone.  A\n"
	   "file imported before is skipped.  Tab moves between the\n"
	   "directory and the list, Ctrl-R reads the directory again.\n\n"
	   "Each file is checked before anything is applied: its signature,\n"
	   "the sender's certificate, that it is for this office and not\n"
	   "imported before.  The summary then says, per file, how many\n"
	   "revisions were applied, skipped and in conflict, or why it was\n"
	   "rejected.  For each file imported a receipt is written beside it\n"
	   "in the same directory: take it back to the sender.")
};

static void
tui_import_open(void)
{
	struct imview *v = xcalloc(1, sizeof *v);

	tedit_set_utf8(&v->dir, exchange_dir());
	tui_push(&import_ops, v);
	import_list(v);
}

/* --- push over SSH ------------------------------------------------------------ */

struct puview {
	struct tedit	 dir, dest;
	int		 focus;		/* 0 directory, 1 list, 2 destination */
	struct files	 fl;
};

static void
push_list(struct puview *v)
{
	char *dir = tedit_utf8(&v->dir);
	size_t i, ours = 0;
	int fresh;

	if ((fresh = files_read(&v->fl, dir)) >= 0) {
		for (i = 0; i < v->fl.n; i++)
			if (crf_from_us(&v->fl.f[i])) {
				ours++;
				if (fresh)	/* what Export wrote */
					v->fl.f[i].mark = !v->fl.f[i].receipt;
			}
		tui_message(_("%zu files, %zu from this office (marked: "
		    "the exports)."), v->fl.n, ours);
		if (v->fl.n > 0)
			v->focus = 1;
	}
	free(dir);
}

struct push_run {
	size_t		 n;
	const char	*dest;
};

static void
push_progress(void *arg, size_t i, const struct push_result *r)
{
	struct push_run *p = arg;
	char line[300];

	snprintf(line, sizeof line, _("Sent %zu of %zu to %s: %s"), i + 1,
	    p->n, p->dest, r->status == PUSH_APPLIED ? _("applied") :
	    r->status == PUSH_REFUSED ? _("refused") : _("not sent"));
	tui_put(LINES - 2, 0, COLS, line, TUI_A_BOLD);
	refresh();
}

static void
push_run(struct puview *v)
{
	struct push_opts o;
	struct push_run pr;
	struct push_result *res;
	struct summary *s;
	struct cr_err e;
	const char **files;
	char **paths, *dest, *shown, *dir, *colon, line[300];
	size_t i, n = 0, marked = 0, applied = 0, refused = 0, unsent = 0;
	long port;
	int rc;

	dir = tedit_utf8(&v->dir);
	if (v->fl.dir[0] == '\0' || strcmp(dir, v->fl.dir) != 0) {
		free(dir);
		push_list(v);
		return;
	}
	free(dir);
	dest = tedit_utf8(&v->dest);
	if (dest[strspn(dest, " ")] == '\0') {
		free(dest);
		v->focus = 2;
		tui_error("%s", _("Type where to send the files: the other "
		    "office's computer, [user@]host."));
		return;
	}
	memset(&o, 0, sizeof o);
	shown = xstrdup(dest);
	/* host:port */
	if ((colon = strrchr(dest, ':')) != NULL && colon[1] &&
	    colon[1 + strspn(colon + 1, "0123456789")] == '\0') {
		errno = 0;
		port = strtol(colon + 1, NULL, 10);
		if (errno != 0 || port < 1 || port > 65535) {
			err_set(&e, CR_EINVAL, "port %.20s: give a TCP port "
			    "number, 1 to 65535, after the ':'", colon + 1);
			v->focus = 2;
			tui_error("%s", e.msg);
			free(dest);
			free(shown);
			return;
		}
		o.port = (int)port;
		*colon = '\0';
	}
	for (i = 0; i < v->fl.n; i++)
		marked += v->fl.f[i].mark != 0;
	paths = xcalloc(v->fl.n + 1, sizeof *paths);
	for (i = 0; i < v->fl.n; i++)
		if (marked ? v->fl.f[i].mark : (int)i == v->fl.sel) {
			char path[4400];

			snprintf(path, sizeof path, "%s/%s", v->fl.dir,
			    v->fl.f[i].name);
			paths[n++] = xstrdup(path);
		}
	if (n == 0) {
		tui_error("%s", _("No file chosen: mark the files to send with "
		    "Space."));
		free(paths);
		free(dest);
		free(shown);
		return;
	}
	files = xcalloc(n, sizeof *files);
	for (i = 0; i < n; i++)
		files[i] = paths[i];
	res = xcalloc(n, sizeof *res);
	pr.n = n;
	pr.dest = shown;
	o.progress = push_progress;
	o.arg = &pr;
	snprintf(line, sizeof line, _("Connecting to %s ..."), shown);
	tui_put(LINES - 2, 0, COLS, line, TUI_A_BOLD);
	refresh();
	err_clear(&e);
	rc = push_files(&tui_session, files, n, dest, &o, res, &e);
	if (rc == CR_EPERM || rc == CR_EINVAL || rc == CR_ENOTFOUND ||
	    rc == CR_EUSAGE) {		/* nothing was sent */
		tui_error("%s", e.msg);
		goto out;
	}
	s = xcalloc(1, sizeof *s);
	s->title = N_("Push summary");
	for (i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/') + 1;
		struct crf *c = NULL;
		size_t j;

		for (j = 0; j < v->fl.n; j++)
			if (strcmp(v->fl.f[j].name, base) == 0)
				c = &v->fl.f[j];
		if (res[i].status == PUSH_APPLIED) {
			applied++;
			if (c) {
				c->mark = 0;
				crf_set_last(c, 0, _("sent, applied"));
			}
			text_add(&s->t, TUI_A_BOLD, "%-34s %s", base,
			    _("applied there"));
			if (res[i].reason[0])
				text_wrap(&s->t, 0, 4, COLS - 8, res[i].reason);
			if (res[i].receipt)
				text_add(&s->t, 0, _("    receipt imported: file "
				    "%llu acknowledged by office %s"),
				    (unsigned long long)res[i].ack.seq,
				    res[i].ack.from);
			else if (res[i].receipt_error[0]) {
				text_add(&s->t, TUI_A_ERROR, "%s",
				    _("    the receipt was not imported:"));
				text_wrap(&s->t, 0, 6, COLS - 10,
				    res[i].receipt_error);
			}
		} else if (res[i].status == PUSH_REFUSED) {
			refused++;
			if (c)
				crf_set_last(c, TUI_A_ERROR,
				    _("refused there"));
			text_add(&s->t, TUI_A_ERROR, "%-34s %s", base,
			    _("refused by the other office"));
			text_wrap(&s->t, 0, 4, COLS - 8, res[i].reason);
		} else {
			unsent++;
			if (c)
				crf_set_last(c, TUI_A_DIM, _("not sent"));
			text_add(&s->t, TUI_A_DIM, "%-34s %s", base,
			    _("not sent"));
		}
	}
	text_add(&s->head, refused || unsent ? TUI_A_ERROR : TUI_A_BOLD,
	    _("To %s: %zu files applied, %zu refused, %zu not sent"), shown,
	    applied, refused, unsent);
	if (rc != CR_OK) {
		text_add(&s->head, TUI_A_ERROR, "%s",
		    _("The connection failed:"));
		text_wrap(&s->head, 0, 2, COLS - 6, e.msg);
		tui_error("%s", e.msg);
	} else
		tui_message(_("Sent to %s: %zu applied, %zu refused."), shown,
		    applied, refused);
	remember_dir(v->fl.dir);
	snprintf(xdest, sizeof xdest, "%s", shown);
	tui_push(&summary_ops, s);
out:
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(files);
	free(res);
	free(dest);
	free(shown);
}

static void
push_draw(struct tui_screen *sc)
{
	struct puview *v = sc->data;

	tui_title(_("Push files over the network (SSH)"));
	tui_put(2, 1, 14, _("Directory:"), TUI_A_BOLD);
	tui_put(3, 1, 14, _("Send to:"), TUI_A_BOLD);
	if (v->fl.dir[0] == '\0')
		tui_put(5, 3, COLS - 6, _("Type the directory of the files, "
		    "then Enter to list them."), TUI_A_DIM);
	else {
		tui_put(5, 3, 34, _("File"), TUI_A_DIM);
		tui_put(5, 37, 22, _("From / for"), TUI_A_DIM);
		tui_put(5, 59, COLS - 60, _("Done here"), TUI_A_DIM);
		files_draw(&v->fl, v->focus == 1, 6, LINES - 2);
	}
	if (v->focus != 2 && v->dest.len == 0)
		tui_put(3, 16, COLS - 18, _("[user@]host[:port]"), TUI_A_DIM);
	else
		field_draw(3, 16, COLS - 18, &v->dest, v->focus == 2);
	field_draw(2, 16, COLS - 18, &v->dir, v->focus == 0);
}

static int
push_key(struct tui_screen *sc, int k)
{
	struct puview *v = sc->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_is_back(k)) {
		tui_pop();
		return 1;
	}
	if (k == '\t') {
		v->focus = v->focus == 0 ? (v->fl.n > 0 ? 1 : 2) :
		    v->focus == 1 ? 2 : 0;
		return 1;
	}
	if (k == TUI_KEY(KEY_BTAB)) {
		v->focus = v->focus == 0 ? 2 : v->focus == 2 ?
		    (v->fl.n > 0 ? 1 : 0) : 0;
		return 1;
	}
	if (k == TUI_CTRL('x')) {
		push_run(v);
		return 1;
	}
	if (k == TUI_CTRL('r')) {
		push_list(v);
		return 1;
	}
	if (v->focus == 0) {
		if (tui_is_enter(k)) {
			push_list(v);
			return 1;
		}
		return field_key(&v->dir, k, 1000);
	}
	if (v->focus == 2) {
		if (tui_is_enter(k)) {
			push_run(v);
			return 1;
		}
		return field_key(&v->dest, k, 200);
	}
	if (tui_list_key(k, &v->fl.sel, (int)v->fl.n, LINES - 9))
		return 1;
	if (tui_is_enter(k))
		v->focus = 2;
	else if (k == ' ' && v->fl.n > 0) {
		v->fl.f[v->fl.sel].mark = !v->fl.f[v->fl.sel].mark;
		if (v->fl.sel + 1 < (int)v->fl.n)
			v->fl.sel++;
	} else if (k == 'a') {
		size_t i;

		for (i = 0; i < v->fl.n; i++)
			v->fl.f[i].mark = crf_from_us(&v->fl.f[i]) &&
			    !v->fl.f[i].receipt;
	} else if (k == 'n') {
		size_t i;

		for (i = 0; i < v->fl.n; i++)
			v->fl.f[i].mark = 0;
	} else
		return 0;
	return 1;
}

static void
push_free(struct tui_screen *sc)
{
	struct puview *v = sc->data;

	tedit_free(&v->dir);
	tedit_free(&v->dest);
	files_free(&v->fl);
	free(v);
}

static const struct tui_ops push_ops = {
	"push", push_draw, push_key, push_free,
	N_("Space mark  a all  n none  Tab field  Enter/^X send  Esc back"),
	N_("Sends files to another office's computer over the network\n"
	   "(SSH), instead of carrying them: the other office imports each\n"
	   "one at once and sends its receipt back, which is imported here.\n\n"
	   "Directory: where the files are (those written by Export; it\n"
	   "starts as the directory used last); Enter lists them, with this\n"
	   "office's exports marked.  In the list, Space marks or unmarks a\n"
	   "file, a marks every export of this office, n none.  Send to: the\n"
	   "other office's computer as [user@]host, or [user@]host:port;\n"
	   "its SSH key must be set up (doc/replication.md, Over SSH).\n"
	   "Enter there (or Ctrl-X anywhere) sends the marked files, or the\n"
	   "one under the cursor if none is marked.  The summary says for\n"
	   "each file whether the other office applied or refused it, and\n"
	   "why; a file sent twice is refused there and harms nothing.")
};

static void
tui_push_open(void)
{
	struct puview *v = xcalloc(1, sizeof *v);

	tedit_set_utf8(&v->dir, exchange_dir());
	tedit_set_utf8(&v->dest, xdest);
	tui_push(&push_ops, v);
	push_list(v);
}

/* --- the conflict between two revisions ------------------------------------ */

struct cview {
	char		 id[REC_IDLEN];
	struct record	 local;
	struct record	*other;
	size_t		 nother;
	int		 which;		/* the other revision shown */
	struct tui_pair	 pair;		/* asking: 0, 'l' or 'o' */
	void		(*done)(void *);
	void		*arg;
};

static void
rec_copy(struct record *to, const struct record *from)
{
	struct buf b;
	struct cr_err e;

	buf_init(&b);
	rec_encode(from, &b);
	rec_init(to);
	if (rec_decode(b.data, b.len, to, &e) != CR_OK)
		rec_init(to);
	buf_free(&b);
}

static int
cview_collect(void *arg, const struct record *local,
    const struct record *other)
{
	struct cview *c = arg;

	if (c->nother == 0)
		rec_copy(&c->local, local);
	c->other = xrealloc(c->other, (c->nother + 1) * sizeof *c->other);
	rec_copy(&c->other[c->nother++], other);
	return 0;
}

static void
cview_fill(struct cview *c)
{
	const struct record *l = &c->local, *o = &c->other[c->which];
	const struct form *f = form_by_code(l->kind);
	struct tui_pair *p = &c->pair;
	char a[120], b[120];
	size_t i;

	tui_pair_clear(p);
	snprintf(a, sizeof a, "%u %s %s", (unsigned)l->rev, _("by"), l->author);
	snprintf(b, sizeof b, "%u %s %s", (unsigned)o->rev, _("by"), o->author);
	tui_pair_add(p, _("Revision"), a, b, 0);
	tui_pair_add(p, _("Status"), rec_status_name(l->status),
	    rec_status_name(o->status), TUI_PAIR_CMP);
	tui_pair_add(p, _("Action"), rec_action_name(l->action),
	    rec_action_name(o->action), TUI_PAIR_CMP);
	time_format((time_t)l->time, a, sizeof a);
	time_format((time_t)o->time, b, sizeof b);
	tui_pair_add(p, _("Time"), a, b, 0);
	tui_pair_add(p, _("Note"), l->note && *l->note ? l->note : NULL,
	    o->note && *o->note ? o->note : NULL, TUI_PAIR_CMP);
	/* The fields in the form's order, then any others. */
	tui_pair_fields(p, f, NULL, l, o);
	for (i = 0; i < l->nfields; i++)
		if (f == NULL || form_field(f, l->fields[i].key) == NULL)
			tui_pair_add(p, l->fields[i].key, l->fields[i].value,
			    rec_value(o, l->fields[i].key), TUI_PAIR_CMP);
	for (i = 0; i < o->nfields; i++)
		if ((f == NULL || form_field(f, o->fields[i].key) == NULL) &&
		    rec_value(l, o->fields[i].key) == NULL)
			tui_pair_add(p, o->fields[i].key, NULL,
			    o->fields[i].value, TUI_PAIR_CMP);
}

static void
cview_draw(struct tui_screen *sc)
{
	struct cview *c = sc->data;
	const struct form *f = form_by_code(c->local.kind);
	int aw = (COLS - TUI_PAIR_X) / 2, bw = COLS - TUI_PAIR_X - aw - 2;
	char line[200];

	tui_title(_("Conflict between offices"));
	snprintf(line, sizeof line, "%s  %s   %d %s", c->id, f ?
	    tui_label(f->title_km, f->title_en) : "?", c->pair.ndiff,
	    _("differences (*)"));
	tui_put(2, 1, COLS - 2, line, TUI_A_BOLD);
	if (c->nother > 1)
		snprintf(line, sizeof line, "%s %d/%zu (n)", _("Other office"),
		    c->which + 1, c->nother);
	else
		snprintf(line, sizeof line, "%s", _("Other office"));
	tui_pair_draw(&c->pair, _("This office (local)"), line, aw, bw);
}

static void
cview_resolve(struct cview *c, int keep_other)
{
	struct record after;
	struct cr_err e;
	char *reason = tedit_utf8(&c->pair.in), id[REC_IDLEN];
	void (*done)(void *) = c->done;
	void *arg = c->arg;

	err_clear(&e);
	if (sync_resolve(&tui_session, c->id, keep_other, *reason ? reason :
	    NULL, &after, &e) != CR_OK) {
		tui_error("%s", e.msg);
		free(reason);
		return;
	}
	free(reason);
	snprintf(id, sizeof id, "%s", c->id);
	tui_pop();			/* c is gone */
	if (done)
		done(arg);
	tui_message(keep_other ? _("%s resolved: revision %u keeps the other "
	    "office's (%s).") : _("%s resolved: revision %u keeps this "
	    "office's (%s)."), id, (unsigned)after.rev,
	    rec_status_name(after.status));
	rec_free(&after);
}

static int
cview_key(struct tui_screen *sc, int k)
{
	struct cview *c = sc->data;
	int asked;

	if (k == TUI_IDLE)
		return 1;
	if (c->pair.asking) {
		if ((asked = tui_pair_answer(&c->pair, k)) > 0)
			cview_resolve(c, asked == 'o');
		else if (asked == 0)
			field_key(&c->pair.in, k, 300);
		return 1;
	}
	if (tui_pair_scroll_key(&c->pair, k))
		return 1;
	if (k == 'l' || k == 'o') {
		if (!allowed(AZ_RESOLVE)) {
			tui_error(_("Your role (%s) may not resolve conflicts."),
			    user_role_name(tui_session.role));
			return 1;
		}
		tui_pair_ask(&c->pair, k);
		tui_message(k == 'l' ? _("Keep this office's revision: type a "
		    "reason if you like, then Enter (Esc: do not).") :
		    _("Keep the other office's revision: type a reason if you "
		    "like, then Enter (Esc: do not)."));
	} else if (k == 'n' && c->nother > 1) {
		c->which = (c->which + 1) % (int)c->nother;
		cview_fill(c);
	} else if (tui_is_enter(k))
		tui_record_open(c->id);
	else if (tui_is_back(k))
		tui_pop();
	else
		return 0;
	return 1;
}

static void
cview_free(struct tui_screen *sc)
{
	struct cview *c = sc->data;
	size_t i;

	tui_pair_free(&c->pair);
	rec_free(&c->local);
	for (i = 0; i < c->nother; i++)
		rec_free(&c->other[i]);
	free(c->other);
	free(c);
}

static const struct tui_ops conflict_ops = {
	"conflict", cview_draw, cview_key, cview_free,
	N_("l keep local  o keep other  Enter record  Up/Down  Esc back  ?"),
	N_("The same record was changed at this office and at another one\n"
	   "at the same time: neither change knew the other.  The two\n"
	   "revisions are side by side, this office's on the left; the\n"
	   "lines that differ are bold and marked with *.  Up/Down scroll.\n\n"
	   "l keeps this office's revision, o keeps the other office's; you\n"
	   "may type the reason (it goes into the record's history), then\n"
	   "Enter.  The choice becomes a new revision that replaces both at\n"
	   "every office it reaches.  To combine the two, keep one, then\n"
	   "correct the record.  If several offices changed it, n shows the\n"
	   "next other revision, and only l is possible.  Enter opens the\n"
	   "record with its history.  Registrars and the district and\n"
	   "province supervisors may resolve; the decision is audited.")
};

void
tui_conflict_open(const char *id, void (*done)(void *), void *arg)
{
	struct cview *c = xcalloc(1, sizeof *c);
	struct cr_err e;

	snprintf(c->id, sizeof c->id, "%s", id);
	rec_init(&c->local);
	err_clear(&e);
	if (sync_conflicts(&tui_session, id, cview_collect, c, &e) != CR_OK ||
	    c->nother == 0) {
		tui_error("%s", e.code != CR_OK ? e.msg :
		    _("This record is no longer in conflict."));
		cview_free(&(struct tui_screen){ NULL, c, NULL });
		if (done && e.code == CR_OK)
			done(arg);
		return;
	}
	cview_fill(c);
	c->done = done;
	c->arg = arg;
	tui_push(&conflict_ops, c);
}

/* --- the exchange menu --------------------------------------------------------- */

enum { X_EXPORT, X_IMPORT, X_PUSH, X_CONFLICTS, X_N };

static const char *const xmenu_items[X_N] = {
	N_("Export a file for another office"),
	N_("Import files from other offices"),
	N_("Push files over the network (SSH)"),
	N_("Conflicts between offices")
};

static int
xmenu_allowed(int item)
{
	switch (item) {
	case X_CONFLICTS:
		return allowed(AZ_SEARCH);
	default:
		return allowed(AZ_REPLICATE);
	}
}

static void
xmenu_draw(struct tui_screen *s)
{
	int *sel = s->data, i;
	char line[160];

	tui_title(_("Exchange with other offices"));
	for (i = 0; i < X_N; i++) {
		int a = i == *sel ? TUI_A_FOCUS : 0;

		snprintf(line, sizeof line, " %d  %s", i + 1, _(xmenu_items[i]));
		if (!xmenu_allowed(i))
			a |= TUI_A_DIM;
		tui_put(3 + 2 * i, 4, 50, line, a);
	}
	snprintf(line, sizeof line, "%s %s", _("Files go to and come from:"),
	    exchange_dir());
	tui_put(4 + 2 * X_N, 4, COLS - 8, line, TUI_A_DIM);
}

static int
xmenu_key(struct tui_screen *s, int k)
{
	int *sel = s->data;

	if (k == TUI_IDLE)
		return 1;
	if (tui_list_key(k, sel, X_N, X_N))
		return 1;
	if (k >= '1' && k < '1' + X_N)
		*sel = k - '1';
	else if (tui_is_back(k)) {
		tui_pop();
		return 1;
	} else if (!tui_is_enter(k))
		return 0;
	if (!xmenu_allowed(*sel)) {
		tui_error(_("Your role (%s) may not do this."),
		    user_role_name(tui_session.role));
		return 1;
	}
	switch (*sel) {
	case X_EXPORT:
		tui_export_open();
		break;
	case X_IMPORT:
		tui_import_open();
		break;
	case X_PUSH:
		tui_push_open();
		break;
	case X_CONFLICTS:
		tui_conflicts_open();
		break;
	}
	return 1;
}

static void
xmenu_free(struct tui_screen *s)
{
	free(s->data);
}

static const struct tui_ops xmenu_ops = {
	"exchange", xmenu_draw, xmenu_key, xmenu_free,
	N_("Up/Down move  Enter choose  1-4 shortcut  ? help  Esc back"),
	N_("Offices keep their own registers and agree by exchanging\n"
	   "files: sealed for one office, signed by the sender.\n\n"
	   "Export writes the changes another office has not acknowledged\n"
	   "into a file, usually on a USB stick.  Import reads the files\n"
	   "other offices sent (changes, and receipts for this office's\n"
	   "files) and says what each did or why it was rejected.  Push\n"
	   "sends files over the network (SSH) when there is one.  Conflicts\n"
	   "lists the records changed here and elsewhere at the same time,\n"
	   "to settle one way or the other.\n\n"
	   "Export, import and push are for registrars and supervisors;\n"
	   "items your role may not use are dim.")
};

void
tui_exchange_open(void)
{
	tui_push(&xmenu_ops, xcalloc(1, sizeof(int)));
}
