/*
 * keys.c -- office keys, office certificates, trust and revocation.
 *
 * What.  Every office holds two key pairs, made at init (keys_generate):
 * an Ed25519 signing key and an X25519 encryption key.  An office
 * certificate binds an office code and level to both public keys and is
 * signed by its issuer.  The national office (00) signs its own
 * certificate -- the root of trust -- and the certificates of the
 * provinces; a province signs those of its districts and communes.
 * Other offices trust the root once, by comparing its fingerprint (the
 * SHA-256 of its signing key) with the one the national office gives
 * them by another channel.  An issuer may revoke a key it certified; the
 * revocation travels in replication files like the certificates, and
 * counts only against the certificate it names (key, office, issuer's
 * key: cert_revoked); one whose issuer is not known here is CR_ENOTFOUND
 * from keys_apply_revocation, which import passes over.
 *
 * Contract.  Certificates and revocations have fixed byte encodings
 * (doc/replication.md, db/record-format.txt) and strict decoders: exact
 * length, known magic and version, NUL-padded office codes that are
 * valid for their level.  Like OpenBSD signify, every check that needs no
 * cryptography is made before any signature is verified: the chain's
 * shape, that each certificate names the key id of the next one, the
 * authority rule, the trusted root, the revocations.  Secrets stay in
 * keys.db and in struct office_keys; they are wiped after use and never
 * printed, audited or exported.  keys_* functions taking a txn work in
 * the caller's transaction; those taking a session check the role
 * (AZ_KEYS, AZ_KEYS_READ), run one transaction and audit (AU_KEYS).
 *
 * Diagnostics.  A refused certificate or chain is CR_EPERM with a
 * message naming the office, the key id and what to do; damage in
 * keys.db is CR_ECORRUPT; a store made before keys existed gets
 * CR_ENOTFOUND saying to run `civreg keys generate`.  On any error
 * nothing is changed.
 *
 * keys.db (db/record-format.txt):
 *   "own"                  -> own keys, secrets too ("OK", version 1)
 *   "self"                 -> own self-signed certificate
 *   "chain"                -> own chain, leaf first (key file, "OF")
 *   "peer" NUL office      -> another office's current certificate
 *   "trust" NUL key id(8)  -> a trusted root certificate
 *   "rev" NUL key id(8)    -> a revocation
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define CERT_BODY	116	/* bytes of a certificate that are signed */
#define CERT_SIZE	(CERT_BODY + KEY_SIG_LEN)
#define REV_BODY	59
#define REV_SIZE	(REV_BODY + KEY_SIG_LEN)
#define OWN_SIZE	(3 + OFFICE_LEN + 1 + 4 * KEY_LEN)
#define CHAIN_HEAD	4
#define REV_VERSION	1
#define OWN_VERSION	1
#define CHAIN_VERSION	1

#define K_OWN		"own"
#define K_SELF		"self"
#define K_CHAIN		"chain"
#define K_PEER		"peer"		/* + NUL + office */
#define K_TRUST		"trust"		/* + NUL + key id */
#define K_REV		"rev"		/* + NUL + key id */

/* --- names and small helpers ------------------------------------------ */

