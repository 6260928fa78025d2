/*
 * mkseeds.c -- writes the seed corpus of the fuzz harness.
 *
 * usage: mkseeds DIR    (make fuzz-seeds: DIR is tests/fuzz/corpus)
 *
 * The seeds are what civreg itself writes, made with the fixed test
 * offices of fuzzkeys.c by the same core functions the program uses
 * (rec_encode, keys_cert_encode, keys_revocation_encode, repfile_seal):
 * sealed change files and a receipt (valid-*.crf), their payloads
 * (valid-*.payload), key files (valid-*.keys), a SEAL input, the bare
 * entries, cut or damaged copies, and inputs that once broke a rule
 * (bad-key-empty.crf, entry-record-vv-over.bin).  Sealing draws a fresh
 * ephemeral key and IV, so each run writes different bytes of the same
 * meaning.  Files named regress-* are the fuzzer's findings, kept as
 * found; mkseeds leaves them alone.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const char *dir;

static void
put(const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void
put_buf(const char *name, const struct buf *b)
{
	put(name, b->data, b->len);
}

static void
entry(struct buf *p, int type, const struct buf *e)
{
	buf_add_u8(p, (unsigned)type);
	buf_add_u32(p, (uint32_t)e->len);
	buf_add(p, e->data, e->len);
}

static void
payload_start(struct buf *p, uint64_t hw, uint64_t audit_hw)
{
	buf_reset(p);
	buf_add(p, "CP", 2);
	buf_add_u8(p, REPFILE_PAYLOAD_VERSION);
	buf_add_u64(p, hw);
	buf_add_u64(p, audit_hw);
}

/* A birth record of commune 120105, revision 2, with Khmer fields. */
static void
record(struct buf *b)
{
	struct record r;

	rec_init(&r);
	snprintf(r.id, sizeof r.id, "120105-00000001");
	r.kind = 1;
	r.status = RS_REGISTERED;
	r.action = RA_REGISTER;
	r.rev = 2;
	r.time = 1735776000;
	r.created = 1735689700;
	snprintf(r.office, sizeof r.office, "120105");
	snprintf(r.author, sizeof r.author, "registrar");
	r.note = xstrdup("");
	rec_vv_bump(&r, "120105");
	rec_vv_bump(&r, "120105");
	rec_vv_bump(&r, "12");
	rec_set(&r, "name_km", "សុខ ចាន់ដារ៉ា");
	rec_set(&r, "name_latin", "Sok Chandara");
	rec_set(&r, "sex", "female");
	rec_set(&r, "date_of_birth", "2024-12-30");
	rec_set(&r, "place_of_birth", "12010501");
	rec_set(&r, "mother_residence", "12010502");
	rec_encode(&r, b);
	rec_free(&r);
}

/* A record whose version vector has n (empty) office entries. */
static void
record_vv(struct buf *b, size_t n)
{
	struct record r;

	rec_init(&r);
	snprintf(r.id, sizeof r.id, "120105-00000002");
	snprintf(r.office, sizeof r.office, "120105");
	r.note = xstrdup("");
	r.nvv = n;
	r.vv = xcalloc(n, sizeof *r.vv);
	rec_encode(&r, b);
	rec_free(&r);
}

/* An audit entry, as src/audit.c audit_append() writes one. */
static void
audit(struct buf *b, uint64_t seq)
{
	unsigned char h[CRYPTO_HASHLEN];

	buf_reset(b);
	buf_add(b, "AU", 2);
	buf_add_u8(b, 1);
	buf_add_u8(b, AU_WORKFLOW);
	buf_add_u64(b, seq);
	buf_add_u64(b, 1735776000);
	buf_add_str(b, "registrar");
	buf_add_str(b, "120105");
	buf_add_str(b, "120105-00000001");
	buf_add_str(b, "register: ចុះបញ្ជី");
	memset(h, 0x5a, sizeof h);		/* the previous entry's hash */
	buf_add(b, h, sizeof h);
	crypto_sha256(b->data, b->len, h);
	buf_add(b, h, sizeof h);
}

/* Province 12 revokes a (made-up) commune key. */
static void
revocation(struct buf *b)
{
	const struct office_keys *is = &fuzz_offices[FZ_PROVINCE].keys;
	struct key_revocation k;
	struct cr_err e;

	memset(&k, 0, sizeof k);
	snprintf(k.office, sizeof k.office, "120106");
	memset(k.id, 0xa5, KEY_ID_LEN);
	snprintf(k.issuer, sizeof k.issuer, "12");
	keys_id(is->sign_pk, k.issuer_id);
	k.time = 1735776000;
	buf_reset(b);
	keys_revocation_encode(&k, b);
	if (crypto_ed25519_sign(is->sign_sk, is->sign_pk, b->data,
	    b->len - KEY_SIG_LEN, k.sig, &e) != CR_OK)
		abort();
	buf_reset(b);
	keys_revocation_encode(&k, b);
}

static void
receipt(struct buf *b)
{
	buf_reset(b);
	buf_add_u64(b, 1);	/* the acknowledged file */
	buf_add_u64(b, 7);	/* change high water */
	buf_add_u64(b, 3);	/* audit high water */
	buf_add_u32(b, 1);	/* applied */
	buf_add_u32(b, 0);	/* ignored */
	buf_add_u32(b, 0);	/* conflicts */
}

