/*
 * authz.c -- who may do what, checked in the core on every action.
 *
 * The screens hide what a role cannot do, but hiding is not security: a
 * script or a modified terminal can call any verb.  So every core entry
 * point calls authz_check() before touching the store, and this table is
 * the one place that says which roles may perform which action.  Declaring
 * a form is governed by the form's own `roles` line (forms/).  A refusal
 * names the roles that may do it, so the clerk knows whom to ask.
 */
#include "config.h"

#include <string.h>

#include "civreg.h"

#define R(x)	(1u << (x))
#define OFFICERS (R(ROLE_CLERK) | R(ROLE_REGISTRAR) | R(ROLE_DISTRICT) | \
	R(ROLE_PROVINCE) | R(ROLE_NATIONAL))
#define SUPERVISORS (R(ROLE_REGISTRAR) | R(ROLE_DISTRICT) | \
	R(ROLE_PROVINCE) | R(ROLE_NATIONAL) | R(ROLE_ADMIN))

static const struct {
	int		 action;
	unsigned	 roles;
	const char	*what;
} authz_table[AZ_NACTIONS] = {
	{ AZ_DECLARE,	 0,		"declare this form" },
	{ AZ_READ,	 OFFICERS,	"read civil records" },
	{ AZ_SEARCH,	 OFFICERS,	"search the register" },
	{ AZ_USER_ADMIN, R(ROLE_ADMIN),	"manage users" },
	{ AZ_AUDIT_READ, SUPERVISORS,	"read the audit log" },
	{ AZ_VERIFY,	 SUPERVISORS,	"verify the store" },
	{ AZ_GAZETTEER,	 R(ROLE_ADMIN),	"load the gazetteer" },
	{ AZ_AUTHENTICATE, OFFICERS,	"authenticate identities" },
	/* DESIGN §2: clerks print; certifying stays the registrar's. */
	{ AZ_CERT_PRINT, R(ROLE_CLERK) | R(ROLE_REGISTRAR) |
	  R(ROLE_DISTRICT) | R(ROLE_PROVINCE), "print certificates" },
	{ AZ_CERT_VERIFY, OFFICERS,	"check certificate codes" },
	{ AZ_PERSON,	 OFFICERS,	"read a person's records" },
	{ AZ_IDCARD_LIST, OFFICERS,	"list ID cards" },
	{ AZ_CONFIG,	 R(ROLE_ADMIN),	"change the store's settings" },
	/* DESIGN §2: keys are the administrator's; supervisors may look. */
	{ AZ_KEYS,	 R(ROLE_ADMIN),	"manage the office keys" },
	{ AZ_KEYS_READ,	 SUPERVISORS,	"read the office keys" },
	/* replication: a user that can only exchange files (civreg receive) */
	{ AZ_REPLICATE,	 SUPERVISORS | R(ROLE_REPLICATION),
	  "export or import replication files" },
	{ AZ_RESOLVE,	 R(ROLE_REGISTRAR) | R(ROLE_DISTRICT) |
	  R(ROLE_PROVINCE),		"resolve conflicts between offices" },
	/* Registrars and supervisors may help a person correct a record. */
	{ AZ_AUTH_DETAIL, R(ROLE_REGISTRAR) | R(ROLE_DISTRICT) |
	  R(ROLE_PROVINCE) | R(ROLE_NATIONAL),
	  "learn which claimed fields differ" },
	/* De-duplication proposes; registrars and supervisors decide. */
	{ AZ_DEDUP,	 R(ROLE_REGISTRAR) | R(ROLE_DISTRICT) |
	  R(ROLE_PROVINCE) | R(ROLE_NATIONAL),	"find duplicate records" },
	/* The paper back-log is loaded under a registrar's responsibility. */
	{ AZ_DIGITIZE,	 R(ROLE_REGISTRAR) | R(ROLE_DISTRICT) |
	  R(ROLE_PROVINCE) | R(ROLE_NATIONAL),
	  "load digitized paper registers" },
	/* Statistics count the register; supervisors and registrars. */
	{ AZ_STATS,	 R(ROLE_REGISTRAR) | R(ROLE_DISTRICT) |
	  R(ROLE_PROVINCE) | R(ROLE_NATIONAL),	"compute vital statistics" },
};

static unsigned
roles_for(int action, const struct form *f)
{
	unsigned m = 0;
	int r;

	if (action == AZ_DECLARE) {
		for (r = ROLE_CLERK; r <= ROLE_LAST; r++)
			if (f && form_allows_role(f, r))
				m |= R(r);
		return m;
	}
	m = authz_table[action].roles;
	/* A health facility may read back the notices it sent. */
	if (action == AZ_READ && f && f->cls == FC_NOTICE)
		m |= R(ROLE_HEALTH);
	return m;
}

const char *
authz_who(int action, const struct form *f, char *out, size_t n)
{
	unsigned m = roles_for(action, f);
	size_t o = 0;
	int r;

	out[0] = '\0';
	for (r = ROLE_CLERK; r <= ROLE_LAST && o < n; r++)
		if (m & R(r))
			o += (size_t)snprintf(out + o, n - o, "%s%s",
			    o ? ", " : "", user_role_name(r));
	return out;
}

int
authz_check(const struct session *s, int action, const struct form *f,
    struct cr_err *e)
{
	char who[128];

	if (action < 0 || action >= AZ_NACTIONS)
		return err_set(e, CR_EPERM, "unknown action");
	if (roles_for(action, f) & R(s->role))
		return CR_OK;
	authz_who(action, f, who, sizeof who);
	if (action == AZ_DECLARE)
		return err_set(e, CR_EPERM, "user %s (role %s) may not declare "
		    "a %s (%s): this needs the role %s", s->user,
		    user_role_name(s->role), f ? f->key : "?",
		    f ? f->title_en : "?", who);
	return err_set(e, CR_EPERM, "user %s (role %s) may not %s: this needs "
	    "the role %s", s->user, user_role_name(s->role),
	    authz_table[action].what, who);
}