void
keys_id(const unsigned char pk[KEY_LEN], unsigned char id[KEY_ID_LEN])
{
	unsigned char h[CRYPTO_HASHLEN];

	crypto_sha256(pk, KEY_LEN, h);
	memcpy(id, h, KEY_ID_LEN);
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
keys_id_hex(const unsigned char id[KEY_ID_LEN], char out[17])
{
	hex(id, KEY_ID_LEN, out);
}

void
keys_fingerprint(const unsigned char pk[KEY_LEN], char out[KEYS_FPR_HEX + 1])
{
	unsigned char h[CRYPTO_HASHLEN];

	crypto_sha256(pk, KEY_LEN, h);
	hex(h, CRYPTO_HASHLEN, out);
}

/* 64 hex digits; spaces and colons between them are allowed.  0: bad. */
int
keys_fingerprint_parse(const char *in, unsigned char out[CRYPTO_HASHLEN])
{
	size_t n = 0;
	int v;

	memset(out, 0, CRYPTO_HASHLEN);
	for (; *in; in++) {
		if (*in == ' ' || *in == ':')
			continue;
		if (*in >= '0' && *in <= '9')
			v = *in - '0';
		else if (*in >= 'a' && *in <= 'f')
			v = *in - 'a' + 10;
		else if (*in >= 'A' && *in <= 'F')
			v = *in - 'A' + 10;
		else
			return 0;
		if (n >= 2 * CRYPTO_HASHLEN)
			return 0;
		out[n / 2] |= (unsigned char)(n % 2 ? v : v << 4);
		n++;
	}
	return n == 2 * CRYPTO_HASHLEN;
}

static void
cert_id(const struct office_cert *c, unsigned char id[KEY_ID_LEN],
    char shown[17])
{
	keys_id(c->sign_pk, id);
	if (shown)
		keys_id_hex(id, shown);
}

static int
self_signed(const struct office_cert *c)
{
	unsigned char id[KEY_ID_LEN];

	keys_id(c->sign_pk, id);
	return strcmp(c->issuer, c->office) == 0 &&
	    memcmp(c->issuer_id, id, KEY_ID_LEN) == 0;
}

static int
is_national(const struct office_cert *c)
{
	return c->level == LV_NATIONAL && strcmp(c->office, "00") == 0;
}

/* An issuer's code: digits, 2, 4 or 6 of them. */
static int
code_ok(const char *code)
{
	size_t n = strlen(code), i;

	for (i = 0; i < n; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return n == 2 || n == 4 || n == 6;
}

int
keys_authority(const char *signer, const char *owner)
{
	size_t n = strlen(signer);

	if (strcmp(signer, "00") == 0)
		return 1;
	return n > 0 && strncmp(owner, signer, n) == 0;
}

int
keys_may_certify(const struct office_cert *is, const struct office_cert *sub,
    char *why, size_t n)
{
	if (is_national(is)) {
		if (sub->level == LV_PROVINCE && strlen(sub->office) == 2 &&
		    strcmp(sub->office, "00") != 0)
			return 1;
		snprintf(why, n, "the national office certifies provinces only, "
		    "and office %s is a %s office", sub->office,
		    meta_level_name(sub->level));
		return 0;
	}
	if (is->level == LV_PROVINCE && strlen(is->office) == 2) {
		if (sub->level != LV_DISTRICT && sub->level != LV_COMMUNE) {
			snprintf(why, n, "province %s certifies districts and "
			    "communes only, and office %s is a %s office (only "
			    "the national office certifies provinces)",
			    is->office, sub->office,
			    meta_level_name(sub->level));
			return 0;
		}
		if (strncmp(sub->office, is->office, 2) != 0) {
			snprintf(why, n, "province %s certifies only the offices "
			    "whose code starts with %s; office %s is outside "
			    "its area (its own province certifies it)",
			    is->office, is->office, sub->office);
			return 0;
		}
		return 1;
	}
	snprintf(why, n, "a %s office (%s) certifies no one: only the "
	    "national office and the provinces certify keys",
	    meta_level_name(is->level), is->office);
	return 0;
}

/* --- fixed encodings -------------------------------------------------- */

static void
put_code(struct buf *b, const char *code)
{
	char pad[OFFICE_LEN];

	memset(pad, 0, sizeof pad);
	memcpy(pad, code, strnlen(code, OFFICE_LEN - 1));
	buf_add(b, pad, OFFICE_LEN);
}

/* A NUL-padded code: at least one byte, and only NULs after the first. */
static int
get_code(struct rd *r, char out[OFFICE_LEN])
{
	const unsigned char *p = rd_bytes(r, OFFICE_LEN);
	size_t len, i;

	memset(out, 0, OFFICE_LEN);
	if (p == NULL)
		return 0;
	len = strnlen((const char *)p, OFFICE_LEN);
	if (len == 0 || len == OFFICE_LEN)
		return 0;
	for (i = len; i < OFFICE_LEN; i++)
		if (p[i] != 0)
			return 0;
	memcpy(out, p, len);
	return 1;
}

/* Times are big-endian in these encodings (doc/replication.md). */
static void
put_be64(struct buf *b, int64_t v)
{
	unsigned char x[8];

	be64_put(x, (uint64_t)v);
	buf_add(b, x, 8);
}

static int64_t
get_be64(struct rd *r)
{
	const unsigned char *p = rd_bytes(r, 8);

	return p ? (int64_t)be64_get(p) : 0;
}

static void
get_raw(struct rd *r, void *out, size_t n)
{
	const void *p = rd_bytes(r, n);

	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

void
keys_cert_encode(const struct office_cert *c, struct buf *b)
{
	buf_add(b, "OC", 2);
	buf_add_u8(b, OFFICE_CERT_VERSION);
	put_code(b, c->office);
	buf_add_u8(b, (unsigned)c->level);
	buf_add(b, c->sign_pk, KEY_LEN);
	buf_add(b, c->enc_pk, KEY_LEN);
	put_code(b, c->issuer);
	buf_add(b, c->issuer_id, KEY_ID_LEN);
	put_be64(b, c->issued);
	buf_add(b, c->sig, KEY_SIG_LEN);
}

/* The signed bytes: the encoding without its signature. */
static void
cert_body(const struct office_cert *c, struct buf *b)
{
	buf_reset(b);
	keys_cert_encode(c, b);
	b->len -= KEY_SIG_LEN;
}

int
keys_cert_decode(const void *p, size_t n, struct office_cert *c,
    struct cr_err *e)
{
	struct rd r;
	char why[200];
	const unsigned char *m;
	unsigned v;

	memset(c, 0, sizeof *c);
	if (n != CERT_SIZE)
		return err_set(e, CR_EINVAL, "an office certificate is %d bytes, "
		    "this one %zu: the file is damaged or not a certificate",
		    CERT_SIZE, n);
	rd_init(&r, p, n);
	m = rd_bytes(&r, 2);
	if (memcmp(m, "OC", 2) != 0)
		return err_set(e, CR_EINVAL, "not an office certificate (magic "
		    "OC missing)");
	if ((v = rd_u8(&r)) != OFFICE_CERT_VERSION)
		return err_set(e, CR_EINVAL, "office certificate version %u is "
		    "unknown to this civreg (it knows %d): install the civreg "
		    "release of the office that made it", v,
		    OFFICE_CERT_VERSION);
	if (!get_code(&r, c->office))
		return err_set(e, CR_EINVAL, "office certificate: the office "
		    "code is not a NUL-padded code");
	c->level = (int)rd_u8(&r);
	if (!office_code_valid(c->office, c->level, why, sizeof why))
		return err_set(e, CR_EINVAL, "office certificate: office '%s' "
		    "at level %d: %s", c->office, c->level, why);
	get_raw(&r, c->sign_pk, KEY_LEN);
	get_raw(&r, c->enc_pk, KEY_LEN);
	if (!get_code(&r, c->issuer) || !code_ok(c->issuer))
		return err_set(e, CR_EINVAL, "office certificate of %s: the "
		    "issuer is not a valid office code", c->office);
	get_raw(&r, c->issuer_id, KEY_ID_LEN);
	c->issued = get_be64(&r);
	get_raw(&r, c->sig, KEY_SIG_LEN);
	if (r.bad || r.left != 0)
		return err_set(e, CR_EINVAL, "office certificate of %s has the "
		    "wrong length", c->office);
	return CR_OK;
}

void
keys_revocation_encode(const struct key_revocation *k, struct buf *b)
{
	buf_add(b, "OR", 2);
	buf_add_u8(b, REV_VERSION);
	put_code(b, k->office);
	buf_add(b, k->id, KEY_ID_LEN);
	put_code(b, k->issuer);
	buf_add(b, k->issuer_id, KEY_ID_LEN);
	put_be64(b, k->time);
	buf_add(b, k->sig, KEY_SIG_LEN);
}

static void
rev_body(const struct key_revocation *k, struct buf *b)
{
	buf_reset(b);
	keys_revocation_encode(k, b);
	b->len -= KEY_SIG_LEN;
}

int
keys_revocation_decode(const void *p, size_t n, struct key_revocation *k,
    struct cr_err *e)
{
	struct rd r;
	const unsigned char *m;
	unsigned v;

	memset(k, 0, sizeof *k);
	if (n != REV_SIZE)
		return err_set(e, CR_EINVAL, "a key revocation is %d bytes, this "
		    "one %zu: damaged or not a revocation", REV_SIZE, n);
	rd_init(&r, p, n);
	m = rd_bytes(&r, 2);
	if (memcmp(m, "OR", 2) != 0)
		return err_set(e, CR_EINVAL, "not a key revocation (magic OR "
		    "missing)");
	if ((v = rd_u8(&r)) != REV_VERSION)
		return err_set(e, CR_EINVAL, "key revocation version %u is "
		    "unknown to this civreg (it knows %d)", v, REV_VERSION);
	if (!get_code(&r, k->office) || !code_ok(k->office))
		return err_set(e, CR_EINVAL, "key revocation: the office is "
		    "not a valid office code");
	get_raw(&r, k->id, KEY_ID_LEN);
	if (!get_code(&r, k->issuer) || !code_ok(k->issuer))
		return err_set(e, CR_EINVAL, "key revocation of %s: the issuer "
		    "is not a valid office code", k->office);
	get_raw(&r, k->issuer_id, KEY_ID_LEN);
	k->time = get_be64(&r);
	get_raw(&r, k->sig, KEY_SIG_LEN);
	if (r.bad || r.left != 0)
		return err_set(e, CR_EINVAL, "key revocation of %s has the "
		    "wrong length", k->office);
	return CR_OK;
}

void
keys_chain_encode(const struct office_cert *c, size_t n, struct buf *b)
{
	size_t i;

	buf_add(b, "OF", 2);
	buf_add_u8(b, CHAIN_VERSION);
	buf_add_u8(b, (unsigned)n);
	for (i = 0; i < n; i++)
		keys_cert_encode(&c[i], b);
}

int
keys_chain_decode(const void *p, size_t len, struct office_cert *c,
    size_t *n, struct cr_err *e)
{
	const unsigned char *b = p;
	size_t i, count;
	char msg[sizeof e->msg];

	*n = 0;
	if (len < CHAIN_HEAD || memcmp(b, "OF", 2) != 0)
		return err_set(e, CR_EINVAL, "not a civreg key file (it must "
		    "start with OF): give a file made by 'civreg keys export' "
		    "or 'civreg keys certify'");
	if (b[2] != CHAIN_VERSION)
		return err_set(e, CR_EINVAL, "key file version %u is unknown to "
		    "this civreg (it knows %d)", b[2], CHAIN_VERSION);
	count = b[3];
	if (count < 1 || count > KEYS_MAX_CHAIN)
		return err_set(e, CR_EINVAL, "a key file holds 1 to %d "
		    "certificates, this one says %zu", KEYS_MAX_CHAIN, count);
	if (len != CHAIN_HEAD + count * CERT_SIZE)
		return err_set(e, CR_EINVAL, "the key file is %zu bytes, but %zu "
		    "certificates need %zu: it was cut short or altered", len,
		    count, (size_t)CHAIN_HEAD + count * CERT_SIZE);
	for (i = 0; i < count; i++)
		if (keys_cert_decode(b + CHAIN_HEAD + i * CERT_SIZE, CERT_SIZE,
		    &c[i], e) != CR_OK) {
			snprintf(msg, sizeof msg, "%s", e->msg);
			return err_set(e, CR_EINVAL, "key file, certificate %zu: "
			    "%s", i + 1, msg);
		}
	*n = count;
	return CR_OK;
}

/* "own": secrets.  Never leaves keys.db. */
static void
own_encode(const struct office_keys *k, struct buf *b)
{
	buf_add(b, "OK", 2);
	buf_add_u8(b, OWN_VERSION);
	put_code(b, k->office);
	buf_add_u8(b, (unsigned)k->level);
	buf_add(b, k->sign_pk, KEY_LEN);
	buf_add(b, k->sign_sk, KEY_LEN);
	buf_add(b, k->enc_pk, KEY_LEN);
	buf_add(b, k->enc_sk, KEY_LEN);
}

static int
own_decode(const void *p, size_t n, struct office_keys *k, struct cr_err *e)
{
	struct rd r;

	memset(k, 0, sizeof *k);
	rd_init(&r, p, n);
	if (n != OWN_SIZE || memcmp(rd_bytes(&r, 2), "OK", 2) != 0 ||
	    rd_u8(&r) != OWN_VERSION || !get_code(&r, k->office))
		return err_set(e, CR_ECORRUPT, "keys.db: this office's keys "
		    "(\"own\") are damaged: restore the store from a backup");
	k->level = (int)rd_u8(&r);
	get_raw(&r, k->sign_pk, KEY_LEN);
	get_raw(&r, k->sign_sk, KEY_LEN);
	get_raw(&r, k->enc_pk, KEY_LEN);
	get_raw(&r, k->enc_sk, KEY_LEN);
	return CR_OK;
}

/* --- keys.db access ----------------------------------------------------- */

static size_t
db_key(char *out, const char *name, const void *sub, size_t sublen)
{
	size_t n = strlen(name);

	memcpy(out, name, n + 1);
	memcpy(out + n + 1, sub, sublen);
	return n + 1 + sublen;
}

static int
sign(const struct office_keys *k, const struct buf *body,
    unsigned char sig[KEY_SIG_LEN], struct cr_err *e)
{
	return crypto_ed25519_sign(k->sign_sk, k->sign_pk, body->data,
	    body->len, sig, e);
}

static int
no_keys(struct cr_err *e)
{
	return err_set(e, CR_ENOTFOUND, "this store has no office keys (it "
	    "was made before civreg had them): an administrator makes them "
	    "with 'civreg keys generate'");
}

int
keys_own(struct txn *tx, struct office_keys *k, struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = store_get(tx, ST_KEYS, K_OWN, sizeof K_OWN - 1, &b, 0, e);
	if (rc == CR_ENOTFOUND)
		rc = no_keys(e);
	else if (rc == CR_OK)
		rc = own_decode(b.data, b.len, k, e);
	if (b.data)
		crypto_wipe(b.data, b.cap);
	buf_free(&b);
	return rc;
}

static int
get_cert(struct txn *tx, const void *key, size_t klen,
    struct office_cert *c, struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = store_get(tx, ST_KEYS, key, klen, &b, 0, e);
	if (rc == CR_OK && keys_cert_decode(b.data, b.len, c, e) != CR_OK)
		rc = err_set(e, CR_ECORRUPT, "keys.db: a stored certificate "
		    "is damaged (%s): restore the store from a backup", e->msg);
	buf_free(&b);
	return rc;
}

static int
put_cert(struct txn *tx, const void *key, size_t klen,
    const struct office_cert *c, struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	keys_cert_encode(c, &b);
	rc = store_put(tx, ST_KEYS, key, klen, b.data, b.len, 0, e);
	buf_free(&b);
	return rc;
}

/* The stored own chain, leaf first, without judging it. */
static int
stored_chain(struct txn *tx, struct office_cert *c, size_t *n,
    struct cr_err *e)
{
	struct buf b;
	int rc;

	*n = 0;
	buf_init(&b);
	rc = store_get(tx, ST_KEYS, K_CHAIN, sizeof K_CHAIN - 1, &b, 0, e);
	if (rc == CR_ENOTFOUND)
		rc = no_keys(e);
	else if (rc == CR_OK && keys_chain_decode(b.data, b.len, c, n, e) !=
	    CR_OK)
		rc = err_set(e, CR_ECORRUPT, "keys.db: this office's "
		    "certificate chain is damaged (%s): restore the store from "
		    "a backup", e->msg);
	buf_free(&b);
	return rc;
}

int
keys_generate(struct txn *tx, const char *office, int level,
    struct cr_err *e)
{
	struct office_keys k;
	struct office_cert c;
	struct buf b;
	char key[16];
	unsigned char id[KEY_ID_LEN];
	int rc;

	rc = store_get(tx, ST_KEYS, K_OWN, sizeof K_OWN - 1, NULL, 0, e);
	if (rc == CR_OK)
		return err_set(e, CR_EEXIST, "this store already has office "
		    "keys: 'civreg keys show' shows them; nothing was changed");
	if (rc != CR_ENOTFOUND)
		return rc;
	memset(&k, 0, sizeof k);
	memset(&c, 0, sizeof c);
	snprintf(k.office, sizeof k.office, "%s", office);
	k.level = level;
	buf_init(&b);
	if ((rc = crypto_ed25519_keygen(k.sign_pk, k.sign_sk, e)) != CR_OK ||
	    (rc = crypto_x25519_keygen(k.enc_pk, k.enc_sk, e)) != CR_OK)
		goto out;
	memcpy(c.office, k.office, OFFICE_LEN);
	memcpy(c.issuer, k.office, OFFICE_LEN);
	c.level = level;
	memcpy(c.sign_pk, k.sign_pk, KEY_LEN);
	memcpy(c.enc_pk, k.enc_pk, KEY_LEN);
	keys_id(k.sign_pk, c.issuer_id);
	c.issued = (int64_t)cr_now();
	cert_body(&c, &b);
	if ((rc = sign(&k, &b, c.sig, e)) != CR_OK)
		goto out;
	buf_reset(&b);
	own_encode(&k, &b);
	rc = store_put(tx, ST_KEYS, K_OWN, sizeof K_OWN - 1, b.data, b.len, 1,
	    e);
	crypto_wipe(b.data, b.len);
	if (rc != CR_OK ||
	    (rc = put_cert(tx, K_SELF, sizeof K_SELF - 1, &c, e)) != CR_OK)
		goto out;
	buf_reset(&b);
	keys_chain_encode(&c, 1, &b);
	if ((rc = store_put(tx, ST_KEYS, K_CHAIN, sizeof K_CHAIN - 1, b.data,
	    b.len, 0, e)) != CR_OK)
		goto out;
	/* The national office's own certificate is the root it trusts. */
	if (is_national(&c)) {
		keys_id(c.sign_pk, id);
		rc = put_cert(tx, key, db_key(key, K_TRUST, id, KEY_ID_LEN), &c,
		    e);
	}
out:
	crypto_wipe(&k, sizeof k);
	buf_free(&b);
	return rc;
}

/*
 * Whether a revocation is filed under key id `id`.  Whether it revokes a
 * given certificate is cert_revoked's business (the office and the
 * issuer must be the certificate's too).
 */
int
keys_revoked(struct txn *tx, const unsigned char id[KEY_ID_LEN])
{
	struct cr_err e;
	char key[16];
	int rc;

	rc = store_get(tx, ST_KEYS, key, db_key(key, K_REV, id, KEY_ID_LEN),
	    NULL, 0, &e);
	if (rc == CR_OK)
		return 1;
	if (rc == CR_ENOTFOUND)
		return 0;
	return -rc;
}

/*
 * The revocation stored under key id `id`: 1 (in *k), 0 none, or a
 * negative CR status.  One per key id: a revocation is filed under the
 * key it names.
 */
static int
stored_revocation(struct txn *tx, const unsigned char id[KEY_ID_LEN],
    struct key_revocation *k)
{
	struct cr_err e;
	struct buf b;
	char key[16];
	int rc;

	buf_init(&b);
	rc = store_get(tx, ST_KEYS, key, db_key(key, K_REV, id, KEY_ID_LEN),
	    &b, 0, &e);
	if (rc == CR_OK && keys_revocation_decode(b.data, b.len, k, &e) !=
	    CR_OK)
		rc = CR_ECORRUPT;
	buf_free(&b);
	if (rc == CR_ENOTFOUND)
		return 0;
	return rc == CR_OK ? 1 : -rc;
}

/*
 * Whether revocation k is about certificate c: the same key, the same
 * office and the same issuer's key.  A self-signed certificate (the
 * national root) is never revoked: no one certified it.  Without this,
 * a province could sign "office 120101's key X is revoked" with X the
 * root's or another province's key id, and every office would refuse X.
 */
static int
revokes(const struct key_revocation *k, const struct office_cert *c)
{
	unsigned char id[KEY_ID_LEN];

	keys_id(c->sign_pk, id);
	return !self_signed(c) && memcmp(k->id, id, KEY_ID_LEN) == 0 &&
	    strcmp(k->office, c->office) == 0 &&
	    strcmp(k->issuer, c->issuer) == 0 &&
	    memcmp(k->issuer_id, c->issuer_id, KEY_ID_LEN) == 0;
}

/* 1 if a stored revocation revokes c (in *k if k), 0 not, or -CR_*. */
static int
cert_revoked(struct txn *tx, const struct office_cert *c,
    struct key_revocation *k)
{
	struct key_revocation r;
	unsigned char id[KEY_ID_LEN];
	int got;

	keys_id(c->sign_pk, id);
	if ((got = stored_revocation(tx, id, &r)) != 1)
		return got;
	if (!revokes(&r, c))
		return 0;
	if (k)
		*k = r;
	return 1;
}

static int
revoked_msg(int r, const struct key_revocation *k, struct cr_err *e)
{
	char shown[17], when[32];

	if (r == -CR_ECORRUPT)
		return err_set(e, CR_ECORRUPT, "keys.db: a stored revocation is "
		    "damaged: restore the store from a backup");
	if (r < 0)
		return err_set(e, -r, "keys.db could not be read");
	keys_id_hex(k->id, shown);
	time_format((time_t)k->time, when, sizeof when);
	return err_set(e, CR_EPERM, "office %s's key %s was revoked by office "
	    "%s on %s: it is no longer trusted; the office needs a new "
	    "certified key", k->office, shown, k->issuer, when);
}

static int
check_revoked(struct txn *tx, const struct office_cert *c, struct cr_err *e)
{
	struct key_revocation k;
	int r;

	if ((r = cert_revoked(tx, c, &k)) == 0)
		return CR_OK;
	return revoked_msg(r, &k, e);
}

int
keys_own_chain(struct txn *tx, struct office_cert *c, size_t *n,
    struct cr_err *e)
{
	char shown[17];
	unsigned char id[KEY_ID_LEN];
	size_t i;
	int rc;

	if ((rc = stored_chain(tx, c, n, e)) != CR_OK)
		return rc;
	if (*n == 1 && !is_national(&c[0])) {
		cert_id(&c[0], id, shown);
		return err_set(e, CR_EPERM, "office %s's key %s is not certified "
		    "yet, so no other office will accept what it signs: bring "
		    "the office online as doc/replication.md says ('civreg keys "
		    "export', certify at the province, 'civreg keys install')",
		    c[0].office, shown);
	}
	for (i = 0; i < *n; i++)
		if ((rc = check_revoked(tx, &c[i], e)) != CR_OK)
			return rc;
	return CR_OK;
}

static int
own_office(struct txn *tx, char office[OFFICE_LEN], struct cr_err *e)
{
	int level;

	return office_info(tx, office, &level, e);
}

/* The peer entry of office, revoked or not. */
static int
peer_get(struct txn *tx, const char *office, struct office_cert *c,
    struct cr_err *e)
{
	char key[8 + OFFICE_LEN];
	size_t n = strlen(office);

	if (n == 0 || n >= OFFICE_LEN)
		return err_set(e, CR_EINVAL, "'%.40s' is not an office code (2, "
		    "4 or 6 digits)", office);
	return get_cert(tx, key, db_key(key, K_PEER, office, n), c, e);
}

int
keys_peer(struct txn *tx, const char *office, struct office_cert *c,
    struct cr_err *e)
{
	char me[OFFICE_LEN];
	struct office_cert ch[KEYS_MAX_CHAIN];
	size_t n;
	int rc;

	if ((rc = own_office(tx, me, e)) != CR_OK)
		return rc;
	if (strcmp(office, me) == 0) {
		if ((rc = stored_chain(tx, ch, &n, e)) != CR_OK)
			return rc;
		*c = ch[0];
		return check_revoked(tx, c, e);
	}
	rc = peer_get(tx, office, c, e);
	if (rc == CR_ENOTFOUND)
		return err_set(e, CR_ENOTFOUND, "office %s's key is not known "
		    "here: install its certificate chain ('civreg keys install "
		    "FILE', from 'civreg keys export' at that office)", office);
	if (rc != CR_OK)
		return rc;
	return check_revoked(tx, c, e);
}

/* Keeps the newest certificate of an office, and never a revoked one. */
static int
remember(struct txn *tx, const char *me, const struct office_cert *c,
    struct cr_err *e)
{
	struct office_cert old;
	char key[8 + OFFICE_LEN];
	size_t kl = db_key(key, K_PEER, c->office, strlen(c->office));
	int rc;

	if (strcmp(c->office, me) == 0)
		return CR_OK;
	rc = get_cert(tx, key, kl, &old, e);
	if (rc == CR_OK) {
		if (cert_revoked(tx, &old, NULL) == 0 &&
		    old.issued >= c->issued)
			return CR_OK;
	} else if (rc != CR_ENOTFOUND)
		return rc;
	return put_cert(tx, key, kl, c, e);
}

int
keys_verify_chain(struct txn *tx, const struct office_cert *c, size_t n,
    struct cr_err *e)
{
	const struct office_cert *root;
	struct office_cert anchor;
	unsigned char id[KEY_ID_LEN];
	char why[300], shown[17], other[17], me[OFFICE_LEN], key[16];
	struct buf b;
	size_t i;
	int rc;

	if (n < 1 || n > KEYS_MAX_CHAIN)
		return err_set(e, CR_EPERM, "a certificate chain has 1 to %d "
		    "certificates, this one %zu", KEYS_MAX_CHAIN, n);
	/* 1. Shape, key ids and authority: no cryptography yet. */
	for (i = 0; i < n; i++)
		if (!office_code_valid(c[i].office, c[i].level, why,
		    sizeof why) || !code_ok(c[i].issuer))
			return err_set(e, CR_EPERM, "certificate %zu of the "
			    "chain (office '%.15s'): not a valid office code "
			    "or level", i + 1, c[i].office);
	for (i = 0; i + 1 < n; i++) {
		cert_id(&c[i + 1], id, other);
		keys_id_hex(c[i].issuer_id, shown);
		if (self_signed(&c[i]))
			return err_set(e, CR_EPERM, "office %s's certificate is "
			    "self-signed, but it is not the last of the chain: "
			    "it must be certified by its province (or, for a "
			    "province, by the national office)", c[i].office);
		if (strcmp(c[i].issuer, c[i + 1].office) != 0 ||
		    memcmp(c[i].issuer_id, id, KEY_ID_LEN) != 0)
			return err_set(e, CR_EPERM, "office %s's certificate "
			    "was issued by office %s with key %s, but the next "
			    "certificate in the chain is office %s's key %s: "
			    "the chain is out of order or incomplete",
			    c[i].office, c[i].issuer, shown, c[i + 1].office,
			    other);
		if (!keys_may_certify(&c[i + 1], &c[i], why, sizeof why))
			return err_set(e, CR_EPERM, "office %s's certificate "
			    "was issued by office %s, which may not issue it: "
			    "%s", c[i].office, c[i].issuer, why);
	}
	root = &c[n - 1];
	cert_id(root, id, shown);
	if (!self_signed(root) || !is_national(root))
		return err_set(e, CR_EPERM, "the chain ends with office %s's "
		    "certificate (key %s, issued by %s), which is not the "
		    "national root: the chain is incomplete", root->office,
		    shown, root->issuer);
	rc = get_cert(tx, key, db_key(key, K_TRUST, id, KEY_ID_LEN), &anchor,
	    e);
	if (rc == CR_ENOTFOUND || (rc == CR_OK && !crypto_memeq(anchor.sign_pk,
	    root->sign_pk, KEY_LEN)))
		return err_set(e, CR_EPERM, "the chain ends at root key %s, "
		    "which this office does not trust: check the national "
		    "office's fingerprint by telephone and run 'civreg keys "
		    "trust FILE --fingerprint HEX' (doc/replication.md)", shown);
	if (rc != CR_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = check_revoked(tx, &c[i], e)) != CR_OK)
			return rc;
	/* 2. The signatures, each by the next certificate's key. */
	buf_init(&b);
	for (i = 0; i < n; i++) {
		const struct office_cert *by = i + 1 < n ? &c[i + 1] : &c[i];

		cert_body(&c[i], &b);
		if (!crypto_ed25519_verify(by->sign_pk, b.data, b.len,
		    c[i].sig)) {
			buf_free(&b);
			cert_id(&c[i], id, shown);
			return err_set(e, CR_EPERM, "the signature on office "
			    "%s's certificate (key %s, issued by %s) is not "
			    "valid: the certificate was altered or forged; "
			    "nothing was accepted", c[i].office, shown,
			    c[i].issuer);
		}
	}
	buf_free(&b);
	/* 3. Remember them. */
	if ((rc = own_office(tx, me, e)) != CR_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = remember(tx, me, &c[i], e)) != CR_OK)
			return rc;
	return CR_OK;
}

/* The key of office `who` whose id is `id`: own, peer or trusted root. */
static int
find_key(struct txn *tx, const char *who, const unsigned char id[KEY_ID_LEN],
    struct office_cert *c, struct cr_err *e)
{
	struct office_cert ch[KEYS_MAX_CHAIN];
	unsigned char got[KEY_ID_LEN];
	char me[OFFICE_LEN], key[16];
	size_t n;
	int rc;

	if ((rc = own_office(tx, me, e)) != CR_OK)
		return rc;
	if (strcmp(who, me) == 0) {
		if ((rc = stored_chain(tx, ch, &n, e)) != CR_OK)
			return rc;
		*c = ch[0];
	} else if ((rc = peer_get(tx, who, c, e)) != CR_OK) {
		if (rc != CR_ENOTFOUND)
			return rc;
		rc = get_cert(tx, key, db_key(key, K_TRUST, id, KEY_ID_LEN), c,
		    e);
		if (rc != CR_OK)
			return rc;
	}
	keys_id(c->sign_pk, got);
	if (strcmp(c->office, who) != 0 || memcmp(got, id, KEY_ID_LEN) != 0)
		return CR_ENOTFOUND;
	return CR_OK;
}

/* Whether k revokes the certificate known here for its office. */
static int
revokes_known(struct txn *tx, const struct key_revocation *k)
{
	struct office_cert c;
	struct cr_err e;

	return find_key(tx, k->office, k->id, &c, &e) == CR_OK &&
	    revokes(k, &c);
}

static int
same_revocation(const struct key_revocation *a,
    const struct key_revocation *b)
{
	return memcmp(a->id, b->id, KEY_ID_LEN) == 0 &&
	    strcmp(a->office, b->office) == 0 &&
	    strcmp(a->issuer, b->issuer) == 0 &&
	    memcmp(a->issuer_id, b->issuer_id, KEY_ID_LEN) == 0;
}

/*
 * CR_OK: applied, or known already, or displaced by another one filed
 * under the same key id that fits a certificate known here.
 * CR_ENOTFOUND: it cannot be checked here -- its issuer's key is not
 * known, or is revoked -- so it is not applied (the caller may go on:
 * it comes again with every export).  CR_EPERM: refused (the authority
 * rule, a bad signature).
 */
int
keys_apply_revocation(struct txn *tx, const struct key_revocation *k,
    struct cr_err *e)
{
	struct office_cert is, sub;
	struct key_revocation old;
	struct buf b;
	char key[16], shown[17], why[300];
	int rc, have;

	keys_id_hex(k->id, shown);
	if ((have = stored_revocation(tx, k->id, &old)) < 0)
		return err_set(e, -have, "keys.db: the revocations could not be "
		    "read");
	if (have && same_revocation(&old, k))
		return CR_OK;		/* the same news twice */
	if (!keys_authority(k->issuer, k->office) ||
	    strcmp(k->issuer, k->office) == 0)
		return err_set(e, CR_EPERM, "a revocation of office %s's key %s "
		    "by office %s: only the office that certifies %s may "
		    "revoke its key; ignored", k->office, shown, k->issuer,
		    k->office);
	rc = find_key(tx, k->issuer, k->issuer_id, &is, e);
	if (rc == CR_ENOTFOUND)
		return err_set(e, CR_ENOTFOUND, "a revocation of office %s's "
		    "key %s is signed by a key of office %s that is not known "
		    "here: install office %s's certificate chain first",
		    k->office, shown, k->issuer, k->issuer);
	if (rc != CR_OK)
		return rc;
	/* The level of the revoked office is told by its code. */
	memset(&sub, 0, sizeof sub);
	snprintf(sub.office, sizeof sub.office, "%s", k->office);
	sub.level = strlen(k->office) == 6 ? LV_COMMUNE :
	    strlen(k->office) == 4 ? LV_DISTRICT : LV_PROVINCE;
	if (!keys_may_certify(&is, &sub, why, sizeof why))
		return err_set(e, CR_EPERM, "a revocation of office %s's key %s "
		    "by office %s: %s; ignored", k->office, shown, k->issuer,
		    why);
	if ((rc = check_revoked(tx, &is, e)) == CR_EPERM)
		return err_set(e, CR_ENOTFOUND, "a revocation of office %s's "
		    "key %s is signed by a revoked key: %s", k->office, shown,
		    e->msg);
	if (rc != CR_OK)
		return rc;
	buf_init(&b);
	rev_body(k, &b);
	if (!crypto_ed25519_verify(is.sign_pk, b.data, b.len, k->sig)) {
		buf_free(&b);
		return err_set(e, CR_EPERM, "the signature on office %s's "
		    "revocation of office %s's key %s is not valid: it was "
		    "altered or forged; ignored", k->issuer, k->office, shown);
	}
	/*
	 * One revocation per key id.  If another one holds the place, the
	 * one that revokes the certificate known here for the key stays:
	 * a revocation naming the wrong office cannot push out the right
	 * one, and the right one, coming again, replaces a wrong one.
	 */
	if (have && (revokes_known(tx, &old) || !revokes_known(tx, k))) {
		buf_free(&b);
		return CR_OK;
	}
	buf_reset(&b);
	keys_revocation_encode(k, &b);
	rc = store_put(tx, ST_KEYS, key, db_key(key, K_REV, k->id, KEY_ID_LEN),
	    b.data, b.len, 0, e);
	buf_free(&b);
	return rc;
}

struct rev_walk {
	keys_revocation_fn	 fn;
	void			*arg;
	struct cr_err		*e;
};

static int
rev_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct rev_walk *w = arg;
	struct key_revocation r;

	(void)k;
	(void)kl;
	if (keys_revocation_decode(v, vl, &r, w->e) != CR_OK) {
		err_set(w->e, CR_ECORRUPT, "keys.db: a stored revocation is "
		    "damaged: restore the store from a backup");
		return -CR_ECORRUPT;
	}
	return w->fn(w->arg, &r);
}

