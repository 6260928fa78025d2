/*
 * check_core.c -- unit tests of the core that need no store: record
 * encoding, form validation, the Khmer labels of choice values,
 * identity codes (check digits, filters, generation), dates, UTF-8, name
 * normalization and the role table.
 */
#include "config.h"

#include <sys/time.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

static void
sample_record(struct record *r)
{
	static struct kv fields[] = {
		{ "name_km", "សុខ ដារ៉ា" },
		{ "name_latin", "Sokh Dara" },
		{ "sex", "male" },
	};
	size_t i;

	rec_init(r);
	snprintf(r->id, sizeof r->id, "120101-00000042");
	r->kind = 1;
	r->status = RS_DECLARED;
	r->action = RA_DECLARE;
	r->flags = 0x0102;
	r->rev = 7;
	r->time = 1700000000;
	r->created = -5;
	snprintf(r->office, sizeof r->office, "120101");
	snprintf(r->author, sizeof r->author, "clerk");
	r->note = xstrdup("a note ខ្មែរ");
	rec_vv_bump(r, "120101");
	rec_vv_bump(r, "1201");
	rec_vv_bump(r, "120101");
	r->nfields = 3;
	r->fields = xcalloc(3, sizeof *r->fields);
	for (i = 0; i < 3; i++) {
		r->fields[i].key = xstrdup(fields[i].key);
		r->fields[i].value = xstrdup(fields[i].value);
	}
}

START_TEST(test_record_round_trip)
{
	struct record a, b;
	struct buf x, y;
	struct cr_err e;
	size_t i;

	sample_record(&a);
	buf_init(&x);
	buf_init(&y);
	rec_encode(&a, &x);
	ck_assert_int_eq(rec_decode(x.data, x.len, &b, &e), CR_OK);
	ck_assert_str_eq(b.id, a.id);
	ck_assert_int_eq(b.kind, 1);
	ck_assert_int_eq(b.status, RS_DECLARED);
	ck_assert_int_eq(b.action, RA_DECLARE);
	ck_assert_uint_eq(b.flags, 0x0102);
	ck_assert_uint_eq(b.rev, 7);
	ck_assert_int_eq(b.time, 1700000000);
	ck_assert_int_eq(b.created, -5);
	ck_assert_str_eq(b.office, "120101");
	ck_assert_str_eq(b.author, "clerk");
	ck_assert_str_eq(b.note, "a note ខ្មែរ");
	ck_assert_uint_eq(b.nvv, 2);
	ck_assert_str_eq(b.vv[0].office, "120101");
	ck_assert_uint_eq(b.vv[0].counter, 2);
	ck_assert_uint_eq(b.vv[1].counter, 1);
	ck_assert_uint_eq(b.nfields, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_str_eq(b.fields[i].key, a.fields[i].key);
		ck_assert_str_eq(b.fields[i].value, a.fields[i].value);
	}
	ck_assert_str_eq(rec_value(&b, "name_km"), "សុខ ដារ៉ា");
	/* Encoding the decoded record gives the same bytes. */
	rec_encode(&b, &y);
	ck_assert_uint_eq(x.len, y.len);
	ck_assert(memcmp(x.data, y.data, x.len) == 0);
	rec_free(&a);
	rec_free(&b);
	buf_free(&x);
	buf_free(&y);
}
END_TEST

START_TEST(test_record_decode_rejects_damage)
{
	struct record a, b;
	struct buf x;
	struct cr_err e;
	size_t cut;

	sample_record(&a);
	buf_init(&x);
	rec_encode(&a, &x);
	/* Every truncation is refused, never read past the end. */
	for (cut = 0; cut < x.len; cut++)
		ck_assert_int_eq(rec_decode(x.data, cut, &b, &e), CR_ECORRUPT);
	/* A trailing byte is refused. */
	buf_add_u8(&x, 0);
	ck_assert_int_eq(rec_decode(x.data, x.len, &b, &e), CR_ECORRUPT);
	x.len--;
	/* An unknown version is refused with a message naming it. */
	x.data[2] = 9;
	ck_assert_int_eq(rec_decode(x.data, x.len, &b, &e), CR_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(e.msg, "version 9"));
	x.data[2] = REC_ENCODING_VERSION;
	/* A bad magic is refused. */
	x.data[0] = 'X';
	ck_assert_int_eq(rec_decode(x.data, x.len, &b, &e), CR_ECORRUPT);
	rec_free(&a);
	buf_free(&x);
}
END_TEST

START_TEST(test_record_decode_random_bytes)
{
	unsigned char junk[300];
	struct record b;
	struct cr_err e;
	unsigned seed = 12345;
	int i, round;

	for (round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand_r(&seed) % (int)sizeof junk);

		for (i = 0; i < (int)n; i++)
			junk[i] = (unsigned char)rand_r(&seed);
		if (n >= 3) {
			junk[0] = 'C';
			junk[1] = 'R';
			junk[2] = 1;
		}
		if (rec_decode(junk, n, &b, &e) == CR_OK)
			rec_free(&b);
	}
}
END_TEST

START_TEST(test_record_id)
{
	ck_assert(rec_id_valid("120101-00000001"));
	ck_assert(rec_id_valid("00-123456789"));
	ck_assert(!rec_id_valid("120101-0000001"));
	ck_assert(!rec_id_valid("1-00000001"));
	ck_assert(!rec_id_valid("120101_00000001"));
	ck_assert(!rec_id_valid("120101-00000001x"));
	ck_assert(!rec_id_valid(""));
}
END_TEST

START_TEST(test_verhoeff_vectors)
{
	char code[KIDC_LEN + 1], why[200];

	/* Published Verhoeff examples. */
	ck_assert_int_eq(kidc_verhoeff_digit("236"), 3);
	ck_assert(kidc_verhoeff_check("2363"));
	ck_assert_int_eq(kidc_verhoeff_digit("12345"), 1);
	ck_assert(kidc_verhoeff_check("123451"));
	ck_assert_int_eq(kidc_verhoeff_digit("142857"), 0);
	ck_assert(kidc_verhoeff_check("1428570"));
	ck_assert_int_eq(kidc_verhoeff_digit("123456789012"), 0);
	ck_assert_int_eq(kidc_verhoeff_digit("8473643095483728456789"), 2);
	ck_assert(!kidc_verhoeff_check("2364"));
	ck_assert(!kidc_verhoeff_check("3263"));	/* swapped */
	/* A 12-digit code with spaces is accepted and normalized. */
	ck_assert_int_eq(kidc_verhoeff_digit("29384756102"), 1);
	ck_assert_int_eq(kidc_normalize("2938 4756 1021", code, why,
	    sizeof why), 0);
	ck_assert_str_eq(code, "293847561021");
	ck_assert_int_eq(kidc_normalize("2938 4756 1028", code, why,
	    sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "check digit"));
	ck_assert_int_eq(kidc_normalize("2938 4756 102", code, why,
	    sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "11 digits"));
	ck_assert_int_eq(kidc_normalize("2938-4756-1021", code, why,
	    sizeof why), -1);
}
END_TEST

