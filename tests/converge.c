/*
 * converge.c -- do offices that exchange files by hand end up agreeing?
 *
 * The promise of replication (doc/replication.md, "Convergence") is that
 * however the USB sticks travel -- files late, twice, out of order or
 * lost, receipts too -- once every office's changes have been delivered
 * and the province has resolved what was edited on both sides, every
 * office holds the same records.  This program checks that promise the
 * only way it can be checked: by trying many schedules.
 *
 * Setting: a province (12) and five communes (120101..120105), each a
 * real store, certified through the same core calls 'civreg keys' makes
 * (keys_export, keys_certify, keys_trust, keys_install), under a national
 * root (00) that takes no part in the exchanges.  Logging in costs an
 * Argon2 hash, so each office logs in once: the stores of the trust tree
 * are closed and kept as templates, and every schedule starts from fresh
 * copies of them (in /dev/shm when there is one), reusing the sessions
 * with the new store handles.
 *
 * The templates already hold two declarations of each commune, passed
 * to the province.  One schedule, from its own seed: 15 to 40 random
 * steps, each one of
 *   - a birth declared at a random office;
 *   - a workflow step at an office that may write the record: register
 *     or reject a declaration, certify, archive, or correct a field
 *     (a correction declared and approved there) -- the province also
 *     acts on the communes' records, and sometimes the province and the
 *     commune both change the same record, so conflicts arise;
 *   - the same on a record the office holds only as a copy (another
 *     commune's, the province's): it must be refused;
 *   - a registrar resolving the conflicts of an office;
 *   - an export from an office to a peer (commune to province, province
 *     to a commune): the file goes in the recipient's "post";
 *   - an import of a random file from an office's post (late files come
 *     out of order), sometimes dropped instead (lost), sometimes kept for
 *     a second import (duplicated), sometimes imported twice at once;
 *     its receipt goes in the sender's post, where the same can happen.
 * Then delivery: whatever is still in the post is imported (in random
 * order, some twice); rounds of every commune exporting to the province,
 * the province resolving every conflict (sync_resolve, keeping one side
 * at random) and exporting to every commune follow until no store holds
 * a conflict and every store holds the same records -- the same ids and,
 * for each, byte for byte the same current revision (status, fields,
 * revision number, version vector).  More than MAX_ROUNDS rounds is a
 * failure: the program prints the seed, the first record that differs
 * and how, and keeps the stores.
 *
 * Schedules are independent, so two processes share them out (the
 * signatures and key agreements of every file are most of the time).
 *
 * After the schedules, one large exchange that the schedules never
 * reach: a commune with BULK (50000) new records sends them in one file
 * and the province applies it in one transaction, which must fit in the
 * store's lock table (some 36,000 locks: more than the 20,000 the table
 * once had).  Not timed as a test: the times are printed only.
 *
 * Environment: CONVERGE_SEED (the first schedule's seed; schedule i uses
 * seed + i, so CONVERGE_SEED=S CONVERGE_SCHEDULES=1 replays one),
 * CONVERGE_SCHEDULES (200), CONVERGE_BULK (50000; 0 skips it),
 * CONVERGE_JOBS (2), CONVERGE_KEEP (keep the stores), CONVERGE_VERBOSE
 * (every step; one process).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "civreg.h"

#define NOFF		6	/* the province, then the five communes */
#define NAT		NOFF	/* the national root: templates only */
#define PROV		0
#define ADMIN_PW	"converge-admin-pw"
#define REG_PW		"converge-registrar-pw"
#define NOW		"2026-11-22T10:00:00"
#define MAX_ROUNDS	6
#define DEFAULT_SCHEDULES 200
#define DEFAULT_BULK	50000
#define BULK_BATCH	1000

static const char *const codes[NOFF + 1] = {
	"12", "120101", "120102", "120103", "120104", "120105", "00"
};
static const int levels[NOFF + 1] = {
	LV_PROVINCE, LV_COMMUNE, LV_COMMUNE, LV_COMMUNE, LV_COMMUNE,
	LV_COMMUNE, LV_NATIONAL
};

struct post {
	char	**path;
	size_t	  n;
};

struct office {
	const char	*code;
	struct session	 reg;		/* the registrar: every step */
	struct session	 adm;		/* the administrator: keys */
	struct post	 post;		/* files waiting to be imported here */
};

static struct office	off[NOFF + 1];
static char		root[4096], tmpl[4200], run[4200], usb[4300];
static int		verbose, keep;
static int		trespass;	/* act on any record, not only ours */

struct stats {
	unsigned long	ops, declares, acts, refused, exports, imports;
	unsigned long	dups, drops, receipts, conflicts, resolves, multi;
	unsigned long	rounds, steps, records, trespass;
	unsigned	max_rounds;
};
static struct stats	tot;

static void	declare(int);
static void	export_to(int, int);
static void	deliver_all(void);

/* --- small things ---------------------------------------------------------- */