int
keys_revocations(struct txn *tx, keys_revocation_fn fn, void *arg,
    struct cr_err *e)
{
	struct rev_walk w = { fn, arg, e };

	return store_scan(tx, ST_KEYS, K_REV, sizeof K_REV, rev_visit, &w, e);
}

/* --- what `civreg keys` does --------------------------------------------- */

static int
audit_keys(struct txn *tx, struct session *s, struct cr_err *e,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
audit_keys(struct txn *tx, struct session *s, struct cr_err *e,
    const char *fmt, ...)
{
	char detail[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	return audit_append(tx, s->user, s->office, AU_KEYS, "", detail, e);
}

static int
allowed(struct session *s, int action, struct cr_err *e)
{
	int rc;

	if ((rc = authz_check(s, action, NULL, e)) != CR_OK)
		audit_denied(s, NULL, e);
	return rc;
}

static int
trust_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct keys_status *st = arg;
	struct cr_err e;

	(void)k;
	(void)kl;
	if (st->nroots < sizeof st->roots / sizeof st->roots[0] &&
	    keys_cert_decode(v, vl, &st->roots[st->nroots], &e) == CR_OK)
		st->nroots++;
	return 0;
}

static int
status_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct keys_status *st = arg;
	int rc;

	rc = stored_chain(tx, st->chain, &st->n, e);
	if (rc == CR_ENOTFOUND) {
		err_clear(e);
		return CR_OK;		/* have = 0 */
	}
	if (rc != CR_OK)
		return rc;
	st->have = 1;
	st->revoked = check_revoked(tx, &st->chain[0], e) != CR_OK;
	err_clear(e);
	return store_scan(tx, ST_KEYS, K_TRUST, sizeof K_TRUST, trust_visit,
	    st, e);
}

