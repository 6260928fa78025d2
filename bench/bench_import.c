/*
 * bench_import.c -- how fast a big replication file goes out and comes in.
 *
 * The largest file civreg makes in practice is a commune's first export
 * after months offline, or a province passing on a whole district: tens
 * of thousands of revisions.  An import applies all of it in one
 * transaction (doc/replication.md), so it must fit the lock table and
 * must not slow down as the transaction grows.  One run measures, through
 * the core API only:
 *
 *   export   sync_export() at a commune holding N births (default 100000)
 *            for its province: reading the change log and the history,
 *            building the payload, encrypting, signing, writing the file
 *            (fsync'ed);
 *   import   sync_import() of that file at the province: checking the
 *            signature and the certificate chain, decrypting, merging
 *            every revision by its version vector and writing it (record,
 *            5 indexes, history, change log) in one durable transaction,
 *            then writing the signed receipt;
 *   import+  the same for a second commune's N births, at the province
 *            that now holds the first N: the indexes are no longer empty,
 *            so their entries go between others instead of at the end;
 *   codes    identity codes coming down (doc/kidc.md, "Pools"): the
 *            national office generates N codes (kidc_pool_generate, in
 *            durable transactions of 10000), allocates them to the
 *            commune as one allocation file (kidc_pool_allocate: the
 *            ledger updated and the file sealed, signed and fsync'ed in
 *            one transaction), and the commune imports it (sync_import:
 *            checks, decryption, every code checked and added to the
 *            pool in one transaction).
 *
 * Both are reported as records per second of the whole call.  The stores
 * are real ones in a scratch directory (mkdtemp under /tmp unless --dir):
 * a national root, the province and two communes, certified through the
 * calls 'civreg keys' makes.  The births are generated from a fixed seed,
 * shaped like real ones (Khmer and Latin names, parents, identity codes,
 * dates, places; about 900 bytes encoded) and written at the communes in
 * transactions of 1000 (not timed).  Each import line gives its CPU time
 * too: on a shared machine the wall time varies by 10-20% between runs.  Commits are synchronous as in
 * production; the cache is the store's default (64 MB) unless
 * CIVREG_CACHE_MB says otherwise.
 *
 * usage: bench_import [--records N] [--codes N] [--dir DIR] [--keep]
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "civreg.h"

#define ADMIN_PW	"bench-admin-password"
#define REG_PW		"bench-registrar-password"
#define BATCH		1000
#define SEED		0x696d706f72744bULL

static char	root[4096];
static int	made_root, keep;

static void die(const struct cr_err *, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));

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
cleanup(void)
{
	if (!root[0])
		return;
	if (keep)
		fprintf(stderr, "bench_import: stores kept in %s\n", root);
	else if (made_root)
		nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = '\0';
}

static void
die(const struct cr_err *e, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bench_import: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e)
		fprintf(stderr, ": %s (%s)", e->msg, err_name(e->code));
	fprintf(stderr, "\n");
	cleanup();
	exit(1);
}

static double
cpu_sec(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- offices --------------------------------------------------------------- */

struct office {
	const char	*code;
	int		 level;
	struct session	 adm, reg;
	char		 dir[4200];
};

static void
make_office(struct office *o)
{
	struct office_init in;
	struct store *st;
	struct cr_err e;

	snprintf(o->dir, sizeof o->dir, "%s/%s", root, o->code);
	memset(&in, 0, sizeof in);
	in.dir = o->dir;
	in.office = o->code;
	in.level = o->level;
	in.admin = "admin";
	in.password = ADMIN_PW;
	err_clear(&e);
	if (office_init(&in, &e) != CR_OK ||
	    store_open(o->dir, 0, &st, &e) != CR_OK ||
	    user_login(st, "admin", ADMIN_PW, &o->adm, &e) != CR_OK ||
	    user_add(&o->adm, "reg", ROLE_REGISTRAR, "", REG_PW, &e) != CR_OK ||
	    user_login(st, "reg", REG_PW, &o->reg, &e) != CR_OK)
		die(&e, "cannot make office %s", o->code);
}