/* kidc_filter's reason for digits, or "" if they pass. */
static const char *
filter_why(const char *digits)
{
	static char why[200];

	if (kidc_filter(digits, why, sizeof why) == 0)
		return "";
	return why;
}

START_TEST(test_kidc_filter_rules)
{
	/* 1: no leading 0 or 1. */
	ck_assert_str_eq(filter_why("294736258039"), "");
	ck_assert_str_eq(filter_why("194736258039"), "starts with 0 or 1");
	ck_assert_str_eq(filter_why("094736258039"), "starts with 0 or 1");
	/* 2: no run of three by +1 or -1; 8,9,0 and 0,9,8 are not runs. */
	ck_assert_str_eq(filter_why("293468170628"), "");
	ck_assert_str_eq(filter_why("289053746125"), "");
	ck_assert_str_eq(filter_why("209853746125"), "");
	ck_assert_str_eq(filter_why("293458170628"),
	    "digits 3-5 (345) run upward");
	ck_assert_str_eq(filter_why("297658130428"),
	    "digits 3-5 (765) run downward");
	ck_assert_str_eq(filter_why("293468150789"),
	    "digits 10-12 (789) run upward");
	/* 3: no digit repeated within two places. */
	ck_assert_str_eq(filter_why("293847561021"), "");
	ck_assert_str_eq(filter_why("293368470528"), "digit 4 repeats digit 3");
	ck_assert_str_eq(filter_why("292846175038"), "digit 3 repeats digit 1");
	ck_assert_str_eq(filter_why("293847561022"),
	    "digit 12 repeats digit 11");
	/* 4: no two-digit block twice. */
	ck_assert_str_eq(filter_why("294736258039"), "");
	ck_assert_str_eq(filter_why("294736295081"),
	    "block 29 appears at places 1 and 7");
	ck_assert_str_eq(filter_why("294736158047"),
	    "block 47 appears at places 3 and 11");
	/* 5: halves neither equal nor mirrored (reported before 3 and 4). */
	ck_assert_str_eq(filter_why("791836953286"), "");
	ck_assert_str_eq(filter_why("294736294736"), "its halves are equal");
	ck_assert_str_eq(filter_why("294736637492"),
	    "its first half mirrors the second");
	/* Not 12 digits. */
	ck_assert_str_eq(filter_why("29473625803"), "is not 12 digits");
	ck_assert_str_eq(filter_why("2947362580391"), "is not 12 digits");
	ck_assert_str_eq(filter_why("2947 3625 8039"), "is not 12 digits");
}
END_TEST

START_TEST(test_kidc_check)
{
	char why[200];

	ck_assert_int_eq(kidc_check("7918 3695 3286", why, sizeof why), 0);
	ck_assert_int_eq(kidc_check("791836953286", why, sizeof why), 0);
	ck_assert_int_eq(kidc_check("293847561021", why, sizeof why), 0);
	/* kidc_normalize's reasons. */
	ck_assert_int_eq(kidc_check("7918 3695 3287", why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "check digit"));
	ck_assert_int_eq(kidc_check("7918 3695 328", why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "11 digits"));
	ck_assert_int_eq(kidc_check("7918-3695-3286", why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "only digits"));
	/* Verhoeff-valid, but never issued. */
	ck_assert(kidc_verhoeff_check("194736258039"));
	ck_assert_int_eq(kidc_check("1947 3625 8039", why, sizeof why), -1);
	ck_assert_str_eq(why, "is not an issued identity code: starts with "
	    "0 or 1");
	ck_assert(kidc_verhoeff_check("294736295081"));
	ck_assert_int_eq(kidc_check("294736295081", why, sizeof why), -1);
	ck_assert_str_eq(why, "is not an issued identity code: block 29 "
	    "appears at places 1 and 7");
}
END_TEST

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

#define KIDC_MANY	1000000
#define KIDC_SPACE	4032456991.0	/* valid codes, doc/kidc.md */

/*
 * Assertions in the loops are plain ifs: every ck_assert() records its
 * place through a file, a system call, which would make these minutes.
 */
START_TEST(test_kidc_generate_million)
{
	struct cr_err e;
	char code[KIDC_LEN + 1], why[200];
	uint64_t *v;
	size_t first[10] = { 0 }, i, dup = 0;
	double expect;
	int k;

	err_clear(&e);
	ck_assert_int_eq(crypto_init(&e), CR_OK);
	v = xcalloc(KIDC_MANY, sizeof *v);
	for (i = 0; i < KIDC_MANY; i++) {
		kidc_generate(code);
		if (strlen(code) != KIDC_LEN)
			ck_abort_msg("\"%s\" is not 12 digits", code);
		v[i] = 0;
		for (k = 0; k < KIDC_LEN; k++) {
			if (code[k] < '0' || code[k] > '9')
				ck_abort_msg("\"%s\" is not 12 digits", code);
			v[i] = v[i] * 10 + (uint64_t)(code[k] - '0');
		}
		if (!kidc_verhoeff_check(code))
			ck_abort_msg("%s: bad check digit", code);
		if (kidc_filter(code, why, sizeof why) != 0)
			ck_abort_msg("%s: %s", code, why);
		first[code[0] - '0']++;
	}
	/*
	 * Distinct, as far as chance allows: n codes drawn uniformly from N
	 * make n(n-1)/2N equal pairs on average (the birthday problem), 124
	 * for a million of 4,032,456,991, Poisson with a standard deviation
	 * of 11.  Outside 70..180 (about 5 deviations) the draw is not
	 * uniform, or the code space is smaller than it should be.  Keeping
	 * every code issued in kidc.db is what makes issued codes unique.
	 */
	qsort(v, KIDC_MANY, sizeof *v, cmp_u64);
	for (i = 1; i < KIDC_MANY; i++)
		dup += v[i] == v[i - 1];
	free(v);
	expect = (double)KIDC_MANY * (KIDC_MANY - 1) / (2 * KIDC_SPACE);
	ck_assert_msg(expect > 123 && expect < 125, "%f", expect);
	ck_assert_msg(dup >= 70 && dup <= 180, "%zu equal pairs in %d codes, "
	    "%.0f expected", dup, KIDC_MANY, expect);
	/* First digits 2..9 only, each of them seen. */
	ck_assert_uint_eq(first[0], 0);
	ck_assert_uint_eq(first[1], 0);
	for (k = 2; k <= 9; k++)
		ck_assert_uint_gt(first[k], 0);
}
END_TEST

