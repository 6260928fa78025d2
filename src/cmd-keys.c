/*
 * cmd-keys.c -- `civreg keys show | generate | export | certify | install
 * | trust | revoke | list`.
 *
 * The office keys and their certificates (keys.c, doc/replication.md).
 * The core checks roles, signs, verifies and audits; this file reads and
 * writes the key files and prints.  A key file is small and binary: it is
 * read whole (at most a few kilobytes), and written only to a new file
 * (--out; never over an existing one), or with export to standard output
 * when that is not a terminal.  What can be checked without the store is
 * checked before the password is asked for (--out must be a new name in
 * a directory one may write in); --out is written under a temporary
 * name once the core has acted and linked into place whole, so a
 * refusal, or Ctrl-C at the password, leaves no file behind.  Fingerprints are printed
 * for the check by telephone; secret keys never are.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civreg.h"

#define KEYFILE_MAX	4096

static int
keys_usage(void)
{
	return cli_usage("keys");
}

/* The whole of a small file. */
static int
read_keyfile(const char *path, struct buf *b, struct cr_err *e)
{
	unsigned char chunk[1024];
	char shown[300];
	size_t n;
	FILE *fp;

	str_printable(shown, sizeof shown, path);
	if ((fp = fopen(path, "rb")) == NULL)
		return err_set(e, CR_EIO, "cannot read the key file %s: %s",
		    shown, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		buf_add(b, chunk, n);
		if (b->len > KEYFILE_MAX) {
			fclose(fp);
			return err_set(e, CR_EINVAL, "%s is too big for a key "
			    "file (at most %d bytes): give the file that "
			    "'civreg keys export' or 'certify' wrote", shown,
			    KEYFILE_MAX);
		}
	}
	if (ferror(fp)) {
		fclose(fp);
		return err_set(e, CR_EIO, "cannot read the key file %s", shown);
	}
	fclose(fp);
	return CR_OK;
}

/*
 * Before anything is done (no password asked yet): path must be a new
 * name in a directory this user may write in.
 */
static int
out_check(const char *path, struct cr_err *e)
{
	char shown[300], dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;

	str_printable(shown, sizeof shown, path);
	if (lstat(path, &st) == 0)
		return err_set(e, CR_EEXIST, "%s already exists: civreg does "
		    "not overwrite a file; give another name or move it away "
		    "(nothing was done)", shown);
	if (errno != ENOENT)
		return err_set(e, CR_EIO, "cannot create %s: %s (nothing was "
		    "done)", shown, strerror(errno));
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1,
	    slash ? path : ".");
	if (access(dir, W_OK | X_OK) != 0)
		return err_set(e, CR_EIO, "cannot create %s: %s (nothing was "
		    "done)", shown, strerror(errno));
	return CR_OK;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const unsigned char *q = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, q, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Writes b as the new file path: under a temporary name beside it,
 * then linked into place (renamed, if the name is still free, where the
 * file system has no links: a FAT stick).  path appears only whole, so
 * a run interrupted at the password or while writing leaves nothing in
 * the way of the next one; an existing file is never replaced.
 */
static int
out_write(const char *path, const struct buf *b, struct cr_err *e)
{
	char tmp[4200], shown[300];
	struct stat st;
	int fd, bad, err;

	str_printable(shown, sizeof shown, path);
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp%ld", path,
	    (long)getpid()) >= sizeof tmp)
		return err_set(e, CR_EINVAL, "cannot create %s: the name is "
		    "too long", shown);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0)
		return err_set(e, CR_EIO, "cannot create %s: %s", shown,
		    strerror(errno));
	bad = write_all(fd, b->data, b->len) != 0 || fsync(fd) != 0;
	err = errno;
	if (close(fd) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (!bad && link(tmp, path) != 0) {
		err = errno;
		if (err == EEXIST || lstat(path, &st) == 0)
			err = EEXIST;
		else if (rename(tmp, path) == 0)
			err = 0;
		else
			err = errno;
		bad = err != 0;
	}
	unlink(tmp);
	if (bad && err == EEXIST)
		return err_set(e, CR_EEXIST, "%s was made meanwhile by someone "
		    "else: civreg does not overwrite a file; give another name",
		    shown);
	if (bad)
		return err_set(e, CR_EIO, "cannot write %s: %s", shown,
		    strerror(err));
	return CR_OK;
}