static void die(const struct cr_err *, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void
die(const struct cr_err *e, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "converge: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s (%s)", e->msg, err_name(e->code));
	fprintf(stderr, "\n");
	if (root[0])
		fprintf(stderr, "converge: stores kept in %s\n", root);
	exit(1);
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rs;	/* splitmix64: the schedule's random stream */

static uint64_t
rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static int
pct(unsigned p)
{
	return below(100) < p;
}

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int
office_of(const char *code)
{
	int i;

	for (i = 0; i < NOFF; i++)
		if (strcmp(off[i].code, code) == 0)
			return i;
	return -1;
}

/* --- directories ----------------------------------------------------------- */

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)type;
	(void)f;
	remove(path);
	return 0;
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Copies a closed store: its databases and logs, holes left as holes
 * (a log file is 4 MB, mostly never written).  The environment's region
 * files and the lock file are made again at the next open.
 */
static void
copy_store(const char *from, const char *to)
{
	static unsigned char chunk[65536];
	char a[8800], b[8800];
	struct dirent *de;
	DIR *d;

	if (mkdir(to, 0700) != 0)
		die(NULL, "cannot create %s: %s", to, strerror(errno));
	if ((d = opendir(from)) == NULL)
		die(NULL, "cannot read %s: %s", from, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		int in, out;
		ssize_t got;
		off_t size = 0;
		size_t i;

		if (de->d_name[0] == '.' || strncmp(de->d_name, "__db.", 5) ==
		    0 || strcmp(de->d_name, "civreg.lock") == 0)
			continue;
		snprintf(a, sizeof a, "%s/%s", from, de->d_name);
		snprintf(b, sizeof b, "%s/%s", to, de->d_name);
		if (stat(a, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;	/* rejected/: files refused */
		if ((in = open(a, O_RDONLY)) < 0 || (out = open(b, O_WRONLY |
		    O_CREAT | O_EXCL, 0600)) < 0)
			die(NULL, "cannot copy %s: %s", a, strerror(errno));
		while ((got = read(in, chunk, sizeof chunk)) > 0) {
			for (i = 0; i < (size_t)got && chunk[i] == 0; i++)
				;
			if (i == (size_t)got)
				lseek(out, got, SEEK_CUR);
			else if (write(out, chunk, (size_t)got) != got)
				die(NULL, "cannot write %s: %s", b,
				    strerror(errno));
			size += got;
		}
		if (got < 0 || ftruncate(out, size) != 0)
			die(NULL, "cannot copy %s: %s", a, strerror(errno));
		close(in);
		close(out);
	}
	closedir(d);
}

static void
post_add(struct post *p, const char *path)
{
	p->path = xrealloc(p->path, (p->n + 1) * sizeof *p->path);
	p->path[p->n++] = xstrdup(path);
}

static void
post_take(struct post *p, size_t i)
{
	free(p->path[i]);
	p->path[i] = p->path[--p->n];
}

static void
post_clear(struct post *p)
{
	while (p->n)
		post_take(p, 0);
	free(p->path);
	p->path = NULL;
}

/* --- the trust tree, once -------------------------------------------------- */

static void
login(struct store *st, const char *user, const char *pw, struct session *s)
{
	struct cr_err e;

	err_clear(&e);
	if (user_login(st, user, pw, s, &e) != CR_OK)
		die(&e, "cannot log in as %s", user);
}

static void
make_office(int i)
{
	struct office_init in;
	struct store *st;
	struct cr_err e;
	char dir[4400];

	off[i].code = codes[i];
	snprintf(dir, sizeof dir, "%s/%s", tmpl, codes[i]);
	memset(&in, 0, sizeof in);
	in.dir = dir;
	in.office = codes[i];
	in.level = levels[i];
	in.admin = "admin";
	in.password = ADMIN_PW;
	err_clear(&e);
	if (office_init(&in, &e) != CR_OK)
		die(&e, "cannot create office %s", codes[i]);
	if (store_open(dir, 0, &st, &e) != CR_OK)
		die(&e, "cannot open %s", dir);
	login(st, "admin", ADMIN_PW, &off[i].adm);
	if (user_add(&off[i].adm, "reg", ROLE_REGISTRAR, "", REG_PW, &e) !=
	    CR_OK)
		die(&e, "cannot add the registrar of %s", codes[i]);
	login(st, "reg", REG_PW, &off[i].reg);
}

/* What tests/replib.sh's tree_join does with 'civreg keys'. */
static void
join(int parent, int child, const struct buf *rootfile, const char *fpr)
{
	struct office_cert c;
	struct cr_err e;
	struct buf k, cert;
	int own;

	buf_init(&k);
	buf_init(&cert);
	err_clear(&e);
	if (keys_trust(&off[child].adm, rootfile->data, rootfile->len, fpr, &c,
	    &e) != CR_OK)
		die(&e, "%s: keys trust", codes[child]);
	if (keys_export(&off[child].adm, &k, &c, &e) != CR_OK)
		die(&e, "%s: keys export", codes[child]);
	if (keys_certify(&off[parent].adm, k.data, k.len, &cert, &c, &e) !=
	    CR_OK)
		die(&e, "%s: keys certify %s", codes[parent], codes[child]);
	if (keys_install(&off[child].adm, cert.data, cert.len, &c, &own, &e) !=
	    CR_OK || !own)
		die(&e, "%s: keys install", codes[child]);
	buf_free(&k);
	buf_free(&cert);
}

static void
build_templates(void)
{
	struct office_cert c;
	struct cr_err e;
	struct buf rootfile;
	char fpr[KEYS_FPR_HEX + 1];
	int i;

	snprintf(tmpl, sizeof tmpl, "%s/tmpl", root);
	if (mkdir(tmpl, 0700) != 0)
		die(NULL, "cannot create %s: %s", tmpl, strerror(errno));
	for (i = 0; i <= NAT; i++)
		make_office(i);
	buf_init(&rootfile);
	err_clear(&e);
	if (keys_export(&off[NAT].adm, &rootfile, &c, &e) != CR_OK)
		die(&e, "00: keys export");
	keys_fingerprint(c.sign_pk, fpr);
	join(NAT, PROV, &rootfile, fpr);
	for (i = 1; i < NOFF; i++)
		join(PROV, i, &rootfile, fpr);
	buf_free(&rootfile);
	/*
	 * Each commune starts with two declarations that the province has
	 * too, so that both sides have something to change from the first
	 * step on.
	 */
	snprintf(usb, sizeof usb, "%s/tmplusb", root);
	if (mkdir(usb, 0700) != 0)
		die(NULL, "cannot create %s: %s", usb, strerror(errno));
	for (i = 1; i < NOFF; i++) {
		declare(i);
		declare(i);
		export_to(i, PROV);
	}
	deliver_all();
	memset(&tot, 0, sizeof tot);
	for (i = 0; i <= NAT; i++) {
		store_close(off[i].reg.store);
		off[i].reg.store = off[i].adm.store = NULL;
	}
}

/* Fresh copies of the templates, opened, the sessions pointed at them. */
static void
open_run(void)
{
	struct store *st;
	struct cr_err e;
	char from[4400], to[4400];
	int i;

	rm_tree(run);
	if (mkdir(run, 0700) != 0 || mkdir(usb, 0700) != 0)
		die(NULL, "cannot create %s: %s", run, strerror(errno));
	for (i = 0; i < NOFF; i++) {
		snprintf(from, sizeof from, "%s/%s", tmpl, codes[i]);
		snprintf(to, sizeof to, "%s/%s", run, codes[i]);
		copy_store(from, to);
		err_clear(&e);
		if (store_open(to, 0, &st, &e) != CR_OK)
			die(&e, "cannot open %s", to);
		off[i].reg.store = off[i].adm.store = st;
	}
}

static void
close_run(int remove)
{
	int i;

	for (i = 0; i < NOFF; i++) {
		store_close(off[i].reg.store);
		off[i].reg.store = off[i].adm.store = NULL;
		post_clear(&off[i].post);
	}
	if (remove)
		rm_tree(run);
}

/* --- what an office holds -------------------------------------------------- */

struct rec_row {
	char		 id[REC_IDLEN];
	char		 owner[OFFICE_LEN];
	int		 kind, status;
	struct buf	 enc;
};

struct rows {
	size_t		 n;
	struct rec_row	*r;
};

static int
rows_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct rows *rows = arg;
	struct rec_row *row;
	struct record r;
	struct cr_err e;

	(void)k;
	(void)kl;
	rec_init(&r);
	if (rec_decode(v, vl, &r, &e) != CR_OK)
		die(&e, "a record does not decode");
	rows->r = xrealloc(rows->r, (rows->n + 1) * sizeof *rows->r);
	row = &rows->r[rows->n++];
	memcpy(row->id, r.id, REC_IDLEN);
	memcpy(row->owner, r.office, OFFICE_LEN);
	row->kind = r.kind;
	row->status = r.status;
	buf_init(&row->enc);
	buf_add(&row->enc, v, vl);
	rec_free(&r);
	return 0;
}

static void
rows_free(struct rows *rows)
{
	size_t i;

	for (i = 0; i < rows->n; i++)
		buf_free(&rows->r[i].enc);
	free(rows->r);
	rows->r = NULL;
	rows->n = 0;
}

static int
count_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	(void)k;
	(void)kl;
	(void)v;
	(void)vl;
	++*(size_t *)arg;
	return 0;
}

