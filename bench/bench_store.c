/*
 * bench_store.c -- how fast civreg registers and finds records.
 *
 * One run measures, through the core API only (no <db.h>, no <gcrypt.h>):
 *
 *   register_*  N birth declarations through regist_declare(), one
 *               transaction each: validation, record, history, change log,
 *               audit entry, and the 5 secondary indexes of records.db.
 *   raw_put_*   the same N records, encoded with rec_encode(), written with
 *               store_put(ST_RECORDS) one per transaction: Berkeley DB
 *               still maintains the same 5 indexes (store.c), so
 *               this is the thinnest path to a stored, indexed record.
 *   ratio_*     register rate / raw put rate.
 *   *_sync      default durable commits; *_nosync: STORE_NOSYNC.
 *   search_*    regist_search() latency on a store of M records, for
 *               names that exist (Khmer and Latin, 1 or 2 tokens), with
 *               durable commits: each search appends an audit entry.
 *               The store is filled with STORE_NOSYNC, by default with
 *               store_put, 1000 records a transaction (records.db and its
 *               indexes: all that search reads), since regist_declare()
 *               takes about 9 minutes for 1M records (--build declare).
 *               Searching stops after --search-budget seconds (600): the
 *               queries come in random order, so the ones done are a fair
 *               sample of the K asked for.
 *   *_rare      then 200 names given once (declared after the load) and
 *   *_absent    100 given to nobody, each searched once: the long tail of
 *               a real register, which the generator's few names lack.
 *   digitize_*  the paper back-log (--digitize N), below.
 *   floor       --floor N: what Berkeley DB alone costs for the records
 *               of a load (phase_floor).
 *
 * Every store is a fresh one in a scratch directory (a mkdtemp under /tmp
 * unless --dir), made with office_init(); declarations are made by a
 * clerk that the administrator added.  Records are generated from a fixed
 * seed, so two runs write the same data.  Timings cover the loop only:
 * generating and encoding the records, opening, logging in and closing
 * (with its final checkpoint) are outside the clock -- except for the
 * paper back-log (--digitize), whose loads are timed to the end of
 * closing: with a big cache, the last checkpoint writes gigabytes, and a
 * clerk's 'civreg digitize import' waits for it.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "civreg.h"

#define OFFICE		"120101"
#define ADMIN		"admin"
#define ADMIN_PW	"bench-admin-password"
#define CLERK		"clerk"
#define CLERK_PW	"bench-clerk-password"
#define FORM_KEY	"birth"
#define SEQ_WIDTH	8	/* as regist_next_id() */
#define SEARCH_LIMIT	100	/* as 'civreg search' */
#define PUT_BATCH	1000	/* records per transaction when bulk-loading */
#define MAXKV		40
#define ARENA		2048
#define PROGRESS_SEC	10.0
#define SEED		0x63697672656742ULL

/* --- scratch directory, and leaving cleanly ------------------------------ */

static struct {
	char	*root;
	int	 made_root;	/* we created it: remove it at the end */
	int	 keep;
	char	*stores[8];	/* store directories made under root */
	size_t	 nstores;
} scratch;

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "bench_store: cannot remove %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
rm_tree(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return;
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Removes one store now (unless --keep), to spare the disk. */
static void
scratch_drop(const char *path)
{
	size_t i;

	if (scratch.keep)
		return;
	for (i = 0; i < scratch.nstores; i++)
		if (scratch.stores[i] && strcmp(scratch.stores[i], path) == 0) {
			rm_tree(scratch.stores[i]);
			free(scratch.stores[i]);
			scratch.stores[i] = NULL;
		}
}

static void
scratch_cleanup(void)
{
	size_t i;

	for (i = 0; i < scratch.nstores; i++) {
		if (scratch.stores[i] && !scratch.keep)
			rm_tree(scratch.stores[i]);
		free(scratch.stores[i]);
		scratch.stores[i] = NULL;
	}
	scratch.nstores = 0;
	if (scratch.root == NULL)
		return;
	if (scratch.keep)
		fprintf(stderr, "bench_store: stores kept in %s\n",
		    scratch.root);
	else if (scratch.made_root && rmdir(scratch.root) != 0)
		fprintf(stderr, "bench_store: cannot remove %s: %s\n",
		    scratch.root, strerror(errno));
	free(scratch.root);
	scratch.root = NULL;
}

static void
fail(const struct cr_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void
fail(const struct cr_err *e, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bench_store: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e != NULL)
		fprintf(stderr, ": %s (%s)", e->msg[0] ? e->msg :
		    "no message", err_name(e->code));
	fprintf(stderr, "\n");
	scratch_cleanup();
	exit(1);
}

/* A new store directory under root; only those are ever removed. */
static char *
scratch_path(const char *name)
{
	size_t n = strlen(scratch.root) + strlen(name) + 2;
	struct stat sb;
	char *p;

	if (scratch.nstores == sizeof scratch.stores / sizeof scratch.stores[0])
		fail(NULL, "internal: too many stores");
	p = xmalloc(n);
	snprintf(p, n, "%s/%s", scratch.root, name);
	if (lstat(p, &sb) == 0) {
		fprintf(stderr, "bench_store: %s already exists: give --dir a "
		    "new or empty directory\n", p);
		free(p);
		fail(NULL, "nothing was measured");
	}
	scratch.stores[scratch.nstores++] = p;
	return p;
}

static void
scratch_init(const char *dir)
{
	struct stat sb;
	char tmpl[] = "/tmp/civreg-bench-XXXXXX";

	if (dir == NULL) {
		if (mkdtemp(tmpl) == NULL)
			fail(NULL, "cannot make a scratch directory in /tmp: %s",
			    strerror(errno));
		scratch.root = xstrdup(tmpl);
		scratch.made_root = 1;
		return;
	}
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			fail(NULL, "--dir %s is not a directory", dir);
	} else if (mkdir(dir, 0770) == 0)
		scratch.made_root = 1;
	else
		fail(NULL, "cannot create --dir %s: %s", dir, strerror(errno));
	scratch.root = xstrdup(dir);
}

/* Bytes of the databases (*.db) of one store: no logs, no regions. */
static double
dir_bytes(const char *path)
{
	char f[4096];
	struct dirent *de;
	struct stat sb;
	double total = 0;
	DIR *dp;

	if ((dp = opendir(path)) == NULL)
		fail(NULL, "cannot read %s: %s", path, strerror(errno));
	while ((de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 4 || strcmp(de->d_name + len - 3, ".db") != 0)
			continue;
		snprintf(f, sizeof f, "%s/%s", path, de->d_name);
		if (stat(f, &sb) == 0 && S_ISREG(sb.st_mode))
			total += (double)sb.st_size;
	}
	closedir(dp);
	return total;
}

/* --- time ---------------------------------------------------------------- */

static double
now_sec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fail(NULL, "clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress {
	const char	*label;
	size_t		 total;
	double		 t0;
	double		 last;
};

static void
progress_start(struct progress *p, const char *label, size_t total)
{
	p->label = label;
	p->total = total;
	p->t0 = p->last = now_sec();
}

static void
progress(struct progress *p, size_t done)
{
	double t = now_sec();

	if (t - p->last < PROGRESS_SEC && done != p->total)
		return;
	p->last = t;
	fprintf(stderr, "  %-16s %zu/%zu (%.0f%%) %.1f s, %.0f/s\n", p->label,
	    done, p->total, 100.0 * (double)done / (double)p->total,
	    t - p->t0, t > p->t0 ? (double)done / (t - p->t0) : 0.0);
}

/* --- generated declarations ---------------------------------------------- */

struct name {
	const char	*km;
	const char	*latin;
};

