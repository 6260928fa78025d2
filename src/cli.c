/*
 * cli.c -- main(), the verb table, and what every verb shares.
 *
 * The command line is the contract other tools and the tests rely on
 * (doc/civreg.1): `civreg [-d DIR] [-u USER] VERB ...`.  Each verb is one
 * row of cli_verbs and one cmd_* function in a cmd-*.c file.  Verbs print
 * results on stdout and messages on stderr, and exit with the code
 * err_exit_code() gives for the core's status, so scripts can tell "bad
 * data" from "wrong password" from "damaged store".
 *
 * Passwords: the acting user's comes from the file named by
 * $CIVREG_PASSWORD_FILE, else from a prompt on the terminal with echo off,
 * else from the first line of standard input.  A new password (init, user
 * add, user passwd) is prompted twice on a terminal, else taken from the
 * next line of standard input.  Passwords are wiped after use and never
 * printed or logged.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "civreg.h"

#define DEFAULT_DIR	"/var/lib/civreg"

static int cmd_help(struct cli *);
static int cmd_version(struct cli *);

const struct cli_verb cli_verbs[] = {
	{ "init", cmd_init, "init --office CODE --level LEVEL --admin USER",
	  "Create a new office store in DIR; the administrator's password is "
	  "read from standard input.\nLEVEL is commune, district, province or "
	  "national; CODE is the office's gazetteer code\n(6 digits for a "
	  "commune, 4 for a district, 2 for a province, 00 for national)." },
	{ "user", cmd_user, "user add NAME --role ROLE [--name FULL_NAME] | "
	  "list | passwd NAME | disable NAME | enable NAME",
	  "Manage the users of this office (administrators only; anyone may "
	  "change their\nown password).  The new password is read from the "
	  "terminal, or from the next\nline of standard input.  ROLE is one of "
	  "clerk, registrar, district, province,\nnational, health, admin, "
	  "replication (a user that only exchanges\nreplication files: "
	  "'civreg receive')." },
	{ "register", cmd_register, "register KIND [--from NOTICE] "
	  "[--new | --link ID ...] key=value ...",
	  "Validate and store a declaration of form KIND; prints the new "
	  "record id.\n'civreg forms KIND' lists the fields.  Every bad field "
	  "is reported and nothing\nis stored.  --from NOTICE starts from a "
	  "health notice: its values are copied\n(key=value arguments win) "
	  "and the notice is linked.\nA person of the form (a child, the "
	  "deceased, a spouse) given without an\nidentity code is first looked "
	  "for in the register: likely matches are\nlisted and nothing is "
	  "stored (exit 6).  --link ID links the person to\nrecord ID (its "
	  "identity code is taken, or the pair goes to the review\nqueue), "
	  "--new says the person is not in the register." },
	{ "show", cmd_show, "show ID",
	  "Print a record: its status, each field as key=value, then its "
	  "history." },
	{ "search", cmd_search, "search [--limit N] [--born DATE] [--mother NAME]\n"
	  "       [--father NAME] [--place CODE] TEXT...",
	  "Find records by name (Khmer or Latin, any common spelling, or by\n"
	  "sound), identity code or record id, best match first; what else is\n"
	  "known of the person ranks them too.  One line per record: id, score\n"
	  "(1 best), kind, status, event date, names (doc/search.md)." },
	{ "forms", cmd_forms, "forms [KIND]",
	  "List the forms (key, title), or the fields of one form:\n"
	  "key<TAB>type<TAB>required|optional|issued<TAB>allowed values or -\n"
	  "(issued: the identity code registration fills from the pool)." },
	{ "dedup", cmd_dedup, "dedup [--since DATE] [--area CODE] | list |\n"
	  "       show ID ID | decide ID ID same|different [--reason TEXT]",
	  "Likely duplicates among the valid births (doc/search.md): compare\n"
	  "them (names in either script and spelling, birth date, parents,\n"
	  "place, identity code; weights learnt from the data) and queue the\n"
	  "likely pairs for review; --since: pairs with a birth registered\n"
	  "since DATE; --area: births there.  list: the queue; show: two\n"
	  "records side by side; decide: declare a decision (a record that\n"
	  "replicates; a decided pair is never proposed again).  Registrars\n"
	  "and supervisors; audited." },
	{ "digitize", cmd_digitize, "digitize import FILE.csv --kind KIND "
	  "[--map MAP] [--batch NAME]\n"
	  "       [--rejects FILE] [--no-dedup] [--second B.csv] |\n"
	  "       compare A.csv B.csv [--agreed OUT.csv]",
	  "The paper back-log (doc/digitize.md).  import: load a batch keyed in\n"
	  "a spreadsheet (CSV: a header line, then one record a row) as\n"
	  "registered records of form KIND; every row is loaded or listed with\n"
	  "its line and reason in the rejects report (FILE.rejects.csv).  The\n"
	  "header names the fields, or MAP says COLUMN = FIELD (@page: the page\n"
	  "scan, @ignore).  Interrupted, the same command goes on where it\n"
	  "stopped.  Births get identity codes and are checked for duplicates\n"
	  "(--no-dedup: not now; run 'civreg dedup --since' by area later).\n"
	  "--second B.csv: the batch keyed again; only the rows keyed alike\n"
	  "load, the others are rejected with their differences.\n"
	  "compare: the same batch keyed twice: every field that differs; the\n"
	  "rows keyed alike go to OUT.csv, to be imported.  Registrars and\n"
	  "supervisors; audited." },
	{ "stats", cmd_stats, "stats [TABLE|all --from DATE --to DATE [--area CODE]\n"
	  "       [--by residence|occurrence] [--format text|csv]] | rates [FILE]",
	  "Vital statistics (doc/stats.md): without TABLE, the tables; with\n"
	  "it, the valid records of the table's event kind whose event date is\n"
	  "in the period (both days included) and whose place of occurrence\n"
	  "(or usual residence: --by residence) is in the area, counted by the\n"
	  "table's dimension; every record is in one row, 'not stated' if the\n"
	  "field is empty, so the total is the number of records; a\n"
	  "cross-tabulation (deaths-age-sex, timeliness) splits each row in\n"
	  "columns, each record in one of them.  all: every\n"
	  "table, in one pass.  Completeness tables: registered / expected,\n"
	  "expected from the rates table ('stats rates FILE': CSV province,\n"
	  "population,birth_rate,death_rate per 1000 a year; administrators).\n"
	  "Registrars and supervisors; audited." },
	{ "reindex", cmd_reindex, "reindex",
	  "Build the indexes again from the records, by this civreg's name\n"
	  "rules and index layout, and remove an earlier civreg's idx_*.db\n"
	  "(administrators; one transaction, audited).  Needed once when\n"
	  "search, registering or verify says so." },
	{ "verify", cmd_verify, "verify",
	  "Check every database, every index and the audit chain; exits 7 "
	  "naming the\ndamage if anything is wrong." },
	{ "audit", cmd_audit, "audit [ID]",
	  "Print the audit log, or the entries about one record." },
	{ "gazetteer", cmd_gazetteer, "gazetteer load DIR | show CODE",
	  "Load the administrative divisions from DIR (provinces.csv, "
	  "districts.csv,\ncommunes.csv [, villages.csv]) in one transaction, "
	  "or show one place." },
	{ "register-record", cmd_act,
	  "register-record ID [--reason TEXT] [--evidence REF]",
	  "Register a declared event (commune registrar).  Timeliness is\n"
	  "computed from the event date: a late registration needs --reason,\n"
	  "a delayed one --evidence and then district approval." },
	{ "approve", cmd_act, "approve ID",
	  "Approve a delayed registration (district registrar), or a\n"
	  "correction: the registrar approves one of an ordinary field and it\n"
	  "is applied; one of a name, sex, date of birth or parent is endorsed\n"
	  "by the registrar and applied when the district approves it." },
	{ "reject", cmd_act, "reject ID --reason TEXT",
	  "Reject a declaration, correction, burial permit or ID card\n"
	  "(registrar) or a delayed registration or identity correction\n"
	  "(district), with the reason.  The refusal may be appealed." },
	{ "amend", cmd_amend, "amend ID key=value ...",
	  "Correct a rejected declaration and declare it again (the roles\n"
	  "that declare its form).  key= removes an optional field.  The whole\n"
	  "record is validated again; the rejected values stay in history." },
	{ "grant", cmd_act, "grant ID --reason TEXT",
	  "Grant an appeal (district for appeals to the district, province\n"
	  "for appeals to the province): the refusal is reversed and applied\n"
	  "(the declaration registered, the correction applied, the permit\n"
	  "or card issued)." },
	{ "dismiss", cmd_act, "dismiss ID --reason TEXT",
	  "Dismiss an appeal, with the reasons.  A dismissed district appeal\n"
	  "may be appealed to the province (register appeal target_ref=ID\n"
	  "level=province ...)." },
	{ "certify", cmd_act, "certify ID",
	  "Mark a registered record as certified (registrar)." },
	{ "archive", cmd_act, "archive ID",
	  "Archive a valid record that is finished with: registered, certified,\n"
	  "issued, approved or granted (registrar).  It still counts in the\n"
	  "person register and the ID-card lists.  A refusal is not archived." },
	{ "issue", cmd_act, "issue ID",
	  "Issue a declared burial permit or ID card (registrar): it becomes\n"
	  "issued.  A burial permit needs a registered death." },
	{ "queue", cmd_queue,
	  "queue declared|pending|notices|appeals|corrections|rejected",
	  "List a queue, oldest first, in the columns of search: declarations\n"
	  "to register, delayed registrations awaiting approval, health notices\n"
	  "not yet registered (OVERDUE past the legal period), appeals\n"
	  "waiting for a decision, corrections waiting for the registrar,\n"
	  "rejected declarations (to amend, or to appeal)." },
	{ "authenticate", cmd_authenticate, "authenticate KIDC key=value ...",
	  "Check a person's claims (name_km, name_latin, date_of_birth, sex)\n"
	  "against the register: prints only 'match' or 'no match' (and, to\n"
	  "registrars and supervisors, which claims differ).  Audited." },
	{ "certificate", cmd_certificate, "certificate print ID [--copy] "
	  "[--out FILE | --lpr [PRINTER]] | verify CODE | list ID",
	  "print: a birth, death, marriage or divorce certificate of a\n"
	  "registered or certified record (the first one certifies it), a\n"
	  "burial permit once issued, or with --copy a certified copy of a\n"
	  "registered event's entry; 80-column text, Khmer and English, to\n"
	  "standard output, a new file, or lpr.  Each print gets a serial\n"
	  "number and a verification code, and is counted and audited.\n"
	  "verify: is CODE a certificate printed here, and has its record\n"
	  "changed since (exit 3: unknown code, 2: mistyped).\n"
	  "list: the certificates printed for record ID." },
	{ "person", cmd_person, "person KIDC",
	  "The population register: the person's names, current residence\n"
	  "(derived from the latest registered change of residence, ID card or\n"
	  "event about them), whether a registered death names them, the\n"
	  "residence history, then one line per record that names the code:\n"
	  "id, kind, the person's part in it, status, event date.  Audited." },
	{ "id-cards", cmd_idcards,
	  "id-cards COMMUNE [--from DATE] [--to DATE] [--csv]",
	  "ID cards of people resident in COMMUNE (or a 4-digit district, a\n"
	  "2-digit province) whose expiry date is in the period, both days\n"
	  "included; only each person's latest issued card.  Without --from:\n"
	  "every expired card too; --to defaults to 90 days from today.  A\n"
	  "table, or with --csv RFC 4180 CSV (UTF-8, header line).  Audited." },
	{ "config", cmd_config, "config [set NAME VALUE]",
	  "List the store's settings, or set one (administrators): the legal\n"
	  "period of an event kind in days, period.KIND (defaults: birth 30,\n"
	  "death and fetal_death 15, others 30).  Registration timeliness and\n"
	  "the OVERDUE mark on health notices follow it.  kidc.warn: warn when\n"
	  "fewer unused identity codes are left (default 100).  Audited." },
	{ "export", cmd_export, "export --to OFFICE [--out DIR]",
	  "Write one replication file for OFFICE holding every change it has\n"
	  "not acknowledged (record revisions, audit entries, revocations),\n"
	  "encrypted to it and signed, into DIR (default: here), e.g. a USB\n"
	  "stick.  Prints the file's path, a tab and what it holds.\n"
	  "doc/replication.md has the format." },
	{ "import", cmd_import, "import [--receipts DIR] FILE...",
	  "Check and apply replication files and receipts, each all or\n"
	  "nothing: signature and certificate chain first, then recipient,\n"
	  "replay, the signer's authority over each record; then merge by\n"
	  "version vector (concurrent revisions go to the conflict queue).\n"
	  "A receipt for the sender is written beside each file (or in DIR).\n"
	  "A refused file is kept with its reason in STORE/rejected/; exit 2." },
	{ "push", cmd_push, "push FILE... [USER@]HOST [--port N] [--identity "
	  "KEY] [--known-hosts FILE]",
	  "Send replication files (from 'civreg export') over SSH with the\n"
	  "system OpenSSH client to the office at HOST, whose authorized_keys\n"
	  "runs 'civreg receive' for this key.  It imports each file and\n"
	  "answers with its signed receipt, imported here at once (the\n"
	  "acknowledged point moves).  One line per file: applied, refused\n"
	  "with the remote's reason, or not sent.  ssh runs in batch mode:\n"
	  "keys, not passwords; the host key must be known (--known-hosts or\n"
	  "~/.ssh/known_hosts).  Exit 2 if any file was refused, 8 if the\n"
	  "connection failed." },
	{ "receive", cmd_receive, "receive",
	  "The other end of push, for sshd to run as the forced command of a\n"
	  "key: command=\"civreg -d DIR -u USER receive\",restrict in\n"
	  "authorized_keys (doc/replication.md).  USER must have the role\n"
	  "replication; no password is asked, the SSH key having been the\n"
	  "authentication.  Not for use by hand." },
	{ "conflicts", cmd_conflicts, "conflicts [ID]",
	  "List the records in conflict between offices, or show one: both\n"
	  "revisions, their version vectors, and each field side by side\n"
	  "(* where they differ)." },
	{ "resolve", cmd_resolve, "resolve ID --keep local|other [--reason TEXT]",
	  "Settle a conflict (registrar, district, province): the kept\n"
	  "revision becomes a new one that dominates both, and replicates." },
	{ "keys", cmd_keys, "keys show | list | generate | export [--out FILE] "
	  "| certify FILE [--out FILE] | install FILE | trust FILE "
	  "--fingerprint HEX | revoke OFFICE",
	  "The office's Ed25519 signing and X25519 encryption keys and their\n"
	  "certificates (doc/replication.md).  show: this office's key id,\n"
	  "fingerprint, who certified it, the trusted root.  list: every office\n"
	  "whose key is known here (code, level, key id, issuer, valid or\n"
	  "revoked).  generate: keys for a store made before civreg had them.\n"
	  "export: this office's certificate and chain, to a new file.\n"
	  "certify: sign another office's exported certificate (national:\n"
	  "provinces; a province: its districts and communes) and write it\n"
	  "with this office's chain.  install: this office's certified\n"
	  "certificate, or another office's chain; it must lead to the\n"
	  "trusted root.  trust: trust the national root in FILE after\n"
	  "checking its fingerprint by telephone.  revoke: withdraw a key\n"
	  "this office certified.  Administrators; show, list and export\n"
	  "also supervisors.  Changes are audited." },
	{ "kidc", cmd_kidc, "kidc check CODE... | generate --count N |\n"
	  "       allocate --to OFFICE --count N [--out DIR] | stats",
	  "Identity codes (doc/kidc.md).  check: whether each code is valid\n"
	  "(12 digits, spaces allowed, the Verhoeff check digit, the rules that\n"
	  "keep codes from being guessed or confused), or why not; exit 2 if\n"
	  "one is not; needs no store.  generate: the national office draws N\n"
	  "new codes and keeps them, never one it drew before (role national).\n"
	  "allocate: the national office gives N unused codes to OFFICE as a\n"
	  "signed, encrypted allocation file in DIR (default: here); OFFICE\n"
	  "imports it with 'civreg import'.  stats: codes generated and\n"
	  "allocated (national), and this office's pool: unused, issued,\n"
	  "confirmed upstream, registrations waiting for a code, and the\n"
	  "warning threshold (config kidc.warn)." },
	{ "help", cmd_help, "help [VERB]", "Describe the verbs." },
	{ "version", cmd_version, "version", "Print the version." },
	{ NULL, NULL, NULL, NULL }
};

static void
usage_all(FILE *fp)
{
	const struct cli_verb *v;

	fprintf(fp, "usage: civreg [-d DIR] [-u USER] VERB [ARGS...]\n"
	    "       civreg --version | --help | VERB --help\n\nverbs:\n");
	for (v = cli_verbs; v->name; v++)
		fprintf(fp, "  civreg %s\n", v->usage);
	fprintf(fp, "\nDIR defaults to $CIVREG_DIR, then %s.\nUSER defaults "
	    "to $CIVREG_USER.  See civreg(1).\n", DEFAULT_DIR);
}

int
cli_dispatch(struct cli *c, const char *verb, const struct cli_sub *subs,
    size_t n, int (*fallback)(struct cli *))
{
	size_t i;

	for (i = 0; c->argc >= 2 && i < n; i++)
		if (strcmp(c->argv[1], subs[i].name) == 0)
			return subs[i].run(c);
	return fallback ? fallback(c) : cli_usage(verb);
}

int
cli_usage(const char *verb)
{
	const struct cli_verb *v;

	for (v = cli_verbs; v->name; v++)
		if (strcmp(v->name, verb) == 0) {
			fprintf(stderr, "usage: civreg [-d DIR] [-u USER] %s\n",
			    v->usage);
			return err_exit_code(CR_EUSAGE);
		}
	usage_all(stderr);
	return err_exit_code(CR_EUSAGE);
}

int
cli_wants_help(struct cli *c)
{
	const struct cli_verb *v;
	int i;

	/* --help anywhere, -h only right after the verb (a name may be -h). */
	for (i = 1; i < c->argc; i++)
		if (strcmp(c->argv[i], "--help") == 0 ||
		    (i == 1 && strcmp(c->argv[i], "-h") == 0))
			break;
	if (i == c->argc)
		return 0;
	for (v = cli_verbs; v->name; v++)
		if (strcmp(v->name, c->argv[0]) == 0)
			printf("usage: civreg [-d DIR] [-u USER] %s\n\n%s\n",
			    v->usage, v->help);
	return 1;
}

