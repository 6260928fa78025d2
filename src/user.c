/*
 * user.c -- users, roles, passwords and lockout (users.db).
 *
 * Passwords are stored only as Argon2id hashes with a random salt; the
 * cost parameters are stored with each hash so they can be raised later
 * without locking anyone out.  The cost follows the OWASP minimum for
 * Argon2id (19 MiB, 2 passes): an old commune PC logs in within a tenth
 * of a second, a stolen users.db costs an attacker dearly per guess.
 *
 * The hash is computed outside any transaction, so that a terminal
 * logging in never holds a lock that another terminal waits for; the
 * outcome (failure count, lockout, last login) is then written together
 * with its audit entry in one transaction.  After USER_MAX_FAILURES wrong
 * passwords in a row an account is locked for USER_LOCK_SECONDS, or until
 * an administrator sets a new password.  Unknown users cost the same time
 * as known ones and get the same message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define USER_VERSION	1
#define KDF_T		2
#define KDF_M_KIB	19456
#define KDF_P		1

struct user_rec {
	struct user_info	info;
	unsigned		t, m, p;
	unsigned char		salt[CRYPTO_SALTLEN];
	unsigned char		hash[CRYPTO_HASHLEN];
};

#define ROLE_NAME(sym, code, name) [code] = name,
static const char *const role_names[] = { ROLES(ROLE_NAME) };

const char *
user_role_name(int r)
{
	if (r > 0 && (size_t)r < sizeof role_names / sizeof role_names[0])
		return role_names[r];
	return "?";
}

int
user_role_code(const char *s)
{
	size_t i;

	for (i = 1; i < sizeof role_names / sizeof role_names[0]; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (int)i;
	return 0;
}

void
user_info_free(struct user_info *u)
{
	free(u->full_name);
	u->full_name = NULL;
}

int
user_name_valid(const char *s, char *why, size_t n)
{
	size_t i, len = strlen(s);

	if (len < 2 || len >= USER_LEN) {
		snprintf(why, n, "a user name has 2 to %d characters",
		    USER_LEN - 1);
		return 0;
	}
	if (s[0] < 'a' || s[0] > 'z') {
		snprintf(why, n, "a user name starts with a lower-case letter");
		return 0;
	}
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-')) {
			snprintf(why, n, "a user name has only a-z, 0-9, '.', "
			    "'_' and '-'");
			return 0;
		}
	return 1;
}

int
user_password_ok(const char *pw, struct cr_err *e)
{
	if (!utf8_valid(pw, strlen(pw)))
		return err_set(e, CR_EINVAL, "the password is not valid UTF-8 "
		    "text: check the keyboard or terminal encoding");
	if (utf8_chars(pw) < USER_MIN_PASSWORD)
		return err_set(e, CR_EINVAL, "the password is too short: use "
		    "at least %d characters", USER_MIN_PASSWORD);
	return CR_OK;
}

static void
user_encode(const struct user_rec *u, struct buf *b)
{
	buf_reset(b);
	buf_add(b, "US", 2);
	buf_add_u8(b, USER_VERSION);
	buf_add_u8(b, (unsigned)u->info.role);
	buf_add_u8(b, (unsigned)u->info.disabled);
	buf_add_u8(b, (unsigned)u->info.lang);
	buf_add_u16(b, (unsigned)u->info.failures);
	buf_add_u64(b, (uint64_t)u->info.locked_until);
	buf_add_u64(b, (uint64_t)u->info.created);
	buf_add_u64(b, (uint64_t)u->info.last_login);
	buf_add_u32(b, u->t);
	buf_add_u32(b, u->m);
	buf_add_u32(b, u->p);
	buf_add(b, u->salt, CRYPTO_SALTLEN);
	buf_add(b, u->hash, CRYPTO_HASHLEN);
	buf_add_str(b, u->info.full_name ? u->info.full_name : "");
}

static int
user_decode(const char *name, const void *p, size_t n, struct user_rec *u,
    struct cr_err *e)
{
	const unsigned char *m, *s, *h;
	struct rd rd;

	memset(u, 0, sizeof *u);
	rd_init(&rd, p, n);
	m = rd_bytes(&rd, 2);
	if (m == NULL || m[0] != 'U' || m[1] != 'S' ||
	    rd_u8(&rd) != USER_VERSION)
		return err_set(e, CR_ECORRUPT, "users.db: the entry of %s is "
		    "not a user of version %d", name, USER_VERSION);
	snprintf(u->info.name, sizeof u->info.name, "%s", name);
	u->info.role = (int)rd_u8(&rd);
	u->info.disabled = (int)rd_u8(&rd);
	u->info.lang = (int)rd_u8(&rd);
	u->info.failures = (int)rd_u16(&rd);
	u->info.locked_until = (int64_t)rd_u64(&rd);
	u->info.created = (int64_t)rd_u64(&rd);
	u->info.last_login = (int64_t)rd_u64(&rd);
	u->t = rd_u32(&rd);
	u->m = rd_u32(&rd);
	u->p = rd_u32(&rd);
	if ((s = rd_bytes(&rd, CRYPTO_SALTLEN)) != NULL)
		memcpy(u->salt, s, CRYPTO_SALTLEN);
	if ((h = rd_bytes(&rd, CRYPTO_HASHLEN)) != NULL)
		memcpy(u->hash, h, CRYPTO_HASHLEN);
	u->info.full_name = rd_str(&rd);
	if (rd.bad || rd.left != 0 || u->info.role < ROLE_CLERK ||
	    u->info.role > ROLE_LAST || u->t == 0 || u->m == 0 ||
	    u->t > 64 || u->m > 4u * 1024 * 1024 || u->p == 0 || u->p > 16) {
		user_info_free(&u->info);
		return err_set(e, CR_ECORRUPT, "users.db: the entry of %s is "
		    "damaged", name);
	}
	return CR_OK;
}

int
user_check(const void *k, size_t kl, const void *v, size_t vl,
    struct cr_err *e)
{
	struct user_rec u;
	char name[USER_LEN + 8], why[128];
	int rc;

	snprintf(name, sizeof name, "%.*s", (int)(kl < USER_LEN ? kl : USER_LEN),
	    (const char *)k);
	if (kl >= USER_LEN || !user_name_valid(name, why, sizeof why))
		return err_set(e, CR_ECORRUPT, "users.db: a key is not a valid "
		    "user name");
	if ((rc = user_decode(name, v, vl, &u, e)) == CR_OK)
		user_info_free(&u.info);
	crypto_wipe(&u, sizeof u);
	return rc;
}

static int
user_get(struct txn *tx, const char *name, struct user_rec *u, int upd,
    struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = store_get(tx, ST_USERS, name, strlen(name), &b, upd, e);
	if (rc == CR_OK)
		rc = user_decode(name, b.data, b.len, u, e);
	buf_free(&b);
	return rc;
}

static int
user_put(struct txn *tx, const struct user_rec *u, int create,
    struct cr_err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	user_encode(u, &b);
	rc = store_put(tx, ST_USERS, u->info.name, strlen(u->info.name),
	    b.data, b.len, create, e);
	buf_free(&b);
	if (rc == CR_EEXIST)
		err_set(e, CR_EEXIST, "user %s already exists: choose another "
		    "name, or use 'civreg user passwd' to change the password",
		    u->info.name);
	return rc;
}

static int
set_password(struct user_rec *u, const char *pw, struct cr_err *e)
{
	u->t = KDF_T;
	u->m = KDF_M_KIB;
	u->p = KDF_P;
	crypto_random(u->salt, sizeof u->salt);
	return crypto_argon2id_isolated(pw, strlen(pw), u->salt,
	    sizeof u->salt, u->t, u->m, u->p, u->hash, sizeof u->hash, e);
}

static int
make_user(struct user_rec *u, const char *name, int role,
    const char *full_name, const char *pw, struct cr_err *e)
{
	char why[128];
	int rc;

	memset(u, 0, sizeof *u);
	if (!user_name_valid(name, why, sizeof why))
		return err_set(e, CR_EINVAL, "user name '%s' is not allowed: "
		    "%s", name, why);
	if (role < ROLE_CLERK || role > ROLE_LAST)
		return err_set(e, CR_EINVAL, "unknown role: the roles are "
		    "clerk, registrar, district, province, national, health, "
		    "admin and replication");
	if (full_name && (!utf8_valid(full_name, strlen(full_name)) ||
	    utf8_chars(full_name) > 100))
		return err_set(e, CR_EINVAL, "the full name must be valid text "
		    "of at most 100 characters");
	if ((rc = user_password_ok(pw, e)) != CR_OK)
		return rc;
	snprintf(u->info.name, sizeof u->info.name, "%s", name);
	u->info.role = role;
	u->info.created = (int64_t)cr_now();
	u->info.full_name = (char *)(full_name ? full_name : "");
	return set_password(u, pw, e);
}

int
user_create_first(struct txn *tx, const char *name, const char *pw,
    struct cr_err *e)
{
	struct user_rec u;
	int rc;

	if ((rc = make_user(&u, name, ROLE_ADMIN, "", pw, e)) == CR_OK)
		rc = user_put(tx, &u, 1, e);
	crypto_wipe(&u, sizeof u);
	return rc;
}

struct login {
	const char	*name;
	int		 ok;
	int		 known;
	struct session	*s;
	int		 result;	/* what to tell the user */
	char		 msg[256];
};

