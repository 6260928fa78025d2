/*
 * check_match.c -- unit tests of the record-matching engine (src/match.c):
 * the comparators on published values, the agreement levels (dates with
 * their tolerances, codes, names swapped, Khmer by code point), sound
 * keys, then whole runs on small made-up registers of Khmer names: the
 * duplicates are found, the near misses (twins, a father and his son)
 * are not, linkage pairs only across the two files, EM ends with m > u,
 * the guards (block size, cluster size, schema) hold, and two threads
 * give what one gives.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

#define NEAR(x, want) ck_assert_msg((x) > (want) - 0.001 && \
	(x) < (want) + 0.001, "%s = %.4f, want %.3f", #x, (x), (want))

START_TEST(test_jaro_winkler_published)
{
	/* Winkler (1990), also in Christen's "Data Matching" */
	NEAR(match_jaro_winkler("MARTHA", "MARHTA"), 0.961);
	NEAR(match_jaro_winkler("DWAYNE", "DUANE"), 0.840);
	NEAR(match_jaro_winkler("DIXON", "DICKSONX"), 0.813);
	NEAR(match_jaro_winkler("JONES", "JONES"), 1.0);
	NEAR(match_jaro_winkler("", ""), 1.0);
	NEAR(match_jaro_winkler("ABC", ""), 0.0);
	NEAR(match_jaro_winkler("ABC", "XYZ"), 0.0);
}
END_TEST

START_TEST(test_comparators_code_points)
{
	/* Khmer letters are 3 bytes each; the comparators must see one
	 * unit per code point, i.e. give what the same shapes of Latin
	 * letters give. */
	double k = match_jaro_winkler("សុខា", "សខុា");
	double l = match_jaro_winkler("abcd", "acbd");

	NEAR(k, l);
	ck_assert_int_eq(match_edit_distance("សុខា", "សខុា"), 1);
	ck_assert_int_eq(match_edit_distance("ដារ៉ា", "ដារា"), 1);
	ck_assert_int_eq(match_edit_distance("kitten", "sitting"), 3);
	ck_assert_int_eq(match_edit_distance("ca", "ac"), 1);
	ck_assert_int_eq(match_edit_distance("", "abc"), 3);
	ck_assert_int_eq(match_edit_distance("abc", "abc"), 0);
}
END_TEST

START_TEST(test_levels_names_text_codes)
{
	ck_assert_int_eq(match_level(MATCH_NAME, "jonathan", "Jonathan", 5), 0);
	ck_assert_int_eq(match_level(MATCH_NAME, "jonathan", "jonathon", 5), 1);
	ck_assert_int_eq(match_level(MATCH_NAME, "sok dara", "dara sok", 5), 1);
	ck_assert_int_eq(match_level(MATCH_NAME, "jonathan", "xu", 5), 3);
	ck_assert_int_eq(match_level(MATCH_NAME, "jonathan", "", 5),
	    MATCH_MISSING);
	ck_assert_int_eq(match_level(MATCH_NAME, NULL, "x", 5), MATCH_MISSING);
	ck_assert_int_eq(match_level(MATCH_NAME, "សុខ ដារ៉ា", "សុខ ដារា", 5), 1);
	/* text: spaces do not count */
	ck_assert_int_eq(match_level(MATCH_TEXT, "brentwoo dvlge",
	    "brentwood vlge", 5), 0);
	ck_assert_int_eq(match_level(MATCH_TEXT, "merewether public school",
	    "merewether pufblic school", 5), 1);
	ck_assert_int_eq(match_level(MATCH_TEXT, "wallaby place",
	    "hoseason street", 5), 3);
	/* codes: one typo or swap is close, two is far-ish, more is far */
	ck_assert_int_eq(match_level(MATCH_CODE, "1030769", "1030769", 5), 0);
	ck_assert_int_eq(match_level(MATCH_CODE, "1030769", "1030796", 5), 1);
	ck_assert_int_eq(match_level(MATCH_CODE, "1030769", "1031769", 5), 1);
	ck_assert_int_eq(match_level(MATCH_CODE, "1030769", "1130768", 5), 2);
	ck_assert_int_eq(match_level(MATCH_CODE, "1030769", "5524380", 5), 3);
	ck_assert_int_eq(match_level(MATCH_CODE, "1234 5678", "1234-5678", 5),
	    0);
	ck_assert_int_eq(match_level(MATCH_CAT, "m", "m", 5), 0);
	ck_assert_int_eq(match_level(MATCH_CAT, "m", "f", 5), 1);
	ck_assert_int_eq(match_nlevels(MATCH_CAT), 2);
	ck_assert_int_eq(match_nlevels(MATCH_NAME), 4);
}
END_TEST

