/*
 * cmd-cert.c -- `civreg certificate print | verify | list`.
 *
 * print renders and records the paper in the core (cert.c), then sends
 * it where it was asked: standard output, a new file (--out, written to a
 * temporary file beside it and linked into place, never over an existing
 * file), or lpr (--lpr [PRINTER]).  What can be checked before anything
 * is recorded is checked first: the arguments, and that --out names no
 * existing file in a directory we can write, so a refusal records
 * nothing.  A paper that fails to reach the file or the printer after it
 * was recorded is reported with its serial: it stays on record, and
 * printing it again counts as a reprint.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civreg.h"

struct out_file {
	const char	*path;
	char		*tmp;
	int		 fd;
};

/* A temporary file beside path; refuses an existing path. */
static int
out_prepare(struct out_file *o, const char *path, struct cr_err *e)
{
	struct stat st;
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
	mode_t um;
	char shown[300];

	o->path = path;
	o->fd = -1;
	o->tmp = NULL;
	str_printable(shown, sizeof shown, path);
	if (lstat(path, &st) == 0)
		return err_set(e, CR_EEXIST, "%s already exists: civreg does not "
		    "overwrite a file; give another name or move it away (no "
		    "certificate was recorded)", shown);
	o->tmp = xmalloc(dl + 32);
	snprintf(o->tmp, dl + 32, "%.*s.civreg-cert-XXXXXX", (int)dl, path);
	if ((o->fd = mkstemp(o->tmp)) < 0) {
		err_set(e, CR_EIO, "cannot write in the directory of %s: %s (no "
		    "certificate was recorded)", shown, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return e->code;
	}
	um = umask(0);
	umask(um);
	(void)fchmod(o->fd, 0666 & ~um);
	return CR_OK;
}

static void
out_discard(struct out_file *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
	}
	o->fd = -1;
	o->tmp = NULL;
}

/* Writes the text, then links it into place (never over a file). */
static int
out_finish(struct out_file *o, const char *text, size_t len,
    struct cr_err *e)
{
	const char *p = text;
	size_t left = len;
	ssize_t w;
	int rc = CR_OK;