/* Writes the outcome of a password check, with its audit entry. */
static int
login_record(struct txn *tx, void *arg, struct cr_err *e)
{
	struct login *l = arg;
	struct user_rec u;
	char office[OFFICE_LEN];
	int64_t now = (int64_t)cr_now();
	int rc, level, lockout = 0;
	static const char generic[] = "unknown user or wrong password (after "
	    "5 wrong passwords in a row an account is locked for 15 minutes)";

	l->result = CR_EAUTH;
	if ((rc = office_info(tx, office, &level, e)) != CR_OK)
		return rc;
	if (!l->known) {
		snprintf(l->msg, sizeof l->msg, "%s", generic);
		return audit_append(tx, "", office, AU_LOGIN_FAIL, "",
		    "unknown user name", e);
	}
	if ((rc = user_get(tx, l->name, &u, 1, e)) != CR_OK)
		return rc;
	/*
	 * A wrong password gets the same answer whether the user exists,
	 * is locked or disabled: only the right password learns more.
	 */
	if (!l->ok) {
		snprintf(l->msg, sizeof l->msg, "%s", generic);
		if (u.info.locked_until <= now && !u.info.disabled &&
		    ++u.info.failures >= USER_MAX_FAILURES) {
			u.info.locked_until = now + USER_LOCK_SECONDS;
			u.info.failures = 0;
			lockout = 1;
		}
		rc = user_put(tx, &u, 0, e);
		if (rc == CR_OK)
			rc = audit_append(tx, l->name, office, lockout ?
			    AU_LOCKED : AU_LOGIN_FAIL, "", lockout ? "wrong "
			    "password: account locked" : "wrong password", e);
	} else if (u.info.disabled) {
		snprintf(l->msg, sizeof l->msg, "the account %s is disabled: "
		    "ask an administrator", l->name);
		rc = audit_append(tx, l->name, office, AU_LOGIN_FAIL, "",
		    "account disabled", e);
	} else if (u.info.locked_until > now) {
		char when[32];

		time_format((time_t)u.info.locked_until, when, sizeof when);
		snprintf(l->msg, sizeof l->msg, "the account %s is locked after "
		    "%d wrong passwords, until %s UTC: wait, or ask an "
		    "administrator to set a new password", l->name,
		    USER_MAX_FAILURES, when);
		rc = audit_append(tx, l->name, office, AU_LOGIN_FAIL, "",
		    "account locked", e);
	} else {
		u.info.failures = 0;
		u.info.locked_until = 0;
		u.info.last_login = now;
		rc = user_put(tx, &u, 0, e);
		if (rc == CR_OK)
			rc = audit_append(tx, l->name, office, AU_LOGIN, "",
			    "", e);
		l->result = CR_OK;
		snprintf(l->s->user, sizeof l->s->user, "%s", l->name);
		snprintf(l->s->office, sizeof l->s->office, "%s", office);
		l->s->role = u.info.role;
		l->s->level = level;
		l->s->lang = u.info.lang;
	}
	user_info_free(&u.info);
	crypto_wipe(&u, sizeof u);
	return rc;
}

