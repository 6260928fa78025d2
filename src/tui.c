/*
 * tui.c -- the screens' main loop, login, the menu, help and drawing.
 *
 * Clerks work on VT100/VT220-class terminals: 80x24, often monochrome,
 * function keys unreliable.  So every action has a control-key or letter
 * binding (F-keys are only aliases), focus is shown in reverse video,
 * colour is used only when the terminal has it, and the whole screen is
 * redrawn from state on every key, which makes resizing trivial.  The
 * screens call the same core functions as the command line; nothing here
 * touches the store directly.  A die-hook restores the terminal on every
 * exit path, and the form screen keeps drafts so a killed terminal loses
 * nothing typed.
 *
 * Strings of the program itself go through gettext (po/km.po); labels of
 * forms are bilingual in the form files.  The language is a per-user
 * toggle, remembered in users.db.
 */
#include "config.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "civreg.h"

#define _(s)	gettext(s)
#define N_(s)	(s)

extern int _nl_msg_cat_cntr;	/* glibc: bump to reread catalogues */

struct session tui_session;

static struct tui_screen *top;
static char message[256];
static int message_is_error;
static int running;
static int has_colour;

/* --- drawing --------------------------------------------------------- */

static int
attr_of(int a)
{
	int r = A_NORMAL;

	if (a & TUI_A_FOCUS)
		r |= A_REVERSE;
	if (a & TUI_A_BOLD)
		r |= A_BOLD;
	if (a & TUI_A_DIM)
		r |= A_DIM;
	if (a & TUI_A_ERROR)
		r |= has_colour ? COLOR_PAIR(1) | A_BOLD : A_BOLD;
	return r;
}

int
tui_rows(void)
{
	return LINES;
}

int
tui_width(void)
{
	return COLS;
}

/* Screen columns of a UTF-8 string. */
int
tui_cols(const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w = 0, cw;

	memset(&st, 0, sizeof st);
	while (*s && (n = mbrtowc(&wc, s, MB_CUR_MAX, &st)) != (size_t)-1 &&
	    n != (size_t)-2 && n > 0) {
		if ((cw = wcwidth(wc)) > 0)
			w += cw;
		s += n;
	}
	return w;
}

/*
 * Draws s at (y, x) in at most cols columns, padding with spaces; never
 * splits a character, and keeps zero-width marks with their base.
 */
int
tui_put(int y, int x, int cols, const char *s, int a)
{
	wchar_t buf[512];
	mbstate_t st;
	size_t n = 0, len;
	wchar_t wc;
	int w = 0, cw;

	memset(&st, 0, sizeof st);
	while (*s && n < sizeof buf / sizeof buf[0] - 1 &&
	    (len = mbrtowc(&wc, s, MB_CUR_MAX, &st)) != (size_t)-1 &&
	    len != (size_t)-2 && len > 0) {
		cw = wcwidth(wc);
		if (cw < 0)
			wc = L'?', cw = 1;
		if (w + cw > cols)
			break;
		buf[n++] = wc;
		w += cw;
		s += len;
	}
	while (w < cols && n < sizeof buf / sizeof buf[0] - 1) {
		buf[n++] = L' ';
		w++;
	}
	buf[n] = L'\0';
	attrset(attr_of(a));
	mvaddnwstr(y, x, buf, (int)n);
	attrset(A_NORMAL);
	/* Marks drawn onto existing cells need the line refreshed. */
	touchline(stdscr, y, 1);
	return w;
}

void
tui_title(const char *t)
{
	char line[256];

	snprintf(line, sizeof line, " civreg  %s  %s@%s (%s)", t,
	    tui_session.user, tui_session.office,
	    user_role_name(tui_session.role));
	tui_put(0, 0, COLS, line, TUI_A_FOCUS);
}

static void
vmessage(int is_error, const char *fmt, va_list ap)
{
	vsnprintf(message, sizeof message, fmt, ap);
	message_is_error = is_error;
}

