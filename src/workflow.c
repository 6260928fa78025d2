/*
 * workflow.c -- what may happen to a record after it is declared.
 *
 * The civil registration law sets who may move a record from one status
 * to the next: a clerk declares, a commune registrar registers, rejects
 * (with a reason), certifies, issues permits and cards and archives; a
 * delayed registration and a correction of someone's identity wait for
 * the district registrar; an appeal against a refusal is decided by the
 * district, and a dismissed one may go on to the province.  The rules are
 * one const table, checked here in the core, so the screens and the
 * command line cannot disagree and a script cannot skip a step.  A
 * refusal names who may do it, or which status the record must be in.
 *
 * Registration computes timeliness from the event date and the
 * registration date (DESIGN §3): current within the legal period of the
 * event kind (meta.db "period.KIND" in days, else the defaults below),
 * late within one year after that (a reason is required), delayed
 * beyond (an evidence reference is required and the record waits for
 * district approval).  Both dates and the result are kept in the record
 * as the reserved fields _registration_date, _timeliness and _evidence.
 *
 * A correction is its own record (form correction) naming the record,
 * the field, the value it corrects and the new value.  Approving it
 * writes a new revision of the corrected record, so the earlier value
 * stays in its history.  An appeal is a record too; granting it reverses
 * the refusal it names: the refused declaration is registered (or the
 * permit or card issued, or the correction applied).  Every step is a
 * new revision of each record it changes: history, change log and audit
 * entry in one transaction.
 *
 * Fetal deaths are registered for statistics only: the form has no
 * identity code for the fetus, and no identity code is ever issued for
 * one (issue 6 hooks code issuance into registration, here).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define R(x)	(1u << (x))
#define S(x)	(1u << (x))

/* Conditions a rule may depend on, besides status, kind and role. */
enum wf_cond {
	WC_ANY = 0,
	WC_PLAIN,	/* a correction of a field that is not identity */
	WC_IDENTITY,	/* a correction of a name, birth date, parent */
	WC_DISTRICT,	/* an appeal to the district */
	WC_PROVINCE	/* an appeal to the province */
};

/*
 * kinds: the forms a rule applies to, comma-separated; "*event" stands
 * for every form of class event; NULL for every form.
 */
#define EVENTS		"*event"
#define REFUSABLE	"*event,correction,burial_permit,id_card"
#define DOCUMENTS	"burial_permit,id_card"

static const struct wf_rule {
	const char	*verb;
	int		 action;
	unsigned	 from;		/* statuses it applies to */
	int		 to;
	unsigned	 roles;
	int		 needs_reason;
	const char	*kinds;
	int		 cond;
} wf_rules[] = {
	{ "register", RA_REGISTER, S(RS_DECLARED), RS_REGISTERED,
	  R(ROLE_REGISTRAR), 0, EVENTS, WC_ANY },
	{ "approve", RA_APPROVE, S(RS_PENDING_APPROVAL), RS_REGISTERED,
	  R(ROLE_DISTRICT), 0, EVENTS, WC_ANY },
	{ "approve", RA_APPROVE, S(RS_DECLARED), RS_APPROVED,
	  R(ROLE_REGISTRAR) | R(ROLE_DISTRICT), 0, "correction", WC_PLAIN },
	/* The registrar endorses; the district decides. */
	{ "approve", RA_APPROVE, S(RS_DECLARED), RS_PENDING_APPROVAL,
	  R(ROLE_REGISTRAR), 0, "correction", WC_IDENTITY },
	{ "approve", RA_APPROVE, S(RS_DECLARED) | S(RS_PENDING_APPROVAL),
	  RS_APPROVED, R(ROLE_DISTRICT), 0, "correction", WC_IDENTITY },
	{ "reject", RA_REJECT, S(RS_DECLARED), RS_REJECTED,
	  R(ROLE_REGISTRAR), 1, REFUSABLE, WC_ANY },
	{ "reject", RA_REJECT, S(RS_DECLARED), RS_REJECTED,
	  R(ROLE_DISTRICT), 1, "correction", WC_IDENTITY },
	{ "reject", RA_REJECT, S(RS_PENDING_APPROVAL), RS_REJECTED,
	  R(ROLE_DISTRICT), 1, REFUSABLE, WC_ANY },
	{ "certify", RA_CERTIFY, S(RS_REGISTERED), RS_CERTIFIED,
	  R(ROLE_REGISTRAR), 0, EVENTS, WC_ANY },
	{ "issue", RA_ISSUE, S(RS_DECLARED), RS_ISSUED,
	  R(ROLE_REGISTRAR), 0, DOCUMENTS, WC_ANY },
	{ "grant", RA_DECIDE, S(RS_DECLARED), RS_GRANTED,
	  R(ROLE_DISTRICT), 1, "appeal", WC_DISTRICT },
	{ "grant", RA_DECIDE, S(RS_DECLARED), RS_GRANTED,
	  R(ROLE_PROVINCE), 1, "appeal", WC_PROVINCE },
	{ "dismiss", RA_DECIDE, S(RS_DECLARED), RS_DISMISSED,
	  R(ROLE_DISTRICT), 1, "appeal", WC_DISTRICT },
	{ "dismiss", RA_DECIDE, S(RS_DECLARED), RS_DISMISSED,
	  R(ROLE_PROVINCE), 1, "appeal", WC_PROVINCE },
	/*
	 * Archived means a valid record put away: the person register and
	 * the ID-card lists still count it.  A refusal stays a refusal.
	 */
	{ "archive", RA_ARCHIVE, S(RS_REGISTERED) | S(RS_CERTIFIED) |
	  S(RS_ISSUED) | S(RS_APPROVED) | S(RS_GRANTED), RS_ARCHIVED,
	  R(ROLE_REGISTRAR), 0, NULL, WC_ANY },
};
#define NRULES (sizeof wf_rules / sizeof wf_rules[0])