/* Every current record of an office (by id), and its conflicts kept. */
static void
holdings(int i, struct rows *rows, size_t *nconflicts)
{
	struct txn *tx;
	struct cr_err e;

	memset(rows, 0, sizeof *rows);
	err_clear(&e);
	if (store_begin_read(off[i].reg.store, &tx, &e) != CR_OK ||
	    store_scan(tx, ST_RECORDS, NULL, 0, rows_visit, rows, &e) !=
	    CR_OK)
		die(&e, "%s: cannot read the records", codes[i]);
	if (nconflicts) {
		*nconflicts = 0;
		if (store_scan(tx, ST_CONFLICTS, NULL, 0, count_visit,
		    nconflicts, &e) != CR_OK)
			die(&e, "%s: cannot read the conflicts", codes[i]);
	}
	store_abort(tx);
}

/* --- steps ----------------------------------------------------------------- */

static const char *const names_km[] = {
	"សុខ សុភា", "ចាន់ ដារ៉ា", "ហេង វណ្ណា", "លី ស្រីពៅ", "គឹម រតនា",
	"កែវ បុប្ផា", "ម៉ៅ សំណាង", "ជា ធីតា"
};

static void
declare(int o)
{
	char dob[16], place[8], id[REC_IDLEN];
	struct cr_err e;
	struct kv kv[14];
	size_t n = 0;

	snprintf(dob, sizeof dob, "2026-11-%02u", 1 + below(20));
	snprintf(place, sizeof place, "%s", o == PROV ?
	    codes[1 + below(NOFF - 1)] : codes[o]);
#define KV(k, v) (kv[n].key = (char *)(k), kv[n].value = (char *)(v), n++)
	KV("name_km", names_km[below(8)]);
	KV("sex", pct(50) ? "male" : "female");
	KV("date_of_birth", dob);
	KV("place_of_birth", place);
	KV("place_type", "home");
	KV("attendant", "midwife");
	KV("birth_type", "single");
	KV("mother_name_km", names_km[below(8)]);
	KV("mother_date_of_birth", "1990-01-31");
	KV("mother_nationality", "Khmer");
	KV("mother_residence", place);
	KV("informant_name", "ចាន់ សុភា");
	KV("informant_relationship", "mother");
	err_clear(&e);
	if (regist_declare(&off[o].reg, "birth", kv, n, id, &e) != CR_OK)
		die(&e, "%s: declare", codes[o]);
	say("  %s declares %s", codes[o], id);
	tot.declares++;
}

