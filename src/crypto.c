/*
 * crypto.c -- the only file that includes <gcrypt.h>.
 *
 * Everything civreg needs from cryptography goes through here, so that one
 * file holds the library's initialisation rules and pitfalls (TOOLBOX.md):
 * strong random numbers, SHA-256 for the audit chain, Argon2id for
 * passwords; for replication, Ed25519 signatures, X25519 key agreement,
 * HKDF-SHA256 and AES-256-GCM.  Keys are raw 32-byte strings in and out
 * (RFC 8032 / RFC 7748 encodings, as OpenSSL has them), so the file
 * format never depends on libgcrypt's S-expressions.  Secrets are wiped
 * after use; nothing here ever logs a password or key.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>

#if defined(__SANITIZE_ADDRESS__)
#define CIVREG_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CIVREG_LSAN 1
#endif
#endif
#ifdef CIVREG_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#include "civreg.h"

static int crypto_ready;

int
crypto_init(struct cr_err *e)
{
	if (crypto_ready)
		return CR_OK;
	if (gcry_check_version("1.10.0") == NULL)
		return err_set(e, CR_EDB, "libgcrypt 1.10 or newer is needed "
		    "(found %s): install the Debian package libgcrypt20",
		    gcry_check_version(NULL));
	/* Secure memory keeps key material out of swap. */
	gcry_control(GCRYCTL_SUSPEND_SECMEM_WARN);
	gcry_control(GCRYCTL_INIT_SECMEM, 32768, 0);
	gcry_control(GCRYCTL_RESUME_SECMEM_WARN);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
#ifdef CIVREG_LSAN
	/*
	 * The first "very strong" random number makes libgcrypt allocate
	 * its entropy collector's 128 KiB pool, kept for the process's life
	 * with its only pointer in secure memory, which LeakSanitizer does
	 * not scan.  Take it here with leak checking off, so that every
	 * other allocation is still checked.
	 */
	{
		unsigned char warm;

		__lsan_disable();
		gcry_randomize(&warm, 1, GCRY_VERY_STRONG_RANDOM);
		__lsan_enable();
	}
#endif
	crypto_ready = 1;
	return CR_OK;
}

void
crypto_random(void *p, size_t n)
{
	gcry_randomize(p, n, GCRY_STRONG_RANDOM);
}

void
crypto_nonce(void *p, size_t n)
{
	gcry_create_nonce(p, n);
}

void
crypto_sha256(const void *p, size_t n, unsigned char out[CRYPTO_HASHLEN])
{
	gcry_md_hash_buffer(GCRY_MD_SHA256, out, p, n);
}

int
crypto_argon2id(const char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, unsigned t, unsigned m_kib, unsigned p,
    unsigned char *out, size_t outlen, struct cr_err *e)
{
	unsigned long params[4] = { outlen, t, m_kib, p };
	gcry_kdf_hd_t hd;
	gcry_error_t rc;

	rc = gcry_kdf_open(&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, params, 4,
	    pw, pwlen, salt, saltlen, NULL, 0, NULL, 0);
	if (rc)
		return err_set(e, CR_EDB, "password hashing failed to start: "
		    "%s", gcry_strerror(rc));
	rc = gcry_kdf_compute(hd, NULL);
	if (!rc)
		rc = gcry_kdf_final(hd, outlen, out);
	gcry_kdf_close(hd);
	if (rc)
		return err_set(e, CR_EDB, "password hashing failed: %s",
		    gcry_strerror(rc));
	return CR_OK;
}

/*
 * The same, computed in a child process: Argon2id's working memory
 * (19 MiB) then never becomes part of a long-lived terminal's resident
 * size, which on an old PC with several terminals matters.  The child
 * touches nothing but the hash and leaves with _exit().
 */