/* Legal periods in days, by form key; others use the default. */
static const struct {
	const char	*form;
	int		 days;
} wf_periods[] = {
	{ "birth", 30 }, { "death", 15 }, { "fetal_death", 15 },
};
#define DEFAULT_PERIOD	30
#define LATE_DAYS	365

static const char *const timeliness_names[] = {
	NULL, "current", "late", "delayed"
};

const char *
workflow_timeliness_name(int t)
{
	return t >= WT_CURRENT && t <= WT_DELAYED ? timeliness_names[t] : "?";
}

int
workflow_period(struct txn *tx, const struct form *f, struct cr_err *e)
{
	char name[64];
	uint64_t v;
	int rc;

	snprintf(name, sizeof name, "period.%s", f->key);
	if (tx == NULL)
		return workflow_period_default(f);
	/* Unset is 0; a failed read is an error, not the default period. */
	if ((rc = meta_get_u64(tx, name, &v, 0, e)) != CR_OK)
		return -rc;
	return v > 0 && v <= 3650 ? (int)v : workflow_period_default(f);
}

int
workflow_period_default(const struct form *f)
{
	size_t i;

	for (i = 0; i < sizeof wf_periods / sizeof wf_periods[0]; i++)
		if (strcmp(wf_periods[i].form, f->key) == 0)
			return wf_periods[i].days;
	return DEFAULT_PERIOD;
}

/* The period this store sets, outside any transaction (the queues). */
int
workflow_period_of(struct session *s, const struct form *f)
{
	struct txn *tx;
	struct cr_err e;
	int days;

	err_clear(&e);
	if (store_begin_read(s->store, &tx, &e) != CR_OK)
		return workflow_period_default(f);
	days = workflow_period(tx, f, &e);
	store_abort(tx);	/* read only */
	/* For a mark on a list, the law's default if the store fails. */
	return days > 0 ? days : workflow_period_default(f);
}

/*
 * The legal period of an event kind, in days, as the law in force sets
 * it: a setting of the store, so that an amendment of the law needs no
 * new program.  Administrators only; audited with the old value.
 */
int
workflow_period_set(struct session *s, const char *name, const char *value,
    struct cr_err *e)
{
	const struct form *f;
	int rc;

