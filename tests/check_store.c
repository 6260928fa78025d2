/*
 * check_store.c -- unit tests that need a store: init, login and lockout,
 * roles, declarations, the audit chain and verify, crash safety under
 * SIGKILL, and several processes writing at once.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

static int
count_visit(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	(void)k; (void)kl; (void)v; (void)vl;
	(*(size_t *)arg)++;
	return 0;
}

static size_t
count(struct store *st, int table)
{
	struct txn *tx;
	struct cr_err e;
	size_t n = 0;

	ck_assert_int_eq(store_begin(st, &tx, &e), CR_OK);
	ck_assert_int_eq(store_scan(tx, table, NULL, 0, count_visit, &n, &e),
	    CR_OK);
	store_abort(tx);
	return n;
}

static int
verify_quiet(struct session *s, struct cr_err *e)
{
	FILE *devnull = fopen("/dev/null", "w");
	int rc;

	err_clear(e);
	rc = verify_store(s, devnull, e);
	fclose(devnull);
	return rc;
}

START_TEST(test_init_refuses)
{
	struct office_init in;
	struct cr_err e;
	struct stat sb;
	char *dir = t_store_new(), other[4200];

	memset(&in, 0, sizeof in);
	in.dir = dir;
	in.office = "120101";
	in.level = LV_COMMUNE;
	in.admin = "admin";
	in.password = T_ADMIN_PW;
	ck_assert_int_eq(office_init(&in, &e), CR_EEXIST);
	ck_assert_ptr_nonnull(strstr(e.msg, "already exists"));
	/* Bad arguments are refused before anything is created. */
	snprintf(other, sizeof other, "%s-new", dir);
	in.dir = other;
	in.office = "12010";
	ck_assert_int_eq(office_init(&in, &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "6-digit"));
	in.office = "120101";
	in.password = "short";
	ck_assert_int_eq(office_init(&in, &e), CR_EINVAL);
	in.password = T_ADMIN_PW;
	in.admin = "Bad Name";
	ck_assert_int_eq(office_init(&in, &e), CR_EINVAL);
	ck_assert_int_eq(stat(other, &sb), -1);
	/* A directory holding other files is not a place for a store. */
	ck_assert_int_eq(mkdir(other, 0700), 0);
	snprintf(other + strlen(other), 100, "/x");
	fclose(fopen(other, "w"));
	*strrchr(other, '/') = '\0';
	in.admin = "admin";
	ck_assert_int_eq(office_init(&in, &e), CR_EEXIST);
	ck_assert_ptr_nonnull(strstr(e.msg, "not empty"));
	snprintf(other + strlen(other), 100, "/x");
	unlink(other);
	*strrchr(other, '/') = '\0';
	rmdir(other);
	/* Opening a directory that is not a store says how to make one. */
	{
		struct store *st = NULL;

		ck_assert_int_eq(store_open("/nonexistent-dir", 0, &st, &e),
		    CR_ENOTFOUND);
		ck_assert_ptr_nonnull(strstr(e.msg, "civreg init"));
	}
	t_store_remove(dir);
}
END_TEST

START_TEST(test_login_lockout)
{
	char *dir = t_store_new();
	struct session s, admin;
	struct store *st;
	struct cr_err e;
	int i;

	ck_assert_int_eq(store_open(dir, 0, &st, &e), CR_OK);
	ck_assert_int_eq(user_login(st, "nobody", "whatever-pw", &s, &e),
	    CR_EAUTH);
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown user or wrong password"));
	{
		char unknown[sizeof e.msg];

		/* A wrong password says no more than an unknown user does. */
		snprintf(unknown, sizeof unknown, "%s", e.msg);
		for (i = 1; i <= USER_MAX_FAILURES; i++) {
			ck_assert_int_eq(user_login(st, "clerk",
			    "wrong-password", &s, &e), CR_EAUTH);
			ck_assert_str_eq(e.msg, unknown);
		}
	}
	/* Locked: even the right password is refused. */
	ck_assert_int_eq(user_login(st, "clerk", T_CLERK_PW, &s, &e), CR_EAUTH);
	ck_assert_ptr_nonnull(strstr(e.msg, "locked"));
	ck_assert_str_eq(s.user, "");
	/* An administrator's new password unlocks it. */
	ck_assert_int_eq(user_login(st, "admin", T_ADMIN_PW, &admin, &e),
	    CR_OK);
	ck_assert_int_eq(user_passwd(&admin, "clerk", "new-clerk-pw", &e),
	    CR_OK);
	ck_assert_int_eq(user_login(st, "clerk", T_CLERK_PW, &s, &e), CR_EAUTH);
	ck_assert_int_eq(user_login(st, "clerk", "new-clerk-pw", &s, &e),
	    CR_OK);
	ck_assert_int_eq(s.role, ROLE_CLERK);
	ck_assert_str_eq(s.office, "120101");
	/* A disabled account cannot log in; a clerk cannot disable anyone. */
	ck_assert_int_eq(user_set_disabled(&s, "admin", 1, &e), CR_EPERM);
	ck_assert_int_eq(user_set_disabled(&admin, "admin", 1, &e), CR_EINVAL);
	ck_assert_int_eq(user_set_disabled(&admin, "clerk", 1, &e), CR_OK);
	ck_assert_int_eq(user_login(st, "clerk", "new-clerk-pw", &s, &e),
	    CR_EAUTH);
	ck_assert_ptr_nonnull(strstr(e.msg, "disabled"));
	ck_assert_int_eq(user_set_disabled(&admin, "clerk", 0, &e), CR_OK);
	ck_assert_int_eq(user_login(st, "clerk", "new-clerk-pw", &s, &e),
	    CR_OK);
	/* Users and passwords are checked on add. */
	ck_assert_int_eq(user_add(&admin, "clerk", ROLE_CLERK, "", "another-pw",
	    &e), CR_EEXIST);
	ck_assert_int_eq(user_add(&admin, "x2", ROLE_CLERK, "", "short", &e),
	    CR_EINVAL);
	ck_assert_int_eq(user_add(&s, "x3", ROLE_CLERK, "", "long-enough", &e),
	    CR_EPERM);
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_OK);
	store_close(st);
	t_store_remove(dir);
}
END_TEST