START_TEST(test_levels_dates)
{
	/* the same date written two ways */
	ck_assert_int_eq(match_level(MATCH_DATE, "19770501", "1977-05-01", 5), 0);
	/* day and month swapped */
	ck_assert_int_eq(match_level(MATCH_DATE, "19770501", "19770105", 5), 1);
	/* one digit wrong, even into an impossible month */
	ck_assert_int_eq(match_level(MATCH_DATE, "19161017", "19160017", 5), 1);
	ck_assert_int_eq(match_level(MATCH_DATE, "19161017", "19161027", 5), 1);
	/* two neighbouring digits swapped */
	ck_assert_int_eq(match_level(MATCH_DATE, "19770501", "19770510", 5), 1);
	/* a few days apart across a month end: close only by tolerance */
	ck_assert_int_eq(match_level(MATCH_DATE, "1977-04-30", "1977-05-02", 5), 1);
	ck_assert_int_eq(match_level(MATCH_DATE, "1977-04-30", "1977-05-02", 0), 3);
	ck_assert_int_eq(match_level(MATCH_DATE, "1999-12-30", "2000-01-02", 5), 1);
	/* ten days apart in one month: only year and month agree */
	ck_assert_int_eq(match_level(MATCH_DATE, "1977-05-01", "1977-05-14", 5), 2);
	ck_assert_int_eq(match_level(MATCH_DATE, "1977-05-01", "1988-12-24", 5), 3);
	ck_assert_int_eq(match_level(MATCH_DATE, "", "1988-12-24", 5),
	    MATCH_MISSING);
	/* a year alone against a full date is not a one-digit typo */
	ck_assert_int_eq(match_level(MATCH_DATE, "1977", "19770501", 5), 3);
}
END_TEST

START_TEST(test_phonetic)
{
	char a[32], b[32];

	match_phonetic("catherine", a, sizeof a);
	match_phonetic("katherine", b, sizeof b);
	ck_assert_str_eq(a, b);
	match_phonetic("smith", a, sizeof a);
	match_phonetic("Smyth", b, sizeof b);
	ck_assert_str_eq(a, b);
	match_phonetic("smith", a, sizeof a);
	match_phonetic("jones", b, sizeof b);
	ck_assert_str_ne(a, b);
	/* Khmer: the consonant skeleton, vowel signs and marks left out */
	match_phonetic("ដារ៉ា", a, sizeof a);
	match_phonetic("ដារា", b, sizeof b);
	ck_assert_str_eq(a, b);
	match_phonetic("សុខ", a, sizeof a);
	ck_assert_str_ne(a, b);
	match_phonetic("anything", a, 1);
	ck_assert_str_eq(a, "");
}
END_TEST

/* --------------------------------------------------- a made-up register */

enum { T_FAMILY, T_GIVEN, T_DOB, T_SEX, T_PLACE, T_VILLAGE, T_MOTHER,
	T_KIDC, T_NF };

static const struct match_field t_fields[T_NF] = {
	{ "family_km", MATCH_NAME, T_GIVEN, 0 },
	{ "given_km", MATCH_NAME, T_FAMILY, 0 },
	{ "date_of_birth", MATCH_DATE, -1, 0 },
	{ "sex", MATCH_CAT, -1, 0 },
	{ "place", MATCH_CODE, -1, 1 },
	{ "village", MATCH_TEXT, -1, 1 },
	{ "mother_km", MATCH_NAME, -1, 0 },
	{ "kidc", MATCH_CODE, -1, 0 },
};

static const struct match_pass t_passes[] = {
	{ 1, { { T_KIDC, MATCH_KEY_EXACT, 0 } } },
	{ 1, { { T_DOB, MATCH_KEY_EXACT, 0 } } },
	{ 1, { { T_FAMILY, MATCH_KEY_PAIR, 0 } } },
	{ 2, { { T_GIVEN, MATCH_KEY_TOKENS, 0 },
	       { T_DOB, MATCH_KEY_YEAR, 0 } } },
	{ 2, { { T_MOTHER, MATCH_KEY_PHONETIC, 0 },
	       { T_PLACE, MATCH_KEY_EXACT, 0 } } },
};