	if ((rc = authz_check(s, AZ_CONFIG, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (strncmp(name, "period.", 7) != 0 ||
	    (f = form_by_key(name + 7)) == NULL || f->cls != FC_EVENT)
		return err_set(e, CR_EINVAL, "'%s' is not a setting: the "
		    "settings are period.KIND for each event form and "
		    "kidc.warn ('civreg config' lists them)", name);
	return meta_setting_set(s, name, value, 1, 3650,
	    workflow_period_default(f), "days", e);
}

/* Current, late or delayed: days from the event to registration. */
int
workflow_timeliness(int32_t event_day, int32_t reg_day, int period)
{
	int32_t d = reg_day - event_day;

	if (d <= period)
		return WT_CURRENT;
	if (d <= period + LATE_DAYS)
		return WT_LATE;
	return WT_DELAYED;
}

/*
 * A person's identity on a record: anyone's name or identity code, the
 * sex and date of birth, and every field about the parents.  Correcting
 * one needs the district registrar (the law's list, made mechanical).
 */
int
workflow_identity_field(const struct form_field *ff)
{
	return ff->type == FT_NAME_KM || ff->type == FT_NAME_LATIN ||
	    ff->type == FT_KIDC || strcmp(ff->key, "date_of_birth") == 0 ||
	    strcmp(ff->key, "sex") == 0 || strncmp(ff->key, "mother_", 7) == 0 ||
	    strncmp(ff->key, "father_", 7) == 0;
}

static int
kind_ok(const struct wf_rule *rule, const struct form *f)
{
	if (rule->kinds == NULL)
		return 1;
	if (f == NULL)
		return 0;
	return str_in_list(rule->kinds, f->key) ||
	    (f->cls == FC_EVENT && str_in_list(rule->kinds, EVENTS));
}

/* Which condition of the table the record meets (WC_ANY if none). */
static int
record_cond(struct txn *tx, const struct record *r, int *cond,
    struct cr_err *e)
{
	const struct form *f = form_by_code(r->kind), *tf;
	const struct form_field *ff;
	const char *t = rec_value(r, "target_ref"), *fn;
	struct record tr;
	int rc;

	*cond = WC_ANY;
	if (f && strcmp(f->key, "appeal") == 0) {
		const char *lv = rec_value(r, "level");

		*cond = lv && strcmp(lv, "province") == 0 ? WC_PROVINCE :
		    WC_DISTRICT;
		return CR_OK;
	}
	if (f == NULL || strcmp(f->key, "correction") != 0 || t == NULL)
		return CR_OK;
	rec_init(&tr);
	if ((rc = regist_load(tx, t, &tr, 0, e)) != CR_OK)
		return rc;
	fn = rec_value(r, "field_name");
	tf = form_by_code(tr.kind);
	ff = tf && fn ? form_field(tf, fn) : NULL;
	*cond = ff && workflow_identity_field(ff) ? WC_IDENTITY : WC_PLAIN;
	rec_free(&tr);
	return CR_OK;
}

struct match {
	int	known;		/* some rule has the verb */
	int	kind;		/* ... and the record's kind and condition */
	int	status;		/* ... and its status */
};

static const struct wf_rule *
find_rule(const char *verb, const struct form *f, int cond, int status,
    int role, struct match *m)
{
	size_t i;

	memset(m, 0, sizeof *m);
	for (i = 0; i < NRULES; i++) {
		const struct wf_rule *w = &wf_rules[i];

		if (strcmp(w->verb, verb) != 0)
			continue;
		m->known = 1;
		if (!kind_ok(w, f) || (w->cond != WC_ANY && w->cond != cond))
			continue;
		m->kind = 1;
		if (!(w->from & S(status)))
			continue;
		m->status = 1;
		if (w->roles & R(role))
			return w;
	}
	return NULL;
}

/* The roles, or statuses, of the rules matching what is known. */
static const char *
rules_list(const char *verb, const struct form *f, int cond, int status,
    int want_roles, char *out, size_t n)
{
	unsigned seen = 0;
	size_t i, o = 0;
	int x;

	out[0] = '\0';
	for (i = 0; i < NRULES; i++) {
		const struct wf_rule *w = &wf_rules[i];

		if (strcmp(w->verb, verb) != 0 || !kind_ok(w, f) ||
		    (w->cond != WC_ANY && w->cond != cond))
			continue;
		if (want_roles && !(w->from & S(status)))
			continue;
		seen |= want_roles ? w->roles : w->from;
	}
	for (x = 1; x < 32 && o < n; x++)
		if (seen & (1u << x))
			o += (size_t)snprintf(out + o, n - o, "%s%s",
			    o ? " or " : "", want_roles ? user_role_name(x) :
			    rec_status_name(x));
	return out;
}

static const char *
kinds_words(const char *verb, char *out, size_t n)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < NRULES && o < n; i++)
		if (strcmp(wf_rules[i].verb, verb) == 0 && wf_rules[i].kinds &&
		    !strstr(out, wf_rules[i].kinds))
			o += (size_t)snprintf(out + o, n - o, "%s%s",
			    o ? "," : "", wf_rules[i].kinds);
	for (i = 0; out[i]; i++)
		if (out[i] == ',')
			out[i] = '/';
	return out;
}

static void
today_string(char day[16])
{
	int y, m, d;

	date_from_days(date_today(), &y, &m, &d);
	snprintf(day, 16, "%04d-%02d-%02d", y, m, d);
}

/*
 * Registration of an event: timeliness from its date, both dates kept.
 * strict: the registrar's own step, which needs the reason of a late
 * one and the evidence of a delayed one; an appeal's decision does not.
 */
static int
registration(struct txn *tx, const struct form *f, struct record *r,
    const struct wf_request *rq, int strict, int *to, struct cr_err *e)
{
	const char *ev = f->date_field ? rec_value(r, f->date_field) : NULL;
	int32_t today = date_today();
	int t = WT_CURRENT, y, m, d, period;
	char why[128], day[16];

	if ((period = workflow_period(tx, f, e)) < 0)
		return -period;
	if (ev && date_parse(ev, &y, &m, &d, why, sizeof why) == 0)
		t = workflow_timeliness(date_days(y, m, d), today, period);
	if (strict && t == WT_LATE && (rq->reason == NULL || !*rq->reason))
		return err_set(e, CR_EINVAL, "%s is a late registration (the "
		    "%s was on %s, more than %d days ago): give the reason "
		    "with --reason TEXT", r->id, f->key, ev, period);
	if (strict && t == WT_DELAYED) {
		if (rq->evidence == NULL || !*rq->evidence)
			return err_set(e, CR_EINVAL, "%s is a delayed "
			    "registration (the %s was on %s, more than a year "
			    "after the legal period): give the evidence "
			    "reference with --evidence REF; the district "
			    "registrar then approves it", r->id, f->key, ev);
		rec_set(r, "_evidence", rq->evidence);
		*to = RS_PENDING_APPROVAL;
	}
	today_string(day);
	rec_set(r, "_registration_date", day);
	rec_set(r, "_timeliness", workflow_timeliness_name(t));
	return CR_OK;
}

/* Writes r as its next revision, made by the session's user. */
static int
put_next(struct txn *tx, struct session *s, struct record *r, int action,
    const char *note, const char *detail, struct cr_err *e)
{
	int rc;

	r->action = action;
	r->rev++;
	r->time = (int64_t)cr_now();
	snprintf(r->author, sizeof r->author, "%s", s->user);
	free(r->note);
	r->note = xstrdup(note);
	rec_vv_bump(r, s->office);
	if ((rc = regist_put_revision(tx, r, 0, e)) != CR_OK)
		return rc;
	return audit_append(tx, s->user, s->office, AU_WORKFLOW, r->id, detail,
	    e);
}

/*
 * put_next for a step that may register: a record that becomes
 * registered gets its identity code now, if its form issues one
 * (forms/README, "issue"), from this office's pool -- or waits for the
 * next pool (kidc-pool.c).  Declaration never issues a code.
 */
static int
put_registered(struct txn *tx, struct session *s, struct record *r,
    int action, const char *note, const char *detail,
    struct kidc_issue *issued, struct cr_err *e)
{
	struct kidc_issue is;
	int rc;