/*
 * A workflow refusal is part of the game, and so is the refusal to change
 * another office's record; anything else is not.
 */
static int
refused(int o, const char *what, const char *id, int changed, int rc,
    struct cr_err *e)
{
	char owner[OFFICE_LEN];

	if (rc == CR_OK) {
		snprintf(owner, sizeof owner, "%.*s", (int)strcspn(id, "-"), id);
		if (changed && !keys_authority(codes[o], owner))
			die(NULL, "%s: %s %s: office %s changed a record of "
			    "office %s", codes[o], what, id, codes[o], owner);
		return 0;
	}
	if (rc == CR_EPERM && trespass) {
		tot.trespass++;
		say("  %s: %s %s refused: %.120s", codes[o], what, id, e->msg);
		return 1;
	}
	if (rc != CR_EINVAL)
		die(e, "%s: %s %s", codes[o], what, id);
	say("  %s: %s %s refused: %.120s", codes[o], what, id, e->msg);
	tot.refused++;
	return 1;
}

static void
correct(int o, const char *target)
{
	char weight[16], ref[32], id[REC_IDLEN];
	struct wf_request rq;
	struct cr_err e;
	struct kv kv[10];
	size_t n = 0;
	int att = pct(30);

	snprintf(weight, sizeof weight, "%u", 1800 + below(2800));
	snprintf(ref, sizeof ref, "MR-%u", below(100000));
	KV("target_ref", target);
	KV("field_name", att ? "attendant" : "birth_weight");
	KV("new_value", att ? (pct(50) ? "doctor" : "nurse") : weight);
	KV("reason", "weighed again");
	KV("evidence_type", "medical_record");
	KV("evidence_ref", ref);
	KV("applicant_name", "ចាន់ សុភា");
	KV("applicant_relationship", "registrar");
	KV("request_date", "2026-11-22");
#undef KV
	err_clear(&e);
	if (refused(o, "correction of", target, 0, regist_declare(&off[o].reg,
	    "correction", kv, n, id, &e), &e))
		return;
	memset(&rq, 0, sizeof rq);
	rq.verb = "approve";
	rq.id = id;
	if (!refused(o, "approve", target, 1, workflow_act(&off[o].reg, &rq,
	    NULL, &e), &e))
		say("  %s corrects %s (%s)", codes[o], target, id);
}

static int
editable(const struct rec_row *r)
{
	return r->kind == form_by_key("birth")->code &&
	    (r->status == RS_DECLARED || r->status == RS_REGISTERED ||
	    r->status == RS_CERTIFIED);
}

/* The next workflow step on record id, as office o sees it. */
static void
step_on(int o, const char *id, int status)
{
	struct wf_request rq;
	struct cr_err e;

	memset(&rq, 0, sizeof rq);
	rq.id = id;
	tot.acts++;
	if (status == RS_DECLARED) {
		if (pct(85))
			rq.verb = "register";
		else {
			rq.verb = "reject";
			rq.reason = "the informant did not come back";
		}
	} else if (pct(4))
		rq.verb = "archive";
	else if (status == RS_REGISTERED && pct(50))
		rq.verb = "certify";
	else {
		correct(o, id);
		return;
	}
	err_clear(&e);
	if (!refused(o, rq.verb, rq.id, 1, workflow_act(&off[o].reg, &rq, NULL,
	    &e), &e))
		say("  %s: %s %s", codes[o], rq.verb, rq.id);
}