/* Every single-digit error and adjacent swap of a new code is caught. */
START_TEST(test_kidc_generate_errors_caught)
{
	struct cr_err e;
	char code[KIDC_LEN + 1], bad[KIDC_LEN + 1];
	int n, k;
	char c;

	err_clear(&e);
	ck_assert_int_eq(crypto_init(&e), CR_OK);
	for (n = 0; n < 100000; n++) {
		kidc_generate(code);
		memcpy(bad, code, sizeof bad);
		for (k = 0; k < KIDC_LEN; k++) {
			for (c = '0'; c <= '9'; c++) {
				if (c == code[k])
					continue;
				bad[k] = c;
				if (kidc_verhoeff_check(bad))
					ck_abort_msg("%s -> %s passes", code,
					    bad);
			}
			bad[k] = code[k];
		}
		for (k = 0; k + 1 < KIDC_LEN; k++) {
			if (code[k] == code[k + 1])
				continue;
			bad[k] = code[k + 1];
			bad[k + 1] = code[k];
			if (kidc_verhoeff_check(bad))
				ck_abort_msg("%s -> %s passes", code, bad);
			bad[k] = code[k];
			bad[k + 1] = code[k + 1];
		}
		if (!kidc_verhoeff_check(bad))
			ck_abort_msg("%s fails", code);
	}
}
END_TEST

START_TEST(test_dates)
{
	int y, m, d;
	char why[200];

	ck_assert_int_eq(date_parse("2024-02-29", &y, &m, &d, why,
	    sizeof why), 0);
	ck_assert_int_eq(date_parse("2023-02-29", &y, &m, &d, why,
	    sizeof why), -1);
	ck_assert_str_eq(why, "is not a real date: February 2023 has 28 days");
	ck_assert_int_eq(date_parse("1900-02-29", &y, &m, &d, why,
	    sizeof why), -1);
	ck_assert_int_eq(date_parse("2000-02-29", &y, &m, &d, why,
	    sizeof why), 0);
	ck_assert_int_eq(date_parse("2024-13-01", &y, &m, &d, why,
	    sizeof why), -1);
	ck_assert_int_eq(date_parse("2024-04-31", &y, &m, &d, why,
	    sizeof why), -1);
	ck_assert_int_eq(date_parse("2024-4-01", &y, &m, &d, why,
	    sizeof why), -1);
	ck_assert_int_eq(date_parse("2024-04-011", &y, &m, &d, why,
	    sizeof why), -1);
	ck_assert_int_eq(date_days(1970, 1, 1), 0);
	ck_assert_int_eq(date_days(2000, 3, 1), 11017);
	ck_assert_int_eq(date_days(1969, 12, 31), -1);
	date_from_days(date_days(2026, 11, 22), &y, &m, &d);
	ck_assert(y == 2026 && m == 11 && d == 22);
	/* The test clock is fixed by CIVREG_NOW. */
	ck_assert_int_eq(date_today(), date_days(2026, 11, 22));
}
END_TEST

