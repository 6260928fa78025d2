/*
 * check_tui.c -- the Khmer-safe line editor: typing, moving and deleting
 * by grapheme cluster never reorders or splits a cluster.
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

static void
type(struct tedit *t, const char *utf8)
{
	wchar_t w[64];
	size_t n, i;

	n = mbstowcs(w, utf8, 64);
	ck_assert(n != (size_t)-1);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(tedit_insert(t, w[i], 0), 0);
}

static char *
text(struct tedit *t)
{
	static char out[256];
	char *s = tedit_utf8(t);

	snprintf(out, sizeof out, "%s", s);
	free(s);
	return out;
}

START_TEST(test_type_khmer)
{
	struct tedit t;

	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	tedit_init(&t);
	type(&t, "សុខ");
	ck_assert_str_eq(text(&t), "សុខ");
	ck_assert_uint_eq(t.len, 3);
	ck_assert_int_eq(tedit_width(&t, 0, t.len), 2);
	/* Clusters: សុ | ខ */
	tedit_left(&t);
	ck_assert_uint_eq(t.cur, 2);
	tedit_left(&t);
	ck_assert_uint_eq(t.cur, 0);
	tedit_right(&t);
	ck_assert_uint_eq(t.cur, 2);
	tedit_free(&t);
}
END_TEST

START_TEST(test_edit_inside_khmer_word)
{
	struct tedit t;

	setlocale(LC_CTYPE, "C.UTF-8");
	tedit_init(&t);
	type(&t, "ដារា");
	/* Spacing vowels are clusters of their own: ដ ា រ ា. */
	tedit_left(&t);
	ck_assert_uint_eq(t.cur, 3);
	type(&t, "៉");	/* U+17C9 MUUSIKATOAN, zero width, joins រ */
	ck_assert_str_eq(text(&t), "ដារ៉ា");
	tedit_left(&t);
	ck_assert_uint_eq(t.cur, 2);	/* before រ៉, not between */
	/* Backspace removes the whole cluster before the cursor... */
	tedit_set_utf8(&t, "សុខ ដារ៉ា");
	tedit_home(&t);
	tedit_right(&t);		/* after សុ */
	tedit_backspace(&t);
	ck_assert_str_eq(text(&t), "ខ ដារ៉ា");
	/* ...and delete the one after it, marks and all. */
	tedit_end(&t);
	tedit_left(&t);			/* before ា */
	tedit_left(&t);			/* before រ៉ */
	ck_assert_uint_eq(t.cur, 4);
	tedit_delete(&t);
	ck_assert_str_eq(text(&t), "ខ ដាា");
	tedit_free(&t);
}
END_TEST

START_TEST(test_coeng_cluster)
{
	struct tedit t;

	setlocale(LC_CTYPE, "C.UTF-8");
	tedit_init(&t);
	/* ស្រី: SA, COENG, RO, II: one cluster, the subscript included. */
	type(&t, "ស្រី");
	ck_assert_uint_eq(t.len, 4);
	tedit_left(&t);
	ck_assert_uint_eq(t.cur, 0);
	tedit_end(&t);
	type(&t, "ពៅ");
	tedit_left(&t);
	tedit_left(&t);
	ck_assert_uint_eq(t.cur, 4);
	tedit_backspace(&t);
	ck_assert_str_eq(text(&t), "ពៅ");
	tedit_free(&t);
}
END_TEST

START_TEST(test_latin_and_limits)
{
	struct tedit t;
	int i;

	setlocale(LC_CTYPE, "C.UTF-8");
	tedit_init(&t);
	type(&t, "Sok");
	tedit_home(&t);
	type(&t, "X");
	ck_assert_str_eq(text(&t), "XSok");
	ck_assert_int_eq(tedit_insert(&t, L'\t', 0), -1);	/* no controls */
	for (i = 0; i < 10; i++)
		tedit_insert(&t, L'a', 6);
	ck_assert_uint_eq(t.len, 6);
	tedit_kill(&t);
	ck_assert_str_eq(text(&t), "");
	tedit_backspace(&t);
	tedit_delete(&t);
	ck_assert_uint_eq(t.len, 0);
	tedit_free(&t);
}
END_TEST

START_TEST(test_scroll)
{
	struct tedit t;

	setlocale(LC_CTYPE, "C.UTF-8");
	tedit_init(&t);
	tedit_set_utf8(&t, "សុខ ដារ៉ា សុខ ដារ៉ា");
	tedit_scroll(&t, 5);
	ck_assert_int_lt(tedit_width(&t, t.off, t.cur), 5);
	/* The first shown character always starts a cluster. */
	ck_assert_uint_eq(tedit_prev(&t, tedit_next(&t, t.off)), t.off);
	tedit_home(&t);
	tedit_scroll(&t, 5);
	ck_assert_uint_eq(t.off, 0);
	tedit_free(&t);
}
END_TEST

Suite *
tui_suite(void)
{
	Suite *s = suite_create("tui-edit");
	TCase *tc = tcase_create("edit");

	tcase_add_test(tc, test_type_khmer);
	tcase_add_test(tc, test_edit_inside_khmer_word);
	tcase_add_test(tc, test_coeng_cluster);
	tcase_add_test(tc, test_latin_and_limits);
	tcase_add_test(tc, test_scroll);
	suite_add_tcase(s, tc);
	return s;
}
