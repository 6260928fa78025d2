/*
 * formc.c -- compiles the forms/NAME.form files into C tables (src/forms-gen.c).
 *
 * Why a compiler and not a runtime parser: a commune PC must not depend on
 * a file beside the binary, and a typo in a form should stop the build,
 * not a clerk.  So every statement is checked here -- unknown types,
 * roles or validators, choice fields without values, Khmer labels of
 * choice values (values_km=) that do not match the values one for one,
 * references to fields that do not exist, duplicate keys or codes -- and
 * reported as FILE:LINE: message.  The grammar is in forms/README.
 *
 * Usage: formc FILE.form... > forms-gen.c
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define MAXF	128
#define MAXV	64

struct ffield {
	char	*key, *type, *km, *en, *sec_km, *sec_en, *notbefore;
	char	*refkind, *refstatus, *notafter;
	int	 required, max, min, past, level, nvalues, has_range;
	int	 notafter_months, nvalues_km, has_values_km;
	long	 lo, hi;
	char	*values[MAXV];
	char	*values_km[MAXV];	/* Khmer labels of values[] */
	int	 line;
};

/* A person line: km, latin, kidc, born, mother, father (NULL: none). */
static const char *const person_keys[] = {
	"km", "latin", "kidc", "born", "mother", "father", NULL
};
#define NPK	6

struct fperson {
	char	*f[NPK];
	int	 line;
};

struct fform {
	char		*file, *key, *cls, *title_km, *title_en, *roles;
	char		*date, *place, *residence, *issue;
	int		 code, nfields, date_line, place_line, res_line;
	int		 issue_line, npersons;
	struct ffield	 f[MAXF];
	struct fperson	 p[FORM_MAX_PERSONS];
};

static const char *cur_file;
static int cur_line, errors;

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", cur_file, cur_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	errors++;
}

static char *
dup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		perror("formc");
		exit(2);
	}
	return p;
}

static void
set(char **dst, const char *v)
{
	free(*dst);
	*dst = dup(v);
}

/* Splits a line into words; "quoted strings" with \" and \\ escapes. */
static int
split(char *line, char **w, int maxw)
{
	int n = 0;
	char *p = line, *o;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\n' || *p == '#')
			break;
		if (n == maxw) {
			fail("too many words");
			break;
		}
		if (*p == '"') {
			w[n++] = o = ++p;
			while (*p && *p != '"') {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				*o++ = *p++;
			}
			if (*p != '"')
				fail("unterminated string");
			else
				p++;
			*o = '\0';
			/* keep the terminating NUL separate from the next word */
			if (*p && *p != ' ' && *p != '\t' && *p != '\n')
				fail("text after a closing quote");
			if (*p)
				p++;
		} else {
			w[n++] = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\n')
				p++;
			if (*p)
				*p++ = '\0';
		}
	}
	return n;
}

static int
is_key(const char *s)
{
	size_t i;

	if (!*s || strlen(s) > 32 || !islower((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i]; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i])
		    && s[i] != '_')
			return 0;
	return 1;
}

#define TYPE_NAME(sym, code, name) name,
static const char *const type_names[] = { FORM_TYPES(TYPE_NAME) NULL };
static const char *const class_names[] = { FORM_CLASSES(TYPE_NAME) NULL };
static const char *const role_names[] = { ROLES(TYPE_NAME) NULL };
static const char *const status_names[] = { REC_STATUSES(TYPE_NAME) NULL };
#define TYPE_SYM(sym, code, name) #sym,
static const char *const type_syms[] = { FORM_TYPES(TYPE_SYM) NULL };
static const char *const class_syms[] = { FORM_CLASSES(TYPE_SYM) NULL };