START_TEST(test_roles_in_core)
{
	char *dir = t_store_new(), id[REC_IDLEN];
	struct session admin, health;
	struct cr_err e;
	size_t before;

	t_login(dir, "admin", T_ADMIN_PW, &admin);
	t_add_user(&admin, "nurse", ROLE_HEALTH, "nurse-password");
	t_login(dir, "nurse", "nurse-password", &health);
	before = count(admin.store, ST_AUDIT);
	ck_assert_int_eq(t_declare_birth(&health, "សុខ", "Sok", id, &e),
	    CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "may not declare a birth"));
	ck_assert_int_eq(t_declare_birth(&admin, "សុខ", "Sok", id, &e),
	    CR_EPERM);
	ck_assert_uint_eq(count(admin.store, ST_RECORDS), 0);
	/* Nothing stored; the two refusals themselves are in the log. */
	ck_assert_uint_eq(count(admin.store, ST_AUDIT), before + 2);
	{
		struct txn *tx;
		struct buf k, v;
		struct audit_entry a;

		buf_init(&k);
		buf_init(&v);
		ck_assert_int_eq(store_begin(admin.store, &tx, &e), CR_OK);
		ck_assert_int_eq(store_last(tx, ST_AUDIT, &k, &v, &e), CR_OK);
		store_abort(tx);
		ck_assert_int_eq(audit_decode(v.data, v.len, &a, &e), CR_OK);
		ck_assert_int_eq(a.action, AU_DENIED);
		ck_assert_str_eq(a.user, "admin");
		ck_assert_ptr_nonnull(strstr(a.detail, "may not declare"));
		audit_entry_free(&a);
		buf_free(&k);
		buf_free(&v);
	}
	ck_assert_int_eq(verify_quiet(&health, &e), CR_EPERM);
	{
		/* Health reads back its own notices, and nothing else. */
		const struct form *nf = form_by_key("birth_notice");
		struct kv *kv = xcalloc(nf->nfields, sizeof *kv);
		struct session nurse2, clerk;
		struct rec_history h;
		struct record r;
		char nid[REC_IDLEN], bid[REC_IDLEN];
		size_t i, k = 0;

		/* Fill every required field with a value its type accepts. */
		for (i = 0; i < nf->nfields; i++) {
			const struct form_field *ff = &nf->fields[i];

			if (!ff->required)
				continue;
			kv[k].key = (char *)ff->key;
			kv[k].value = ff->type == FT_NAME_KM ? "សុខ" :
			    ff->type == FT_DATE ? "2026-11-01" :
			    ff->type == FT_TIME ? "10:00" :
			    ff->type == FT_PLACE ? "120101" :
			    ff->type == FT_CHOICE ? (char *)ff->values[0] :
			    ff->type == FT_NUMBER ? (ff->lo <= ff->hi ?
			    (ff->lo > 1 ? "3000" : "1") : "1") :
			    ff->type == FT_NAME_LATIN ? "Sok" : "x";
			k++;
		}
		ck_assert_msg(regist_declare(&health, "birth_notice", kv, k, nid,
		    &e) == CR_OK, "%s", e.msg);
		ck_assert_int_eq(regist_show(&health, nid, &r, &h, &e), CR_OK);
		ck_assert_int_eq(r.status, RS_NOTIFIED);
		rec_free(&r);
		rec_history_free(&h);
		t_add_user(&admin, "nurse2", ROLE_HEALTH, "nurse-password");
		t_login(dir, "nurse2", "nurse-password", &nurse2);
		ck_assert_int_eq(regist_show(&nurse2, nid, &r, &h, &e), CR_EPERM);
		ck_assert_ptr_nonnull(strstr(e.msg, "only the notices it sent"));
		t_login(dir, "clerk", T_CLERK_PW, &clerk);
		ck_assert_int_eq(t_declare_birth(&clerk, "សុខ", "Sok", bid, &e),
		    CR_OK);
		ck_assert_int_eq(regist_show(&health, bid, &r, &h, &e), CR_EPERM);
		/* Admin reads nothing: refused before the record is looked up. */
		ck_assert_int_eq(regist_show(&admin, "120101-00000999", &r, &h,
		    &e), CR_EPERM);
		store_close(clerk.store);
		store_close(nurse2.store);
		free(kv);
	}
	store_close(health.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

/* Which claims differ: for registrars; a clerk's result holds no names. */
START_TEST(test_authenticate_detail)
{
	static const struct kv card[] = {
		{ "kidc", "293847561021" }, { "name_km", "សុខ ដារ៉ា" },
		{ "name_latin", "Sok Dara" }, { "sex", "male" },
		{ "date_of_birth", "1990-05-01" },
		{ "usual_residence", "120101" },
		{ "application_type", "first_issue" },
		{ "card_number", "110203040" }, { "issue_date", "2026-11-01" },
		{ "expiry_date", "2036-11-01" },
		{ "issuing_office", "Phnom Penh" }
	};
	static const struct kv claims[] = {
		{ "name_latin", "SOK  dara" }, { "date_of_birth", "1990-05-02" }
	};
	static const char zero[sizeof ((struct auth_result *)0)->differ];
	char *dir = t_store_new(), id[REC_IDLEN];
	struct session admin, clerk, reg;
	struct auth_result res;
	struct cr_err e;

	t_login(dir, "admin", T_ADMIN_PW, &admin);
	t_add_user(&admin, "reg", ROLE_REGISTRAR, "registrar-password");
	t_login(dir, "reg", "registrar-password", &reg);
	t_login(dir, "clerk", T_CLERK_PW, &clerk);
	ck_assert_msg(regist_declare(&clerk, "id_card", card,
	    sizeof card / sizeof card[0], id, &e) == CR_OK, "%s", e.msg);

	ck_assert_int_eq(identity_authenticate(&reg, "2938 4756 1021", claims,
	    2, &res, &e), CR_OK);
	ck_assert_int_eq(res.match, 0);
	ck_assert_uint_eq(res.ndiffer, 1);
	ck_assert_str_eq(res.differ[0], "date_of_birth");

	memset(&res, 0x55, sizeof res);
	ck_assert_int_eq(identity_authenticate(&clerk, "2938 4756 1021",
	    claims, 2, &res, &e), CR_OK);
	ck_assert_int_eq(res.match, 0);
	ck_assert_uint_eq(res.ndiffer, 0);
	ck_assert(memcmp(res.differ, zero, sizeof zero) == 0);
	ck_assert_int_eq(identity_authenticate(&clerk, "293847561021",
	    claims, 1, &res, &e), CR_OK);
	ck_assert_int_eq(res.match, 1);

	store_close(reg.store);
	store_close(clerk.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

START_TEST(test_declare_show_search)
{
	char *dir = t_store_new(), id[REC_IDLEN], id2[REC_IDLEN];
	struct rec_history h;
	struct session s;
	struct record r;
	struct cr_err e;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_msg(t_declare_birth(&s, "សុខ ដារ៉ា", "Sokh Dara", id, &e) ==
	    CR_OK, "%s", e.msg);
	ck_assert_str_eq(id, "120101-00000001");
	ck_assert_int_eq(t_declare_birth(&s, "ចាន់ ធីតា", "Chan Thida", id2,
	    &e), CR_OK);
	ck_assert_str_eq(id2, "120101-00000002");
	ck_assert_int_eq(regist_show(&s, id, &r, &h, &e), CR_OK);
	ck_assert_int_eq(r.status, RS_DECLARED);
	ck_assert_str_eq(rec_value(&r, "name_km"), "សុខ ដារ៉ា");
	ck_assert_str_eq(r.author, "clerk");
	ck_assert_uint_eq(h.n, 1);
	ck_assert_int_eq(h.revs[0].action, RA_DECLARE);
	rec_free(&r);
	rec_history_free(&h);
	ck_assert_int_eq(regist_show(&s, "120101-00000099", &r, &h, &e),
	    CR_ENOTFOUND);
	ck_assert_int_eq(regist_show(&s, "nonsense", &r, &h, &e), CR_EINVAL);
	/* Changes: one per revision, in order. */
	ck_assert_uint_eq(count(s.store, ST_CHANGES), 2);
	ck_assert_uint_eq(count(s.store, ST_HISTORY), 2);
	store_close(s.store);
	t_store_remove(dir);
}
END_TEST

struct hits {
	size_t	n;
	char	first[REC_IDLEN];
};

static int
hit(void *arg, const struct record *r, double score)
{
	struct hits *h = arg;

	ck_assert(score > 0 && score <= 1);
	if (h->n++ == 0)
		snprintf(h->first, sizeof h->first, "%s", r->id);
	return 0;
}

static int
queue_hit(void *arg, const struct record *r)
{
	return hit(arg, r, 1.0);
}

static size_t
search(struct session *s, const char *q, char *first)
{
	struct hits h = { 0, "" };
	struct cr_err e;

	ck_assert_msg(regist_search(s, q, 0, hit, &h, &e) == CR_OK, "%s",
	    e.msg);
	if (first)
		strcpy(first, h.first);
	return h.n;
}

START_TEST(test_search)
{
	char *dir = t_store_new(), id[REC_IDLEN], first[REC_IDLEN];
	struct session s;
	struct cr_err e;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ ដារ៉ា", "Sokh Dara", id, &e),
	    CR_OK);
	ck_assert_int_eq(t_declare_birth(&s, "ចាន់ ធីតា", "Chan Thida", id, &e),
	    CR_OK);
	ck_assert_uint_eq(search(&s, "sokh", first), 1);
	ck_assert_str_eq(first, "120101-00000001");
	ck_assert_uint_eq(search(&s, "DARA sokh", NULL), 1);
	ck_assert_uint_eq(search(&s, "ដារ៉ា", first), 1);
	ck_assert_str_eq(first, "120101-00000001");
	ck_assert_uint_eq(search(&s, "ធីតា", first), 1);
	ck_assert_str_eq(first, "120101-00000002");
	ck_assert_uint_eq(search(&s, "សុភា", NULL), 2);	/* the mother */
	ck_assert_uint_eq(search(&s, "sokh thida", NULL), 0);
	ck_assert_uint_eq(search(&s, "nobody", NULL), 0);
	ck_assert_uint_eq(search(&s, "120101-00000002", first), 1);
	{
		/* --limit keeps the lowest ids, in id order. */
		struct hits h = { 0, "" };

		ck_assert_int_eq(t_declare_birth(&s, "សុខ", "Sok", id, &e),
		    CR_OK);
		ck_assert_int_eq(regist_search(&s, "សុភា", 2, hit, &h, &e),
		    CR_OK);
		ck_assert_uint_eq(h.n, 2);
		ck_assert_str_eq(h.first, "120101-00000001");
	}
	ck_assert_int_eq(regist_search(&s, "  ", 0, hit, NULL, &e), CR_EINVAL);
	store_close(s.store);
	t_store_remove(dir);
}
END_TEST

/* The ids of the records indexed under a name token, inside tx. */
static size_t
token_ids(struct txn *tx, const char *token, const char *want)
{
	struct keylist kl = { 0, NULL };
	struct cr_err e;
	size_t i, n;
	int found = 0;

	ck_assert_msg(store_index_scan(tx, SI_NAME, token, strlen(token),
	    keylist_collect, &kl, &e) == CR_OK, "%s", e.msg);
	for (i = 0; i < kl.n; i++)
		if (want && strcmp((char *)kl.keys[i].data, want) == 0)
			found = 1;
	n = kl.n;
	keylist_free(&kl);
	ck_assert(want == NULL || found || n == 0);
	return n;
}

/* A copy of record id under a new id and Latin name, encoded. */
static void
fresh_copy(struct session *s, const char *id, const char *newid,
    const char *latin, struct record *r, struct buf *enc)
{
	struct txn *tx;
	struct cr_err e;
	struct buf b;

	buf_init(&b);
	ck_assert_int_eq(store_begin(s->store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_get(tx, ST_RECORDS, id, strlen(id), &b, 0, &e),
	    CR_OK);
	store_abort(tx);
	rec_init(r);
	ck_assert_int_eq(rec_decode(b.data, b.len, r, &e), CR_OK);
	snprintf(r->id, sizeof r->id, "%s", newid);
	rec_set(r, "name_latin", latin);
	buf_reset(enc);
	rec_encode(r, enc);
	buf_free(&b);
}

/* History and change log of a revision written by hand, as regist does. */
static void
log_rev(struct txn *tx, const struct record *r, const struct buf *enc)
{
	unsigned char rv[4], seqk[8];
	struct cr_err e;
	struct buf k;
	uint64_t seq;

	buf_init(&k);
	buf_add_cstr(&k, r->id);
	be32_put(rv, r->rev);
	buf_add(&k, rv, 4);
	ck_assert_int_eq(store_put(tx, ST_HISTORY, k.data, k.len, enc->data,
	    enc->len, 1, &e), CR_OK);
	ck_assert_int_eq(meta_next(tx, "seq.change", &seq, &e), CR_OK);
	be64_put(seqk, seq);
	ck_assert_int_eq(store_put(tx, ST_CHANGES, seqk, 8, k.data, k.len, 1,
	    &e), CR_OK);
	buf_free(&k);
}

/*
 * store_put_fresh (imports of big files): the record is written at once,
 * its index entries before anything reads an index, before records.db is
 * written through the indexes, and at commit; an abort leaves nothing;
 * verify finds the indexes exactly as Berkeley DB would have kept them.
 */
START_TEST(test_store_put_fresh)
{
	char *dir = t_store_new(), id[REC_IDLEN], first[REC_IDLEN];
	struct session s, admin;
	struct record r, r2;
	struct buf enc, enc2;
	struct txn *tx;
	struct cr_err e;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ ដារ៉ា", "Sokh Dara", id, &e),
	    CR_OK);
	buf_init(&enc);
	buf_init(&enc2);
	fresh_copy(&s, id, "120101-00000050", "Veasna Rith", &r, &enc);

	/* Read in the same transaction: the entries are there. */
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_put_fresh(tx, &r, enc.data, enc.len, &e),
	    CR_OK);
	ck_assert_int_eq(store_put_fresh(tx, &r, enc.data, enc.len, &e),
	    CR_EEXIST);
	ck_assert_uint_eq(token_ids(tx, "veasna", "120101-00000050"), 1);
	ck_assert_uint_eq(token_ids(tx, "sok", NULL), 1);	/* folded */
	store_abort(tx);
	/* Aborted: neither the record nor its entries. */
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_get(tx, ST_RECORDS, r.id, strlen(r.id), NULL,
	    0, &e), CR_ENOTFOUND);
	ck_assert_uint_eq(token_ids(tx, "veasna", NULL), 0);
	store_abort(tx);

	/* Committed unread: written at the commit. */
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_put_fresh(tx, &r, enc.data, enc.len, &e),
	    CR_OK);
	log_rev(tx, &r, &enc);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_uint_eq(search(&s, "veasna rith", NULL), 1);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);

	/*
	 * Replaced through the indexed handle in the same transaction: the
	 * fresh entries are written first, so Berkeley DB finds and removes
	 * them; none is left behind for the old name.
	 */
	fresh_copy(&s, id, "120101-00000051", "Kosal Mony", &r2, &enc2);
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_put_fresh(tx, &r2, enc2.data, enc2.len, &e),
	    CR_OK);
	log_rev(tx, &r2, &enc2);
	rec_set(&r2, "name_latin", "Sophal Mony");
	r2.rev = 2;
	buf_reset(&enc2);
	rec_encode(&r2, &enc2);
	ck_assert_int_eq(store_put(tx, ST_RECORDS, r2.id, strlen(r2.id),
	    enc2.data, enc2.len, 0, &e), CR_OK);
	log_rev(tx, &r2, &enc2);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_uint_eq(search(&s, "kosal", NULL), 0);
	ck_assert_uint_eq(search(&s, "sophal mony", NULL), 1);
	/* The copies keep the Khmer name សុខ ដារ៉ា: they sound alike. */
	ck_assert_uint_eq(search(&s, "sokh dara", first), 3);
	ck_assert_str_eq(first, id);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);

	rec_free(&r);
	rec_free(&r2);
	buf_free(&enc);
	buf_free(&enc2);
	store_close(s.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

START_TEST(test_store_checks_references)
{
	char *dir = t_store_new(), id[REC_IDLEN], gz[4200];
	struct session admin, s;
	struct cr_err e;
	size_t n, changes;
	struct kv corr[] = {
		{ "target_ref", "120101-00000077" }, { "field_name", "name_km" },
		{ "new_value", "សុខា" }, { "reason", "typing error" },
		{ "evidence_type", "family_book" }, { "evidence_ref", "FB-1" },
		{ "applicant_name", "សុខ" }, { "applicant_relationship", "self" },
		{ "request_date", "2026-11-20" },
	};
	const struct form *cf = form_by_key("correction");
	const char *data = getenv("SHARED_DATA");

	t_login(dir, "admin", T_ADMIN_PW, &admin);
	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_ptr_nonnull(cf);
	ck_assert_ptr_nonnull(form_field(cf, corr[0].key));
	/* Gazetteer: a place code must exist once places are loaded. */
	snprintf(gz, sizeof gz, "%s/gazetteer", data ? data : "../shared/data");
	ck_assert_msg(gazetteer_load(&admin, gz, &n, &e) == CR_OK, "%s", e.msg);
	ck_assert_uint_eq(n, 25 + 203 + 1646);
	changes = count(s.store, ST_CHANGES);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ", "Sok", id, &e), CR_OK);
	ck_assert_uint_eq(count(s.store, ST_CHANGES), changes + 1);
	{
		struct kv kv[] = {
			{ "name_km", "សុខ" }, { "sex", "male" },
			{ "date_of_birth", "2026-01-01" },
			{ "place_of_birth", "129999" }, { "place_type", "home" },
			{ "attendant", "none" }, { "birth_type", "single" },
			{ "mother_name_km", "ចាន់" },
			{ "mother_date_of_birth", "1990-01-01" },
			{ "mother_nationality", "Khmer" },
			{ "mother_residence", "120101" },
			{ "informant_name", "ចាន់" },
			{ "informant_relationship", "mother" },
		};
		size_t before = count(s.store, ST_AUDIT);

		ck_assert_int_eq(regist_declare(&s, "birth", kv, 13, id, &e),
		    CR_EINVAL);
		ck_assert_ptr_nonnull(strstr(e.msg, "place_of_birth: '129999' "
		    "is not a place in the gazetteer"));
		ck_assert_uint_eq(count(s.store, ST_RECORDS), 1);
		ck_assert_uint_eq(count(s.store, ST_AUDIT), before);
		/* A correction must name a record that exists. */
		ck_assert_int_eq(regist_declare(&s, "correction", corr, 9, id,
		    &e), CR_EINVAL);
		ck_assert_msg(strstr(e.msg, "target_ref: '120101-00000077' is "
		    "not a record in this store") != NULL, "%s", e.msg);
		/* ... and one that is registered (tests/law.sh goes on). */
		corr[0].value = "120101-00000001";
		err_clear(&e);
		ck_assert_int_eq(regist_declare(&s, "correction", corr, 9, id,
		    &e), CR_EINVAL);
		ck_assert_msg(strstr(e.msg, "target_ref: 120101-00000001 is "
		    "declared: a Correction of a record is made only from a "
		    "record that is registered,certified,issued") != NULL, "%s",
		    e.msg);
		ck_assert_uint_eq(count(s.store, ST_RECORDS), 1);
	}
	store_close(s.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

static int
count_draft(void *arg, const struct draft *d)
{
	(void)d;
	(*(int *)arg)++;
	return 0;
}

START_TEST(test_drafts_and_queues)
{
	char *dir = t_store_new(), id[REC_IDLEN];
	struct kv kv[] = { { "name_km", "សុខ ដារ៉ា" }, { "sex", "ma" } };
	struct draft d, got;
	struct session s, other;
	struct cr_err e;
	struct hits h = { 0, "" };
	int n = 0;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	memset(&d, 0, sizeof d);
	snprintf(d.form, sizeof d.form, "birth");
	d.kv = kv;
	d.n = 2;
	d.focus = 1;
	ck_assert_int_eq(draft_save(&s, &d, &e), CR_OK);
	/* Unfinished and even invalid values are kept as typed. */
	ck_assert_int_eq(draft_load(&s, "birth", &got, &e), CR_OK);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_str_eq(got.kv[0].value, "សុខ ដារ៉ា");
	ck_assert_str_eq(got.kv[1].value, "ma");
	ck_assert_int_eq(got.focus, 1);
	draft_free(&got);
	ck_assert_int_eq(draft_list(&s, count_draft, &n, &e), CR_OK);
	ck_assert_int_eq(n, 1);
	/* Drafts are per user. */
	t_login(dir, "admin", T_ADMIN_PW, &other);
	ck_assert_int_eq(draft_load(&other, "birth", &got, &e), CR_ENOTFOUND);
	ck_assert_int_eq(draft_delete(&s, "birth", &e), CR_OK);
	ck_assert_int_eq(draft_load(&s, "birth", &got, &e), CR_ENOTFOUND);
	/* Queues by status, lowest ids first. */
	ck_assert_int_eq(t_declare_birth(&s, "សុខ", "Sok", id, &e), CR_OK);
	ck_assert_int_eq(t_declare_birth(&s, "ចាន់", "Chan", id, &e), CR_OK);
	ck_assert_int_eq(regist_queue(&s, RS_DECLARED, 0, 0, queue_hit, &h, &e),
	    CR_OK);
	ck_assert_uint_eq(h.n, 2);
	ck_assert_str_eq(h.first, "120101-00000001");
	h.n = 0;
	ck_assert_int_eq(regist_queue(&s, RS_DECLARED, 2, 0, queue_hit, &h, &e),
	    CR_OK);
	ck_assert_uint_eq(h.n, 0);	/* no deaths */
	ck_assert_int_eq(regist_queue(&s, RS_NOTIFIED, 0, 0, queue_hit, &h, &e),
	    CR_OK);
	ck_assert_uint_eq(h.n, 0);
	ck_assert_int_eq(regist_queue(&other, RS_DECLARED, 0, 0, queue_hit, &h,
	    &e), CR_EPERM);
	{
		/* Leases: one terminal's lease is seen by another. */
		struct lease l;

		ck_assert_int_eq(lease_take(&s, id, "correction", &l, &e),
		    CR_OK);
		ck_assert_int_eq(lease_take(&s, id, "correction", &l, &e),
		    CR_OK);		/* renewing one's own */
		ck_assert_int_eq(lease_take(&other, id, "appeal", &l, &e),
		    CR_EEXIST);
		ck_assert_str_eq(l.user, "clerk");
		ck_assert_str_eq(l.form, "correction");
		ck_assert_int_eq(lease_get(&other, id, &l, &e), CR_OK);
		/* Another's release does nothing; the holder's does. */
		ck_assert_int_eq(lease_release(&other, id, &e), CR_OK);
		ck_assert_int_eq(lease_get(&other, id, &l, &e), CR_OK);
		ck_assert_int_eq(lease_release(&s, id, &e), CR_OK);
		ck_assert_int_eq(lease_get(&other, id, &l, &e), CR_ENOTFOUND);
		/* A lease of a crashed terminal lapses. */
		ck_assert_int_eq(lease_take(&s, id, "correction", &l, &e),
		    CR_OK);
		setenv("CIVREG_NOW", "2026-11-22T10:20:00", 1);
		ck_assert_int_eq(lease_get(&other, id, &l, &e), CR_ENOTFOUND);
		ck_assert_int_eq(lease_take(&other, id, "appeal", &l, &e),
		    CR_OK);
		setenv("CIVREG_NOW", "2026-11-22T10:00:00", 1);
		ck_assert_int_eq(lease_take(&s, id, "x", &l, &e), CR_EEXIST);
		ck_assert_int_eq(lease_take(&s, "nonsense", "x", &l, &e),
		    CR_EINVAL);
	}
	store_close(other.store);
	store_close(s.store);
	t_store_remove(dir);
}
END_TEST

/* Rewrites one audit entry's bytes, as an attacker with the files could. */
static void
tamper_audit(struct store *st, uint64_t seq, int cut)
{
	unsigned char key[8];
	struct buf b;
	struct txn *tx;
	struct cr_err e;

	buf_init(&b);
	be64_put(key, seq);
	ck_assert_int_eq(store_begin(st, &tx, &e), CR_OK);
	ck_assert_int_eq(store_get(tx, ST_AUDIT, key, 8, &b, 1, &e), CR_OK);
	if (cut)
		ck_assert_int_eq(store_del(tx, ST_AUDIT, key, 8, &e), CR_OK);
	else {
		b.data[30] ^= 0x01;	/* a byte of the user name or detail */
		ck_assert_int_eq(store_put(tx, ST_AUDIT, key, 8, b.data, b.len,
		    0, &e), CR_OK);
	}
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	buf_free(&b);
}

START_TEST(test_audit_chain)
{
	char *dir = t_store_new(), id[REC_IDLEN];
	struct session admin, s;
	struct cr_err e;
	uint64_t n;
	struct txn *tx;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ", "Sok", id, &e), CR_OK);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_OK);
	ck_assert_int_eq(store_begin(admin.store, &tx, &e), CR_OK);
	err_clear(&e);
	ck_assert_int_eq(audit_verify_chain(tx, &e, &n), 0);
	store_abort(tx);
	ck_assert_uint_ge(n, 6);
	tamper_audit(admin.store, 3, 0);
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_ECORRUPT);
	ck_assert_msg(strstr(e.msg, "audit.db: entry 3: audit entry 3 was "
	    "altered") != NULL, "%s", e.msg);
	tamper_audit(admin.store, 3, 0);	/* flip it back */
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_OK);
	tamper_audit(admin.store, 2, 1);	/* remove an entry */
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_ECORRUPT);
	ck_assert_msg(strstr(e.msg, "entries 2 to 2 are missing") != NULL, "%s",
	    e.msg);
	store_close(s.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

/*
 * history.db keeps the current revision as a mark (its SHA-256), the
 * record itself being in records.db: a revision replaced is written in
 * full first; both read back as themselves, and the record shows its two
 * revisions; a current record changed behind civreg's back no longer
 * matches its mark, for a reader and for verify.
 */
START_TEST(test_history_marks)
{
	char *dir = t_store_new(), id[REC_IDLEN];
	struct session s, admin;
	struct rec_history h;
	struct record r, shown;
	struct buf k, v, rev1, rev2;
	unsigned char r4[4];
	struct txn *tx;
	struct cr_err e;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ ដារ៉ា", "Sokh Dara", id, &e),
	    CR_OK);
	buf_init(&k);
	buf_init(&v);
	buf_init(&rev1);
	buf_init(&rev2);
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_get(tx, ST_RECORDS, id, strlen(id), &rev1, 1,
	    &e), CR_OK);
	buf_add_cstr(&k, id);
	be32_put(r4, 1);
	buf_add(&k, r4, 4);
	ck_assert_int_eq(store_get(tx, ST_HISTORY, k.data, k.len, &v, 0, &e),
	    CR_OK);
	ck_assert(regist_history_is_mark(v.data, v.len));
	/* A second revision: the first is kept in full, the second marked. */
	ck_assert_int_eq(rec_decode(rev1.data, rev1.len, &r, &e), CR_OK);
	rec_set(&r, "name_latin", "Sok Dara");
	r.rev = 2;
	ck_assert_msg(regist_put_revision(tx, &r, 0, &e) == CR_OK, "%s",
	    e.msg);
	rec_encode(&r, &rev2);
	ck_assert_int_eq(store_get(tx, ST_HISTORY, k.data, k.len, &v, 0, &e),
	    CR_OK);
	ck_assert(v.len == rev1.len && memcmp(v.data, rev1.data, v.len) == 0);
	ck_assert_int_eq(regist_history_get(tx, k.data, k.len, &v, &e), CR_OK);
	ck_assert(v.len == rev1.len && memcmp(v.data, rev1.data, v.len) == 0);
	be32_put((unsigned char *)k.data + k.len - 4, 2);
	ck_assert_int_eq(store_get(tx, ST_HISTORY, k.data, k.len, &v, 0, &e),
	    CR_OK);
	ck_assert(regist_history_is_mark(v.data, v.len));
	ck_assert_int_eq(regist_history_get(tx, k.data, k.len, &v, &e), CR_OK);
	ck_assert(v.len == rev2.len && memcmp(v.data, rev2.data, v.len) == 0);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(regist_show(&s, id, &shown, &h, &e), CR_OK);
	ck_assert_uint_eq(h.n, 2);
	ck_assert_str_eq(rec_value(&h.revs[0], "name_latin"), "Sokh Dara");
	ck_assert_str_eq(rec_value(&h.revs[1], "name_latin"), "Sok Dara");
	rec_free(&shown);
	rec_history_free(&h);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);

	/* Changed behind civreg's back: the mark tells. */
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	rev2.data[rev2.len - 1] ^= 0x20;
	ck_assert_int_eq(store_put(tx, ST_RECORDS, id, strlen(id), rev2.data,
	    rev2.len, 0, &e), CR_OK);
	ck_assert_int_eq(regist_history_get(tx, k.data, k.len, &v, &e),
	    CR_ECORRUPT);
	ck_assert_msg(strstr(e.msg, "differs from the current record") != NULL,
	    "%s", e.msg);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_ECORRUPT);

	rec_free(&r);
	buf_free(&k);
	buf_free(&v);
	buf_free(&rev1);
	buf_free(&rev2);
	store_close(s.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

START_TEST(test_verify_finds_record_damage)
{
	char *dir = t_store_new(), id[REC_IDLEN];
	struct session admin, s;
	struct cr_err e;
	struct buf b;
	struct txn *tx;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ", "Sok", id, &e), CR_OK);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	buf_init(&b);
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_get(tx, ST_RECORDS, id, strlen(id), &b, 1, &e),
	    CR_OK);
	b.data[b.len - 1] ^= 0x20;	/* change a letter of the last value */
	ck_assert_int_eq(store_put(tx, ST_RECORDS, id, strlen(id), b.data,
	    b.len, 0, &e), CR_OK);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_ECORRUPT);
	ck_assert_msg(strstr(e.msg, "differs from the current record") != NULL,
	    "%s", e.msg);
	buf_free(&b);
	store_close(s.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

/*
 * Certificates: the first one certifies a registered record, a reprint is
 * counted, and verify finds a certs.db entry whose code key is gone.
 */
START_TEST(test_cert_print_and_damage)
{
	char *dir = t_store_new(), id[REC_IDLEN], key[CERT_CODE_CHARS + 2];
	struct session admin, s, reg;
	struct wf_request rq;
	struct cert_paper p;
	struct cert_check ck;
	struct cr_err e;
	struct txn *tx;
	size_t i, j;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ ដារ៉ា", "Sok Dara", id, &e),
	    CR_OK);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	t_add_user(&admin, "reg", ROLE_REGISTRAR, "registrar-password");
	t_login(dir, "reg", "registrar-password", &reg);
	ck_assert_int_eq(cert_print(&admin, id, CT_ORIGINAL, &p, &e),
	    CR_EPERM);
	ck_assert_int_eq(cert_print(&reg, id, CT_ORIGINAL, &p, &e), CR_EINVAL);
	memset(&rq, 0, sizeof rq);
	rq.verb = "register";
	rq.id = id;
	rq.reason = "late";
	ck_assert_msg(workflow_act(&reg, &rq, NULL, &e) == CR_OK, "%s", e.msg);
	/* A clerk prints, but does not certify by printing. */
	ck_assert_int_eq(cert_print(&s, id, CT_ORIGINAL, &p, &e), CR_EPERM);
	ck_assert_msg(cert_print(&reg, id, CT_ORIGINAL, &p, &e) == CR_OK, "%s",
	    e.msg);
	ck_assert_int_eq(p.certified, 1);
	ck_assert_int_eq((int)p.info.print, 1);
	ck_assert_ptr_nonnull(strstr(p.text, "សុខ ដារ៉ា"));
	ck_assert_int_eq(p.text[p.len - 1], '\n');
	ck_assert_int_eq(cert_verify(&s, p.info.code, &ck, &e), CR_OK);
	ck_assert_str_eq(ck.info.serial, p.info.serial);
	ck_assert_int_eq((int)ck.rev_now, (int)p.info.rev);
	cert_paper_free(&p);
	ck_assert_int_eq(cert_print(&reg, id, CT_ORIGINAL, &p, &e), CR_OK);
	ck_assert_int_eq(p.certified, 0);
	ck_assert_int_eq((int)p.info.print, 2);
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_OK);
	key[0] = 'C';			/* certs.db: C code -> serial */
	for (i = 0, j = 1; p.info.code[i]; i++)
		if (p.info.code[i] != '-')
			key[j++] = p.info.code[i];
	key[j] = '\0';
	cert_paper_free(&p);
	ck_assert_int_eq(store_begin(reg.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_del(tx, ST_CERTS, key, strlen(key), &e), CR_OK);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_ECORRUPT);
	ck_assert_msg(strstr(e.msg, "certs.db: the code of certificate "
	    "120101-C-000002 does not lead to it") != NULL, "%s", e.msg);
	store_close(s.store);
	store_close(reg.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

/* Receives codes as allocation number from the national office. */
static int
t_receive(struct session *s, uint64_t number, const char *codes,
    size_t *assigned, struct cr_err *e)
{
	struct txn *tx;
	size_t n;
	int rc;

	if ((rc = store_begin(s->store, &tx, e)) != CR_OK)
		return rc;
	rc = kidc_pool_receive(tx, s, "00", number, codes, strlen(codes), &n,
	    assigned, e);
	if (rc == CR_OK)
		return store_commit(tx, e);
	store_abort(tx);
	return rc;
}

/*
 * The pool in the core: a registration with the pool empty waits; a
 * pool arrives and the waiting record gets the oldest code; an
 * allocation holding a code twice, or one not a code, changes nothing;
 * registration takes the next code; verify agrees, and finds a pool
 * whose unused list lost an entry.
 */
START_TEST(test_kidc_pool_core)
{
	char *dir = t_store_new(), id1[REC_IDLEN], id2[REC_IDLEN];
	char codes[3 * KIDC_LEN + 1], bad[2 * KIDC_LEN + 1], key[9];
	struct session admin, clerk, reg;
	struct kidc_issue is;
	struct kidc_stats st;
	struct wf_request rq;
	struct rec_history h;
	struct record r;
	struct cr_err e;
	struct txn *tx;
	size_t assigned, i;

	ck_assert_int_eq(crypto_init(&e), CR_OK);
	for (i = 0; i < 3; i++)
		kidc_generate(codes + i * KIDC_LEN);
	t_login(dir, "clerk", T_CLERK_PW, &clerk);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	t_add_user(&admin, "reg", ROLE_REGISTRAR, "registrar-password");
	t_login(dir, "reg", "registrar-password", &reg);
	ck_assert_int_eq(t_declare_birth(&clerk, "សុខ", "Sok", id1, &e), CR_OK);
	ck_assert_int_eq(t_declare_birth(&clerk, "ចាន់", "Chan", id2, &e),
	    CR_OK);
	memset(&rq, 0, sizeof rq);
	rq.verb = "register";
	rq.id = id1;
	rq.reason = "late";
	rq.issued = &is;
	ck_assert_msg(workflow_act(&reg, &rq, &r, &e) == CR_OK, "%s", e.msg);
	ck_assert_int_eq(is.pending, 1);
	ck_assert_ptr_null(rec_value(&r, "kidc"));
	rec_free(&r);

	/* Refused whole: a code twice; a code with a wrong check digit. */
	memcpy(bad, codes, KIDC_LEN);
	memcpy(bad + KIDC_LEN, codes, KIDC_LEN);
	bad[2 * KIDC_LEN] = '\0';
	ck_assert_int_eq(t_receive(&reg, 1, bad, &assigned, &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "appears twice in allocation 1"));
	bad[2 * KIDC_LEN - 1] = bad[2 * KIDC_LEN - 1] == '0' ? '1' : '0';
	ck_assert_int_eq(t_receive(&reg, 1, bad, &assigned, &e), CR_ECORRUPT);
	ck_assert_int_eq(t_receive(&reg, 1, "12345", &assigned, &e),
	    CR_ECORRUPT);
	ck_assert_int_eq(kidc_pool_stats(&reg, &st, &e), CR_OK);
	ck_assert_int_eq((int)st.unused, 0);
	ck_assert_int_eq((int)st.pending, 1);

	/* The pool arrives: the waiting record takes the oldest code. */
	ck_assert_msg(t_receive(&reg, 1, codes, &assigned, &e) == CR_OK, "%s",
	    e.msg);
	ck_assert_int_eq((int)assigned, 1);
	ck_assert_int_eq(t_receive(&reg, 1, codes + KIDC_LEN, &assigned, &e),
	    CR_EEXIST);
	ck_assert_int_eq(regist_show(&reg, id1, &r, &h, &e), CR_OK);
	rec_history_free(&h);
	ck_assert_int_eq(r.action, RA_ASSIGN);
	ck_assert_int_eq((int)strlen(rec_value(&r, "kidc")), KIDC_LEN);
	ck_assert_int_eq(memcmp(rec_value(&r, "kidc"), codes, KIDC_LEN), 0);
	rec_free(&r);
	rq.id = id2;
	ck_assert_msg(workflow_act(&reg, &rq, &r, &e) == CR_OK, "%s", e.msg);
	ck_assert_int_eq(is.pending, 0);
	ck_assert_int_eq(memcmp(is.code, codes + KIDC_LEN, KIDC_LEN), 0);
	ck_assert_int_eq((int)is.left, 1);
	ck_assert_int_eq(is.low, 1);		/* below the default 100 */
	ck_assert_str_eq(rec_value(&r, "kidc"), is.code);
	rec_free(&r);
	ck_assert_int_eq(kidc_pool_stats(&reg, &st, &e), CR_OK);
	ck_assert_int_eq((int)st.unused, 1);
	ck_assert_int_eq((int)st.issued, 2);
	ck_assert_int_eq((int)st.pending, 0);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);

	/* An upstream receipt up to the change log's end confirms both. */
	ck_assert_int_eq(store_begin(reg.store, &tx, &e), CR_OK);
	ck_assert_int_eq(kidc_pool_confirm(tx, 1000, &assigned, &e), CR_OK);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq((int)assigned, 2);
	ck_assert_int_eq(kidc_pool_stats(&reg, &st, &e), CR_OK);
	ck_assert_int_eq((int)st.confirmed, 2);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);

	/* Damage: the last unused code drops off its list. */
	key[0] = 'U';
	be64_put((unsigned char *)key + 1, 3);
	ck_assert_int_eq(store_begin(reg.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_del(tx, ST_KIDC, key, 9, &e), CR_OK);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_ECORRUPT);
	ck_assert_msg(strstr(e.msg, "kidc.db: 1 pool codes are unused, but 0 "
	    "are listed as unused") != NULL, "%s", e.msg);
	store_close(clerk.store);
	store_close(reg.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

static int
count_found(void *arg, const struct record *r, double score)
{
	(void)r;
	(void)score;
	(*(size_t *)arg)++;
	return 0;
}

/*
 * The ids under the entry of a one-word name (folded as the index folds
 * it) and under no longer one, in the order a scan gives.
 */
static size_t
entry_ids(struct txn *tx, const char *word, struct keylist *kl)
{
	struct keylist tok = { 0, NULL };
	struct cr_err e;
	struct buf p;

	index_name_tokens(word, &tok);
	ck_assert_uint_eq(tok.n, 1);
	buf_init(&p);
	buf_add(&p, tok.keys[0].data, tok.keys[0].len);
	buf_add_u8(&p, 0);	/* the entry's end: "sok", not "sokha" */
	kl->n = 0;
	kl->keys = NULL;
	ck_assert_msg(store_index_scan(tx, SI_NAME, p.data, p.len,
	    keylist_collect, kl, &e) == CR_OK, "%s", e.msg);
	buf_free(&p);
	keylist_free(&tok);
	return kl->n;
}

/* want[0..n) (sorted ids) is exactly what the entry holds, in order. */
static void
entry_is(struct txn *tx, const char *token, char (*want)[REC_IDLEN],
    size_t n)
{
	struct keylist kl;
	size_t i;

	ck_assert_uint_eq(entry_ids(tx, token, &kl), n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq((char *)kl.keys[i].data, want[i]);
	keylist_free(&kl);
}

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* A copy of src as record id, revision rev, with a Latin name. */
static void
copy_as(const struct record *src, const char *id, const char *latin,
    uint32_t rev, struct record *r, struct buf *enc)
{
	struct buf b;
	struct cr_err e;

	buf_init(&b);
	rec_encode(src, &b);
	ck_assert_int_eq(rec_decode(b.data, b.len, r, &e), CR_OK);
	snprintf(r->id, sizeof r->id, "%s", id);
	rec_set(r, "name_latin", latin);
	r->rev = rev;
	buf_reset(enc);
	rec_encode(r, enc);
	buf_free(&b);
}

/*
 * ix_name.db keeps each entry's ids in blocks (store.c): thousands of
 * ids of one name, written fresh in a random order, come back all, in
 * id order, across many blocks; ids taken out (a record deleted, a name
 * changed) go, among them the first id of the entry and of blocks; an
 * id before all the others, one in the middle and one after all, each
 * written alone, go in their place; verify agrees throughout.
 */
START_TEST(test_name_blocks)
{
	enum { N = 3000 };
	char *dir = t_store_new(), id[REC_IDLEN];
	static char want[N + 3][REC_IDLEN], all[N][REC_IDLEN];
	struct session s, admin;
	struct record r, src;
	struct buf enc;
	struct txn *tx;
	struct cr_err e;
	size_t i, j, n, perm[N];

	t_login(dir, "clerk", T_CLERK_PW, &s);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ ដារ៉ា", "Sokh Dara", id, &e),
	    CR_OK);
	buf_init(&enc);
	/* The copies are made from src (no read inside the transactions). */
	fresh_copy(&s, id, id, "Sokh Dara", &src, &enc);
	srand(7);
	for (i = 0; i < N; i++)
		perm[i] = i;
	for (i = N - 1; i > 0; i--) {
		size_t k = (size_t)rand() % (i + 1), t = perm[i];

		perm[i] = perm[k];
		perm[k] = t;
	}
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	for (i = 0; i < N; i++) {
		snprintf(all[perm[i]], REC_IDLEN, "120101-%08zu",
		    1000 + 2 * perm[i]);
		copy_as(&src, all[perm[i]], "Blocky Sok", 1, &r, &enc);
		ck_assert_int_eq(store_put_fresh(tx, &r, enc.data, enc.len,
		    &e), CR_OK);
		log_rev(tx, &r, &enc);
		rec_free(&r);
	}
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	entry_is(tx, "Blocky", all, N);
	store_abort(tx);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);

	/* Names changed: the first id, every seventh, the last. */
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	for (i = n = 0; i < N; i++) {
		if (i == 0 || i % 7 == 3 || i == N - 1) {
			copy_as(&src, all[i], "Other Sok", 2, &r, &enc);
			ck_assert_int_eq(store_put(tx, ST_RECORDS, r.id,
			    strlen(r.id), enc.data, enc.len, 0, &e), CR_OK);
			log_rev(tx, &r, &enc);
			rec_free(&r);
			continue;
		}
		memcpy(want[n++], all[i], REC_IDLEN);
	}
	/* Written alone: before every id, between two, after every one. */
	{
		const char *more[3] = { "120101-00000010", "120101-00001003",
		    "120101-00009999" };

		for (j = 0; j < 3; j++) {
			copy_as(&src, more[j], "Blocky Sok", 1, &r, &enc);
			ck_assert_int_eq(store_put(tx, ST_RECORDS, r.id,
			    strlen(r.id), enc.data, enc.len, 1, &e), CR_OK);
			log_rev(tx, &r, &enc);
			rec_free(&r);
			snprintf(want[n++], REC_IDLEN, "%s", more[j]);
		}
	}
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	qsort(want, n, REC_IDLEN, id_cmp);
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	entry_is(tx, "Blocky", want, n);
	/* "sok" keeps every one of them: the changed names have it too. */
	{
		struct keylist kl;

		ck_assert_uint_eq(entry_ids(tx, "Sok", &kl), N + 3 + 1);
		keylist_free(&kl);
	}
	store_abort(tx);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);

	/* A record written again with no change keeps its entries. */
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_get(tx, ST_RECORDS, want[5], strlen(want[5]),
	    &enc, 0, &e), CR_OK);
	ck_assert_int_eq(store_put(tx, ST_RECORDS, want[5], strlen(want[5]),
	    enc.data, enc.len, 0, &e), CR_OK);
	entry_is(tx, "Blocky", want, n);
	/* ... and one deleted loses them. */
	ck_assert_int_eq(store_del(tx, ST_RECORDS, want[0], strlen(want[0]),
	    &e), CR_OK);
	entry_is(tx, "Blocky", want + 1, n - 1);
	store_abort(tx);

	rec_free(&src);
	buf_free(&enc);
	store_close(s.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

/* The folded index entry of a one-word name. */
static void
word_entry(const char *word, struct buf *b)
{
	struct keylist tok = { 0, NULL };

	index_name_tokens(word, &tok);
	ck_assert_uint_eq(tok.n, 1);
	buf_init(b);
	buf_add(b, tok.keys[0].data, tok.keys[0].len);
	keylist_free(&tok);
}

/* Collects ids; stops after stop of them (0: never). */
struct ids_upto {
	struct keylist	kl;
	size_t		stop;
};

static int
ids_upto(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct ids_upto *u = arg;

	keylist_collect(&u->kl, k, kl, v, vl);
	return u->stop && u->kl.n >= u->stop;
}

/* The ids the whole words have in common: exactly want[0..n), in order. */
static int
common_is(struct txn *tx, const char *const *words, size_t nw,
    size_t budget, size_t stop, char (*want)[REC_IDLEN], size_t n)
{
	struct ids_upto u = { { 0, NULL }, stop };
	struct buf ent[4];
	struct cr_err e;
	size_t i;
	int more;

	for (i = 0; i < nw; i++)
		word_entry(words[i], &ent[i]);
	ck_assert_msg(store_index_intersect(tx, SI_NAME, ent, nw, budget,
	    ids_upto, &u, &more, &e) == CR_OK, "%s", e.msg);
	if (!more)
		ck_assert_uint_eq(u.kl.n, n);
	ck_assert_uint_le(u.kl.n, n);
	for (i = 0; i < u.kl.n; i++)
		ck_assert_str_eq((char *)u.kl.keys[i].data, want[i]);
	keylist_free(&u.kl);
	for (i = 0; i < nw; i++)
		buf_free(&ent[i]);
	return more;
}

/*
 * store_index_intersect: the records that have every one of some whole
 * words, from entries of thousands of ids over many blocks -- a common
 * word with a rarer one, with a word of three records, with a word no
 * record has, one word alone; a visitor that stops; a budget that runs
 * out gives the first of them and says so.
 */
START_TEST(test_index_intersect)
{
	enum { N = 4000 };
	char *dir = t_store_new(), id[REC_IDLEN], name[64];
	static char all[N][REC_IDLEN], w3[N][REC_IDLEN], w21[N][REC_IDLEN];
	static char w7d[3][REC_IDLEN];
	const char *abg[] = { "Alpha", "Beta", "Gamma" },
	    *gd[] = { "Gamma", "Delta" }, *an[] = { "Alpha", "Nosuch" },
	    *a1[] = { "Alpha" }, *ab[] = { "Alpha", "Beta" },
	    *da[] = { "Delta", "Alpha" };
	struct session s;
	struct record r, src;
	struct buf enc;
	struct txn *tx;
	struct cr_err e;
	size_t i, n3 = 0, n21 = 0, nd = 0;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ ដារ៉ា", "Sokh Dara", id, &e),
	    CR_OK);
	buf_init(&enc);
	fresh_copy(&s, id, id, "Sokh Dara", &src, &enc);
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	for (i = 0; i < N; i++) {
		snprintf(all[i], REC_IDLEN, "120101-%08zu", 1000 + 2 * i);
		snprintf(name, sizeof name, "Alpha%s%s%s", i % 3 ? "" :
		    " Beta", i % 7 ? "" : " Gamma", i == 5 || i == 2100 ||
		    i == 3997 ? " Delta" : "");
		if (i % 3 == 0)
			memcpy(w3[n3++], all[i], REC_IDLEN);
		if (i % 21 == 0)
			memcpy(w21[n21++], all[i], REC_IDLEN);
		if ((i == 5 || i == 2100 || i == 3997) && i % 7 == 0)
			memcpy(w7d[nd++], all[i], REC_IDLEN);
		copy_as(&src, all[i], name, 1, &r, &enc);
		ck_assert_int_eq(store_put_fresh(tx, &r, enc.data, enc.len,
		    &e), CR_OK);
		rec_free(&r);
	}
	/* One with Beta and Gamma but not Alpha: not common to all three. */
	copy_as(&src, "120101-00000003", "Beta Gamma", 1, &r, &enc);
	ck_assert_int_eq(store_put_fresh(tx, &r, enc.data, enc.len, &e),
	    CR_OK);
	rec_free(&r);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_uint_eq(nd, 2);	/* 2100 and 3997 are sevens */

	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_int_eq(common_is(tx, abg, 3, 100000, 0, w21, n21), 0);
	ck_assert_int_eq(common_is(tx, gd, 2, 100000, 0, w7d, nd), 0);
	{
		char (*delta)[REC_IDLEN] = xcalloc(3, REC_IDLEN);

		memcpy(delta[0], all[5], REC_IDLEN);
		memcpy(delta[1], all[2100], REC_IDLEN);
		memcpy(delta[2], all[3997], REC_IDLEN);
		ck_assert_int_eq(common_is(tx, da, 2, 100000, 0, delta, 3), 0);
		free(delta);
	}
	ck_assert_int_eq(common_is(tx, an, 2, 100000, 0, w21, 0), 0);
	ck_assert_int_eq(common_is(tx, a1, 1, 100000, 0, all, N), 0);
	/* A visitor that has enough stops it: the first ones. */
	ck_assert_int_eq(common_is(tx, ab, 2, 100000, 7, w3, 7), 0);
	/* A budget of a few blocks: the first ones, and it says so. */
	ck_assert_int_eq(common_is(tx, ab, 2, 6, 0, w3, n3), 1);
	store_abort(tx);

	rec_free(&src);
	buf_free(&enc);
	store_close(s.store);
	t_store_remove(dir);
}
END_TEST

