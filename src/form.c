/*
 * form.c -- the form engine: looking up forms and validating values.
 *
 * The forms themselves are data (forms/NAME.form, compiled by tools/formc
 * into form_table).  This file gives them meaning: what each field type
 * accepts, what each validator checks, and the sentence a clerk reads
 * when a value is refused.  form_validate() reports every bad field, one
 * line each as "field: 'value' why", and never stops at the first, so a
 * whole form can be corrected at once.  Checks that need the store (a
 * place code that exists in the gazetteer) are done by the caller inside
 * its transaction.  A choice value is stored as its English key
 * (values=); form_value_km() gives the Khmer label that the screens and
 * the certificates show beside or instead of it (values_km=).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "civreg.h"

#define FORM_NAME(sym, code, name) [code] = name,
static const char *const type_names[] = { FORM_TYPES(FORM_NAME) };
static const char *const class_names[] = { FORM_CLASSES(FORM_NAME) };

const char *
form_type_name(int t)
{
	if (t > 0 && (size_t)t < sizeof type_names / sizeof type_names[0] &&
	    type_names[t])
		return type_names[t];
	return "?";
}

const char *
form_class_name(int c)
{
	if (c > 0 && (size_t)c < sizeof class_names / sizeof class_names[0] &&
	    class_names[c])
		return class_names[c];
	return "?";
}

const struct form *
form_by_key(const char *key)
{
	size_t i;

	for (i = 0; form_table[i]; i++)
		if (strcmp(form_table[i]->key, key) == 0)
			return form_table[i];
	return NULL;
}

const struct form *
form_by_code(int code)
{
	size_t i;

	for (i = 0; form_table[i]; i++)
		if (form_table[i]->code == code)
			return form_table[i];
	return NULL;
}

const struct form_field *
form_field(const struct form *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].key, key) == 0)
			return &f->fields[i];
	return NULL;
}

/*
 * The same, starting where the last lookup ended (*hint): a record keeps
 * its fields in form order, so walking its fields costs one comparison
 * each instead of a scan of the form.
 */
const struct form_field *
form_field_next(const struct form *f, const char *key, size_t *hint)
{
	size_t i, j;

	for (i = 0; i < f->nfields; i++) {
		j = (*hint + i) % f->nfields;
		if (strcmp(f->fields[j].key, key) == 0) {
			*hint = j + 1;
			return &f->fields[j];
		}
	}
	return NULL;
}

int
form_allows_role(const struct form *f, int role)
{
	const char *name = user_role_name(role), *p = f->roles;
	size_t n = strlen(name);

	while (p && *p) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

int
form_field_max(const struct form_field *ff)
{
	if (ff->max > 0)
		return ff->max;
	switch (ff->type) {
	case FT_NAME_KM:
	case FT_NAME_LATIN:
		return 64;
	case FT_REF:
		return REC_IDLEN - 1;
	case FT_NUMBER:
		return 12;
	default:
		return 200;
	}
}

/*
 * The Khmer label of a choice value (forms/README: values_km=), or NULL
 * if the field has none or the value is not one of its values.  What is
 * stored is always the key; the label is only shown and printed.
 */
const char *
form_value_km(const struct form_field *ff, const char *value)
{
	size_t i;

	if (ff == NULL || value == NULL || ff->values == NULL ||
	    ff->values_km == NULL)
		return NULL;
	for (i = 0; ff->values[i] && ff->values_km[i]; i++)
		if (strcmp(ff->values[i], value) == 0)
			return ff->values_km[i];
	return NULL;
}

/* Decodes one UTF-8 character (input already validated). */
static const char *
next_cp(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;

	if (p[0] < 0x80) {
		*cp = p[0];
		return s + 1;
	}
	if (p[0] < 0xe0) {
		*cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		return s + 2;
	}
	if (p[0] < 0xf0) {
		*cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f)
		    << 6 | (p[2] & 0x3f);
		return s + 3;
	}
	*cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	return s + 4;
}