/* A workflow step on a birth record this office may write. */
static void
act(int o)
{
	struct rows rows;
	size_t i, n = 0, *ok;

	holdings(o, &rows, NULL);
	ok = xcalloc(rows.n + 1, sizeof *ok);
	/* Sometimes a copy from elsewhere, which must be refused. */
	for (trespass = pct(20); ; trespass = 0) {
		for (i = 0; i < rows.n; i++)
			if (editable(&rows.r[i]) && trespass !=
			    keys_authority(codes[o], rows.r[i].owner))
				ok[n++] = i;
		if (n > 0 || !trespass)
			break;
	}
	if (n == 0)
		declare(o);
	else {
		i = ok[below((unsigned)n)];
		step_on(o, rows.r[i].id, rows.r[i].status);
	}
	free(ok);
	rows_free(&rows);
}

/*
 * The province and a commune both change one of the commune's records
 * before either hears of the other's change: a conflict on the way.
 */
static void
both(void)
{
	struct rows p, cr;
	size_t i, j, n = 0, *ok;
	int c;

	trespass = 0;
	holdings(PROV, &p, NULL);
	ok = xcalloc(p.n + 1, sizeof *ok);
	for (i = 0; i < p.n; i++)
		if (editable(&p.r[i]) && strcmp(p.r[i].owner, codes[PROV]) != 0)
			ok[n++] = i;
	memset(&cr, 0, sizeof cr);
	if (n > 0) {
		i = ok[below((unsigned)n)];
		c = office_of(p.r[i].owner);
		holdings(c, &cr, NULL);
		say("  both %s and %s change %s", codes[PROV], codes[c],
		    p.r[i].id);
		step_on(PROV, p.r[i].id, p.r[i].status);
		for (j = 0; j < cr.n; j++)
			if (strcmp(cr.r[j].id, p.r[i].id) == 0 &&
			    editable(&cr.r[j]))
				step_on(c, cr.r[j].id, cr.r[j].status);
	}
	free(ok);
	rows_free(&p);
	rows_free(&cr);
}

static void
export_to(int o, int to)
{
	struct sync_result res;
	struct cr_err e;

	err_clear(&e);
	if (sync_export(&off[o].reg, codes[to], usb, &res, &e) != CR_OK)
		die(&e, "%s: export to %s", codes[o], codes[to]);
	post_add(&off[to].post, res.path);
	say("  %s exports to %s: file %llu, %zu revisions", codes[o],
	    codes[to], (unsigned long long)res.seq, res.records);
	tot.exports++;
}

/* Imports one file of an office's post; a replay must be refused. */
static void
import_one(int o, const char *path)
{
	struct sync_result res;
	struct cr_err e;
	int rc, from;

	err_clear(&e);
	rc = sync_import(&off[o].reg, path, usb, &res, &e);
	tot.imports++;
	if (rc == CR_EEXIST) {
		say("  %s: %s again: refused", codes[o], strrchr(path, '/') + 1);
		return;
	}
	if (rc != CR_OK)
		die(&e, "%s: import %s", codes[o], path);
	if (res.kind == RF_RECEIPT) {
		tot.receipts++;
		say("  %s: receipt for file %llu from %s", codes[o],
		    (unsigned long long)res.seq, res.from);
		return;
	}
	tot.conflicts += res.conflicts;
	say("  %s imports %s: %zu applied, %zu ignored, %zu conflicts",
	    codes[o], strrchr(path, '/') + 1, res.applied, res.ignored,
	    res.conflicts);
	if ((from = office_of(res.from)) < 0)
		die(NULL, "a file from unknown office %s", res.from);
	if (res.receipt_path[0])
		post_add(&off[from].post, res.receipt_path);
}

/* A random file of the post: lost, imported, or imported and kept. */
static void
deliver_random(int o, int may_drop)
{
	struct post *p = &off[o].post;
	char path[4400];
	size_t i = below((unsigned)p->n);

	snprintf(path, sizeof path, "%s", p->path[i]);
	if (may_drop && pct(15)) {
		say("  %s: %s lost", codes[o], strrchr(path, '/') + 1);
		post_take(p, i);
		tot.drops++;
		return;
	}
	import_one(o, path);
	if (pct(15)) {		/* a copy stays on the stick */
		tot.dups++;
		return;
	}
	post_take(p, i);
	if (pct(5)) {
		tot.dups++;
		import_one(o, path);
	}
}

/* Imports everything still in the post, in random order, until none. */
static void
deliver_all(void)
{
	int o, any;

	do {
		any = 0;
		for (o = 0; o < NOFF; o++)
			while (off[o].post.n > 0) {
				any = 1;
				deliver_random(o, 0);
			}
	} while (any);
}

struct conflict_ids {
	size_t		 n;
	char		(*id)[REC_IDLEN];
	unsigned	*count;
};

static int
conflict_seen(void *arg, const struct record *local,
    const struct record *other)
{
	struct conflict_ids *c = arg;

	(void)other;
	if (c->n > 0 && strcmp(c->id[c->n - 1], local->id) == 0) {
		c->count[c->n - 1]++;
		return 0;
	}
	c->id = xrealloc(c->id, (c->n + 1) * sizeof *c->id);
	c->count = xrealloc(c->count, (c->n + 1) * sizeof *c->count);
	memcpy(c->id[c->n], local->id, REC_IDLEN);
	c->count[c->n++] = 1;
	return 0;
}