int
user_login(struct store *st, const char *name, const char *pw,
    struct session *s, struct cr_err *e)
{
	unsigned char hash[CRYPTO_HASHLEN];
	struct login l;
	struct user_rec u;
	struct txn *tx;
	int rc, role;

	memset(s, 0, sizeof *s);
	memset(&l, 0, sizeof l);
	s->store = st;
	l.name = name;
	l.s = s;
	if ((rc = store_begin(st, &tx, e)) != CR_OK)
		return rc;
	rc = user_get(tx, name, &u, 0, e);
	store_abort(tx);	/* read only */
	if (rc == CR_ECORRUPT)
		return rc;
	if (rc == CR_OK)
		l.known = 1;
	else if (rc != CR_ENOTFOUND)
		return rc;
	else {
		/* Same cost for an unknown name: no user enumeration. */
		memset(&u, 0, sizeof u);
		u.t = KDF_T;
		u.m = KDF_M_KIB;
		u.p = KDF_P;
	}
	rc = crypto_argon2id_isolated(pw, strlen(pw), u.salt, sizeof u.salt,
	    u.t, u.m, u.p, hash, sizeof hash, e);
	l.ok = rc == CR_OK && l.known &&
	    crypto_memeq(hash, u.hash, CRYPTO_HASHLEN);
	role = u.info.role;
	if (l.known)
		user_info_free(&u.info);
	crypto_wipe(hash, sizeof hash);
	crypto_wipe(&u, sizeof u);
	if (rc != CR_OK)
		return rc;
	if ((rc = store_run(st, login_record, &l, e)) != CR_OK) {
		if (rc == CR_ECORRUPT && l.ok) {
			/* Right password, damaged store: say so, for verify. */
			memset(s, 0, sizeof *s);
			s->store = st;
			snprintf(s->user, sizeof s->user, "%s", name);
			s->role = role;
			snprintf(s->damage, sizeof s->damage, "%.1000s", e->msg);
		}
		return rc;
	}
	if (l.result != CR_OK) {
		memset(s, 0, sizeof *s);
		return err_set(e, l.result, "login refused: %s", l.msg);
	}
	return CR_OK;
}