static const struct match_schema t_schema = {
	t_fields, T_NF, t_passes, sizeof t_passes / sizeof t_passes[0]
};

struct trow {
	char	f[T_NF][96];
	int	ent;
};

struct tgen {
	uint64_t	s;
};

static unsigned
tr(struct tgen *g, unsigned n)
{
	g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(g->s >> 33) % n;
}

static const char *const t_family[] = { "សុខ", "ចាន់", "គឹម", "ហេង",
	"លី", "ម៉ៅ", "ស៊ុន", "ឈឹម", "ញឹម", "ភួង", "ទេព", "អ៊ុក", "ជា",
	"សេង", "យឹម", "ពៅ" };
static const char *const t_given1[] = { "ដារ៉ា", "សុភា", "វណ្ណា", "ស្រីនាង",
	"ពិសិដ្ឋ", "រតនា", "សុខា", "ចន្ធូ", "បុប្ផា", "វិចិត្រ", "សំណាង",
	"ធីតា", "មករា", "កញ្ញា", "ប៊ុនថន", "សុវណ្ណ", "ចំរើន", "នារី",
	"ពន្លក", "រស្មី" };
static const char *const t_given2[] = { "", "", "", "មុនី", "រដ្ឋា",
	"ស្រីពៅ", "វាសនា", "ពេជ្រ" };
static const char *const t_village[] = { "ភូមិថ្មី", "ព្រែកលៀប",
	"ទួលគោក", "ស្វាយប៉ាក", "ក្រាំងធ្នង់", "ចំការដូង", "ព្រៃវែង",
	"អូរឫស្សី" };

static void
t_person(struct tgen *g, struct trow *r, int ent)
{
	const char *g2 = t_given2[tr(g, 8)];

	memset(r, 0, sizeof *r);
	r->ent = ent;
	snprintf(r->f[T_FAMILY], 96, "%s", t_family[tr(g, 16)]);
	snprintf(r->f[T_GIVEN], 96, "%s%s%s", t_given1[tr(g, 20)],
	    *g2 ? " " : "", g2);
	snprintf(r->f[T_DOB], 96, "%04u-%02u-%02u", 1950 + tr(g, 70),
	    1 + tr(g, 12), 1 + tr(g, 28));
	snprintf(r->f[T_SEX], 96, "%s", tr(g, 2) ? "male" : "female");
	snprintf(r->f[T_PLACE], 96, "12%02u%02u", 1 + tr(g, 12), 1 + tr(g, 9));
	snprintf(r->f[T_VILLAGE], 96, "%s", t_village[tr(g, 8)]);
	snprintf(r->f[T_MOTHER], 96, "%s %s", t_family[tr(g, 16)],
	    t_given1[tr(g, 20)]);
	snprintf(r->f[T_KIDC], 96, "%011u%u", tr(g, 1000000000), tr(g, 10));
}

/* A brother or sister of r: the same family name, mother and home. */
static void
t_sibling(struct tgen *g, const struct trow *r, struct trow *s, int ent)
{
	t_person(g, s, ent);
	memcpy(s->f[T_FAMILY], r->f[T_FAMILY], 96);
	memcpy(s->f[T_MOTHER], r->f[T_MOTHER], 96);
	memcpy(s->f[T_PLACE], r->f[T_PLACE], 96);
	memcpy(s->f[T_VILLAGE], r->f[T_VILLAGE], 96);
}

/* Drop the code point at a random place (a vowel sign lost, a letter). */
static void
t_drop_char(struct tgen *g, char *s)
{
	size_t n = strlen(s), i = 0, k, pos[96], np = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			pos[np++] = i;
	if (np < 3)
		return;
	k = 1 + tr(g, (unsigned)np - 1);
	i = pos[k];
	for (k = i + 1; k < n && ((unsigned char)s[k] & 0xc0) == 0x80; k++)
		;
	memmove(s + i, s + k, n - k + 1);
}