int
keys_status(struct session *s, struct keys_status *st, struct cr_err *e)
{
	struct txn *tx;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = allowed(s, AZ_KEYS_READ, e)) != CR_OK)
		return rc;
	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	rc = status_txn(tx, st, e);
	store_abort(tx);
	return rc;
}

struct op {
	struct session		*s;
	const void		*file;
	size_t			 len;
	const char		*arg;
	struct buf		*out;
	struct office_cert	*cert;
	struct key_revocation	*rev;
	int			*own;
};

/* Checks the role for action, then runs fn on o in one transaction. */
static int
run_op(struct session *s, int action, store_txn_fn fn, struct op *o,
    struct cr_err *e)
{
	int rc;

	if ((rc = allowed(s, action, e)) != CR_OK)
		return rc;
	o->s = s;
	return store_run(s->store, fn, o, e);
}

static int
create_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct op *o = arg;
	struct office_cert ch[KEYS_MAX_CHAIN];
	unsigned char id[KEY_ID_LEN];
	char shown[17];
	size_t n;
	int rc;

	if ((rc = keys_generate(tx, o->s->office, o->s->level, e)) != CR_OK ||
	    (rc = stored_chain(tx, ch, &n, e)) != CR_OK)
		return rc;
	*o->cert = ch[0];
	cert_id(&ch[0], id, shown);
	return audit_keys(tx, o->s, e, "generated keys for office %s, key %s",
	    o->s->office, shown);
}