START_TEST(test_utf8)
{
	ck_assert(utf8_valid("សុខ", strlen("សុខ")));
	ck_assert(!utf8_valid("\xff", 1));
	ck_assert(!utf8_valid("\xc0\xaf", 2));		/* overlong */
	ck_assert(!utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	ck_assert(!utf8_valid("\xe1\x9e", 2));		/* truncated */
	ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	ck_assert_uint_eq(utf8_chars("សុខ ដារ៉ា"), 9);
	ck_assert(utf8_has_khmer("abc ក"));
	ck_assert(!utf8_has_khmer("abc"));
}
END_TEST

static int
validate(const char *kind, const struct kv *kv, size_t n, struct cr_err *e)
{
	return form_validate(form_by_key(kind), kv, n, e);
}

static struct kv good_birth[] = {
	{ "name_km", "សុខ ដារ៉ា" }, { "name_latin", "Sokh Dara" },
	{ "sex", "male" }, { "date_of_birth", "2026-11-01" },
	{ "place_of_birth", "120101" }, { "place_type", "hospital" },
	{ "attendant", "midwife" }, { "birth_type", "single" },
	{ "mother_name_km", "ចាន់ សុភា" }, { "mother_date_of_birth", "1995-04-03" },
	{ "mother_nationality", "Khmer" }, { "mother_residence", "120101" },
	{ "informant_name", "ចាន់ សុភា" }, { "informant_relationship", "mother" },
};
#define NGOOD (sizeof good_birth / sizeof good_birth[0])

/* good_birth with one value replaced; returns the validation status. */
static int
with(const char *key, const char *value, struct cr_err *e)
{
	struct kv kv[NGOOD + 1];
	size_t i, n = NGOOD;

	memcpy(kv, good_birth, sizeof good_birth);
	for (i = 0; i < NGOOD; i++)
		if (strcmp(kv[i].key, key) == 0)
			break;
	if (i == NGOOD)
		n++;
	kv[i].key = (char *)key;
	kv[i].value = (char *)value;
	return validate("birth", kv, n, e);
}

START_TEST(test_validation)
{
	struct cr_err e;
	char long_name[300];

	ck_assert_msg(validate("birth", good_birth, NGOOD, &e) == CR_OK, "%s",
	    e.msg);
	ck_assert_int_eq(with("date_of_birth", "2026-02-30", &e), CR_EINVAL);
	ck_assert_str_eq(e.msg, "date_of_birth: '2026-02-30' is not a real "
	    "date: February 2026 has 28 days");
	ck_assert_int_eq(with("date_of_birth", "2027-01-01", &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "in the future"));
	ck_assert_int_eq(with("sex", "m", &e), CR_EINVAL);
	ck_assert_str_eq(e.msg, "sex: 'm' is not one of: male, female");
	ck_assert_int_eq(with("colour", "red", &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "colour: unknown field"));
	ck_assert_int_eq(with("name_km", "Dara", &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a name in Khmer script"));
	ck_assert_int_eq(with("name_latin", "Dara 2", &e), CR_EINVAL);
	ck_assert_int_eq(with("name_latin", "Đặng Thị", &e), CR_OK);
	ck_assert_int_eq(with("name_km", "\xe1\x9e", &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "not valid UTF-8"));
	ck_assert_ptr_nonnull(strstr(e.msg, "\\xe1"));
	memset(long_name, 'a', 100);
	long_name[100] = '\0';
	ck_assert_int_eq(with("name_latin", long_name, &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long: 100 characters, at "
	    "most 64"));
	ck_assert_int_eq(with("name_latin", " Dara", &e), CR_EINVAL);
	ck_assert_int_eq(with("name_latin", "Da\tra", &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "control character"));
	ck_assert_int_eq(with("place_of_birth", "12", &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "not precise enough"));
	ck_assert_int_eq(with("place_of_birth", "12010", &e), CR_EINVAL);
	ck_assert_int_eq(with("birth_weight", "200", &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "from 300 to 7000"));
	ck_assert_int_eq(with("birth_weight", "3.2", &e), CR_EINVAL);
	ck_assert_int_eq(with("birth_weight", "3200", &e), CR_OK);
	ck_assert_int_eq(with("time_of_birth", "24:00", &e), CR_EINVAL);
	ck_assert_int_eq(with("time_of_birth", "23:59", &e), CR_OK);
	ck_assert_int_eq(with("mother_kidc", "2938 4756 1028", &e), CR_EINVAL);
	ck_assert_int_eq(with("mother_kidc", "2938 4756 1021", &e), CR_OK);
	/* Empty optional value is the same as none; empty required is missing. */
	ck_assert_int_eq(with("name_latin", "", &e), CR_OK);
	ck_assert_int_eq(with("sex", "", &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "sex: missing"));
}
END_TEST

START_TEST(test_validation_reports_every_field)
{
	struct kv kv[] = { { "sex", "x" }, { "date_of_birth", "2026-02-30" },
	    { "bogus", "1" }, { "sex", "male" } };
	struct cr_err e;
	size_t lines = 1;
	const char *p;

	ck_assert_int_eq(validate("birth", kv, 4, &e), CR_EINVAL);
	for (p = e.msg; *p; p++)
		lines += *p == '\n';
	/* sex, date, bogus, sex twice, and 11 of 13 required missing. */
	ck_assert_uint_eq(lines, 15);
	ck_assert_ptr_nonnull(strstr(e.msg, "sex: given twice"));
	ck_assert_ptr_nonnull(strstr(e.msg, "informant_relationship: missing"));
}
END_TEST

START_TEST(test_validation_notbefore)
{
	struct kv kv[] = {
		{ "name_km", "សុខ" }, { "sex", "male" },
		{ "date_of_birth", "1950-05-05" }, { "date_of_death", "1950-05-04" },
	};
	const struct form *f = form_by_key("death");
	const struct form_field *ff = form_field(f, "date_of_death");
	struct cr_err e;

	ck_assert_ptr_nonnull(ff);
	ck_assert_ptr_nonnull(ff->notbefore);
	form_validate(f, kv, 4, &e);
	ck_assert_ptr_nonnull(strstr(e.msg, "date_of_death: '1950-05-04' is "
	    "before date_of_birth"));
}
END_TEST

/* An ID card: expiry at most 10 years after issue (notafter=...+10y). */
START_TEST(test_validation_notafter)
{
	static const struct {
		const char	*issue, *expiry;
		int		 ok;
	} cases[] = {
		{ "2026-11-01", "2036-11-01", 1 },
		{ "2026-11-01", "2036-11-02", 0 },
		{ "2024-02-29", "2034-02-28", 1 },	/* no 29 February */
		{ "2024-02-29", "2034-03-01", 0 },
		{ "2026-12-31", "2036-12-31", 1 },
		{ "2026-12-31", "2037-01-01", 0 },
	};
	const struct form *f = form_by_key("id_card");
	const struct form_field *ff = form_field(f, "expiry_date");
	struct kv kv[2] = { { "issue_date", NULL }, { "expiry_date", NULL } };
	struct cr_err e;
	size_t i;

	ck_assert_ptr_nonnull(ff);
	ck_assert_str_eq(ff->notafter, "issue_date");
	ck_assert_int_eq(ff->notafter_months, 120);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kv[0].value = (char *)cases[i].issue;
		kv[1].value = (char *)cases[i].expiry;
		form_validate(f, kv, 2, &e);
		ck_assert_msg((strstr(e.msg, "more than 10 years after "
		    "issue_date") == NULL) == cases[i].ok, "%s %s: %s",
		    cases[i].issue, cases[i].expiry, e.msg);
	}
}
END_TEST

START_TEST(test_forms_table)
{
	static const char *const keys[] = { "birth", "death", "fetal_death",
	    "marriage", "divorce", "annulment", "separation", "adoption",
	    "legitimation", "recognition", "birth_notice", "death_notice",
	    "fetal_death_notice", "correction", "appeal", "burial_permit",
	    "residence_change", "id_card", NULL };
	size_t i, n = 0, j;

	for (i = 0; keys[i]; i++) {
		const struct form *f = form_by_key(keys[i]);

		ck_assert_msg(f != NULL, "form %s missing", keys[i]);
		ck_assert_int_eq(f->code, (int)i + 1);
		ck_assert_ptr_eq(form_by_code(f->code), f);
		ck_assert(f->nfields > 0);
		for (j = 0; j < f->nfields; j++) {
			ck_assert(f->fields[j].label_km[0] != '\0');
			ck_assert(f->fields[j].label_en[0] != '\0');
			if (f->fields[j].type == FT_CHOICE)
				ck_assert_ptr_nonnull(f->fields[j].values);
		}
	}
	while (form_table[n])
		n++;
	ck_assert_uint_eq(n, 19);
	ck_assert_ptr_null(form_by_key("nonsense"));
	ck_assert_int_eq(form_by_key("birth_notice")->cls, FC_NOTICE);
	ck_assert(form_allows_role(form_by_key("birth_notice"), ROLE_HEALTH));
	ck_assert(!form_allows_role(form_by_key("birth"), ROLE_HEALTH));
	ck_assert(form_allows_role(form_by_key("birth"), ROLE_CLERK));
	ck_assert(!form_allows_role(form_by_key("birth"), ROLE_ADMIN));
}
END_TEST

START_TEST(test_value_km)
{
	const struct form_field *sex = form_field(form_by_key("birth"), "sex");
	const struct form_field *name = form_field(form_by_key("birth"),
	    "name_km");
	size_t i, j, k;

	ck_assert_str_eq(form_value_km(sex, "male"), "ប្រុស");
	ck_assert_str_eq(form_value_km(sex, "female"), "ស្រី");
	ck_assert_ptr_null(form_value_km(sex, "Female"));
	ck_assert_ptr_null(form_value_km(sex, "fem"));
	ck_assert_ptr_null(form_value_km(sex, ""));
	ck_assert_ptr_null(form_value_km(sex, NULL));
	ck_assert_ptr_null(form_value_km(name, "male"));
	ck_assert_ptr_null(form_value_km(NULL, "male"));
	ck_assert_str_eq(form_value_km(form_field(form_by_key("fetal_death"),
	    "sex"), "undetermined"), "មិនកំណត់");
	ck_assert_str_eq(form_value_km(form_field(form_by_key("death"),
	    "marital_status"), "never_married"), "នៅលីវ");
	ck_assert_str_eq(form_value_km(form_field(form_by_key("birth"),
	    "place_type"), "health_centre"), "មណ្ឌលសុខភាព");
	/* Every choice of every form: one Khmer label per value, in order. */
	for (i = 0; form_table[i]; i++)
		for (j = 0; j < form_table[i]->nfields; j++) {
			const struct form_field *ff = &form_table[i]->fields[j];

			if (ff->type != FT_CHOICE) {
				ck_assert_ptr_null(ff->values_km);
				continue;
			}
			ck_assert_msg(ff->values_km != NULL, "%s.%s has no "
			    "Khmer labels", form_table[i]->key, ff->key);
			for (k = 0; ff->values[k]; k++) {
				ck_assert_ptr_nonnull(ff->values_km[k]);
				ck_assert(utf8_has_khmer(ff->values_km[k]));
				ck_assert_ptr_eq(form_value_km(ff,
				    ff->values[k]), ff->values_km[k]);
			}
			ck_assert_ptr_null(ff->values_km[k]);
		}
}
END_TEST

static char *
norm(const char *s)
{
	static char out[256];
	struct buf b;

	buf_init(&b);
	index_normalize(s, &b);
	snprintf(out, sizeof out, "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	return out;
}

START_TEST(test_normalize)
{
	struct keylist kl = { 0, NULL };

	ck_assert_str_eq(norm("  SOKH   Dara "), "sokh dara");
	ck_assert_str_eq(norm("Chéa-Sophéap"), "chea sopheap");
	ck_assert_str_eq(norm("O'Neil"), "oneil");
	ck_assert_str_eq(norm("ĐẶNG Thị Łucja"), "dang thi lucja");
	ck_assert_str_eq(norm("Ñoño ÆØ × ß"), "nono ao × s");
	/* Zero-width space and joiners vanish from Khmer names. */
	ck_assert_str_eq(norm("សុខ\u200bដារ៉ា"), "សុខដារ៉ា");
	ck_assert_str_eq(norm("សុខ\u200c ដារ៉ា"), "សុខ ដារ៉ា");
	index_name_tokens("Sok sok SOK Dara", &kl);
	ck_assert_uint_eq(kl.n, 2);	/* repeated tokens indexed once */
	keylist_free(&kl);
}
END_TEST

START_TEST(test_authz)
{
	struct session s;
	struct cr_err e;

	memset(&s, 0, sizeof s);
	snprintf(s.user, sizeof s.user, "dara");
	s.role = ROLE_CLERK;
	ck_assert_int_eq(authz_check(&s, AZ_USER_ADMIN, NULL, &e), CR_EPERM);
	ck_assert_str_eq(e.msg, "user dara (role clerk) may not manage users: "
	    "this needs the role admin");
	ck_assert_int_eq(authz_check(&s, AZ_DECLARE, form_by_key("birth"), &e),
	    CR_OK);
	ck_assert_int_eq(authz_check(&s, AZ_READ, form_by_key("birth"), &e),
	    CR_OK);
	s.role = ROLE_HEALTH;
	ck_assert_int_eq(authz_check(&s, AZ_DECLARE, form_by_key("birth"), &e),
	    CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "needs the role clerk, registrar"));
	ck_assert_int_eq(authz_check(&s, AZ_DECLARE,
	    form_by_key("birth_notice"), &e), CR_OK);
	ck_assert_int_eq(authz_check(&s, AZ_READ, form_by_key("birth"), &e),
	    CR_EPERM);
	ck_assert_int_eq(authz_check(&s, AZ_READ, form_by_key("death_notice"),
	    &e), CR_OK);
	s.role = ROLE_ADMIN;
	ck_assert_int_eq(authz_check(&s, AZ_READ, form_by_key("birth"), &e),
	    CR_EPERM);
	ck_assert_int_eq(authz_check(&s, AZ_USER_ADMIN, NULL, &e), CR_OK);
	ck_assert_int_eq(authz_check(&s, AZ_VERIFY, NULL, &e), CR_OK);
}
END_TEST

START_TEST(test_timeliness)
{
	int32_t ev = date_days(2026, 1, 1);

	ck_assert_int_eq(workflow_timeliness(ev, ev, 30), WT_CURRENT);
	ck_assert_int_eq(workflow_timeliness(ev, ev + 30, 30), WT_CURRENT);
	ck_assert_int_eq(workflow_timeliness(ev, ev + 31, 30), WT_LATE);
	ck_assert_int_eq(workflow_timeliness(ev, ev + 395, 30), WT_LATE);
	ck_assert_int_eq(workflow_timeliness(ev, ev + 396, 30), WT_DELAYED);
	ck_assert_int_eq(workflow_timeliness(ev, ev + 16, 15), WT_LATE);
	ck_assert_int_eq(workflow_period(NULL, form_by_key("birth"), NULL), 30);
	ck_assert_int_eq(workflow_period(NULL, form_by_key("death"), NULL), 15);
	ck_assert_int_eq(workflow_period(NULL, form_by_key("marriage"), NULL),
	    30);
	ck_assert_str_eq(workflow_timeliness_name(WT_DELAYED), "delayed");
}
END_TEST

START_TEST(test_err_lines)
{
	struct cr_err e;

	err_clear(&e);
	err_add(&e, CR_EINVAL, "one");
	err_add(&e, CR_EPERM, "two");
	ck_assert_int_eq(e.code, CR_EINVAL);
	ck_assert_str_eq(e.msg, "one\ntwo");
	ck_assert_int_eq(err_exit_code(CR_EINVAL), 2);
	ck_assert_int_eq(err_exit_code(CR_EAUTH), 4);
	ck_assert_int_eq(err_exit_code(CR_EPERM), 5);
	ck_assert_int_eq(err_exit_code(CR_ECORRUPT), 7);
}
END_TEST

/*
 * The certificate code's check character: aliases read as their symbol,
 * and every single wrong character and every swap of two different
 * characters is caught (mistyped, exit 2, not unknown, exit 3).
 */
START_TEST(test_cert_code)
{
	static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	char code[CERT_CODE_CHARS + 1], out[CERT_CODE_CHARS + 1], t[32],
	    why[160];
	size_t i, j, a;

	memcpy(code, "7K3M0Q9TV1X", 11);
	code[11] = cert_code_check_char(code);
	code[12] = '\0';
	ck_assert_int_eq(cert_code_parse(code, out, why, sizeof why), 0);
	ck_assert_str_eq(out, code);
	snprintf(t, sizeof t, "%.4s-%.4s %.4s", code, code + 4, code + 8);
	for (i = 0; t[i]; i++)
		if (t[i] >= 'A' && t[i] <= 'Z')
			t[i] = (char)(t[i] - 'A' + 'a');
	t[4] = '-';
	ck_assert_int_eq(cert_code_parse(t, out, why, sizeof why), 0);
	ck_assert_str_eq(out, code);
	snprintf(t, sizeof t, "%s", code);
	t[4] = 'O';			/* 0 read as O, 1 as I or L */
	t[9] = 'l';
	ck_assert_int_eq(cert_code_parse(t, out, why, sizeof why), 0);
	ck_assert_str_eq(out, code);
	cert_code_show(code, t);
	ck_assert_int_eq((int)strlen(t), CERT_CODE_SHOWN);
	ck_assert_int_eq(t[4], '-');
	for (i = 0; i < CERT_CODE_CHARS; i++)
		for (a = 0; a < 32; a++) {
			if (alpha[a] == code[i])
				continue;
			snprintf(t, sizeof t, "%s", code);
			t[i] = alpha[a];
			ck_assert_int_ne(cert_code_parse(t, out, why, sizeof why),
			    0);
		}
	for (i = 0; i < CERT_CODE_CHARS; i++)
		for (j = i + 1; j < CERT_CODE_CHARS; j++) {
			if (code[i] == code[j])
				continue;
			snprintf(t, sizeof t, "%s", code);
			t[i] = code[j];
			t[j] = code[i];
			ck_assert_int_ne(cert_code_parse(t, out, why, sizeof why),
			    0);
		}
	ck_assert_int_ne(cert_code_parse("7K3M-0Q9T-V1X", out, why, sizeof why),
	    0);
	ck_assert_int_ne(cert_code_parse("7K3M-0Q9T-V1XU", out, why,
	    sizeof why), 0);
	ck_assert_ptr_nonnull(strstr(why, "'U'"));
}
END_TEST

static void
unhex(const char *h, unsigned char *out, size_t n)
{
	size_t i;
	unsigned v;

	ck_assert_uint_eq(strlen(h), 2 * n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* The published vectors: RFC 8032 7.1 test 1, RFC 7748 6.1, RFC 5869 A.1. */
START_TEST(test_crypto_vectors)
{
	unsigned char sk[32], pk[32], sig[64], want[64], a[32], b[32], apk[32];
	unsigned char bpk[32], k1[32], k2[32], ikm[22], salt[13], info[10];
	unsigned char okm[42], key[32], iv[12], tag[16], ct[5], pt[5];
	struct cr_err e;
	size_t i;

	ck_assert_int_eq(crypto_init(&e), CR_OK);
	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    sk, 32);
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	    pk, 32);
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	    want, 64);
	ck_assert_int_eq(crypto_ed25519_sign(sk, pk, "", 0, sig, &e), CR_OK);
	ck_assert_mem_eq(sig, want, 64);
	ck_assert_int_eq(crypto_ed25519_verify(pk, "", 0, sig), 1);
	sig[10] ^= 1;
	ck_assert_int_eq(crypto_ed25519_verify(pk, "", 0, sig), 0);
	ck_assert_int_eq(crypto_ed25519_verify(pk, "x", 1, want), 0);
	ck_assert_int_eq(crypto_ed25519_keygen(pk, sk, &e), CR_OK);
	ck_assert_int_eq(crypto_ed25519_sign(sk, pk, "abc", 3, sig, &e), CR_OK);
	ck_assert_int_eq(crypto_ed25519_verify(pk, "abc", 3, sig), 1);

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	    a, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	    b, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	    bpk, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
	    want, 32);
	ck_assert_int_eq(crypto_x25519(k1, a, bpk, &e), CR_OK);
	ck_assert_mem_eq(k1, want, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    apk, 32);
	ck_assert_int_eq(crypto_x25519(k2, b, apk, &e), CR_OK);
	ck_assert_mem_eq(k2, want, 32);
	ck_assert_int_eq(crypto_x25519_keygen(apk, a, &e), CR_OK);
	ck_assert_int_eq(crypto_x25519_keygen(bpk, b, &e), CR_OK);
	ck_assert_int_eq(crypto_x25519(k1, a, bpk, &e), CR_OK);
	ck_assert_int_eq(crypto_x25519(k2, b, apk, &e), CR_OK);
	ck_assert_mem_eq(k1, k2, 32);
	memset(bpk, 0, 32);		/* a low-order point is refused */
	ck_assert_int_eq(crypto_x25519(k1, a, bpk, &e), CR_EINVAL);

	memset(ikm, 0x0b, sizeof ikm);
	for (i = 0; i < sizeof salt; i++)
		salt[i] = (unsigned char)i;
	for (i = 0; i < sizeof info; i++)
		info[i] = (unsigned char)(0xf0 + i);
	ck_assert_int_eq(crypto_hkdf_sha256(ikm, 22, salt, 13, info, 10, okm,
	    42, &e), CR_OK);
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865", want, 42);
	ck_assert_mem_eq(okm, want, 42);

	memset(key, 7, sizeof key);
	memset(iv, 9, sizeof iv);
	ck_assert_int_eq(crypto_aes256gcm_seal(key, iv, "ad", 2, "hello", 5,
	    ct, tag, &e), CR_OK);
	ck_assert_int_eq(crypto_aes256gcm_open(key, iv, "ad", 2, ct, 5, tag,
	    pt, &e), CR_OK);
	ck_assert_mem_eq(pt, "hello", 5);
	ct[0] ^= 1;
	ck_assert_int_eq(crypto_aes256gcm_open(key, iv, "ad", 2, ct, 5, tag,
	    pt, &e), CR_ECORRUPT);
	ct[0] ^= 1;
	ck_assert_int_eq(crypto_aes256gcm_open(key, iv, "aX", 2, ct, 5, tag,
	    pt, &e), CR_ECORRUPT);
}
END_TEST

