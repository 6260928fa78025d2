/*
 * cmd-sync.c -- `civreg export`, `import`, `conflicts` and `resolve`.
 *
 * The command line of replication (sync.c does the work): one line per
 * file exported or imported, saying what happened, so that a clerk with
 * a USB stick, or a script, can tell applied from refused.  import goes
 * on with the next file after a refused one and exits 2 if any was
 * refused; each refused file is set aside with its reason.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "civreg.h"

int
cmd_export(struct cli *c)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct sync_result res;
	struct session s;
	struct cr_err e;
	const char *to = NULL, *out = ".";
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 't':
			to = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cli_usage("export");
		}
	if (to == NULL || optind != c->argc)
		return cli_usage("export");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = sync_export(&s, to, out, &res, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("%s\tfile %llu to %s: %zu revisions, %zu audit entries\n",
	    res.path, (unsigned long long)res.seq, to, res.records, res.audit);
	return 0;
}

/* "applying FILE: 45%" on standard error, one line a step. */
static void
show_progress(void *arg, const char *path, size_t done, size_t total)
{
	(void)arg;
	fprintf(stderr, "civreg: applying %s: %zu%%\n", path,
	    total ? (size_t)((double)done * 100 / (double)total) : 100);
}

int
cmd_import(struct cli *c)
{
	static const struct option opts[] = {
		{ "receipts", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct sync_result res;
	struct session s;
	struct cr_err e;
	const char *rdir = NULL;
	int ch, rc, i, refused = 0, unreceipted = 0, worst = CR_OK;

	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'r':
			rdir = optarg;
			break;
		default:
			return cli_usage("import");
		}
	if (optind >= c->argc)
		return cli_usage("import");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	sync_set_progress(show_progress, NULL);
	for (i = optind; i < c->argc; i++) {
		err_clear(&e);
		rc = sync_import(&s, c->argv[i], rdir, &res, &e);
		if (rc == CR_EPERM) {		/* the user's role */
			cli_logout(&s);
			return cli_fail(&e);
		}
		if (rc != CR_OK && res.receipt_path[0]) {
			/* Applied; only the receipt for the sender failed. */
			printf("%s\tapplied: file %llu from %s: %zu applied, "
			    "%zu ignored, %zu conflicts; no receipt: %s\n",
			    c->argv[i], (unsigned long long)res.seq, res.from,
			    res.applied, res.ignored, res.conflicts, e.msg);
			unreceipted++;
			continue;
		}
		if (rc != CR_OK) {
			printf("%s\trejected: %s\n", c->argv[i], e.msg);
			refused++;
			worst = rc;
			continue;
		}
		if (res.receipt) {
			printf("%s\treceipt from %s: file %llu acknowledged "
			    "(%zu applied, %zu ignored, %zu conflicts there)",
			    c->argv[i], res.from, (unsigned long long)res.seq,
			    res.applied, res.ignored, res.conflicts);
			if (res.confirmed)
				printf("; %zu identity codes confirmed",
				    res.confirmed);
			putchar('\n');
			continue;
		}
		if (res.kind == RF_ALLOCATION) {
			printf("%s\tapplied: allocation %llu from %s: %zu "
			    "identity codes; %zu waiting registrations given "
			    "one\n", c->argv[i], (unsigned long long)res.seq,
			    res.from, res.codes, res.assigned);
			continue;
		}
		printf("%s\tapplied: file %llu from %s: %zu applied, %zu "
		    "ignored, %zu conflicts; receipt %s\n", c->argv[i],
		    (unsigned long long)res.seq, res.from, res.applied,
		    res.ignored, res.conflicts, res.receipt_path);
		if (res.gap_to)
			printf("%s\tgap: files %llu to %llu from %s have not "
			    "been imported yet\n", c->argv[i],
			    (unsigned long long)res.gap_from,
			    (unsigned long long)res.gap_to, res.from);
	}
	cli_logout(&s);
	if (refused) {
		fprintf(stderr, "civreg: %d of %d files refused; a file that "
		    "could be read is kept with its reason in %s/rejected\n",
		    refused, c->argc - optind, c->dir ? c->dir : "the store");
		/* Any refused file is invalid input; I/O failures stay. */
		return err_exit_code(worst == CR_EIO || worst == CR_EDB ||
		    worst == CR_ENOTFOUND ? worst : CR_EINVAL);
	}
	if (unreceipted) {
		fprintf(stderr, "civreg: %d file(s) applied without a receipt "
		    "for the sender: nothing is lost, the sender's next file "
		    "carries the same changes and its receipt acknowledges "
		    "them\n", unreceipted);
		return err_exit_code(CR_EIO);
	}
	return 0;
}

static void
print_rev(const char *which, const struct record *r)
{
	size_t i;

	printf("%s: revision %u by %s at office %s, status %s\n", which,
	    (unsigned)r->rev, r->author, r->office, rec_status_name(r->status));
	for (i = 0; i < r->nvv; i++)
		printf("%s  vv %s=%u\n", which, r->vv[i].office,
		    (unsigned)r->vv[i].counter);
}

static int
show_conflict(void *arg, const struct record *local,
    const struct record *other)
{
	const int *full = arg;
	size_t i;

	if (!*full) {
		printf("%s\trevision %u here\trevision %u by %s elsewhere\n",
		    local->id, (unsigned)local->rev, (unsigned)other->rev,
		    other->author);
		return 0;
	}
	print_rev("local", local);
	print_rev("other", other);
	/* Side by side: each field with both values, marked if they differ. */
	for (i = 0; i < local->nfields; i++) {
		const char *o = rec_value(other, local->fields[i].key);

		printf("%s %s\t%s\t%s\n", o && strcmp(o, local->fields[i].value)
		    == 0 ? " " : "*", local->fields[i].key,
		    local->fields[i].value, o ? o : "-");
	}
	for (i = 0; i < other->nfields; i++)
		if (rec_value(local, other->fields[i].key) == NULL)
			printf("* %s\t-\t%s\n", other->fields[i].key,
			    other->fields[i].value);
	return 0;
}

int
cmd_conflicts(struct cli *c)
{
	struct session s;
	struct cr_err e;
	int rc, full = c->argc == 2;

	if (c->argc > 2)
		return cli_usage("conflicts");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = sync_conflicts(&s, full ? c->argv[1] : NULL, show_conflict, &full,
	    &e);
	cli_logout(&s);
	return rc == CR_OK ? 0 : cli_fail(&e);
}

int
cmd_resolve(struct cli *c)
{
	static const struct option opts[] = {
		{ "keep", required_argument, NULL, 'k' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct session s;
	struct record r;
	struct cr_err e;
	const char *keep = NULL, *reason = NULL;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'k':
			keep = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		default:
			return cli_usage("resolve");
		}
	if (optind != c->argc - 1 || keep == NULL || (strcmp(keep, "local") &&
	    strcmp(keep, "other")))
		return cli_usage("resolve");
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	err_clear(&e);
	rc = sync_resolve(&s, c->argv[optind], strcmp(keep, "other") == 0,
	    reason, &r, &e);
	cli_logout(&s);
	if (rc != CR_OK)
		return cli_fail(&e);
	printf("%s\trevision %u\tresolved\n", r.id, (unsigned)r.rev);
	rec_free(&r);
	return 0;
}