int
crypto_argon2id_isolated(const char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen, unsigned t, unsigned m_kib,
    unsigned p, unsigned char *out, size_t outlen, struct cr_err *e)
{
	int fd[2], status = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid, w;

	if (outlen > 64 || pipe(fd) != 0)
		return crypto_argon2id(pw, pwlen, salt, saltlen, t, m_kib, p,
		    out, outlen, e);
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return crypto_argon2id(pw, pwlen, salt, saltlen, t, m_kib, p,
		    out, outlen, e);
	}
	if (pid == 0) {
		unsigned char h[64];
		struct cr_err ce;
		int ok;

		close(fd[0]);
		ok = crypto_argon2id(pw, pwlen, salt, saltlen, t, m_kib, p, h,
		    outlen, &ce) == CR_OK && write(fd[1], h, outlen) ==
		    (ssize_t)outlen;
		crypto_wipe(h, sizeof h);
		_exit(ok ? 0 : 1);
	}
	close(fd[1]);
	while (got < outlen) {
		n = read(fd[0], out + got, outlen - got);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || errno != EINTR)
			break;		/* a signal only interrupts: read on */
	}
	close(fd[0]);
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (got != outlen || w != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		crypto_wipe(out, outlen);
		return err_set(e, CR_EDB, "password hashing failed in its "
		    "helper process");
	}
	return CR_OK;
}

int
crypto_memeq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

void
crypto_wipe(void *p, size_t n)
{
	if (n == 0)	/* p may be NULL then (an empty buf): no call */
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
#endif
}

/* --- Ed25519 ---------------------------------------------------------- */

static int
gcry_fail(struct cr_err *e, const char *what, gcry_error_t rc)
{
	return err_set(e, CR_EDB, "%s failed: %s", what, gcry_strerror(rc));
}

/*
 * The raw bytes of one named value of an S-expression, exactly n long.
 * gcry_sexp_find_token copies the value into ordinary memory, even from
 * a key in secure memory, and its release does not wipe that copy: for a
 * secret, the copy is wiped here (the pointer is into the copy, ours to
 * release) before it is freed.
 */
static int
sexp_bytes(gcry_sexp_t s, const char *name, unsigned char *out, size_t n,
    int secret)
{
	gcry_sexp_t v = gcry_sexp_find_token(s, name, 0);
	const char *d = NULL;
	size_t len = 0;
	int ok = 0;

	if (v && (d = gcry_sexp_nth_data(v, 1, &len)) != NULL && len == n) {
		memcpy(out, d, n);
		ok = 1;
	}
	if (secret && d != NULL)
		crypto_wipe((void *)(uintptr_t)d, len);
	gcry_sexp_release(v);
	return ok;
}

int
crypto_ed25519_keygen(unsigned char pk[32], unsigned char sk[32],
    struct cr_err *e)
{
	gcry_sexp_t parms, key = NULL;
	gcry_error_t rc;
	int ok;

	if ((rc = gcry_sexp_build(&parms, NULL,
	    "(genkey (ecc (curve Ed25519) (flags eddsa)))")) != 0)
		return gcry_fail(e, "signing key generation", rc);
	rc = gcry_pk_genkey(&key, parms);
	gcry_sexp_release(parms);
	if (rc)
		return gcry_fail(e, "signing key generation", rc);
	/* key is in secure memory (d is a secure MPI): wiped on release. */
	ok = sexp_bytes(key, "q", pk, 32, 0) && sexp_bytes(key, "d", sk, 32,
	    1);
	gcry_sexp_release(key);
	if (!ok) {
		crypto_wipe(sk, 32);
		return err_set(e, CR_EDB, "signing key generation gave keys of "
		    "an unexpected form");
	}
	return CR_OK;
}

