/*
 * office.c -- creating an office's store and reading who it is.
 *
 * init checks everything it was given before it creates anything, then
 * creates the directory, the databases, the office identity and the first
 * administrator in one transaction, so a failed init leaves no half-made
 * store behind that a later init would refuse to touch.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "civreg.h"

static const int office_digits[] = { 0, 6, 4, 2, 2 };

int
office_code_valid(const char *code, int level, char *why, size_t n)
{
	size_t len = strlen(code), i;

	if (level < LV_COMMUNE || level > LV_NATIONAL) {
		snprintf(why, n, "the level must be commune, district, "
		    "province or national");
		return 0;
	}
	for (i = 0; i < len; i++)
		if (code[i] < '0' || code[i] > '9')
			break;
	if (i != len || (int)len != office_digits[level]) {
		snprintf(why, n, "a %s office code is its %d-digit gazetteer "
		    "code%s", meta_level_name(level), office_digits[level],
		    level == LV_NATIONAL ? " (00)" : "");
		return 0;
	}
	if (level == LV_NATIONAL && strcmp(code, "00") != 0) {
		snprintf(why, n, "the national office code is 00");
		return 0;
	}
	return 1;
}

int
office_info(struct txn *tx, char office[OFFICE_LEN], int *level,
    struct cr_err *e)
{
	char lv[32];
	int rc;

	if ((rc = meta_get_str(tx, "office", office, OFFICE_LEN, e)) != CR_OK)
		return rc;
	if ((rc = meta_get_str(tx, "level", lv, sizeof lv, e)) != CR_OK)
		return rc;
	if ((*level = meta_level_code(lv)) == 0)
		return err_set(e, CR_ECORRUPT, "meta.db: unknown office level "
		    "'%s'", lv);
	return CR_OK;
}

static int
init_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	const struct office_init *in = arg;
	char schema[16], detail[128];
	int rc;

	snprintf(schema, sizeof schema, "%d", SCHEMA_VERSION);
	if ((rc = meta_put_str(tx, "office", in->office, e)) != CR_OK ||
	    (rc = meta_put_str(tx, "level", meta_level_name(in->level), e)) !=
	    CR_OK || (rc = meta_put_str(tx, "schema", schema, e)) != CR_OK ||
	    (rc = meta_put_u64(tx, "created", (uint64_t)cr_now(), e)) != CR_OK)
		return rc;
	if ((rc = user_create_first(tx, in->admin, in->password, e)) != CR_OK)
		return rc;
	snprintf(detail, sizeof detail, "store created for %s office %s, "
	    "administrator %s", meta_level_name(in->level), in->office,
	    in->admin);
	return audit_append(tx, in->admin, in->office, AU_INIT, "", detail, e);
}

int
office_init(const struct office_init *in, struct cr_err *e)
{
	struct store *st;
	char why[160];
	int rc;

	if (!office_code_valid(in->office, in->level, why, sizeof why))
		return err_set(e, CR_EINVAL, "office code '%s' is not valid: "
		    "%s", in->office, why);
	if (!user_name_valid(in->admin, why, sizeof why))
		return err_set(e, CR_EINVAL, "administrator name '%s' is not "
		    "valid: %s", in->admin, why);
	if (utf8_chars(in->password) < USER_MIN_PASSWORD)
		return err_set(e, CR_EINVAL, "the administrator password is "
		    "too short: use at least %d characters", USER_MIN_PASSWORD);
	if ((rc = store_open(in->dir, STORE_CREATE, &st, e)) != CR_OK)
		return rc;
	rc = store_run(st, init_txn, (void *)in, e);
	if (rc == CR_OK)
		rc = store_checkpoint(st, 1, e);
	store_close(st);
	return rc;
}