/*
 * Two words each in more records than a search lists by prefix: the
 * records with both words whole are found, not refused; a word that is
 * only a prefix there is still "type more".  (A hundred thousand
 * records: the slow case.)
 */
START_TEST(test_search_common_words)
{
	enum { N = 101000 };
	char *dir = t_store_new(), id[REC_IDLEN], rid[REC_IDLEN];
	struct session s;
	struct record r, src;
	struct buf enc;
	struct txn *tx;
	struct cr_err e;
	size_t i, n = 0;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ ដារ៉ា", "Sok Dara", id, &e),
	    CR_OK);
	buf_init(&enc);
	fresh_copy(&s, id, id, "Sok Dara", &src, &enc);
	for (i = 0; i < N; i++) {
		if (i % 10000 == 0)
			ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
		snprintf(rid, REC_IDLEN, "120101-%08zu", 10 + i);
		copy_as(&src, rid, i % 2 ? "Sok Dara" : "Dara Sok", 1, &r,
		    &enc);
		ck_assert_int_eq(store_put_fresh(tx, &r, enc.data, enc.len,
		    &e), CR_OK);
		rec_free(&r);
		if (i % 10000 == 9999 || i == N - 1)
			ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	}
	ck_assert_msg(regist_search(&s, "Sok Dara", 50, count_found, &n,
	    &e) == CR_OK, "%s", e.msg);
	ck_assert_uint_eq(n, 50);
	n = 0;
	ck_assert_msg(regist_search(&s, "ដារ៉ា សុខ", 20, count_found, &n,
	    &e) == CR_OK, "%s", e.msg);
	ck_assert_uint_eq(n, 20);
	ck_assert_int_eq(regist_search(&s, "Sok Dar", 50, count_found, &n,
	    &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "too many records have a name "
	    "beginning with"));
	ck_assert_ptr_nonnull(strstr(e.msg, "type more of the name"));

	rec_free(&src);
	buf_free(&enc);
	store_close(s.store);
	t_store_remove(dir);
}
END_TEST