int
keys_create(struct session *s, struct office_cert *c, struct cr_err *e)
{
	struct op o = { .cert = c };

	return run_op(s, AZ_KEYS, create_txn, &o, e);
}

static int
export_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct op *o = arg;
	struct office_cert ch[KEYS_MAX_CHAIN];
	unsigned char id[KEY_ID_LEN];
	char shown[17];
	size_t n;
	int rc;

	if ((rc = stored_chain(tx, ch, &n, e)) != CR_OK)
		return rc;
	if ((rc = check_revoked(tx, &ch[0], e)) != CR_OK)
		return rc;
	buf_reset(o->out);
	keys_chain_encode(ch, n, o->out);
	*o->cert = ch[0];
	cert_id(&ch[0], id, shown);
	return audit_keys(tx, o->s, e, "exported office %s's certificate, key "
	    "%s, %s", ch[0].office, shown, n > 1 ? "certified" :
	    is_national(&ch[0]) ? "national root" : "self-signed");
}

int
keys_export(struct session *s, struct buf *out, struct office_cert *c,
    struct cr_err *e)
{
	struct op o = { .out = out, .cert = c };

	return run_op(s, AZ_KEYS_READ, export_txn, &o, e);
}

static int
certify_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct op *o = arg;
	struct office_cert in[KEYS_MAX_CHAIN], mine[KEYS_MAX_CHAIN], sub;
	struct key_revocation rv;
	struct office_keys k;
	struct buf b;
	unsigned char id[KEY_ID_LEN];
	char why[300], shown[17];
	size_t n, nm, i;
	int rc;

	if ((rc = keys_chain_decode(o->file, o->len, in, &n, e)) != CR_OK)
		return rc;
	sub = in[0];
	cert_id(&sub, id, shown);
	if (!self_signed(&sub))
		return err_set(e, CR_EPERM, "office %s's certificate in the file "
		    "is already issued by office %s: certify the office's own "
		    "self-signed certificate ('civreg keys export' at an office "
		    "whose key is not certified yet)", sub.office, sub.issuer);
	if (strcmp(sub.office, o->s->office) == 0)
		return err_set(e, CR_EPERM, "the file holds this office's own "
		    "certificate: an office does not certify itself");
	if ((rc = keys_own_chain(tx, mine, &nm, e)) != CR_OK)
		return rc;
	if (!keys_may_certify(&mine[0], &sub, why, sizeof why))
		return err_set(e, CR_EPERM, "office %s may not certify office "
		    "%s: %s; nothing was signed", o->s->office, sub.office, why);
	/*
	 * A key revoked for this office is not certified again, whichever
	 * key of its issuer revoked it (only an office that may certify it
	 * could have).  Its self-signed certificate is never revoked itself.
	 */
	if ((rc = stored_revocation(tx, id, &rv)) != 0 &&
	    (rc < 0 || strcmp(rv.office, sub.office) == 0))
		return revoked_msg(rc, &rv, e);
	/* Proof that the subject holds its key: its own signature. */
	buf_init(&b);
	cert_body(&sub, &b);
	if (!crypto_ed25519_verify(sub.sign_pk, b.data, b.len, sub.sig)) {
		buf_free(&b);
		return err_set(e, CR_EPERM, "the self-signature on office %s's "
		    "certificate (key %s) is not valid: the file was altered; "
		    "ask the office for a new export", sub.office, shown);
	}
	if ((rc = keys_own(tx, &k, e)) != CR_OK) {
		buf_free(&b);
		return rc;
	}
	memcpy(sub.issuer, k.office, OFFICE_LEN);
	keys_id(k.sign_pk, sub.issuer_id);
	sub.issued = (int64_t)cr_now();
	cert_body(&sub, &b);
	rc = sign(&k, &b, sub.sig, e);
	crypto_wipe(&k, sizeof k);
	buf_free(&b);
	if (rc != CR_OK)
		return rc;
	if ((rc = remember(tx, o->s->office, &sub, e)) != CR_OK)
		return rc;
	buf_reset(o->out);
	buf_add(o->out, "OF", 2);
	buf_add_u8(o->out, CHAIN_VERSION);
	buf_add_u8(o->out, (unsigned)(nm + 1));
	keys_cert_encode(&sub, o->out);
	for (i = 0; i < nm; i++)
		keys_cert_encode(&mine[i], o->out);
	*o->cert = sub;
	return audit_keys(tx, o->s, e, "certified office %s (%s), key %s",
	    sub.office, meta_level_name(sub.level), shown);
}