static void
print_cert(FILE *fp, const char *label, const struct office_cert *c)
{
	unsigned char id[KEY_ID_LEN];
	char shown[17], fpr[KEYS_FPR_HEX + 1];

	keys_id(c->sign_pk, id);
	keys_id_hex(id, shown);
	keys_fingerprint(c->sign_pk, fpr);
	fprintf(fp, "%s%s (%s), key %s\nfingerprint: %s\n", label, c->office,
	    meta_level_name(c->level), shown, fpr);
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
keys_cmd_show(struct cli *c)
{
	struct keys_status st;
	struct session s;
	struct cr_err e;
	char shown[17], when[32], fpr[KEYS_FPR_HEX + 1];
	unsigned char id[KEY_ID_LEN];
	const struct office_cert *me;
	size_t i;
	int rc;

	if (c->argc != 2)
		return keys_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = keys_status(&s, &st, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	if (!st.have) {
		err_set(&e, CR_ENOTFOUND, "this store has no office keys (it was "
		    "made before civreg had them): an administrator makes them "
		    "with 'civreg keys generate'");
		return cli_fail(&e);
	}
	me = &st.chain[0];
	keys_id(me->sign_pk, id);
	keys_id_hex(id, shown);
	keys_fingerprint(me->sign_pk, fpr);
	printf("office: %s (%s)\n", me->office, meta_level_name(me->level));
	printf("signing key: %s\nfingerprint: %s\n", shown, fpr);
	keys_fingerprint(me->enc_pk, fpr);
	printf("encryption key fingerprint: %s\n", fpr);
	time_format((time_t)me->issued, when, sizeof when);
	if (st.n > 1) {
		keys_id_hex(me->issuer_id, shown);
		printf("certified by: office %s, key %s, on %s\nchain:",
		    me->issuer, shown, when);
		for (i = 0; i < st.n; i++)
			printf("%s %s", i ? " <-" : "", st.chain[i].office);
		printf("\n");
	} else if (self_signed(me) && strcmp(me->office, "00") == 0)
		printf("certified by: itself: this is the national root\n");
	else
		printf("certified by: no one yet (self-signed only): bring the "
		    "office online as doc/replication.md says\n");
	printf("status: %s\n", st.revoked ? "REVOKED by its issuer: make and "
	    "certify new keys" : "valid");
	if (st.nroots == 0)
		printf("trusted root: none ('civreg keys trust FILE "
		    "--fingerprint HEX')\n");
	for (i = 0; i < st.nroots; i++) {
		keys_id(st.roots[i].sign_pk, id);
		keys_id_hex(id, shown);
		keys_fingerprint(st.roots[i].sign_pk, fpr);
		printf("trusted root: office %s, key %s, fingerprint %s\n",
		    st.roots[i].office, shown, fpr);
	}
	return 0;
}

static int
keys_cmd_generate(struct cli *c)
{
	struct office_cert cert;
	struct session s;
	struct cr_err e;
	int rc;

	if (c->argc != 2)
		return keys_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = keys_create(&s, &cert, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	print_cert(stdout, "made keys for office ", &cert);
	return 0;
}

/* --out FILE or --out=FILE at argv[i]; returns the next index, or -1. */
static int
opt_out(struct cli *c, int i, const char **out)
{
	if (strcmp(c->argv[i], "--out") == 0 && i + 1 < c->argc) {
		*out = c->argv[i + 1];
		return i + 2;
	}
	if (strncmp(c->argv[i], "--out=", 6) == 0 && c->argv[i][6]) {
		*out = c->argv[i] + 6;
		return i + 1;
	}
	return -1;
}

static int
keys_cmd_export(struct cli *c)
{
	struct office_cert cert;
	struct session s;
	struct cr_err e;
	struct buf b;
	const char *out = NULL;
	int i = 2, rc;
	FILE *say = stdout;

	if (c->argc > 2 && (i = opt_out(c, 2, &out)) < 0)
		return keys_usage();
	if (i != c->argc)
		return keys_usage();
	err_clear(&e);
	if (out == NULL && isatty(STDOUT_FILENO)) {
		err_set(&e, CR_EUSAGE, "a key file is binary: give --out FILE "
		    "(a new file, e.g. on the USB stick)");
		return cli_fail(&e);
	}
	if (out && out_check(out, &e) != CR_OK)
		return cli_fail(&e);
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	buf_init(&b);
	rc = keys_export(&s, &b, &cert, &e);
	cli_logout(&s);
	if (rc != CR_OK) {
		buf_free(&b);
		return cli_fail(&e);
	}
	if (out)
		rc = out_write(out, &b, &e);
	else {
		say = stderr;
		if (write_all(STDOUT_FILENO, b.data, b.len) != 0)
			rc = err_set(&e, CR_EIO, "cannot write standard output: "
			    "%s", strerror(errno));
	}
	buf_free(&b);
	if (rc != CR_OK)
		return cli_fail(&e);
	print_cert(say, "exported office ", &cert);
	if (!self_signed(&cert))
		fprintf(say, "certified by office %s\n", cert.issuer);
	return 0;
}

static int
keys_cmd_certify(struct cli *c)
{
	struct office_cert sub;
	struct session s;
	struct cr_err e;
	struct buf in, b;
	const char *file, *out = NULL;
	char shown[300];
	int i = 3, rc;
	FILE *say = stdout;

	if (c->argc < 3 || c->argv[2][0] == '-')
		return keys_usage();
	file = c->argv[2];
	if (c->argc > 3 && (i = opt_out(c, 3, &out)) < 0)
		return keys_usage();
	if (i != c->argc)
		return keys_usage();
	err_clear(&e);
	if (out == NULL && isatty(STDOUT_FILENO)) {
		err_set(&e, CR_EUSAGE, "a key file is binary: give --out FILE "
		    "(a new file, e.g. on the USB stick)");
		return cli_fail(&e);
	}
	buf_init(&in);
	if (read_keyfile(file, &in, &e) != CR_OK) {
		buf_free(&in);
		return cli_fail(&e);
	}
	if (out && out_check(out, &e) != CR_OK) {
		buf_free(&in);
		return cli_fail(&e);
	}
	if ((rc = cli_login(c, &s)) != 0) {
		buf_free(&in);
		return rc;
	}
	buf_init(&b);
	rc = keys_certify(&s, in.data, in.len, &b, &sub, &e);
	cli_logout(&s);
	buf_free(&in);
	if (rc == CR_OK && out)
		rc = out_write(out, &b, &e);
	else if (rc == CR_OK) {
		say = stderr;
		if (write_all(STDOUT_FILENO, b.data, b.len) != 0)
			rc = err_set(&e, CR_EIO, "cannot write standard output: "
			    "%s", strerror(errno));
	}
	buf_free(&b);
	if (rc != CR_OK)
		return cli_fail(&e);
	print_cert(say, "certified office ", &sub);
	str_printable(shown, sizeof shown, out ? out : "standard output");
	fprintf(say, "written to %s: compare the fingerprint with office %s's "
	    "'civreg keys show' by telephone before handing it over\n", shown,
	    sub.office);
	return 0;
}

static int
keys_cmd_install(struct cli *c)
{
	struct office_cert leaf;
	struct session s;
	struct cr_err e;
	struct buf in;
	int own = 0, rc;

	if (c->argc != 3)
		return keys_usage();
	err_clear(&e);
	buf_init(&in);
	if (read_keyfile(c->argv[2], &in, &e) != CR_OK) {
		buf_free(&in);
		return cli_fail(&e);
	}
	if ((rc = cli_login(c, &s)) != 0) {
		buf_free(&in);
		return rc;
	}
	rc = keys_install(&s, in.data, in.len, &leaf, &own, &e);
	cli_logout(&s);
	buf_free(&in);
	if (rc != CR_OK)
		return cli_fail(&e);
	print_cert(stdout, own ? "installed this office's certificate: " :
	    "installed the certificate of office ", &leaf);
	printf("certified by office %s\n", leaf.issuer);
	return 0;
}

static int
keys_cmd_trust(struct cli *c)
{
	struct office_cert root;
	struct session s;
	struct cr_err e;
	struct buf in;
	const char *fpr = NULL, *file = NULL;
	unsigned char h[CRYPTO_HASHLEN];
	int i, rc;

	for (i = 2; i < c->argc; i++)
		if (strcmp(c->argv[i], "--fingerprint") == 0 &&
		    i + 1 < c->argc)
			fpr = c->argv[++i];
		else if (strncmp(c->argv[i], "--fingerprint=", 14) == 0)
			fpr = c->argv[i] + 14;
		else if (file == NULL && c->argv[i][0] != '-')
			file = c->argv[i];
		else
			return keys_usage();
	err_clear(&e);
	if (file == NULL)
		return keys_usage();
	if (fpr == NULL) {
		err_set(&e, CR_EUSAGE, "give --fingerprint HEX: the national "
		    "office's fingerprint, as read to you by telephone (never "
		    "from the same USB stick as the file)");
		return cli_fail(&e);
	}
	if (!keys_fingerprint_parse(fpr, h)) {
		err_set(&e, CR_EINVAL, "'%.80s' is not a fingerprint: give the "
		    "64 hexadecimal digits that 'civreg keys show' prints at "
		    "the national office", fpr);
		return cli_fail(&e);
	}
	buf_init(&in);
	if (read_keyfile(file, &in, &e) != CR_OK) {
		buf_free(&in);
		return cli_fail(&e);
	}
	if ((rc = cli_login(c, &s)) != 0) {
		buf_free(&in);
		return rc;
	}
	rc = keys_trust(&s, in.data, in.len, fpr, &root, &e);
	cli_logout(&s);
	buf_free(&in);
	if (rc != CR_OK)
		return cli_fail(&e);
	print_cert(stdout, "trusted the national root: office ", &root);
	return 0;
}

static int
keys_cmd_revoke(struct cli *c)
{
	struct key_revocation r;
	struct session s;
	struct cr_err e;
	char shown[17];
	int rc;

	if (c->argc != 3)
		return keys_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = keys_revoke(&s, c->argv[2], &r, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	keys_id_hex(r.id, shown);
	printf("revoked office %s's key %s: the revocation goes out in this "
	    "office's next replication files\n", r.office, shown);
	return 0;
}

static int
list_line(void *arg, const struct keys_entry *en)
{
	unsigned char id[KEY_ID_LEN];
	char shown[17];

	(void)arg;
	keys_id(en->cert.sign_pk, id);
	keys_id_hex(id, shown);
	printf("%s\t%s\t%s\t%s\t%s\t%s\n", en->cert.office,
	    meta_level_name(en->cert.level), shown, en->cert.issuer,
	    en->revoked ? "revoked" : "valid", en->own ? "this office" :
	    en->trusted ? "trusted root" : "-");
	return 0;
}

static int
keys_cmd_list(struct cli *c)
{
	struct session s;
	struct cr_err e;
	int rc;

	if (c->argc != 2)
		return keys_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = keys_list(&s, list_line, NULL, &e);
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

int
cmd_keys(struct cli *c)
{
	static const struct cli_sub verbs[] = {
		{ "show", keys_cmd_show }, { "generate", keys_cmd_generate },
		{ "export", keys_cmd_export }, { "certify", keys_cmd_certify },
		{ "install", keys_cmd_install }, { "trust", keys_cmd_trust },
		{ "revoke", keys_cmd_revoke }, { "list", keys_cmd_list },
	};

	return cli_dispatch(c, "keys", verbs, sizeof verbs / sizeof verbs[0],
	    NULL);
}