int
crypto_ed25519_sign(const unsigned char sk[32], const unsigned char pk[32],
    const void *msg, size_t n, unsigned char sig[64], struct cr_err *e)
{
	gcry_sexp_t key = NULL, data = NULL, s = NULL;
	unsigned char *d;
	gcry_error_t rc;
	int ok = 0;

	/*
	 * The secret key goes in from secure memory: gcry_sexp_build then
	 * makes the key's S-expression in secure memory too (it switches at
	 * the first %b argument that is secure, so d comes last), which is
	 * wiped when released.  From ordinary memory, the expression would
	 * leave a copy of the key in the freed heap.
	 */
	if ((d = gcry_malloc_secure(32)) == NULL)
		return err_set(e, CR_ENOMEM, "signing: out of secure memory");
	memcpy(d, sk, 32);
	rc = gcry_sexp_build(&key, NULL,
	    "(private-key (ecc (curve Ed25519) (flags eddsa) (q %b) (d %b)))",
	    32, pk, 32, d);
	crypto_wipe(d, 32);
	gcry_free(d);
	if (!rc)
		rc = gcry_sexp_build(&data, NULL,
		    "(data (flags eddsa) (hash-algo sha512) (value %b))",
		    (int)n, msg);
	if (!rc)
		rc = gcry_pk_sign(&s, data, key);
	if (!rc)
		ok = sexp_bytes(s, "r", sig, 32, 0) &&
		    sexp_bytes(s, "s", sig + 32, 32, 0);
	gcry_sexp_release(key);
	gcry_sexp_release(data);
	gcry_sexp_release(s);
	if (rc)
		return gcry_fail(e, "signing", rc);
	return ok ? CR_OK : err_set(e, CR_EDB, "signing gave a signature of "
	    "an unexpected form");
}

/* 1 if sig is pk's signature of msg, else 0. */
int
crypto_ed25519_verify(const unsigned char pk[32], const void *msg, size_t n,
    const unsigned char sig[64])
{
	gcry_sexp_t key = NULL, data = NULL, s = NULL;
	int ok;

	ok = gcry_sexp_build(&key, NULL,
	    "(public-key (ecc (curve Ed25519) (flags eddsa) (q %b)))", 32,
	    pk) == 0 &&
	    gcry_sexp_build(&data, NULL,
	    "(data (flags eddsa) (hash-algo sha512) (value %b))", (int)n,
	    msg) == 0 &&
	    gcry_sexp_build(&s, NULL, "(sig-val (eddsa (r %b) (s %b)))", 32,
	    sig, 32, sig + 32) == 0 &&
	    gcry_pk_verify(s, data, key) == 0;
	gcry_sexp_release(key);
	gcry_sexp_release(data);
	gcry_sexp_release(s);
	return ok;
}

/* --- X25519 (RFC 7748 byte order, as OpenSSL) -------------------------- */

int
crypto_x25519_keygen(unsigned char pk[32], unsigned char sk[32],
    struct cr_err *e)
{
	gcry_error_t rc;

	gcry_randomize(sk, 32, GCRY_VERY_STRONG_RANDOM);
	if ((rc = gcry_ecc_mul_point(GCRY_ECC_CURVE25519, pk, sk, NULL)) != 0)
		return gcry_fail(e, "encryption key generation", rc);
	return CR_OK;
}

int
crypto_x25519(unsigned char out[32], const unsigned char sk[32],
    const unsigned char pk[32], struct cr_err *e)
{
	static const unsigned char zero[32];
	gcry_error_t rc;

	if ((rc = gcry_ecc_mul_point(GCRY_ECC_CURVE25519, out, sk, pk)) != 0)
		return gcry_fail(e, "key agreement", rc);
	/* A low-order point gives all zeros: refuse it (RFC 7748 §6.1). */
	if (crypto_memeq(out, zero, 32))
		return err_set(e, CR_EINVAL, "key agreement with an invalid "
		    "public key");
	return CR_OK;
}

/* --- HKDF-SHA256 (RFC 5869) -------------------------------------------- */

