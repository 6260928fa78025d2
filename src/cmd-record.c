/*
 * cmd-record.c -- `civreg register`, `show` and `search`.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "civreg.h"

/* Every argument from first on must be key=value; each bad one is told. */
static int
kv_args_ok(struct cli *c, int first, struct cr_err *e)
{
	char shown[160];
	int i;

	for (i = first; i < c->argc; i++) {
		char *eq = strchr(c->argv[i], '=');

		if (eq == NULL || eq == c->argv[i]) {
			str_printable(shown, sizeof shown, c->argv[i]);
			err_add(e, CR_EUSAGE, "'%s' is not key=value: give each "
			    "field as key=value", shown);
		}
	}
	return e->code == CR_OK;
}

/* Splits the key=value arguments in place; kv_args_ok said they are. */
static struct kv *
kv_args(struct cli *c, int first, size_t *n)
{
	struct kv *kv = xcalloc((size_t)(c->argc - first) + 1, sizeof *kv);
	int i;

	for (*n = 0, i = first; i < c->argc; i++) {
		char *eq = strchr(c->argv[i], '=');

		*eq = '\0';
		kv[*n].key = c->argv[i];
		kv[(*n)++].value = eq + 1;
	}
	return kv;
}

/*
 * At entry (likely.c): a person likely in the register already stops the
 * declaration, with the matches, until the clerk links (--link ID) or
 * says the person is another (--new).
 */
static int
register_likely(struct session *s, const char *kind, const struct kv *kv,
    size_t n, struct cr_err *e)
{
	const struct form *f = form_by_key(kind);
	struct likely_list l;
	size_t i;
	int rc, p = -1;

	if ((rc = likely_find(s, kind, kv, n, &l, e)) != CR_OK || l.n == 0)
		return rc;
	for (i = 0; i < l.n; i++) {
		const struct likely *m = &l.v[i];
		const struct form_field *ff;
		const struct form *mf = form_by_code(m->kind);

		if (m->person != p) {
			size_t k;

			p = m->person;
			ff = form_field(f, f->persons[p].name_km);
			for (k = 0; k < n; k++)
				if (strcmp(kv[k].key, ff->key) == 0)
					break;
			fprintf(stderr, "civreg: %s=%s is likely in the "
			    "register already:\n", ff->key, k < n ?
			    kv[k].value : "");
		}
		fprintf(stderr, "  %s  %.2f  %s %s  %s", m->id, m->score,
		    mf ? mf->key : "?", rec_status_name(m->status), m->name);
		if (*m->born)
			fprintf(stderr, "  born %s", m->born);
		if (*m->mother)
			fprintf(stderr, "  mother %s", m->mother);
		if (*m->kidc) {
			char code[KIDC_LEN + 3];

			kidc_format(m->kidc, code);
			fprintf(stderr, "  code %s", code);
		}
		fputc('\n', stderr);
	}
	likely_free(&l);
	return err_set(e, CR_EEXIST, "nothing saved: if this is one of them, "
	    "register again with --link ID (its identity code is taken, or "
	    "the pair goes to the review queue); if not, with --new");
}

