/*
 * repfile.c -- the replication file: sealed, signed, checked.
 *
 * Offices exchange changes as files on a USB stick or over SSH, so a file
 * must carry its own proof: who sent it, for whom, and that not one byte
 * changed.  The layout (doc/replication.md has it byte by byte) is a
 * clear header -- sender, recipient, the per-pair sequence number, the
 * sender's certificate chain -- then the payload encrypted to the
 * recipient's X25519 key (an ephemeral key per file, HKDF-SHA256, AES-
 * 256-GCM with the header as associated data), then an Ed25519 signature
 * over the SHA-256 digest of everything before it.  Signing a digest
 * keeps the signature cheap on a 100 MB file and lets stock openssl check
 * it (doc/replication.md shows how).
 *
 * Contract: repfile_verify() reads only the fixed header and the chain,
 * with strict bounds, checks that the signing key is the chain's leaf by
 * its key id before any cryptography (as signify does), then checks the
 * signature; nothing else of the file is parsed before that.  The caller
 * then checks the chain against its trust (keys_verify_chain) and only
 * then opens the payload with repfile_open().  This file knows nothing
 * of the store.
 *
 * Diagnostics: a file that is not one, is truncated, or whose signature
 * fails is CR_ECORRUPT naming what is wrong and where (offset); a file
 * for another office is CR_EPERM.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define MAGIC		"CIVREP"
#define MAGIC_LEN	6
#define FILE_VERSION	1
#define HEAD_LEN	73	/* up to the chain */
#define EPH_LEN		32
#define IV_LEN		12
#define TAG_LEN		16
#define INFO		"civreg replication file v1"
#define MAX_FILE	((uint64_t)1 << 32)

static void
put_be64(struct buf *b, uint64_t v)
{
	unsigned char x[8];

	be64_put(x, v);
	buf_add(b, x, 8);
}

static void
put_office(struct buf *b, const char *o)
{
	char pad[OFFICE_LEN];

	memset(pad, 0, sizeof pad);
	snprintf(pad, sizeof pad, "%s", o);
	buf_add(b, pad, OFFICE_LEN);
}