static int
cmd_help(struct cli *c)
{
	const struct cli_verb *v;

	if (c->argc > 1)
		for (v = cli_verbs; v->name; v++)
			if (strcmp(v->name, c->argv[1]) == 0) {
				printf("usage: civreg [-d DIR] [-u USER] %s\n\n"
				    "%s\n", v->usage, v->help);
				return 0;
			}
	usage_all(stdout);
	return 0;
}

static int
cmd_version(struct cli *c)
{
	(void)c;
	printf("civreg %s (record encoding %d, schema %d)\n", PACKAGE_VERSION,
	    REC_ENCODING_VERSION, SCHEMA_VERSION);
	return 0;
}

int
cli_fail(const struct cr_err *e)
{
	const char *p = e->msg, *nl;

	/* One "civreg: " line per message. */
	do {
		nl = strchr(p, '\n');
		fprintf(stderr, "civreg: %.*s\n", nl ? (int)(nl - p) :
		    (int)strlen(p), p);
		p = nl ? nl + 1 : NULL;
	} while (p && *p);
	return err_exit_code(e->code ? e->code : CR_EDB);
}

static const char *
store_path(struct cli *c)
{
	const char *d = c->dir ? c->dir : getenv("CIVREG_DIR");

	return d && *d ? d : DEFAULT_DIR;
}