/*
 * tests/replib.sh's tree_join, through the core calls; the national
 * office (nat, if not the parent) installs the child's chain too, to
 * seal identity codes for it.
 */
static void
join(struct office *parent, struct office *child, const struct buf *rootfile,
    const char *fpr, struct office *nat)
{
	struct office_cert c;
	struct cr_err e;
	struct buf k, cert;
	int own;

	buf_init(&k);
	buf_init(&cert);
	err_clear(&e);
	if (keys_trust(&child->adm, rootfile->data, rootfile->len, fpr, &c,
	    &e) != CR_OK || keys_export(&child->adm, &k, &c, &e) != CR_OK ||
	    keys_certify(&parent->adm, k.data, k.len, &cert, &c, &e) !=
	    CR_OK || keys_install(&child->adm, cert.data, cert.len, &c, &own,
	    &e) != CR_OK || (nat && keys_install(&nat->adm, cert.data,
	    cert.len, &c, &own, &e) != CR_OK))
		die(&e, "cannot certify office %s", child->code);
	buf_free(&k);
	buf_free(&cert);
}

/* --- births ---------------------------------------------------------------- */

static uint64_t
rnd(uint64_t *s)	/* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define PICK(s, v)	((v)[rnd(s) % (sizeof (v) / sizeof (v)[0])])

static const char *const fam_km[] = { "សុខ", "ចាន់", "ហេង", "លី", "គឹម",
	"ស៊ុន", "ម៉ៅ", "ឈឹម", "ជា", "កែវ", "សៅ", "ពេជ្រ", "ទេព", "ហ៊ុន" };
static const char *const fam_la[] = { "Sok", "Chan", "Heng", "Ly", "Kim",
	"Sun", "Mao", "Chhim", "Chea", "Keo", "Sao", "Pich", "Tep", "Hun" };
static const char *const giv_km[] = { "សុភា", "សុខា", "ចាន់ថា", "ដារ៉ា",
	"វិចិត្រ", "សុវណ្ណ", "ពិសិដ្ឋ", "រតនា", "សំណាង", "បុប្ផា", "ធីតា",
	"ចិន្តា", "មករា", "សុផល", "ពិសី", "ណារី" };
static const char *const giv_la[] = { "Sophea", "Sokha", "Chantha", "Dara",
	"Vichet", "Sovann", "Piseth", "Rathana", "Samnang", "Bopha", "Thida",
	"Chenda", "Makara", "Sophal", "Pisey", "Nary" };
static const char *const occupations[] = { "farmer", "កសិករ",
	"market vendor", "garment worker", "teacher", "fisher" };

static void
kidc(uint64_t *s, char out[KIDC_LEN + 1])
{
	int i;

	out[0] = (char)('1' + rnd(s) % 9);
	for (i = 1; i < KIDC_LEN - 1; i++)
		out[i] = (char)('0' + rnd(s) % 10);
	out[KIDC_LEN - 1] = '\0';
	out[KIDC_LEN - 1] = (char)('0' + kidc_verhoeff_digit(out));
	out[KIDC_LEN] = '\0';
}

static void
date_ago(uint64_t *s, int32_t today, unsigned min, unsigned span,
    char out[16])
{
	int y, m, d;

	date_from_days(today - (int32_t)min - (int32_t)(rnd(s) % span), &y,
	    &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* Birth number i of the office, as regist_declare would store it. */
static void
birth(const char *office, const char *id, uint64_t i, int32_t today,
    struct record *r)
{
	uint64_t s = SEED ^ (i * 0xd1b54a32d192ed03ULL);
	char v[160], k[KIDC_LEN + 1];
	unsigned f = (unsigned)(rnd(&s) % 14), g = (unsigned)(rnd(&s) % 16);
	unsigned mf = (unsigned)(rnd(&s) % 14), mg = (unsigned)(rnd(&s) % 16);