int
cmd_register(struct cli *c)
{
	struct session s;
	struct cr_err e;
	struct draft from;
	struct kv *kv;
	char id[REC_IDLEN], shown[160];
	const char *notice = NULL, *links[FORM_MAX_PERSONS];
	int i, first = 2, n, m, rc, isnew = 0;
	size_t j, nlinks = 0;

	if (c->argc < 2)
		return cli_usage("register");
	/* Options before the fields: --from NOTICE, --new, --link ID. */
	while (first < c->argc && strncmp(c->argv[first], "--", 2) == 0) {
		if (strcmp(c->argv[first], "--new") == 0) {
			isnew = 1;
			first++;
		} else if (first + 1 < c->argc && strcmp(c->argv[first],
		    "--from") == 0 && notice == NULL) {
			notice = c->argv[first + 1];
			first += 2;
		} else if (first + 1 < c->argc && strcmp(c->argv[first],
		    "--link") == 0 && nlinks < FORM_MAX_PERSONS) {
			links[nlinks++] = c->argv[first + 1];
			first += 2;
		} else
			return cli_usage("register");
	}
	if (isnew && nlinks > 0) {
		err_set(&e, CR_EUSAGE, "--new and --link: a person is either "
		    "new or the one linked; give one of them");
		return cli_fail(&e);
	}
	n = c->argc - first;
	err_clear(&e);
	/* Check what needs no login first: a typo costs no password. */
	if (form_by_key(c->argv[1]) == NULL) {
		str_printable(shown, sizeof shown, c->argv[1]);
		err_set(&e, CR_EINVAL, "unknown form '%s': 'civreg forms' lists "
		    "the forms", shown);
		return cli_fail(&e);
	}
	if (!kv_args_ok(c, first, &e))
		return cli_fail(&e);
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	memset(&from, 0, sizeof from);
	if (notice && (rc = regist_from_notice(&s, notice, c->argv[1], &from,
	    &e)) != CR_OK) {
		cli_logout(&s);
		return cli_fail(&e);
	}
	/* The notice's values, then the command line's, which win. */
	kv = xcalloc(from.n + (size_t)n, sizeof *kv);
	for (m = 0, j = 0; j < from.n; j++) {
		for (i = first; i < c->argc; i++)
			if (strncmp(c->argv[i], from.kv[j].key,
			    strlen(from.kv[j].key)) == 0 &&
			    c->argv[i][strlen(from.kv[j].key)] == '=')
				break;
		if (i == c->argc)
			kv[m++] = from.kv[j];
	}
	for (i = first; i < c->argc; i++) {
		char *eq = strchr(c->argv[i], '=');

		*eq = '\0';
		kv[m].key = c->argv[i];
		kv[m++].value = eq + 1;
	}
	rc = CR_OK;
	if (!isnew && nlinks == 0)
		rc = register_likely(&s, c->argv[1], kv, (size_t)m, &e);
	if (rc == CR_OK)
		rc = regist_declare_linked(&s, c->argv[1], kv, (size_t)m,
		    links, nlinks, id, &e);
	cli_logout(&s);
	free(kv);
	draft_free(&from);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("%s\n", id);
	return 0;
}

static void
print_change(void *arg, const char *key, const char *before,
    const char *after)
{
	(void)arg;
	printf("  \t\t%s: %s -> %s\n", key, before ? before : "(none)",
	    after ? after : "(none)");
}