int
cli_open(struct cli *c, struct store **st)
{
	struct cr_err e;

	err_clear(&e);
	if (crypto_init(&e) != CR_OK ||
	    store_open(store_path(c), 0, st, &e) != CR_OK)
		return cli_fail(&e);
	return 0;
}

static int
read_line(FILE *fp, char *buf, size_t sz)
{
	size_t n;

	if (fgets(buf, (int)sz, fp) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == sz - 1)
		return -2;	/* too long */
	buf[n] = '\0';
	return 0;
}

static int
tty_read(const char *prompt, char *buf, size_t sz)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	int rc;

	if (tty == NULL)
		return -1;
	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	rc = read_line(tty, buf, sz);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	return rc;
}

static int
acting_password(char *buf, size_t sz, struct cr_err *e)
{
	const char *file = getenv("CIVREG_PASSWORD_FILE");
	FILE *fp;
	int rc;

	if (file && *file) {
		if ((fp = fopen(file, "r")) == NULL)
			return err_set(e, CR_EUSAGE, "cannot read the password "
			    "file named by CIVREG_PASSWORD_FILE (%s): %s", file,
			    strerror(errno));
		rc = read_line(fp, buf, sz);
		fclose(fp);
		if (rc != 0 || buf[0] == '\0')
			return err_set(e, CR_EUSAGE, "the password file %s has "
			    "no password on its first line", file);
		return CR_OK;
	}
	if (isatty(STDIN_FILENO)) {
		if (tty_read("Password: ", buf, sz) != 0)
			return err_set(e, CR_EUSAGE, "no password was given");
		return CR_OK;
	}
	if (read_line(stdin, buf, sz) != 0 || buf[0] == '\0')
		return err_set(e, CR_EUSAGE, "no password: set "
		    "CIVREG_PASSWORD_FILE, run on a terminal, or give the "
		    "password on the first line of standard input");
	return CR_OK;
}