void
tui_message(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(0, fmt, ap);
	va_end(ap);
}

void
tui_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(1, fmt, ap);
	va_end(ap);
}

int
tui_is_enter(int k)
{
	return k == '\r' || k == '\n' || k == TUI_KEY(KEY_ENTER);
}

int
tui_is_back(int k)
{
	return k == 27 || k == TUI_CTRL('g');
}

int
tui_is_erase(int k)
{
	return k == 127 || k == 8 || k == TUI_KEY(KEY_BACKSPACE);
}

int
tui_message_set(void)
{
	return message[0] != '\0';
}

const char *
tui_label(const char *km, const char *en)
{
	return tui_session.lang && km && *km ? km : en;
}

void
tui_set_lang(int khmer)
{
	setenv("LANGUAGE", khmer ? "km" : "en", 1);
	++_nl_msg_cat_cntr;
}

/* --- the screen stack ---------------------------------------------------- */

void
tui_push(const struct tui_ops *ops, void *data)
{
	struct tui_screen *s = xcalloc(1, sizeof *s);

	s->ops = ops;
	s->data = data;
	s->below = top;
	top = s;
}

void *
tui_top_data(void)
{
	return top ? top->data : NULL;
}

void
tui_pop(void)
{
	struct tui_screen *s = top;

	if (s == NULL)
		return;
	top = s->below;
	if (s->ops->free)
		s->ops->free(s);
	free(s);
	if (top == NULL)
		running = 0;
}

/* --- help -------------------------------------------------------------- */

struct help {
	const struct tui_ops	*of;
	int			 first;
};

static void
help_draw(struct tui_screen *s)
{
	struct help *h = s->data;
	const char *p = _(h->of->help);
	char line[256];
	int y = 2, skip = h->first;

	tui_title(_("Help"));
	while (*p && y < LINES - 2) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof line, "%.*s", (int)n, p);
		if (skip-- <= 0)
			tui_put(y++, 2, COLS - 4, line, 0);
		p += n + (p[n] == '\n');
	}
}

static int
help_key(struct tui_screen *s, int k)
{
	struct help *h = s->data;

	if (k == TUI_IDLE)		/* a pause is not a key */
		return 1;
	if (k == TUI_KEY(KEY_DOWN) || k == TUI_CTRL('n'))
		h->first++;
	else if ((k == TUI_KEY(KEY_UP) || k == TUI_CTRL('p')) && h->first > 0)
		h->first--;
	else
		tui_pop();
	return 1;
}

static void
help_free(struct tui_screen *s)
{
	free(s->data);
}

static const struct tui_ops help_ops = {
	"help", help_draw, help_key, help_free,
	N_("Up/Down scroll  any other key: back"), ""
};

void
tui_help(const struct tui_ops *of)
{
	struct help *h = xcalloc(1, sizeof *h);

	h->of = of;
	tui_push(&help_ops, h);
}

/* --- menu ---------------------------------------------------------------- */

enum { M_DECLARE, M_SEARCH, M_QUEUES, M_OPEN, M_LANG, M_PERSON,
	M_IDCARDS, M_QUIT, M_EXCHANGE, M_STATS, M_N };

static const char *const menu_items[M_N] = {
	N_("Declare an event or notice"), N_("Search the register"),
	N_("Queues"), N_("Open a record by its id"),
	N_("Language: English / Khmer"), N_("Person register"),
	N_("ID cards expiring"), N_("Log out"),
	N_("Exchange with other offices"), N_("Statistics")
};

struct menu {
	int	sel;
	int	asking_id;
	struct tedit id;
};