/*
 * A store whose name index was built by older name rules: search says
 * to reindex, verify reports it, a clerk may not reindex, an
 * administrator's reindex rebuilds it and search and verify are right
 * again.
 */
START_TEST(test_reindex)
{
	char *dir = t_store_new(), id[REC_IDLEN];
	struct session admin, clerk;
	struct cr_err e;
	struct txn *tx;
	size_t n = 0, records;

	t_login(dir, "clerk", T_CLERK_PW, &clerk);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	ck_assert_int_eq(t_declare_birth(&clerk, "សុខ ដារ៉ា", "Sokh Dara", id,
	    &e), CR_OK);
	ck_assert_int_eq(t_declare_birth(&clerk, "ចាន់", "Chan", id, &e),
	    CR_OK);
	ck_assert_int_eq(store_begin(admin.store, &tx, &e), CR_OK);
	ck_assert_int_eq(meta_put_u64(tx, "index.name", 1, &e), CR_OK);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(regist_search(&clerk, "Sok", 10, count_found, &n, &e),
	    CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "'civreg reindex'"));
	ck_assert_int_eq(verify_quiet(&admin, &e), CR_ECORRUPT);
	ck_assert_int_eq(verify_reindex(&clerk, &records, &e), CR_EPERM);
	ck_assert_msg(verify_reindex(&admin, &records, &e) == CR_OK, "%s",
	    e.msg);
	ck_assert_uint_eq(records, 2);
	ck_assert_int_eq(regist_search(&clerk, "Sok", 10, count_found, &n, &e),
	    CR_OK);
	ck_assert_uint_eq(n, 1);
	n = 0;
	ck_assert_int_eq(regist_search(&clerk, "Sok", 10, count_found, &n, &e),
	    CR_OK);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);
	store_close(clerk.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

/* A child with a pipe to the parent: fd[1] in the child, fd[0] here. */
static pid_t
t_fork_pipe(int fd[2])
{
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	close(fd[pid == 0 ? 0 : 1]);
	return pid;
}

/* All the child wrote until it ended, NUL-terminated; fd closed. */
static size_t
t_drain(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t got;

	while ((got = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	buf[len] = '\0';
	return len;
}

/*
 * Crash safety: a child declares records as fast as it can and writes
 * each id to a pipe after its commit returns; the parent kills it with
 * SIGKILL at a random moment.  Every id the child printed must be in the
 * store after recovery, and verify must find nothing wrong.
 */
START_TEST(test_crash_rounds)
{
	char *dir = t_store_new();
	unsigned seed = (unsigned)time(NULL);
	int round, total = 0;

	for (round = 0; round < 20; round++) {
		int fd[2], status;
		pid_t pid;
		char buf[65536];
		size_t len;

		if ((pid = t_fork_pipe(fd)) == 0) {
			struct session s;
			struct cr_err e;
			char id[REC_IDLEN], line[REC_IDLEN + 1];

			t_login(dir, "clerk", T_CLERK_PW, &s);
			for (;;) {
				if (t_declare_birth(&s, "សុខ ដារ៉ា", "Sok Dara",
				    id, &e) != CR_OK)
					_exit(3);
				snprintf(line, sizeof line, "%s\n", id);
				if (write(fd[1], line, strlen(line)) < 0)
					_exit(4);
			}
		}
		usleep(100000 + (unsigned)(rand_r(&seed) % 400000));
		kill(pid, SIGKILL);
		len = t_drain(fd[0], buf, sizeof buf);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "the writer stopped by itself "
		    "(status %d)", status);
		{
			struct session s;
			struct cr_err e;
			struct txn *tx;
			char *line, *save;
			int n = 0;

			t_login(dir, "admin", T_ADMIN_PW, &s);
			ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
			for (line = strtok_r(buf, "\n", &save); line;
			    line = strtok_r(NULL, "\n", &save)) {
				if (save != NULL && *save == '\0' &&
				    buf[len - 1] != '\n')
					break;	/* a torn last line */
				ck_assert_msg(store_get(tx, ST_RECORDS, line,
				    strlen(line), NULL, 0, &e) == CR_OK,
				    "round %d: %s acknowledged but lost", round,
				    line);
				n++;
			}
			store_abort(tx);
			ck_assert_msg(verify_quiet(&s, &e) == CR_OK, "round %d: "
			    "%s", round, e.msg);
			store_close(s.store);
			total += n;
		}
	}
	ck_assert_int_gt(total, 20);
	t_store_remove(dir);
}
END_TEST

/*
 * store_run_bulk (imports of big files, DB_TXN_BULK): what it adds on new
 * pages is not logged but written at commit, so it must still be all or
 * nothing.  An error inside leaves nothing; a writer killed with SIGKILL
 * at a random moment of such a transaction -- while it adds, while its
 * pages are written at commit, or after -- leaves after recovery either
 * every record of it or none, with indexes and history that verify
 * accepts; a committed one survives reopening; ordinary transactions go
 * on as before afterwards.
 */
struct bulk_job {
	const struct record	*src;
	int			 round, fail, tell;
};

enum { BULK_N = 2500 };

static int
bulk_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct bulk_job *b = arg;
	struct record r;
	struct buf enc;
	char id[REC_IDLEN];
	int i, rc = CR_OK;

	buf_init(&enc);
	for (i = 0; i < BULK_N && rc == CR_OK; i++) {
		snprintf(id, sizeof id, "120101-%08d", 100000 * b->round + i);
		copy_as(b->src, id, i % 2 ? "Bora Sok" : "Heap Chan", 1, &r,
		    &enc);
		rc = store_put_fresh(tx, &r, enc.data, enc.len, e);
		if (rc == CR_OK)
			log_rev(tx, &r, &enc);
		rec_free(&r);
		/* Half-way: the parent may kill now, mid-transaction. */
		if (i == BULK_N / 2 && b->tell >= 0 && write(b->tell, "w\n",
		    2) != 2)
			rc = err_set(e, CR_EIO, "pipe");
	}
	buf_free(&enc);
	if (rc == CR_OK && b->fail)
		rc = err_set(e, CR_EINVAL, "refused on purpose");
	return rc;
}

START_TEST(test_bulk_rounds)
{
	char *dir = t_store_new(), id[REC_IDLEN];
	unsigned seed = (unsigned)time(NULL);
	struct session s, admin;
	struct record src;
	struct buf enc;
	struct bulk_job b;
	struct txn *tx;
	struct cr_err e;
	size_t base, want;
	int round, done = 0, cut = 0;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_int_eq(t_declare_birth(&s, "សុខ ដារ៉ា", "Sokh Dara", id, &e),
	    CR_OK);
	buf_init(&enc);
	fresh_copy(&s, id, id, "Sokh Dara", &src, &enc);
	base = want = count(s.store, ST_RECORDS);

	/* Refused inside: nothing of it, and the store goes on. */
	b.src = &src;
	b.round = 1;
	b.fail = 1;
	b.tell = -1;
	ck_assert_int_eq(store_run_bulk(s.store, bulk_txn, &b, &e), CR_EINVAL);
	ck_assert_uint_eq(count(s.store, ST_RECORDS), base);
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_uint_eq(token_ids(tx, "bora", NULL), 0);
	store_abort(tx);
	ck_assert_int_eq(t_declare_birth(&s, "ចាន់ ហៀប", "Chan Heap", id, &e),
	    CR_OK);
	want = ++base;
	store_close(s.store);

	for (round = 2; round < 12; round++) {
		int fd[2], status;
		pid_t pid;
		char buf[64];

		if ((pid = t_fork_pipe(fd)) == 0) {
			struct session c;

			t_login(dir, "clerk", T_CLERK_PW, &c);
			b.fail = 0;
			b.round = round;
			b.tell = fd[1];
			if (store_run_bulk(c.store, bulk_txn, &b, &e) != CR_OK)
				_exit(3);
			if (write(fd[1], "c\n", 2) != 2)
				_exit(4);
			if (round == 11) {	/* the last one ends by itself */
				store_close(c.store);
				_exit(0);
			}
			for (;;)
				pause();
		}
		/* Round 2 dies right after its half-way mark; others later. */
		ck_assert_int_eq(read(fd[0], buf, 2), 2);
		if (round > 2 && round < 11)
			usleep((unsigned)(rand_r(&seed) % 1500000));
		if (round < 11)
			kill(pid, SIGKILL);
		t_drain(fd[0], buf, sizeof buf);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(round == 11 ? WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0 : WIFSIGNALED(status),
		    "round %d: the writer ended with status %d", round, status);

		t_login(dir, "admin", T_ADMIN_PW, &admin);
		{
			size_t n = count(admin.store, ST_RECORDS);

			ck_assert_msg(n == want || n == want + BULK_N, "round "
			    "%d: %zu records after the crash, not %zu or %zu",
			    round, n, want, want + BULK_N);
			ck_assert_msg(strstr(buf, "c\n") == NULL || n == want +
			    BULK_N, "round %d: committed, then lost", round);
			if (n == want + BULK_N) {
				done++;
				want = n;
			} else
				cut++;
		}
		ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "round %d: %s",
		    round, e.msg);
		store_close(admin.store);
	}
	ck_assert_int_ge(cut, 1);	/* round 2 at least */
	ck_assert_int_ge(done, 1);	/* round 11 at least */

	/* Reopened, all there, found by name; a clerk goes on writing. */
	t_login(dir, "clerk", T_CLERK_PW, &s);
	ck_assert_uint_eq(count(s.store, ST_RECORDS), want);
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	ck_assert_uint_eq(token_ids(tx, "bora", NULL), (size_t)done *
	    BULK_N / 2);
	ck_assert_uint_eq(token_ids(tx, "heap", NULL), (size_t)done *
	    BULK_N / 2 + 1);
	store_abort(tx);
	ck_assert_int_eq(t_declare_birth(&s, "ចាន់ ហៀប", "Chan Heap", id, &e),
	    CR_OK);
	t_login(dir, "admin", T_ADMIN_PW, &admin);
	ck_assert_msg(verify_quiet(&admin, &e) == CR_OK, "%s", e.msg);
	rec_free(&src);
	buf_free(&enc);
	store_close(s.store);
	store_close(admin.store);
	t_store_remove(dir);
}
END_TEST