START_TEST(test_err_quotes_itself)
{
	struct cr_err e;

	err_set(&e, CR_EINVAL, "inner reason");
	err_set(&e, CR_EPERM, "outer: %s", e.msg);
	ck_assert_str_eq(e.msg, "outer: inner reason");
	ck_assert_int_eq(e.code, CR_EPERM);
}
END_TEST

/*
 * A sealed file: read back by its recipient only, and one changed byte
 * anywhere makes the signature or the decryption fail.
 */
START_TEST(test_repfile_every_byte)
{
	static const char text[] = "the payload of a replication file";
	struct office_keys a, b;
	struct repfile_head h, got;
	struct cr_err e;
	struct buf f, p;
	size_t i;

	ck_assert_int_eq(crypto_init(&e), CR_OK);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&h, 0, sizeof h);
	ck_assert_int_eq(crypto_ed25519_keygen(a.sign_pk, a.sign_sk, &e), CR_OK);
	ck_assert_int_eq(crypto_x25519_keygen(a.enc_pk, a.enc_sk, &e), CR_OK);
	ck_assert_int_eq(crypto_ed25519_keygen(b.sign_pk, b.sign_sk, &e), CR_OK);
	ck_assert_int_eq(crypto_x25519_keygen(b.enc_pk, b.enc_sk, &e), CR_OK);
	h.kind = RF_CHANGES;
	snprintf(h.sender, sizeof h.sender, "120101");
	snprintf(h.recipient, sizeof h.recipient, "12");
	h.seq = 7;
	keys_id(a.sign_pk, h.sender_id);
	keys_id(b.sign_pk, h.recipient_id);
	h.nchain = 1;
	snprintf(h.chain[0].office, OFFICE_LEN, "120101");
	h.chain[0].level = LV_COMMUNE;
	memcpy(h.chain[0].sign_pk, a.sign_pk, KEY_LEN);
	memcpy(h.chain[0].enc_pk, a.enc_pk, KEY_LEN);
	snprintf(h.chain[0].issuer, OFFICE_LEN, "12");
	buf_init(&f);
	buf_init(&p);
	ck_assert_int_eq(repfile_seal(&h, &a, b.enc_pk, text, sizeof text, &f,
	    &e), CR_OK);
	ck_assert_msg(repfile_verify(f.data, f.len, &got, &e) == CR_OK, "%s",
	    e.msg);
	ck_assert_str_eq(got.sender, "120101");
	ck_assert_uint_eq(got.seq, 7);
	ck_assert_int_eq(repfile_open(f.data, f.len, &b, &p, &e), CR_OK);
	ck_assert_uint_eq(p.len, sizeof text);
	ck_assert_mem_eq(p.data, text, sizeof text);
	ck_assert_int_eq(repfile_open(f.data, f.len, &a, &p, &e),
	    CR_ECORRUPT);		/* not for a */
	for (i = 0; i < f.len; i++) {
		f.data[i] ^= 0x20;
		ck_assert_msg(repfile_verify(f.data, f.len, &got, &e) !=
		    CR_OK || repfile_open(f.data, f.len, &b, &p, &e) != CR_OK,
		    "byte %zu changed, yet the file was accepted", i);
		f.data[i] ^= 0x20;
	}
	for (i = 0; i < f.len; i += 7)
		ck_assert_int_ne(repfile_verify(f.data, i, &got, &e), CR_OK);
	buf_free(&f);
	buf_free(&p);
}
END_TEST