	memset(&is, 0, sizeof is);
	if (r->status == RS_REGISTERED &&
	    (rc = kidc_pool_issue(tx, r, &is, e)) != CR_OK)
		return rc;
	if ((rc = put_next(tx, s, r, action, note, detail, e)) != CR_OK ||
	    (rc = kidc_pool_issued(tx, r, &is, e)) != CR_OK)
		return rc;
	if (issued)
		*issued = is;
	return CR_OK;
}

/*
 * Applies an approved correction c to the record it names.  The value
 * corrected must still be the one the request saw: if someone changed
 * it since, the request is stale and is refused, not applied blindly.
 */
static int
apply_correction(struct txn *tx, struct session *s, const struct record *c,
    struct cr_err *e)
{
	const char *tid = rec_value(c, "target_ref");
	const char *fn = rec_value(c, "field_name");
	const char *old = rec_value(c, "old_value");
	const char *nv = rec_value(c, "new_value"), *cur;
	const struct form_field *ff;
	const struct form *tf;
	char note[340], detail[300], code[KIDC_LEN + 1], why[160];
	struct record t;
	int rc;

	rec_init(&t);
	if (tid == NULL || fn == NULL || nv == NULL)
		return err_set(e, CR_EINVAL, "correction %s names no record, "
		    "field or new value", c->id);
	if ((rc = regist_load(tx, tid, &t, 1, e)) != CR_OK)
		goto out;
	tf = form_by_code(t.kind);
	if (tf == NULL || (ff = form_field(tf, fn)) == NULL) {
		rc = err_set(e, CR_EINVAL, "correction %s: %s has no field "
		    "'%s'", c->id, tid, fn);
		goto out;
	}
	if (t.status != RS_REGISTERED && t.status != RS_CERTIFIED &&
	    t.status != RS_ISSUED) {
		rc = err_set(e, CR_EINVAL, "correction %s: %s is now %s; a "
		    "correction applies only to a registered, certified or "
		    "issued record", c->id, tid, rec_status_name(t.status));
		goto out;
	}
	cur = rec_value(&t, fn);
	if (strcmp(cur ? cur : "", old ? old : "") != 0) {
		rc = err_set(e, CR_EINVAL, "correction %s is out of date: %s of "
		    "%s is now '%s', not '%s' as when it was requested; reject "
		    "it and request a new correction", c->id, fn, tid,
		    cur ? cur : "", old ? old : "");
		goto out;
	}
	if (ff->type == FT_KIDC && kidc_normalize(nv, code, why,
	    sizeof why) == 0)
		rec_set(&t, fn, code);
	else
		rec_set(&t, fn, nv);
	t.flags = (unsigned)rec_place_flags(&t, t.office);
	snprintf(note, sizeof note, "correction %s: %.280s", c->id,
	    rec_value(c, "reason") ? rec_value(c, "reason") : "");
	snprintf(detail, sizeof detail, "correct: %s corrected by %s", fn,
	    c->id);
	rc = put_next(tx, s, &t, RA_CORRECT, note, detail, e);
out:
	rec_free(&t);
	return rc;
}

/*
 * A granted appeal reverses the refusal it names: the declaration is
 * registered, the permit or card issued, the correction applied.  A
 * province appeal names the dismissed district appeal; the refusal is
 * the one that appeal named.
 */
static int
reverse_refusal(struct txn *tx, struct session *s, const struct record *ap,
    const char *reason, struct cr_err *e)
{
	const char *tid = rec_value(ap, "target_ref");
	const struct form *of;
	struct record t, o;
	struct wf_request none;
	char note[340], detail[300];
	int rc, to;

	rec_init(&t);
	rec_init(&o);
	memset(&none, 0, sizeof none);
	if (tid == NULL)
		return err_set(e, CR_EINVAL, "appeal %s names no record", ap->id);
	if ((rc = regist_load(tx, tid, &t, 1, e)) != CR_OK)
		goto out;
	of = form_by_code(t.kind);
	if (of && strcmp(of->key, "appeal") == 0) {
		tid = rec_value(&t, "target_ref");
		if (tid == NULL) {
			rc = err_set(e, CR_EINVAL, "appeal %s names no record",
			    t.id);
			goto out;
		}
		if ((rc = regist_load(tx, tid, &o, 1, e)) != CR_OK)
			goto out;
		rec_free(&t);
		t = o;
		rec_init(&o);
		of = form_by_code(t.kind);
	}
	if (t.status != RS_REJECTED) {
		rc = err_set(e, CR_EINVAL, "%s is now %s: the refusal appealed "
		    "against no longer stands, so there is nothing to reverse; "
		    "dismiss appeal %s with that reason", t.id,
		    rec_status_name(t.status), ap->id);
		goto out;
	}
	snprintf(note, sizeof note, "appeal %s granted: %.280s", ap->id,
	    reason);
	if (of && strcmp(of->key, "correction") == 0) {
		to = RS_APPROVED;
		if ((rc = apply_correction(tx, s, &t, e)) != CR_OK)
			goto out;
	} else if (of && str_in_list(DOCUMENTS, of->key))
		to = RS_ISSUED;
	else if (of && of->cls == FC_EVENT) {
		to = RS_REGISTERED;
		if ((rc = registration(tx, of, &t, &none, 0, &to, e)) != CR_OK)
			goto out;
	} else {
		rc = err_set(e, CR_EINVAL, "%s is a %s: an appeal reverses only "
		    "the refusal of a declaration, a correction, a permit or a "
		    "card", t.id, of ? of->title_en : "record");
		goto out;
	}
	t.status = to;
	snprintf(detail, sizeof detail, "decide: now %s; appeal %s granted",
	    rec_status_name(to), ap->id);
	rc = put_registered(tx, s, &t, RA_DECIDE, note, detail, NULL, e);
out:
	rec_free(&t);
	rec_free(&o);
	return rc;
}

/*
 * A step that only changes the status, inside a caller's transaction:
 * printing a registered record's first certificate certifies it, by the
 * same rule, role and history as 'civreg certify'.  On a refusal by
 * role, who names the roles that may.
 */
int
workflow_step(struct txn *tx, struct session *s, struct record *r,
    const char *verb, const char *note, char *who, size_t whosz,
    struct cr_err *e)
{
	const struct form *f = form_by_code(r->kind);
	const struct wf_rule *rule;
	struct match m;
	char detail[300];
	int cond, rc;