	rec_init(r);
	snprintf(r->id, sizeof r->id, "%s", id);
	r->kind = form_by_key("birth")->code;
	r->status = RS_DECLARED;
	r->action = RA_DECLARE;
	r->rev = 1;
	r->time = r->created = (int64_t)cr_now();
	snprintf(r->office, sizeof r->office, "%s", office);
	snprintf(r->author, sizeof r->author, "clerk");
	r->note = xstrdup("");
	rec_vv_bump(r, office);
	snprintf(v, sizeof v, "%s %s", fam_km[f], giv_km[g]);
	rec_set(r, "name_km", v);
	snprintf(v, sizeof v, "%s %s", fam_la[f], giv_la[g]);
	rec_set(r, "name_latin", v);
	rec_set(r, "sex", rnd(&s) % 2 ? "male" : "female");
	date_ago(&s, today, 1, 4 * 365, v);
	rec_set(r, "date_of_birth", v);
	snprintf(v, sizeof v, "%02u:%02u", (unsigned)(rnd(&s) % 24),
	    (unsigned)(rnd(&s) % 60));
	rec_set(r, "time_of_birth", v);
	rec_set(r, "place_of_birth", office);
	rec_set(r, "place_type", rnd(&s) % 2 ? "hospital" : "health_centre");
	snprintf(v, sizeof v, "មណ្ឌលសុខភាព %s", office);
	rec_set(r, "facility_name", v);
	rec_set(r, "attendant", rnd(&s) % 3 ? "midwife" : "doctor");
	rec_set(r, "birth_type", "single");
	snprintf(v, sizeof v, "%u", 1 + (unsigned)(rnd(&s) % 5));
	rec_set(r, "birth_order", v);
	snprintf(v, sizeof v, "%u", 1800 + (unsigned)(rnd(&s) % 2800));
	rec_set(r, "birth_weight", v);
	snprintf(v, sizeof v, "%s %s", fam_km[mf], giv_km[mg]);
	rec_set(r, "mother_name_km", v);
	rec_set(r, "informant_name", v);
	snprintf(v, sizeof v, "%s %s", fam_la[mf], giv_la[mg]);
	rec_set(r, "mother_name_latin", v);
	kidc(&s, k);
	rec_set(r, "mother_kidc", k);
	date_ago(&s, today, 16 * 365, 25 * 365, v);
	rec_set(r, "mother_date_of_birth", v);
	rec_set(r, "mother_nationality", "Khmer");
	rec_set(r, "mother_residence", office);
	rec_set(r, "mother_marital_status", "married");
	rec_set(r, "mother_occupation", PICK(&s, occupations));
	snprintf(v, sizeof v, "%s %s", fam_km[f], giv_km[(g + 3) % 16]);
	rec_set(r, "father_name_km", v);
	snprintf(v, sizeof v, "%s %s", fam_la[f], giv_la[(g + 3) % 16]);
	rec_set(r, "father_name_latin", v);
	kidc(&s, k);
	rec_set(r, "father_kidc", k);
	date_ago(&s, today, 18 * 365, 30 * 365, v);
	rec_set(r, "father_date_of_birth", v);
	rec_set(r, "father_occupation", PICK(&s, occupations));
	rec_set(r, "informant_relationship", "mother");
}

struct fill {
	const char	*office;
	size_t		 n, done, bytes;
	int32_t		 today;
};

static int
fill_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct fill *fl = arg;
	struct record r;
	struct buf b;
	char id[REC_IDLEN];
	size_t i;
	int rc = CR_OK;

	buf_init(&b);
	for (i = 0; rc == CR_OK && i < BATCH && fl->done + i < fl->n; i++) {
		if ((rc = regist_next_id(tx, fl->office, id, e)) != CR_OK)
			break;
		birth(fl->office, id, fl->done + i, fl->today, &r);
		if (fl->done + i == 0) {
			rec_encode(&r, &b);
			fl->bytes = b.len;
		}
		rc = regist_put_revision(tx, &r, 1, e);
		rec_free(&r);
	}
	buf_free(&b);
	return rc;
}

