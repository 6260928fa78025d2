/*
 * office.c -- creating an office's store and reading who it is.
 *
 * init checks everything it was given before it creates anything, then
 * creates the directory, the databases, the office identity, its keys
 * (keys.c) and the first administrator in one transaction, so a failed
 * init leaves no half-made store behind that a later init would refuse
 * to touch.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdlib.h>
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

/* An office code of any level: 2, 4 or 6 digits (00: national). */
int
office_code_shape(const char *code)
{
	size_t n = strspn(code, "0123456789");

	return code[n] == '\0' && (n == 2 || n == 4 || n == 6);
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
	if ((rc = meta_get_str(tx, "schema", lv, sizeof lv, e)) != CR_OK)
		return rc;
	if (atoi(lv) != SCHEMA_VERSION)
		return err_set(e, CR_EDB, "this store has schema version %s; "
		    "this civreg knows version %d: use the civreg release that "
		    "matches the store", lv, SCHEMA_VERSION);
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
	    (rc = meta_put_u64(tx, "created", (uint64_t)cr_now(), e)) != CR_OK ||
	    (rc = meta_put_u64(tx, "index.name", INDEX_NAME_VERSION, e)) !=
	    CR_OK)
		return rc;
	if ((rc = user_create_first(tx, in->admin, in->password, e)) != CR_OK)
		return rc;
	/* The office's keys and self-signed certificate (keys.c). */
	if ((rc = keys_generate(tx, in->office, in->level, e)) != CR_OK)
		return rc;
	snprintf(detail, sizeof detail, "store created for %s office %s, "
	    "administrator %s", meta_level_name(in->level), in->office,
	    in->admin);
	return audit_append(tx, in->admin, in->office, AU_INIT, "", detail, e);
}

/*
 * A failed init removes what it made (the directory was new or empty,
 * st_check_dir saw to that), so that it can simply be run again.
 */
static void
unmake(const char *dir, int existed)
{
	char path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	if (!existed)
		rmdir(dir);
}

int
office_init(const struct office_init *in, struct cr_err *e)
{
	struct store *st;
	struct stat sb;
	char why[160];
	int rc, existed;

	if (!office_code_valid(in->office, in->level, why, sizeof why))
		return err_set(e, CR_EINVAL, "office code '%s' is not valid: "
		    "%s", in->office, why);
	if (!user_name_valid(in->admin, why, sizeof why))
		return err_set(e, CR_EINVAL, "administrator name '%s' is not "
		    "valid: %s", in->admin, why);
	if (user_password_ok(in->password, e) != CR_OK)
		return e->code;
	existed = stat(in->dir, &sb) == 0;
	if ((rc = store_open(in->dir, STORE_CREATE, &st, e)) != CR_OK) {
		/*
		 * CR_EEXIST comes only from the directory check (a file, a
		 * store, a directory not empty, or one made meanwhile by
		 * someone else): not ours, so left alone.  Any other failure
		 * is mkdir's (no directory: nothing to do) or came after the
		 * check (the environment or a database could not be made:
		 * disk full, no permission), and what was made is removed.
		 */
		if (rc != CR_EEXIST)
			unmake(in->dir, existed);
		return rc;
	}
	rc = store_run(st, init_txn, (void *)in, e);
	if (rc == CR_OK)
		rc = store_checkpoint(st, 1, e);
	store_close(st);
	if (rc != CR_OK)
		unmake(in->dir, existed);
	return rc;
}
