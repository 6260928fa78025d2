/*
 * civreg.h -- the one header of civreg.
 *
 * One section per source file, in layer order: utilities, then the core
 * (store, records, forms, users, audit ...), then the command line.  Public
 * names carry their file's prefix (store_*, rec_*, form_*); everything else
 * in a .c file is static.  No section below the "cli" line may be used by a
 * core file, and only tui-*.c files may include curses.
 *
 * Codes written to disk or to the wire are fixed numbers, listed here and
 * documented in db/record-format.txt.  Never renumber them; add new ones.
 */
#ifndef CIVREG_H
#define CIVREG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <wchar.h>

/* ------------------------------------------------------------------ err.c */
/*
 * Every core call returns a status code and fills a struct cr_err with a
 * message in words: what went wrong, where, and what to do.  Several
 * messages (one per bad field) are kept as separate lines.
 */
enum cr_status {
	CR_OK = 0,
	CR_EUSAGE,	/* bad command line */
	CR_EINVAL,	/* invalid data: nothing was stored */
	CR_ENOTFOUND,
	CR_EAUTH,	/* wrong password, locked or disabled account */
	CR_EPERM,	/* role not allowed */
	CR_EEXIST,
	CR_ECORRUPT,	/* damage found in the store */
	CR_EDB,		/* storage or system error */
	CR_EDEADLOCK,	/* internal: the transaction should be retried */
	CR_ENOMEM,
	CR_EIO
};

struct cr_err {
	int	code;
	size_t	len;
	char	msg[8192];	/* newline-separated messages */
};