int
cmd_show(struct cli *c)
{
	struct rec_history h;
	struct record r;
	struct session s;
	struct cr_err e;
	const struct form *f;
	char when[32];
	size_t i;
	int rc;

	if (c->argc != 2)
		return cli_usage("show");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = regist_show(&s, c->argv[1], &r, &h, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	f = form_by_code(r.kind);
	printf("status: %s\n", rec_status_name(r.status));
	printf("record: %s\nkind: %s (%s)\noffice: %s\nrevision: %u\n", r.id,
	    f ? f->key : "?", f ? f->title_en : "?", r.office,
	    (unsigned)r.rev);
	if (f && (f->place_field || f->residence_field))
		printf("place: %s; %s\n", r.flags & REC_F_OCCURRED_ELSEWHERE ?
		    "occurred outside this office's area" : "occurred in this "
		    "office's area", r.flags & REC_F_RESIDENT_ELSEWHERE ?
		    "usual residence outside it" : "usual residence in it");
	for (i = 0; i < r.nfields; i++) {
		const struct form_field *ff = f ? form_field(f,
		    r.fields[i].key) : NULL;
		char grouped[KIDC_LEN + 3];

		if (ff && ff->type == FT_KIDC) {	/* 1234 5678 9012 */
			kidc_format(r.fields[i].value, grouped);
			printf("%s=%s\n", r.fields[i].key, grouped);
		} else
			printf("%s=%s\n", r.fields[i].key, r.fields[i].value);
	}
	printf("history:\n");
	for (i = 0; i < h.n; i++) {
		time_format((time_t)h.revs[i].time, when, sizeof when);
		printf("  %u\t%s\t%s\t%s\t%s%s%s\n", (unsigned)h.revs[i].rev,
		    when, rec_action_name(h.revs[i].action),
		    rec_status_name(h.revs[i].status), h.revs[i].author,
		    h.revs[i].note && h.revs[i].note[0] ? "\t" : "",
		    h.revs[i].note ? h.revs[i].note : "");
		if (i > 0)
			rec_changes(&h.revs[i - 1], &h.revs[i], print_change,
			    NULL);
	}
	rec_free(&r);
	rec_history_free(&h);
	return 0;
}

/* KIND STATUS EVENT_DATE NAMES, after the id if with_id. */
static int
print_line(void *arg, const struct record *r, int with_id)
{
	const struct form *f = form_by_code(r->kind);
	const char *date = f && f->date_field ? rec_value(r, f->date_field) :
	    NULL;
	size_t i;
	int first = 1;

	if (with_id)
		printf("%s\t", r->id);
	printf("%s\t%s%s\t%s\t", f ? f->key : "?",
	    rec_status_name(r->status), regist_overdue(arg, r) ? " OVERDUE" : "",
	    date ? date : "-");
	for (i = 0; f && i < r->nfields; i++) {
		const struct form_field *ff = form_field(f, r->fields[i].key);

		if (ff && (ff->type == FT_NAME_KM || ff->type == FT_NAME_LATIN)) {
			printf("%s%s=%s", first ? "" : "; ", ff->key,
			    r->fields[i].value);
			first = 0;
		}
	}
	putchar('\n');
	return 0;
}

static int
print_hit(void *arg, const struct record *r)
{
	return print_line(arg, r, 1);
}

/* A search's hit: the record's line with its score after the id. */
static int
print_found(void *arg, const struct record *r, double score)
{
	printf("%s\t%.2f\t", r->id, score);
	return print_line(arg, r, 0);
}

int
cmd_search(struct cli *c)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ "born", required_argument, NULL, 'b' },
		{ "mother", required_argument, NULL, 'm' },
		{ "father", required_argument, NULL, 'f' },
		{ "place", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct search_query sq;
	struct session s;
	struct cr_err e;
	struct buf q;
	long limit = 100;
	char *end;
	int ch, rc, i;

	memset(&sq, 0, sizeof sq);
	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'l':
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 1 || limit > 100000)
				return cli_usage("search");
			break;
		case 'b':
			sq.born = optarg;
			break;
		case 'm':
			sq.mother = optarg;
			break;
		case 'f':
			sq.father = optarg;
			break;
		case 'p':
			sq.place = optarg;
			break;
		default:
			return cli_usage("search");
		}
	if (optind >= c->argc)
		return cli_usage("search");
	buf_init(&q);
	for (i = optind; i < c->argc; i++) {
		if (i > optind)
			buf_add_u8(&q, ' ');
		buf_add(&q, c->argv[i], strlen(c->argv[i]));
	}
	buf_add_u8(&q, 0);
	if ((rc = cli_login(c, &s)) != 0) {
		buf_free(&q);
		return rc;
	}
	err_clear(&e);
	sq.text = (const char *)q.data;
	rc = regist_search_query(&s, &sq, (size_t)limit, print_found, &s, &e);
	cli_logout(&s);
	buf_free(&q);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