static int
menu_allowed(int item)
{
	struct cr_err e;
	size_t i;

	switch (item) {
	case M_DECLARE:
		for (i = 0; form_table[i]; i++)
			if (form_allows_role(form_table[i], tui_session.role))
				return 1;
		return 0;
	case M_SEARCH:
	case M_QUEUES:
	case M_OPEN:
		return authz_check(&tui_session, AZ_SEARCH, NULL, &e) == CR_OK;
	case M_PERSON:
		return authz_check(&tui_session, AZ_PERSON, NULL, &e) == CR_OK;
	case M_IDCARDS:
		return authz_check(&tui_session, AZ_IDCARD_LIST, NULL, &e) ==
		    CR_OK;
	case M_EXCHANGE:
		return authz_check(&tui_session, AZ_REPLICATE, NULL, &e) ==
		    CR_OK || authz_check(&tui_session, AZ_RESOLVE, NULL, &e) ==
		    CR_OK;
	case M_STATS:
		return authz_check(&tui_session, AZ_STATS, NULL, &e) == CR_OK;
	default:
		return 1;
	}
}

static void
menu_draw(struct tui_screen *s)
{
	struct menu *m = s->data;
	char line[160];
	int i, y = 3;

	tui_title(_("Main menu"));
	for (i = 0; i < M_N; i++) {
		int a = i == m->sel ? TUI_A_FOCUS : 0;

		/* The tenth item's shortcut is 0. */
		snprintf(line, sizeof line, " %d  %s", (i + 1) % 10,
		    _(menu_items[i]));
		if (!menu_allowed(i))
			a |= TUI_A_DIM;
		tui_put(y + 2 * i, 4, 50, line, a);
	}
	if (m->asking_id) {
		char *v = tedit_utf8(&m->id);

		tui_put(LINES - 4, 4, 30, _("Record id:"), TUI_A_BOLD);
		tui_put(LINES - 4, 20, 24, v, TUI_A_FOCUS);
		free(v);
	}
}

static int
menu_key(struct tui_screen *s, int k)
{
	struct menu *m = s->data;
	struct cr_err e;

	if (m->asking_id) {
		if (tui_is_enter(k)) {
			char *v = tedit_utf8(&m->id);

			m->asking_id = 0;
			tui_record_open(v);
			free(v);
		} else if (tui_is_back(k))
			m->asking_id = 0;
		else if (tui_is_erase(k))
			tedit_backspace(&m->id);
		else if (k > 0 && k < 0x1000000)
			tedit_insert(&m->id, (wchar_t)k, 31);
		return 1;
	}
	if (tui_list_key(k, &m->sel, M_N, M_N))
		return 1;
	if (k >= '1' && k <= '9')
		m->sel = k - '1';
	else if (k == '0')
		m->sel = M_STATS;	/* the tenth */
	else if (tui_is_back(k) || k == 'q') {
		running = 0;
		return 1;
	} else if (!tui_is_enter(k))
		return 0;
	if (!menu_allowed(m->sel)) {
		tui_error(_("Your role (%s) may not do this."),
		    user_role_name(tui_session.role));
		return 1;
	}
	switch (m->sel) {
	case M_DECLARE:
		tui_form_list();
		break;
	case M_SEARCH:
		tui_search_open();
		break;
	case M_QUEUES:
		tui_queues_open();
		break;
	case M_OPEN:
		tedit_kill(&m->id);
		m->asking_id = 1;
		break;
	case M_PERSON:
		tui_person_open(NULL);
		break;
	case M_IDCARDS:
		tui_idcards_open();
		break;
	case M_EXCHANGE:
		tui_exchange_open();
		break;
	case M_STATS:
		tui_stats_open();
		break;
	case M_LANG:
		err_clear(&e);
		if (user_set_lang(&tui_session, !tui_session.lang, &e) != CR_OK)
			tui_error("%s", e.msg);
		tui_set_lang(tui_session.lang);
		break;
	case M_QUIT:
		running = 0;
		break;
	}
	return 1;
}

static void
menu_free(struct tui_screen *s)
{
	struct menu *m = s->data;

	tedit_free(&m->id);
	free(m);
}