int
cli_read_password(const char *prompt, char *buf, size_t sz, int confirm,
    struct cr_err *e)
{
	char again[256];
	int rc;

	if (isatty(STDIN_FILENO)) {
		if (tty_read(prompt, buf, sz) != 0)
			return err_set(e, CR_EUSAGE, "no password was given");
		if (confirm) {
			rc = tty_read("Again: ", again, sizeof again);
			if (rc != 0 || strcmp(again, buf) != 0) {
				crypto_wipe(again, sizeof again);
				return err_set(e, CR_EINVAL, "the two passwords "
				    "differ: nothing was changed");
			}
			crypto_wipe(again, sizeof again);
		}
		return CR_OK;
	}
	rc = read_line(stdin, buf, sz);
	if (rc == -2)
		return err_set(e, CR_EINVAL, "the password is too long (at "
		    "most %zu bytes)", sz - 2);
	if (rc != 0 || buf[0] == '\0')
		return err_set(e, CR_EUSAGE, "no new password on standard "
		    "input: give it on a line of its own");
	return CR_OK;
}

static int
login(struct cli *c, struct session *s, int allow_damaged)
{
	const char *user = c->user ? c->user : getenv("CIVREG_USER");
	struct store *st;
	struct cr_err e;
	char pw[256];
	int rc;

	memset(s, 0, sizeof *s);
	if (user == NULL || *user == '\0') {
		fprintf(stderr, "civreg: who is acting? give -u USER or set "
		    "CIVREG_USER\n");
		return err_exit_code(CR_EUSAGE);
	}
	if ((rc = cli_open(c, &st)) != 0)
		return rc;
	err_clear(&e);
	if (acting_password(pw, sizeof pw, &e) != CR_OK ||
	    user_login(st, user, pw, s, &e) != CR_OK) {
		crypto_wipe(pw, sizeof pw);
		if (allow_damaged && s->damage[0] != '\0')
			return 0;	/* verify reports it */
		store_close(st);
		return cli_fail(&e);
	}
	crypto_wipe(pw, sizeof pw);
	return 0;
}