int
keys_certify(struct session *s, const void *file, size_t len,
    struct buf *out, struct office_cert *sub, struct cr_err *e)
{
	struct op o = { .file = file, .len = len, .out = out, .cert = sub };

	return run_op(s, AZ_KEYS, certify_txn, &o, e);
}

static int
install_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct op *o = arg;
	struct office_cert in[KEYS_MAX_CHAIN];
	struct office_keys k;
	struct buf b;
	unsigned char id[KEY_ID_LEN];
	char shown[17];
	size_t n;
	int rc, same;

	if ((rc = keys_chain_decode(o->file, o->len, in, &n, e)) != CR_OK)
		return rc;
	*o->cert = in[0];
	*o->own = strcmp(in[0].office, o->s->office) == 0;
	cert_id(&in[0], id, shown);
	if (*o->own) {
		if ((rc = keys_own(tx, &k, e)) != CR_OK)
			return rc;
		same = crypto_memeq(k.sign_pk, in[0].sign_pk, KEY_LEN) &&
		    crypto_memeq(k.enc_pk, in[0].enc_pk, KEY_LEN) &&
		    in[0].level == k.level;
		crypto_wipe(&k, sizeof k);
		if (!same)
			return err_set(e, CR_EPERM, "the certificate is for "
			    "office %s but not for this store's keys (it "
			    "certifies key %s): install the file certified for "
			    "this store's own export", in[0].office, shown);
		if (n == 1)
			return err_set(e, CR_EPERM, "the file holds only office "
			    "%s's self-signed certificate: install the file "
			    "that 'civreg keys certify' wrote at the province",
			    in[0].office);
	}
	if ((rc = keys_verify_chain(tx, in, n, e)) != CR_OK)
		return rc;
	if (*o->own) {
		buf_init(&b);
		keys_chain_encode(in, n, &b);
		rc = store_put(tx, ST_KEYS, K_CHAIN, sizeof K_CHAIN - 1, b.data,
		    b.len, 0, e);
		buf_free(&b);
		if (rc != CR_OK)
			return rc;
		return audit_keys(tx, o->s, e, "installed this office's "
		    "certificate, key %s, issued by office %s", shown,
		    in[0].issuer);
	}
	return audit_keys(tx, o->s, e, "installed office %s's certificate, key "
	    "%s, issued by office %s", in[0].office, shown, in[0].issuer);
}