static const struct tui_ops menu_ops = {
	"menu", menu_draw, menu_key, menu_free,
	N_("Up/Down/^N/^P move  Enter choose  0-9 shortcut  ? help  Esc quit"),
	N_("The main menu lists what your role may do; items you may not\n"
	   "use are dim.  Move with the arrow keys, Tab, Ctrl-N and Ctrl-P,\n"
	   "or press the item's number; Enter opens it.\n\n"
	   "Declare: fill in a form for a civil event or a health notice.\n"
	   "Search: find records by name, identity code or record id.\n"
	   "Queues: declarations waiting for a registrar, notices, appeals.\n"
	   "Language: switches the screens between English and Khmer;\n"
	   "your choice is remembered.\n"
	   "Person register: every record about an identity code, and the\n"
	   "person's current residence.\n"
	   "ID cards expiring: cards of a commune to renew, as a list or CSV.\n"
	   "Exchange with other offices: export, import and push the files\n"
	   "that keep offices in agreement, and settle conflicts.\n"
	   "Statistics (0): the tables of vital statistics for a period and\n"
	   "an area, each with a bar chart.\n\n"
	   "Esc, Ctrl-G or q logs out.")
};

/* --- login ------------------------------------------------------------- */

struct login {
	struct store	*st;
	struct tedit	 user, pw;
	int		 focus;
	int		 drafts;
};

static void
login_draw(struct tui_screen *s)
{
	struct login *l = s->data;
	char *u = tedit_utf8(&l->user), stars[64];
	size_t i;

	for (i = 0; i < l->pw.len && i < sizeof stars - 1; i++)
		stars[i] = '*';
	stars[i] = '\0';
	tui_put(0, 0, COLS, _(" civreg  civil registration  log in"),
	    TUI_A_FOCUS);
	tui_put(4, 8, 60, _("Civil registration and vital statistics"),
	    TUI_A_BOLD);
	tui_put(5, 8, 60, "ការចុះបញ្ជីអត្រានុកូលដ្ឋាន", 0);
	tui_put(9, 8, 16, _("User:"), 0);
	tui_put(9, 26, 30, u, l->focus == 0 ? TUI_A_FOCUS : 0);
	tui_put(11, 8, 16, _("Password:"), 0);
	tui_put(11, 26, 30, stars, l->focus == 1 ? TUI_A_FOCUS : 0);
	free(u);
	move(l->focus == 0 ? 9 : 11, 26 + (int)(l->focus == 0 ?
	    tedit_width(&l->user, 0, l->user.cur) : (int)l->pw.len));
}

static int
draft_seen(void *arg, const struct draft *d)
{
	(void)d;
	(*(int *)arg)++;
	return 0;
}

static int
login_key(struct tui_screen *s, int k)
{
	struct login *l = s->data;
	struct tedit *t = l->focus == 0 ? &l->user : &l->pw;
	struct cr_err e;
	char *u, *p;
	int n = 0;

	if (k == '\t' || k == TUI_KEY(KEY_DOWN) || k == TUI_KEY(KEY_UP) ||
	    k == TUI_CTRL('n') || k == TUI_CTRL('p')) {
		l->focus = !l->focus;
		return 1;
	}
	if (tui_is_back(k)) {
		running = 0;
		return 1;
	}
	if (tui_is_erase(k)) {
		tedit_backspace(t);
		return 1;
	}
	if (!tui_is_enter(k)) {
		if (k > 0 && k < 0x1000000 && tedit_insert(t, (wchar_t)k,
		    l->focus == 0 ? USER_LEN - 1 : 200) == 0)
			return 1;
		return 0;
	}
	if (l->focus == 0) {
		l->focus = 1;
		return 1;
	}
	u = tedit_utf8(&l->user);
	p = tedit_utf8(&l->pw);
	err_clear(&e);
	tui_message("%s", _("Checking the password..."));
	if (user_login(l->st, u, p, &tui_session, &e) != CR_OK) {
		tui_error("%s", e.msg);
		tedit_kill(&l->pw);
	} else {
		tui_set_lang(tui_session.lang);
		tui_message(_("Welcome, %s."), u);
		if (draft_list(&tui_session, draft_seen, &n, &e) == CR_OK &&
		    n > 0)
			tui_message(_("You have %d unfinished form(s): open "
			    "Declare to continue them."), n);
		tui_push(&menu_ops, xcalloc(1, sizeof(struct menu)));
	}
	crypto_wipe(p, strlen(p));
	/* The typed password is not kept while the session lasts. */
	crypto_wipe(l->pw.buf, l->pw.cap * sizeof *l->pw.buf);
	tedit_kill(&l->pw);
	free(u);
	free(p);
	return 1;
}