	while (left > 0) {
		if ((w = write(o->fd, p, left)) < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = err_set(e, CR_EIO, "%s", strerror(errno));
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	if (rc == CR_OK && fsync(o->fd) != 0)
		rc = err_set(e, CR_EIO, "%s", strerror(errno));
	if (close(o->fd) != 0 && rc == CR_OK)
		rc = err_set(e, CR_EIO, "%s", strerror(errno));
	o->fd = -1;
	if (rc == CR_OK && link(o->tmp, o->path) != 0) {
		/* A USB stick's FAT has no links: rename, having looked. */
		if (errno == EEXIST || access(o->path, F_OK) == 0)
			rc = err_set(e, CR_EEXIST, "the file appeared meanwhile, "
			    "written by someone else");
		else if (rename(o->tmp, o->path) != 0)
			rc = err_set(e, CR_EIO, "%s", strerror(errno));
	}
	out_discard(o);
	return rc;
}

static int
print_usage(void)
{
	return cli_usage("certificate");
}

static int
cert_cmd_print(struct cli *c)
{
	struct cert_paper p;
	struct out_file of;
	struct session s;
	struct cr_err e;
	const char *id = NULL, *out = NULL, *printer = NULL;
	char what[80], shown[300];
	int i, type = CT_ORIGINAL, lpr = 0, rc;

	for (i = 2; i < c->argc; i++) {
		const char *a = c->argv[i];

		if (strcmp(a, "--copy") == 0)
			type = CT_COPY;
		else if (strcmp(a, "--out") == 0 && i + 1 < c->argc)
			out = c->argv[++i];
		else if (strncmp(a, "--out=", 6) == 0 && a[6])
			out = a + 6;
		else if (strcmp(a, "--lpr") == 0) {
			lpr = 1;
			/* PRINTER, if the next word is not an option. */
			if (id && i + 1 < c->argc && c->argv[i + 1][0] != '-')
				printer = c->argv[++i];
		} else if (strncmp(a, "--lpr=", 6) == 0 && a[6]) {
			lpr = 1;
			printer = a + 6;
		} else if (a[0] != '-' && id == NULL)
			id = a;
		else
			return print_usage();
	}
	if (id == NULL || (out && lpr))
		return print_usage();
	err_clear(&e);
	memset(&of, 0, sizeof of);
	of.fd = -1;
	if (out && out_prepare(&of, out, &e) != CR_OK)
		return cli_fail(&e);
	if ((rc = cli_login(c, &s)) != 0) {
		out_discard(&of);
		return rc;
	}
	rc = cert_print(&s, id, type, &p, &e);
	cli_logout(&s);
	if (rc != CR_OK) {
		out_discard(&of);
		return cli_fail(&e);
	}
	cert_doc_name(p.info.kind, p.info.type, what, sizeof what);
	if (out) {
		str_printable(shown, sizeof shown, out);
		if ((rc = out_finish(&of, p.text, p.len, &e)) != CR_OK) {
			char msg[sizeof e.msg];

			snprintf(msg, sizeof msg, "%s", e.msg);
			err_set(&e, rc, "%s %s is recorded, but %s could not be "
			    "written: %s; print it again (a reprint is counted)",
			    what, p.info.serial, shown, msg);
		}
	} else if (lpr) {
		if ((rc = cert_lpr(printer, p.text, p.len, &e)) != CR_OK) {
			char msg[sizeof e.msg];

			snprintf(msg, sizeof msg, "%s", e.msg);
			err_set(&e, rc, "%s %s is recorded, but it was not "
			    "printed: %s; print it again (a reprint is counted)",
			    what, p.info.serial, msg);
		}
	} else {
		if (fwrite(p.text, 1, p.len, stdout) != p.len ||
		    fflush(stdout) != 0) {
			rc = err_set(&e, CR_EIO, "%s %s is recorded, but standard "
			    "output could not be written: %s; print it again (a "
			    "reprint is counted)", what, p.info.serial,
			    strerror(errno));
		}
	}
	if (rc == CR_OK && (out || lpr))
		printf("%s\t%s\tprint %u\n", p.info.serial, p.info.code,
		    (unsigned)p.info.print);
	cert_paper_free(&p);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

static int
cert_cmd_verify(struct cli *c)
{
	struct cert_check ck;
	struct session s;
	struct cr_err e;
	struct buf code;
	const struct form *f;
	char what[80], when[32];
	int i, rc;

	if (c->argc < 3)
		return print_usage();
	buf_init(&code);		/* the code may come in pieces */
	for (i = 2; i < c->argc; i++) {
		buf_add(&code, c->argv[i], strlen(c->argv[i]));
		buf_add_u8(&code, i + 1 < c->argc ? ' ' : 0);
	}
	if ((rc = cli_login(c, &s)) != 0) {
		buf_free(&code);
		return rc;
	}
	err_clear(&e);
	rc = cert_verify(&s, (const char *)code.data, &ck, &e);
	cli_logout(&s);
	buf_free(&code);
	if (rc != CR_OK)
		return cli_fail(&e);
	f = form_by_code(ck.info.kind);
	time_format((time_t)ck.info.time, when, sizeof when);
	printf("genuine: printed at this office\n");
	printf("serial: %s\n", ck.info.serial);
	printf("document: %s, print %u\n", cert_doc_name(ck.info.kind,
	    ck.info.type, what, sizeof what), (unsigned)ck.info.print);
	printf("record: %s (%s), revision %u\n", ck.info.record,
	    f ? f->title_en : "?", (unsigned)ck.info.rev);
	printf("printed: %s UTC by %s at office %s\n", when, ck.info.user,
	    ck.info.office);
	printf("content: %s\n", ck.summary[0] ? ck.summary : "-");
	if (ck.rev_now == ck.info.rev)
		printf("now: unchanged since it was printed (revision %u, %s)\n",
		    (unsigned)ck.rev_now, rec_status_name(ck.status_now));
	else
		printf("now: CHANGED since it was printed: revision %u, %s (was "
		    "revision %u, %s); %s%s\n", (unsigned)ck.rev_now,
		    rec_status_name(ck.status_now), (unsigned)ck.info.rev,
		    rec_status_name(ck.status_then), ck.changed[0] ?
		    "fields changed: " : "no field changed", ck.changed);
	return 0;
}

static int
list_line(void *arg, const struct cert_info *ci)
{
	char when[32];

	(void)arg;
	time_format((time_t)ci->time, when, sizeof when);
	printf("%s\t%s\t%s\t%s\tprint %u\trevision %u\n", ci->serial, when,
	    ci->user, ci->type == CT_COPY ? "copy" : "original",
	    (unsigned)ci->print, (unsigned)ci->rev);
	return 0;
}

static int
cert_cmd_list(struct cli *c)
{
	struct session s;
	struct cr_err e;
	int rc;

	if (c->argc != 3)
		return print_usage();
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = cert_list(&s, c->argv[2], list_line, NULL, &e);
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

int
cmd_certificate(struct cli *c)
{
	if (c->argc < 2)
		return print_usage();
	if (strcmp(c->argv[1], "print") == 0)
		return cert_cmd_print(c);
	if (strcmp(c->argv[1], "verify") == 0)
		return cert_cmd_verify(c);
	if (strcmp(c->argv[1], "list") == 0)
		return cert_cmd_list(c);
	return print_usage();
}