int
keys_install(struct session *s, const void *file, size_t len,
    struct office_cert *leaf, int *own, struct cr_err *e)
{
	struct op o = { .file = file, .len = len, .cert = leaf, .own = own };

	return run_op(s, AZ_KEYS, install_txn, &o, e);
}

static int
trust_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct op *o = arg;
	struct office_cert in[KEYS_MAX_CHAIN], *root;
	unsigned char want[CRYPTO_HASHLEN], got[CRYPTO_HASHLEN];
	unsigned char id[KEY_ID_LEN];
	char key[16], shown[17], fpr[KEYS_FPR_HEX + 1];
	struct buf b;
	size_t n;
	int rc;

	if ((rc = keys_chain_decode(o->file, o->len, in, &n, e)) != CR_OK)
		return rc;
	root = &in[n - 1];
	*o->cert = *root;
	cert_id(root, id, shown);
	if (!self_signed(root) || !is_national(root))
		return err_set(e, CR_EPERM, "the last certificate in the file is "
		    "office %s's (key %s, issued by %s), not the national "
		    "office's self-signed root: only the national root can be "
		    "trusted", root->office, shown, root->issuer);
	if (!keys_fingerprint_parse(o->arg, want))
		return err_set(e, CR_EINVAL, "'%.80s' is not a fingerprint: give "
		    "the 64 hexadecimal digits that 'civreg keys show' prints "
		    "at the national office", o->arg);
	crypto_sha256(root->sign_pk, KEY_LEN, got);
	keys_fingerprint(root->sign_pk, fpr);
	if (!crypto_memeq(want, got, CRYPTO_HASHLEN))
		return err_set(e, CR_EPERM, "the national key in the file has "
		    "fingerprint %s, not the one given: the file may have been "
		    "altered or swapped on the way; nothing was trusted -- "
		    "check the fingerprint with the national office by "
		    "telephone", fpr);
	buf_init(&b);
	cert_body(root, &b);
	rc = crypto_ed25519_verify(root->sign_pk, b.data, b.len, root->sig);
	buf_free(&b);
	if (!rc)
		return err_set(e, CR_EPERM, "the national certificate's "
		    "self-signature is not valid: the file was altered; ask "
		    "for a new export");
	if ((rc = check_revoked(tx, root, e)) != CR_OK)
		return rc;
	if ((rc = put_cert(tx, key, db_key(key, K_TRUST, id, KEY_ID_LEN), root,
	    e)) != CR_OK || (rc = remember(tx, o->s->office, root, e)) !=
	    CR_OK)
		return rc;
	return audit_keys(tx, o->s, e, "trusted national root key %s, "
	    "fingerprint %s", shown, fpr);
}

