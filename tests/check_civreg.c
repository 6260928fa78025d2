/*
 * check_civreg.c -- runs the unit test suites, and holds their helpers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"

char *
t_store_new(void)
{
	struct office_init in;
	struct session admin;
	struct cr_err e;
	char tmpl[] = "/tmp/civreg-test-XXXXXX", *dir;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	dir = malloc(strlen(tmpl) + 8);
	sprintf(dir, "%s/store", tmpl);
	memset(&in, 0, sizeof in);
	in.dir = dir;
	in.office = "120101";
	in.level = LV_COMMUNE;
	in.admin = "admin";
	in.password = T_ADMIN_PW;
	err_clear(&e);
	ck_assert_int_eq(crypto_init(&e), CR_OK);
	ck_assert_msg(office_init(&in, &e) == CR_OK, "%s", e.msg);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	t_add_user(&admin, "clerk", ROLE_CLERK, T_CLERK_PW);
	store_close(admin.store);
	return dir;
}

void
t_store_remove(char *dir)
{
	char cmd[4200];

	/* dir is .../civreg-test-XXXXXX/store: remove the parent too. */
	snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strrchr(dir, '/') -
	    dir), dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

void
t_login(const char *dir, const char *user, const char *pw, struct session *s)
{
	struct store *st;
	struct cr_err e;

	err_clear(&e);
	ck_assert_int_eq(crypto_init(&e), CR_OK);
	ck_assert_msg(store_open(dir, 0, &st, &e) == CR_OK, "%s", e.msg);
	ck_assert_msg(user_login(st, user, pw, s, &e) == CR_OK, "%s", e.msg);
}

void
t_add_user(struct session *admin, const char *name, int role, const char *pw)
{
	struct cr_err e;

	err_clear(&e);
	ck_assert_msg(user_add(admin, name, role, "", pw, &e) == CR_OK, "%s",
	    e.msg);
}

int
t_declare_birth(struct session *s, const char *name_km,
    const char *name_latin, char id[REC_IDLEN], struct cr_err *e)
{
	struct kv kv[] = {
		{ "name_km", (char *)name_km },
		{ "name_latin", (char *)name_latin },
		{ "sex", "female" },
		{ "date_of_birth", "2026-10-01" },
		{ "place_of_birth", "120101" },
		{ "place_type", "home" },
		{ "attendant", "midwife" },
		{ "birth_type", "single" },
		{ "mother_name_km", "ចាន់ សុភា" },
		{ "mother_date_of_birth", "1990-01-31" },
		{ "mother_nationality", "Khmer" },
		{ "mother_residence", "120101" },
		{ "informant_name", "ចាន់ សុភា" },
		{ "informant_relationship", "mother" },
	};

	return regist_declare(s, "birth", kv, sizeof kv / sizeof kv[0], id, e);
}

int
main(void)
{
	SRunner *sr;
	int failed;

	setenv("CIVREG_NOW", "2026-11-22T10:00:00", 1);
	sr = srunner_create(core_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, tui_suite());
	srunner_add_suite(sr, match_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