void	err_clear(struct cr_err *);
int	err_set(struct cr_err *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	err_add(struct cr_err *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	err_exit_code(int code);
const char *err_name(int code);

/* ------------------------------------------------------------------ util.c */
struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_add_u8(struct buf *, unsigned);
void	 buf_add_u16(struct buf *, unsigned);
void	 buf_add_u32(struct buf *, uint32_t);
void	 buf_add_u64(struct buf *, uint64_t);
void	 buf_add_str(struct buf *, const char *);	/* u16 length + bytes */
void	 buf_add_cstr(struct buf *, const char *);	/* bytes + NUL */

/* A bounded reader over a byte string; any overrun sets bad. */
struct rd {
	const unsigned char	*p;
	size_t			 left;
	int			 bad;
};
void	 rd_init(struct rd *, const void *, size_t);
unsigned rd_u8(struct rd *);
unsigned rd_u16(struct rd *);
uint32_t rd_u32(struct rd *);
uint64_t rd_u64(struct rd *);
char	*rd_str(struct rd *);			/* xmalloc'ed, NUL-terminated */
const void *rd_bytes(struct rd *, size_t);

void	 be64_put(unsigned char *, uint64_t);
uint64_t be64_get(const unsigned char *);
void	 be32_put(unsigned char *, uint32_t);
uint32_t be32_get(const unsigned char *);

int	 utf8_valid(const char *, size_t);
size_t	 utf8_chars(const char *);
int	 utf8_has_khmer(const char *);
void	 utf8_put(struct buf *, uint32_t);
uint32_t utf8_next(const char **);	/* of valid UTF-8 */
void	 str_printable(char *out, size_t outsz, const char *in);
int	 str_in_list(const char *list, const char *item);	/* "a,b,c" */

time_t	 cr_now(void);		/* honours CIVREG_NOW=YYYY-MM-DD[THH:MM:SS] */
int	 date_parse(const char *, int *y, int *m, int *d, char *why, size_t);
int32_t	 date_days(int y, int m, int d);	/* days since 1970-01-01 */
void	 date_from_days(int32_t, int *y, int *m, int *d);
int32_t	 date_today(void);
void	 time_format(time_t, char *, size_t);

/* ---------------------------------------------------------------- crypto.c */
/* The only file that includes <gcrypt.h>. */
#define CRYPTO_HASHLEN	32
#define CRYPTO_SALTLEN	16

int	crypto_init(struct cr_err *);
void	crypto_random(void *, size_t);		/* strong random */
void	crypto_nonce(void *, size_t);		/* random salts, nonces */
void	crypto_sha256(const void *, size_t, unsigned char out[CRYPTO_HASHLEN]);
int	crypto_argon2id(const char *pw, size_t pwlen, const unsigned char *salt,
	    size_t saltlen, unsigned t, unsigned m_kib, unsigned p,
	    unsigned char *out, size_t outlen, struct cr_err *);
int	crypto_argon2id_isolated(const char *pw, size_t pwlen,
	    const unsigned char *salt, size_t saltlen, unsigned t,
	    unsigned m_kib, unsigned p, unsigned char *out, size_t outlen,
	    struct cr_err *);
int	crypto_memeq(const void *, const void *, size_t);	/* constant time */
void	crypto_wipe(void *, size_t);
/* Replication: raw RFC 8032 / RFC 7748 keys, 32 bytes; signatures 64. */
int	crypto_ed25519_keygen(unsigned char pk[32], unsigned char sk[32],
	    struct cr_err *);
int	crypto_ed25519_sign(const unsigned char sk[32],
	    const unsigned char pk[32], const void *msg, size_t n,
	    unsigned char sig[64], struct cr_err *);
int	crypto_ed25519_verify(const unsigned char pk[32], const void *msg,
	    size_t n, const unsigned char sig[64]);	/* 1 if valid */
int	crypto_x25519_keygen(unsigned char pk[32], unsigned char sk[32],
	    struct cr_err *);
int	crypto_x25519(unsigned char out[32], const unsigned char sk[32],
	    const unsigned char pk[32], struct cr_err *);
int	crypto_hkdf_sha256(const void *ikm, size_t, const void *salt, size_t,
	    const void *info, size_t, unsigned char *out, size_t outlen,
	    struct cr_err *);
int	crypto_aes256gcm_seal(const unsigned char key[32],
	    const unsigned char iv[12], const void *aad, size_t aadlen,
	    const void *pt, size_t n, unsigned char *ct, unsigned char tag[16],
	    struct cr_err *);
int	crypto_aes256gcm_open(const unsigned char key[32],
	    const unsigned char iv[12], const void *aad, size_t aadlen,
	    const void *ct, size_t n, const unsigned char tag[16],
	    unsigned char *pt, struct cr_err *);	/* CR_ECORRUPT: bad tag */

/* ----------------------------------------------------------------- store.c */
/*
 * The only file that includes <db.h>.  A store is one transactional
 * environment in one directory; every table and index below is one
 * Berkeley DB database in it.  The numbers index tables in store.c and
 * never appear on disk (file names do).
 */
enum st_table {
	ST_META,	/* meta.db     name -> value */
	ST_RECORDS,	/* records.db  record id -> current revision */
	ST_HISTORY,	/* history.db  record id NUL rev(be32) -> revision */
	ST_CHANGES,	/* changes.db  seq(be64) -> record id NUL rev(be32) */
	ST_AUDIT,	/* audit.db    seq(be64) -> audit entry */
	ST_USERS,	/* users.db    user name -> user */
	ST_PLACES,	/* places.db   gazetteer code -> place */
	ST_KIDC,	/* kidc.db     identity code pool (issue 6) */
	ST_PEERS,	/* peers.db    replication state per office (issue 5) */
	ST_DRAFTS,	/* drafts.db   user NUL form -> draft (TUI) */
	ST_LEASES,	/* leases.db   record id -> who is editing it */
	ST_CERTS,	/* certs.db    certificates printed (serial, code) */
	ST_KEYS,	/* keys.db     office keys, certificates, trust */
	ST_CONFLICTS,	/* conflicts.db record id NUL n -> concurrent revision */
	ST_RAUDIT,	/* raudit.db   office NUL seq(be64) -> their audit entry */
	ST_REVIEW,	/* review.db   id NUL id -> a proposed duplicate pair */
	ST_DIGITIZE,	/* digitize.db batches and their lines loaded */
	ST_NTABLES
};

enum st_index {		/* of ST_RECORDS: entry -> blocks of record ids */
	SI_NAME,	/* ix_name.db   name token or phonetic key */
	SI_KIDC,	/* ix_kidc.db   identity code: the person index */
	SI_STATUS,	/* ix_status.db status(1) kind(1) */
	SI_DATE,	/* ix_date.db   event date, days (be32, offset) */
	SI_PLACE,	/* ix_place.db  'O' or 'R', then place code */
	SI_NINDEX
};

struct store;
struct txn;
struct record;

/* A visitor returns 0 to go on, 1 to stop, or a negative CR status. */
typedef int (*store_visit_fn)(void *arg, const void *key, size_t klen,
    const void *val, size_t vlen);
typedef int (*store_txn_fn)(struct txn *, void *arg, struct cr_err *);

#define STORE_CREATE	0x01	/* make a new store; refuse an existing one */
#define STORE_NOSYNC	0x02	/* WRITE_NOSYNC commits (bench only) */
#define STORE_CACHE_MB		64	/* MiB, unless CIVREG_CACHE_MB */
#define STORE_PAGESIZE		16384	/* bytes, of every file made (store.c) */
#define STORE_CACHE_MAX_MB	65536

int	store_open(const char *dir, int flags, struct store **,
	    struct cr_err *);
void	store_close(struct store *);
const char *store_dir(struct store *);
int	store_panicked(struct store *);	/* damage seen: stop, reopen */
int	store_run(struct store *, store_txn_fn, void *arg, struct cr_err *);
/* The same for one big transaction of mostly new data (store.c). */
int	store_run_bulk(struct store *, store_txn_fn, void *arg,
	    struct cr_err *);
int	store_begin(struct store *, struct txn **, struct cr_err *);
int	store_begin_read(struct store *, struct txn **, struct cr_err *);
int	store_commit(struct txn *, struct cr_err *);
void	store_abort(struct txn *);
struct store *store_of(struct txn *);
int	store_get(struct txn *, int table, const void *key, size_t klen,
	    struct buf *val, int for_update, struct cr_err *);
int	store_put(struct txn *, int table, const void *key, size_t klen,
	    const void *val, size_t vlen, int no_overwrite, struct cr_err *);
int	store_del(struct txn *, int table, const void *key, size_t klen,
	    struct cr_err *);
/* A record new to records.db (CR_EEXIST if not): enc is its encoding and
 * r the same decoded.  Its index entries are written sorted, in the same
 * transaction, before anything can read the indexes. */
int	store_put_fresh(struct txn *, const struct record *r, const void *enc,
	    size_t len, struct cr_err *);
int	store_scan(struct txn *, int table, const void *prefix, size_t plen,
	    store_visit_fn, void *arg, struct cr_err *);
int	store_last(struct txn *, int table, struct buf *key, struct buf *val,
	    struct cr_err *);
int	store_scan_from(struct txn *, int table, const void *key, size_t klen,
	    store_visit_fn, void *arg, struct cr_err *);
int	store_index_scan(struct txn *, int index, const void *prefix,
	    size_t plen, store_visit_fn, void *arg, struct cr_err *);
/*
 * The ids held by every one of n whole entries, in byte order, reading at
 * most about budget blocks (*more: it ran out first).
 */
int	store_index_intersect(struct txn *, int index,
	    const struct buf *entries, size_t n, size_t budget,
	    store_visit_fn, void *arg, int *more, struct cr_err *);
/* Every index written again from records.db (reindex). */
int	store_reindex(struct txn *, size_t *records, struct cr_err *);
int	store_index_share(struct txn *, int index, const void *prefix,
	    size_t plen, double *share, struct cr_err *);
const char *store_table_name(int table);
const char *store_index_name(int index);
int	store_checkpoint(struct store *, int force, struct cr_err *);

/* ----------------------------------------------------------------- form.c */
/*
 * Field types and form classes are fixed codes (db/record-format.txt).
 * The X-macro is shared with tools/formc.c, which compiles forms/.
 */
#define FORM_TYPES(X) \
	X(FT_TEXT, 1, "text") X(FT_KHMER, 2, "khmer") \
	X(FT_NAME_KM, 3, "name_km") X(FT_NAME_LATIN, 4, "name_latin") \
	X(FT_DATE, 5, "date") X(FT_TIME, 6, "time") X(FT_CHOICE, 7, "choice") \
	X(FT_PLACE, 8, "place") X(FT_KIDC, 9, "kidc") X(FT_NUMBER, 10, "number") \
	X(FT_REF, 11, "ref")
#define FORM_CLASSES(X) \
	X(FC_EVENT, 1, "event") X(FC_NOTICE, 2, "notice") \
	X(FC_WORKFLOW, 3, "workflow")
#define FORM_ENUM(sym, code, name) sym = code,
enum form_type { FORM_TYPES(FORM_ENUM) };
enum form_class { FORM_CLASSES(FORM_ENUM) };

struct form_field {
	const char	 *key;
	int		  type;
	int		  required;
	const char	 *label_km;
	const char	 *label_en;
	const char	 *section_km;	/* section this field opens, or NULL */
	const char	 *section_en;
	int		  max;		/* characters; 0: type default */
	int		  min;
	const char *const *values;	/* choice values, NULL-terminated */
	const char *const *values_km;	/* their Khmer labels, or NULL */
	long		  lo, hi;	/* number range; lo > hi: none */
	int		  past;
	const char	 *notbefore;
	int		  level;	/* place digits required: 2, 4, 6, 8 */
	const char	 *refkind;	/* ref: the form the record must be */
	const char	 *refstatus;	/* ref: allowed statuses, "a,b" */
	const char	 *notafter;	/* a date no later than this field's */
	int		  notafter_months;	/* ... plus so many months */
};

/*
 * A person a form is about (forms/README, "person"): the fields that
 * describe them, each NULL if the form has none.  A new declaration's
 * persons are looked for in the register before it is saved (likely.c).
 */
#define FORM_MAX_PERSONS	4
struct form_person {
	const char	*name_km;
	const char	*name_latin;
	const char	*kidc;		/* their identity code */
	const char	*born;		/* their date of birth */
	const char	*mother;	/* their mother's name (either script) */
	const char	*father;
};

struct form {
	const char		*key;
	int			 code;
	int			 cls;
	const char		*title_km;
	const char		*title_en;
	const char		*roles;		/* "clerk,registrar" */
	const char		*date_field;
	const char		*place_field;
	const char		*residence_field;
	const char		*issue_field;	/* kidc field registration
						   fills (forms/README) */
	size_t			 nfields;
	const struct form_field	*fields;
	size_t			 npersons;
	const struct form_person *persons;
};

extern const struct form *const form_table[];	/* forms-gen.c, NULL-ended */

const struct form *form_by_key(const char *);
const struct form *form_by_code(int);
const struct form_field *form_field(const struct form *, const char *key);
const struct form_field *form_field_next(const struct form *, const char *key,
	    size_t *hint);
const char *form_type_name(int);
const char *form_class_name(int);
int	form_allows_role(const struct form *, int role);
int	form_field_max(const struct form_field *);
const char *form_value_km(const struct form_field *, const char *value);

/* A field value as given by a user: key=value. */
struct kv {
	char	*key;
	char	*value;
};

/* pos[k]: 1 + where field k is in kv, or 0 (f->nfields slots). */
void	form_kv_positions(const struct form *, const struct kv *, size_t n,
	    size_t *pos);
int	form_validate(const struct form *, const struct kv *, size_t n,
	    struct cr_err *);
int	form_check_value(const struct form_field *, const char *value,
	    char *why, size_t whysz);

/* ------------------------------------------------------------------ name.c */
/* Names compared across spellings and scripts: tokens separated by ' '. */
void	name_fold(const char *, struct buf *);	/* in its own script */
void	name_key(const char *, struct buf *);	/* phonetic, both scripts */
/* Each folded token with its key (klen 0: none), name folded once. */
typedef void (*name_token_fn)(void *, const void *tok, size_t len,
	    const void *key, size_t klen);
void	name_tokens(const char *, name_token_fn, void *);

/* ----------------------------------------------------------------- match.c */
/*
 * The record-matching engine: de-duplication of one set of records and
 * linkage of two, by blocking, field comparison and Fellegi-Sunter
 * weights estimated by EM.  A caller describes its records with a schema
 * (a const table of typed fields and of blocking passes), adds rows of
 * UTF-8 strings, runs the engine once and reads back the accepted pairs
 * (and clusters).  All state lives in the struct match_set.
 */
#define MATCH_MAX_FIELDS	16	/* fields in a schema */
#define MATCH_MAX_LEVELS	4	/* agreement levels of a field, 0 best */
#define MATCH_MISSING		15	/* level: a value is missing */
#define MATCH_MAX_PARTS		3	/* key parts in a blocking pass */

enum match_type {
	MATCH_NAME,	/* person name, one or more tokens: Jaro-Winkler */
	MATCH_TEXT,	/* free text, address: edit distance without spaces */
	MATCH_DATE,	/* YYYYMMDD or YYYY-MM-DD (any non-digits ignored) */
	MATCH_CODE,	/* identifier, postcode, number: exact or few edits */
	MATCH_CAT	/* small categorical (sex, state): equal or not */
};

struct match_field {
	const char	*name;
	enum match_type	 type;
	int		 partner;	/* field whose value may have been swapped
					   with this one (given/family name,
					   address lines), or -1; set both ways */
	int		 group;		/* fields with the same group > 0 are
					   weighed as one (see match.c) */
};

enum match_key {
	MATCH_KEY_EXACT,	/* the normalized value (spaces removed) */
	MATCH_KEY_PREFIX,	/* its first arg code points */
	MATCH_KEY_SUFFIX,	/* its last arg code points */
	MATCH_KEY_PHONETIC,	/* sound key (Latin) or skeleton (Khmer) */
	MATCH_KEY_PAIR,		/* sound keys of field and partner, sorted:
				   the same key after a swap */
	MATCH_KEY_TOKENS,	/* one key per token of field and partner:
				   several keys per record */
	MATCH_KEY_YEAR		/* the year of a date */
};

struct match_part {
	int		 field;
	enum match_key	 kind;
	int		 arg;
};

/* One blocking pass: records whose keys are equal in every part are
 * compared.  A record missing a part's field gets no key in the pass. */
struct match_pass {
	int			nparts;
	struct match_part	part[MATCH_MAX_PARTS];
};

struct match_schema {
	const struct match_field	*fields;
	size_t				 nfields;
	const struct match_pass		*passes;
	size_t				 npasses;
};

struct match_opts {
	size_t	max_block;	/* bigger blocks are skipped (200) */
	int	date_days;	/* dates this many days apart are close (5) */
	double	threshold;	/* accept posterior P(match) >= this (0.5) */
	int	closure;	/* group accepted pairs into clusters (1) */
	size_t	max_cluster;	/* refuse unions making a bigger cluster (50) */
	int	one_to_one;	/* linkage: each record in at most one pair (0) */
	int	em_max_iter;	/* EM iterations at most (500) */
	int	threads;	/* comparison threads, 1 or more (1) */
};

struct match_pair {
	uint32_t	a, b;		/* record numbers, a < b */
	double		weight;		/* sum of log2(m/u) over the fields */
	double		posterior;	/* P(match | agreement pattern) */
};

struct match_result {
	struct match_pair	*pairs;	/* accepted, by a then b */
	size_t			 npairs;
	uint32_t		*cluster;	/* per record: smallest record
						   number of its cluster (with
						   closure), else NULL */
	size_t			 nrecords;
	size_t			 candidates;	/* distinct pairs compared */
	size_t			 blocks_skipped;/* blocks over max_block */
	size_t			 clusters_refused;/* unions over max_cluster */
	size_t			 patterns;	/* distinct agreement patterns */
	double			 p;		/* estimated share of matches */
	/* m = P(level | match), u = P(level | non-match), per field; a
	 * group's at its first field, its other fields have nlevels 0 */
	double			 m[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS];
	double			 u[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS];
	int			 nlevels[MATCH_MAX_FIELDS];
	int			 iterations;	/* EM iterations run */
	int			 converged;
};

struct match_set;

void	 match_opts_default(struct match_opts *);
/* linkage: records of source 0 are compared only with those of source 1. */
struct match_set *match_new(const struct match_schema *, int linkage);
void	 match_free(struct match_set *);
/* values[nfields], NULL or "" for missing; copied, normalized (case,
 * spaces, zero-width marks), 1000 bytes kept; returns the record number
 * (records are numbered from 0 in the order added, fewer than 2^32). */
uint32_t match_add(struct match_set *, int source, const char *const *values);
size_t	 match_count(const struct match_set *);
/* 0 on success, -1 if the schema is invalid (no pass, too many fields,
 * a bad partner or key part); the result is then empty. */
int	 match_run(struct match_set *, const struct match_opts *,
	    struct match_result *);
void	 match_result_free(struct match_result *);
/* Levels of one pair of added records (levels[nfields]; partners read
 * crosswise when better); for a screen that explains a proposed pair.
 * opts may be NULL (defaults). */
void	 match_compare(const struct match_set *, const struct match_opts *,
	    uint32_t a, uint32_t b, int *levels);

/* The comparators, on UTF-8 strings compared by code point. */
double	 match_jaro_winkler(const char *, const char *);
int	 match_edit_distance(const char *, const char *);  /* with swaps */
/* Agreement level of two values of a type: 0 .. match_nlevels()-1, or
 * MATCH_MISSING when either is empty. */
int	 match_level(enum match_type, const char *, const char *, int date_days);
int	 match_nlevels(enum match_type);
/* Sound key of a name into out (NUL-terminated, at most outsz bytes). */
void	 match_phonetic(const char *, char *out, size_t outsz);

/* ------------------------------------------------------------------ kidc.c */
#define KIDC_LEN	12
int	kidc_normalize(const char *in, char out[KIDC_LEN + 1], char *why,
	    size_t whysz);
int	kidc_verhoeff_check(const char *digits);	/* 1 if valid */
int	kidc_verhoeff_digit(const char *digits);	/* check digit to append */
void	kidc_format(const char *digits, char out[KIDC_LEN + 3]);
/* The five rules of an issued code (kidc.c); 0 if digits passes. */
int	kidc_filter(const char *digits, char *why, size_t whysz);
void	kidc_generate(char out[KIDC_LEN + 1]);	/* needs crypto_init() */
/* 'civreg kidc check': format, check digit and filters; 0 if valid. */
int	kidc_check(const char *in, char *why, size_t whysz);

/* ---------------------------------------------------------------- record.c */
/* Statuses, actions and flags are fixed on-disk codes. */
#define REC_STATUSES(X) \
	X(RS_DECLARED, 1, "declared") X(RS_REGISTERED, 2, "registered") \
	X(RS_CERTIFIED, 3, "certified") X(RS_REJECTED, 4, "rejected") \
	X(RS_ARCHIVED, 5, "archived") \
	X(RS_PENDING_APPROVAL, 6, "pending-approval") \
	X(RS_NOTIFIED, 7, "notified") X(RS_LINKED, 8, "linked") \
	X(RS_ANNULLED, 9, "annulled") X(RS_APPROVED, 10, "approved") \
	X(RS_GRANTED, 11, "granted") X(RS_DISMISSED, 12, "dismissed") \
	X(RS_ISSUED, 13, "issued")
enum rec_status { REC_STATUSES(FORM_ENUM) };
enum rec_action {
	RA_DECLARE = 1, RA_NOTIFY = 2, RA_REGISTER = 3, RA_REJECT = 4,
	RA_CORRECT = 5, RA_CERTIFY = 6, RA_ARCHIVE = 7, RA_APPROVE = 8,
	RA_LINK = 9, RA_MERGE = 10, RA_IMPORT = 11, RA_ANNUL = 12,
	RA_ISSUE = 13, RA_DECIDE = 14, RA_AMEND = 15, RA_ASSIGN = 16,
	RA_DIGITIZE = 17
};

#define REC_ENCODING_VERSION	1
/* Record flags (fixed bits): where the event is, seen from the office. */
#define REC_F_OCCURRED_ELSEWHERE	0x0001
#define REC_F_RESIDENT_ELSEWHERE	0x0002
#define REC_IDLEN		32
/* Version-vector entries a record may carry: its writers are its office
   and the offices above it, so a handful; the bound keeps comparing two
   vectors (quadratic) cheap whatever a file holds. */
#define REC_VV_MAX		256
#define OFFICE_LEN		16
#define USER_LEN		32

struct vv_entry {
	char		office[OFFICE_LEN];
	uint32_t	counter;
};

struct record {
	char		 id[REC_IDLEN];
	int		 kind;		/* form code */
	int		 status;
	int		 action;	/* what made this revision */
	unsigned	 flags;
	uint32_t	 rev;
	int64_t		 time;		/* of this revision */
	int64_t		 created;
	char		 office[OFFICE_LEN];	/* office that owns the record */
	char		 author[USER_LEN];	/* user who made this revision */
	char		*note;			/* reason, comment; "" if none */
	size_t		 nvv;
	struct vv_entry	*vv;
	size_t		 nfields;
	struct kv	*fields;
};

void	 rec_init(struct record *);
void	 rec_free(struct record *);
void	 rec_encode(const struct record *, struct buf *);
int	 rec_decode(const void *, size_t, struct record *, struct cr_err *);
const char *rec_value(const struct record *, const char *key);
void	 rec_set(struct record *, const char *key, const char *value);
void	 rec_unset(struct record *, const char *key);
typedef void (*rec_change_fn)(void *, const char *key, const char *before,
	    const char *after);
void	 rec_changes(const struct record *, const struct record *,
	    rec_change_fn, void *);
const char *rec_status_name(int);
const char *rec_action_name(int);
int	 rec_id_valid(const char *);
void	 rec_vv_bump(struct record *, const char *office);
enum { VV_EQUAL, VV_DOMINATES, VV_DOMINATED, VV_CONCURRENT };
int	 rec_vv_compare(const struct record *, const struct record *);
void	 rec_vv_merge(struct record *, const struct record *);
int	 rec_place_flags(const struct record *, const char *office);

/* ----------------------------------------------------------------- index.c */
/* Secondary index keys of an encoded record (called from store.c). */
struct keylist {
	size_t		 n;
	struct buf	*keys;
};
void	index_keys(int index, const void *rec, size_t len, struct keylist *);
void	index_keys_record(int index, const struct record *, struct keylist *);
typedef void (*index_key_fn)(void *arg, const void *key, size_t len);
void	index_each_key(int index, const struct record *, index_key_fn,
	    void *arg);
void	keylist_free(struct keylist *);
/* Adds a copy of p unless empty or there already. */
void	keylist_add(struct keylist *, const void *p, size_t n);
int	keylist_collect(void *keylist, const void *k, size_t kl,
	    const void *v, size_t vl);
void	index_name_tokens(const char *text, struct keylist *);
void	index_name_entries(const char *text, struct keylist *);
/* An index key entry for a phonetic key: the mark, the key, a 0. */
void	index_key_entry(const void *key, size_t klen, struct buf *entry);
void	index_normalize(const char *in, struct buf *out);

/* ------------------------------------------------------------------ meta.c */
#define SCHEMA_VERSION	1
#define INDEX_NAME_VERSION 3	/* name rules (index.c), block layout (store.c) */
#define INDEX_KEY_MARK	0x01	/* before a phonetic key in ix_name.db */
enum office_level { LV_COMMUNE = 1, LV_DISTRICT = 2, LV_PROVINCE = 3,
	LV_NATIONAL = 4 };

int	meta_get_str(struct txn *, const char *name, char *out, size_t,
	    struct cr_err *);
int	meta_put_str(struct txn *, const char *name, const char *,
	    struct cr_err *);
int	meta_get_u64(struct txn *, const char *name, uint64_t *, int upd,
	    struct cr_err *);
int	meta_put_u64(struct txn *, const char *name, uint64_t,
	    struct cr_err *);
int	meta_next(struct txn *, const char *name, uint64_t *,
	    struct cr_err *);
const char *meta_level_name(int);
int	meta_level_code(const char *);
struct session;
int	meta_setting_set(struct session *, const char *name, const char *value,
	    long lo, long hi, long dflt, const char *unit, struct cr_err *);

/* ------------------------------------------------------------------ user.c */
/* Role codes are stored in users.db; the X-macro is shared with formc. */
#define ROLES(X) \
	X(ROLE_CLERK, 1, "clerk") X(ROLE_REGISTRAR, 2, "registrar") \
	X(ROLE_DISTRICT, 3, "district") X(ROLE_PROVINCE, 4, "province") \
	X(ROLE_NATIONAL, 5, "national") X(ROLE_HEALTH, 6, "health") \
	X(ROLE_ADMIN, 7, "admin") X(ROLE_REPLICATION, 8, "replication")
enum role { ROLES(FORM_ENUM) };
#define ROLE_LAST	ROLE_REPLICATION
#define USER_MAX_FAILURES	5
#define USER_LOCK_SECONDS	900
#define USER_MIN_PASSWORD	8

struct session {
	struct store	*store;
	char		 user[USER_LEN];
	int		 role;
	char		 office[OFFICE_LEN];
	int		 level;
	int		 lang;		/* screen labels: 0 English, 1 Khmer */
	/*
	 * Set when the password was right but the store was too damaged to
	 * record the login (user_login then returns CR_ECORRUPT): only
	 * verify may go on, to report the damage.
	 */
	char		 damage[1024];
};

struct user_info {
	char	 name[USER_LEN];
	int	 role;
	int	 disabled;
	int	 failures;
	int64_t	 locked_until;
	int64_t	 created;
	int64_t	 last_login;
	char	*full_name;
	int	 lang;		/* 0 English, 1 Khmer (TUI labels) */
};

const char *user_role_name(int);
int	user_role_code(const char *);
int	user_name_valid(const char *, char *why, size_t);
int	user_password_ok(const char *, struct cr_err *);
int	user_create_first(struct txn *, const char *name, const char *pw,
	    struct cr_err *);
int	user_login(struct store *, const char *name, const char *pw,
	    struct session *, struct cr_err *);
/*
 * Without a password, for `civreg receive` only (push.c): the user must
 * have the role replication and not be disabled; audited as a login
 * with `how` (e.g. "receive via ssh from 10.0.0.5").
 */
int	user_login_key(struct store *, const char *name, const char *how,
	    struct session *, struct cr_err *);
int	user_add(struct session *, const char *name, int role,
	    const char *full_name, const char *pw, struct cr_err *);
int	user_passwd(struct session *, const char *name, const char *pw,
	    struct cr_err *);
int	user_set_disabled(struct session *, const char *name, int disabled,
	    struct cr_err *);
typedef int (*user_visit_fn)(void *, const struct user_info *);
int	user_list(struct session *, user_visit_fn, void *, struct cr_err *);
int	user_set_lang(struct session *, int lang, struct cr_err *);
void	user_info_free(struct user_info *);
int	user_check(const void *key, size_t, const void *val, size_t,
	    struct cr_err *);

/* ----------------------------------------------------------------- authz.c */
/* Every core action names one of these; the table says who may. */
enum authz_action {
	AZ_DECLARE,	/* per form: form->roles */
	AZ_READ,
	AZ_SEARCH,
	AZ_USER_ADMIN,
	AZ_AUDIT_READ,
	AZ_VERIFY,
	AZ_GAZETTEER,
	AZ_AUTHENTICATE,
	AZ_CERT_PRINT,	/* print certificates and certified copies */
	AZ_CERT_VERIFY,	/* check a certificate's verification code */
	AZ_PERSON,	/* a person's records and residence */
	AZ_IDCARD_LIST,	/* ID cards expired or expiring */
	AZ_CONFIG,	/* the store's settings (legal periods) */
	AZ_KEYS,	/* make, certify, install, trust, revoke keys */
	AZ_KEYS_READ,	/* show, list and export the office keys */
	AZ_REPLICATE,	/* export and import replication files */
	AZ_RESOLVE,	/* resolve a conflict between offices */
	AZ_AUTH_DETAIL,	/* learn which claimed fields differ (identity.c) */
	AZ_DEDUP,	/* run de-duplication, read its review queue */
	AZ_DIGITIZE,	/* load keyed paper registers (digitize.c) */
	AZ_STATS,	/* compute vital statistics (stats.c) */
	AZ_NACTIONS
};
int	authz_check(const struct session *, int action, const struct form *,
	    struct cr_err *);
const char *authz_who(int action, const struct form *, char *, size_t);

/* ----------------------------------------------------------------- audit.c */
/* Audit actions are fixed on-disk codes. */
enum audit_action {
	AU_INIT = 1, AU_LOGIN = 2, AU_LOGIN_FAIL = 3, AU_USER_ADD = 4,
	AU_USER_PASSWD = 5, AU_USER_DISABLE = 6, AU_USER_ENABLE = 7,
	AU_DECLARE = 8, AU_READ = 9, AU_SEARCH = 10, AU_GAZETTEER = 11,
	AU_VERIFY = 12, AU_AUDIT_READ = 13, AU_LOCKED = 14, AU_DENIED = 15,
	AU_PREFERENCE = 16, AU_WORKFLOW = 17, AU_AUTHENTICATE = 18,
	AU_CERT_PRINT = 19, AU_CERT_VERIFY = 20, AU_PERSON = 21,
	AU_IDCARD_LIST = 22, AU_CONFIG = 23,
	AU_KEYS = 24,
	AU_EXPORT = 25, AU_IMPORT = 26, AU_RESOLVE = 27, AU_PUSH = 28,
	AU_KIDC = 29, AU_DEDUP = 30, AU_DIGITIZE = 31, AU_STATS = 32
};

struct audit_entry {
	uint64_t	 seq;
	int64_t		 time;
	int		 action;
	char		 user[USER_LEN];
	char		 office[OFFICE_LEN];
	char		*record;	/* record id or "" */
	char		*detail;
	unsigned char	 prev[CRYPTO_HASHLEN];
	unsigned char	 hash[CRYPTO_HASHLEN];
};

int	audit_append(struct txn *, const char *user, const char *office,
	    int action, const char *record, const char *detail,
	    struct cr_err *);
/* Records a refused action (outside any transaction; best effort). */
void	audit_denied(struct session *, const char *record,
	    const struct cr_err *why);
int	audit_decode(const void *, size_t, struct audit_entry *,
	    struct cr_err *);
void	audit_entry_free(struct audit_entry *);
const char *audit_action_name(int);
typedef int (*audit_visit_fn)(void *, const struct audit_entry *);
int	audit_list(struct session *, const char *record, audit_visit_fn,
	    void *, struct cr_err *);
/* Walks the chain; each problem is added to err.  Returns problem count. */
int	audit_verify_chain(struct txn *, struct cr_err *, uint64_t *count);

/* --------------------------------------------------------------- regist.c */
/* Declaring, reading and finding records (the workflow grows in issue 4). */
struct rec_history {
	size_t		 n;
	struct record	*revs;
};

int	regist_declare(struct session *, const char *kind, const struct kv *,
	    size_t n, char id[REC_IDLEN], struct cr_err *);
int	regist_show(struct session *, const char *id, struct record *,
	    struct rec_history *, struct cr_err *);
void	rec_history_free(struct rec_history *);
typedef int (*regist_hit_fn)(void *, const struct record *);
/* A search's hit and how well it matches (1 best), best first. */
typedef int (*regist_found_fn)(void *, const struct record *, double score);
int	regist_search(struct session *, const char *text, size_t limit,
	    regist_found_fn, void *, struct cr_err *);
/* A search with what else is known of the person (NULL: not known). */
struct search_query {
	const char	*text;		/* names, an identity code, a record id */
	const char	*born;		/* date of birth, YYYY-MM-DD */
	const char	*mother;	/* the mother's name, either script */
	const char	*father;
	const char	*place;		/* a gazetteer code */
	const char	*purpose;	/* the audit entry's word; NULL: search */
};
int	regist_search_query(struct session *, const struct search_query *,
	    size_t limit, regist_found_fn, void *, struct cr_err *);
int	regist_next_id(struct txn *, const char *office, char id[REC_IDLEN],
	    struct cr_err *);
/* The current revision of record id (CR_ENOTFOUND names it). */
int	regist_load(struct txn *, const char *id, struct record *, int upd,
	    struct cr_err *);
/* history.db: a revision by its key (the current one's entry: a mark). */
void	regist_history_mark(const void *enc, size_t len, struct buf *mark);
int	regist_history_is_mark(const void *, size_t);
int	regist_history_holds(const void *entry, size_t, const void *enc,
	    size_t len);
int	regist_history_get(struct txn *, const void *key, size_t klen,
	    struct buf *val, struct cr_err *);
int	regist_history_demote(struct txn *, const char *id, struct cr_err *);
int	regist_put_revision(struct txn *, const struct record *, int create,
	    struct cr_err *);
int	regist_overdue(struct session *, const struct record *);
struct draft;
int	regist_from_notice(struct session *, const char *notice_id,
	    const char *kind, struct draft *, struct cr_err *);
/* Records in one status (and kind, if not 0), lowest ids first. */
int	regist_queue(struct session *, int status, int kind, size_t limit,
	    regist_hit_fn, void *, struct cr_err *);
/* A rejected declaration corrected and declared again (key= removes). */
int	regist_amend(struct session *, const char *id, const struct kv *,
	    size_t n, struct record *after, struct cr_err *);

/* --------------------------------------------------------------- office.c */
struct office_init {
	const char	*dir;
	const char	*office;
	int		 level;
	const char	*admin;
	const char	*password;
};
int	office_init(const struct office_init *, struct cr_err *);
int	office_info(struct txn *, char office[OFFICE_LEN], int *level,
	    struct cr_err *);
int	office_code_valid(const char *, int level, char *why, size_t);
int	office_code_shape(const char *);	/* 1 if 2, 4 or 6 digits */

/* ------------------------------------------------------------ gazetteer.c */
struct place {
	char	 code[9];
	char	 parent[9];
	char	*type_en;
	char	*name_km;
	char	*name_latin;
};
int	gazetteer_load(struct session *, const char *dir, size_t *count,
	    struct cr_err *);
int	gazetteer_get(struct txn *, const char *code, struct place *,
	    struct cr_err *);
void	place_free(struct place *);
typedef int (*place_visit_fn)(void *, const struct place *);
/* The places directly inside parent ("" for the provinces). */
int	gazetteer_list(struct session *, const char *parent, place_visit_fn,
	    void *, struct cr_err *);
int	gazetteer_loaded(struct txn *, struct cr_err *);

/* ----------------------------------------------------------------- draft.c */
struct draft {
	char		 form[40];
	int64_t		 time;
	int		 focus;		/* field the cursor was in */
	size_t		 n;
	struct kv	*kv;
};
typedef int (*draft_visit_fn)(void *, const struct draft *);
int	draft_save(struct session *, const struct draft *, struct cr_err *);
int	draft_load(struct session *, const char *form, struct draft *,
	    struct cr_err *);
int	draft_delete(struct session *, const char *form, struct cr_err *);
int	draft_list(struct session *, draft_visit_fn, void *, struct cr_err *);
void	draft_free(struct draft *);

/* -------------------------------------------------------------- workflow.c */
enum wf_timeliness { WT_CURRENT = 1, WT_LATE = 2, WT_DELAYED = 3 };
struct kidc_issue;
struct wf_request {
	const char	*verb;		/* register approve reject certify issue
					   grant dismiss archive */
	const char	*id;
	const char	*reason;
	const char	*evidence;
	struct kidc_issue *issued;	/* if not NULL: the code registration
					   issued, or that it is pending */
};
int	workflow_act(struct session *, const struct wf_request *,
	    struct record *after, struct cr_err *);
int	workflow_timeliness(int32_t event_day, int32_t reg_day, int period);
/* Days of the legal period (the store's, else the law's), or -CR_*. */
int	workflow_period(struct txn *, const struct form *, struct cr_err *);
int	workflow_period_default(const struct form *);
int	workflow_period_of(struct session *, const struct form *);
int	workflow_period_set(struct session *, const char *name,
	    const char *value, struct cr_err *);
const char *workflow_timeliness_name(int);
int	workflow_identity_field(const struct form_field *);
int	workflow_step(struct txn *, struct session *, struct record *,
	    const char *verb, const char *note, char *who, size_t whosz,
	    struct cr_err *);
/* Law checks of a declaration about another record (correction, appeal). */
int	workflow_check_declaration(struct txn *, struct record *,
	    struct cr_err *);

/* -------------------------------------------------------------- identity.c */
#define AUTH_MAX_FIELDS	8
struct auth_result {
	int	match;
	size_t	ndiffer;		/* filled for registrars and above */
	char	differ[AUTH_MAX_FIELDS][32];
};
int	identity_authenticate(struct session *, const char *kidc,
	    const struct kv *, size_t n, struct auth_result *, struct cr_err *);

/* ------------------------------------------------------------------ cert.c */
/*
 * Certificates, burial permits and certified copies printed (certs.db):
 * a serial number per office and a random verification code.
 */
#define CERT_CODE_CHARS	12	/* 11 random base32 + 1 check character */
#define CERT_CODE_SHOWN	14	/* XXXX-XXXX-XXXX */
enum cert_type { CT_ORIGINAL = 1, CT_COPY = 2 };	/* on disk */

struct cert_info {
	char		 serial[32];		/* OFFICE-C-NNNNNN */
	char		 code[CERT_CODE_SHOWN + 1];
	char		 record[REC_IDLEN];
	int		 kind;			/* form code */
	int		 type;			/* CT_ORIGINAL, CT_COPY */
	uint32_t	 print;			/* 1, then 2 the first reprint */
	uint32_t	 rev;			/* of the record, as printed */
	int64_t		 time;
	char		 user[USER_LEN];
	char		 office[OFFICE_LEN];
	unsigned char	 digest[CRYPTO_HASHLEN];	/* SHA-256 of the text */
};
struct cert_paper {
	struct cert_info info;
	char		*text;		/* UTF-8 lines, each ending in \n */
	size_t		 len;
	int		 certified;	/* the record became certified */
};
struct cert_check {
	struct cert_info info;
	uint32_t	 rev_now;
	int		 status_then, status_now;
	char		 summary[512];	/* names and date, as printed */
	char		 changed[512];	/* fields changed since, or "" */
};
int	cert_print(struct session *, const char *id, int type,
	    struct cert_paper *, struct cr_err *);
void	cert_paper_free(struct cert_paper *);
int	cert_verify(struct session *, const char *code, struct cert_check *,
	    struct cr_err *);
typedef int (*cert_visit_fn)(void *, const struct cert_info *);
int	cert_list(struct session *, const char *id, cert_visit_fn, void *,
	    struct cr_err *);
int	cert_lpr(const char *printer, const char *text, size_t len,
	    struct cr_err *);
const char *cert_doc_name(int kind, int type, char *out, size_t);
int	cert_code_parse(const char *in, char out[CERT_CODE_CHARS + 1],
	    char *why, size_t whysz);
char	cert_code_check_char(const char *data);	/* of 11 characters */
void	cert_code_show(const char *code, char out[CERT_CODE_SHOWN + 1]);
/* For verify: problems found in certs.db (added to report). */
int	cert_check_store(struct txn *, struct cr_err *report, uint64_t *count);

/* ---------------------------------------------------------------- idcard.c */
/* ID cards expired or expiring in an area (renewal campaigns). */
#define IDCARD_AHEAD_DAYS	90	/* default end of the period: today + */
struct idcard_query {
	char	 area[9];	/* a commune, or a district or province prefix */
	int	 has_from;	/* else no lower bound */
	int32_t	 from, to;	/* expiry dates (days), inclusive */
};
struct idcard {
	char	 id[REC_IDLEN];
	char	 kidc[KIDC_LEN + 1];
	char	*name_km;
	char	*name_latin;
	char	*card_number;
	char	 issue_date[11];
	char	 expiry_date[11];
	char	 residence[9];
	int	 expired;	/* expiry before today; else expiring */
};
struct idcard_list {
	struct idcard_query	 q;
	char			*area_km, *area_latin;	/* NULL: no gazetteer */
	size_t			 n, nexpired;
	struct idcard		*v;	/* by expiry date, then record id */
};
int	idcard_query_parse(const char *area, const char *from, const char *to,
	    struct idcard_query *, struct cr_err *);
int	idcard_list(struct session *, const struct idcard_query *,
	    struct idcard_list *, struct cr_err *);
void	idcard_list_free(struct idcard_list *);
int	idcard_write_csv(const struct idcard_list *, FILE *);
const char *idcard_area_level(const char *area);	/* "commune" ... */

/* ---------------------------------------------------------------- person.c */
/* The population register: every record about one identity code. */
struct person_record {
	char	 id[REC_IDLEN];
	int	 kind;
	int	 status;
	char	 part[48];	/* subject, mother, husband ...: "a,b" if both */
	char	 date[11];	/* event date, or "" */
};
struct person_residence {
	char	 code[9];
	char	 date[11];	/* since */
	char	 id[REC_IDLEN];	/* the record that says so */
	int	 kind;
	char	*place_km;	/* "commune, district, province"; NULL: */
	char	*place_latin;	/* not in the gazetteer */
};
struct person {
	char			 kidc[KIDC_LEN + 1];
	char			*name_km, *name_latin;	/* NULL: not known */
	size_t			 nrec;
	struct person_record	*rec;	/* by event date, then id */
	size_t			 nres;
	struct person_residence	*res;	/* oldest first; the last is current */
	char			 death_id[REC_IDLEN];	/* "" unless deceased */
	char			 death_date[11];
};
int	person_get(struct session *, const char *kidc, struct person *,
	    struct cr_err *);
void	person_free(struct person *);
int	person_counts(int status);	/* registered, certified, issued ... */

/* ----------------------------------------------------------------- lease.c */
#define LEASE_SECONDS	600
struct lease {
	char	 user[USER_LEN];
	char	 form[40];
	long	 pid;
	int64_t	 time;
};
int	lease_take(struct session *, const char *id, const char *form,
	    struct lease *other, struct cr_err *);
int	lease_release(struct session *, const char *id, struct cr_err *);
int	lease_get(struct session *, const char *id, struct lease *,
	    struct cr_err *);

/* ------------------------------------------------------------------ keys.c */
/*
 * Office keys and their certificates (DESIGN §6).  Each office has an
 * Ed25519 signing key and an X25519 encryption key, made at init.  An
 * office certificate binds an office code and level to both public keys
 * and is signed by the issuer: the national office signs itself (the
 * root, trusted by fingerprint) and its provinces; a province signs its
 * districts and communes.  A key is named by its id: the first 8 bytes
 * of SHA-256 of the signing public key.  Encodings are fixed
 * (db/record-format.txt, doc/replication.md).
 */
#define KEY_ID_LEN	8
#define KEY_LEN		32
#define KEY_SIG_LEN	64
#define OFFICE_CERT_VERSION 1

struct office_cert {
	char		office[OFFICE_LEN];	/* subject */
	int		level;			/* LV_* */
	unsigned char	sign_pk[KEY_LEN];
	unsigned char	enc_pk[KEY_LEN];
	char		issuer[OFFICE_LEN];	/* == office: self-signed */
	unsigned char	issuer_id[KEY_ID_LEN];
	int64_t		issued;
	unsigned char	sig[KEY_SIG_LEN];	/* issuer's, over the rest */
};

struct office_keys {			/* this office's own, secrets too */
	char		office[OFFICE_LEN];
	int		level;
	unsigned char	sign_pk[KEY_LEN], sign_sk[KEY_LEN];
	unsigned char	enc_pk[KEY_LEN], enc_sk[KEY_LEN];
};

struct key_revocation {
	char		office[OFFICE_LEN];	/* whose key */
	unsigned char	id[KEY_ID_LEN];		/* which key */
	char		issuer[OFFICE_LEN];
	unsigned char	issuer_id[KEY_ID_LEN];
	int64_t		time;
	unsigned char	sig[KEY_SIG_LEN];	/* issuer's, over the rest */
};

#define KEYS_MAX_CHAIN	4		/* commune, province, national */

void	keys_id(const unsigned char sign_pk[KEY_LEN],
	    unsigned char id[KEY_ID_LEN]);
void	keys_id_hex(const unsigned char id[KEY_ID_LEN], char out[17]);
void	keys_cert_encode(const struct office_cert *, struct buf *);
int	keys_cert_decode(const void *, size_t, struct office_cert *,
	    struct cr_err *);
void	keys_revocation_encode(const struct key_revocation *, struct buf *);
int	keys_revocation_decode(const void *, size_t, struct key_revocation *,
	    struct cr_err *);
/* At init, in its transaction: both key pairs and a self-signed cert. */
int	keys_generate(struct txn *, const char *office, int level,
	    struct cr_err *);
int	keys_own(struct txn *, struct office_keys *, struct cr_err *);
/*
 * This office's certificate chain, leaf first, up to the root; chain
 * holds KEYS_MAX_CHAIN.  CR_EPERM while the key is only self-signed
 * (not certified yet, except the national root) or revoked.
 */
int	keys_own_chain(struct txn *, struct office_cert *chain, size_t *n,
	    struct cr_err *);
/* The certified key of another office, if known (CR_ENOTFOUND); a
   revoked one is CR_EPERM.  For this office: its own certificate. */
int	keys_peer(struct txn *, const char *office, struct office_cert *,
	    struct cr_err *);
/*
 * Checks a chain (leaf first) against the trusted root and the known
 * revocations: each certificate signed by the next, issuers within
 * their area, the last one a trusted root.  CR_EPERM names what fails.
 * On success the certificates are remembered (keys_peer finds them).
 */
int	keys_verify_chain(struct txn *, const struct office_cert *chain,
	    size_t n, struct cr_err *);
/*
 * Whether a revocation is stored under this key id: 1, 0, or a negative
 * CR status.  It counts against a certificate only if it names that
 * certificate's office and issuer (keys_verify_chain checks that).
 */
int	keys_revoked(struct txn *, const unsigned char id[KEY_ID_LEN]);
/*
 * A revocation from a file: applied if its issuer's signature holds and
 * the issuer may certify the office; the same one twice: CR_OK.
 * CR_ENOTFOUND: its issuer is not known (or revoked) here, so it cannot
 * be checked yet: import skips it, and it comes again with later files.
 */
int	keys_apply_revocation(struct txn *, const struct key_revocation *,
	    struct cr_err *);
typedef int (*keys_revocation_fn)(void *, const struct key_revocation *);
int	keys_revocations(struct txn *, keys_revocation_fn, void *,
	    struct cr_err *);
/* Whether office `signer` may write for office `owner` (prefix rule). */
int	keys_authority(const char *signer, const char *owner);
/* Whether office `issuer` may certify office `subject` (DESIGN §6). */
int	keys_may_certify(const struct office_cert *issuer,
	    const struct office_cert *subject, char *why, size_t);
/* Hex of the full SHA-256 of a signing key: the out-of-band check. */
#define KEYS_FPR_HEX	64
void	keys_fingerprint(const unsigned char sign_pk[KEY_LEN],
	    char out[KEYS_FPR_HEX + 1]);
int	keys_fingerprint_parse(const char *in,
	    unsigned char out[CRYPTO_HASHLEN]);
/* A key file (export, certify): "OF", version, count, certificates. */
void	keys_chain_encode(const struct office_cert *, size_t n, struct buf *);
int	keys_chain_decode(const void *, size_t, struct office_cert *chain,
	    size_t *n, struct cr_err *);	/* chain: KEYS_MAX_CHAIN */

/* What `civreg keys` does, with roles (AZ_KEYS, AZ_KEYS_READ) and audit. */
struct keys_status {
	int			have;		/* 0: a store made before keys */
	struct office_cert	chain[KEYS_MAX_CHAIN];	/* own, leaf first */
	size_t			n;
	int			revoked;	/* own key revoked */
	size_t			nroots;
	struct office_cert	roots[4];	/* trusted roots */
};
struct keys_entry {
	struct office_cert	cert;
	int			own;		/* this office */
	int			revoked;
	int			trusted;	/* a trusted root */
};
typedef int (*keys_visit_fn)(void *, const struct keys_entry *);
int	keys_status(struct session *, struct keys_status *, struct cr_err *);
int	keys_create(struct session *, struct office_cert *, struct cr_err *);
int	keys_export(struct session *, struct buf *file, struct office_cert *,
	    struct cr_err *);
int	keys_certify(struct session *, const void *file, size_t len,
	    struct buf *out, struct office_cert *subject, struct cr_err *);
int	keys_install(struct session *, const void *file, size_t len,
	    struct office_cert *leaf, int *own, struct cr_err *);
int	keys_trust(struct session *, const void *file, size_t len,
	    const char *fingerprint, struct office_cert *root,
	    struct cr_err *);
int	keys_revoke(struct session *, const char *office,
	    struct key_revocation *, struct cr_err *);
int	keys_list(struct session *, keys_visit_fn, void *, struct cr_err *);
#define OFFICE_CERT_LEN	180	/* encoded certificate, version 1 */

/* --------------------------------------------------------------- repfile.c */
/* File kinds, on the wire. */
enum { RF_CHANGES = 1, RF_RECEIPT = 2, RF_ALLOCATION = 3 };
struct repfile_head {
	int			kind;
	char			sender[OFFICE_LEN];
	char			recipient[OFFICE_LEN];
	uint64_t		seq;		/* per sender-recipient pair */
	int64_t			created;
	unsigned char		sender_id[KEY_ID_LEN];
	unsigned char		recipient_id[KEY_ID_LEN];
	size_t			nchain;
	struct office_cert	chain[KEYS_MAX_CHAIN];	/* leaf first */
};
int	repfile_seal(const struct repfile_head *, const struct office_keys *,
	    const unsigned char rcpt_enc_pk[KEY_LEN], const void *payload,
	    size_t n, struct buf *out, struct cr_err *);
/* Header, chain and signature only; nothing else is parsed. */
int	repfile_verify(const void *file, size_t n, struct repfile_head *,
	    struct cr_err *);
int	repfile_open(const void *file, size_t n, const struct office_keys *,
	    struct buf *payload, struct cr_err *);
size_t	repfile_signer_key_offset(void);
/* Payload entry types, on the wire (doc/replication.md). */
#define REPFILE_PAYLOAD_VERSION	1
enum { PE_REVISION = 1, PE_AUDIT = 2, PE_REVOCATION = 4, PE_RECEIPT = 5,
	PE_KIDC_POOL = 6 };
void	repfile_payload_start(struct buf *, uint64_t hw, uint64_t audit_hw);
void	repfile_entry_add(struct buf *, int type, const void *, size_t);
typedef int (*repfile_entry_fn)(void *, int type, const void *, size_t,
	    struct cr_err *);
int	repfile_payload(const void *, size_t, uint64_t *hw,
	    uint64_t *audit_hw, repfile_entry_fn, void *, struct cr_err *);

/* ------------------------------------------------------------- kidc-pool.c */
#define KIDC_GENERATE_MAX	10000000	/* per call */
#define KIDC_ALLOCATE_MAX	1000000		/* per allocation file */
#define KIDC_WARN_DEFAULT	100	/* config kidc.warn: unused codes */
struct kidc_stats {
	size_t	generated;	/* national: codes ever generated */
	size_t	redrawn;	/* drawn again: the code existed already */
	size_t	free;		/* national: not yet allocated */
	size_t	allocated;	/* national: handed to offices */
	size_t	unused;		/* this office's pool: not yet issued */
	size_t	issued;		/* issued, not yet confirmed upstream */
	size_t	confirmed;	/* issued and acknowledged upstream */
	size_t	pending;	/* registrations waiting for a code */
	size_t	warn;		/* the kidc.warn threshold */
};
/* What a registration did about its identity code. */
struct kidc_issue {
	char	code[KIDC_LEN + 1];	/* the code issued; "" if none */
	int	pending;	/* the pool is empty: the code comes later */
	size_t	left;		/* unused codes left in the pool */
	int	low;		/* left is below the warning threshold */
};
struct kidc_alloc {
	uint64_t	number;		/* allocation number to that office */
	size_t		count;
	char		path[4096];	/* the allocation file written */
};
typedef void (*kidc_progress_fn)(void *, size_t done, size_t total);
int	kidc_pool_generate(struct session *, size_t count, kidc_progress_fn,
	    void *, struct kidc_stats *, struct cr_err *);
int	kidc_pool_allocate(struct session *, const char *to, size_t count,
	    const char *dir, struct kidc_alloc *, struct cr_err *);
int	kidc_pool_stats(struct session *, struct kidc_stats *,
	    struct cr_err *);
int	kidc_pool_warn_get(struct session *);
int	kidc_pool_warn_set(struct session *, const char *value,
	    struct cr_err *);
/*
 * Issuance, inside the registering transaction: kidc_pool_issue before
 * the revision is written (fills the form's issue field from the pool,
 * or notes the record as waiting), kidc_pool_issued after it (ties the
 * code to the change that carries it).  Nothing if the form issues no
 * code or the field is filled already.
 */
int	kidc_pool_issue(struct txn *, struct record *, struct kidc_issue *,
	    struct cr_err *);
int	kidc_pool_issued(struct txn *, const struct record *,
	    const struct kidc_issue *, struct cr_err *);
/*
 * The same for many records in one transaction (digitize): the pool's
 * count and the next unused codes are read once, not for each record;
 * kidc_bulk_end writes the count back before the commit, kidc_bulk_free
 * always.  kidc_pool_issued_at is told the change that carries the code.
 * fresh: the records are new to the store (none can be waiting already);
 * one: a single record (read no codes ahead).
 */
struct kidc_bulk {
	int		 fresh, one;
	size_t		 taken;		/* codes taken: kidc.unused changed */
	int		 open, empty, waits;
	uint64_t	 left;		/* kidc.unused, as it will be */
	uint64_t	 wait;		/* seq.kidc_wait, as it will be */
	size_t		 warn;
	struct buf	 keys, codes;	/* the next 'U' entries, read ahead */
	size_t		 next, n;
};
int	kidc_pool_issue_bulk(struct txn *, struct record *,
	    struct kidc_issue *, struct kidc_bulk *, struct cr_err *);
int	kidc_pool_issued_at(struct txn *, const struct record *,
	    const struct kidc_issue *, uint64_t change, struct cr_err *);
int	kidc_bulk_end(struct txn *, struct kidc_bulk *, struct cr_err *);
void	kidc_bulk_free(struct kidc_bulk *);
/* An allocation file's codes (sync.c, after its checks of the file). */
int	kidc_pool_receive(struct txn *, struct session *, const char *sender,
	    uint64_t number, const void *codes, size_t len, size_t *ncodes,
	    size_t *assigned, struct cr_err *);
/* An upstream office acknowledged the change log up to hw. */
int	kidc_pool_confirm(struct txn *, uint64_t hw, size_t *confirmed,
	    struct cr_err *);
/* verify: kidc.db's entries and lists agree; the number of problems. */
int	kidc_pool_check_store(struct txn *, struct cr_err *report);

/* ----------------------------------------------------------------- dedup.c */
/* Likely duplicates among valid births (doc/search.md, "Duplicates"). */
struct dedup_stats {
	size_t	records;	/* births compared */
	size_t	compared;	/* candidate pairs */
	size_t	proposed;	/* accepted pairs without a decision */
	size_t	queued;		/* of them new in the review queue */
};
typedef void (*dedup_progress_fn)(void *, const char *phase, size_t done,
	    size_t total);
int	dedup_run(struct session *, const char *since, const char *area,
	    dedup_progress_fn, void *, struct dedup_stats *, struct cr_err *);
struct dedup_pair {
	struct record	a, b;		/* lower id first */
	double		posterior;	/* P(the same person) */
	double		weight;		/* Fellegi-Sunter weight */
	int64_t		proposed;	/* time */
};
typedef int (*dedup_pair_fn)(void *, const struct dedup_pair *);
/* The queue, pairs without a decision (here or replicated), in id order. */
int	dedup_review(struct session *, dedup_pair_fn, void *, struct cr_err *);
/* A match_decision being declared, in its transaction. */
int	dedup_decision_check(struct txn *, struct record *, struct cr_err *);
/* A pair linked at entry, queued for review (waiting already: fine). */
int	dedup_queue(struct txn *, const char *a, const char *b, double score,
	    struct cr_err *);

/* ------------------------------------------------------------------- csv.c */
/* Rows of a CSV file in memory (RFC 4180, a BOM, CRLF; doc/digitize.md). */
struct csv {
	const char	*base, *p, *end;
	size_t		 line;		/* of the next row */
	struct buf	 field;
	char		**f;
	size_t		 nf, cap;
};
struct csv_row {
	size_t		 line;		/* where it begins, 1-based */
	size_t		 start, end;	/* its bytes */
	size_t		 nf;
	char		**f;		/* its fields, until the next row */
	int		 bad;		/* unreadable: why says */
};
void	csv_init(struct csv *, const void *, size_t);
/* 1: a row (bad or not), 0: the end. */
int	csv_next(struct csv *, struct csv_row *, char *why, size_t);
void	csv_free(struct csv *);
/* A field as CSV: quoted if it holds a comma, a quote or a line end. */
void	csv_write_field(FILE *, const char *);

/* ------------------------------------------------------------- digitize.c */
/* The paper back-log: keyed CSV batches loaded, resumably; double entry. */
#define DIGITIZE_CHUNK		20000	/* rows a transaction, at most */
#define DIGITIZE_CHUNK_FIRST	500	/* the first; each next one doubles */
#define DIGITIZE_NAME_LEN	128	/* a batch name, NUL included */
struct digitize_opts {
	const char	*file;		/* the CSV */
	const char	*kind;		/* its form */
	const char	*map;		/* COLUMN = FIELD lines, or NULL */
	const char	*batch;		/* NULL: the file's base name */
	const char	*rejects;	/* NULL: FILE.rejects.csv */
	int		 no_dedup;	/* do not run dedup after the load */
	const char	*second;	/* double entry: only rows keyed alike */
};
struct digitize_result {
	char		 batch[DIGITIZE_NAME_LEN];
	char		 rejects[4200];	/* the report written */
	size_t		 rows, loaded, already, rejected;
	size_t		 codes, waiting;	/* identity codes */
	int		 deduped;	/* dedup ran after the load */
	struct dedup_stats dedup;
	char		 dedup_why[400];	/* or why it could not */
};
typedef void (*digitize_progress_fn)(void *, size_t done, size_t total,
	    size_t rows);
int	digitize_import(struct session *, const struct digitize_opts *,
	    digitize_progress_fn, void *, struct digitize_result *,
	    struct cr_err *);
/* One difference between two keyings of a batch. */
struct digitize_diff {
	size_t		 record;	/* row number, 1 the first */
	size_t		 line_a, line_b;	/* 0: not in that file */
	const char	*column;	/* NULL: the whole row */
	const char	*a, *b;		/* the two values */
	const char	*why;		/* a whole row: why */
	int		 which;		/* 'A'/'B': the unreadable one */
};
typedef void (*digitize_diff_fn)(void *, const struct digitize_diff *);
struct digitize_cmp {
	size_t		 records, agree, differ, fields;
};
int	digitize_compare(const char *a, const char *b, const char *agreed,
	    digitize_diff_fn, void *, struct digitize_cmp *, struct cr_err *);
/* verify: one digitize.db entry; 0, or -1 and why. */
int	digitize_check_entry(struct txn *, const void *k, size_t kl,
	    const void *v, size_t vl, char *why, size_t whysz);

/* ----------------------------------------------------------------- stats.c */
/* Vital statistics tables (doc/stats.md). */
struct stats_query {
	const char	*from, *to;	/* the period, YYYY-MM-DD, inclusive */
	const char	*area;		/* a gazetteer code, or NULL: all */
	int		 by;		/* STATS_BY_*: the place the area is */
};
enum { STATS_BY_DEFAULT, STATS_BY_OCCURRENCE, STATS_BY_RESIDENCE };
struct stats_row {
	char		*label;
	size_t		 count;		/* its records: the sum of its cells */
	double		 expected;	/* completeness tables; else < 0 */
	size_t		*cells;		/* a cross-tabulation: ncols counts */
};
/*
 * A table: rows, each with a count; a cross-tabulation (ncols > 0) also
 * splits each row's count into columns.  An axis' last label is "not
 * stated", but for the event kinds (form NULL: one row a kind, the
 * form's key).  row_field and col_field name the choice field of form
 * whose values the rows or columns are, else NULL (a screen shows their
 * Khmer labels).
 */
struct stats_table {
	struct session	*s;
	const char	*key, *title;
	const char	*form;		/* the event kind; NULL: every kind */
	const char	*row_field, *col_field;
	struct stats_row *rows;
	size_t		 nrows;
	char		**cols;		/* the columns' labels */
	size_t		 ncols;		/* 0: not a cross-tabulation */
	size_t		*col_totals;	/* = the sum of each column */
	size_t		 total;		/* = the sum of the rows */
	double		 expected;	/* completeness: the sum; else < 0 */
	int		 by_residence;	/* the area was by usual residence */
};
size_t	stats_count(void);
int	stats_info(size_t, const char **key, const char **title);
int	stats_compute(struct session *, const char *key,
	    const struct stats_query *, struct stats_table *, struct cr_err *);
/* Several tables in one pass over the register: t[0..n-1]. */
int	stats_compute_many(struct session *, const char *const *keys, size_t n,
	    const struct stats_query *, struct stats_table *t, struct cr_err *);
void	stats_table_free(struct stats_table *);
/* Population and crude rates per province (administrators), from CSV. */
int	stats_rates_load(struct session *, const char *csvfile, size_t *n,
	    struct cr_err *);
struct stats_rate {
	char		 province[3];
	uint64_t	 population;
	double		 birth_rate, death_rate;	/* per 1000 a year */
};
typedef int (*stats_rate_fn)(void *, const struct stats_rate *);
int	stats_rates_list(struct session *, stats_rate_fn, void *,
	    struct cr_err *);

/* ---------------------------------------------------------------- likely.c */
/*
 * At entry: the persons of a declaration (its form's person lines) that
 * are likely in the register already (doc/search.md, "At entry").
 */
#define LIKELY_MIN	0.80	/* a match shown from this score */
#define LIKELY_MAX	5	/* at most so many per person */
struct likely {
	int		 person;	/* which of the form's persons */
	char		 id[REC_IDLEN];	/* the record that holds them */
	int		 kind, status;
	double		 score;		/* 0..1 */
	char		 kidc[KIDC_LEN + 1];	/* their code, or "" */
	char		*name;		/* their names, as shown */
	char		*born;		/* "" if unknown */
	char		*mother;	/* "" if unknown */
};
struct likely_list {
	struct likely	*v;
	size_t		 n;
};
/* Best first; searches are audited ("at entry"); *out is the caller's. */
int	likely_find(struct session *, const char *kind, const struct kv *,
	    size_t n, struct likely_list *out, struct cr_err *);
void	likely_free(struct likely_list *);
/* How close record r's best person is to person p of a declaration. */
double	likely_score(const struct form *, int p, const struct record *decl,
	    const struct record *r, int *q);
/* A declaration's checks without saving it: form, places, references. */
int	regist_check(struct session *, const struct form *, const struct kv *,
	    size_t n, struct cr_err *);
int	regist_check_tx(struct txn *, struct session *, const struct form *,
	    const struct kv *, size_t n, struct cr_err *);
struct kidc_issue;
/*
 * Counters of a bulk load: zeroed, then regist_bulk_end before commit and
 * regist_bulk_free always.
 */
struct regist_bulk {
	uint64_t	 record, change;
	int		 open;
	struct kidc_bulk kidc;
	/* the gazetteer as this transaction sees it: whether it is
	 * loaded (0 not asked), and the place codes found in it */
	int		 gaz;
	uint64_t	*places;	/* open addressing; 0 empty */
	size_t		 nplaces, capplaces;
};
int	regist_bulk_end(struct txn *, struct regist_bulk *, struct cr_err *);
void	regist_bulk_free(struct regist_bulk *);
/*
 * A keyed paper record stored registered, in the caller's transaction.
 * checked: the caller has run form_validate on it and it passed.
 * *refused: the record failed the checks and nothing was written (the
 * caller may go on); otherwise an error is the store's (abort).
 */
int	regist_put_digitized(struct txn *, struct session *,
	    const struct form *, const struct kv *, size_t n, const char *note,
	    int checked, char id[REC_IDLEN], struct kidc_issue *,
	    struct regist_bulk *, int *refused, struct cr_err *);
/* Declaring with links to records found at entry (regist.c). */
int	regist_declare_linked(struct session *, const char *kind,
	    const struct kv *, size_t n, const char *const *links,
	    size_t nlinks, char id[REC_IDLEN], struct cr_err *);

/* ------------------------------------------------------------------ sync.c */
struct sync_result {
	int		kind;		/* RF_CHANGES, RF_RECEIPT, RF_ALLOCATION */
	char		from[OFFICE_LEN];
	uint64_t	seq;
	size_t		records, audit;			/* exported */
	size_t		applied, ignored, conflicts;	/* imported */
	uint64_t	gap_from, gap_to;		/* files not yet seen */
	int		receipt;	/* a receipt was imported */
	size_t		codes;		/* identity codes received */
	size_t		assigned;	/* of them given to waiting records */
	size_t		confirmed;	/* issued codes now confirmed */
	char		path[4096];		/* the file written */
	char		receipt_path[4096];	/* the receipt written */
};
int	sync_export(struct session *, const char *to, const char *dir,
	    struct sync_result *, struct cr_err *);
int	sync_import(struct session *, const char *path,
	    const char *receipt_dir, struct sync_result *, struct cr_err *);
typedef int (*sync_conflict_fn)(void *, const struct record *local,
	    const struct record *other);
int	sync_conflicts(struct session *, const char *id, sync_conflict_fn,
	    void *, struct cr_err *);
/* Called while a big file (1 MB of payload or more) is applied. */
typedef void (*sync_progress_fn)(void *, const char *path, size_t done,
	    size_t total);
void	sync_set_progress(sync_progress_fn, void *);
/* For other kinds of file (kidc-pool.c): seal, write beside, place. */
int	sync_seal(struct txn *, struct session *, const char *to, int kind,
	    uint64_t seq, const struct buf *payload, struct buf *file,
	    struct cr_err *);
int	sync_write_new(const char *path, const struct buf *, char *tmp,
	    size_t tmpsz, struct cr_err *);
int	sync_place_new(const char *tmp, const char *path);
int	sync_resolve(struct session *, const char *id, int keep_other,
	    const char *reason, struct record *after, struct cr_err *);

/* ------------------------------------------------------------------ push.c */
/*
 * Replication over SSH (doc/replication.md, "Over SSH").  push_files runs
 * the system OpenSSH client (no shell) to a remote office whose
 * authorized_keys forces `civreg -d DIR -u USER receive`; push_receive is
 * that command's core.  Both speak the small framed protocol described in
 * push.c.  A file the remote applied comes back with its signed receipt,
 * imported here at once, so the acknowledged point moves.
 */
enum push_status {
	PUSH_NOT_SENT = 0,	/* the connection failed before its turn */
	PUSH_APPLIED = 1,	/* imported by the remote office */
	PUSH_REFUSED = 2	/* refused by the remote office: see reason */
};
struct push_result;
struct push_opts {
	int		 port;		/* 0: ssh's default (or ~/.ssh/config) */
	const char	*identity;	/* ssh -i KEY, or NULL */
	const char	*known_hosts;	/* UserKnownHostsFile, or NULL */
	const char	*ssh;		/* the client program; NULL: "ssh" */
	/* Called after each file's answer (the TUI's progress), or NULL. */
	void		(*progress)(void *, size_t i,
			    const struct push_result *);
	void		*arg;
};
struct push_result {
	int		 status;	/* enum push_status */
	char		 reason[1024];	/* the remote's words: why refused, or
					   what it applied ("applied: ...") */
	int		 receipt;	/* its receipt was imported here */
	char		 receipt_error[1024];	/* else why not ("" if none came) */
	struct sync_result ack;		/* the receipt: from, seq, counts */
};
/*
 * Sends files[0..n-1] to dest ([USER@]HOST) and fills results[0..n-1].
 * CR_OK when every file got its answer (each may still be refused);
 * CR_EIO when the connection failed (the message quotes ssh's exit
 * status and last line; results say which files got through); CR_EPERM
 * for a role that may not replicate; CR_EINVAL, CR_ENOTFOUND for bad
 * arguments or unreadable files (nothing is sent).  Audited.
 */
int	push_files(struct session *, const char *const *files, size_t n,
	    const char *dest, const struct push_opts *,
	    struct push_result *results, struct cr_err *);
/*
 * The remote side: logs `user` in without a password (only a user of
 * role replication: the SSH key was the authentication), then reads
 * files from in_fd and answers on out_fd until the pusher says it is
 * done.  `how` says where the connection came from, for the audit log.
 */
int	push_receive(struct store *, const char *user, const char *how,
	    int in_fd, int out_fd, struct cr_err *);

/* ---------------------------------------------------------------- verify.c */
int	verify_store(struct session *, FILE *report, struct cr_err *);
int	verify_reindex(struct session *, size_t *records, struct cr_err *);

/* ------------------------------------------------------------- tui-edit.c */
/* One line being edited, by grapheme cluster (no curses here). */
struct tedit {
	wchar_t	*buf;
	size_t	 len, cap;
	size_t	 cur;		/* cursor, always on a cluster boundary */
	size_t	 off;		/* first character shown */
};
void	tedit_init(struct tedit *);
void	tedit_free(struct tedit *);
int	tedit_set_utf8(struct tedit *, const char *);
char	*tedit_utf8(const struct tedit *);
char	*tedit_utf8_from(const struct tedit *, size_t off);
int	tedit_insert(struct tedit *, wchar_t, size_t max);
void	tedit_backspace(struct tedit *);
void	tedit_delete(struct tedit *);
void	tedit_left(struct tedit *);
void	tedit_right(struct tedit *);
void	tedit_home(struct tedit *);
void	tedit_end(struct tedit *);
void	tedit_kill(struct tedit *);
size_t	tedit_next(const struct tedit *, size_t);
size_t	tedit_prev(const struct tedit *, size_t);
int	tedit_width(const struct tedit *, size_t, size_t);
void	tedit_scroll(struct tedit *, int cols);

/* ------------------------------------------------------------------ tui.c */
/*
 * The screens.  Only tui*.c files include curses; what they share is
 * declared here with plain types.  Each screen fills an ops table; the
 * main loop draws the top screen and hands it each key.
 */
#define TUI_KEY(k)	((k) | 0x1000000)	/* a curses KEY_* code */
#define TUI_IDLE	(-1)			/* no key for a while */
#define TUI_CTRL(c)	((c) & 0x1f)

struct cli;
struct tui_screen;
struct tui_ops {
	const char	*name;
	void		(*draw)(struct tui_screen *);
	int		(*key)(struct tui_screen *, int key);	/* 1: used */
	void		(*free)(struct tui_screen *);
	const char	*keys;		/* the status line */
	const char	*help;
};
struct tui_screen {
	const struct tui_ops	*ops;
	void			*data;
	struct tui_screen	*below;
};

extern struct session	tui_session;

int	tui_main(struct cli *);
void	tui_push(const struct tui_ops *, void *data);
void	tui_pop(void);
void	*tui_top_data(void);
void	tui_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	tui_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	tui_title(const char *);
int	tui_message_set(void);
int	tui_is_enter(int key);
int	tui_is_back(int key);
int	tui_is_erase(int key);
int	tui_put(int y, int x, int cols, const char *utf8, int attr);
int	tui_cols(const char *utf8);
int	tui_rows(void);
int	tui_width(void);
void	tui_help(const struct tui_ops *);
const char *tui_label(const char *km, const char *en);
void	tui_set_lang(int);
#define TUI_A_FOCUS	1
#define TUI_A_BOLD	2
#define TUI_A_ERROR	4
#define TUI_A_DIM	8

/* tui-form.c */
void	tui_form_open(const struct form *);
struct draft;
void	tui_form_open_values(const struct form *, const struct draft *);
void	tui_form_open_amend(const struct form *, const char *id,
	    const struct draft *);
void	tui_form_list(void);
/* tui-list.c */
void	tui_search_open(void);
void	tui_queues_open(void);
void	tui_record_open(const char *id);
void	tui_conflicts_open(void);	/* the queue of conflicts */
int	tui_list_key(int key, int *sel, int n, int rows);
void	tui_pick(const char *title, const char *const *items, size_t n,
	    void (*done)(void *, int), void *arg);
void	tui_pick_also(const char *title, const char *const *items,
	    const char *const *also, size_t n, void (*done)(void *, int),
	    void *arg);
/* tui-person.c */
void	tui_person_open(const char *kidc);	/* NULL: the user types it */
void	tui_person_of_record(int kind, const struct kv *codes, size_t n);
void	tui_idcards_open(void);
/* tui-sync.c */
void	tui_exchange_open(void);
void	tui_conflict_open(const char *id, void (*done)(void *), void *arg);
/* tui-dedup.c */
void	tui_dedup_open(void);	/* the likely duplicates to review */
/* tui-stats.c */
void	tui_stats_open(void);	/* the tables of vital statistics */
/*
 * tui-pair.c: two records side by side, one row a field, the rows that
 * differ marked, and an optional reason asked below.  The conflict view
 * (tui-sync.c) and a likely duplicate (tui-dedup.c) are built on it so
 * that they look and behave alike; each keeps its title, keys and core
 * calls.  Headings on line 3, rows under them; value columns from
 * TUI_PAIR_X, the second one after the first and a gap.
 */
struct tui_pair_row {
	char	*label, *a, *b;		/* "-" where a record has no value */
	int	 differ;
};
struct tui_pair {
	struct tui_pair_row	*row;
	size_t			 nrow;
	int			 ndiff;		/* rows that differ */
	int			 first;		/* the first row shown */
	int			 asking;	/* 0, or the key that asked */
	struct tedit		 in;		/* the reason */
};
#define TUI_PAIR_X	28	/* the first value column */
#define TUI_PAIR_CMP	(-1)	/* tui_pair_add: differ if the values do */
void	tui_pair_add(struct tui_pair *, const char *label, const char *a,
	    const char *b, int differ);
/* The rows of the form's fields either record has (not those of skip). */
void	tui_pair_fields(struct tui_pair *, const struct form *,
	    const struct form *skip, const struct record *a,
	    const struct record *b);
void	tui_pair_clear(struct tui_pair *);	/* the rows */
void	tui_pair_free(struct tui_pair *);
void	tui_pair_draw(struct tui_pair *, const char *head_a,
	    const char *head_b, int aw, int bw);
int	tui_pair_scroll_key(struct tui_pair *, int key);	/* 1: used */
void	tui_pair_ask(struct tui_pair *, int key);	/* asks the reason */
/*
 * A key while the reason is asked: Esc stops asking (-1), Enter too and
 * gives the key that asked (the reason stays in `in`); else 0, for the
 * screen's own editing keys.
 */
int	tui_pair_answer(struct tui_pair *, int key);

/* =================================================================== cli */
struct cli {
	const char	*dir;
	const char	*user;
	int		 argc;
	char		**argv;
};

struct cli_verb {
	const char	*name;
	int		(*run)(struct cli *);
	const char	*usage;
	const char	*help;
};

extern const struct cli_verb cli_verbs[];

int	cli_open(struct cli *, struct store **);
int	cli_login(struct cli *, struct session *);
int	cli_login_damaged(struct cli *, struct session *);
void	cli_logout(struct session *);
int	cli_fail(const struct cr_err *);
int	cli_usage(const char *verb);
/* A verb's second word picks one of subs, else fallback (NULL: usage). */
struct cli_sub {
	const char	*name;
	int		(*run)(struct cli *);
};
int	cli_dispatch(struct cli *, const char *verb, const struct cli_sub *,
	    size_t n, int (*fallback)(struct cli *));
int	cli_wants_help(struct cli *);
int	cli_read_password(const char *prompt, char *buf, size_t sz,
	    int confirm, struct cr_err *);

int	cmd_init(struct cli *);
int	cmd_user(struct cli *);
int	cmd_register(struct cli *);
int	cmd_show(struct cli *);
int	cmd_search(struct cli *);
int	cmd_forms(struct cli *);
int	cmd_verify(struct cli *);
int	cmd_reindex(struct cli *);
int	cmd_dedup(struct cli *);
int	cmd_digitize(struct cli *);
int	cmd_stats(struct cli *);
int	cmd_audit(struct cli *);
int	cmd_gazetteer(struct cli *);
int	cmd_act(struct cli *);
int	cmd_authenticate(struct cli *);
int	cmd_queue(struct cli *);
int	cmd_certificate(struct cli *);
int	cmd_person(struct cli *);
int	cmd_idcards(struct cli *);
int	cmd_amend(struct cli *);
int	cmd_config(struct cli *);
int	cmd_export(struct cli *);
int	cmd_import(struct cli *);
int	cmd_conflicts(struct cli *);
int	cmd_resolve(struct cli *);
int	cmd_keys(struct cli *);
int	cmd_kidc(struct cli *);
int	cmd_push(struct cli *);
int	cmd_receive(struct cli *);

#endif /* CIVREG_H */