int
cli_login(struct cli *c, struct session *s)
{
	return login(c, s, 0);
}

/* For verify: a right password on a damaged store still gets in. */
int
cli_login_damaged(struct cli *c, struct session *s)
{
	return login(c, s, 1);
}

void
cli_logout(struct session *s)
{
	store_close(s->store);
	s->store = NULL;
}

int
main(int argc, char **argv)
{
	const struct cli_verb *v;
	struct cli c;
	int ch;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};

	if (setlocale(LC_ALL, "") == NULL)
		setlocale(LC_ALL, "C.UTF-8");
	memset(&c, 0, sizeof c);
	/* '+': stop at the verb, its options are its own. */
	while ((ch = getopt_long(argc, argv, "+d:u:hV", longopts, NULL)) != -1)
		switch (ch) {
		case 'd':
			c.dir = optarg;
			break;
		case 'u':
			c.user = optarg;
			break;
		case 'h':
			usage_all(stdout);
			return 0;
		case 'V':
			c.argc = 0;
			return cmd_version(&c);
		default:
			usage_all(stderr);
			return err_exit_code(CR_EUSAGE);
		}
	c.argc = argc - optind;
	c.argv = argv + optind;
	if (c.argc == 0) {
		/* No verb: the screens, when there is a terminal to show them. */
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return tui_main(&c);
		usage_all(stdout);
		return 0;
	}
	for (v = cli_verbs; v->name; v++)
		if (strcmp(v->name, c.argv[0]) == 0) {
			if (cli_wants_help(&c))
				return 0;
			return v->run(&c);
		}
	fprintf(stderr, "civreg: unknown verb '%s'\n", c.argv[0]);
	usage_all(stderr);
	return err_exit_code(CR_EUSAGE);
}