	who[0] = '\0';
	if ((rc = record_cond(tx, r, &cond, e)) != CR_OK)
		return rc;
	rule = find_rule(verb, f, cond, r->status, s->role, &m);
	if (!m.kind || !m.status)
		return err_set(e, CR_EINVAL, "%s is %s: '%s' does not apply",
		    r->id, rec_status_name(r->status), verb);
	if (rule == NULL) {
		rules_list(verb, f, cond, r->status, 1, who, whosz);
		return err_set(e, CR_EPERM, "user %s (role %s) may not %s %s: "
		    "this needs the role %s", s->user, user_role_name(s->role),
		    verb, r->id, who);
	}
	if (rule->action == RA_REGISTER || rule->to == RS_APPROVED ||
	    rule->to == RS_GRANTED)
		return err_set(e, CR_EINVAL, "'%s' is not a plain step",
		    verb);
	r->status = rule->to;
	snprintf(detail, sizeof detail, "%s: now %s; %.200s", verb,
	    rec_status_name(r->status), note);
	return put_next(tx, s, r, rule->action, note, detail, e);
}

struct act {
	struct session			*s;
	const struct wf_request		*rq;
	struct record			*after;
};

static int
act_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct act *a = arg;
	const struct wf_request *rq = a->rq;
	const struct wf_rule *rule;
	const struct form *f;
	struct match m;
	struct record r;
	char who[160], detail[300];
	int rc, to, cond;

