/*
 * fuzz_repfile.c -- everything a received replication file meets, as
 * one fuzz target (issue 5 item 7).
 *
 * An import reads a file in two stages (src/sync.c, doc/replication.md):
 * before trust, repfile_verify() parses the header and the certificate
 * chain and checks the signature; after the chain is trusted and the
 * file decrypted, repfile_payload() walks the entries and each goes to
 * its decoder -- rec_decode, audit_decode, keys_revocation_decode, the
 * receipt's fields.  A fuzzer cannot forge a signature or a GCM tag, so
 * the payload stage is fed directly too.  Every input goes through:
 *
 *   1. repfile_verify, and repfile_open with the fixed test key of the
 *      office the header names as recipient (tests/fuzz/fuzzkeys.c);
 *      what opens is walked as in 2;
 *   2. repfile_payload, with a visitor that runs every decoder of the
 *      import path on every entry (and audit_decode once more with the
 *      entry's SHA-256 made right, so the fuzzer gets past that check);
 *   3. keys_chain_decode (a key file) and the authority rule between
 *      its certificates, and the decoders on the whole input as one
 *      entry.
 *
 * An input starting with "SEAL" is sealed instead: its next byte picks
 * sender, recipient and kind, the rest is the payload; the sealed file
 * must verify, open to the same bytes and walk as in 2, and one bit
 * changed must make both verify and open fail.
 *
 * Besides crashes, leaks and hangs (the sanitizers, libFuzzer), the
 * harness aborts when a rule below breaks: a decoded certificate,
 * revocation, key file or record encodes back to the same bytes (the
 * decoders are strict, so there is one encoding); a record has at most
 * REC_VV_MAX version-vector entries; a refusal always carries a message;
 * a failed open hands out no plaintext.
 *
 * No store: Berkeley DB is linked but never opened.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
must(int ok, const char *rule)
{
	if (!ok) {
		fprintf(stderr, "fuzz_repfile: rule broken: %s\n", rule);
		abort();
	}
}

/* A refusal says what is wrong. */
static void
said(int rc, const struct cr_err *e, const char *what)
{
	if (rc != CR_OK && (e->code != rc || e->len == 0 ||
	    e->msg[0] == '\0')) {
		fprintf(stderr, "fuzz_repfile: %s returned %d without a "
		    "message\n", what, rc);
		abort();
	}
}

static void
same_bytes(const struct buf *b, const void *p, size_t n, const char *rule)
{
	must(b->len == n && (n == 0 || memcmp(b->data, p, n) == 0), rule);
}

struct walk {
	const char	*sender;	/* for the authority rule */
	size_t		 entries;
};

/* The receipt's fields, read as src/sync.c apply_receipt() reads them. */
static int
receipt_read(const void *p, size_t n)
{
	struct rd rd;
	uint64_t v;

	rd_init(&rd, p, n);
	v = rd_u64(&rd);
	v ^= rd_u64(&rd);
	v ^= rd_u64(&rd);
	v ^= rd_u32(&rd);
	v ^= rd_u32(&rd);
	v ^= rd_u32(&rd);
	(void)v;
	return rd.bad || n == 0 ? CR_ECORRUPT : CR_OK;
}

