/*
 * cmd-user.c -- `civreg user add|list|passwd|disable|enable`.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "civreg.h"

static int
print_user(void *arg, const struct user_info *u)
{
	char when[32] = "never";

	(void)arg;
	if (u->last_login)
		time_format((time_t)u->last_login, when, sizeof when);
	printf("%s\t%s\t%s\t%s\t%s\n", u->name, user_role_name(u->role),
	    u->disabled ? "disabled" : u->locked_until > cr_now() ? "locked" :
	    "active", when, u->full_name ? u->full_name : "");
	return 0;
}

int
cmd_user(struct cli *c)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sub, *role = NULL, *full = NULL, *name;
	struct session s;
	struct cr_err e;
	char pw[256];
	int ch, rc;

	if (c->argc < 2)
		return cli_usage("user");
	sub = c->argv[1];
	c->argc--;
	c->argv++;
	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'r':
			role = optarg;
			break;
		case 'n':
			full = optarg;
			break;
		default:
			return cli_usage("user");
		}
	name = optind < c->argc ? c->argv[optind] : NULL;
	if (strcmp(sub, "list") == 0 ? optind != c->argc :
	    optind != c->argc - 1)
		return cli_usage("user");
	if (strcmp(sub, "add") == 0 && role == NULL)
		return cli_usage("user");
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "passwd")
	    && strcmp(sub, "disable") && strcmp(sub, "enable"))
		return cli_usage("user");
	if (role && user_role_code(role) == 0) {
		err_set(&e, CR_EUSAGE, "unknown role '%s': use clerk, registrar, "
		    "district, province, national, health, admin or "
		    "replication", role);
		return cli_fail(&e);
	}
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	/* Refuse before asking for a new password nobody may set. */
	if (strcmp(sub, "add") == 0 &&
	    authz_check(&s, AZ_USER_ADMIN, NULL, &e) != CR_OK) {
		audit_denied(&s, NULL, &e);
		cli_logout(&s);
		return cli_fail(&e);
	}
	if (strcmp(sub, "list") == 0)
		rc = user_list(&s, print_user, NULL, &e);
	else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
		rc = user_set_disabled(&s, name, sub[0] == 'd', &e);
	else {
		rc = cli_read_password("New password: ", pw, sizeof pw, 1, &e);
		if (rc == CR_OK && strcmp(sub, "add") == 0)
			rc = user_add(&s, name, user_role_code(role), full, pw,
			    &e);
		else if (rc == CR_OK)
			rc = user_passwd(&s, name, pw, &e);
		crypto_wipe(pw, sizeof pw);
	}
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}