/* A corrupted copy: each duplicate has two of these. */
static void
t_corrupt(struct tgen *g, struct trow *r, unsigned kind)
{
	char tmp[96];
	unsigned y, m, d;

	switch (kind % 7) {
	case 0:
		t_drop_char(g, r->f[T_GIVEN]);
		break;
	case 1:
		memcpy(tmp, r->f[T_FAMILY], 96);
		memcpy(r->f[T_FAMILY], r->f[T_GIVEN], 96);
		memcpy(r->f[T_GIVEN], tmp, 96);
		break;
	case 2:
		if (sscanf(r->f[T_DOB], "%u-%u-%u", &y, &m, &d) == 3 && d <= 12)
			snprintf(r->f[T_DOB], 96, "%04u-%02u-%02u", y, d, m);
		else
			r->f[T_DOB][9] = r->f[T_DOB][9] == '1' ? '2' : '1';
		break;
	case 3:
		r->f[T_KIDC][0] = '\0';
		break;
	case 4:
		tmp[0] = r->f[T_KIDC][3];
		r->f[T_KIDC][3] = r->f[T_KIDC][4];
		r->f[T_KIDC][4] = tmp[0];
		break;
	case 5:		/* moved to another commune */
		snprintf(r->f[T_PLACE], 96, "13%02u%02u", 1 + tr(g, 12),
		    1 + tr(g, 9));
		snprintf(r->f[T_VILLAGE], 96, "%s", t_village[tr(g, 8)]);
		break;
	default:
		t_drop_char(g, r->f[T_MOTHER]);
		break;
	}
}

static uint32_t
t_add(struct match_set *m, int src, const struct trow *r)
{
	const char *v[T_NF];
	int f;

	for (f = 0; f < T_NF; f++)
		v[f] = r->f[f];
	return match_add(m, src, v);
}

/* npersons people, one in three a sibling of the one before, each
 * every-th with a corrupted duplicate next to it; entities in *ent
 * (allocated). */
static struct match_set *
t_register(int npersons, int every, uint64_t seed, int **ent, size_t *n)
{
	struct tgen g = { seed };
	struct match_set *m = match_new(&t_schema, 0);
	struct trow r, d, prev;
	int i;

	*ent = malloc(sizeof **ent * (size_t)(npersons * 2 + 8));
	*n = 0;
	for (i = 0; i < npersons; i++) {
		if (i % 3 == 1)
			t_sibling(&g, &prev, &r, i);
		else
			t_person(&g, &r, i);
		prev = r;
		t_add(m, 0, &r);
		(*ent)[(*n)++] = i;
		if (i % every == 0) {
			d = r;
			t_corrupt(&g, &d, (unsigned)i / (unsigned)every);
			t_corrupt(&g, &d, (unsigned)i / (unsigned)every + 3);
			t_add(m, 0, &d);
			(*ent)[(*n)++] = i;
		}
	}
	return m;
}

static int
t_flagged(const struct match_result *res, uint32_t a, uint32_t b)
{
	size_t i;

	for (i = 0; i < res->npairs; i++)
		if ((res->pairs[i].a == a && res->pairs[i].b == b) ||
		    (res->pairs[i].a == b && res->pairs[i].b == a))
			return 1;
	return 0;
}