static int
lookup(const char *const *list, const char *s)
{
	int i;

	for (i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/*
 * Is s well-formed UTF-8 without control characters?  Overlong forms,
 * surrogates and code points above U+10FFFF are refused.
 */
static int
utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp, min;
	int n, i;

	while (*p) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1; cp = *p & 0x1f; min = 0x80;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2; cp = *p & 0x0f; min = 0x800;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3; cp = *p & 0x07; min = 0x10000;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* values_km=LABEL,LABEL,...: one Khmer label per choice value. */
static void
values_km(struct ffield *f, const char *list)
{
	const char *p = list, *comma;
	char *label;
	size_t len;

	if (f->has_values_km) {
		fail("values_km= given twice for field '%s'", f->key);
		return;
	}
	f->has_values_km = 1;
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		label = dup(p);
		label[len] = '\0';
		if (len == 0)
			fail("values_km= label %d is empty: give a Khmer label "
			    "for every value, separated by commas",
			    f->nvalues_km + 1);
		else if (!utf8_ok(label))
			fail("values_km= label %d is not valid UTF-8 text",
			    f->nvalues_km + 1);
		if (f->nvalues_km == MAXV - 1) {
			fail("too many labels in values_km=");
			free(label);
			break;
		}
		f->values_km[f->nvalues_km++] = label;
		if (!comma)
			break;
		p = comma + 1;
	}
}

static void
validator(struct ffield *f, const char *v)
{
	char *end;

	if (strncmp(v, "max=", 4) == 0) {
		f->max = (int)strtol(v + 4, &end, 10);
		if (*end || f->max <= 0 || f->max > 4000)
			fail("max= wants a number from 1 to 4000");
	} else if (strncmp(v, "min=", 4) == 0) {
		f->min = (int)strtol(v + 4, &end, 10);
		if (*end || f->min < 0)
			fail("min= wants a number");
	} else if (strncmp(v, "values=", 7) == 0) {
		char *s = dup(v + 7), *tok, *save;

		for (tok = strtok_r(s, ",", &save); tok;
		    tok = strtok_r(NULL, ",", &save)) {
			if (!is_key(tok))
				fail("choice value '%s' must be lower case "
				    "a-z, 0-9, _", tok);
			if (f->nvalues == MAXV - 1)
				fail("too many values");
			else
				f->values[f->nvalues++] = dup(tok);
		}
		free(s);
	} else if (strncmp(v, "values_km=", 10) == 0)
		values_km(f, v + 10);
	else if (strncmp(v, "range=", 6) == 0) {
		f->lo = strtol(v + 6, &end, 10);
		if (strncmp(end, "..", 2) != 0)
			fail("range= wants LO..HI");
		else
			f->hi = strtol(end + 2, &end, 10);
		if (*end || f->lo > f->hi)
			fail("range= wants LO..HI with LO <= HI");
		f->has_range = 1;
	} else if (strcmp(v, "past") == 0)
		f->past = 1;
	else if (strncmp(v, "notbefore=", 10) == 0)
		f->notbefore = dup(v + 10);
	else if (strncmp(v, "notafter=", 9) == 0) {
		/* notafter=FIELD or FIELD+Ny or FIELD+Nm */
		char *plus;
		long span;

		f->notafter = dup(v + 9);
		if ((plus = strchr(f->notafter, '+')) != NULL) {
			*plus = '\0';
			span = strtol(plus + 1, &end, 10);
			if (end == plus + 1 || span < 1 || span > 1200 ||
			    (strcmp(end, "y") != 0 && strcmp(end, "m") != 0))
				fail("notafter= wants FIELD, FIELD+Ny (years) or "
				    "FIELD+Nm (months), N from 1 to 1200");
			else
				f->notafter_months = (int)(*end == 'y' ?
				    span * 12 : span);
		}
	}
	else if (strncmp(v, "level=", 6) == 0) {
		static const char *const lv[] = { "province", "district",
		    "commune", "village", NULL };
		int i = lookup(lv, v + 6);

		if (i < 0)
			fail("level= wants province, district, commune or "
			    "village");
		else
			f->level = 2 + 2 * i;
	} else if (strncmp(v, "refkind=", 8) == 0)
		f->refkind = dup(v + 8);
	else if (strncmp(v, "refstatus=", 10) == 0) {
		char *s = dup(v + 10), *tok, *save;

		for (tok = strtok_r(s, ",", &save); tok;
		    tok = strtok_r(NULL, ",", &save))
			if (lookup(status_names, tok) < 0)
				fail("unknown status '%s' in refstatus=", tok);
		free(s);
		f->refstatus = dup(v + 10);
	} else
		fail("unknown validator '%s' (see forms/README)", v);
}

static struct ffield *
find_field(struct fform *fm, const char *key)
{
	int i;

	for (i = 0; i < fm->nfields; i++)
		if (strcmp(fm->f[i].key, key) == 0)
			return &fm->f[i];
	return NULL;
}

/* person km=FIELD [latin=FIELD] [kidc=FIELD] [born=FIELD] ... */
static void
person_line(struct fperson *p, char **w, int n)
{
	int i, k;

	p->line = cur_line;
	for (i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');

		for (k = 0; eq && person_keys[k]; k++)
			if ((size_t)(eq - w[i]) == strlen(person_keys[k]) &&
			    strncmp(w[i], person_keys[k], strlen(person_keys[k]))
			    == 0)
				break;
		if (eq == NULL || person_keys[k] == NULL) {
			fail("person: '%s' is not km=, latin=, kidc=, born=, "
			    "mother= or father= FIELD", w[i]);
			continue;
		}
		if (p->f[k])
			fail("person: %s= given twice", person_keys[k]);
		else
			p->f[k] = dup(eq + 1);
	}
	if (p->f[0] == NULL)
		fail("person: km= (the person's Khmer name field) is needed");
}

/* The fields a person line names exist and have the right types. */
static void
person_check(struct fform *fm, const struct fperson *p)
{
	static const char *const want[NPK][2] = {
		{ "name_km", NULL }, { "name_latin", NULL }, { "kidc", NULL },
		{ "date", NULL }, { "name_km", "name_latin" },
		{ "name_km", "name_latin" }
	};
	struct ffield *f;
	int k;

	cur_line = p->line;
	for (k = 0; k < NPK; k++) {
		if (p->f[k] == NULL)
			continue;
		if ((f = find_field(fm, p->f[k])) == NULL)
			fail("person: %s=%s is not a field of this form",
			    person_keys[k], p->f[k]);
		else if (strcmp(f->type, want[k][0]) != 0 && (want[k][1] ==
		    NULL || strcmp(f->type, want[k][1]) != 0))
			fail("person: %s=%s is a %s field, not %s%s%s",
			    person_keys[k], p->f[k], f->type, want[k][0],
			    want[k][1] ? " or " : "", want[k][1] ? want[k][1] :
			    "");
	}
}

static void
parse(const char *file, struct fform *fm)
{
	char line[4096], *w[32], *sec_km = NULL, *sec_en = NULL;
	const char *base;
	FILE *fp;
	int n, i;

	memset(fm, 0, sizeof *fm);
	fm->file = dup(file);
	cur_file = file;
	cur_line = 0;
	if ((fp = fopen(file, "r")) == NULL) {
		perror(file);
		exit(2);
	}
	while (fgets(line, sizeof line, fp)) {
		cur_line++;
		n = split(line, w, 32);
		if (n == 0)
			continue;
		if (strcmp(w[0], "form") == 0 && n == 2)
			set(&fm->key, w[1]);
		else if (strcmp(w[0], "code") == 0 && n == 2) {
			fm->code = atoi(w[1]);
			if (fm->code < 1 || fm->code > 255)
				fail("code must be 1..255");
		} else if (strcmp(w[0], "class") == 0 && n == 2) {
			if (lookup(class_names, w[1]) < 0)
				fail("class must be event, notice or workflow");
			set(&fm->cls, w[1]);
		} else if (strcmp(w[0], "title") == 0 && n == 3) {
			set(&fm->title_km, w[1]);
			set(&fm->title_en, w[2]);
		} else if (strcmp(w[0], "roles") == 0 && n == 2) {
			char *s = dup(w[1]), *tok, *save;

			for (tok = strtok_r(s, ",", &save); tok;
			    tok = strtok_r(NULL, ",", &save))
				if (lookup(role_names, tok) < 0)
					fail("unknown role '%s'", tok);
			free(s);
			set(&fm->roles, w[1]);
		} else if (strcmp(w[0], "date") == 0 && n == 2) {
			set(&fm->date, w[1]);
			fm->date_line = cur_line;
		} else if (strcmp(w[0], "place") == 0 && n == 2) {
			set(&fm->place, w[1]);
			fm->place_line = cur_line;
		} else if (strcmp(w[0], "residence") == 0 && n == 2) {
			set(&fm->residence, w[1]);
			fm->res_line = cur_line;
		} else if (strcmp(w[0], "issue") == 0 && n == 2) {
			set(&fm->issue, w[1]);
			fm->issue_line = cur_line;
		} else if (strcmp(w[0], "person") == 0 && n >= 2) {
			if (fm->npersons == FORM_MAX_PERSONS) {
				fail("at most %d person lines", FORM_MAX_PERSONS);
				continue;
			}
			person_line(&fm->p[fm->npersons++], w + 1, n - 1);
		} else if (strcmp(w[0], "section") == 0 && n == 3) {
			set(&sec_km, w[1]);
			set(&sec_en, w[2]);
		} else if (strcmp(w[0], "field") == 0 && n >= 6) {
			struct ffield *f;

			if (fm->nfields == MAXF) {
				fail("too many fields");
				continue;
			}
			f = &fm->f[fm->nfields++];
			f->line = cur_line;
			f->key = dup(w[1]);
			f->type = dup(w[2]);
			if (!is_key(f->key))
				fail("field key '%s' must be a-z, 0-9, _ and at "
				    "most 32 characters", f->key);
			if (find_field(fm, f->key) != f)
				fail("field '%s' defined twice", f->key);
			if (lookup(type_names, f->type) < 0)
				fail("unknown field type '%s'", f->type);
			if (strcmp(w[3], "required") == 0)
				f->required = 1;
			else if (strcmp(w[3], "optional") != 0)
				fail("write required or optional, not '%s'",
				    w[3]);
			f->km = dup(w[4]);
			f->en = dup(w[5]);
			f->sec_km = sec_km;
			f->sec_en = sec_en;
			sec_km = sec_en = NULL;
			for (i = 6; i < n; i++)
				validator(f, w[i]);
			if (strcmp(f->type, "choice") == 0 && f->nvalues == 0)
				fail("choice field '%s' needs values=", f->key);
			if (strcmp(f->type, "choice") != 0 && f->nvalues > 0)
				fail("values= is only for choice fields");
			if (strcmp(f->type, "choice") != 0 && f->has_values_km)
				fail("values_km= is only for choice fields");
			else if (f->has_values_km && f->nvalues > 0 &&
			    f->nvalues_km != f->nvalues)
				fail("values_km= has %d label(s) but values= has "
				    "%d value(s): give one Khmer label per value, "
				    "in the same order", f->nvalues_km,
				    f->nvalues);
		} else
			fail("cannot read this line (see forms/README)");
	}
	fclose(fp);
	free(sec_km);	/* a section with no field after it */
	free(sec_en);
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	if (!fm->key || !fm->code || !fm->cls || !fm->title_en || !fm->roles)
		fail("a form needs form, code, class, title and roles");
	else if (strncmp(base, fm->key, strlen(fm->key)) != 0 ||
	    strcmp(base + strlen(fm->key), ".form") != 0)
		fail("form key '%s' does not match the file name", fm->key);
	if (fm->nfields == 0)
		fail("a form needs at least one field");
	cur_line = fm->date_line;
	if (fm->date && (!find_field(fm, fm->date) ||
	    strcmp(find_field(fm, fm->date)->type, "date")))
		fail("date names '%s', which is not a date field", fm->date);
	cur_line = fm->place_line;
	if (fm->place && (!find_field(fm, fm->place) ||
	    strcmp(find_field(fm, fm->place)->type, "place")))
		fail("place names '%s', which is not a place field", fm->place);
	cur_line = fm->res_line;
	if (fm->residence && (!find_field(fm, fm->residence) ||
	    strcmp(find_field(fm, fm->residence)->type, "place")))
		fail("residence names '%s', which is not a place field",
		    fm->residence);
	cur_line = fm->issue_line;
	if (fm->issue && (!find_field(fm, fm->issue) ||
	    strcmp(find_field(fm, fm->issue)->type, "kidc") != 0 ||
	    find_field(fm, fm->issue)->required))
		fail("issue names '%s', which is not an optional kidc field "
		    "(registration fills it)", fm->issue);
	for (i = 0; i < fm->npersons; i++)
		person_check(fm, &fm->p[i]);
	if (fm->issue && fm->cls && strcmp(fm->cls, "event") != 0)
		fail("issue is only for event forms: a code is issued when an "
		    "event is registered");
	for (i = 0; i < fm->nfields; i++) {
		struct ffield *f = &fm->f[i], *o;

		cur_line = f->line;
		if (f->notbefore && (!(o = find_field(fm, f->notbefore)) ||
		    strcmp(o->type, "date") || strcmp(f->type, "date")))
			fail("notbefore= must name another date field");
		if (f->notafter && (!(o = find_field(fm, f->notafter)) ||
		    strcmp(o->type, "date") || strcmp(f->type, "date") ||
		    o == f))
			fail("notafter= must name another date field");
	}
}

static void
cstr(const char *s)
{
	if (s == NULL) {
		fputs("NULL", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\%03o", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
free_form(struct fform *fm)
{
	int i, j;

	for (i = 0; i < fm->nfields; i++) {
		struct ffield *f = &fm->f[i];

		free(f->key); free(f->type); free(f->km); free(f->en);
		free(f->sec_km); free(f->sec_en); free(f->notbefore);
		free(f->notafter);
		free(f->refkind); free(f->refstatus);
		for (j = 0; j < f->nvalues; j++)
			free(f->values[j]);
		for (j = 0; j < f->nvalues_km; j++)
			free(f->values_km[j]);
	}
	free(fm->file); free(fm->key); free(fm->cls); free(fm->title_km);
	free(fm->title_en); free(fm->roles); free(fm->date); free(fm->place);
	free(fm->residence); free(fm->issue);
	for (i = 0; i < fm->npersons; i++)
		for (j = 0; j < NPK; j++)
			free(fm->p[i].f[j]);
	free(fm);
}

static int
bycode(const void *a, const void *b)
{
	return (*(struct fform *const *)a)->code -
	    (*(struct fform *const *)b)->code;
}

int
main(int argc, char **argv)
{
	struct fform **forms;
	int i, j, k, n = argc - 1;

	forms = calloc((size_t)n + 1, sizeof *forms);
	for (i = 0; i < n; i++) {
		forms[i] = calloc(1, sizeof **forms);
		parse(argv[i + 1], forms[i]);
	}
	qsort(forms, (size_t)n, sizeof *forms, bycode);
	for (i = 1; i < n; i++)
		if (forms[i]->code == forms[i - 1]->code ||
		    (forms[i]->key && forms[i - 1]->key &&
		    strcmp(forms[i]->key, forms[i - 1]->key) == 0)) {
			cur_file = forms[i]->file;
			cur_line = 1;
			fail("code %d or key used twice (also in %s)",
			    forms[i]->code, forms[i - 1]->file);
		}
	for (i = 0; i < n; i++)
		for (j = 0; j < forms[i]->nfields; j++) {
			struct ffield *f = &forms[i]->f[j];

			cur_file = forms[i]->file;
			cur_line = f->line;
			if ((f->refkind || f->refstatus) &&
			    strcmp(f->type, "ref") != 0)
				fail("refkind= and refstatus= are for ref fields");
			for (k = 0; f->refkind && k < n; k++)
				if (forms[k]->key &&
				    strcmp(forms[k]->key, f->refkind) == 0)
					break;
			if (f->refkind && k == n)
				fail("refkind=%s names no form", f->refkind);
		}
	if (errors) {
		fprintf(stderr, "formc: %d error(s)\n", errors);
		for (i = 0; i < n; i++)
			free_form(forms[i]);
		free(forms);
		return 1;
	}
	printf("/* Generated by tools/formc from the forms/ files: do not edit. */\n"
	    "#include \"config.h\"\n#include \"civreg.h\"\n\n");
	for (i = 0; i < n; i++) {
		struct fform *fm = forms[i];

		for (j = 0; j < fm->nfields; j++) {
			if (fm->f[j].nvalues == 0)
				continue;
			printf("static const char *const v_%s_%s[] = { ",
			    fm->key, fm->f[j].key);
			for (k = 0; k < fm->f[j].nvalues; k++) {
				cstr(fm->f[j].values[k]);
				fputs(", ", stdout);
			}
			puts("NULL };");
			if (fm->f[j].nvalues_km == 0)
				continue;
			printf("static const char *const k_%s_%s[] = { ",
			    fm->key, fm->f[j].key);
			for (k = 0; k < fm->f[j].nvalues_km; k++) {
				cstr(fm->f[j].values_km[k]);
				fputs(", ", stdout);
			}
			puts("NULL };");
		}
		printf("static const struct form_field f_%s[] = {\n", fm->key);
		for (j = 0; j < fm->nfields; j++) {
			struct ffield *f = &fm->f[j];

			fputs("\t{ ", stdout);
			cstr(f->key);
			printf(", %s, %d, ", type_syms[lookup(type_names,
			    f->type)], f->required);
			cstr(f->km); fputs(", ", stdout);
			cstr(f->en); fputs(", ", stdout);
			cstr(f->sec_km); fputs(", ", stdout);
			cstr(f->sec_en);
			printf(", %d, %d, ", f->max, f->min);
			if (f->nvalues)
				printf("v_%s_%s, ", fm->key, f->key);
			else
				fputs("NULL, ", stdout);
			if (f->nvalues_km)
				printf("k_%s_%s", fm->key, f->key);
			else
				fputs("NULL", stdout);
			printf(", %ldL, %ldL, %d, ", f->has_range ? f->lo : 1,
			    f->has_range ? f->hi : 0, f->past);
			cstr(f->notbefore);
			printf(", %d, ", f->level);
			cstr(f->refkind);
			fputs(", ", stdout);
			cstr(f->refstatus);
			fputs(", ", stdout);
			cstr(f->notafter);
			printf(", %d },\n", f->notafter_months);
		}
		printf("};\n");
		if (fm->npersons) {
			printf("static const struct form_person p_%s[] = {\n",
			    fm->key);
			for (j = 0; j < fm->npersons; j++) {
				int pk;

				fputs("\t{ ", stdout);
				for (pk = 0; pk < NPK; pk++) {
					cstr(fm->p[j].f[pk]);
					fputs(pk + 1 < NPK ? ", " : " },\n",
					    stdout);
				}
			}
			printf("};\n");
		}
		printf("static const struct form form_%s = {\n\t", fm->key);
		cstr(fm->key);
		printf(", %d, %s, ", fm->code,
		    class_syms[lookup(class_names, fm->cls)]);
		cstr(fm->title_km); fputs(", ", stdout);
		cstr(fm->title_en); fputs(",\n\t", stdout);
		cstr(fm->roles); fputs(", ", stdout);
		cstr(fm->date); fputs(", ", stdout);
		cstr(fm->place); fputs(", ", stdout);
		cstr(fm->residence); fputs(", ", stdout);
		cstr(fm->issue);
		printf(",\n\t%d, f_%s, %d, ", fm->nfields, fm->key,
		    fm->npersons);
		if (fm->npersons)
			printf("p_%s\n};\n\n", fm->key);
		else
			printf("NULL\n};\n\n");
	}
	puts("const struct form *const form_table[] = {");
	for (i = 0; i < n; i++)
		printf("\t&form_%s,\n", forms[i]->key);
	puts("\tNULL\n};");
	for (i = 0; i < n; i++)
		free_form(forms[i]);
	free(forms);
	return 0;
}
