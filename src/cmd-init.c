/*
 * cmd-init.c -- `civreg init`: create an office's store.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

int
cmd_init(struct cli *c)
{
	static const struct option opts[] = {
		{ "office", required_argument, NULL, 'o' },
		{ "level", required_argument, NULL, 'l' },
		{ "admin", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct office_init in;
	struct cr_err e;
	char pw[256];
	const char *level = NULL;
	int ch, rc;

	memset(&in, 0, sizeof in);
	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'o':
			in.office = optarg;
			break;
		case 'l':
			level = optarg;
			break;
		case 'a':
			in.admin = optarg;
			break;
		default:
			return cli_usage("init");
		}
	if (optind != c->argc || !in.office || !level || !in.admin)
		return cli_usage("init");
	err_clear(&e);
	if ((in.level = meta_level_code(level)) == 0) {
		err_set(&e, CR_EUSAGE, "unknown level '%s': use commune, "
		    "district, province or national", level);
		return cli_fail(&e);
	}
	in.dir = c->dir ? c->dir : getenv("CIVREG_DIR");
	if (in.dir == NULL || *in.dir == '\0') {
		err_set(&e, CR_EUSAGE, "init needs a directory: give -d DIR or "
		    "set CIVREG_DIR");
		return cli_fail(&e);
	}
	if (crypto_init(&e) != CR_OK || cli_read_password("Administrator "
	    "password: ", pw, sizeof pw, 1, &e) != CR_OK)
		return cli_fail(&e);
	in.password = pw;
	rc = office_init(&in, &e);
	crypto_wipe(pw, sizeof pw);
	if (rc != CR_OK)
		return cli_fail(&e);
	fprintf(stderr, "civreg: created the %s store of office %s in %s; "
	    "administrator %s\n", level, in.office, in.dir, in.admin);
	return 0;
}