static const struct name families[] = {
	{ "សុខ", "Sok" }, { "ចាន់", "Chan" }, { "ហេង", "Heng" },
	{ "លី", "Ly" }, { "គឹម", "Kim" }, { "ស៊ុន", "Sun" },
	{ "ម៉ៅ", "Mao" }, { "ឈឹម", "Chhim" }, { "ជា", "Chea" },
	{ "កែវ", "Keo" }, { "សៅ", "Sao" }, { "ពេជ្រ", "Pich" },
	{ "ទេព", "Tep" }, { "ហ៊ុន", "Hun" }, { "យឹម", "Yim" },
	{ "ម៉ម", "Mom" }, { "ឡុង", "Long" }, { "ឃុន", "Khun" },
	{ "ញឹក", "Nhek" }, { "ប៊ុន", "Bun" }, { "ស៊ឹម", "Sim" },
	{ "អ៊ុក", "Ouk" }, { "អ៊ឹម", "Im" }, { "ម៉េង", "Meng" },
	{ "សេង", "Seng" }, { "ហួត", "Huot" }, { "វង្ស", "Vong" },
	{ "តាំង", "Taing" }, { "ផល", "Phal" }, { "ខៀវ", "Khiev" },
	{ "ឌី", "Dy" }, { "នួន", "Nuon" }, { "ពៅ", "Pov" },
	{ "រស់", "Ros" }, { "សួន", "Suon" }, { "ថាច់", "Thach" },
	{ "ឈួន", "Chhuon" }, { "ប្រាក់", "Prak" }, { "ស្រេង", "Sreng" },
	{ "អ៊ាង", "Ang" }
};

static const struct name givens[] = {
	{ "សុភា", "Sophea" }, { "សុខា", "Sokha" }, { "ចាន់ថា", "Chantha" },
	{ "ដារ៉ា", "Dara" }, { "វិចិត្រ", "Vichet" }, { "សុវណ្ណ", "Sovann" },
	{ "ពិសិដ្ឋ", "Piseth" }, { "រតនា", "Rathana" },
	{ "សំណាង", "Samnang" }, { "បុប្ផា", "Bopha" },
	{ "ស្រីល័ក្ខ", "Sreyleak" }, { "ធីតា", "Thida" },
	{ "ចិន្តា", "Chenda" }, { "សុភ័ក្រ", "Sopheak" },
	{ "វណ្ណៈ", "Vannak" }, { "រដ្ឋា", "Ratha" }, { "មករា", "Makara" },
	{ "សុផល", "Sophal" }, { "សុខុម", "Sokhom" }, { "ពិសី", "Pisey" },
	{ "ណារី", "Nary" }, { "ស្រីពៅ", "Sreypov" }, { "កញ្ញា", "Kanha" },
	{ "ដាវី", "Davy" }, { "លក្ខិណា", "Leakhena" },
	{ "សុធារី", "Sotheary" }, { "មុន្នី", "Monny" },
	{ "វុទ្ធី", "Vuthy" }, { "សុជាតិ", "Socheat" }, { "វិសាល", "Visal" },
	{ "បញ្ញា", "Panha" }, { "ភក្តី", "Pheakdey" },
	{ "សុភាព", "Sopheap" }, { "ចន្ទ្រា", "Chantrea" },
	{ "រិទ្ធី", "Rithy" }, { "សារ៉ាត់", "Sarath" }, { "វាសនា", "Veasna" },
	{ "ពន្លក", "Ponlok" }, { "សុវត្ថិ", "Sovath" }, { "ធារ៉ា", "Theara" },
	{ "សេរី", "Serey" }, { "កុសល", "Kosal" }, { "ចំរើន", "Chamroeun" },
	{ "នារី", "Neary" }, { "សុម៉ាលី", "Somaly" }, { "ស្រីនិច", "Sreynich" },
	{ "ម៉ាលីស", "Malis" }, { "លីដា", "Lida" }, { "សុធា", "Sothea" },
	{ "ពិសាល", "Pisal" }, { "វីរៈ", "Virak" }, { "សុខេង", "Sokheng" },
	{ "ចរិយា", "Chariya" }, { "រស្មី", "Reaksmey" }, { "សុផាត", "Sophat" },
	{ "បូរ៉ា", "Bora" }, { "ស៊ីណាត", "Sinat" }, { "គន្ធា", "Kunthea" },
	{ "សុគុណ", "Sokun" }, { "ផល្លា", "Phalla" }
};

#define NFAMILIES	(sizeof families / sizeof families[0])
#define NGIVENS		(sizeof givens / sizeof givens[0])

static const char *const occupations[] = {
	"farmer", "កសិករ", "market vendor", "garment worker", "teacher",
	"គ្រូបង្រៀន", "fisher", "civil servant", "construction worker",
	"motodop driver"
};

struct rng {
	uint64_t	s;
};