START_TEST(test_concurrent_writers)
{
	char *dir = t_store_new();
	struct session s;
	struct cr_err e;
	pid_t pids[4];
	int i, status;

	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct session c;
			char id[REC_IDLEN];
			int j;

			t_login(dir, "clerk", T_CLERK_PW, &c);
			for (j = 0; j < 1000; j++)
				if (t_declare_birth(&c, "សុខ", "Sok", id, &e) !=
				    CR_OK) {
					fprintf(stderr, "writer %d: %s\n", i,
					    e.msg);
					_exit(1);
				}
			store_close(c.store);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "writer %d failed", i);
	}
	t_login(dir, "admin", T_ADMIN_PW, &s);
	ck_assert_uint_eq(count(s.store, ST_RECORDS), 4000);
	ck_assert_uint_eq(count(s.store, ST_CHANGES), 4000);
	ck_assert_msg(verify_quiet(&s, &e) == CR_OK, "%s", e.msg);
	store_close(s.store);
	{
		/* Checkpoints let old log files go: they do not pile up. */
		char cmd[4300];
		FILE *p;
		int logs = -1;

		snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '^log\\.'", dir);
		ck_assert_ptr_nonnull(p = popen(cmd, "r"));
		ck_assert_int_eq(fscanf(p, "%d", &logs), 1);
		pclose(p);
		ck_assert_msg(logs >= 1 && logs <= 2, "%d log files left", logs);
		/* ... though more than two were written. */
		snprintf(cmd, sizeof cmd, "ls '%s' | sed -n 's/^log\\.0*//p' | "
		    "sort -n | tail -n 1", dir);
		ck_assert_ptr_nonnull(p = popen(cmd, "r"));
		ck_assert_int_eq(fscanf(p, "%d", &logs), 1);
		pclose(p);
		ck_assert_msg(logs >= 3, "the test wrote too little log (%d "
		    "files) to show that old files are removed", logs);
	}
	t_store_remove(dir);
}
END_TEST