static int
hmac_sha256(const void *key, size_t klen, const void *a, size_t alen,
    const void *b, size_t blen, const void *c, size_t clen,
    unsigned char out[32])
{
	gcry_md_hd_t h;

	if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC) != 0)
		return -1;
	if (gcry_md_setkey(h, key, klen) != 0) {
		gcry_md_close(h);
		return -1;
	}
	gcry_md_write(h, a, alen);
	gcry_md_write(h, b, blen);
	gcry_md_write(h, c, clen);
	memcpy(out, gcry_md_read(h, GCRY_MD_SHA256), 32);
	gcry_md_close(h);
	return 0;
}

int
crypto_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt,
    size_t saltlen, const void *info, size_t infolen, unsigned char *out,
    size_t outlen, struct cr_err *e)
{
	unsigned char prk[32], t[32];
	unsigned char ctr;
	size_t done = 0, tlen = 0, n;

	if (outlen > 255 * 32)
		return err_set(e, CR_EINVAL, "HKDF output too long");
	if (hmac_sha256(salt, saltlen, ikm, ikmlen, "", 0, "", 0, prk) != 0)
		return err_set(e, CR_EDB, "HKDF extract failed");
	for (ctr = 1; done < outlen; ctr++) {
		if (hmac_sha256(prk, 32, t, tlen, info, infolen, &ctr, 1,
		    t) != 0) {
			crypto_wipe(prk, sizeof prk);
			return err_set(e, CR_EDB, "HKDF expand failed");
		}
		tlen = 32;
		n = outlen - done < 32 ? outlen - done : 32;
		memcpy(out + done, t, n);
		done += n;
	}
	crypto_wipe(prk, sizeof prk);
	crypto_wipe(t, sizeof t);
	return CR_OK;
}

/* --- AES-256-GCM ------------------------------------------------------- */

static int
gcm(int seal, const unsigned char key[32], const unsigned char iv[12],
    const void *aad, size_t aadlen, const void *in, size_t n,
    unsigned char *out, unsigned char tag[16], struct cr_err *e)
{
	gcry_cipher_hd_t h;
	gcry_error_t rc;

	if ((rc = gcry_cipher_open(&h, GCRY_CIPHER_AES256,
	    GCRY_CIPHER_MODE_GCM, GCRY_CIPHER_SECURE)) != 0)
		return gcry_fail(e, "cipher", rc);
	rc = gcry_cipher_setkey(h, key, 32);
	if (!rc)
		rc = gcry_cipher_setiv(h, iv, 12);
	if (!rc)
		rc = gcry_cipher_authenticate(h, aad, aadlen);
	if (!rc && seal)
		rc = gcry_cipher_encrypt(h, out, n, in, n);
	else if (!rc)
		rc = gcry_cipher_decrypt(h, out, n, in, n);
	if (!rc && seal)
		rc = gcry_cipher_gettag(h, tag, 16);
	else if (!rc)
		rc = gcry_cipher_checktag(h, tag, 16);
	gcry_cipher_close(h);
	if (rc && !seal && gcry_err_code(rc) == GPG_ERR_CHECKSUM) {
		crypto_wipe(out, n);	/* never hand out unauthenticated text */
		return err_set(e, CR_ECORRUPT, "the encrypted part does not "
		    "authenticate: it was changed or is not for this office");
	}
	if (rc) {
		if (!seal)
			crypto_wipe(out, n);
		return gcry_fail(e, seal ? "encryption" : "decryption", rc);
	}
	return CR_OK;
}

int
crypto_aes256gcm_seal(const unsigned char key[32], const unsigned char iv[12],
    const void *aad, size_t aadlen, const void *pt, size_t n,
    unsigned char *ct, unsigned char tag[16], struct cr_err *e)
{
	return gcm(1, key, iv, aad, aadlen, pt, n, ct, tag, e);
}

int
crypto_aes256gcm_open(const unsigned char key[32], const unsigned char iv[12],
    const void *aad, size_t aadlen, const void *ct, size_t n,
    const unsigned char tag[16], unsigned char *pt, struct cr_err *e)
{
	return gcm(0, key, iv, aad, aadlen, ct, n, pt, (unsigned char *)tag,
	    e);
}