static void
t_on_alarm(int sig)
{
	(void)sig;
}

/*
 * A signal that interrupts the wait for the helper process (a terminal's
 * timer, a resize) must not turn a right password into a failure: a
 * timer fires every millisecond, without SA_RESTART, while it hashes.
 */
START_TEST(test_argon2_isolated_signals)
{
	static const unsigned char salt[CRYPTO_SALTLEN] = "0123456789abcdef";
	struct itimerval every = { { 0, 1000 }, { 0, 1000 } }, off;
	struct sigaction sa, old;
	unsigned char want[32], got[32];
	struct cr_err e;
	int rc;

	ck_assert_int_eq(crypto_init(&e), CR_OK);
	ck_assert_int_eq(crypto_argon2id("password-1", 10, salt, sizeof salt,
	    2, 8192, 1, want, sizeof want, &e), CR_OK);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = t_on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	ck_assert_int_eq(sigaction(SIGALRM, &sa, &old), 0);
	memset(&off, 0, sizeof off);
	setitimer(ITIMER_REAL, &every, NULL);
	rc = crypto_argon2id_isolated("password-1", 10, salt, sizeof salt, 2,
	    8192, 1, got, sizeof got, &e);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	ck_assert_msg(rc == CR_OK, "%s", e.msg);
	ck_assert_mem_eq(got, want, sizeof want);
}
END_TEST