/* Every decoder of the import path, on one entry. */
static int
visit(void *arg, int type, const void *data, size_t len, struct cr_err *e)
{
	struct walk *w = arg;
	struct record r;
	struct audit_entry a;
	struct key_revocation kr;
	struct office_cert c;
	struct cr_err de;
	struct buf b;
	int rc_rec, rc_au, rc_rev, rc;

	w->entries++;
	buf_init(&b);
	err_clear(&de);

	rc_rec = rec_decode(data, len, &r, &de);
	said(rc_rec, &de, "rec_decode");
	if (rc_rec == CR_OK) {
		rec_encode(&r, &b);
		same_bytes(&b, data, len, "rec_decode then rec_encode gives "
		    "the same bytes");
		must(rec_vv_compare(&r, &r) == VV_EQUAL, "a version vector "
		    "equals itself");
		must(rec_id_valid(r.id), "a decoded record has a valid id");
		must(r.nvv <= REC_VV_MAX, "a decoded record has at most "
		    "REC_VV_MAX version-vector entries");
		(void)keys_authority(w->sender, r.office);
		(void)rec_place_flags(&r, w->sender);
		(void)rec_status_name(r.status);
		(void)rec_action_name(r.action);
		rec_free(&r);
	}

	err_clear(&de);
	rc_au = audit_decode(data, len, &a, &de);
	said(rc_au, &de, "audit_decode");
	if (rc_au == CR_OK) {
		(void)audit_action_name(a.action);
		audit_entry_free(&a);
	}
	if (len >= CRYPTO_HASHLEN) {		/* once more, hash made right */
		buf_reset(&b);
		buf_add(&b, data, len);
		crypto_sha256(b.data, len - CRYPTO_HASHLEN,
		    b.data + len - CRYPTO_HASHLEN);
		err_clear(&de);
		rc = audit_decode(b.data, len, &a, &de);
		said(rc, &de, "audit_decode");
		if (rc == CR_OK) {
			must(a.record != NULL && a.detail != NULL,
			    "a decoded audit entry has its strings");
			audit_entry_free(&a);
		}
	}

	err_clear(&de);
	rc_rev = keys_revocation_decode(data, len, &kr, &de);
	said(rc_rev, &de, "keys_revocation_decode");
	if (rc_rev == CR_OK) {
		buf_reset(&b);
		keys_revocation_encode(&kr, &b);
		same_bytes(&b, data, len, "a revocation encodes back to the "
		    "same bytes");
	}

	err_clear(&de);
	rc = keys_cert_decode(data, len, &c, &de);
	said(rc, &de, "keys_cert_decode");
	if (rc == CR_OK) {
		buf_reset(&b);
		keys_cert_encode(&c, &b);
		same_bytes(&b, data, len, "a certificate encodes back to the "
		    "same bytes");
	}
	buf_free(&b);

	/* What the import does with the result, as apply_entry(). */
	switch (type) {
	case PE_REVISION:
		return rc_rec == CR_OK ? CR_OK : err_set(e, rc_rec, "%s",
		    de.msg);
	case PE_AUDIT:
		return rc_au == CR_OK ? CR_OK : err_set(e, rc_au, "audit");
	case PE_REVOCATION:
		return rc_rev == CR_OK ? CR_OK : err_set(e, rc_rev,
		    "revocation");
	case PE_RECEIPT:
		return receipt_read(data, len) == CR_OK ? CR_OK : err_set(e,
		    CR_ECORRUPT, "the receipt is damaged");
	}
	return err_set(e, CR_ECORRUPT, "the file holds an entry of unknown "
	    "type %d", type);
}

/* repfile_payload and the visitor; 1 if every entry was accepted. */
static int
walk_payload(const void *p, size_t n, const char *sender)
{
	struct walk w;
	struct cr_err e;
	uint64_t hw = 0, audit_hw = 0;
	int rc;

	memset(&w, 0, sizeof w);
	w.sender = sender;
	err_clear(&e);
	rc = repfile_payload(p, n, &hw, &audit_hw, visit, &w, &e);
	said(rc, &e, "repfile_payload");
	return rc == CR_OK;
}

/* A file as received: verify, then open with the recipient's key. */
static int
file_stage(const uint8_t *d, size_t n)
{
	struct repfile_head h;
	struct cr_err e;
	struct buf pl;
	char rcpt[OFFICE_LEN], why[300];
	size_t i;
	int got = 0, rc;

	err_clear(&e);
	rc = repfile_verify(d, n, &h, &e);
	said(rc, &e, "repfile_verify");
	if (rc == CR_OK) {
		got |= FZ_VERIFIED;
		must(h.nchain >= 1 && h.nchain <= KEYS_MAX_CHAIN &&
		    (h.kind == RF_CHANGES || h.kind == RF_RECEIPT),
		    "a verified header is in range");
		for (i = 0; i + 1 < h.nchain; i++)	/* the pure trust rule */
			(void)keys_may_certify(&h.chain[i + 1], &h.chain[i],
			    why, sizeof why);
	}
	/* The import opens only a trusted file; the fuzzer opens all. */
	memset(rcpt, 0, sizeof rcpt);
	if (n >= 40)
		memcpy(rcpt, d + 24, strnlen((const char *)d + 24,
		    OFFICE_LEN - 1));
	buf_init(&pl);
	err_clear(&e);
	rc = repfile_open(d, n, fuzz_keys_for(rcpt), &pl, &e);
	said(rc, &e, "repfile_open");
	if (rc == CR_OK) {
		got |= FZ_OPENED;
		if (walk_payload(pl.data, pl.len,
		    (got & FZ_VERIFIED) ? h.sender : ""))
			got |= FZ_PAYLOAD;
	} else
		must(pl.len == 0, "a failed open hands out no plaintext");
	buf_free(&pl);
	return got;
}