static int
is_khmer_cp(uint32_t c)
{
	return (c >= 0x1780 && c <= 0x17ff) || (c >= 0x19e0 && c <= 0x19ff);
}

static int
is_zero_width(uint32_t c)
{
	return c == 0x200b || c == 0x200c || c == 0x200d;
}

static int
is_latin_letter(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) ||
	    (c >= 0x1e00 && c <= 0x1eff) || (c >= 0x300 && c <= 0x36f);
}

static int
check_chars(const struct form_field *ff, const char *v, char *why, size_t n)
{
	const char *p = v;
	uint32_t c;
	int khmer = 0;

	while (*p) {
		p = next_cp(p, &c);
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
			snprintf(why, n, "contains a control character "
			    "(U+%04X): retype it as plain text", (unsigned)c);
			return -1;
		}
		if (is_khmer_cp(c))
			khmer = 1;
		if (ff->type == FT_NAME_KM && !is_khmer_cp(c) && c != ' ' &&
		    !is_zero_width(c)) {
			snprintf(why, n, "is not a name in Khmer script: "
			    "only Khmer letters and spaces are allowed here "
			    "(put the Latin spelling in the Latin name field)");
			return -1;
		}
		if (ff->type == FT_NAME_LATIN && !is_latin_letter(c) &&
		    c != ' ' && c != '-' && c != '\'' && c != '.') {
			snprintf(why, n, "is not a name in Latin letters: only "
			    "letters, spaces, - ' and . are allowed here (put "
			    "the Khmer spelling in the Khmer name field)");
			return -1;
		}
	}
	if ((ff->type == FT_KHMER || ff->type == FT_NAME_KM) && !khmer) {
		snprintf(why, n, "has no Khmer letters: this field is written "
		    "in Khmer script");
		return -1;
	}
	return 0;
}

static int
check_number(const struct form_field *ff, const char *v, char *why, size_t n)
{
	char *end;
	long x;

	if (!((v[0] >= '0' && v[0] <= '9') || (v[0] == '-' && v[1] >= '0' &&
	    v[1] <= '9'))) {
		snprintf(why, n, "is not a whole number");
		return -1;
	}
	x = strtol(v, &end, 10);
	if (*end != '\0') {
		snprintf(why, n, "is not a whole number");
		return -1;
	}
	if (ff->lo <= ff->hi && (x < ff->lo || x > ff->hi)) {
		snprintf(why, n, "is out of range: it must be from %ld to %ld",
		    ff->lo, ff->hi);
		return -1;
	}
	return 0;
}

static int
check_place(const struct form_field *ff, const char *v, char *why, size_t n)
{
	size_t len = strlen(v), i;

	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			break;
	if (i != len || (len != 2 && len != 4 && len != 6 && len != 8)) {
		snprintf(why, n, "is not a place code: use the gazetteer code "
		    "of 2 (province), 4 (district), 6 (commune) or 8 (village) "
		    "digits");
		return -1;
	}
	if (ff->level && (int)len < ff->level) {
		static const char *const lv[] = { "", "", "province", "",
		    "district", "", "commune", "", "village" };

		snprintf(why, n, "is not precise enough: give at least the "
		    "%s (%d digits)", lv[ff->level], ff->level);
		return -1;
	}
	return 0;
}

static int
check_choice(const struct form_field *ff, const char *v, char *why, size_t n)
{
	size_t i, o = 0;

	for (i = 0; ff->values[i]; i++)
		if (strcmp(ff->values[i], v) == 0)
			return 0;
	o = (size_t)snprintf(why, n, "is not one of: ");
	for (i = 0; ff->values[i] && o < n; i++)
		o += (size_t)snprintf(why + o, n - o, "%s%s", i ? ", " : "",
		    ff->values[i]);
	return -1;
}