static void
resolve_all(int o)
{
	struct conflict_ids c;
	struct cr_err e;
	size_t i;
	int other;

	memset(&c, 0, sizeof c);
	err_clear(&e);
	if (sync_conflicts(&off[o].reg, NULL, conflict_seen, &c, &e) != CR_OK)
		die(&e, "%s: conflicts", codes[o]);
	for (i = 0; i < c.n; i++) {
		other = c.count[i] == 1 && pct(50);
		if (sync_resolve(&off[o].reg, c.id[i], other, "converge",
		    NULL, &e) != CR_OK)
			die(&e, "%s: resolve %s", codes[o], c.id[i]);
		say("  %s resolves %s (%u other, kept %s)", codes[o], c.id[i],
		    c.count[i], other ? "other" : "local");
		tot.resolves++;
		tot.multi += c.count[i] > 1;
	}
	free(c.id);
	free(c.count);
}

/* --- the check ------------------------------------------------------------- */

static void
describe(const char *code, const struct buf *enc)
{
	struct record r;
	struct cr_err e;
	size_t i;

	rec_init(&r);
	if (rec_decode(enc->data, enc->len, &r, &e) != CR_OK) {
		fprintf(stderr, "    %s: (does not decode)\n", code);
		return;
	}
	fprintf(stderr, "    %-6s rev %u %s by %s (%s) vv", code, r.rev,
	    rec_status_name(r.status), r.author, rec_action_name(r.action));
	for (i = 0; i < r.nvv; i++)
		fprintf(stderr, " %s:%u", r.vv[i].office, r.vv[i].counter);
	for (i = 0; i < r.nfields; i++)
		if (strcmp(r.fields[i].key, "birth_weight") == 0 ||
		    strcmp(r.fields[i].key, "attendant") == 0)
			fprintf(stderr, " %s=%s", r.fields[i].key,
			    r.fields[i].value);
	fprintf(stderr, "\n");
	rec_free(&r);
}

/*
 * 1 if every office holds the same records and none a conflict; with
 * report, says what differs first.
 */
static int
agreed(int report, size_t *nrecords)
{
	struct rows rows[NOFF];
	size_t conflicts[NOFF], i, j;
	int o, same = 1;

	for (o = 0; o < NOFF; o++)
		holdings(o, &rows[o], &conflicts[o]);
	*nrecords = rows[0].n;
	for (o = 0; o < NOFF && same; o++)
		if (conflicts[o] > 0) {
			same = 0;
			if (report)
				fprintf(stderr, "  office %s still holds %zu "
				    "conflicts\n", codes[o], conflicts[o]);
		}
	for (o = 1; o < NOFF && same; o++)
		for (i = j = 0; same && (i < rows[0].n || j < rows[o].n);
		    i++, j++) {
			const struct rec_row *a = i < rows[0].n ?
			    &rows[0].r[i] : NULL;
			const struct rec_row *b = j < rows[o].n ?
			    &rows[o].r[j] : NULL;
			int cmp = !a ? 1 : !b ? -1 : strcmp(a->id, b->id);

			if (cmp == 0 && a->enc.len == b->enc.len &&
			    memcmp(a->enc.data, b->enc.data, a->enc.len) == 0)
				continue;
			same = 0;
			if (!report)
				break;
			if (cmp < 0)
				fprintf(stderr, "  record %s: at %s, not at "
				    "%s\n", a->id, codes[0], codes[o]);
			else if (cmp > 0)
				fprintf(stderr, "  record %s: at %s, not at "
				    "%s\n", b->id, codes[o], codes[0]);
			else {
				fprintf(stderr, "  record %s differs:\n",
				    a->id);
				describe(codes[0], &a->enc);
				describe(codes[o], &b->enc);
			}
		}
	for (o = 0; o < NOFF; o++)
		rows_free(&rows[o]);
	return same;
}

/* --- one schedule ---------------------------------------------------------- */

static int
schedule(uint64_t seed)
{
	size_t nrecords;
	unsigned i, n, round;
	int o, c;

	rs = seed;
	open_run();
	n = 15 + below(26);
	say("schedule %llu: %u steps", (unsigned long long)seed, n);
	for (i = 0; i < n; i++) {
		unsigned w = below(100);

		o = (int)below(NOFF);
		if (w < 12)
			declare(o);
		else if (w < 55)
			act(pct(50) ? PROV : o);
		else if (w < 58)
			resolve_all(o);		/* a registrar settles early */
		else if (w < 66)
			both();
		else if (w < 82 && o != PROV && pct(50))
			export_to(PROV, o);	/* half the files go down */
		else if (w < 82)
			export_to(o, o == PROV ? 1 + (int)below(NOFF - 1) :
			    PROV);
		else {
			for (c = 0; c < NOFF && off[o].post.n == 0; c++)
				o = (o + 1) % NOFF;
			if (off[o].post.n == 0)
				export_to(o, o == PROV ? 1 +
				    (int)below(NOFF - 1) : PROV);
			else
				deliver_random(o, 1);
		}
	}
	tot.steps += n;
	/* Everything still on the way arrives; then rounds until agreed. */
	say(" delivery");
	deliver_all();
	for (round = 1; round <= MAX_ROUNDS; round++) {
		say(" round %u", round);
		for (o = 1; o < NOFF; o++)
			export_to(o, PROV);
		deliver_all();
		resolve_all(PROV);
		for (o = 1; o < NOFF; o++)
			export_to(PROV, o);
		deliver_all();
		if (agreed(0, &nrecords))
			break;
	}
	tot.rounds += round;
	if (round > tot.max_rounds)
		tot.max_rounds = round;
	if (round <= MAX_ROUNDS) {
		tot.records += nrecords;
		close_run(!keep);
		return 0;
	}
	fprintf(stderr, "converge: schedule with seed %llu did not converge "
	    "after %u rounds:\n", (unsigned long long)seed, MAX_ROUNDS);
	agreed(1, &nrecords);
	fprintf(stderr, "converge: replay it with CONVERGE_SEED=%llu "
	    "CONVERGE_SCHEDULES=1 CONVERGE_VERBOSE=1; stores kept in %s\n",
	    (unsigned long long)seed, run);
	close_run(0);
	return 1;
}