	rec_init(&r);
	if ((rc = regist_load(tx, rq->id, &r, 1, e)) != CR_OK)
		goto out;
	f = form_by_code(r.kind);
	if ((rc = record_cond(tx, &r, &cond, e)) != CR_OK)
		goto out;
	rule = find_rule(rq->verb, f, cond, r.status, a->s->role, &m);
	if (!m.known) {
		rc = err_set(e, CR_EUSAGE, "unknown action '%s'", rq->verb);
		goto out;
	}
	if (!m.kind) {
		rc = err_set(e, CR_EINVAL, "%s is a %s: '%s' applies only to "
		    "%s records", r.id, f ? f->title_en : "record", rq->verb,
		    kinds_words(rq->verb, who, sizeof who));
		goto out;
	}
	if (!m.status) {
		rc = err_set(e, CR_EINVAL, "%s is %s: '%s' applies only to a "
		    "record that is %s", r.id, rec_status_name(r.status),
		    rq->verb, rules_list(rq->verb, f, cond, r.status, 0, who,
		    sizeof who));
		goto out;
	}
	if (rule == NULL) {
		rc = err_set(e, CR_EPERM, "user %s (role %s) may not %s %s: "
		    "this needs the role %s", a->s->user,
		    user_role_name(a->s->role), rq->verb, r.id,
		    rules_list(rq->verb, f, cond, r.status, 1, who,
		    sizeof who));
		goto out;
	}
	if (rule->needs_reason && (rq->reason == NULL || !*rq->reason)) {
		rc = err_set(e, CR_EINVAL, "a reason is required to %s %s: "
		    "give --reason TEXT", rq->verb, r.id);
		goto out;
	}
	if (rq->reason && (!utf8_valid(rq->reason, strlen(rq->reason)) ||
	    utf8_chars(rq->reason) > 500)) {
		rc = err_set(e, CR_EINVAL, "the reason must be valid text of "
		    "at most 500 characters");
		goto out;
	}
	to = rule->to;
	if (rule->action == RA_REGISTER &&
	    (rc = registration(tx, f, &r, rq, 1, &to, e)) != CR_OK)
		goto out;
	if (to == RS_APPROVED && f && strcmp(f->key, "correction") == 0 &&
	    (rc = apply_correction(tx, a->s, &r, e)) != CR_OK)
		goto out;
	if (to == RS_GRANTED &&
	    (rc = reverse_refusal(tx, a->s, &r, rq->reason, e)) != CR_OK)
		goto out;
	r.status = to;
	snprintf(detail, sizeof detail, "%s: now %s%s%.200s", rq->verb,
	    rec_status_name(to), rq->reason && *rq->reason ? "; " : "",
	    rq->reason ? rq->reason : "");
	if ((rc = put_registered(tx, a->s, &r, rule->action, rq->reason ?
	    rq->reason : "", detail, rq->issued, e)) != CR_OK)
		goto out;
	if (a->after) {
		rec_free(a->after);
		*a->after = r;
		rec_init(&r);
	}
out:
	rec_free(&r);
	return rc;
}