static uint64_t
rng_next(struct rng *r)	/* splitmix64 */
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static int
rng_pct(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

struct gen {
	int32_t		 today;
	char		(*communes)[7];	/* gazetteer codes, or none */
	size_t		 ncommunes;
};

/* One declaration: key=value pairs whose values live in the arena. */
struct decl {
	struct kv	kv[MAXKV];
	size_t		n;
	size_t		used;
	char		arena[ARENA];
	/* for queries: which names this record has */
	const struct name *child_fam, *child_given, *mother_fam, *mother_given;
	int		child_latin, mother_latin;
};

static void
decl_add(struct decl *d, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
decl_add(struct decl *d, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->n == MAXKV)
		fail(NULL, "internal: too many fields");
	va_start(ap, fmt);
	n = vsnprintf(d->arena + d->used, ARENA - d->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= ARENA - d->used)
		fail(NULL, "internal: declaration arena too small");
	d->kv[d->n].key = (char *)key;
	d->kv[d->n].value = d->arena + d->used;
	d->used += (size_t)n + 1;
	d->n++;
}

static void
fmt_date(int32_t days, char out[16])
{
	int y, m, d;

	date_from_days(days, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

static void
gen_place(const struct gen *g, struct rng *r, char out[16])
{
	if (g->ncommunes > 0)
		snprintf(out, 16, "%s", g->communes[rng_below(r,
		    (unsigned)g->ncommunes)]);
	else
		snprintf(out, 16, "%02u%02u%02u", 1 + rng_below(r, 25),
		    1 + rng_below(r, 14), 1 + rng_below(r, 12));
}

/* 11 random digits and a Verhoeff check digit; sometimes with spaces. */
static void
gen_kidc(struct rng *r, char out[20])
{
	char d[KIDC_LEN + 1];
	int i;

	d[0] = (char)('1' + rng_below(r, 9));
	for (i = 1; i < KIDC_LEN - 1; i++)
		d[i] = (char)('0' + rng_below(r, 10));
	d[KIDC_LEN - 1] = '\0';
	d[KIDC_LEN - 1] = (char)('0' + kidc_verhoeff_digit(d));
	d[KIDC_LEN] = '\0';
	if (rng_pct(r, 30))
		snprintf(out, 20, "%.4s %.4s %.4s", d, d + 4, d + 8);
	else
		snprintf(out, 20, "%s", d);
}

static const char *
pick(struct rng *r, const char *const *v, size_t n)
{
	return v[rng_below(r, (unsigned)n)];
}

#define PICK(r, ...) \
	pick((r), (const char *const[]){ __VA_ARGS__ }, \
	    sizeof (const char *const[]){ __VA_ARGS__ } / sizeof(const char *))

/* Declaration number i: the same i always gives the same declaration. */
static void
gen_decl(const struct gen *g, uint64_t i, struct decl *d)
{
	struct rng r = { SEED ^ (i * 0xd1b54a32d192ed03ULL) };
	const struct name *cf, *cg, *mf, *mg, *ff, *fg;
	char pob[16], res[16], dob[16], mdob[16], fdob[16], mkidc[20];
	char fkidc[20];
	const char *ptype, *rel;
	int32_t birth;
	int father, order = 0;
	unsigned w;

	d->n = d->used = 0;
	rng_next(&r);
	mf = &families[rng_below(&r, NFAMILIES)];
	mg = &givens[rng_below(&r, NGIVENS)];
	ff = &families[rng_below(&r, NFAMILIES)];
	fg = &givens[rng_below(&r, NGIVENS)];
	cf = rng_pct(&r, 85) ? ff : mf;		/* mostly the father's name */
	cg = &givens[rng_below(&r, NGIVENS)];
	father = rng_pct(&r, 85);
	birth = g->today - 1 - (int32_t)rng_below(&r, 4 * 365);
	fmt_date(birth, dob);
	fmt_date(birth - 16 * 365 - (int32_t)rng_below(&r, 29 * 365), mdob);
	fmt_date(birth - 18 * 365 - (int32_t)rng_below(&r, 35 * 365), fdob);
	gen_place(g, &r, pob);
	if (rng_pct(&r, 80))
		snprintf(res, sizeof res, "%s", pob);
	else
		gen_place(g, &r, res);

	d->child_fam = cf;
	d->child_given = cg;
	d->mother_fam = mf;
	d->mother_given = mg;
	d->child_latin = rng_pct(&r, 90);
	d->mother_latin = rng_pct(&r, 80);

	decl_add(d, "name_km", "%s %s", cf->km, cg->km);
	if (d->child_latin)
		decl_add(d, "name_latin", "%s %s", cf->latin, cg->latin);
	decl_add(d, "sex", "%s", PICK(&r, "male", "female"));
	decl_add(d, "date_of_birth", "%s", dob);
	if (rng_pct(&r, 70))
		decl_add(d, "time_of_birth", "%02u:%02u", rng_below(&r, 24),
		    rng_below(&r, 60));
	decl_add(d, "place_of_birth", "%s", pob);
	w = rng_below(&r, 100);
	ptype = w < 40 ? "hospital" : w < 75 ? "health_centre" : w < 95 ?
	    "home" : "other";
	decl_add(d, "place_type", "%s", ptype);
	if (strcmp(ptype, "hospital") == 0)
		decl_add(d, "facility_name", "%s %s", PICK(&r,
		    "មន្ទីរពេទ្យបង្អែក", "Referral Hospital"), pob);
	else if (strcmp(ptype, "health_centre") == 0)
		decl_add(d, "facility_name", "%s %s", PICK(&r,
		    "មណ្ឌលសុខភាព", "Health Centre"), pob);
	if (strcmp(ptype, "home") == 0)
		decl_add(d, "attendant", "%s", PICK(&r,
		    "traditional_birth_attendant", "midwife", "none", "other"));
	else
		decl_add(d, "attendant", "%s", PICK(&r, "doctor", "midwife",
		    "midwife", "nurse"));
	w = rng_below(&r, 1000);
	decl_add(d, "birth_type", "%s", w < 970 ? "single" : w < 995 ?
	    "twin" : "triplet_or_more");
	if (rng_pct(&r, 80)) {
		order = 1 + (int)rng_below(&r, 6);
		decl_add(d, "birth_order", "%d", order);
	}
	if (rng_pct(&r, 75))
		decl_add(d, "birth_weight", "%u", 1800 + rng_below(&r, 2800));

	decl_add(d, "mother_name_km", "%s %s", mf->km, mg->km);
	if (d->mother_latin)
		decl_add(d, "mother_name_latin", "%s %s", mf->latin, mg->latin);
	mkidc[0] = '\0';
	if (rng_pct(&r, 50)) {
		gen_kidc(&r, mkidc);
		decl_add(d, "mother_kidc", "%s", mkidc);
	}
	decl_add(d, "mother_date_of_birth", "%s", mdob);
	decl_add(d, "mother_nationality", "%s", PICK(&r, "Khmer", "Khmer",
	    "ខ្មែរ", "Cham", "Vietnamese"));
	decl_add(d, "mother_residence", "%s", res);
	if (rng_pct(&r, 70))
		decl_add(d, "mother_marital_status", "%s", PICK(&r, "married",
		    "married", "married", "never_married", "widowed",
		    "divorced", "separated"));
	if (rng_pct(&r, 60))
		decl_add(d, "mother_education", "%s", PICK(&r, "none",
		    "primary", "lower_secondary", "upper_secondary",
		    "higher"));
	if (rng_pct(&r, 50))
		decl_add(d, "mother_occupation", "%s", pick(&r, occupations,
		    sizeof occupations / sizeof occupations[0]));
	if (order > 0 && rng_pct(&r, 60))
		decl_add(d, "mother_children_born_alive", "%d", order +
		    (int)rng_below(&r, 2));

	fkidc[0] = '\0';
	if (father) {
		decl_add(d, "father_name_km", "%s %s", ff->km, fg->km);
		if (rng_pct(&r, 80))
			decl_add(d, "father_name_latin", "%s %s", ff->latin,
			    fg->latin);
		if (rng_pct(&r, 40)) {
			gen_kidc(&r, fkidc);
			decl_add(d, "father_kidc", "%s", fkidc);
		}
		if (rng_pct(&r, 80))
			decl_add(d, "father_date_of_birth", "%s", fdob);
		if (rng_pct(&r, 80))
			decl_add(d, "father_nationality", "%s", PICK(&r,
			    "Khmer", "Khmer", "ខ្មែរ", "Cham", "Chinese"));
		if (rng_pct(&r, 50))
			decl_add(d, "father_occupation", "%s", pick(&r,
			    occupations, sizeof occupations /
			    sizeof occupations[0]));
	}

	w = rng_below(&r, 100);
	if (w < 70) {
		rel = "mother";
		decl_add(d, "informant_name", "%s %s", mf->km, mg->km);
		if (mkidc[0])
			decl_add(d, "informant_kidc", "%s", mkidc);
	} else if (w < 90 && father) {
		rel = "father";
		decl_add(d, "informant_name", "%s %s", ff->km, fg->km);
		if (fkidc[0])
			decl_add(d, "informant_kidc", "%s", fkidc);
	} else {
		rel = PICK(&r, "grandparent", "other_relative",
		    "health_worker", "village_chief");
		decl_add(d, "informant_name", "%s %s",
		    families[rng_below(&r, NFAMILIES)].km,
		    givens[rng_below(&r, NGIVENS)].km);
	}
	decl_add(d, "informant_relationship", "%s", rel);
}

/*
 * The record regist_declare() would store for d, built the same way
 * (declare_txn in regist.c): fields in form order, empty ones left out,
 * identity codes as bare digits.
 */
static void
build_record(const struct form *f, const struct decl *d, uint64_t seq,
    int64_t when, struct record *r)
{
	size_t i, j;

	rec_init(r);
	snprintf(r->id, sizeof r->id, "%s-%0*llu", OFFICE, SEQ_WIDTH,
	    (unsigned long long)seq);
	r->kind = f->code;
	r->status = f->cls == FC_NOTICE ? RS_NOTIFIED : RS_DECLARED;
	r->action = f->cls == FC_NOTICE ? RA_NOTIFY : RA_DECLARE;
	r->rev = 1;
	r->time = r->created = when;
	snprintf(r->office, sizeof r->office, "%s", OFFICE);
	snprintf(r->author, sizeof r->author, "%s", CLERK);
	r->note = xstrdup("");
	rec_vv_bump(r, OFFICE);
	r->fields = xcalloc(d->n, sizeof *r->fields);
	for (i = 0; i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];

		for (j = 0; j < d->n; j++) {
			char code[KIDC_LEN + 1], why[160];

			if (strcmp(d->kv[j].key, ff->key) != 0 ||
			    d->kv[j].value[0] == '\0')
				continue;
			r->fields[r->nfields].key = xstrdup(ff->key);
			if (ff->type == FT_KIDC && kidc_normalize(
			    d->kv[j].value, code, why, sizeof why) == 0)
				r->fields[r->nfields].value = xstrdup(code);
			else
				r->fields[r->nfields].value =
				    xstrdup(d->kv[j].value);
			r->nfields++;
		}
	}
}

/* Commune codes (first column) of DIR/communes.csv. */
static void
load_communes(const char *dir, struct gen *g)
{
	char path[4096], line[4096];
	FILE *fp;
	size_t len;

	snprintf(path, sizeof path, "%s/communes.csv", dir);
	if ((fp = fopen(path, "r")) == NULL)
		fail(NULL, "cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, fp) != NULL) {
		len = strspn(line, "0123456789");
		if (len != 6 || line[6] != ',')
			continue;	/* header, or not a commune */
		g->communes = xrealloc(g->communes, (g->ncommunes + 1) *
		    sizeof *g->communes);
		memcpy(g->communes[g->ncommunes], line, 6);
		g->communes[g->ncommunes][6] = '\0';
		g->ncommunes++;
	}
	if (ferror(fp))
		fail(NULL, "cannot read %s", path);
	fclose(fp);
	if (g->ncommunes == 0)
		fail(NULL, "%s holds no commune codes", path);
}

/* --- stores -------------------------------------------------------------- */

/* The bench user's role: a clerk declares, a registrar digitizes. */
static int clerk_role = ROLE_CLERK;

struct opts {
	size_t		 records;
	size_t		 search_records;
	size_t		 searches;
	const char	*dir;
	const char	*gazetteer;	/* a directory that exists, or NULL */
	int		 keep;
	int		 build_put;	/* bulk-load the search store */
	double		 budget;	/* seconds of searching; 0: no limit */
	int		 digitize_only;	/* --digitize: no baseline, no dedup */
	const char	*searches_on;	/* --digitize: a kept store, searched */
	unsigned long long search_seed;	/* which names are searched */
};

/*
 * A new store named name under the scratch directory: office_init, the
 * administrator adds a clerk (and loads the gazetteer if asked), and the
 * clerk's session is returned, on a store opened with flags.
 */
static char *
fresh_store(const char *name, int flags, const char *gazetteer,
    struct session *clerk)
{
	struct office_init in;
	struct session admin;
	struct store *st;
	struct cr_err e;
	size_t count;
	char *path = scratch_path(name);

	memset(&in, 0, sizeof in);
	in.dir = path;
	in.office = OFFICE;
	in.level = LV_COMMUNE;
	in.admin = ADMIN;
	in.password = ADMIN_PW;
	err_clear(&e);
	if (office_init(&in, &e) != CR_OK)
		fail(&e, "office_init %s", path);
	if (store_open(path, flags, &st, &e) != CR_OK)
		fail(&e, "store_open %s", path);
	if (user_login(st, ADMIN, ADMIN_PW, &admin, &e) != CR_OK)
		fail(&e, "login as %s", ADMIN);
	if (user_add(&admin, CLERK, clerk_role, "Bench Clerk", CLERK_PW, &e) !=
	    CR_OK)
		fail(&e, "user_add %s", CLERK);
	if (gazetteer != NULL) {
		if (gazetteer_load(&admin, gazetteer, &count, &e) != CR_OK)
			fail(&e, "gazetteer_load %s", gazetteer);
	}
	if (user_login(st, CLERK, CLERK_PW, clerk, &e) != CR_OK)
		fail(&e, "login as %s", CLERK);
	return path;
}

static void
close_store(struct session *s)
{
	store_close(s->store);
	s->store = NULL;
}

/* --- phases -------------------------------------------------------------- */

struct result {
	double	secs;
	double	rate;
	double	bytes;
};

static void
print_rate(const char *label, const char *what, size_t n,
    const struct result *res)
{
	printf("%-17s %s=%-8zu %8.0f rec/s  (%.2f s, %.1f ms/rec, store "
	    "%.1f MB)\n", label, what, n, res->rate, res->secs,
	    1000.0 * res->secs / (double)n, res->bytes / 1048576.0);
	fflush(stdout);
}

static void
phase_register(const char *label, int flags, const struct opts *o,
    const struct decl *decls, size_t n, struct result *res)
{
	struct progress pg;
	struct session s;
	struct cr_err e;
	char id[REC_IDLEN], *path;
	double t0;
	size_t i;

	fprintf(stderr, "%s: %zu regist_declare() on a fresh store\n", label,
	    n);
	path = fresh_store(label, flags, o->gazetteer, &s);
	progress_start(&pg, label, n);
	t0 = now_sec();
	for (i = 0; i < n; i++) {
		err_clear(&e);
		if (regist_declare(&s, FORM_KEY, decls[i].kv, decls[i].n, id,
		    &e) != CR_OK)
			fail(&e, "%s: regist_declare of record %zu", label, i);
		progress(&pg, i + 1);
	}
	res->secs = now_sec() - t0;
	res->rate = (double)n / res->secs;
	close_store(&s);
	res->bytes = dir_bytes(path);
	print_rate(label, "N", n, res);
	scratch_drop(path);
}

static void
phase_raw(const char *label, int flags, const struct buf *enc,
    char (*ids)[REC_IDLEN], size_t n, struct result *res)
{
	struct progress pg;
	struct session s;
	struct txn *tx;
	struct cr_err e;
	char *path;
	double t0;
	size_t i;

	fprintf(stderr, "%s: %zu store_put(ST_RECORDS) on a fresh store\n",
	    label, n);
	path = fresh_store(label, flags, NULL, &s);
	progress_start(&pg, label, n);
	t0 = now_sec();
	for (i = 0; i < n; i++) {
		err_clear(&e);
		if (store_begin(s.store, &tx, &e) != CR_OK)
			fail(&e, "%s: store_begin", label);
		if (store_put(tx, ST_RECORDS, ids[i], strlen(ids[i]),
		    enc[i].data, enc[i].len, 1, &e) != CR_OK) {
			store_abort(tx);
			fail(&e, "%s: store_put of %s", label, ids[i]);
		}
		if (store_commit(tx, &e) != CR_OK)
			fail(&e, "%s: store_commit of %s", label, ids[i]);
		progress(&pg, i + 1);
	}
	res->secs = now_sec() - t0;
	res->rate = (double)n / res->secs;
	close_store(&s);
	res->bytes = dir_bytes(path);
	print_rate(label, "N", n, res);
	scratch_drop(path);
}

static void
print_ratio(const char *label, const struct result *full,
    const struct result *raw)
{
	printf("%-17s %.1f%%  (register rate / raw put rate; %.2f ms of "
	    "core work per declaration on top of the put)\n", label,
	    100.0 * full->rate / raw->rate,
	    1000.0 * (1.0 / full->rate - 1.0 / raw->rate));
	fflush(stdout);
}

/* Bulk-loads M records: encoded records, PUT_BATCH per transaction. */
static void
build_put(struct session *s, const struct gen *g, size_t m)
{
	const struct form *f = form_by_key(FORM_KEY);
	struct progress pg;
	struct record r;
	struct decl *d = xmalloc(sizeof *d);
	struct txn *tx;
	struct cr_err e;
	struct buf b;
	int64_t when = (int64_t)cr_now();
	size_t i = 0, j;

	buf_init(&b);
	progress_start(&pg, "build_search", m);
	while (i < m) {
		err_clear(&e);
		if (store_begin(s->store, &tx, &e) != CR_OK)
			fail(&e, "build: store_begin");
		for (j = 0; j < PUT_BATCH && i < m; j++, i++) {
			gen_decl(g, i, d);
			build_record(f, d, i + 1, when, &r);
			rec_encode(&r, &b);
			if (store_put(tx, ST_RECORDS, r.id, strlen(r.id),
			    b.data, b.len, 1, &e) != CR_OK) {
				store_abort(tx);
				fail(&e, "build: store_put of %s", r.id);
			}
			rec_free(&r);
		}
		/* Keep the record counter right, as regist_declare would. */
		if (i == m && meta_put_u64(tx, "seq.record", (uint64_t)m, &e) !=
		    CR_OK) {
			store_abort(tx);
			fail(&e, "build: meta_put_u64 seq.record");
		}
		if (store_commit(tx, &e) != CR_OK)
			fail(&e, "build: store_commit");
		progress(&pg, i);
	}
	buf_free(&b);
	free(d);
}

static void
build_declare(struct session *s, const struct gen *g, size_t m)
{
	struct progress pg;
	struct decl *d = xmalloc(sizeof *d);
	struct cr_err e;
	char id[REC_IDLEN];
	size_t i;

	progress_start(&pg, "build_search", m);
	for (i = 0; i < m; i++) {
		gen_decl(g, i, d);
		err_clear(&e);
		if (regist_declare(s, FORM_KEY, d->kv, d->n, id, &e) != CR_OK)
			fail(&e, "build: regist_declare of record %zu", i);
		progress(&pg, i + 1);
	}
	free(d);
}

enum { Q_KM1, Q_KM2, Q_LA1, Q_LA2, Q_NKINDS };
static const char *const qkind_names[Q_NKINDS] = {
	"khmer 1 token", "khmer 2 tokens", "latin 1 token", "latin 2 tokens"
};

struct query {
	char	text[160];
	int	kind;
	double	ms;
	size_t	hits;
};

/* A name of record j, whole or one of its tokens, Khmer or Latin. */
static void
gen_query(const struct gen *g, struct rng *r, size_t m, struct decl *d,
    struct query *q)
{
	const struct name *fam, *given;
	int latin, two, mother;

	gen_decl(g, rng_next(r) % m, d);
	mother = rng_pct(r, 30);
	latin = rng_pct(r, 50) && (mother ? d->mother_latin : d->child_latin);
	two = rng_pct(r, 50);
	fam = mother ? d->mother_fam : d->child_fam;
	given = mother ? d->mother_given : d->child_given;
	if (two)
		snprintf(q->text, sizeof q->text, "%s %s",
		    latin ? fam->latin : fam->km,
		    latin ? given->latin : given->km);
	else if (rng_pct(r, 50))
		snprintf(q->text, sizeof q->text, "%s",
		    latin ? given->latin : given->km);
	else
		snprintf(q->text, sizeof q->text, "%s",
		    latin ? fam->latin : fam->km);
	q->kind = latin ? (two ? Q_LA2 : Q_LA1) : (two ? Q_KM2 : Q_KM1);
	q->ms = 0;
	q->hits = 0;
}

static int
count_hit(void *arg, const struct record *r, double score)
{
	(void)r;
	(void)score;
	++*(size_t *)arg;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n-1]. */
static double
percentile(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	return v[k > n ? n - 1 : k - 1];
}

static void
fmt_count(size_t n, char *out, size_t sz)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(out, sz, "%zuM", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(out, sz, "%zuk", n / 1000);
	else
		snprintf(out, sz, "%zu", n);
}

/*
 * Rare names.  The generator's names are few (40 families, 60 given
 * names), so every name searched above is shared by thousands; a real
 * register has a long tail of names given once.  RARE_N records get a
 * child's given name of their own, made of three syllables by number
 * (RARE_N + RARE_ABSENT of them, none in the generator's lists), and the
 * names after RARE_N are never given: a clerk's misspelling.
 */
#define RARE_N		200
#define RARE_ABSENT	100

static void
rare_name(size_t i, char *km, size_t kmsz, char *latin, size_t lasz)
{
	static const char *const la[16] = {
		"ka", "ro", "vi", "nu", "se", "lo", "mi", "tu", "ra", "pe",
		"so", "di", "ne", "la", "cho", "bi"
	};
	static const char *const kc[16] = {
		"ក", "ខ", "គ", "ង", "ច", "ឆ", "ជ", "ញ", "ដ", "ត", "ថ", "ទ",
		"ន", "ប", "ផ", "ព"
	};
	static const char *const kv[8] = {
		"ា", "ិ", "ី", "ុ", "ូ", "េ", "ោ", "ៅ"
	};
	size_t n = i * 2654435761u % 4096;	/* spread over the 4096 */
	unsigned a = (unsigned)(n >> 8 & 15), b = (unsigned)(n >> 4 & 15),
	    c = (unsigned)(n & 15);

	snprintf(latin, lasz, "%c%s%s%s", la[a][0] - 'a' + 'A', la[a] + 1,
	    la[b], la[c]);
	snprintf(km, kmsz, "%s%s%s%s%s%s", kc[a], kv[a & 7], kc[b], kv[b & 7],
	    kc[c], kv[c & 7]);
}

/* Declaration i of the generator, its child given rare name i. */
static void
rare_decl(const struct gen *g, size_t i, struct decl *d, char *km,
    size_t kmsz, char *latin, size_t lasz)
{
	char rk[64], rl[64];
	size_t k;

	gen_decl(g, 0x7a4e0000u + i, d);
	rare_name(i, rk, sizeof rk, rl, sizeof rl);
	snprintf(km, kmsz, "%s %s", d->child_fam->km, rk);
	snprintf(latin, lasz, "%s %s", d->child_fam->latin, rl);
	for (k = 0; k < d->n; k++)
		if (strcmp(d->kv[k].key, "name_km") == 0)
			d->kv[k].value = km;
		else if (strcmp(d->kv[k].key, "name_latin") == 0)
			d->kv[k].value = latin;
	if (!d->child_latin) {		/* searched in both scripts */
		decl_add(d, "name_latin", "%s", latin);
		d->child_latin = 1;
	}
}

/* The RARE_N records, declared by the clerk on the store at path. */
static void
add_rare(const char *path, const struct gen *g)
{
	struct decl *d = xmalloc(sizeof *d);
	struct session s;
	struct store *st;
	struct cr_err e;
	char km[160], latin[160], id[REC_IDLEN];
	size_t i;

	err_clear(&e);
	if (store_open(path, 0, &st, &e) != CR_OK ||
	    user_login(st, CLERK, CLERK_PW, &s, &e) != CR_OK)
		fail(&e, "reopen %s", path);
	for (i = 0; i < RARE_N; i++) {
		rare_decl(g, i, d, km, sizeof km, latin, sizeof latin);
		err_clear(&e);
		if (regist_declare(&s, FORM_KEY, d->kv, d->n, id, &e) != CR_OK)
			fail(&e, "rare name %zu (%s)", i, latin);
	}
	close_store(&s);
	free(d);
}

static void
search_stats(const struct query *q, size_t k, int kind, double *med,
    double *p95, double *max, size_t *cnt, size_t *hits, size_t *capped)
{
	double *v = xcalloc(k ? k : 1, sizeof *v);
	size_t i, n = 0;

	*hits = *capped = 0;
	for (i = 0; i < k; i++)
		if (kind < 0 || q[i].kind == kind) {
			v[n++] = q[i].ms;
			*hits += q[i].hits;
			*capped += q[i].hits >= SEARCH_LIMIT;
		}
	qsort(v, n, sizeof *v, cmp_double);
	*med = percentile(v, n, 50);
	*p95 = percentile(v, n, 95);
	*max = n ? v[n - 1] : 0;
	*cnt = n;
	free(v);
}

static void search_on(const struct opts *, const struct gen *, const char *,
    const char *, size_t);

static void
phase_search(const struct opts *o, const struct gen *g)
{
	struct session s;
	struct result res;
	char lab[48], cnt[32], *path;
	double t0;

	fmt_count(o->search_records, cnt, sizeof cnt);
	snprintf(lab, sizeof lab, "search_%s", cnt);
	fprintf(stderr, "build_search: %zu records by %s (STORE_NOSYNC)\n",
	    o->search_records, o->build_put ? "store_put, 1000 per "
	    "transaction" : "regist_declare");
	path = fresh_store("search", STORE_NOSYNC, o->gazetteer, &s);
	t0 = now_sec();
	if (o->build_put)
		build_put(&s, g, o->search_records);
	else
		build_declare(&s, g, o->search_records);
	res.secs = now_sec() - t0;
	res.rate = (double)o->search_records / res.secs;
	close_store(&s);
	res.bytes = dir_bytes(path);
	print_rate(o->build_put ? "build_search_put" : "build_search_decl",
	    "M", o->search_records, &res);
	if (o->build_put)
		printf("%-17s records.db and its 5 indexes only (no history, "
		    "change log or audit entries): that is all search reads\n",
		    "");
	fflush(stdout);
	add_rare(path, g);
	search_on(o, g, path, lab, o->search_records);
	scratch_drop(path);
}

/*
 * One search, timed, its hits counted; 1 if the answer was "too many
 * records have a name beginning with ...: type more" -- timed and
 * counted with no hits, as a clerk gets it.
 */
static int
search_one(struct session *s, const char *lab, struct query *q)
{
	struct cr_err e;
	double t0 = now_sec();
	int more = 0;

	err_clear(&e);
	q->hits = 0;
	if (regist_search(s, q->text, SEARCH_LIMIT, count_hit, &q->hits,
	    &e) != CR_OK) {
		if (e.code != CR_EINVAL)
			fail(&e, "%s: regist_search '%s'", lab, q->text);
		more = 1;
	}
	q->ms = 1000.0 * (now_sec() - t0);
	return more;
}

/*
 * The rare names of add_rare() searched, and the absent ones, each in
 * four ways: the rare word alone or after the family name (as common as
 * any), in Khmer and in Latin.  A rare name must be found; a store made
 * by an older bench_store has none, and says so.
 */
static void
search_rare(struct session *s, const struct gen *g, const char *lab)
{
	struct decl *d = xmalloc(sizeof *d);
	struct query *q = xcalloc(RARE_N + RARE_ABSENT, sizeof *q);
	char km[160], latin[160], l2[80], *sp;
	double med, p95, max;
	size_t i, n, hits, capped, found = 0;

	for (i = 0; i < RARE_N + RARE_ABSENT; i++) {
		rare_decl(g, i, d, km, sizeof km, latin, sizeof latin);
		q[i].kind = (int)(i % Q_NKINDS);
		sp = q[i].kind == Q_KM1 || q[i].kind == Q_KM2 ? km : latin;
		if (q[i].kind == Q_KM1 || q[i].kind == Q_LA1)
			sp = strchr(sp, ' ') + 1;	/* the rare word */
		snprintf(q[i].text, sizeof q[i].text, "%s", sp);
		search_one(s, lab, &q[i]);
		if (i < RARE_N && q[i].hits > 0)
			found++;
	}
	free(d);
	snprintf(l2, sizeof l2, "%s_rare", lab);
	if (found == 0) {
		printf("%-17s this store has no rare names (made by an older "
		    "bench_store): not measured\n", l2);
		free(q);
		return;
	}
	for (i = 0; i < RARE_N; i++)
		if (q[i].hits == 0)
			fail(NULL, "%s: '%s' was declared and is not found", l2,
			    q[i].text);
	search_stats(q, RARE_N, -1, &med, &p95, &max, &n, &hits, &capped);
	printf("%-17s K=%-8zu median %.2f ms  p95 %.2f ms  max %.2f ms  "
	    "hits %.1f/search (each name given once: found, with the sounds "
	    "like it)\n", l2, n, med, p95, max, (double)hits / (double)n);
	for (i = 0; i < Q_NKINDS; i++) {
		search_stats(q, RARE_N, (int)i, &med, &p95, &max, &n, &hits,
		    &capped);
		printf("  %-15s %-16s n=%-5zu median %.2f ms  p95 %.2f ms  "
		    "max %.2f ms  hits %.1f/search\n", l2, qkind_names[i], n,
		    med, p95, max, n ? (double)hits / (double)n : 0.0);
	}
	snprintf(l2, sizeof l2, "%s_absent", lab);
	search_stats(q + RARE_N, RARE_ABSENT, -1, &med, &p95, &max, &n, &hits,
	    &capped);
	printf("%-17s K=%-8zu median %.2f ms  p95 %.2f ms  max %.2f ms  "
	    "hits %.1f/search (names nobody has: a misspelling)\n", l2, n,
	    med, p95, max, (double)hits / (double)n);
	fflush(stdout);
	free(q);
}

/* K searches on the store at path holding m generated records. */
static void
search_on(const struct opts *o, const struct gen *g, const char *path,
    const char *lab, size_t m)
{
	struct session s;
	struct progress pg;
	struct cr_err e;
	struct query *q;
	struct decl *d;
	struct rng r = { SEED ^ 0x5ea4c4ULL ^ o->search_seed };
	struct store *st;
	double med, p95, max, slow = -1;
	size_t i, n, k, hits, capped, zero = 0, slowest = 0, toomany = 0;
	double start;
	int kind;

	/* Search as a terminal would: durable commits. */
	err_clear(&e);
	if (store_open(path, 0, &st, &e) != CR_OK)
		fail(&e, "store_open %s", path);
	if (user_login(st, CLERK, CLERK_PW, &s, &e) != CR_OK)
		fail(&e, "login as %s", CLERK);
	q = xcalloc(o->searches, sizeof *q);
	d = xmalloc(sizeof *d);
	for (i = 0; i < o->searches; i++)
		gen_query(g, &r, m, d, &q[i]);
	free(d);
	fprintf(stderr, "%s: %zu regist_search() (limit %d, sync commits, "
	    "--search-seed %llu)\n", lab, o->searches, SEARCH_LIMIT,
	    o->search_seed);
	progress_start(&pg, lab, o->searches);
	start = now_sec();
	for (i = 0; i < o->searches; i++) {
		if (o->budget > 0 && now_sec() - start >= o->budget) {
			fprintf(stderr, "  %s: stopped after %zu searches: the "
			    "%.0f s budget (--search-budget) is spent\n", lab,
			    i, o->budget);
			break;
		}
		toomany += search_one(&s, lab, &q[i]);
		if (q[i].hits == 0)
			zero++;
		if (q[i].ms > slow) {
			slow = q[i].ms;
			slowest = i;
		}
		progress(&pg, i + 1);
	}
	k = i;

	search_stats(q, k, -1, &med, &p95, &max, &n, &hits, &capped);
	printf("%-17s K=%-8zu median %.2f ms  p95 %.2f ms  max %.2f ms "
	    "('%s')  hits %zu (%.1f/search, %zu at the limit of %d, %zu "
	    "with none)\n", lab, n, med, p95, max, k ? q[slowest].text : "",
	    hits, n ? (double)hits / (double)n : 0.0, capped, SEARCH_LIMIT,
	    zero);
	if (toomany)
		printf("%-17s %zu of them answered 'too many records have a "
		    "name beginning with ...: type more' (counted, with no "
		    "hits)\n", "", toomany);
	if (k < o->searches)
		printf("%-17s only %zu of the %zu searches asked for: the "
		    "%.0f s budget ran out (--search-budget 0: no limit)\n",
		    "", k, o->searches, o->budget);
	for (kind = 0; kind < Q_NKINDS; kind++) {
		search_stats(q, k, kind, &med, &p95, &max, &n, &hits, &capped);
		printf("  %-15s %-16s n=%-5zu median %.2f ms  p95 %.2f ms  "
		    "max %.2f ms  hits %.1f/search\n", lab, qkind_names[kind],
		    n, med, p95, max, n ? (double)hits / (double)n : 0.0);
	}
	fflush(stdout);
	search_rare(&s, g, lab);
	close_store(&s);
	free(q);
}

/* --- digitizing ------------------------------------------------------------ */

/*
 * The paper back-log (doc/digitize.md): N generated births written as a
 * keyed CSV batch (one column per field of the birth form, and the page
 * scan), loaded by digitize_import() -- checks, registration, identity
 * codes (none here: no pool, so each record waits), a mark per line, in
 * transactions of 500 rows growing to DIGITIZE_CHUNK -- against the same
 * records written raw with store_put(ST_RECORDS) in transactions of
 * DIGITIZE_CHUNK, store.c maintaining the same 5 indexes; then name
 * searches on the loaded store.
 */
static void
write_csv(const struct gen *g, const struct form *f, size_t n,
    const char *path)
{
	struct decl *d = xmalloc(sizeof *d);
	FILE *fp = fopen(path, "w");
	size_t i, j, k;

	if (fp == NULL)
		fail(NULL, "%s: %s", path, strerror(errno));
	for (j = 0; j < f->nfields; j++)
		fprintf(fp, "%s,", f->fields[j].key);
	fprintf(fp, "page\n");
	for (i = 0; i < n; i++) {
		gen_decl(g, i, d);
		for (j = 0; j < f->nfields; j++) {
			for (k = 0; k < d->n; k++)
				if (strcmp(d->kv[k].key, f->fields[j].key) == 0)
					csv_write_field(fp, d->kv[k].value);
			fputc(',', fp);
		}
		fprintf(fp, "scan/%06zu.jpg\n", i / 20);
	}
	if (fclose(fp) != 0)
		fail(NULL, "%s: %s", path, strerror(errno));
	free(d);
}

/*
 * Every statistics table over the loaded births' five years, in one
 * pass over records.db (stats_compute_many), as a registrar would ask
 * 'civreg stats all'; the tables must add up to the births.
 */
static void
phase_stats(const char *path, size_t n)
{
	const char **keys = xcalloc(stats_count(), sizeof *keys);
	struct stats_table *t = xcalloc(stats_count(), sizeof *t);
	struct stats_query q;
	struct session s;
	struct store *st;
	struct cr_err e;
	const char *title;
	char from[16], to[16];
	double t0, secs;
	size_t i, births = 0;
	int y, m, d;

	for (i = 0; i < stats_count(); i++)
		stats_info(i, &keys[i], &title);
	err_clear(&e);
	if (store_open(path, 0, &st, &e) != CR_OK ||
	    user_login(st, CLERK, CLERK_PW, &s, &e) != CR_OK)
		fail(&e, "reopen %s", path);
	date_from_days(date_today() - 5 * 365, &y, &m, &d);
	snprintf(from, sizeof from, "%04d-01-01", y);
	date_from_days(date_today(), &y, &m, &d);
	snprintf(to, sizeof to, "%04d-12-31", y);
	memset(&q, 0, sizeof q);
	q.from = from;
	q.to = to;
	t0 = now_sec();
	if (stats_compute_many(&s, keys, stats_count(), &q, t, &e) != CR_OK)
		fail(&e, "stats_compute_many");
	secs = now_sec() - t0;
	for (i = 0; i < stats_count(); i++) {
		if (strcmp(t[i].key, "births-month") == 0)
			births = t[i].total;
		stats_table_free(&t[i]);
	}
	close_store(&s);
	printf("%-17s N=%-8zu %.2f s: all %zu tables, %s to %s, one pass "
	    "(%zu births counted)\n", "stats_all", n, secs, stats_count(),
	    from, to, births);
	if (births != n)
		fail(NULL, "stats: %zu births counted of %zu", births, n);
	fflush(stdout);
	free(keys);
	free(t);
}

/*
 * N generated records, registered by digitizing, written with store_put
 * into table of a fresh store, DIGITIZE_CHUNK a transaction, timed to
 * the end of closing.  ST_RECORDS: store.c keeps its 5 indexes (the raw
 * baseline, generating counted in, as it always was); another table: no
 * index (the floor, generating timed apart and left out).
 */
static void
put_generated(const char *label, const struct gen *g, size_t n, int table,
    const char *gazetteer, int gen_counted, struct result *res)
{
	const struct form *f = form_by_key(FORM_KEY);
	struct decl *d = xmalloc(sizeof *d);
	struct progress pg;
	struct session s;
	struct record r;
	struct txn *tx;
	struct cr_err e;
	struct buf b;
	char *path;
	double t0, g0, gen = 0;
	size_t i, j, bytes = 0;
	int64_t when = (int64_t)cr_now();

	path = fresh_store(label, 0, gazetteer, &s);
	fprintf(stderr, "%s: %zu store_put, %d a transaction\n", label, n,
	    DIGITIZE_CHUNK);
	buf_init(&b);
	progress_start(&pg, label, n);
	t0 = now_sec();
	for (i = 0; i < n; ) {
		err_clear(&e);
		if (store_begin(s.store, &tx, &e) != CR_OK)
			fail(&e, "%s: store_begin", label);
		for (j = 0; j < DIGITIZE_CHUNK && i < n; j++, i++) {
			g0 = now_sec();
			gen_decl(g, i, d);
			build_record(f, d, i + 1, when, &r);
			r.status = RS_REGISTERED;
			r.action = RA_DIGITIZE;
			rec_encode(&r, &b);
			gen += now_sec() - g0;
			bytes += b.len;
			if (store_put(tx, table, r.id, strlen(r.id), b.data,
			    b.len, 1, &e) != CR_OK) {
				store_abort(tx);
				fail(&e, "%s: store_put of %s", label, r.id);
			}
			rec_free(&r);
		}
		if (store_commit(tx, &e) != CR_OK)
			fail(&e, "%s: store_commit", label);
		progress(&pg, i);
	}
	close_store(&s);	/* timed, as for the load */
	res->secs = now_sec() - t0 - (gen_counted ? 0 : gen);
	res->rate = (double)n / res->secs;
	res->bytes = dir_bytes(path);
	print_rate(label, "N", n, res);
	if (table != ST_RECORDS)
		printf("%-17s one table, no index, ids ascending, %.0f bytes a "
		    "record; %.1f s of generating left out; %.1f min for 16M "
		    "at this rate\n", "", (double)bytes / (double)n, gen,
		    16e6 / res->rate / 60);
	fflush(stdout);
	buf_free(&b);
	free(d);
	scratch_drop(path);
}

static void
digitize_progress(void *arg, size_t done, size_t total, size_t rows)
{
	(void)done;
	(void)total;
	progress(arg, rows);
}

static void
phase_digitize(const struct opts *o, const struct gen *g, size_t n)
{
	const struct form *f = form_by_key(FORM_KEY);
	struct digitize_opts dopt;
	struct digitize_result dres;
	struct dedup_stats dst;
	struct store *st;
	struct result dig, raw;
	struct progress pg;
	struct session s;
	struct cr_err e;
	char *csv = scratch_path("batch.csv"), *path, lab[64], cnt[32];
	struct stat sb;
	double t0;

	clerk_role = ROLE_REGISTRAR;
	fprintf(stderr, "digitize: writing %zu births as %s\n", n, csv);
	write_csv(g, f, n, csv);
	if (stat(csv, &sb) != 0)
		fail(NULL, "%s: %s", csv, strerror(errno));
	printf("# digitize: a batch of %zu births, %.1f MB of CSV\n", n,
	    (double)sb.st_size / 1048576.0);

	/* The raw baseline first, so the big store is the one kept last. */
	if (!o->digitize_only)
		put_generated("digitize_raw", g, n, ST_RECORDS, o->gazetteer,
		    1, &raw);
	path = fresh_store("digitize", 0, o->gazetteer, &s);
	memset(&dopt, 0, sizeof dopt);
	dopt.file = csv;
	dopt.kind = FORM_KEY;
	dopt.no_dedup = 1;	/* timed on its own below */
	fprintf(stderr, "digitize: digitize_import of %zu rows\n", n);
	progress_start(&pg, "digitize", n);
	err_clear(&e);
	t0 = now_sec();
	if (digitize_import(&s, &dopt, digitize_progress, &pg, &dres, &e) !=
	    CR_OK)
		fail(&e, "digitize_import");
	/* Closing writes what the cache still holds: part of the load. */
	close_store(&s);
	dig.secs = now_sec() - t0;
	dig.rate = (double)n / dig.secs;
	if (dres.loaded != n)
		fail(NULL, "digitize: %zu of %zu rows loaded, %zu rejected "
		    "(%s)", dres.loaded, n, dres.rejected, dres.rejects);
	unlink(dres.rejects);	/* empty; the scratch directory goes */
	dig.bytes = dir_bytes(path);
	print_rate("digitize", "N", n, &dig);
	if (!o->digitize_only)
		printf("%-17s %.1f%%  (digitize rate / raw put rate, the same "
		    "indexes, %d a transaction); %.1f min for 16M at this rate\n",
		    "ratio_digitize", 100.0 * dig.rate / raw.rate, DIGITIZE_CHUNK,
		    16e6 / dig.rate / 60);
	printf("%-17s checks, registration, history, change log, line marks, "
	    "an audit entry a transaction (--no-dedup)\n", "");
	fflush(stdout);
	if (o->digitize_only)
		goto search;
	if (store_open(path, 0, &st, &e) != CR_OK ||
	    user_login(st, CLERK, CLERK_PW, &s, &e) != CR_OK)
		fail(&e, "reopen %s", path);
	t0 = now_sec();
	/*
	 * The generator's few names and dates can make every birth look
	 * like many others: dedup then refuses to queue a flood (its
	 * message says so), which is a result to report, not a failure.
	 */
	memset(&dst, 0, sizeof dst);
	if (dedup_run(&s, NULL, NULL, NULL, NULL, &dst, &e) != CR_OK) {
		if (e.code != CR_EINVAL)
			fail(&e, "dedup_run");
		printf("%-17s N=%-8zu %.2f s, refused: %s\n", "digitize_dedup",
		    n, now_sec() - t0, e.msg);
	} else
		printf("%-17s N=%-8zu %.2f s: the loaded births against each "
		    "other (%zu pairs compared, %zu proposed)\n",
		    "digitize_dedup", n, now_sec() - t0, dst.compared,
		    dst.proposed);
	close_store(&s);
search:
	phase_stats(path, n);
	add_rare(path, g);
	fmt_count(n, cnt, sizeof cnt);
	snprintf(lab, sizeof lab, "search_digitized_%s", cnt);
	search_on(o, g, path, lab, n);
	scratch_drop(path);
	unlink(csv);
}

/*
 * The floor (--floor N): what Berkeley DB alone costs for the biggest
 * part of a load.  The N records' encodings, keyed by their ids in
 * ascending order -- the easiest order for a B-tree, every page filled
 * at its right edge -- written into one table that has no secondary
 * index (history.db), with the store's own environment: logging,
 * checksums, 16 KB pages, durable commits.  No checks, no indexes, no
 * history, no marks: a load that does everything cannot be faster.
 */
static void
phase_floor(const struct gen *g, size_t n)
{
	struct result fl;

	put_generated("digitize_floor", g, n, ST_HISTORY, NULL, 0, &fl);
}

/* --- main ---------------------------------------------------------------- */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: bench_store [--quick] [--records N] [--search-records M]\n"
	    "           [--searches K] [--search-budget SEC] "
	    "[--build put|declare]\n"
	    "           [--gazetteer DIR] [--dir DIR] [--keep]\n"
	    "  --quick              smoke run: N=2000, M=50000\n"
	    "  --records N          declarations for the rate figures "
	    "(default 20000)\n"
	    "  --search-records M   records in the search store "
	    "(default 1000000)\n"
	    "  --searches K         searches to time (default 1000)\n"
	    "  --search-budget SEC  stop searching after SEC seconds "
	    "(default 600; 0: never)\n"
	    "  --build put          fill the search store with store_put, "
	    "%d records per\n"
	    "                       transaction (default)\n"
	    "  --build declare      fill it with regist_declare, one per "
	    "transaction\n"
	    "  --gazetteer DIR      load the gazetteer from DIR (e.g. "
	    "../shared/data/gazetteer)\n"
	    "                       if it exists, and use its commune codes\n"
	    "  --dir DIR            scratch directory (default: a new one "
	    "under /tmp)\n"
	    "  --keep               keep the stores\n"
	    "  --digitize N         only the paper back-log: N births loaded "
	    "from a CSV\n"
	    "                       batch against raw puts, then dedup and "
	    "searches on that store\n"
	    "  --digitize-only      with --digitize: the load and the "
	    "searches only\n"
	    "  --searches-on DIR    with --digitize N: only the searches, on "
	    "the store\n"
	    "                       DIR that a run with --keep loaded with "
	    "those N births\n"
	    "                       (SCRATCH/digitize)\n"
	    "  --search-seed S      search other names (default 0): a run "
	    "with another seed\n"
	    "                       after a first one times searches on a "
	    "store read before\n"
	    "  --floor N            only Berkeley DB's floor: N records "
	    "into one table with\n"
	    "                       no index, ids ascending (what no load "
	    "can beat)\n", PUT_BATCH);
}