/*
 * `civreg receive` runs as a forced command of sshd: nobody is there to
 * type a password, and the SSH key was the authentication.  So only a
 * user whose role is replication -- who may do nothing but exchange
 * replication files, each checked by signature -- may log in this way,
 * and every such login is audited with where it came from.  A disabled
 * account is refused (that is how an administrator cuts a key off
 * without touching sshd); a lock after wrong passwords is not, since no
 * password is involved and a guesser should not stop replication.
 */
struct key_login {
	const char	*name;
	const char	*how;
	struct session	*s;
	int		 result;
	char		 msg[256];
};

static int
key_login_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct key_login *l = arg;
	struct user_rec u;
	char office[OFFICE_LEN], detail[256];
	int rc, level;

	l->result = CR_EAUTH;
	if ((rc = office_info(tx, office, &level, e)) != CR_OK)
		return rc;
	rc = user_get(tx, l->name, &u, 1, e);
	if (rc == CR_ENOTFOUND) {
		err_clear(e);
		snprintf(l->msg, sizeof l->msg, "no user %s in this store: "
		    "the forced command in authorized_keys must name a user of "
		    "role replication", l->name);
		snprintf(detail, sizeof detail, "%.200s: unknown user name",
		    l->how);
		return audit_append(tx, "", office, AU_LOGIN_FAIL, "", detail,
		    e);
	}
	if (rc != CR_OK)
		return rc;
	if (u.info.role != ROLE_REPLICATION) {
		l->result = CR_EPERM;
		snprintf(l->msg, sizeof l->msg, "user %s has the role %s: only a "
		    "user of role replication may receive without a password",
		    l->name, user_role_name(u.info.role));
		snprintf(detail, sizeof detail, "%.200s: role %s refused",
		    l->how, user_role_name(u.info.role));
		rc = audit_append(tx, l->name, office, AU_LOGIN_FAIL, "",
		    detail, e);
	} else if (u.info.disabled) {
		snprintf(l->msg, sizeof l->msg, "the account %s is disabled: "
		    "ask an administrator", l->name);
		snprintf(detail, sizeof detail, "%.200s: account disabled",
		    l->how);
		rc = audit_append(tx, l->name, office, AU_LOGIN_FAIL, "",
		    detail, e);
	} else {
		u.info.last_login = (int64_t)cr_now();
		rc = user_put(tx, &u, 0, e);
		if (rc == CR_OK)
			rc = audit_append(tx, l->name, office, AU_LOGIN, "",
			    l->how, e);
		l->result = CR_OK;
		snprintf(l->s->user, sizeof l->s->user, "%s", l->name);
		snprintf(l->s->office, sizeof l->s->office, "%s", office);
		l->s->role = u.info.role;
		l->s->level = level;
		l->s->lang = u.info.lang;
	}
	user_info_free(&u.info);
	crypto_wipe(&u, sizeof u);
	return rc;
}