/* Checks one value against its field; why gets "is ..." on failure. */
int
form_check_value(const struct form_field *ff, const char *v, char *why,
    size_t n)
{
	size_t len = strlen(v), chars;
	char kidc[KIDC_LEN + 1];
	int y, m, d;

	if (!utf8_valid(v, len)) {
		snprintf(why, n, "is not valid UTF-8 text: check the keyboard "
		    "or file encoding");
		return -1;
	}
	chars = utf8_chars(v);
	if (chars > (size_t)form_field_max(ff)) {
		snprintf(why, n, "is too long: %zu characters, at most %d",
		    chars, form_field_max(ff));
		return -1;
	}
	if (ff->min > 0 && chars < (size_t)ff->min) {
		snprintf(why, n, "is too short: at least %d characters",
		    ff->min);
		return -1;
	}
	if (len > 0 && (v[0] == ' ' || v[len - 1] == ' ')) {
		snprintf(why, n, "starts or ends with a space: remove it");
		return -1;
	}
	if (check_chars(ff, v, why, n) != 0)
		return -1;
	switch (ff->type) {
	case FT_DATE:
		if (date_parse(v, &y, &m, &d, why, n) != 0)
			return -1;
		if (ff->past && date_days(y, m, d) > date_today()) {
			int ty, tm, td;

			date_from_days(date_today(), &ty, &tm, &td);
			snprintf(why, n, "is in the future (today is "
			    "%04d-%02d-%02d)", ty, tm, td);
			return -1;
		}
		return 0;
	case FT_TIME:
		if (len != 5 || v[2] != ':' || v[0] < '0' || v[0] > '2' ||
		    v[1] < '0' || v[1] > '9' || v[3] < '0' || v[3] > '5' ||
		    v[4] < '0' || v[4] > '9' || (v[0] == '2' && v[1] > '3')) {
			snprintf(why, n, "is not a time of day: write HH:MM, "
			    "00:00 to 23:59");
			return -1;
		}
		return 0;
	case FT_CHOICE:
		return check_choice(ff, v, why, n);
	case FT_PLACE:
		return check_place(ff, v, why, n);
	case FT_KIDC:
		return kidc_normalize(v, kidc, why, n);
	case FT_NUMBER:
		return check_number(ff, v, why, n);
	case FT_REF:
		if (!rec_id_valid(v)) {
			snprintf(why, n, "is not a record id: write it as "
			    "OFFICE-NUMBER, e.g. 120101-00000042");
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * notafter=FIELD+SPAN: the latest date allowed, SPAN months after the
 * other date; a day the month lacks becomes its last (a card issued on
 * 29 February expires at the latest on 28 February ten years on).
 */
static int32_t
latest_day(int y, int m, int d, int months)
{
	int32_t first, next;

	m += months;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	first = date_days(y, m, 1);
	next = m == 12 ? date_days(y + 1, 1, 1) : date_days(y, m + 1, 1);
	return d > next - first ? next - 1 : first + d - 1;
}

static void
check_notafter(const struct form_field *ff, const char *v, const char *o,
    struct cr_err *e)
{
	char why[128], span[32], last[16];
	int y, m, d, y2, m2, d2;
	int32_t limit;

	if (date_parse(v, &y, &m, &d, why, sizeof why) != 0 ||
	    date_parse(o, &y2, &m2, &d2, why, sizeof why) != 0)
		return;		/* reported as not a date */
	limit = latest_day(y2, m2, d2, ff->notafter_months);
	if (date_days(y, m, d) <= limit)
		return;
	date_from_days(limit, &y2, &m2, &d2);
	snprintf(last, sizeof last, "%04d-%02d-%02d", y2, m2, d2);
	if (ff->notafter_months == 0)
		err_add(e, CR_EINVAL, "%s: '%s' is after %s (%s): check both "
		    "dates", ff->key, v, ff->notafter, o);
	else {
		if (ff->notafter_months % 12 == 0)
			snprintf(span, sizeof span, "%d year%s",
			    ff->notafter_months / 12,
			    ff->notafter_months == 12 ? "" : "s");
		else
			snprintf(span, sizeof span, "%d month%s",
			    ff->notafter_months,
			    ff->notafter_months == 1 ? "" : "s");
		err_add(e, CR_EINVAL, "%s: '%s' is more than %s after %s (%s): "
		    "the latest allowed is %s; check both dates", ff->key, v,
		    span, ff->notafter, o, last);
	}
}

/*
 * Where each of the form's fields is in kv: pos[k] is 1 + the index of the
 * first pair whose key is field k, 0 if none (pos has f->nfields slots).
 * Fields mostly come in form order, so this is one pass, not a search of
 * kv for every field (a digitized batch checks 40 fields of every row).
 */
void
form_kv_positions(const struct form *f, const struct kv *kv, size_t n,
    size_t *pos)
{
	size_t i, hint = 0;

	memset(pos, 0, f->nfields * sizeof *pos);
	for (i = 0; i < n; i++) {
		const struct form_field *ff = form_field_next(f, kv[i].key,
		    &hint);

		if (ff != NULL && pos[ff - f->fields] == 0)
			pos[ff - f->fields] = i + 1;
	}
}

/* The value of field key in kv, through form_kv_positions()'s map. */
static const char *
kv_at(const struct form *f, const struct kv *kv, const size_t *pos,
    const char *key)
{
	size_t hint = 0;
	const struct form_field *ff = form_field_next(f, key, &hint);

	if (ff == NULL || pos[ff - f->fields] == 0)
		return NULL;
	return kv[pos[ff - f->fields] - 1].value;
}

int
form_validate(const struct form *f, const struct kv *kv, size_t n,
    struct cr_err *e)
{
	char shown[160], why[512];
	size_t i, hint = 0, *pos = xcalloc(f->nfields + 1, sizeof *pos);

	err_clear(e);
	for (i = 0; i < n; i++) {
		/* fields mostly come in form order (a form, a CSV's columns) */
		const struct form_field *ff = form_field_next(f, kv[i].key,
		    &hint);

		str_printable(shown, sizeof shown, kv[i].value);
		if (ff == NULL) {
			str_printable(shown, sizeof shown, kv[i].key);
			err_add(e, CR_EINVAL, "%s: unknown field for form %s: "
			    "'civreg forms %s' lists its fields", shown, f->key,
			    f->key);
			continue;
		}
		if (pos[ff - f->fields] != 0) {	/* an earlier pair had it */
			err_add(e, CR_EINVAL, "%s: given twice: give each field "
			    "once", kv[i].key);
			continue;
		}
		pos[ff - f->fields] = i + 1;
		if (kv[i].value[0] == '\0')
			continue;	/* empty is the same as not given */
		if (f->issue_field && strcmp(ff->key, f->issue_field) == 0) {
			err_add(e, CR_EINVAL, "%s: the identity code of a %s is "
			    "issued from the office's pool when the record is "
			    "registered: leave it empty", ff->key, f->key);
			continue;
		}
		if (form_check_value(ff, kv[i].value, why, sizeof why) != 0)
			err_add(e, CR_EINVAL, "%s: '%s' %s", ff->key, shown, why);
	}
	for (i = 0; i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];
		const char *v = pos[i] ? kv[pos[i] - 1].value : NULL, *o;
		int y, m, d, y2, m2, d2;

		if (ff->required && (v == NULL || v[0] == '\0')) {
			err_add(e, CR_EINVAL, "%s: missing: \"%s\" is required "
			    "on the %s form", ff->key, ff->label_en, f->key);
			continue;
		}
		if (ff->notafter && v && v[0] && (o = kv_at(f, kv, pos,
		    ff->notafter)) != NULL && o[0])
			check_notafter(ff, v, o, e);
		if (ff->notbefore == NULL || v == NULL ||
		    (o = kv_at(f, kv, pos, ff->notbefore)) == NULL)
			continue;
		if (date_parse(v, &y, &m, &d, why, sizeof why) == 0 &&
		    date_parse(o, &y2, &m2, &d2, why, sizeof why) == 0 &&
		    date_days(y, m, d) < date_days(y2, m2, d2))
			err_add(e, CR_EINVAL, "%s: '%s' is before %s (%s): "
			    "check both dates", ff->key, v, ff->notbefore, o);
	}
	free(pos);
	return e->code;
}