int
keys_trust(struct session *s, const void *file, size_t len,
    const char *fingerprint, struct office_cert *root, struct cr_err *e)
{
	struct op o = { .file = file, .len = len, .arg = fingerprint,
	    .cert = root };

	return run_op(s, AZ_KEYS, trust_txn, &o, e);
}

static int
revoke_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct op *o = arg;
	struct key_revocation rev, *r = &rev;
	struct office_cert peer;
	struct office_keys k;
	struct buf b;
	char key[16], shown[17];
	int rc;

	if (!code_ok(o->arg))
		return err_set(e, CR_EINVAL, "'%.40s' is not an office code (2, "
		    "4 or 6 digits)", o->arg);
	rc = peer_get(tx, o->arg, &peer, e);
	if (rc == CR_ENOTFOUND)
		return err_set(e, CR_ENOTFOUND, "office %s's key is not known "
		    "here: 'civreg keys list' shows the offices whose keys "
		    "this office knows", o->arg);
	if (rc != CR_OK)
		return rc;
	memset(r, 0, sizeof *r);
	memcpy(r->office, peer.office, OFFICE_LEN);
	keys_id(peer.sign_pk, r->id);
	keys_id_hex(r->id, shown);
	if ((rc = keys_own(tx, &k, e)) != CR_OK)
		return rc;
	memcpy(r->issuer, k.office, OFFICE_LEN);
	keys_id(k.sign_pk, r->issuer_id);
	if (strcmp(peer.issuer, k.office) != 0 ||
	    memcmp(peer.issuer_id, r->issuer_id, KEY_ID_LEN) != 0) {
		crypto_wipe(&k, sizeof k);
		return err_set(e, CR_EPERM, "office %s's key %s was certified by "
		    "office %s, not by this office's key: only its issuer may "
		    "revoke it", peer.office, shown, peer.issuer);
	}
	if ((rc = cert_revoked(tx, &peer, NULL)) != 0) {
		crypto_wipe(&k, sizeof k);
		if (rc < 0)
			return err_set(e, -rc, "keys.db: the revocations could "
			    "not be read");
		return err_set(e, CR_EEXIST, "office %s's key %s is already "
		    "revoked", peer.office, shown);
	}
	r->time = (int64_t)cr_now();
	buf_init(&b);
	rev_body(r, &b);
	rc = sign(&k, &b, r->sig, e);
	crypto_wipe(&k, sizeof k);
	if (rc == CR_OK) {
		buf_reset(&b);
		keys_revocation_encode(r, &b);
		rc = store_put(tx, ST_KEYS, key, db_key(key, K_REV, r->id,
		    KEY_ID_LEN), b.data, b.len, 0, e);
	}
	buf_free(&b);
	if (rc != CR_OK)
		return rc;
	*o->rev = rev;
	return audit_keys(tx, o->s, e, "revoked office %s's key %s", peer.office,
	    shown);
}

int
keys_revoke(struct session *s, const char *office, struct key_revocation *r,
    struct cr_err *e)
{
	struct op o = { .arg = office, .rev = r };

	return run_op(s, AZ_KEYS, revoke_txn, &o, e);
}

struct list_walk {
	struct txn	*tx;
	keys_visit_fn	 fn;
	void		*arg;
};

static int
entry_of(struct txn *tx, const struct office_cert *c, int own,
    struct keys_entry *en)
{
	unsigned char id[KEY_ID_LEN];
	char key[16];
	struct cr_err e;

	memset(en, 0, sizeof *en);
	en->cert = *c;
	en->own = own;
	keys_id(c->sign_pk, id);
	en->revoked = cert_revoked(tx, c, NULL) != 0;
	en->trusted = store_get(tx, ST_KEYS, key, db_key(key, K_TRUST, id,
	    KEY_ID_LEN), NULL, 0, &e) == CR_OK;
	return 0;
}

static int
list_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct list_walk *w = arg;
	struct keys_entry en;
	struct office_cert c;
	struct cr_err e;

	(void)k;
	(void)kl;
	if (keys_cert_decode(v, vl, &c, &e) != CR_OK)
		return 0;	/* verify reports damage; listing goes on */
	entry_of(w->tx, &c, 0, &en);
	return w->fn(w->arg, &en);
}

int
keys_list(struct session *s, keys_visit_fn fn, void *arg, struct cr_err *e)
{
	struct office_cert ch[KEYS_MAX_CHAIN];
	struct keys_entry en;
	struct list_walk w;
	struct txn *tx;
	size_t n;
	int rc;

	if ((rc = allowed(s, AZ_KEYS_READ, e)) != CR_OK)
		return rc;
	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	if ((rc = stored_chain(tx, ch, &n, e)) == CR_OK) {
		entry_of(tx, &ch[0], 1, &en);
		if (fn(arg, &en) != 0)
			goto out;
		w.tx = tx;
		w.fn = fn;
		w.arg = arg;
		rc = store_scan(tx, ST_KEYS, K_PEER, sizeof K_PEER, list_visit,
		    &w, e);
	}
out:
	store_abort(tx);
	return rc;
}