/* register-record, approve, reject, certify, archive: one table row each. */
int
cmd_act(struct cli *c)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "evidence", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	struct wf_request rq;
	struct kidc_issue is;
	struct session s;
	struct record r;
	struct cr_err e;
	const char *verb = c->argv[0];
	char code[KIDC_LEN + 3];
	int ch, rc;

	memset(&rq, 0, sizeof rq);
	rq.verb = strcmp(verb, "register-record") == 0 ? "register" : verb;
	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'r':
			rq.reason = optarg;
			break;
		case 'e':
			rq.evidence = optarg;
			break;
		default:
			return cli_usage(verb);
		}
	if (optind != c->argc - 1)
		return cli_usage(verb);
	rq.id = c->argv[optind];
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	memset(&is, 0, sizeof is);
	rq.issued = &is;
	rc = workflow_act(&s, &rq, &r, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("%s\t%s\t%s\n", r.id, rec_status_name(r.status),
	    rec_value(&r, "_timeliness") ? rec_value(&r, "_timeliness") : "-");
	rec_free(&r);
	if (is.code[0]) {
		kidc_format(is.code, code);
		printf("%s\tidentity code %s\n", rq.id, code);
	}
	if (is.pending)
		fprintf(stderr, "civreg: %s is registered without an identity "
		    "code: this office's pool is empty; the code is given "
		    "when the next allocation from the national office is "
		    "imported\n", rq.id);
	else if (is.low)
		fprintf(stderr, "civreg: only %zu unused identity codes left "
		    "in this office's pool: ask the national office for "
		    "more\n", is.left);
	return 0;
}

int
cmd_authenticate(struct cli *c)
{
	struct auth_result res;
	struct session s;
	struct cr_err e;
	struct kv *kv;
	size_t i, n;
	int rc;

	if (c->argc < 3)
		return cli_usage("authenticate");
	err_clear(&e);
	if (!kv_args_ok(c, 2, &e))
		return cli_fail(&e);
	kv = kv_args(c, 2, &n);
	if ((rc = cli_login(c, &s)) != 0) {
		free(kv);
		return rc;
	}
	err_clear(&e);
	rc = identity_authenticate(&s, c->argv[1], kv, n, &res, &e);
	cli_logout(&s);
	free(kv);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("%s\n", res.match ? "match" : "no match");
	for (i = 0; i < res.ndiffer; i++)
		printf("%s%s", i ? ", " : "differs: ", res.differ[i]);
	if (res.ndiffer)
		putchar('\n');
	return 0;
}


/* The queues of the screens, for scripts: one line a record, oldest first. */
int
cmd_queue(struct cli *c)
{
	static const struct {
		const char	*name;
		int		 status;
		const char	*kind;
	} queues[] = {
		{ "declared", RS_DECLARED, NULL },
		{ "pending", RS_PENDING_APPROVAL, NULL },
		{ "notices", RS_NOTIFIED, NULL },
		{ "appeals", RS_DECLARED, "appeal" },
		{ "corrections", RS_DECLARED, "correction" },
		{ "rejected", RS_REJECTED, NULL },
	};
	struct session s;
	struct cr_err e;
	size_t i;
	int rc;

	if (c->argc != 2)
		return cli_usage("queue");
	for (i = 0; i < sizeof queues / sizeof queues[0]; i++)
		if (strcmp(c->argv[1], queues[i].name) == 0)
			break;
	if (i == sizeof queues / sizeof queues[0])
		return cli_usage("queue");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = regist_queue(&s, queues[i].status, queues[i].kind ?
	    form_by_key(queues[i].kind)->code : 0, 100000, print_hit, &s, &e);
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

int
cmd_amend(struct cli *c)
{
	struct session s;
	struct record r;
	struct cr_err e;
	struct kv *kv;
	size_t n;
	int rc;

	if (c->argc < 3)
		return cli_usage("amend");
	err_clear(&e);
	if (!kv_args_ok(c, 2, &e))
		return cli_fail(&e);
	kv = kv_args(c, 2, &n);
	if ((rc = cli_login(c, &s)) != 0) {
		free(kv);
		return rc;
	}
	rc = regist_amend(&s, c->argv[1], kv, n, &r, &e);
	cli_logout(&s);
	free(kv);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("%s\t%s\n", r.id, rec_status_name(r.status));
	rec_free(&r);
	return 0;
}