static size_t
parse_count(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 ||
	    v > 100000000ULL || s[0] == '-') {
		fprintf(stderr, "bench_store: %s wants a whole number from 1 "
		    "to 100000000, not '%s'\n", opt, s);
		exit(1);
	}
	return (size_t)v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "records", required_argument, NULL, 'n' },
		{ "search-records", required_argument, NULL, 'm' },
		{ "searches", required_argument, NULL, 'k' },
		{ "dir", required_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'K' },
		{ "quick", no_argument, NULL, 'q' },
		{ "gazetteer", required_argument, NULL, 'g' },
		{ "build", required_argument, NULL, 'b' },
		{ "search-budget", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "digitize", required_argument, NULL, 'D' },
		{ "digitize-only", no_argument, NULL, 'O' },
		{ "searches-on", required_argument, NULL, 'S' },
		{ "search-seed", required_argument, NULL, 's' },
		{ "floor", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	size_t digitize = 0, floor_n = 0;
	struct opts o;
	struct gen g;
	struct cr_err e;
	struct result reg_sync, raw_sync, reg_nosync, raw_nosync;
	struct decl *decls;
	struct buf *enc;
	struct record r;
	struct stat sb;
	struct utsname un;
	char (*ids)[REC_IDLEN];
	char date[64];
	const struct form *f;
	const char *cache;
	size_t i, n_set = 0, m_set = 0, fields = 0, bytes = 0;
	time_t t;
	int ch, quick = 0;

	memset(&o, 0, sizeof o);
	memset(&g, 0, sizeof g);
	o.searches = 1000;
	o.budget = 600;
	o.build_put = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		switch (ch) {
		case 'n':
			n_set = parse_count("--records", optarg);
			break;
		case 'm':
			m_set = parse_count("--search-records", optarg);
			break;
		case 'k':
			o.searches = parse_count("--searches", optarg);
			break;
		case 'd':
			o.dir = optarg;
			break;
		case 'K':
			o.keep = 1;
			break;
		case 'q':
			quick = 1;
			break;
		case 'g':
			o.gazetteer = optarg;
			break;
		case 'b':
			if (strcmp(optarg, "put") == 0)
				o.build_put = 1;
			else if (strcmp(optarg, "declare") == 0)
				o.build_put = 0;
			else {
				usage(stderr);
				return 1;
			}
			break;
		case 'B':
			o.budget = strcmp(optarg, "0") == 0 ? 0 :
			    (double)parse_count("--search-budget", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'D':
			digitize = parse_count("--digitize", optarg);
			break;
		case 'O':
			o.digitize_only = 1;
			break;
		case 'S':
			o.searches_on = optarg;
			break;
		case 's':
			o.search_seed = parse_count("--search-seed", optarg);
			break;
		case 'F':
			floor_n = parse_count("--floor", optarg);
			break;
		default:
			usage(stderr);
			return 1;
		}
	if (optind < argc) {
		usage(stderr);
		return 1;
	}
	o.records = n_set ? n_set : quick ? 2000 : 20000;
	o.search_records = m_set ? m_set : quick ? 50000 : 1000000;
	if (o.gazetteer != NULL && (stat(o.gazetteer, &sb) != 0 ||
	    !S_ISDIR(sb.st_mode))) {
		fprintf(stderr, "bench_store: no gazetteer directory %s: "
		    "running without a gazetteer\n", o.gazetteer);
		o.gazetteer = NULL;
	}

	err_clear(&e);
	if (crypto_init(&e) != CR_OK)
		fail(&e, "crypto_init");
	if ((f = form_by_key(FORM_KEY)) == NULL)
		fail(NULL, "no form '%s' in this build", FORM_KEY);
	g.today = date_today();
	if (o.gazetteer != NULL)
		load_communes(o.gazetteer, &g);
	scratch.keep = o.keep;
	scratch_init(o.dir);

	t = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %z", localtime(&t));
	if (uname(&un) != 0)
		snprintf(un.nodename, sizeof un.nodename, "?");
	cache = getenv("CIVREG_CACHE_MB");
	printf("# civreg %s bench_store  %s  host %s\n", PACKAGE_VERSION, date,
	    un.nodename);
	printf("# N=%zu (rates)  M=%zu (search store)  K=%zu searches  "
	    "scratch %s  cache %s MB%s  gazetteer %s\n", o.records,
	    o.search_records, o.searches, scratch.root,
	    cache ? cache : "64", cache ? " (CIVREG_CACHE_MB)" : " (default)",
	    o.gazetteer ? o.gazetteer : "not loaded (place codes: format "
	    "only)");
	fflush(stdout);

	if (digitize && o.searches_on) {
		char lab[64], cnt[32];

		fmt_count(digitize, cnt, sizeof cnt);
		snprintf(lab, sizeof lab, "search_digitized_%s", cnt);
		search_on(&o, &g, o.searches_on, lab, digitize);
		scratch_cleanup();
		return 0;
	}
	if (floor_n) {
		phase_floor(&g, floor_n);
		scratch_cleanup();
		return 0;
	}
	if (digitize) {
		phase_digitize(&o, &g, digitize);
		scratch_cleanup();
		return 0;
	}

	/* The N declarations, and the records regist_declare makes of them. */
	decls = xcalloc(o.records, sizeof *decls);
	enc = xcalloc(o.records, sizeof *enc);
	ids = xcalloc(o.records, sizeof *ids);
	for (i = 0; i < o.records; i++) {
		gen_decl(&g, i, &decls[i]);
		if (form_validate(f, decls[i].kv, decls[i].n, &e) != CR_OK)
			fail(&e, "generated declaration %zu is not valid", i);
		build_record(f, &decls[i], i + 1, (int64_t)cr_now(), &r);
		buf_init(&enc[i]);
		rec_encode(&r, &enc[i]);
		snprintf(ids[i], REC_IDLEN, "%s", r.id);
		fields += r.nfields;
		bytes += enc[i].len;
		rec_free(&r);
	}
	printf("# form %s: %.1f fields, %.0f bytes encoded per record on "
	    "average; one transaction per record;\n# timings exclude "
	    "generating, encoding, opening, login and closing\n", FORM_KEY,
	    (double)fields / (double)o.records, (double)bytes /
	    (double)o.records);
	fflush(stdout);

	phase_register("register_sync", 0, &o, decls, o.records, &reg_sync);
	phase_raw("raw_put_sync", 0, enc, ids, o.records, &raw_sync);
	print_ratio("ratio_sync", &reg_sync, &raw_sync);
	phase_register("register_nosync", STORE_NOSYNC, &o, decls, o.records,
	    &reg_nosync);
	phase_raw("raw_put_nosync", STORE_NOSYNC, enc, ids, o.records,
	    &raw_nosync);
	print_ratio("ratio_nosync", &reg_nosync, &raw_nosync);

	for (i = 0; i < o.records; i++)
		buf_free(&enc[i]);
	free(enc);
	free(ids);
	free(decls);

	phase_search(&o, &g);

	free(g.communes);
	scratch_cleanup();
	return 0;
}
