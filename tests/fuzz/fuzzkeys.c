/*
 * fuzzkeys.c -- the fixed test offices of the fuzz harness and of
 * mkseeds.c: national 00 (root, self-signed), province 12 (certified by
 * 00), commune 120105 (certified by 12).  The Ed25519 keys are the
 * published RFC 8032 section 7.1 tests 1 to 3; the X25519 secrets are
 * RFC 7748 section 6.1's two and one more, their public keys computed.
 * Certificates are issued at a fixed time, and Ed25519 is deterministic,
 * so the same certificates come out every time.  Test keys only: they
 * are public.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(FUZZ_ASAN)
#include <sanitizer/lsan_interface.h>
#define LSAN_OFF()	__lsan_disable()
#define LSAN_ON()	__lsan_enable()
#else
#define LSAN_OFF()
#define LSAN_ON()
#endif

struct fuzz_office fuzz_offices[FZ_NOFFICES];

static const struct {
	const char	*office;
	int		 level;
	int		 issuer;
	const char	*sign_sk, *sign_pk, *enc_sk;
} test_keys[FZ_NOFFICES] = {
	{ "00", LV_NATIONAL, FZ_NATIONAL,
	  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a" },
	{ "12", LV_PROVINCE, FZ_NATIONAL,
	  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb" },
	{ "120105", LV_COMMUNE, FZ_PROVINCE,
	  "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	  "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4" },
};

#define ISSUED	1735689600	/* 2025-01-01T00:00:00Z */

static void
unhex(const char *h, unsigned char *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (unsigned char)v;
	}
}

static void
die(const char *what, const struct cr_err *e)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, e->msg);
	abort();
}

void
fuzz_init(void)
{
	static const unsigned char base[32] = { 9 };	/* X25519 base point */
	static int ready;
	unsigned char pk[KEY_LEN], sk[KEY_LEN];
	struct fuzz_office *o, *is;
	struct office_cert *c;
	struct cr_err e;
	struct buf b;
	int i;

	if (ready)
		return;
	err_clear(&e);
	if (crypto_init(&e) != CR_OK)
		die("crypto_init", &e);
	/*
	 * The first very strong random number (an ephemeral key: SEAL
	 * inputs) makes libgcrypt start its jitter entropy collector, 128 KB
	 * once per process, whose only pointer lives in libgcrypt's secure
	 * memory -- an mlock()ed mapping LeakSanitizer does not scan, so it
	 * would report a leak at exit.  Start it here with LSan looking
	 * away; every later allocation is checked.
	 */
	LSAN_OFF();
	i = crypto_x25519_keygen(pk, sk, &e);
	LSAN_ON();
	crypto_wipe(sk, sizeof sk);
	if (i != CR_OK)
		die("x25519 keygen", &e);
	memset(fuzz_offices, 0, sizeof fuzz_offices);
	for (i = 0; i < FZ_NOFFICES; i++) {
		o = &fuzz_offices[i];
		snprintf(o->keys.office, OFFICE_LEN, "%s", test_keys[i].office);
		o->keys.level = test_keys[i].level;
		unhex(test_keys[i].sign_sk, o->keys.sign_sk, KEY_LEN);
		unhex(test_keys[i].sign_pk, o->keys.sign_pk, KEY_LEN);
		unhex(test_keys[i].enc_sk, o->keys.enc_sk, KEY_LEN);
		if (crypto_x25519(o->keys.enc_pk, o->keys.enc_sk, base, &e) !=
		    CR_OK)
			die("x25519", &e);
	}
	buf_init(&b);
	for (i = 0; i < FZ_NOFFICES; i++) {
		o = &fuzz_offices[i];
		is = &fuzz_offices[test_keys[i].issuer];
		c = &o->cert;
		snprintf(c->office, OFFICE_LEN, "%.15s", o->keys.office);
		c->level = o->keys.level;
		memcpy(c->sign_pk, o->keys.sign_pk, KEY_LEN);
		memcpy(c->enc_pk, o->keys.enc_pk, KEY_LEN);
		snprintf(c->issuer, OFFICE_LEN, "%.15s", is->keys.office);
		keys_id(is->keys.sign_pk, c->issuer_id);
		c->issued = ISSUED;
		buf_reset(&b);
		keys_cert_encode(c, &b);
		if (crypto_ed25519_sign(is->keys.sign_sk, is->keys.sign_pk,
		    b.data, b.len - KEY_SIG_LEN, c->sig, &e) != CR_OK)
			die("sign", &e);
	}
	buf_free(&b);
	ready = 1;
}

void
fuzz_head(int from, int to, int kind, uint64_t seq, struct repfile_head *h)
{
	int i;

	memset(h, 0, sizeof *h);
	h->kind = kind;
	snprintf(h->sender, OFFICE_LEN, "%.15s", fuzz_offices[from].keys.office);
	snprintf(h->recipient, OFFICE_LEN, "%.15s", fuzz_offices[to].keys.office);
	h->seq = seq;
	h->created = ISSUED + 86400;
	keys_id(fuzz_offices[from].keys.sign_pk, h->sender_id);
	keys_id(fuzz_offices[to].keys.sign_pk, h->recipient_id);
	/* The chain, leaf first: each office's issuer is the one before. */
	for (i = from;; i = test_keys[i].issuer) {
		h->chain[h->nchain++] = fuzz_offices[i].cert;
		if (test_keys[i].issuer == i)
			break;
	}
}

const struct office_keys *
fuzz_keys_for(const char *office)
{
	int i;

	for (i = 0; i < FZ_NOFFICES; i++)
		if (strcmp(fuzz_offices[i].keys.office, office) == 0)
			return &fuzz_offices[i].keys;
	return &fuzz_offices[FZ_PROVINCE].keys;
}