/* Writes n births at the commune (not timed). */
static size_t
fill_office(struct office *o, size_t n)
{
	struct fill fl;
	struct cr_err e;
	double t0;

	memset(&fl, 0, sizeof fl);
	fl.office = o->code;
	fl.n = n;
	fl.today = date_today();
	t0 = now_sec();
	while (fl.done < n) {
		if (store_run(o->reg.store, fill_txn, &fl, &e) != CR_OK)
			die(&e, "cannot write the births");
		fl.done += BATCH < n - fl.done ? BATCH : n - fl.done;
	}
	fprintf(stderr, "bench_import: %zu births written at %s in %.1f s "
	    "(not timed)\n", n, o->code, now_sec() - t0);
	return fl.bytes;
}

struct run {
	double	 export_s, import_s, import_cpu;
	off_t	 size;
};

/* Exports the commune's births to the province and imports them there. */
static void
send(struct office *from, struct office *to, const char *usb, size_t n,
    struct run *run)
{
	struct sync_result out, in;
	struct cr_err e;
	struct stat sb;
	double t1, t2, c2;

	err_clear(&e);
	t1 = now_sec();
	if (sync_export(&from->reg, to->code, usb, &out, &e) != CR_OK)
		die(&e, "export");
	t2 = now_sec();
	if (out.records != n)
		die(NULL, "%zu revisions exported, not %zu", out.records, n);
	if (stat(out.path, &sb) != 0)
		die(NULL, "no file %s", out.path);
	run->export_s = t2 - t1;
	run->size = sb.st_size;
	c2 = cpu_sec();
	t2 = now_sec();
	if (sync_import(&to->reg, out.path, usb, &in, &e) != CR_OK)
		die(&e, "import");
	run->import_s = now_sec() - t2;
	run->import_cpu = cpu_sec() - c2;
	if (in.applied != n)
		die(NULL, "%zu applied, not %zu", in.applied, n);
}

/* --- identity codes -------------------------------------------------------- */

struct codes_run {
	double	 gen_s, alloc_s, import_s;
	off_t	 size;
};

/* The national office makes n codes and sends them all to office to. */
static void
send_codes(struct office *nat, struct office *to, const char *usb, size_t n,
    struct codes_run *cr)
{
	struct session natl;
	struct kidc_stats st;
	struct kidc_alloc a;
	struct sync_result in;
	struct cr_err e;
	struct stat sb;
	double t;

	err_clear(&e);
	if (user_add(&nat->adm, "natl", ROLE_NATIONAL, "", REG_PW, &e) !=
	    CR_OK || user_login(nat->adm.store, "natl", REG_PW, &natl, &e) !=
	    CR_OK)
		die(&e, "cannot add a national officer");
	t = now_sec();
	if (kidc_pool_generate(&natl, n, NULL, NULL, &st, &e) != CR_OK)
		die(&e, "kidc generate");
	cr->gen_s = now_sec() - t;
	t = now_sec();
	if (kidc_pool_allocate(&natl, to->code, n, usb, &a, &e) != CR_OK)
		die(&e, "kidc allocate");
	cr->alloc_s = now_sec() - t;
	if (stat(a.path, &sb) != 0)
		die(NULL, "no file %s", a.path);
	cr->size = sb.st_size;
	t = now_sec();
	if (sync_import(&to->reg, a.path, NULL, &in, &e) != CR_OK)
		die(&e, "import of the allocation");
	cr->import_s = now_sec() - t;
	if (in.codes != n)
		die(NULL, "%zu codes received, not %zu", in.codes, n);
}

/* --- main ------------------------------------------------------------------ */

