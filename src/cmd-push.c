/*
 * cmd-push.c -- `civreg push` and `civreg receive`: replication over SSH.
 *
 * push is import's and export's companion for offices with a network
 * link: it logs in like any verb, hands the files to push_files (push.c)
 * and prints one line per file -- applied there (with the remote's
 * counts), refused (with the remote's reason), or not sent -- and one
 * more for each receipt imported here.  Exit 0 when every file was
 * applied and its receipt imported, 2 when any was refused (or its
 * receipt was not taken), 8 when the connection failed, with ssh's own
 * words.
 *
 * receive is not for people: sshd runs it as the forced command of one
 * key in authorized_keys (doc/replication.md, "Over SSH").  It asks for
 * no password -- push_receive lets in only a user of role replication,
 * the SSH key having been the authentication -- and its standard output
 * is the protocol, so every message goes to stderr.  The command the
 * client asked for (SSH_ORIGINAL_COMMAND) is never obeyed: it is only
 * noted in the audit log, with the client's address, when it differs
 * from "civreg receive".
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civreg.h"

static void
print_result(const char *file, const struct push_result *r, const char *dest)
{
	const char *p, *nl;

	if (r->status == PUSH_NOT_SENT) {
		printf("%s\tnot sent%s%s\n", file, r->reason[0] ? ": " : "",
		    r->reason);
		return;
	}
	/* The remote's words, one line each (already made printable). */
	for (p = r->reason; p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (p == r->reason)
			printf("%s\t%s at %s: %.*s\n", file, r->status ==
			    PUSH_APPLIED ? "applied" : "refused", dest,
			    nl ? (int)(nl - p) : (int)strlen(p), p);
		else
			printf("%s\t%.*s\n", file, nl ? (int)(nl - p) :
			    (int)strlen(p), p);
	}
	if (r->receipt)
		printf("%s\treceipt from %s imported: file %llu acknowledged "
		    "(%zu applied, %zu ignored, %zu conflicts there)\n", file,
		    r->ack.from, (unsigned long long)r->ack.seq, r->ack.applied,
		    r->ack.ignored, r->ack.conflicts);
	else if (r->receipt_error[0])
		printf("%s\treceipt not imported: %s\n", file,
		    r->receipt_error);
}

int
cmd_push(struct cli *c)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "identity", required_argument, NULL, 'i' },
		{ "known-hosts", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct push_result *res;
	struct push_opts po;
	struct session s;
	struct cr_err e;
	const char *dest;
	char *end;
	size_t n, i, bad = 0;
	long port;
	int ch, rc;

	memset(&po, 0, sizeof po);
	optind = 0;
	while ((ch = getopt_long(c->argc, c->argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || port < 1 ||
			    port > 65535) {
				err_set(&e, CR_EUSAGE, "--port %s: give a TCP "
				    "port number, 1 to 65535", optarg);
				return cli_fail(&e);
			}
			po.port = (int)port;
			break;
		case 'i':
			po.identity = optarg;
			break;
		case 'k':
			po.known_hosts = optarg;
			break;
		default:
			return cli_usage("push");
		}
	if (c->argc - optind < 2)
		return cli_usage("push");
	n = (size_t)(c->argc - optind - 1);
	dest = c->argv[c->argc - 1];
	if ((rc = cli_login(c, &s)) != 0)
		return rc;
	res = xcalloc(n, sizeof *res);
	err_clear(&e);
	rc = push_files(&s, (const char *const *)c->argv + optind, n, dest,
	    &po, res, &e);
	cli_logout(&s);
	if (rc == CR_OK || rc == CR_EIO)
		for (i = 0; i < n; i++) {
			print_result(c->argv[optind + (int)i], &res[i], dest);
			if (res[i].status != PUSH_APPLIED || !res[i].receipt)
				bad++;
		}
	free(res);
	if (rc != CR_OK)
		return cli_fail(&e);
	if (bad) {
		fprintf(stderr, "civreg: %zu of %zu files not applied at %s, "
		    "or their receipt not imported: see each line above; the "
		    "reason for a refused file is kept in the remote store's "
		    "rejected/ directory\n", bad, n, dest);
		return err_exit_code(CR_EINVAL);
	}
	return 0;
}

/* "receive via ssh from ADDR", and what the client asked for, if odd. */
static void
receive_how(char *how, size_t n)
{
	const char *conn = getenv("SSH_CONNECTION");
	const char *asked = getenv("SSH_ORIGINAL_COMMAND");
	char addr[64], clean[128];
	size_t len;

	addr[0] = '\0';
	if (conn) {
		len = strspn(conn, "0123456789abcdefABCDEF.:");
		if (len > 0 && len < sizeof addr && (conn[len] == ' ' ||
		    conn[len] == '\0'))
			snprintf(addr, sizeof addr, "%.*s", (int)len, conn);
	}
	snprintf(how, n, "receive via ssh%s%s%s", addr[0] ? " from " : "",
	    addr, conn ? "" : " (no SSH_CONNECTION: run by hand?)");
	/* Logged, never obeyed. */
	if (asked && strcmp(asked, "civreg receive") != 0) {
		char cut[61];

		snprintf(cut, sizeof cut, "%s", asked);
		str_printable(clean, sizeof clean, cut);
		snprintf(how + strlen(how), n - strlen(how), "; the command "
		    "asked for was ignored: %s", clean);
	}
}

int
cmd_receive(struct cli *c)
{
	const char *user = c->user ? c->user : getenv("CIVREG_USER");
	struct store *st;
	struct cr_err e;
	char how[256];
	int rc;

	if (c->argc != 1)
		return cli_usage("receive");
	if (user == NULL || *user == '\0') {
		fprintf(stderr, "civreg: receive needs -u USER: the user of "
		    "role replication named in the forced command\n");
		return err_exit_code(CR_EUSAGE);
	}
	if (isatty(STDIN_FILENO) || isatty(STDOUT_FILENO)) {
		fprintf(stderr, "civreg: receive is run by sshd as the forced "
		    "command of a key in authorized_keys, and reads what "
		    "'civreg push' sends; see doc/replication.md, \"Over "
		    "SSH\"\n");
		return err_exit_code(CR_EUSAGE);
	}
	if ((rc = cli_open(c, &st)) != 0)
		return rc;
	receive_how(how, sizeof how);
	err_clear(&e);
	rc = push_receive(st, user, how, STDIN_FILENO, STDOUT_FILENO, &e);
	store_close(st);
	return rc == CR_OK ? 0 : cli_fail(&e);
}