/*
 * A hang-up or Ctrl-C inside a transaction waits for its end: a process
 * that died holding Berkeley DB's mutexes or locks would stop every other
 * terminal of the office.
 */
static volatile sig_atomic_t t_signalled;

static void
t_on_signal(int sig)
{
	t_signalled = sig;
}

START_TEST(test_store_holds_signals)
{
	char *dir = t_store_new();
	struct sigaction sa, old_hup, old_int;
	struct session s;
	struct txn *tx;
	struct cr_err e;

	t_login(dir, "clerk", T_CLERK_PW, &s);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = t_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, &old_hup);
	sigaction(SIGINT, &sa, &old_int);
	t_signalled = 0;
	ck_assert_int_eq(store_begin(s.store, &tx, &e), CR_OK);
	raise(SIGHUP);
	ck_assert_int_eq(t_signalled, 0);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(t_signalled, SIGHUP);
	t_signalled = 0;
	ck_assert_int_eq(store_begin_read(s.store, &tx, &e), CR_OK);
	raise(SIGINT);
	ck_assert_int_eq(t_signalled, 0);
	store_abort(tx);
	ck_assert_int_eq(t_signalled, SIGINT);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGINT, &old_int, NULL);
	store_close(s.store);
	t_store_remove(dir);
}
END_TEST

/* --- keys.c: encodings, chains, revocation ------------------------------ */

static struct office_cert
k_sample_cert(void)
{
	struct office_cert c;
	size_t i;

	memset(&c, 0, sizeof c);
	strcpy(c.office, "120101");
	c.level = LV_COMMUNE;
	strcpy(c.issuer, "12");
	for (i = 0; i < KEY_LEN; i++) {
		c.sign_pk[i] = (unsigned char)i;
		c.enc_pk[i] = (unsigned char)(100 + i);
	}
	memset(c.issuer_id, 0xab, KEY_ID_LEN);
	c.issued = 1795341600;
	memset(c.sig, 0x5a, KEY_SIG_LEN);
	return c;
}