int
workflow_act(struct session *s, const struct wf_request *rq,
    struct record *after, struct cr_err *e)
{
	struct act a = { s, rq, after };
	int rc;

	if (after)
		rec_init(after);
	if (!rec_id_valid(rq->id))
		return err_set(e, CR_EINVAL, "'%s' is not a record id: write it "
		    "as OFFICE-NUMBER, e.g. 120101-00000042", rq->id);
	rc = store_run(s->store, act_txn, &a, e);
	if (rc == CR_EPERM)
		audit_denied(s, rq->id, e);
	return rc;
}

/* --- checks at declaration ------------------------------------------- */

/*
 * A correction must name a field of the record, a new value that field
 * accepts, and the value it corrects (taken from the record if not
 * given, so that approval can tell whether it went stale).
 */
static int
check_correction(struct txn *tx, struct record *c, struct cr_err *e)
{
	const char *tid = rec_value(c, "target_ref");
	const char *fn = rec_value(c, "field_name");
	const char *old = rec_value(c, "old_value");
	const char *nv = rec_value(c, "new_value"), *cur;
	const struct form_field *ff;
	const struct form *tf;
	char why[200], code[KIDC_LEN + 1];
	struct record t;
	struct place p;
	int rc;

	rec_init(&t);
	if (tid == NULL || fn == NULL || nv == NULL)
		return CR_OK;		/* the form said so already */
	if ((rc = regist_load(tx, tid, &t, 0, e)) != CR_OK)
		return rc;
	tf = form_by_code(t.kind);
	ff = tf ? form_field(tf, fn) : NULL;
	if (ff == NULL || ff->type == FT_REF) {
		rc = err_add(e, CR_EINVAL, "field_name: '%s' is not a field "
		    "that can be corrected on a %s ('civreg forms %s' lists its "
		    "fields)", fn, tf ? tf->title_en : "record",
		    tf ? tf->key : "");
		goto out;
	}
	if (tf->issue_field && strcmp(fn, tf->issue_field) == 0) {
		rc = err_add(e, CR_EINVAL, "field_name: %s of a %s is the "
		    "identity code issued at registration: a code is never "
		    "corrected or replaced (doc/kidc.md)", fn, tf->key);
		goto out;
	}
	if (form_check_value(ff, nv, why, sizeof why) != 0) {
		rc = err_add(e, CR_EINVAL, "new_value: %s (the field %s of a "
		    "%s)", why, fn, tf->title_en);
		goto out;
	}
	if (ff->type == FT_PLACE && (rc = gazetteer_loaded(tx, e)) > 0) {
		if ((rc = gazetteer_get(tx, nv, &p, e)) == CR_ENOTFOUND) {
			rc = err_add(e, CR_EINVAL, "new_value: '%s' is not a "
			    "place in the gazetteer: check the code", nv);
			goto out;
		}
		if (rc != CR_OK)
			goto out;
		place_free(&p);
	} else if (rc < 0) {
		rc = -rc;
		goto out;
	}
	rc = CR_OK;
	if (ff->type == FT_KIDC && kidc_normalize(nv, code, why,
	    sizeof why) == 0)
		nv = code;
	cur = rec_value(&t, fn);
	if (old && strcmp(old, cur ? cur : "") != 0)
		rc = err_add(e, CR_EINVAL, "old_value: '%s' is not the value of "
		    "%s in %s, which is '%s'", old, fn, tid, cur ? cur : "");
	else if (cur && strcmp(cur, nv) == 0)
		rc = err_add(e, CR_EINVAL, "new_value: %s of %s is already "
		    "'%s': there is nothing to correct", fn, tid, cur);
	else if (old == NULL && cur)
		rec_set(c, "old_value", cur);
out:
	rec_free(&t);
	return rc;
}