static void
login_free(struct tui_screen *s)
{
	struct login *l = s->data;

	tedit_free(&l->user);
	if (l->pw.buf)
		crypto_wipe(l->pw.buf, l->pw.cap * sizeof *l->pw.buf);
	tedit_free(&l->pw);
	free(l);
}

static const struct tui_ops login_ops = {
	"login", login_draw, login_key, login_free,
	N_("Tab move  Enter log in  Esc quit"),
	N_("Type your user name, press Enter, then your password and Enter.\n"
	   "After 5 wrong passwords in a row an account is locked for 15\n"
	   "minutes; an administrator can set a new password.")
};

/* --- main loop --------------------------------------------------------- */

static void
die_hook(void)
{
	if (!isendwin())
		endwin();
}

static void
on_signal(int sig)
{
	/* Drafts are already on disk; restore the terminal and go. */
	die_hook();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
read_key(void)
{
	wint_t wc;
	int r = get_wch(&wc);

	if (r == ERR)
		return TUI_IDLE;
	if (r == KEY_CODE_YES) {
		if (wc == KEY_F(1))
			return '?';
		if (wc == KEY_F(2))
			return TUI_CTRL('x');
		if (wc == KEY_F(10))
			return 27;
		return TUI_KEY((int)wc);
	}
	return (int)wc;
}

static void
draw_all(void)
{
	char keys[256];

	erase();
	if (LINES < 24 || COLS < 80) {
		tui_put(0, 0, COLS, _("The terminal is too small: civreg needs "
		    "80 columns and 24 lines."), TUI_A_ERROR);
		refresh();
		return;
	}
	curs_set(0);
	top->ops->draw(top);
	snprintf(keys, sizeof keys, " %s", _(top->ops->keys));
	tui_put(LINES - 2, 0, COLS, message, message_is_error ? TUI_A_ERROR :
	    TUI_A_BOLD);
	tui_put(LINES - 1, 0, COLS, keys, TUI_A_FOCUS);
	refresh();
}

int
tui_main(struct cli *c)
{
	struct login *l;
	struct store *st;
	const char *dir;
	int rc, k;

	if ((rc = cli_open(c, &st)) != 0)
		return rc;
	dir = getenv("CIVREG_LOCALEDIR");
	bindtextdomain(PACKAGE, dir && *dir ? dir : LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(100);
	atexit(die_hook);
	signal(SIGHUP, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (initscr() == NULL)
		return err_exit_code(CR_EIO);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	timeout(300);	/* idle: search after a pause, keep drafts */
	if (has_colors() && start_color() == OK) {
		has_colour = 1;
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
	}
	l = xcalloc(1, sizeof *l);
	l->st = st;
	if (c->user || getenv("CIVREG_USER")) {
		tedit_set_utf8(&l->user, c->user ? c->user :
		    getenv("CIVREG_USER"));
		l->focus = 1;
	}
	tui_push(&login_ops, l);
	running = 1;
	while (running && top != NULL) {
		draw_all();
		k = read_key();
		if (k == TUI_KEY(KEY_RESIZE))
			continue;	/* drawn again from state */
		if (k != TUI_IDLE)
			message[0] = '\0';
		if (top->ops->key(top, k))
			continue;
		if (k == '?')
			tui_help(top->ops);
	}
	while (top != NULL)
		tui_pop();
	endwin();
	store_close(st);
	return 0;
}