START_TEST(test_dedup_finds_duplicates_not_near_misses)
{
	struct match_set *m;
	struct match_result res;
	struct match_opts o;
	struct trow twin1, twin2, father, son;
	struct tgen g = { 99 };
	uint32_t t1, t2, fa, so;
	size_t n, i, tp = 0, truth = 0, ndup;
	int *ent;

	m = t_register(400, 5, 1, &ent, &n);
	ndup = n - 400;
	/* twins: siblings born the same day */
	t_person(&g, &twin1, -1);
	t_sibling(&g, &twin1, &twin2, -1);
	memcpy(twin2.f[T_DOB], twin1.f[T_DOB], 96);
	snprintf(twin2.f[T_GIVEN], 96, "%s", "សំណាង");
	snprintf(twin1.f[T_GIVEN], 96, "%s", "ធីតា");
	t1 = t_add(m, 0, &twin1);
	t2 = t_add(m, 0, &twin2);
	/* a father and his son named after him, 28 years apart */
	t_person(&g, &father, -2);
	son = father;
	snprintf(son.f[T_DOB], 96, "%s", "2001-03-14");
	snprintf(father.f[T_DOB], 96, "%s", "1973-08-02");
	snprintf(son.f[T_KIDC], 96, "%s", "77123450981");
	snprintf(son.f[T_MOTHER], 96, "%s", "ញឹម ចន្ធូ");
	fa = t_add(m, 0, &father);
	so = t_add(m, 0, &son);

	match_opts_default(&o);
	ck_assert_int_eq(match_run(m, &o, &res), 0);
	for (i = 0; i < res.npairs; i++) {
		ck_assert_uint_lt(res.pairs[i].a, res.pairs[i].b);
		ck_assert(res.pairs[i].posterior >= 0.5);
		if (res.pairs[i].a < n && res.pairs[i].b < n &&
		    ent[res.pairs[i].a] == ent[res.pairs[i].b])
			tp++;
	}
	for (i = 0; i + 1 < n; i++)
		if (ent[i] == ent[i + 1])
			truth++;
	ck_assert_uint_eq(truth, ndup);
	ck_assert_msg(tp == truth, "found %zu of %zu duplicates", tp, truth);
	ck_assert_msg(res.npairs <= tp + 2, "%zu flagged, %zu right",
	    res.npairs, tp);
	ck_assert_msg(!t_flagged(&res, t1, t2), "twins flagged");
	ck_assert_msg(!t_flagged(&res, fa, so), "father and son flagged");
	ck_assert(res.cluster[t1] != res.cluster[t2]);
	ck_assert(res.cluster[fa] != res.cluster[so]);
	/* every duplicate shares its original's cluster */
	for (i = 0; i + 1 < n; i++)
		if (ent[i] == ent[i + 1])
			ck_assert_uint_eq(res.cluster[i], res.cluster[i + 1]);
	/* the representative is the smallest record of the cluster */
	for (i = 0; i < match_count(m); i++)
		ck_assert_uint_le(res.cluster[i], i);
	match_result_free(&res);
	match_free(m);
	free(ent);
}
END_TEST

START_TEST(test_em_learns_m_above_u)
{
	struct match_set *m;
	struct match_result res;
	size_t n, f;
	int *ent, last;

	m = t_register(400, 4, 2, &ent, &n);
	ck_assert_int_eq(match_run(m, NULL, &res), 0);
	ck_assert(res.converged);
	ck_assert_int_gt(res.iterations, 1);
	ck_assert(res.p > 0.01 && res.p < 0.9);
	ck_assert_uint_gt(res.candidates, n - 400);
	for (f = 0; f < T_NF; f++) {
		if (res.nlevels[f] == 0) {	/* inside a group */
			ck_assert_int_gt(t_fields[f].group, 0);
			continue;
		}
		last = res.nlevels[f] - 1;
		ck_assert_msg(res.m[f][0] > res.u[f][0],
		    "%s: m %.3f <= u %.3f agreeing", t_fields[f].name,
		    res.m[f][0], res.u[f][0]);
		ck_assert_msg(res.m[f][last] < res.u[f][last],
		    "%s: m %.3f >= u %.3f disagreeing", t_fields[f].name,
		    res.m[f][last], res.u[f][last]);
	}
	/* p is the share of true matches among the candidates */
	{
		struct match_opts o;
		struct match_result all;
		double share = 0;

		match_opts_default(&o);
		o.threshold = 0;	/* every candidate */
		o.closure = 0;
		ck_assert_int_eq(match_run(m, &o, &all), 0);
		ck_assert_uint_eq(all.npairs, res.candidates);
		for (f = 0; f < all.npairs; f++)
			share += ent[all.pairs[f].a] == ent[all.pairs[f].b];
		share /= (double)all.npairs;
		ck_assert_msg(res.p > share - 0.03 && res.p < share + 0.03,
		    "EM p %.3f, true share %.3f", res.p, share);
		match_result_free(&all);
	}
	/* exact agreement on the identity code weighs most */
	ck_assert(res.m[T_KIDC][0] / res.u[T_KIDC][0] >
	    res.m[T_SEX][0] / res.u[T_SEX][0]);
	/* weights: sum of log2(m/u), higher for better posteriors */
	for (f = 1; f < res.npairs; f++)
		if (res.pairs[f].weight > res.pairs[f - 1].weight)
			ck_assert(res.pairs[f].posterior >=
			    res.pairs[f - 1].posterior);
	match_result_free(&res);
	match_free(m);
	free(ent);
}
END_TEST