START_TEST(test_keys_encoding)
{
	struct office_cert c = k_sample_cert(), d, chain[KEYS_MAX_CHAIN];
	struct key_revocation r, q;
	struct cr_err e;
	struct buf b;
	size_t n;

	buf_init(&b);
	keys_cert_encode(&c, &b);
	ck_assert_uint_eq(b.len, 180);
	ck_assert(memcmp(b.data, "OC\001120101\0", 10) == 0);
	/* issued is big-endian, just before the signature */
	ck_assert_uint_eq(b.data[180 - 64 - 8], 0);
	ck_assert_uint_eq(b.data[180 - 64 - 1], 1795341600u & 0xff);
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_OK);
	ck_assert(memcmp(&c, &d, sizeof c) == 0);
	/* strict: length, magic, version, padding, code, level, issuer */
	ck_assert_int_eq(keys_cert_decode(b.data, b.len - 1, &d, &e), CR_EINVAL);
	buf_add_u8(&b, 0);
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_EINVAL);
	b.len--;
	b.data[0] = 'X';
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_EINVAL);
	b.data[0] = 'O';
	b.data[2] = 2;
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "version 2"));
	b.data[2] = 1;
	b.data[3 + 10] = 'x';		/* a byte after the NUL */
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_EINVAL);
	b.data[3 + 10] = 0;
	b.data[3 + 16] = LV_PROVINCE;	/* a 6-digit province */
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_EINVAL);
	b.data[3 + 16] = LV_COMMUNE;
	b.data[3 + 5] = 'a';		/* not digits */
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_EINVAL);
	b.data[3 + 5] = '1';
	b.data[84] = '1';		/* issuer "1": too short */
	b.data[85] = 0;
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_EINVAL);
	b.data[85] = '2';
	ck_assert_int_eq(keys_cert_decode(b.data, b.len, &d, &e), CR_OK);

	/* a key file: header, then certificates */
	buf_reset(&b);
	chain[0] = c;
	chain[1] = c;
	keys_chain_encode(chain, 2, &b);
	ck_assert_uint_eq(b.len, 4 + 2 * 180);
	ck_assert_int_eq(keys_chain_decode(b.data, b.len, chain, &n, &e), CR_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(keys_chain_decode(b.data, b.len - 180, chain, &n, &e),
	    CR_EINVAL);
	b.data[3] = 5;
	ck_assert_int_eq(keys_chain_decode(b.data, b.len, chain, &n, &e),
	    CR_EINVAL);
	b.data[3] = 0;
	ck_assert_int_eq(keys_chain_decode(b.data, b.len, chain, &n, &e),
	    CR_EINVAL);

	memset(&r, 0, sizeof r);
	strcpy(r.office, "120101");
	strcpy(r.issuer, "12");
	memset(r.id, 1, KEY_ID_LEN);
	memset(r.issuer_id, 2, KEY_ID_LEN);
	r.time = 42;
	memset(r.sig, 3, KEY_SIG_LEN);
	buf_reset(&b);
	keys_revocation_encode(&r, &b);
	ck_assert_uint_eq(b.len, 123);
	ck_assert(memcmp(b.data, "OR\001", 3) == 0);
	ck_assert_int_eq(keys_revocation_decode(b.data, b.len, &q, &e), CR_OK);
	ck_assert(memcmp(&r, &q, sizeof r) == 0);
	ck_assert_int_eq(keys_revocation_decode(b.data, b.len - 1, &q, &e),
	    CR_EINVAL);
	b.data[1] = 'C';
	ck_assert_int_eq(keys_revocation_decode(b.data, b.len, &q, &e),
	    CR_EINVAL);
	buf_free(&b);

	ck_assert(keys_authority("00", "120101"));
	ck_assert(keys_authority("12", "120101"));
	ck_assert(keys_authority("120101", "120101"));
	ck_assert(!keys_authority("13", "120101"));
	ck_assert(!keys_authority("120102", "120101"));
}
END_TEST

/* A store for office code at base/name, logged in as admin. */
static void
k_office(const char *base, const char *name, const char *code, int level,
    struct session *s)
{
	struct office_init in;
	struct cr_err e;
	char dir[4200];

	snprintf(dir, sizeof dir, "%s/%s", base, name);
	memset(&in, 0, sizeof in);
	in.dir = dir;
	in.office = code;
	in.level = level;
	in.admin = "admin";
	in.password = T_ADMIN_PW;
	err_clear(&e);
	ck_assert_int_eq(crypto_init(&e), CR_OK);
	ck_assert_msg(office_init(&in, &e) == CR_OK, "%s", e.msg);
	t_login(dir, "admin", T_ADMIN_PW, s);
}

static void
k_fpr(struct session *s, char fpr[KEYS_FPR_HEX + 1])
{
	struct keys_status st;
	struct cr_err e;

	ck_assert_msg(keys_status(s, &st, &e) == CR_OK, "%s", e.msg);
	ck_assert(st.have);
	keys_fingerprint(st.chain[0].sign_pk, fpr);
}

/* parent certifies child (child trusts root first); child installs. */
static void
k_join(struct session *parent, struct session *child, const struct buf *root,
    const char *fpr, struct buf *certified)
{
	struct office_cert c;
	struct cr_err e;
	struct buf b;
	int own;

	buf_init(&b);
	ck_assert_msg(keys_trust(child, root->data, root->len, fpr, &c, &e) ==
	    CR_OK, "%s", e.msg);
	ck_assert_msg(keys_export(child, &b, &c, &e) == CR_OK, "%s", e.msg);
	ck_assert_msg(keys_certify(parent, b.data, b.len, certified, &c, &e) ==
	    CR_OK, "%s", e.msg);
	ck_assert_msg(keys_install(child, certified->data, certified->len, &c,
	    &own, &e) == CR_OK, "%s", e.msg);
	ck_assert(own);
	buf_free(&b);
}

static int
k_contains(const struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, p, n) == 0)
			return 1;
	return 0;
}

/* Verifies chain in a write transaction of s; returns the status. */
static int
k_verify(struct session *s, const struct office_cert *chain, size_t n,
    struct cr_err *e)
{
	struct txn *tx;
	int rc;

	ck_assert_int_eq(store_begin(s->store, &tx, e), CR_OK);
	rc = keys_verify_chain(tx, chain, n, e);
	if (rc == CR_OK)
		ck_assert_int_eq(store_commit(tx, e), CR_OK);
	else
		store_abort(tx);
	return rc;
}

struct k_revs {
	size_t			n;
	struct key_revocation	r;
};

static int
k_rev_visit(void *arg, const struct key_revocation *r)
{
	struct k_revs *k = arg;

	k->n++;
	k->r = *r;
	return 0;
}