/* --- one big file ---------------------------------------------------------- */

struct bulk {
	const char	*office;
	size_t		 n;
	size_t		 done;
};

static int
bulk_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct bulk *b = arg;
	struct record r;
	char w[16], dob[16];
	size_t i;
	int rc = CR_OK;

	for (i = 0; rc == CR_OK && i < BULK_BATCH && b->done + i < b->n; i++) {
		rec_init(&r);
		if ((rc = regist_next_id(tx, b->office, r.id, e)) != CR_OK)
			break;
		r.kind = form_by_key("birth")->code;
		r.status = RS_DECLARED;
		r.action = RA_DECLARE;
		r.rev = 1;
		r.time = r.created = (int64_t)cr_now();
		snprintf(r.office, sizeof r.office, "%s", b->office);
		snprintf(r.author, sizeof r.author, "reg");
		r.note = xstrdup("");
		rec_vv_bump(&r, b->office);
		snprintf(w, sizeof w, "%zu", 1800 + (b->done + i) % 2800);
		snprintf(dob, sizeof dob, "2026-%02zu-%02zu",
		    1 + (b->done + i) % 10, 1 + (b->done + i) % 28);
		rec_set(&r, "name_km", names_km[(b->done + i) % 8]);
		rec_set(&r, "sex", (b->done + i) % 2 ? "male" : "female");
		rec_set(&r, "date_of_birth", dob);
		rec_set(&r, "place_of_birth", b->office);
		rec_set(&r, "place_type", "home");
		rec_set(&r, "attendant", "midwife");
		rec_set(&r, "birth_type", "single");
		rec_set(&r, "birth_weight", w);
		rec_set(&r, "mother_name_km", names_km[(b->done + i / 8) % 8]);
		rec_set(&r, "mother_date_of_birth", "1990-01-31");
		rec_set(&r, "mother_nationality", "Khmer");
		rec_set(&r, "mother_residence", b->office);
		rec_set(&r, "informant_name", "ចាន់ សុភា");
		rec_set(&r, "informant_relationship", "mother");
		rc = regist_put_revision(tx, &r, 1, e);
		rec_free(&r);
	}
	return rc;
}

struct steps {
	size_t	calls, done, total;
};

static void
count_progress(void *arg, const char *path, size_t done, size_t total)
{
	struct steps *st = arg;

	(void)path;
	st->calls++;
	st->done = done;
	st->total = total;
}

static void
bulk(size_t n)
{
	struct steps steps = { 0, 0, 0 };
	struct sync_result res, in;
	struct cr_err e;
	struct bulk b = { codes[1], n, 0 };
	double t0, t1, t2;

	open_run();
	t0 = now_sec();
	err_clear(&e);
	while (b.done < n) {
		if (store_run(off[1].reg.store, bulk_txn, &b, &e) != CR_OK)
			die(&e, "bulk: cannot make the records");
		b.done += BULK_BATCH < n - b.done ? BULK_BATCH : n - b.done;
	}
	t1 = now_sec();
	if (sync_export(&off[1].reg, codes[PROV], usb, &res, &e) != CR_OK)
		die(&e, "bulk: export");
	if (res.records != n)
		die(NULL, "bulk: %zu revisions exported, not %zu", res.records,
		    n);
	t2 = now_sec();
	sync_set_progress(count_progress, &steps);
	if (sync_import(&off[PROV].reg, res.path, usb, &in, &e) != CR_OK)
		die(&e, "bulk: import of %zu records in one transaction", n);
	sync_set_progress(NULL, NULL);
	/* A big file shows its progress: about twenty steps, ending at all. */
	if (steps.calls < 10 || steps.done != steps.total)
		die(NULL, "bulk: %zu progress reports, the last %zu of %zu",
		    steps.calls, steps.done, steps.total);
	if (in.applied != n)
		die(NULL, "bulk: %zu applied, not %zu", in.applied, n);
	printf("bulk: %zu records made in %.1f s, exported in %.1f s, "
	    "imported at the province in one transaction in %.1f s\n", n,
	    t1 - t0, t2 - t1, now_sec() - t2);
	close_run(!keep);
}

/* --- main ------------------------------------------------------------------ */