START_TEST(test_linkage_two_files)
{
	struct match_set *m = match_new(&t_schema, 1);
	struct match_result res;
	struct match_opts o;
	struct tgen g = { 5 };
	static struct trow people[300];
	struct trow r, d;
	int ent[1000], src[1000];
	size_t n = 0, i, tp = 0;
	int p;

	/* file A: 300 people, one of them entered twice; file B: a
	 * corrupted copy of every other one of them, and 150 strangers */
	for (p = 0; p < 300; p++) {
		t_person(&g, &people[p], p);
		ent[n] = p;
		src[n++] = 0;
		t_add(m, 0, &people[p]);
		if (p == 8) {
			ent[n] = p;
			src[n++] = 0;
			t_add(m, 0, &people[p]);
		}
	}
	for (p = 0; p < 300; p += 2) {
		d = people[p];
		t_corrupt(&g, &d, (unsigned)p / 2);
		ent[n] = p;
		src[n++] = 1;
		t_add(m, 1, &d);
	}
	for (p = 0; p < 150; p++) {
		t_person(&g, &r, 1000 + p);
		ent[n] = 1000 + p;
		src[n++] = 1;
		t_add(m, 1, &r);
	}
	match_opts_default(&o);
	ck_assert_int_eq(match_run(m, &o, &res), 0);
	for (i = 0; i < res.npairs; i++) {
		/* never two records of one file */
		ck_assert_int_ne(src[res.pairs[i].a], src[res.pairs[i].b]);
		tp += ent[res.pairs[i].a] == ent[res.pairs[i].b];
	}
	/* 150 copies, the one of person 8 linked to both its entries */
	ck_assert_msg(tp == 151, "linked %zu of 151", tp);
	ck_assert_uint_le(res.npairs, tp + 2);
	match_result_free(&res);

	/* one to one: a record of A in one pair at most */
	o.one_to_one = 1;
	o.closure = 0;
	ck_assert_int_eq(match_run(m, &o, &res), 0);
	ck_assert(res.cluster == NULL);
	for (i = 1; i < res.npairs; i++) {
		size_t j;
		for (j = 0; j < i; j++) {
			ck_assert_uint_ne(res.pairs[i].a, res.pairs[j].a);
			ck_assert_uint_ne(res.pairs[i].b, res.pairs[j].b);
		}
	}
	match_result_free(&res);
	match_free(m);
}
END_TEST

START_TEST(test_threads_same_result)
{
	struct match_set *m;
	struct match_result r1, r2;
	struct match_opts o;
	size_t n, i;
	int *ent;

	m = t_register(3000, 3, 3, &ent, &n);
	match_opts_default(&o);
	o.threads = 1;
	ck_assert_int_eq(match_run(m, &o, &r1), 0);
	o.threads = 2;
	ck_assert_int_eq(match_run(m, &o, &r2), 0);
	ck_assert_uint_ge(r1.candidates, 10000);	/* threads used */
	ck_assert_uint_eq(r1.npairs, r2.npairs);
	ck_assert_uint_gt(r1.npairs, 900);
	for (i = 0; i < r1.npairs; i++) {
		ck_assert_uint_eq(r1.pairs[i].a, r2.pairs[i].a);
		ck_assert_uint_eq(r1.pairs[i].b, r2.pairs[i].b);
		ck_assert(r1.pairs[i].weight == r2.pairs[i].weight);
	}
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(r1.cluster[i], r2.cluster[i]);
	match_result_free(&r1);
	match_result_free(&r2);
	match_free(m);
	free(ent);
}
END_TEST

static const struct match_field g_fields[] = {
	{ "name", MATCH_NAME, -1, 0 },
	{ "date", MATCH_DATE, -1, 0 },
	{ "code", MATCH_CODE, -1, 0 },
};
static const struct match_pass g_passes[] = {
	{ 1, { { 1, MATCH_KEY_EXACT, 0 } } },
};
static const struct match_schema g_schema = { g_fields, 3, g_passes, 1 };