/* name_fold(a) == name_fold(b), or != when same is 0. */
static void
fold_pair(const char *a, const char *b, int same)
{
	struct buf x, y;

	buf_init(&x);
	buf_init(&y);
	name_fold(a, &x);
	name_fold(b, &y);
	ck_assert_msg((x.len == y.len && memcmp(x.data, y.data, x.len) == 0) ==
	    same, "fold '%s' vs '%s': '%.*s' '%.*s'", a, b, (int)x.len,
	    (const char *)x.data, (int)y.len, (const char *)y.data);
	buf_free(&x);
	buf_free(&y);
}

static void
key_is(const char *name, const char *key)
{
	struct buf k;

	buf_init(&k);
	name_key(name, &k);
	buf_add_u8(&k, 0);
	ck_assert_msg(strcmp((const char *)k.data, key) == 0,
	    "key of '%s' is '%s', not '%s'", name, (const char *)k.data, key);
	buf_free(&k);
}

/*
 * Names: Khmer marks in any typing order, zero-width characters and the
 * common variant letters fold alike; so do Latin case, diacritics and
 * transliteration variants; the phonetic key is shared by both scripts.
 */
START_TEST(test_name_fold_and_key)
{
	struct buf b;

	/* Khmer: a zero-width space, a joiner; marks typed out of order. */
	fold_pair("សុខ ដារ៉ា", "សុ\u200bខ  ដា\u200dរ៉ា", 1);
	fold_pair("ក្រុម", "កុ្រម", 1);			/* vowel before coeng */
	fold_pair("ស្ត្រី", "ស្រ្តី", 1);			/* subscript ro last */
	fold_pair("ហ៊ុន", "ហុ៊ន", 1);			/* shifter after vowel */
	fold_pair("ម៉ៅ", "មៅ", 1);			/* shifter left out */
	fold_pair("ណារី", "នារិ", 1);			/* ណ/ន, long/short i */
	fold_pair("សូភា", "សុភា", 1);
	fold_pair("ឡាង", "លាង", 1);
	fold_pair("សុខ", "សៅ", 0);
	fold_pair("ក្រុម", "កុម", 0);			/* a subscript is not a mark */
	/* Latin. */
	fold_pair("Sok Dara", "SOKH  dara", 1);
	fold_pair("Chea", "Chia", 1);
	fold_pair("Sophanna", "Sophana", 1);
	fold_pair("Vanna", "Wanna", 1);
	fold_pair("Srey", "Srei", 1);
	fold_pair("Đàra", "dara", 1);
	fold_pair("Sok", "Sao", 0);
	fold_pair("Chan", "Chen", 0);
	/* One key for both scripts and the spellings of each. */
	key_is("សុខ ដារ៉ា", "SK TR");
	key_is("Sokh Dara", "SK TR");
	key_is("Sok Dara", "SK TR");
	key_is("ចាន់ សុភា", "CN SP");
	key_is("Chan Sophea", "CN SP");
	key_is("វិចិត្រ", "VCT");		/* a final subscript ro is silent */
	key_is("Vichet", "VCT");
	key_is("ស្រី", "SR");			/* ... not one before a vowel */
	key_is("Srey", "SR");
	key_is("ហេង", "HG");
	key_is("Heng", "HG");
	key_is("កែវ", "K");
	key_is("Keo", "K");
	key_is("សំណាង", "SMNG");
	key_is("Samnang", "SMNG");
	key_is("ឈឹម", "CM");
	key_is("Chhim", "CM");
	key_is("បុប្ផា", "P");
	key_is("Bopha", "P");
	key_is("អុឹម", "AM");
	key_is("Oeum", "AM");
	key_is("Kim", "KM");
	key_is("Chan", "CN");
	/* Nothing fails: bad bytes are skipped, empty is empty. */
	buf_init(&b);
	name_key("", &b);
	ck_assert_uint_eq(b.len, 0);
	name_fold("\xff\xfeSok", &b);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_mem_eq(b.data, "sok", 3);
	buf_free(&b);
}
END_TEST