/* A key file, as `civreg keys install/trust/certify` read it. */
static int
keyfile_stage(const uint8_t *d, size_t n)
{
	struct office_cert chain[KEYS_MAX_CHAIN];
	struct cr_err e;
	struct buf b;
	char why[300];
	size_t count = 99, i;
	int rc;

	err_clear(&e);
	rc = keys_chain_decode(d, n, chain, &count, &e);
	said(rc, &e, "keys_chain_decode");
	if (rc != CR_OK) {
		must(count == 0, "a refused key file has no certificates");
		return 0;
	}
	must(count >= 1 && count <= KEYS_MAX_CHAIN, "a key file holds 1 to "
	    "4 certificates");
	for (i = 0; i + 1 < count; i++)		/* the pure trust rule */
		(void)keys_may_certify(&chain[i + 1], &chain[i], why,
		    sizeof why);
	buf_init(&b);
	keys_chain_encode(chain, count, &b);
	same_bytes(&b, d, n, "a key file encodes back to the same bytes");
	buf_free(&b);
	return FZ_KEYFILE;
}

/* "SEAL", a byte choosing offices and kind, the payload. */
static int
seal_stage(const uint8_t *d, size_t n)
{
	struct repfile_head h, back;
	struct cr_err e;
	struct buf file, pl, x, y;
	const struct office_keys *to;
	unsigned sel = n > 0 ? d[0] : 0;
	size_t i, at;
	int from, rcpt, got = FZ_SEALED;

	if (n > 0) {
		d++;
		n--;
	}
	from = (int)(sel % FZ_NOFFICES);
	rcpt = (int)(sel / FZ_NOFFICES % FZ_NOFFICES);
	to = &fuzz_offices[rcpt].keys;
	fuzz_head(from, rcpt, sel & 0x80 ? RF_RECEIPT : RF_CHANGES, sel, &h);
	buf_init(&file);
	buf_init(&pl);
	buf_init(&x);
	buf_init(&y);
	err_clear(&e);
	must(repfile_seal(&h, &fuzz_offices[from].keys, to->enc_pk, d, n,
	    &file, &e) == CR_OK, "a payload can be sealed");
	must(repfile_verify(file.data, file.len, &back, &e) == CR_OK,
	    "a sealed file verifies");
	must(back.kind == h.kind && strcmp(back.sender, h.sender) == 0 &&
	    strcmp(back.recipient, h.recipient) == 0 && back.seq == h.seq &&
	    back.created == h.created && back.nchain == h.nchain &&
	    memcmp(back.sender_id, h.sender_id, KEY_ID_LEN) == 0 &&
	    memcmp(back.recipient_id, h.recipient_id, KEY_ID_LEN) == 0,
	    "a sealed header reads back the same");
	for (i = 0; i < h.nchain; i++) {
		buf_reset(&x);
		buf_reset(&y);
		keys_cert_encode(&h.chain[i], &x);
		keys_cert_encode(&back.chain[i], &y);
		same_bytes(&x, y.data, y.len, "a sealed chain reads back the "
		    "same");
	}
	must(repfile_open(file.data, file.len, to, &pl, &e) == CR_OK,
	    "a sealed file opens");
	same_bytes(&pl, d, n, "a sealed payload opens to the same bytes");
	if (walk_payload(pl.data, pl.len, h.sender))
		got |= FZ_PAYLOAD;
	/* One bit changed anywhere: refused, before and after trust. */
	at = (n ? d[n / 2] * 131u + n * 7919u : sel) % file.len;
	file.data[at] ^= (unsigned char)(1u << (sel % 8));
	must(repfile_verify(file.data, file.len, &back, &e) != CR_OK,
	    "a changed bit breaks the signature");
	if (at < file.len - KEY_SIG_LEN)
		must(repfile_open(file.data, file.len, to, &pl, &e) != CR_OK &&
		    pl.len == 0, "a changed bit breaks the decryption");
	buf_free(&file);
	buf_free(&pl);
	buf_free(&x);
	buf_free(&y);
	return got;
}

int
fuzz_one(const uint8_t *d, size_t n)
{
	struct walk w;
	struct cr_err e;
	int got;

	fuzz_init();
	if (n >= FUZZ_SEAL_LEN && memcmp(d, FUZZ_SEAL, FUZZ_SEAL_LEN) == 0)
		return seal_stage(d + FUZZ_SEAL_LEN, n - FUZZ_SEAL_LEN);
	got = file_stage(d, n);
	if (walk_payload(d, n, "120105"))
		got |= FZ_PAYLOAD;
	got |= keyfile_stage(d, n);
	memset(&w, 0, sizeof w);
	w.sender = "12";
	err_clear(&e);
	(void)visit(&w, 0, d, n, &e);
	return got;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	(void)fuzz_one(d, n);
	return 0;
}