static void
seal(int from, int to, int kind, uint64_t seq, const struct buf *p,
    struct buf *out)
{
	struct repfile_head h;
	struct cr_err e;

	fuzz_head(from, to, kind, seq, &h);
	if (repfile_seal(&h, &fuzz_offices[from].keys,
	    fuzz_offices[to].keys.enc_pk, p->data, p->len, out, &e) !=
	    CR_OK) {
		fprintf(stderr, "mkseeds: seal: %s\n", e.msg);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct repfile_head h;
	struct buf rec, au, rev, rcp, p, f, k;
	struct cr_err e;
	unsigned char sel;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 1;
	}
	dir = argv[1];
	fuzz_init();
	buf_init(&rec);
	buf_init(&au);
	buf_init(&rev);
	buf_init(&rcp);
	buf_init(&p);
	buf_init(&f);
	buf_init(&k);
	record(&rec);
	audit(&au, 41);
	revocation(&rev);
	receipt(&rcp);

	/* The bare entries and a certificate. */
	put_buf("entry-record.bin", &rec);
	put_buf("entry-audit.bin", &au);
	put_buf("entry-revocation.bin", &rev);
	keys_cert_encode(&fuzz_offices[FZ_COMMUNE].cert, &k);
	put_buf("entry-cert.bin", &k);

	/* One version-vector entry too many (REC_VV_MAX): refused. */
	record_vv(&k, REC_VV_MAX + 1);
	put_buf("entry-record-vv-over.bin", &k);
	buf_reset(&k);

	/* Commune 120105 to province 12: one of each change entry. */
	payload_start(&p, 7, 41);
	entry(&p, PE_REVISION, &rec);
	entry(&p, PE_AUDIT, &au);
	entry(&p, PE_REVOCATION, &rev);
	put_buf("valid-changes.payload", &p);
	seal(FZ_COMMUNE, FZ_PROVINCE, RF_CHANGES, 1, &p, &f);
	put_buf("valid-changes-commune.crf", &f);
	put("cut-header.crf", f.data, 150);
	put("cut-ciphertext.crf", f.data, f.len - 100);
	f.data[f.len - 1] ^= 1;
	put("bad-signature.crf", f.data, f.len);
	put("cut-entry.payload", p.data, p.len - 10);

	/* Province 12 to the national office, a two-certificate chain. */
	payload_start(&p, 2, 0);
	entry(&p, PE_REVOCATION, &rev);
	seal(FZ_PROVINCE, FZ_NATIONAL, RF_CHANGES, 9, &p, &f);
	put_buf("valid-changes-province.crf", &f);

	/* The national root to province 12: nothing new. */
	payload_start(&p, 0, 0);
	put_buf("valid-empty.payload", &p);
	seal(FZ_NATIONAL, FZ_PROVINCE, RF_CHANGES, 3, &p, &f);
	put_buf("valid-empty-national.crf", &f);

	/* Nothing, signed by the commune but encrypted to another key than
	   province 12's (say, its key before a change): the signature holds,
	   the tag fails on an empty ciphertext (a NULL buffer: crypto_wipe). */
	buf_reset(&p);
	fuzz_head(FZ_COMMUNE, FZ_PROVINCE, RF_CHANGES, 2, &h);
	if (repfile_seal(&h, &fuzz_offices[FZ_COMMUNE].keys,
	    fuzz_offices[FZ_NATIONAL].keys.enc_pk, "", 0, &f, &e) != CR_OK)
		abort();
	put_buf("bad-key-empty.crf", &f);

	/* Province 12's receipt for the commune's file 1. */
	payload_start(&p, 0, 0);
	entry(&p, PE_RECEIPT, &rcp);
	put_buf("valid-receipt.payload", &p);
	seal(FZ_PROVINCE, FZ_COMMUNE, RF_RECEIPT, 1, &p, &f);
	put_buf("valid-receipt.crf", &f);

	/* Key files: the commune's chain as `keys certify` writes it, and
	   the national root as `keys export` does. */
	fuzz_head(FZ_COMMUNE, FZ_PROVINCE, RF_CHANGES, 1, &h);
	buf_reset(&k);
	keys_chain_encode(h.chain, h.nchain, &k);
	put_buf("valid-commune.keys", &k);
	put("cut-commune.keys", k.data, k.len - 1);
	fuzz_head(FZ_NATIONAL, FZ_PROVINCE, RF_CHANGES, 1, &h);
	buf_reset(&k);
	keys_chain_encode(h.chain, h.nchain, &k);
	put_buf("valid-root.keys", &k);

	/* A SEAL input: commune (2) to province (1), changes. */
	buf_reset(&f);
	buf_add(&f, FUZZ_SEAL, FUZZ_SEAL_LEN);
	sel = FZ_COMMUNE + FZ_NOFFICES * FZ_PROVINCE;
	buf_add(&f, &sel, 1);
	payload_start(&p, 1, 1);
	entry(&p, PE_REVISION, &rec);
	buf_add(&f, p.data, p.len);
	put_buf("valid-record.seal", &f);

	buf_free(&rec);
	buf_free(&au);
	buf_free(&rev);
	buf_free(&rcp);
	buf_free(&p);
	buf_free(&f);
	buf_free(&k);
	return 0;
}
