/*
 * workflow.c -- what may happen to a record after it is declared.
 *
 * The civil registration law sets who may move a record from one status
 * to the next: a clerk declares, a commune registrar registers, rejects
 * (with a reason), certifies and archives; a delayed registration waits
 * for the district registrar's approval.  The rules are one const table,
 * checked here in the core, so the screens and the command line cannot
 * disagree and a script cannot skip a step.  A refusal names who may do
 * it, or which status the record must be in.
 *
 * Registration computes timeliness from the event date and the
 * registration date (DESIGN §3): current within the legal period of the
 * event kind (meta.db "period.KIND" in days, else the defaults below),
 * late within one year after that (a reason is required), delayed
 * beyond (an evidence reference is required and the record waits for
 * district approval).  Both dates and the result are kept in the record
 * as the reserved fields _registration_date, _timeliness and _evidence.
 * Every step is a new revision: history, change log and audit entry in
 * one transaction.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civreg.h"

#define R(x)	(1u << (x))
#define S(x)	(1u << (x))

static const struct wf_rule {
	const char	*verb;
	int		 action;
	unsigned	 from;		/* statuses it applies to */
	int		 to;
	unsigned	 roles;
	int		 needs_reason;
	const char	*past;		/* for messages: "registered" */
	const char	*kinds;		/* forms it applies to; NULL: events */
} wf_rules[] = {
	{ "register", RA_REGISTER, S(RS_DECLARED), RS_REGISTERED,
	  R(ROLE_REGISTRAR), 0, "registered", NULL },
	{ "approve", RA_APPROVE, S(RS_PENDING_APPROVAL), RS_REGISTERED,
	  R(ROLE_DISTRICT), 0, "approved", NULL },
	{ "reject", RA_REJECT, S(RS_DECLARED), RS_REJECTED,
	  R(ROLE_REGISTRAR), 1, "rejected", NULL },
	{ "reject", RA_REJECT, S(RS_PENDING_APPROVAL), RS_REJECTED,
	  R(ROLE_DISTRICT), 1, "rejected", NULL },
	{ "certify", RA_CERTIFY, S(RS_REGISTERED), RS_CERTIFIED,
	  R(ROLE_REGISTRAR), 0, "certified", NULL },
	{ "archive", RA_ARCHIVE, S(RS_REGISTERED) | S(RS_CERTIFIED) |
	  S(RS_REJECTED), RS_ARCHIVED, R(ROLE_REGISTRAR), 0, "archived", NULL },
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
	size_t i;

	snprintf(name, sizeof name, "period.%s", f->key);
	if (tx && meta_get_u64(tx, name, &v, 0, e) == CR_OK && v > 0 &&
	    v < 100000)
		return (int)v;
	for (i = 0; i < sizeof wf_periods / sizeof wf_periods[0]; i++)
		if (strcmp(wf_periods[i].form, f->key) == 0)
			return wf_periods[i].days;
	return DEFAULT_PERIOD;
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

static void
set_field(struct record *r, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].key, key) == 0) {
			free(r->fields[i].value);
			r->fields[i].value = xstrdup(value);
			return;
		}
	r->fields = xrealloc(r->fields, (r->nfields + 1) * sizeof *r->fields);
	r->fields[r->nfields].key = xstrdup(key);
	r->fields[r->nfields].value = xstrdup(value);
	r->nfields++;
}

struct act {
	struct session			*s;
	const struct wf_request		*rq;
	struct record			*after;
	int				 timeliness;
};

static const struct wf_rule *
find_rule(const char *verb, int status, int role, int *known_verb,
    int *status_ok)
{
	size_t i;

	*known_verb = *status_ok = 0;
	for (i = 0; i < NRULES; i++) {
		if (strcmp(wf_rules[i].verb, verb) != 0)
			continue;
		*known_verb = 1;
		if (!(wf_rules[i].from & S(status)))
			continue;
		*status_ok = 1;
		if (wf_rules[i].roles & R(role))
			return &wf_rules[i];
	}
	return NULL;
}

static const char *
who_may(const char *verb, int status, char *out, size_t n)
{
	size_t i, o = 0;
	int r;

	out[0] = '\0';
	for (i = 0; i < NRULES; i++)
		if (strcmp(wf_rules[i].verb, verb) == 0 &&
		    (wf_rules[i].from & S(status)))
			for (r = ROLE_CLERK; r <= ROLE_ADMIN && o < n; r++)
				if (wf_rules[i].roles & R(r))
					o += (size_t)snprintf(out + o, n - o,
					    "%s%s", o ? ", " : "",
					    user_role_name(r));
	return out;
}

