/*
 * err.c -- status codes and messages.
 *
 * The core never prints: it returns a cr_status and leaves sentences in a
 * struct cr_err for the caller (cli or tui) to show.  Messages say what is
 * wrong, where, and what to do.  err_add keeps one message per line so a
 * form with three bad fields yields three lines.  The exit code of the
 * command line is derived from the status here, in one table.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "civreg.h"

static const struct {
	int		 code;
	int		 exit;
	const char	*name;
} err_table[] = {
	{ CR_OK,	0, "ok" },
	{ CR_EUSAGE,	1, "usage" },
	{ CR_EINVAL,	2, "invalid" },
	{ CR_ENOTFOUND,	3, "not found" },
	{ CR_EAUTH,	4, "authentication failed" },
	{ CR_EPERM,	5, "not permitted" },
	{ CR_EEXIST,	6, "already exists" },
	{ CR_ECORRUPT,	7, "damaged store" },
	{ CR_EDB,	8, "storage error" },
	{ CR_EDEADLOCK,	8, "deadlock" },
	{ CR_ENOMEM,	8, "out of memory" },
	{ CR_EIO,	8, "input/output error" },
};

void
err_clear(struct cr_err *e)
{
	e->code = CR_OK;
	e->len = 0;
	e->msg[0] = '\0';
}

static void
err_vadd(struct cr_err *e, const char *fmt, va_list ap)
{
	int n;

	if (e->len > 0 && e->len < sizeof e->msg - 1)
		e->msg[e->len++] = '\n';
	if (e->len >= sizeof e->msg - 1)
		return;
	n = vsnprintf(e->msg + e->len, sizeof e->msg - e->len, fmt, ap);
	if (n < 0)
		n = 0;
	e->len += (size_t)n;
	if (e->len >= sizeof e->msg)
		e->len = sizeof e->msg - 1;
	e->msg[e->len] = '\0';
}

/*
 * The message may quote the one it replaces ("...: %s", e->msg), so it
 * is formatted aside before the old one is cleared.
 */
int
err_set(struct cr_err *e, int code, const char *fmt, ...)
{
	char msg[sizeof e->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err_clear(e);
	e->code = code;
	e->len = strlen(msg);
	memcpy(e->msg, msg, e->len + 1);
	return code;
}

int
err_add(struct cr_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e->code == CR_OK)
		e->code = code;
	va_start(ap, fmt);
	err_vadd(e, fmt, ap);
	va_end(ap);
	return e->code;
}

int
err_exit_code(int code)
{
	size_t i;

	for (i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == code)
			return err_table[i].exit;
	return 8;
}

const char *
err_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == code)
			return err_table[i].name;
	return "error";
}
