/*
 * crypto.c -- the only file that includes <gcrypt.h>.
 *
 * Everything civreg needs from cryptography goes through here, so that one
 * file holds the library's initialisation rules and pitfalls (TOOLBOX.md):
 * strong random numbers, SHA-256 for the audit chain, Argon2id for
 * passwords.  Signatures and encryption for replication will join it.
 * Secrets are wiped after use; nothing here ever logs a password or key.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>

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
	int fd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

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
	while (got < outlen && (n = read(fd[0], out + got, outlen - got)) > 0)
		got += (size_t)n;
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != outlen || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
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
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
#endif
}