/*
 * csv.c: the rows of a spreadsheet's CSV, each with the line it begins
 * on; a bad row gives its reason and the reader goes on at the next line.
 */
static int
csv_row_is(struct csv *c, size_t line, const char *const *want, size_t n)
{
	struct csv_row r;
	char why[200];
	size_t i;

	if (!csv_next(c, &r, why, sizeof why) || r.bad || r.line != line ||
	    r.nf != n)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(r.f[i], want[i]) != 0)
			return 0;
	return 1;
}

static int
csv_bad_is(struct csv *c, size_t line, const char *reason)
{
	struct csv_row r;
	char why[200];

	return csv_next(c, &r, why, sizeof why) && r.bad && r.line == line &&
	    strstr(why, reason) != NULL;
}

START_TEST(test_csv)
{
	static const char text[] =
	    "\xef\xbb\xbf" "a,b,c\r\n"		/* 1: BOM, CRLF */
	    "\"x, y\",\"say \"\"hi\"\"\",\r\n"	/* 2: comma, "", empty */
	    "\"two\r\nlines\",k,\xe1\x9e\x9f\n"	/* 3-4: CRLF inside */
	    "\n\r\n"				/* 5, 6: empty lines */
	    "p,q\"r,s\n"				/* 7: stray quote */
	    "\"t\"u,v,w\r"				/* 8: text after quote; CR */
	    "\"e,f\xff\",g,h\n"			/* 9: not UTF-8 */
	    "last,,\n"				/* 10 */
	    "\"open,x\ny\n";				/* 11: never closed */
	struct csv c;
	struct csv_row r;
	char why[200];

	csv_init(&c, text, sizeof text - 1);
	ck_assert(csv_row_is(&c, 1, (const char *[]){ "a", "b", "c" }, 3));
	ck_assert(csv_row_is(&c, 2, (const char *[]){ "x, y", "say \"hi\"",
	    "" }, 3));
	ck_assert(csv_row_is(&c, 3, (const char *[]){ "two\r\nlines", "k",
	    "\xe1\x9e\x9f" }, 3));
	ck_assert(csv_bad_is(&c, 7, "field 2: a quote inside a field"));
	ck_assert(csv_bad_is(&c, 8, "field 1: text after its closing quote"));
	ck_assert(csv_bad_is(&c, 9, "field 1 is not valid UTF-8"));
	ck_assert(csv_row_is(&c, 10, (const char *[]){ "last", "", "" }, 3));
	ck_assert(csv_bad_is(&c, 11, "opened on line 11 is never closed"));
	ck_assert_int_eq(csv_next(&c, &r, why, sizeof why), 0);
	csv_free(&c);

	csv_init(&c, "", 0);			/* nothing: no row */
	ck_assert_int_eq(csv_next(&c, &r, why, sizeof why), 0);
	csv_free(&c);
	csv_init(&c, "a\0b,c\n", 6);		/* a NUL: not text */
	ck_assert(csv_bad_is(&c, 1, "a NUL byte"));
	csv_free(&c);
}
END_TEST

Suite *
core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core"), *kidc = tcase_create("kidc");

	tcase_add_test(tc, test_crypto_vectors);
	tcase_add_test(tc, test_argon2_isolated_signals);
	tcase_add_test(tc, test_err_quotes_itself);
	tcase_add_test(tc, test_repfile_every_byte);
	tcase_add_test(tc, test_record_round_trip);
	tcase_add_test(tc, test_record_decode_rejects_damage);
	tcase_add_test(tc, test_record_decode_random_bytes);
	tcase_add_test(tc, test_record_id);
	tcase_add_test(tc, test_verhoeff_vectors);
	tcase_add_test(tc, test_kidc_filter_rules);
	tcase_add_test(tc, test_kidc_check);
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_validation_reports_every_field);
	tcase_add_test(tc, test_validation_notbefore);
	tcase_add_test(tc, test_validation_notafter);
	tcase_add_test(tc, test_forms_table);
	tcase_add_test(tc, test_value_km);
	tcase_add_test(tc, test_normalize);
	tcase_add_test(tc, test_name_fold_and_key);
	tcase_add_test(tc, test_authz);
	tcase_add_test(tc, test_err_lines);
	tcase_add_test(tc, test_timeliness);
	tcase_add_test(tc, test_cert_code);
	tcase_add_test(tc, test_csv);
	suite_add_tcase(s, tc);
	/* A million codes: seconds, longer under AddressSanitizer. */
	tcase_set_timeout(kidc, 600);
	tcase_add_test(kidc, test_kidc_generate_million);
	tcase_add_test(kidc, test_kidc_generate_errors_caught);
	suite_add_tcase(s, kidc);
	return s;
}