int
user_login_key(struct store *st, const char *name, const char *how,
    struct session *s, struct cr_err *e)
{
	struct key_login l;
	char why[128];
	int rc;

	memset(s, 0, sizeof *s);
	memset(&l, 0, sizeof l);
	s->store = st;
	if (!user_name_valid(name, why, sizeof why))
		return err_set(e, CR_EAUTH, "login refused: '%s' is not a user "
		    "name: %s", name, why);
	l.name = name;
	l.how = how;
	l.s = s;
	if ((rc = store_run(st, key_login_txn, &l, e)) != CR_OK)
		return rc;
	if (l.result != CR_OK) {
		memset(s, 0, sizeof *s);
		return err_set(e, l.result, "login refused: %s", l.msg);
	}
	return CR_OK;
}

struct user_op {
	struct session	*s;
	struct user_rec	 u;
	const char	*name;
	int		 flag;		/* disable: 1 or 0; language: 1 Khmer */
};

static int
add_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct user_op *op = arg;
	char detail[96];
	int rc;

	if ((rc = user_put(tx, &op->u, 1, e)) != CR_OK)
		return rc;
	snprintf(detail, sizeof detail, "user %s added with role %s",
	    op->u.info.name, user_role_name(op->u.info.role));
	return audit_append(tx, op->s->user, op->s->office, AU_USER_ADD, "",
	    detail, e);
}