static unsigned long
env_num(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

/*
 * Schedules are independent: JOBS processes (2) share them out, each
 * with its own copies of the stores, and send their counts back.
 */
static int
run_jobs(uint64_t seed, unsigned long nsched, unsigned jobs)
{
	int fds[16][2], status, failed = 0;
	unsigned long i;
	struct stats part;
	unsigned j;
	pid_t pid[16];

	for (j = 0; j < jobs; j++) {
		if (pipe(fds[j]) != 0 || (pid[j] = fork()) < 0)
			die(NULL, "cannot start a job: %s", strerror(errno));
		if (pid[j] > 0) {
			close(fds[j][1]);
			continue;
		}
		close(fds[j][0]);
		snprintf(run, sizeof run, "%s/run%u", root, j);
		snprintf(usb, sizeof usb, "%s/usb", run);
		for (i = j; i < nsched; i += jobs)
			if (schedule(seed + i) != 0)
				_exit(1);
		if (write(fds[j][1], &tot, sizeof tot) != (ssize_t)sizeof tot)
			_exit(1);
		_exit(0);
	}
	for (j = 0; j < jobs; j++) {
		memset(&part, 0, sizeof part);
		if (read(fds[j][0], &part, sizeof part) != (ssize_t)sizeof part)
			failed = 1;
		close(fds[j][0]);
		if (waitpid(pid[j], &status, 0) != pid[j] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
#define ADD(f) tot.f += part.f
		ADD(ops); ADD(declares); ADD(acts); ADD(refused);
		ADD(exports); ADD(imports); ADD(dups); ADD(drops);
		ADD(receipts); ADD(conflicts); ADD(resolves); ADD(multi);
		ADD(rounds); ADD(steps); ADD(records); ADD(trespass);
#undef ADD
		if (part.max_rounds > tot.max_rounds)
			tot.max_rounds = part.max_rounds;
	}
	return failed;
}

int
main(void)
{
	unsigned long nsched, nbulk, jobs;
	uint64_t seed;
	double t0, t1;
	struct cr_err e;
	struct stat sb;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setenv("CIVREG_NOW", NOW, 1);
	if (!getenv("CIVREG_CACHE_MB"))
		setenv("CIVREG_CACHE_MB", "2", 1);
	verbose = getenv("CONVERGE_VERBOSE") != NULL;
	keep = getenv("CONVERGE_KEEP") != NULL;
	nsched = env_num("CONVERGE_SCHEDULES", DEFAULT_SCHEDULES);
	nbulk = env_num("CONVERGE_BULK", DEFAULT_BULK);
	jobs = env_num("CONVERGE_JOBS", 2);
	if (jobs < 1 || jobs > 16 || verbose)
		jobs = 1;
	seed = getenv("CONVERGE_SEED") ? (uint64_t)env_num("CONVERGE_SEED", 0) :
	    (uint64_t)time(NULL) * 1000003u + (uint64_t)getpid();
	err_clear(&e);
	if (crypto_init(&e) != CR_OK)
		die(&e, "crypto_init");
	snprintf(root, sizeof root, "%s/civreg-converge-XXXXXX",
	    stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(root) == NULL)
		die(NULL, "cannot make a directory %s: %s", root,
		    strerror(errno));
	snprintf(run, sizeof run, "%s/run", root);
	snprintf(usb, sizeof usb, "%s/usb", run);
	printf("converge: seed %llu, %lu schedules, %lu jobs, in %s\n",
	    (unsigned long long)seed, nsched, jobs, root);
	t0 = now_sec();
	build_templates();
	snprintf(usb, sizeof usb, "%s/usb", run);
	t1 = now_sec();
	printf("converge: trust tree of %d offices in %.1f s\n", NOFF + 1,
	    t1 - t0);
	if (run_jobs(seed, nsched, (unsigned)jobs) != 0) {
		fprintf(stderr, "converge: FAILED (first seed %llu)\n",
		    (unsigned long long)seed);
		return 1;
	}
	printf("converge: %lu schedules agreed in %.1f s: %lu random steps "
	    "(%lu declarations, %lu workflow steps, %lu refused, %lu on "
	    "another office's record refused), %lu exports, "
	    "%lu imports (%lu receipts), %lu files lost, %lu duplicated, "
	    "%lu conflicts kept, %lu resolved (%lu of several revisions); "
	    "%lu records in all; rounds to agree: %.2f average, %u at most\n",
	    nsched, now_sec() - t1, tot.steps, tot.declares, tot.acts,
	    tot.refused, tot.trespass, tot.exports, tot.imports, tot.receipts, tot.drops,
	    tot.dups, tot.conflicts, tot.resolves, tot.multi, tot.records,
	    nsched ? (double)tot.rounds / (double)nsched : 0.0,
	    tot.max_rounds);
	/* Agreement proves something only if the schedules made trouble. */
	if (nsched >= 20 && (tot.conflicts == 0 || tot.trespass == 0 ||
	    tot.drops == 0 || tot.dups == 0))
		die(NULL, "the schedules made no conflict, lost file, duplicate "
		    "or refused trespass: the test would prove nothing");
	if (nbulk > 0)
		bulk(nbulk);
	printf("converge: total %.1f s\n", now_sec() - t0);
	if (!keep)
		rm_tree(root);
	return 0;
}