/*
 * An appeal to the district names a refused record; an appeal to the
 * province names the district's dismissed appeal.  The decision appealed
 * must be the one that was made.
 */
static int
check_appeal(struct txn *tx, const struct record *ap, struct cr_err *e)
{
	const char *tid = rec_value(ap, "target_ref");
	const char *level = rec_value(ap, "level");
	const char *dec = rec_value(ap, "decision"), *made, *tl;
	const struct form *tf;
	struct record t;
	int rc = CR_OK, toprov;

	rec_init(&t);
	if (tid == NULL || level == NULL || dec == NULL)
		return CR_OK;
	if ((rc = regist_load(tx, tid, &t, 0, e)) != CR_OK)
		return rc;
	tf = form_by_code(t.kind);
	toprov = strcmp(level, "province") == 0;
	if (tf && strcmp(tf->key, "appeal") == 0) {
		tl = rec_value(&t, "level");
		if (!toprov || t.status != RS_DISMISSED || tl == NULL ||
		    strcmp(tl, "district") != 0)
			rc = err_add(e, CR_EINVAL, "target_ref: %s is an appeal "
			    "to the %s that is %s; only an appeal the district "
			    "dismissed may be taken further, to the province "
			    "(level=province)", tid, tl ? tl : "?",
			    rec_status_name(t.status));
		else if ((made = rec_value(&t, "decision")) &&
		    strcmp(made, dec) != 0)
			rc = err_add(e, CR_EINVAL, "decision: appeal %s was "
			    "about '%s', not '%s'", tid, made, dec);
		goto out;
	}
	if (toprov) {
		rc = err_add(e, CR_EINVAL, "level: an appeal against a refusal "
		    "goes first to the district (level=district); the province "
		    "hears an appeal the district dismissed, named by its id");
		goto out;
	}
	if (t.status != RS_REJECTED) {
		rc = err_add(e, CR_EINVAL, "target_ref: %s is %s: only a refusal "
		    "(a rejected record) can be appealed", tid,
		    rec_status_name(t.status));
		goto out;
	}
	tl = rec_value(&t, "_timeliness");
	made = tf && strcmp(tf->key, "correction") == 0 ? "correction_refused" :
	    tl && strcmp(tl, "delayed") == 0 ? "delayed_refused" : "refusal";
	if (strcmp(made, dec) != 0)
		rc = err_add(e, CR_EINVAL, "decision: the decision on %s was a "
		    "'%s', not '%s'", tid, made, dec);
out:
	rec_free(&t);
	return rc;
}

int
workflow_check_declaration(struct txn *tx, struct record *r,
    struct cr_err *e)
{
	const struct form *f = form_by_code(r->kind);

	if (f == NULL)
		return CR_OK;
	if (strcmp(f->key, "correction") == 0)
		return check_correction(tx, r, e);
	if (strcmp(f->key, "appeal") == 0)
		return check_appeal(tx, r, e);
	if (strcmp(f->key, "match_decision") == 0)
		return dedup_decision_check(tx, r, e);
	return CR_OK;
}