static int
get_office(const unsigned char *p, char out[OFFICE_LEN])
{
	size_t n = strnlen((const char *)p, OFFICE_LEN);

	if (n == 0 || n == OFFICE_LEN)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* The shared AES key of an ephemeral and a static X25519 key. */
static int
file_key(const unsigned char shared[32], const unsigned char eph_pk[32],
    const unsigned char rcpt_pk[32], unsigned char key[32], struct cr_err *e)
{
	unsigned char salt[64];

	memcpy(salt, eph_pk, 32);
	memcpy(salt + 32, rcpt_pk, 32);
	return crypto_hkdf_sha256(shared, 32, salt, sizeof salt, INFO,
	    strlen(INFO), key, 32, e);
}

int
repfile_seal(const struct repfile_head *h, const struct office_keys *own,
    const unsigned char rcpt_enc_pk[KEY_LEN], const void *payload, size_t n,
    struct buf *out, struct cr_err *e)
{
	unsigned char eph_sk[32], eph_pk[32], shared[32], key[32], iv[IV_LEN];
	unsigned char tag[TAG_LEN], digest[CRYPTO_HASHLEN], sig[KEY_SIG_LEN];
	struct buf c;
	size_t i, ct;
	int rc;

	buf_reset(out);
	buf_add(out, MAGIC, MAGIC_LEN);
	buf_add_u8(out, FILE_VERSION);
	buf_add_u8(out, (unsigned)h->kind);
	put_office(out, h->sender);
	put_office(out, h->recipient);
	put_be64(out, h->seq);
	put_be64(out, (uint64_t)h->created);
	buf_add(out, h->sender_id, KEY_ID_LEN);
	buf_add(out, h->recipient_id, KEY_ID_LEN);
	buf_add_u8(out, (unsigned)h->nchain);
	buf_init(&c);
	for (i = 0; i < h->nchain; i++) {
		buf_reset(&c);
		keys_cert_encode(&h->chain[i], &c);
		buf_add(out, c.data, c.len);
	}
	buf_free(&c);
	if ((rc = crypto_x25519_keygen(eph_pk, eph_sk, e)) != CR_OK)
		return rc;
	rc = crypto_x25519(shared, eph_sk, rcpt_enc_pk, e);
	crypto_wipe(eph_sk, sizeof eph_sk);
	if (rc == CR_OK)
		rc = file_key(shared, eph_pk, rcpt_enc_pk, key, e);
	crypto_wipe(shared, sizeof shared);
	if (rc != CR_OK)
		return rc;
	crypto_random(iv, IV_LEN);
	buf_add(out, eph_pk, EPH_LEN);
	buf_add(out, iv, IV_LEN);
	put_be64(out, (uint64_t)n);
	ct = out->len;
	buf_add(out, payload, n);	/* room, then encrypted in place */
	rc = crypto_aes256gcm_seal(key, iv, out->data, ct, payload, n,
	    out->data + ct, tag, e);
	crypto_wipe(key, sizeof key);
	if (rc != CR_OK)
		return rc;
	buf_add(out, tag, TAG_LEN);
	crypto_sha256(out->data, out->len, digest);
	if ((rc = crypto_ed25519_sign(own->sign_sk, own->sign_pk, digest,
	    sizeof digest, sig, e)) != CR_OK)
		return rc;
	buf_add(out, sig, KEY_SIG_LEN);
	return CR_OK;
}

/* Where the parts are, from the header and the lengths it gives. */
struct layout {
	size_t	chain;		/* offset of the chain */
	size_t	eph;		/* of the ephemeral key */
	size_t	ct;		/* of the ciphertext */
	size_t	ctlen;
	size_t	sig;		/* of the signature */
};

static int
lay_out(const unsigned char *p, size_t n, struct layout *l,
    struct cr_err *e)
{
	size_t nchain;
	uint64_t ctlen;

	if (n < HEAD_LEN || memcmp(p, MAGIC, MAGIC_LEN) != 0)
		return err_set(e, CR_ECORRUPT, "not a civreg replication file "
		    "(no CIVREP header)");
	if (p[MAGIC_LEN] != FILE_VERSION)
		return err_set(e, CR_ECORRUPT, "a replication file of version "
		    "%u: this civreg reads version %d", p[MAGIC_LEN], FILE_VERSION);
	nchain = p[HEAD_LEN - 1];
	if (nchain < 1 || nchain > KEYS_MAX_CHAIN)
		return err_set(e, CR_ECORRUPT, "the file's certificate chain "
		    "has %zu certificates (1 to %d)", nchain, KEYS_MAX_CHAIN);
	l->chain = HEAD_LEN;
	l->eph = l->chain + nchain * OFFICE_CERT_LEN;
	if (n < l->eph + EPH_LEN + IV_LEN + 8)
		return err_set(e, CR_ECORRUPT, "the file is truncated: it ends "
		    "at byte %zu, inside its header", n);
	ctlen = be64_get(p + l->eph + EPH_LEN + IV_LEN);
	l->ct = l->eph + EPH_LEN + IV_LEN + 8;
	if (ctlen > MAX_FILE || n - l->ct < TAG_LEN + KEY_SIG_LEN ||
	    ctlen != n - l->ct - TAG_LEN - KEY_SIG_LEN)
		return err_set(e, CR_ECORRUPT, "the file is truncated or has "
		    "bytes added: %zu bytes, its header says %llu", n,
		    (unsigned long long)(l->ct + ctlen + TAG_LEN +
		    KEY_SIG_LEN));
	l->ctlen = (size_t)ctlen;
	l->sig = n - KEY_SIG_LEN;
	return CR_OK;
}

int
repfile_verify(const void *file, size_t n, struct repfile_head *h,
    struct cr_err *e)
{
	const unsigned char *p = file;
	unsigned char digest[CRYPTO_HASHLEN], id[KEY_ID_LEN];
	struct layout l;
	size_t i;
	int rc;

	memset(h, 0, sizeof *h);
	if ((rc = lay_out(p, n, &l, e)) != CR_OK)
		return rc;
	h->kind = p[7];
	if ((h->kind != RF_CHANGES && h->kind != RF_RECEIPT &&
	    h->kind != RF_ALLOCATION) ||
	    get_office(p + 8, h->sender) != 0 ||
	    get_office(p + 24, h->recipient) != 0)
		return err_set(e, CR_ECORRUPT, "the file's header is damaged "
		    "(kind or office codes, bytes 7 to 39)");
	h->seq = be64_get(p + 40);
	h->created = (int64_t)be64_get(p + 48);
	memcpy(h->sender_id, p + 56, KEY_ID_LEN);
	memcpy(h->recipient_id, p + 64, KEY_ID_LEN);
	h->nchain = p[HEAD_LEN - 1];
	for (i = 0; i < h->nchain; i++)
		if (keys_cert_decode(p + l.chain + i * OFFICE_CERT_LEN,
		    OFFICE_CERT_LEN, &h->chain[i], e) != CR_OK)
			return err_set(e, CR_ECORRUPT, "certificate %zu of the "
			    "file's chain is damaged: %s", i + 1, e->msg);
	/* The signer must be the chain's leaf: ids first, then the maths. */
	keys_id(h->chain[0].sign_pk, id);
	if (!crypto_memeq(id, h->sender_id, KEY_ID_LEN) ||
	    strcmp(h->chain[0].office, h->sender) != 0)
		return err_set(e, CR_ECORRUPT, "the file says it is signed by "
		    "office %s, but its first certificate is another key or "
		    "office (%s)", h->sender, h->chain[0].office);
	crypto_sha256(p, l.sig, digest);
	if (!crypto_ed25519_verify(h->chain[0].sign_pk, digest, sizeof digest,
	    p + l.sig))
		return err_set(e, CR_ECORRUPT, "the signature of office %s does "
		    "not match the file: it was changed after it was signed, "
		    "or damaged in transit", h->sender);
	return CR_OK;
}

int
repfile_open(const void *file, size_t n, const struct office_keys *own,
    struct buf *payload, struct cr_err *e)
{
	const unsigned char *p = file;
	unsigned char shared[32], key[32];
	struct layout l;
	int rc;

	buf_reset(payload);
	if ((rc = lay_out(p, n, &l, e)) != CR_OK)
		return rc;
	if ((rc = crypto_x25519(shared, own->enc_sk, p + l.eph, e)) != CR_OK)
		return err_set(e, CR_ECORRUPT, "the file's encryption key is "
		    "invalid: %s", e->msg);
	rc = file_key(shared, p + l.eph, own->enc_pk, key, e);
	crypto_wipe(shared, sizeof shared);
	if (rc != CR_OK)
		return rc;
	buf_add(payload, p + l.ct, l.ctlen);	/* room for the plaintext */
	rc = crypto_aes256gcm_open(key, p + l.eph + EPH_LEN, p, l.ct,
	    p + l.ct, l.ctlen, p + l.ct + l.ctlen, payload->data, e);
	crypto_wipe(key, sizeof key);
	if (rc != CR_OK)
		buf_reset(payload);
	return rc;
}

/* The byte offset of the leaf's signing key (for doc/replication.md). */
size_t
repfile_signer_key_offset(void)
{
	return HEAD_LEN + 2 + 1 + OFFICE_LEN + 1;
}

/* A payload's start: "CP", version, the two high-water marks. */
void
repfile_payload_start(struct buf *p, uint64_t hw, uint64_t audit_hw)
{
	buf_reset(p);
	buf_add(p, "CP", 2);
	buf_add_u8(p, REPFILE_PAYLOAD_VERSION);
	buf_add_u64(p, hw);
	buf_add_u64(p, audit_hw);
}

void
repfile_entry_add(struct buf *p, int type, const void *data, size_t n)
{
	buf_add_u8(p, (unsigned)type);
	buf_add_u32(p, (uint32_t)n);
	buf_add(p, data, n);
}

/*
 * The decrypted payload, entry by entry, strictly: "CP", version, the
 * two high-water marks, then type u8, length u32, bytes to the end; an
 * entry running past the end is damage, not the end.
 */
int
repfile_payload(const void *p, size_t n, uint64_t *hw, uint64_t *audit_hw,
    repfile_entry_fn fn, void *arg, struct cr_err *e)
{
	const unsigned char *magic, *data;
	struct rd rd;
	unsigned type;
	uint32_t len;
	int rc = CR_OK;

	rd_init(&rd, p, n);
	magic = rd_bytes(&rd, 2);
	if (magic == NULL || memcmp(magic, "CP", 2) != 0 ||
	    rd_u8(&rd) != REPFILE_PAYLOAD_VERSION)
		return err_set(e, CR_ECORRUPT, "the file's contents are not of "
		    "version %d", REPFILE_PAYLOAD_VERSION);
	*hw = rd_u64(&rd);
	*audit_hw = rd_u64(&rd);
	while (rc == CR_OK && !rd.bad && rd.left > 0) {
		type = rd_u8(&rd);
		len = rd_u32(&rd);
		if ((data = rd_bytes(&rd, len)) == NULL)
			break;
		rc = fn(arg, (int)type, data, len, e);
	}
	if (rc == CR_OK && rd.bad)
		rc = err_set(e, CR_ECORRUPT, "the file's contents are "
		    "truncated");
	return rc;
}