START_TEST(test_guards)
{
	static const struct match_field bad_fields[] = {
		{ "a", MATCH_NAME, 1, 0 },
		{ "b", MATCH_NAME, -1, 0 },	/* partner not returned */
	};
	static const struct match_schema bad = { bad_fields, 2, g_passes, 1 };
	static const struct match_schema nopass = { g_fields, 3, NULL, 0 };
	struct match_set *m;
	struct match_result res;
	struct match_opts o;
	char name[32], code[32];
	const char *v[3];
	int i;

	/* a block bigger than max_block is skipped, not compared */
	m = match_new(&g_schema, 0);
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof name, "person%c%c", 'a' + i % 26,
		    'a' + i / 26);
		snprintf(code, sizeof code, "%07d", i * 7919);
		v[0] = name;
		v[1] = "2000-01-01";
		v[2] = code;
		match_add(m, 0, v);
	}
	match_opts_default(&o);
	o.max_block = 20;
	ck_assert_int_eq(match_run(m, &o, &res), 0);
	ck_assert_uint_eq(res.blocks_skipped, 1);
	ck_assert_uint_eq(res.candidates, 0);
	ck_assert_uint_eq(res.npairs, 0);
	match_result_free(&res);
	o.max_block = 30;
	ck_assert_int_eq(match_run(m, &o, &res), 0);
	ck_assert_uint_eq(res.blocks_skipped, 0);
	ck_assert_uint_eq(res.candidates, 30 * 29 / 2);
	match_result_free(&res);
	match_free(m);

	/* a chain of near copies: clusters stop at max_cluster */
	m = match_new(&g_schema, 0);
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "x%03d", i);
		snprintf(code, sizeof code, "%07d", i * 7919 % 10000000);
		v[0] = i < 100 ? "chain person" : name;
		v[1] = i < 100 ? "1990-02-03" : "1990-02-04";
		v[2] = i < 100 ? "1234567" : code;
		match_add(m, 0, v);
	}
	o.max_block = 200;
	o.max_cluster = 10;
	ck_assert_int_eq(match_run(m, &o, &res), 0);
	ck_assert_uint_gt(res.clusters_refused, 0);
	{
		int cnt[200] = { 0 };
		for (i = 0; i < 200; i++)
			cnt[res.cluster[i]]++;
		for (i = 0; i < 200; i++)
			ck_assert_int_le(cnt[i], 10);
	}
	match_result_free(&res);
	match_free(m);

	m = match_new(&bad, 0);
	ck_assert_int_eq(match_run(m, NULL, &res), -1);
	ck_assert_uint_eq(res.npairs, 0);
	match_result_free(&res);
	match_free(m);
	m = match_new(&nopass, 0);
	ck_assert_int_eq(match_run(m, NULL, &res), -1);
	match_result_free(&res);
	match_free(m);
}
END_TEST

START_TEST(test_compare_explains_swap)
{
	struct match_set *m = match_new(&t_schema, 0);
	struct trow r, d;
	struct tgen g = { 11 };
	struct match_opts o;
	int lv[T_NF];
	uint32_t a, b;

	t_person(&g, &r, 0);
	d = r;
	t_corrupt(&g, &d, 1);		/* family and given swapped */
	a = t_add(m, 0, &r);
	b = t_add(m, 0, &d);
	match_opts_default(&o);
	match_compare(m, &o, a, b, lv);
	ck_assert_int_eq(lv[T_FAMILY], 0);
	ck_assert_int_eq(lv[T_GIVEN], 0);
	ck_assert_int_eq(lv[T_DOB], 0);
	match_free(m);
}
END_TEST

Suite *
match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("match");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_jaro_winkler_published);
	tcase_add_test(tc, test_comparators_code_points);
	tcase_add_test(tc, test_levels_names_text_codes);
	tcase_add_test(tc, test_levels_dates);
	tcase_add_test(tc, test_phonetic);
	tcase_add_test(tc, test_dedup_finds_duplicates_not_near_misses);
	tcase_add_test(tc, test_em_learns_m_above_u);
	tcase_add_test(tc, test_linkage_two_files);
	tcase_add_test(tc, test_threads_same_result);
	tcase_add_test(tc, test_guards);
	tcase_add_test(tc, test_compare_explains_swap);
	suite_add_tcase(s, tc);
	return s;
}
