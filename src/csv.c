/*
 * csv.c -- the rows of a CSV file, as data-entry teams' spreadsheets
 * write them.
 *
 * Sixteen million paper records come in as spreadsheets saved as CSV,
 * by many hands and many programs: Excel writes a UTF-8 byte-order mark
 * and CRLF line ends, LibreOffice quotes a field with a comma or a line
 * break in it, and "" inside quotes is one quote (RFC 4180).  This file
 * reads such a file from memory (the caller maps it) one row at a time.
 * A row that cannot be read is returned with the reason, never skipped,
 * so that the caller can list it: a quote inside an unquoted field, text
 * after a closing quote, a quoted field never closed, a NUL byte, a field
 * that is not valid UTF-8.  After a bad row the reader goes on at the
 * next line.  Lines with nothing on them are not rows.
 *
 * Contract: csv_next() gives each row's fields (NUL-ended copies, valid
 * until the next call), the line its first character is on (1-based, as
 * an editor shows it, quoted line breaks counted) and its byte range.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

void
csv_init(struct csv *c, const void *data, size_t len)
{
	memset(c, 0, sizeof *c);
	c->base = data;
	c->p = data;
	c->end = c->p + len;
	c->line = 1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		c->p += 3;		/* the byte-order mark */
	buf_init(&c->field);
}

void
csv_free(struct csv *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		free(c->f[i]);
	free(c->f);
	buf_free(&c->field);
	memset(c, 0, sizeof *c);
}

static void
field_done(struct csv *c)
{
	if (c->nf == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->f = xrealloc(c->f, c->cap * sizeof *c->f);
		memset(c->f + c->nf, 0, (c->cap - c->nf) * sizeof *c->f);
	}
	free(c->f[c->nf]);
	c->f[c->nf] = xmalloc(c->field.len + 1);
	memcpy(c->f[c->nf], c->field.data, c->field.len);
	c->f[c->nf][c->field.len] = '\0';
	c->nf++;
	buf_reset(&c->field);
}

/* After a bad row: on at the next line (a CRLF is one). */
static void
skip_line(struct csv *c)
{
	while (c->p < c->end && *c->p != '\n' && *c->p != '\r')
		c->p++;
	if (c->p < c->end && *c->p == '\r')
		c->p++;
	if (c->p < c->end && *c->p == '\n')
		c->p++;
	c->line++;
}

/* One line end (LF, CRLF or a lone CR) at p, if there is one there. */
static int
eol(struct csv *c)
{
	if (c->p >= c->end)
		return 0;
	if (*c->p == '\n') {
		c->p++;
		return 1;
	}
	if (*c->p == '\r') {
		c->p++;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
		return 1;
	}
	return 0;
}

static int
bad(struct csv_row *row, char *why, size_t whysz, const char *fmt, size_t n)
{
	snprintf(why, whysz, fmt, n);
	row->bad = 1;
	return 1;
}

int
csv_next(struct csv *c, struct csv_row *row, char *why, size_t whysz)
{
	size_t i;

	memset(row, 0, sizeof *row);
	why[0] = '\0';
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		eol(c);			/* a line with nothing on it */
		c->line++;
	}
	if (c->p >= c->end)
		return 0;
	c->nf = 0;
	buf_reset(&c->field);
	row->line = c->line;
	row->start = (size_t)(c->p - c->base);
	for (;;) {
		if (c->p < c->end && *c->p == '"') {
			size_t opened = c->line;

			c->p++;
			for (;;) {
				if (c->p >= c->end) {
					row->end = (size_t)(c->p - c->base);
					return bad(row, why, whysz, "the quoted "
					    "field opened on line %zu is never "
					    "closed", opened);
				}
				if (*c->p == '"' && c->p + 1 < c->end &&
				    c->p[1] == '"') {
					buf_add_u8(&c->field, '"');
					c->p += 2;
				} else if (*c->p == '"') {
					c->p++;
					break;
				} else {
					if (*c->p == '\n' || (*c->p == '\r' &&
					    (c->p + 1 >= c->end ||
					    c->p[1] != '\n')))
						c->line++;
					buf_add_u8(&c->field, (unsigned char)
					    *c->p++);
				}
			}
			if (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
			    *c->p != '\r') {
				skip_line(c);
				row->end = (size_t)(c->p - c->base);
				return bad(row, why, whysz, "field %zu: text "
				    "after its closing quote (a quote inside a "
				    "field is written twice: \"\")", c->nf + 1);
			}
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
			    *c->p != '\r') {
				if (*c->p == '"') {
					skip_line(c);
					row->end = (size_t)(c->p - c->base);
					return bad(row, why, whysz, "field %zu: a "
					    "quote inside a field that does not "
					    "begin with one (quote the field, "
					    "and write the quote twice)",
					    c->nf + 1);
				}
				buf_add_u8(&c->field, (unsigned char)*c->p++);
			}
		}
		field_done(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		row->end = (size_t)(c->p - c->base);
		if (eol(c))
			c->line++;
		break;
	}
	row->nf = c->nf;
	row->f = c->f;
	if (memchr(c->base + row->start, '\0', row->end - row->start))
		return bad(row, why, whysz, "a NUL byte in the row (%zu "
		    "fields): the file is not text", c->nf);
	for (i = 0; i < c->nf; i++)
		if (!utf8_valid(c->f[i], strlen(c->f[i])))
			return bad(row, why, whysz, "field %zu is not valid "
			    "UTF-8 (save the file as CSV UTF-8)", i + 1);
	return 1;
}

void
csv_write_field(FILE *fp, const char *s)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', fp);
		fputc(*p, fp);
	}
	fputc('"', fp);
}