START_TEST(test_keys_chains)
{
	struct session nat, prov, com, com2, nat2;
	struct office_cert ch[KEYS_MAX_CHAIN], bad[KEYS_MAX_CHAIN], c, other;
	struct office_keys k;
	struct key_revocation rv;
	struct k_revs revs;
	struct keys_status st;
	struct txn *tx;
	struct cr_err e;
	struct buf root, root2, pc, cc, c2, b;
	char tmpl[] = "/tmp/civreg-keys-XXXXXX", fpr[KEYS_FPR_HEX + 1];
	char fpr2[KEYS_FPR_HEX + 1], cmd[200];
	size_t n;
	int own;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	k_office(tmpl, "nat", "00", LV_NATIONAL, &nat);
	k_office(tmpl, "prov", "12", LV_PROVINCE, &prov);
	k_office(tmpl, "com", "120101", LV_COMMUNE, &com);
	k_office(tmpl, "com2", "120102", LV_COMMUNE, &com2);
	buf_init(&root);
	buf_init(&pc);
	buf_init(&cc);
	buf_init(&c2);
	buf_init(&b);
	ck_assert_int_eq(keys_export(&nat, &root, &c, &e), CR_OK);
	k_fpr(&nat, fpr);

	/* An uncertified office has no chain to give; a wrong print fails. */
	ck_assert_int_eq(store_begin(com.store, &tx, &e), CR_OK);
	ck_assert_int_eq(keys_own_chain(tx, ch, &n, &e), CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "not certified yet"));
	store_abort(tx);
	k_fpr(&prov, fpr2);
	ck_assert_int_eq(keys_trust(&prov, root.data, root.len, fpr2, &c, &e),
	    CR_EPERM);

	k_join(&nat, &prov, &root, fpr, &pc);
	k_join(&prov, &com, &root, fpr, &cc);
	k_join(&prov, &com2, &root, fpr, &c2);

	/* com's own chain: 120101 <- 12 <- 00. */
	ck_assert_int_eq(store_begin(com.store, &tx, &e), CR_OK);
	ck_assert_msg(keys_own_chain(tx, ch, &n, &e) == CR_OK, "%s", e.msg);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(ch[0].office, "120101");
	ck_assert_str_eq(ch[1].office, "12");
	ck_assert_str_eq(ch[2].office, "00");
	ck_assert_int_eq(keys_peer(tx, "12", &c, &e), CR_OK);
	ck_assert_int_eq(keys_peer(tx, "120102", &c, &e), CR_ENOTFOUND);
	/* Secrets stay out of the key files. */
	ck_assert_int_eq(keys_own(tx, &k, &e), CR_OK);
	store_abort(tx);
	ck_assert(!k_contains(&cc, k.sign_sk, KEY_LEN));
	ck_assert(!k_contains(&cc, k.enc_sk, KEY_LEN));
	ck_assert(k_contains(&cc, k.sign_pk, KEY_LEN));

	/* A good chain verifies at a sibling, which then knows the peer. */
	ck_assert_msg(k_verify(&com2, ch, 3, &e) == CR_OK, "%s", e.msg);
	ck_assert_int_eq(store_begin(com2.store, &tx, &e), CR_OK);
	ck_assert_int_eq(keys_peer(tx, "120101", &c, &e), CR_OK);
	ck_assert(memcmp(c.enc_pk, k.enc_pk, KEY_LEN) == 0);
	store_abort(tx);

	/* A flipped signature, a changed code, a changed key. */
	memcpy(bad, ch, sizeof bad);
	bad[0].sig[7] ^= 1;
	ck_assert_int_eq(k_verify(&com2, bad, 3, &e), CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "altered or forged"));
	memcpy(bad, ch, sizeof bad);
	strcpy(bad[0].office, "120109");
	ck_assert_int_eq(k_verify(&com2, bad, 3, &e), CR_EPERM);
	memcpy(bad, ch, sizeof bad);
	bad[1].enc_pk[0] ^= 1;
	ck_assert_int_eq(k_verify(&com2, bad, 3, &e), CR_EPERM);
	/* Key ids are checked before any signature. */
	memcpy(bad, ch, sizeof bad);
	bad[0].issuer_id[0] ^= 1;
	bad[0].sig[0] ^= 1;
	ck_assert_int_eq(k_verify(&com2, bad, 3, &e), CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "out of order or incomplete"));
	/* Order, completeness, length. */
	bad[0] = ch[2];
	bad[1] = ch[1];
	bad[2] = ch[0];
	ck_assert_int_eq(k_verify(&com2, bad, 3, &e), CR_EPERM);
	ck_assert_int_eq(k_verify(&com2, ch, 2, &e), CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "not the national root"));
	ck_assert_int_eq(k_verify(&com2, ch, 0, &e), CR_EPERM);

	/* Authority: a commune signing a commune, with its real key. */
	ck_assert_int_eq(store_begin(com.store, &tx, &e), CR_OK);
	ck_assert_int_eq(keys_own(tx, &k, &e), CR_OK);
	store_abort(tx);
	other = ch[0];
	strcpy(other.office, "120103");
	strcpy(other.issuer, "120101");
	keys_id(k.sign_pk, other.issuer_id);
	buf_reset(&b);
	keys_cert_encode(&other, &b);
	ck_assert_int_eq(crypto_ed25519_sign(k.sign_sk, k.sign_pk, b.data,
	    b.len - KEY_SIG_LEN, other.sig, &e), CR_OK);
	crypto_wipe(&k, sizeof k);
	bad[0] = other;
	memcpy(bad + 1, ch, 3 * sizeof ch[0]);
	ck_assert_int_eq(k_verify(&com2, bad, 4, &e), CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "certifies no one"));

	/* Another root is not trusted. */
	k_office(tmpl, "nat2", "00", LV_NATIONAL, &nat2);
	buf_init(&root2);
	ck_assert_int_eq(keys_export(&nat2, &root2, &c, &e), CR_OK);
	ck_assert_int_eq(keys_chain_decode(root2.data, root2.len, bad, &n, &e),
	    CR_OK);
	ck_assert_int_eq(k_verify(&com2, bad, 1, &e), CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "does not trust"));
	k_fpr(&nat2, fpr2);
	ck_assert_int_eq(keys_trust(&com2, root2.data, root2.len, fpr, &c, &e),
	    CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "not the one given"));

	/* Revocation: by the issuer only; it travels and is applied. */
	ck_assert_int_eq(keys_revoke(&nat, "120101", &rv, &e), CR_ENOTFOUND);
	ck_assert_int_eq(keys_revoke(&com2, "12", &rv, &e), CR_EPERM);
	ck_assert_msg(keys_revoke(&prov, "120101", &rv, &e) == CR_OK, "%s",
	    e.msg);
	ck_assert_int_eq(keys_revoke(&prov, "120101", &rv, &e), CR_EEXIST);
	ck_assert_int_eq(k_verify(&prov, ch, 3, &e), CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "was revoked"));
	memset(&revs, 0, sizeof revs);
	ck_assert_int_eq(store_begin(prov.store, &tx, &e), CR_OK);
	ck_assert_int_eq(keys_revocations(tx, k_rev_visit, &revs, &e), CR_OK);
	ck_assert_int_eq(keys_peer(tx, "120101", &c, &e), CR_EPERM);
	store_abort(tx);
	ck_assert_uint_eq(revs.n, 1);
	ck_assert(memcmp(&revs.r, &rv, sizeof rv) == 0);
	/* At com2: a forged revocation is refused, the real one applied. */
	ck_assert_int_eq(store_begin(com2.store, &tx, &e), CR_OK);
	rv.sig[3] ^= 1;
	ck_assert_int_eq(keys_apply_revocation(tx, &rv, &e), CR_EPERM);
	ck_assert_int_eq(keys_revoked(tx, rv.id), 0);
	rv.sig[3] ^= 1;
	strcpy(rv.issuer, "13");
	ck_assert_int_eq(keys_apply_revocation(tx, &rv, &e), CR_EPERM);
	strcpy(rv.issuer, "12");
	ck_assert_msg(keys_apply_revocation(tx, &rv, &e) == CR_OK, "%s", e.msg);
	ck_assert_int_eq(keys_apply_revocation(tx, &rv, &e), CR_OK);
	ck_assert_int_eq(keys_revoked(tx, rv.id), 1);
	ck_assert_int_eq(keys_verify_chain(tx, ch, 3, &e), CR_EPERM);
	ck_assert_int_eq(keys_peer(tx, "120101", &c, &e), CR_EPERM);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);

	/* Roles: a clerk may not look, only admin certifies. */
	t_add_user(&com2, "clerk", ROLE_CLERK, T_CLERK_PW);
	store_close(com2.store);
	t_login(strcat(strcpy(cmd, tmpl), "/com2"), "clerk", T_CLERK_PW,
	    &com2);
	ck_assert_int_eq(keys_status(&com2, &st, &e), CR_EPERM);
	ck_assert_int_eq(keys_install(&com2, cc.data, cc.len, &c, &own, &e),
	    CR_EPERM);

	/* A store made before keys: status says so, generate makes them. */
	ck_assert_int_eq(store_begin(com.store, &tx, &e), CR_OK);
	ck_assert_int_eq(store_del(tx, ST_KEYS, "own", 3, &e), CR_OK);
	ck_assert_int_eq(store_del(tx, ST_KEYS, "self", 4, &e), CR_OK);
	ck_assert_int_eq(store_del(tx, ST_KEYS, "chain", 5, &e), CR_OK);
	ck_assert_int_eq(store_commit(tx, &e), CR_OK);
	ck_assert_int_eq(keys_status(&com, &st, &e), CR_OK);
	ck_assert(!st.have);
	ck_assert_int_eq(keys_export(&com, &b, &c, &e), CR_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "civreg keys generate"));
	ck_assert_msg(keys_create(&com, &c, &e) == CR_OK, "%s", e.msg);
	ck_assert_int_eq(keys_create(&com, &c, &e), CR_EEXIST);
	ck_assert_int_eq(keys_status(&com, &st, &e), CR_OK);
	ck_assert(st.have && st.n == 1);

	buf_free(&root);
	buf_free(&root2);
	buf_free(&pc);
	buf_free(&cc);
	buf_free(&c2);
	buf_free(&b);
	store_close(nat.store);
	store_close(nat2.store);
	store_close(prov.store);
	store_close(com.store);
	store_close(com2.store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A revocation of office's key id, signed by issuer's own key. */
static void
k_revocation(struct session *issuer, const char *office,
    const unsigned char id[KEY_ID_LEN], struct key_revocation *rv)
{
	struct office_keys k;
	struct txn *tx;
	struct cr_err e;
	struct buf b;

	ck_assert_int_eq(store_begin_read(issuer->store, &tx, &e), CR_OK);
	ck_assert_int_eq(keys_own(tx, &k, &e), CR_OK);
	store_abort(tx);
	memset(rv, 0, sizeof *rv);
	snprintf(rv->office, sizeof rv->office, "%s", office);
	memcpy(rv->id, id, KEY_ID_LEN);
	memcpy(rv->issuer, k.office, OFFICE_LEN);
	keys_id(k.sign_pk, rv->issuer_id);
	rv->time = (int64_t)cr_now();
	buf_init(&b);
	keys_revocation_encode(rv, &b);
	ck_assert_int_eq(crypto_ed25519_sign(k.sign_sk, k.sign_pk, b.data,
	    b.len - KEY_SIG_LEN, rv->sig, &e), CR_OK);
	crypto_wipe(&k, sizeof k);
	buf_free(&b);
}

/* Applies rv in a write transaction of s; returns the status. */
static int
k_apply(struct session *s, const struct key_revocation *rv, struct cr_err *e)
{
	struct txn *tx;
	int rc;

	ck_assert_int_eq(store_begin(s->store, &tx, e), CR_OK);
	rc = keys_apply_revocation(tx, rv, e);
	if (rc == CR_OK)
		ck_assert_int_eq(store_commit(tx, e), CR_OK);
	else
		store_abort(tx);
	return rc;
}

/* s's own chain, leaf first. */
static size_t
k_chain(struct session *s, struct office_cert ch[KEYS_MAX_CHAIN])
{
	struct txn *tx;
	struct cr_err e;
	size_t n;

	ck_assert_int_eq(store_begin_read(s->store, &tx, &e), CR_OK);
	ck_assert_msg(keys_own_chain(tx, ch, &n, &e) == CR_OK, "%s", e.msg);
	store_abort(tx);
	return n;
}

/*
 * A revocation counts only against the certificate it names: its key,
 * its office, its issuer's key.  A province signing "office 120101's key
 * X is revoked" with X the national root's, another province's or a
 * sibling's key id revokes none of them; a revocation whose issuer is
 * not known here is CR_ENOTFOUND (import passes it over).
 */
START_TEST(test_keys_revocation_scope)
{
	struct session nat, prov, com, com2, p13;
	struct office_cert ch[KEYS_MAX_CHAIN], ch2[KEYS_MAX_CHAIN];
	struct office_cert ch13[KEYS_MAX_CHAIN];
	struct key_revocation f, rv;
	unsigned char id[KEY_ID_LEN];
	struct txn *tx;
	struct cr_err e;
	struct buf root, cert;
	char tmpl[] = "/tmp/civreg-krev-XXXXXX", fpr[KEYS_FPR_HEX + 1];
	char cmd[200];
	size_t n, n2, n13;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	k_office(tmpl, "nat", "00", LV_NATIONAL, &nat);
	k_office(tmpl, "prov", "12", LV_PROVINCE, &prov);
	k_office(tmpl, "p13", "13", LV_PROVINCE, &p13);
	k_office(tmpl, "com", "120101", LV_COMMUNE, &com);
	k_office(tmpl, "com2", "120102", LV_COMMUNE, &com2);
	buf_init(&root);
	buf_init(&cert);
	ck_assert_int_eq(keys_export(&nat, &root, &ch[0], &e), CR_OK);
	k_fpr(&nat, fpr);
	k_join(&nat, &prov, &root, fpr, &cert);
	k_join(&nat, &p13, &root, fpr, &cert);
	k_join(&prov, &com, &root, fpr, &cert);
	k_join(&prov, &com2, &root, fpr, &cert);
	n = k_chain(&com, ch);
	n2 = k_chain(&com2, ch2);
	n13 = k_chain(&p13, ch13);
	ck_assert_uint_eq(n, 3);
	ck_assert_msg(k_verify(&com2, ch13, n13, &e) == CR_OK, "%s", e.msg);

	/* Signed by 12, within its area, but naming other offices' keys. */
	keys_id(ch[2].sign_pk, id);			/* the national root */
	k_revocation(&prov, "120101", id, &f);
	ck_assert_msg(k_apply(&com2, &f, &e) == CR_OK, "%s", e.msg);
	keys_id(ch13[0].sign_pk, id);			/* province 13 */
	k_revocation(&prov, "120101", id, &f);
	ck_assert_msg(k_apply(&com2, &f, &e) == CR_OK, "%s", e.msg);
	keys_id(ch2[0].sign_pk, id);			/* commune 120102 */
	k_revocation(&prov, "120101", id, &f);
	ck_assert_msg(k_apply(&com2, &f, &e) == CR_OK, "%s", e.msg);
	ck_assert_msg(k_verify(&com2, ch, n, &e) == CR_OK, "%s", e.msg);
	ck_assert_msg(k_verify(&com2, ch13, n13, &e) == CR_OK, "%s", e.msg);
	ck_assert_int_eq(store_begin_read(com2.store, &tx, &e), CR_OK);
	ck_assert_msg(keys_own_chain(tx, ch2, &n2, &e) == CR_OK, "%s", e.msg);
	store_abort(tx);

	/* A wrong one filed under 120101's key id first: the right one wins. */
	keys_id(ch[0].sign_pk, id);
	k_revocation(&prov, "120103", id, &f);
	ck_assert_msg(k_apply(&com2, &f, &e) == CR_OK, "%s", e.msg);
	ck_assert_msg(k_verify(&com2, ch, n, &e) == CR_OK, "%s", e.msg);
	ck_assert_msg(keys_revoke(&prov, "120101", &rv, &e) == CR_OK, "%s",
	    e.msg);
	ck_assert_msg(k_apply(&com2, &rv, &e) == CR_OK, "%s", e.msg);
	ck_assert_int_eq(k_verify(&com2, ch, n, &e), CR_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "was revoked by office 12"));
	ck_assert_msg(k_apply(&com2, &f, &e) == CR_OK, "%s", e.msg);
	ck_assert_int_eq(k_verify(&com2, ch, n, &e), CR_EPERM);
	/* The issuer itself refuses it too. */
	ck_assert_int_eq(k_verify(&prov, ch, n, &e), CR_EPERM);

	/* At province 13, which does not know province 12's key. */
	ck_assert_int_eq(k_apply(&p13, &rv, &e), CR_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "not known here"));
	ck_assert_int_eq(store_begin_read(p13.store, &tx, &e), CR_OK);
	ck_assert_int_eq(keys_revoked(tx, rv.id), 0);
	store_abort(tx);

	buf_free(&root);
	buf_free(&cert);
	store_close(nat.store);
	store_close(prov.store);
	store_close(p13.store);
	store_close(com.store);
	store_close(com2.store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store"), *slow = tcase_create("crash");
	TCase *keys;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_init_refuses);
	tcase_add_test(tc, test_login_lockout);
	tcase_add_test(tc, test_roles_in_core);
	tcase_add_test(tc, test_authenticate_detail);
	tcase_add_test(tc, test_declare_show_search);
	tcase_add_test(tc, test_search);
	tcase_add_test(tc, test_store_checks_references);
	tcase_add_test(tc, test_store_put_fresh);
	tcase_add_test(tc, test_name_blocks);
	tcase_add_test(tc, test_index_intersect);
	tcase_add_test(tc, test_history_marks);
	tcase_add_test(tc, test_audit_chain);
	tcase_add_test(tc, test_drafts_and_queues);
	tcase_add_test(tc, test_verify_finds_record_damage);
	tcase_add_test(tc, test_cert_print_and_damage);
	tcase_add_test(tc, test_kidc_pool_core);
	tcase_add_test(tc, test_reindex);
	tcase_add_test(tc, test_store_holds_signals);
	suite_add_tcase(s, tc);
	tcase_set_timeout(slow, 600);
	tcase_add_test(slow, test_crash_rounds);
	tcase_add_test(slow, test_concurrent_writers);
	tcase_add_test(slow, test_bulk_rounds);
	tcase_add_test(slow, test_search_common_words);
	suite_add_tcase(s, slow);
	keys = tcase_create("keys");
	tcase_set_timeout(keys, 60);
	tcase_add_test(keys, test_keys_encoding);
	tcase_add_test(keys, test_keys_chains);
	tcase_add_test(keys, test_keys_revocation_scope);
	suite_add_tcase(s, keys);
	return s;
}