static int
act_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct act *a = arg;
	const struct wf_request *rq = a->rq;
	const struct wf_rule *rule;
	const struct form *f;
	struct record r;
	struct buf b;
	char who[128], detail[300], day[16];
	int rc, known, status_ok, y, m, d, to;
	const char *ev;

	buf_init(&b);
	rec_init(&r);
	rc = store_get(tx, ST_RECORDS, rq->id, strlen(rq->id), &b, 1, e);
	if (rc == CR_ENOTFOUND)
		rc = err_set(e, CR_ENOTFOUND, "no record %s in this store",
		    rq->id);
	if (rc == CR_OK)
		rc = rec_decode(b.data, b.len, &r, e);
	buf_free(&b);
	if (rc != CR_OK)
		goto out;
	f = form_by_code(r.kind);
	rule = find_rule(rq->verb, r.status, a->s->role, &known, &status_ok);
	if (!known) {
		rc = err_set(e, CR_EUSAGE, "unknown action '%s'", rq->verb);
		goto out;
	}
	if (!status_ok) {
		rc = err_set(e, CR_EINVAL, "%s is %s: '%s' does not apply to "
		    "a record in that status", r.id, rec_status_name(r.status),
		    rq->verb);
		goto out;
	}
	if (rule == NULL) {
		rc = err_set(e, CR_EPERM, "user %s (role %s) may not %s %s: "
		    "this needs the role %s", a->s->user,
		    user_role_name(a->s->role), rq->verb, r.id,
		    who_may(rq->verb, r.status, who, sizeof who));
		goto out;
	}
	if (rule->action == RA_REGISTER && (f == NULL ||
	    f->cls != FC_EVENT)) {
		rc = err_set(e, CR_EINVAL, "%s is a %s, not a civil event: it "
		    "is not registered", r.id, f ? f->title_en : "record");
		goto out;
	}
	if (rule->kinds && (f == NULL || !str_in_list(rule->kinds, f->key))) {
		rc = err_set(e, CR_EINVAL, "%s is a %s: '%s' applies only to "
		    "%s records", r.id, f ? f->title_en : "record", rq->verb,
		    rule->kinds);
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
	if (rule->action == RA_REGISTER) {
		int32_t today = date_today();
		char why[128];

		ev = f->date_field ? rec_value(&r, f->date_field) : NULL;
		a->timeliness = WT_CURRENT;
		if (ev && date_parse(ev, &y, &m, &d, why, sizeof why) == 0)
			a->timeliness = workflow_timeliness(date_days(y, m, d),
			    today, workflow_period(tx, f, e));
		err_clear(e);
		if (a->timeliness == WT_LATE && (rq->reason == NULL ||
		    !*rq->reason)) {
			rc = err_set(e, CR_EINVAL, "%s is a late registration "
			    "(the %s was on %s, more than %d days ago): give "
			    "the reason with --reason TEXT", r.id, f->key, ev,
			    workflow_period(tx, f, e));
			goto out;
		}
		if (a->timeliness == WT_DELAYED) {
			if (rq->evidence == NULL || !*rq->evidence) {
				rc = err_set(e, CR_EINVAL, "%s is a delayed "
				    "registration (the %s was on %s, more than "
				    "a year after the legal period): give the "
				    "evidence reference with --evidence REF; "
				    "the district registrar then approves it",
				    r.id, f->key, ev);
				goto out;
			}
			set_field(&r, "_evidence", rq->evidence);
			to = RS_PENDING_APPROVAL;
		}
		date_from_days(today, &y, &m, &d);
		snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, d);
		set_field(&r, "_registration_date", day);
		set_field(&r, "_timeliness",
		    workflow_timeliness_name(a->timeliness));
	}
	r.status = to;
	r.action = rule->action;
	r.rev++;
	r.time = (int64_t)cr_now();
	snprintf(r.author, sizeof r.author, "%s", a->s->user);
	free(r.note);
	r.note = xstrdup(rq->reason ? rq->reason : "");
	rec_vv_bump(&r, a->s->office);
	if ((rc = regist_put_revision(tx, &r, 0, e)) != CR_OK)
		goto out;
	snprintf(detail, sizeof detail, "%s: now %s%s%.200s", rq->verb,
	    rec_status_name(to), rq->reason && *rq->reason ? "; " : "",
	    rq->reason ? rq->reason : "");
	rc = audit_append(tx, a->s->user, a->s->office, AU_WORKFLOW, r.id,
	    detail, e);
	if (rc == CR_OK && a->after) {
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
	struct act a = { s, rq, after, 0 };
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