static void
usage(void)
{
	fprintf(stderr, "usage: bench_import [--records N] [--codes N] "
	    "[--dir DIR] [--keep]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "records", required_argument, NULL, 'n' },
		{ "codes", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct office nat = { "00", LV_NATIONAL, { 0 }, { 0 }, "" };
	struct office prov = { "12", LV_PROVINCE, { 0 }, { 0 }, "" };
	struct office com = { "120101", LV_COMMUNE, { 0 }, { 0 }, "" };
	struct office com2 = { "120102", LV_COMMUNE, { 0 }, { 0 }, "" };
	struct office_cert c;
	struct run first, second;
	struct codes_run codes;
	struct cr_err e;
	struct buf rootfile;
	struct utsname un;
	struct stat sb;
	char fpr[KEYS_FPR_HEX + 1], usb[4200];
	const char *dir = NULL;
	size_t n = 100000, ncodes = 100000, bytes;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			ncodes = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'K':
			keep = 1;
			break;
		default:
			usage();
		}
	if (optind != argc || n == 0 || ncodes == 0 ||
	    ncodes > KIDC_ALLOCATE_MAX)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	err_clear(&e);
	if (crypto_init(&e) != CR_OK)
		die(&e, "crypto_init");
	if (dir) {
		snprintf(root, sizeof root, "%s", dir);
		if (stat(dir, &sb) != 0 && mkdir(dir, 0700) != 0)
			die(NULL, "cannot create %s: %s", dir, strerror(errno));
	} else {
		snprintf(root, sizeof root, "/tmp/civreg-bench-XXXXXX");
		if (mkdtemp(root) == NULL)
			die(NULL, "cannot make a scratch directory: %s",
			    strerror(errno));
		made_root = 1;
	}
	snprintf(usb, sizeof usb, "%s/usb", root);
	if (mkdir(usb, 0700) != 0)
		die(NULL, "cannot create %s: %s", usb, strerror(errno));

	make_office(&nat);
	make_office(&prov);
	make_office(&com);
	make_office(&com2);
	buf_init(&rootfile);
	if (keys_export(&nat.adm, &rootfile, &c, &e) != CR_OK)
		die(&e, "keys export");
	keys_fingerprint(c.sign_pk, fpr);
	join(&nat, &prov, &rootfile, fpr, NULL);
	join(&prov, &com, &rootfile, fpr, &nat);
	join(&prov, &com2, &rootfile, fpr, &nat);
	buf_free(&rootfile);

	bytes = fill_office(&com, n);
	fill_office(&com2, n);
	send(&com, &prov, usb, n, &first);
	send(&com2, &prov, usb, n, &second);
	send_codes(&nat, &com, usb, ncodes, &codes);

	uname(&un);
	printf("bench_import: %zu births of %zu bytes (encoded), file of %.1f "
	    "MB; %s %s, cache %s MB\n", n, bytes, (double)first.size / 1e6,
	    un.sysname, un.machine, getenv("CIVREG_CACHE_MB") ?
	    getenv("CIVREG_CACHE_MB") : "64 (default)");
	printf("export   N=%-7zu %8.0f rec/s  (%.2f s)\n", n,
	    (double)n / first.export_s, first.export_s);
	printf("import   N=%-7zu %8.0f rec/s  (%.2f s, one transaction; "
	    "%.2f s CPU)\n", n, (double)n / first.import_s, first.import_s,
	    first.import_cpu);
	printf("import+  N=%-7zu %8.0f rec/s  (%.2f s, into a store of %zu; "
	    "%.2f s CPU)\n", n, (double)n / second.import_s, second.import_s,
	    n, second.import_cpu);
	printf("codes    N=%-7zu generate %.0f codes/s (%.2f s); allocate "
	    "%.0f codes/s (%.2f s, file of %.1f MB); import %.0f codes/s "
	    "(%.2f s)\n", ncodes, (double)ncodes / codes.gen_s, codes.gen_s,
	    (double)ncodes / codes.alloc_s, codes.alloc_s,
	    (double)codes.size / 1e6, (double)ncodes / codes.import_s,
	    codes.import_s);
	store_close(nat.reg.store);
	store_close(prov.reg.store);
	store_close(com.reg.store);
	store_close(com2.reg.store);
	cleanup();
	return 0;
}