int
user_add(struct session *s, const char *name, int role,
    const char *full_name, const char *pw, struct cr_err *e)
{
	struct user_op op;
	int rc;

	if ((rc = authz_check(s, AZ_USER_ADMIN, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	memset(&op, 0, sizeof op);
	op.s = s;
	if ((rc = make_user(&op.u, name, role, full_name, pw, e)) == CR_OK)
		rc = store_run(s->store, add_txn, &op, e);
	crypto_wipe(&op.u, sizeof op.u);
	return rc;
}

/*
 * The one way an existing user changes: read it under a write lock,
 * apply fn, write it back with its audit entry, in the caller's txn.
 */
static int
update_user(struct txn *tx, struct user_op *op,
    void (*fn)(struct user_rec *, const struct user_op *), int action,
    const char *detail, struct cr_err *e)
{
	struct user_rec u;
	int rc;

	rc = user_get(tx, op->name, &u, 1, e);
	if (rc == CR_ENOTFOUND)
		return err_set(e, CR_ENOTFOUND, "no user %s: 'civreg user list' "
		    "shows the users", op->name);
	if (rc != CR_OK)
		return rc;
	fn(&u, op);
	rc = user_put(tx, &u, 0, e);
	user_info_free(&u.info);
	crypto_wipe(&u, sizeof u);
	if (rc != CR_OK)
		return rc;
	return audit_append(tx, op->s->user, op->s->office, action, "",
	    detail, e);
}

static void
new_password(struct user_rec *u, const struct user_op *op)
{
	u->t = op->u.t;
	u->m = op->u.m;
	u->p = op->u.p;
	memcpy(u->salt, op->u.salt, sizeof u->salt);
	memcpy(u->hash, op->u.hash, sizeof u->hash);
	u->info.failures = 0;
	u->info.locked_until = 0;
}

static int
passwd_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct user_op *op = arg;
	char detail[96];

	snprintf(detail, sizeof detail, "password of %s set", op->name);
	return update_user(tx, op, new_password, AU_USER_PASSWD, detail, e);
}

int
user_passwd(struct session *s, const char *name, const char *pw,
    struct cr_err *e)
{
	struct user_op op;
	int rc;

	/* Anyone may change their own password; others need an admin. */
	if (strcmp(s->user, name) != 0 &&
	    (rc = authz_check(s, AZ_USER_ADMIN, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((rc = user_password_ok(pw, e)) != CR_OK)
		return rc;
	memset(&op, 0, sizeof op);
	op.s = s;
	op.name = name;
	if ((rc = set_password(&op.u, pw, e)) == CR_OK)
		rc = store_run(s->store, passwd_txn, &op, e);
	crypto_wipe(&op.u, sizeof op.u);
	return rc;
}

static void
set_disabled(struct user_rec *u, const struct user_op *op)
{
	u->info.disabled = op->flag;
	if (!op->flag) {
		u->info.failures = 0;
		u->info.locked_until = 0;
	}
}

static void
set_lang(struct user_rec *u, const struct user_op *op)
{
	u->info.lang = op->flag;
}

static int
lang_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct user_op *op = arg;

	return update_user(tx, op, set_lang, AU_PREFERENCE, op->flag ?
	    "screen language: Khmer" : "screen language: English", e);
}

/* A user's own choice of screen language, remembered across logins. */
int
user_set_lang(struct session *s, int lang, struct cr_err *e)
{
	struct user_op op;
	int rc;

	memset(&op, 0, sizeof op);
	op.s = s;
	op.name = s->user;
	op.flag = lang ? 1 : 0;
	if ((rc = store_run(s->store, lang_txn, &op, e)) == CR_OK)
		s->lang = op.flag;
	return rc;
}

static int
disable_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct user_op *op = arg;

	return update_user(tx, op, set_disabled, op->flag ?
	    AU_USER_DISABLE : AU_USER_ENABLE, op->name, e);
}

int
user_set_disabled(struct session *s, const char *name, int disabled,
    struct cr_err *e)
{
	struct user_op op;
	int rc;

	if ((rc = authz_check(s, AZ_USER_ADMIN, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (disabled && strcmp(s->user, name) == 0)
		return err_set(e, CR_EINVAL, "you cannot disable your own "
		    "account: ask another administrator");
	memset(&op, 0, sizeof op);
	op.s = s;
	op.name = name;
	op.flag = disabled;
	return store_run(s->store, disable_txn, &op, e);
}

struct ulist {
	user_visit_fn	 visit;
	void		*arg;
	struct cr_err	*e;
};

static int
list_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct ulist *l = arg;
	struct user_rec u;
	char name[USER_LEN];
	int r;

	snprintf(name, sizeof name, "%.*s", (int)kl, (const char *)k);
	if (user_decode(name, v, vl, &u, l->e) != CR_OK)
		return -CR_ECORRUPT;
	r = l->visit(l->arg, &u.info);
	user_info_free(&u.info);
	crypto_wipe(&u, sizeof u);
	return r ? 1 : 0;
}

int
user_list(struct session *s, user_visit_fn visit, void *arg,
    struct cr_err *e)
{
	struct ulist l = { visit, arg, e };
	struct txn *tx;
	int rc;

	if ((rc = authz_check(s, AZ_USER_ADMIN, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if ((rc = store_begin_read(s->store, &tx, e)) != CR_OK)
		return rc;
	rc = store_scan(tx, ST_USERS, NULL, 0, list_visit, &l, e);
	if (rc == CR_OK)
		rc = store_commit(tx, e);
	else
		store_abort(tx);
	return rc;
}
