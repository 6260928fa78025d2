/*
 * push.c -- replication files over SSH: `civreg push` and `civreg receive`.
 *
 * What: a commune with a network link need not carry a USB stick.  push
 * runs the system OpenSSH client -- fork and execvp, no shell, like
 * cert_lpr -- to the remote office, whose authorized_keys forces the
 * command `civreg -d DIR -u USER receive` for this key.  receive imports
 * each file with sync_import, exactly as `civreg import` would, and
 * answers with what happened and the signed receipt, which push imports
 * at once, so the sender's acknowledged point moves without a second
 * trip.  OpenSSH does the transport security (host keys, client keys,
 * encryption); the files carry their own signatures, so nothing here has
 * to be believed that sync_import does not check.
 *
 * Contract.
 * - push_files: the caller's role must be allowed to replicate; every
 *   file is read before ssh starts (an unreadable file sends nothing).
 *   ssh runs with BatchMode=yes (never a prompt), -T, a connect timeout;
 *   -p, -i and UserKnownHostsFile come from push_opts, anything else
 *   from the user's ~/.ssh/config.  A destination that could be read as
 *   an option is refused.  Files go one at a time, each waiting for its
 *   answer, so neither side can block the other on a full pipe.  One
 *   audit entry per push says where to and what came of it.
 * - push_receive: logs the user in with user_login_key (role replication
 *   only, no password: the SSH key was the authentication; the login is
 *   audited with `how`).  It never looks at the command the client asked
 *   for (SSH_ORIGINAL_COMMAND): the CLI may log it, nothing more.  Each
 *   file is written to a private directory in the store (sync_import
 *   takes a path), imported, and removed; a refused one is set aside in
 *   STORE/rejected/ with its reason, as import does.  Standard output
 *   carries only the protocol; messages for people go to stderr.
 *
 * The protocol (integers big-endian):
 *   pusher   -> receiver: "CIVPUSH1", then per file
 *                         'F', u16 name length, name, u64 length, bytes;
 *                         then 'E'.
 *   receiver -> pusher:   "CIVRECV1", then per file
 *                         'A', u8 status (1 applied, 2 refused),
 *                         u32 length, message (UTF-8 lines),
 *                         u64 length, the receipt (or 0 bytes);
 *                         after the pusher's 'E': 'E'.
 *   At any point the receiver may send 'X', u32 length, message, and
 *   stop: login refused, a malformed stream, a storage failure.
 * Names are [A-Za-z0-9._-], 1 to 255 bytes, not starting with '.';
 * a file is at most PUSH_MAX_FILE bytes, a receipt PUSH_MAX_RECEIPT.
 *
 * Diagnostics: a transport failure (CR_EIO) quotes ssh's exit status
 * and the last line it wrote to stderr ("Connection refused",
 * "Permission denied (publickey)", "Host key verification failed"); a
 * remote that does not speak the protocol is named as such, with what it
 * said, and points at the forced command; each refused file carries the
 * remote office's reason.  Keys and passwords are never logged: only the
 * identity file's name is passed to ssh.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "civreg.h"

#define PUSH_MAGIC		"CIVPUSH1"
#define RECV_MAGIC		"CIVRECV1"
#define MAGIC_LEN		8
#define PUSH_MAX_FILE		((uint64_t)1 << 30)	/* 1 GiB */
#define PUSH_MAX_RECEIPT	((uint64_t)1 << 20)
#define PUSH_MAX_MSG		8192
#define PUSH_MAX_NAME		255
#define PUSH_ST_APPLIED		1
#define PUSH_ST_REFUSED		2

/* --- both sides ----------------------------------------------------------- */

/* 0: all n bytes; 1: end of input before the first; -1: error or short. */
static int
read_full(int fd, void *p, size_t n)
{
	unsigned char *b = p;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, b + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return got == 0 && r == 0 ? 1 : -1;
		got += (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int
name_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > PUSH_MAX_NAME || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Each line of untrusted text made printable; lines kept apart. */
static void
printable_lines(char *out, size_t outsz, const char *in, size_t n)
{
	char line[PUSH_MAX_MSG + 1], clean[1024];
	size_t o = 0, i = 0, len;

	out[0] = '\0';
	while (i < n && o + 2 < outsz) {
		for (len = 0; i + len < n && in[i + len] != '\n' &&
		    len < PUSH_MAX_MSG; len++)
			;
		memcpy(line, in + i, len);
		line[len] = '\0';
		str_printable(clean, sizeof clean, line);
		o += (size_t)snprintf(out + o, outsz - o, "%s%s", o ? "\n" : "",
		    clean);
		if (o >= outsz)
			o = outsz - 1;
		i += len + 1;
	}
}

static int
read_whole(const char *path, struct buf *b, struct cr_err *e)
{
	unsigned char chunk[65536];
	ssize_t got;
	int fd;

	buf_reset(b);
	if ((fd = open(path, O_RDONLY)) < 0)
		return err_set(e, CR_ENOTFOUND, "cannot read %s: %s", path,
		    strerror(errno));
	while ((got = read(fd, chunk, sizeof chunk)) > 0) {
		buf_add(b, chunk, (size_t)got);
		if (b->len > PUSH_MAX_FILE) {
			close(fd);
			return err_set(e, CR_EINVAL, "%s is larger than %llu "
			    "bytes: not a replication file", path,
			    (unsigned long long)PUSH_MAX_FILE);
		}
	}
	close(fd);
	if (got < 0)
		return err_set(e, CR_EIO, "cannot read %s: %s", path,
		    strerror(errno));
	return CR_OK;
}

/* --- receive -------------------------------------------------------------- */

struct receiver {
	struct session	 s;
	int		 in, out;
	char		 dir[4200];	/* private, in the store */
	size_t		 files, applied, refused;
};

/* A fatal answer: 'X' and the message; the pusher shows it. */
static void
send_fatal(int fd, const struct cr_err *e)
{
	unsigned char h[5];
	size_t n = strlen(e->msg);

	h[0] = 'X';
	be32_put(h + 1, (uint32_t)n);
	if (write_full(fd, h, 5) == 0)
		(void)write_full(fd, e->msg, n);
}

static int
send_answer(struct receiver *r, int status, const char *msg,
    const struct buf *receipt)
{
	unsigned char h[6], l[8];
	size_t n = strlen(msg);

	h[0] = 'A';
	h[1] = (unsigned char)status;
	be32_put(h + 2, (uint32_t)n);
	be64_put(l, receipt ? receipt->len : 0);
	if (write_full(r->out, h, 6) != 0 || write_full(r->out, msg, n) != 0 ||
	    write_full(r->out, l, 8) != 0 || (receipt && receipt->len &&
	    write_full(r->out, receipt->data, receipt->len) != 0))
		return -1;
	return 0;
}

/* Copies len bytes of the stream into a new private file. */
static int
receive_body(struct receiver *r, const char *path, uint64_t len,
    struct cr_err *e)
{
	unsigned char chunk[65536];
	size_t want;
	int fd, rc = CR_OK;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return err_set(e, CR_EIO, "cannot write %s: %s", path,
		    strerror(errno));
	while (len > 0) {
		want = len < sizeof chunk ? (size_t)len : sizeof chunk;
		if (read_full(r->in, chunk, want) != 0) {
			rc = err_set(e, CR_EINVAL, "the stream ended inside a "
			    "file: the connection was cut");
			break;
		}
		if (write_full(fd, chunk, want) != 0) {
			rc = err_set(e, CR_EIO, "cannot write %s: %s", path,
			    strerror(errno));
			break;
		}
		len -= want;
	}
	if (close(fd) != 0 && rc == CR_OK)
		rc = err_set(e, CR_EIO, "cannot write %s: %s", path,
		    strerror(errno));
	return rc;
}

/* One file: read it, import it, answer.  CR_OK to go on. */
static int
receive_one(struct receiver *r, struct cr_err *e)
{
	unsigned char h[8];
	char name[PUSH_MAX_NAME + 1], path[4600], msg[PUSH_MAX_MSG];
	struct sync_result res;
	struct cr_err ie;
	struct buf receipt;
	uint64_t len;
	size_t n;
	int rc, status;

	if (read_full(r->in, h, 2) != 0)
		return err_set(e, CR_EINVAL, "the stream ended inside a file "
		    "header: the connection was cut");
	n = ((size_t)h[0] << 8) | h[1];
	if (n == 0 || n > PUSH_MAX_NAME || read_full(r->in, name, n) != 0 ||
	    !name_valid(name, n))
		return err_set(e, CR_EINVAL, "a file name in the stream is "
		    "missing or not allowed (only A-Z a-z 0-9 . _ -)");
	name[n] = '\0';
	if (read_full(r->in, h, 8) != 0)
		return err_set(e, CR_EINVAL, "the stream ended inside a file "
		    "header: the connection was cut");
	if ((len = be64_get(h)) > PUSH_MAX_FILE)
		return err_set(e, CR_EINVAL, "%s is announced as %llu bytes, "
		    "more than a replication file may have (%llu)", name,
		    (unsigned long long)len,
		    (unsigned long long)PUSH_MAX_FILE);
	snprintf(path, sizeof path, "%s/%s", r->dir, name);
	if ((rc = receive_body(r, path, len, e)) != CR_OK) {
		unlink(path);
		return rc;
	}
	r->files++;
	err_clear(&ie);
	buf_init(&receipt);
	rc = sync_import(&r->s, path, r->dir, &res, &ie);
	if (rc == CR_OK) {
		status = PUSH_ST_APPLIED;
		r->applied++;
		if (res.receipt)
			snprintf(msg, sizeof msg, "receipt from %s: file %llu "
			    "acknowledged", res.from,
			    (unsigned long long)res.seq);
		else
			snprintf(msg, sizeof msg, "file %llu from %s: %zu "
			    "applied, %zu ignored, %zu conflicts",
			    (unsigned long long)res.seq, res.from, res.applied,
			    res.ignored, res.conflicts);
		if (res.gap_to)
			snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
			    "\ngap: files %llu to %llu from %s have not been "
			    "imported yet", (unsigned long long)res.gap_from,
			    (unsigned long long)res.gap_to, res.from);
		if (res.receipt_path[0]) {
			if (read_whole(res.receipt_path, &receipt, &ie) !=
			    CR_OK)
				snprintf(msg + strlen(msg), sizeof msg -
				    strlen(msg), "\nno receipt: %.500s",
				    ie.msg);
			unlink(res.receipt_path);
		}
	} else {
		status = PUSH_ST_REFUSED;
		r->refused++;
		snprintf(msg, sizeof msg, "%s", ie.msg);
		/* A damaged file is refused; a failing store stops. */
		if (rc == CR_EDB || store_panicked(r->s.store)) {
			unlink(path);
			buf_free(&receipt);
			return err_set(e, rc, "%s", ie.msg);
		}
	}
	unlink(path);
	rc = send_answer(r, status, msg, &receipt);
	buf_free(&receipt);
	if (rc != 0)
		return err_set(e, CR_EIO, "cannot answer the pusher: %s",
		    strerror(errno));
	return CR_OK;
}

int
push_receive(struct store *st, const char *user, const char *how,
    int in_fd, int out_fd, struct cr_err *e)
{
	struct sigaction ign, old;
	struct receiver r;
	unsigned char m[MAGIC_LEN];
	int rc, got, frame;

	memset(&r, 0, sizeof r);
	r.in = in_fd;
	r.out = out_fd;
	/* A pusher that hangs up makes write fail, not kill us mid-file. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	if (write_full(out_fd, RECV_MAGIC, MAGIC_LEN) != 0) {
		rc = err_set(e, CR_EIO, "cannot write to standard output: %s",
		    strerror(errno));
		goto out;
	}
	if ((rc = user_login_key(st, user, how, &r.s, e)) != CR_OK) {
		send_fatal(out_fd, e);
		goto out;
	}
	got = read_full(in_fd, m, MAGIC_LEN);
	if (got != 0 || memcmp(m, PUSH_MAGIC, MAGIC_LEN) != 0) {
		rc = err_set(e, CR_EINVAL, "%s: this is civreg receive, which "
		    "reads only what 'civreg push' sends; any other command "
		    "is ignored (doc/replication.md, \"Over SSH\")",
		    got == 1 ? "nothing was sent" : "not a civreg push stream");
		send_fatal(out_fd, e);
		goto out;
	}
	snprintf(r.dir, sizeof r.dir, "%.4000s/.receive-XXXXXX",
	    store_dir(st));
	if (mkdtemp(r.dir) == NULL) {
		rc = err_set(e, CR_EIO, "cannot make a directory in the store "
		    "for the files received (%s): %s", r.dir, strerror(errno));
		r.dir[0] = '\0';
		send_fatal(out_fd, e);
		goto out;
	}
	for (;;) {
		unsigned char f;

		if ((got = read_full(in_fd, &f, 1)) != 0) {
			rc = err_set(e, CR_EINVAL, "the stream ended before its "
			    "end mark: the connection was cut");
			break;
		}
		frame = f;
		if (frame == 'E') {
			rc = write_full(out_fd, "E", 1) == 0 ? CR_OK :
			    err_set(e, CR_EIO, "cannot answer the pusher: %s",
			    strerror(errno));
			break;
		}
		if (frame != 'F') {
			rc = err_set(e, CR_EINVAL, "not a civreg push stream "
			    "(unknown frame 0x%02x)", (unsigned)frame);
			break;
		}
		if ((rc = receive_one(&r, e)) != CR_OK)
			break;
	}
	if (rc != CR_OK && rc != CR_EIO)
		send_fatal(out_fd, e);
	if (r.dir[0])
		rmdir(r.dir);
out:
	sigaction(SIGPIPE, &old, NULL);
	return rc;
}

/* --- push ----------------------------------------------------------------- */

struct pusher {
	pid_t		 pid;
	int		 to, from;	/* ssh's stdin, stdout */
	FILE		*log;		/* ssh's stderr */
	const char	*dest;
};

static int
dest_valid(const char *d, char *why, size_t n)
{
	const char *at = strrchr(d, '@'), *host = at ? at + 1 : d;
	size_t i;

	if (*d == '\0' || *host == '\0') {
		snprintf(why, n, "no host name");
		return 0;
	}
	if (d[0] == '-' || host[0] == '-') {
		snprintf(why, n, "it would be read as an ssh option");
		return 0;
	}
	for (i = 0; d[i]; i++)
		if ((unsigned char)d[i] <= ' ' || d[i] == 0x7f ||
		    strchr("'\"\\`$;|&", d[i]) != NULL) {
			snprintf(why, n, "it holds a space or a character that "
			    "has no place in [USER@]HOST");
			return 0;
		}
	return 1;
}

/* A value given to ssh as -o NAME=VALUE must be one word. */
static int
word_valid(const char *s)
{
	size_t i;

	if (*s == '\0')
		return 0;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '\'' ||
		    s[i] == 0x7f)
			return 0;
	return 1;
}

static int
start_ssh(struct pusher *p, const char *dest, const struct push_opts *o,
    struct cr_err *e)
{
	char port[16], khf[4200], *argv[24];
	const char *prog = o && o->ssh ? o->ssh : "ssh";
	int to[2], from[2], fd, i = 0;
	long maxfd;

	argv[i++] = (char *)prog;
	argv[i++] = (char *)"-T";
	argv[i++] = (char *)"-o";
	argv[i++] = (char *)"BatchMode=yes";
	argv[i++] = (char *)"-o";
	argv[i++] = (char *)"ConnectTimeout=30";
	argv[i++] = (char *)"-o";
	argv[i++] = (char *)"ServerAliveInterval=30";
	if (o && o->port) {
		snprintf(port, sizeof port, "%d", o->port);
		argv[i++] = (char *)"-p";
		argv[i++] = port;
	}
	if (o && o->identity) {
		argv[i++] = (char *)"-i";
		argv[i++] = (char *)o->identity;
		argv[i++] = (char *)"-o";
		argv[i++] = (char *)"IdentitiesOnly=yes";
	}
	if (o && o->known_hosts) {
		snprintf(khf, sizeof khf, "UserKnownHostsFile=%.4000s",
		    o->known_hosts);
		argv[i++] = (char *)"-o";
		argv[i++] = khf;
	}
	argv[i++] = (char *)"--";
	argv[i++] = (char *)dest;
	/* Ignored by a forced command; says what is wanted otherwise. */
	argv[i++] = (char *)"civreg receive";
	argv[i] = NULL;

	p->log = tmpfile();
	if (pipe(to) != 0) {
		if (p->log)
			fclose(p->log);
		p->log = NULL;
		return err_set(e, CR_EIO, "cannot run %s: %s", prog,
		    strerror(errno));
	}
	if (pipe(from) != 0) {
		close(to[0]);
		close(to[1]);
		if (p->log)
			fclose(p->log);
		p->log = NULL;
		return err_set(e, CR_EIO, "cannot run %s: %s", prog,
		    strerror(errno));
	}
	if ((p->pid = fork()) < 0) {
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		if (p->log)
			fclose(p->log);
		p->log = NULL;
		return err_set(e, CR_EIO, "cannot run %s: %s", prog,
		    strerror(errno));
	}
	if (p->pid == 0) {
		dup2(to[0], STDIN_FILENO);
		dup2(from[1], STDOUT_FILENO);
		if (p->log)
			dup2(fileno(p->log), STDERR_FILENO);
		/* The store's files and locks stay with civreg. */
		maxfd = sysconf(_SC_OPEN_MAX);
		for (fd = 3; fd < (maxfd > 0 && maxfd < 4096 ? maxfd : 4096);
		    fd++)
			close(fd);
		execvp(prog, argv);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	p->to = to[1];
	p->from = from[0];
	return CR_OK;
}

/* The last non-empty line ssh wrote, made printable. */
static void
ssh_said(struct pusher *p, char *said, size_t n)
{
	char line[512];

	said[0] = '\0';
	if (p->log == NULL)
		return;
	fflush(p->log);
	rewind(p->log);
	while (fgets(line, sizeof line, p->log))
		if (line[strspn(line, " \t\r\n")] != '\0') {
			line[strcspn(line, "\r\n")] = '\0';
			str_printable(said, n, line);
		}
}

/*
 * Closes the pipes and reaps ssh: it should go by itself once its input
 * is closed; if it has not after a few seconds, it is stopped.
 */
static int
stop_ssh(struct pusher *p)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int st = 0, i;
	pid_t w;

	if (p->to >= 0)
		close(p->to);
	if (p->from >= 0)
		close(p->from);
	p->to = p->from = -1;
	for (i = 0; i < 250; i++) {
		while ((w = waitpid(p->pid, &st, WNOHANG)) < 0 &&
		    errno == EINTR)
			;
		if (w != 0)
			return st;
		nanosleep(&ts, NULL);
	}
	kill(p->pid, SIGTERM);
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* What to do about the usual refusals, after ssh's own words. */
static const char *
ssh_hint(const char *said)
{
	if (strstr(said, "Host key verification failed"))
		return " (the remote host's key is not known here, or has "
		    "changed: compare its fingerprint with the remote office "
		    "by telephone, then add it to known_hosts or give "
		    "--known-hosts FILE)";
	if (strstr(said, "Permission denied"))
		return " (this key is not in the remote office's "
		    "authorized_keys, or the user is wrong)";
	return "";
}

/* A transport failure: what ssh said, and its status. */
static int
transport_error(struct pusher *p, const char *what, struct cr_err *e)
{
	char said[400];
	int st = stop_ssh(p);

	ssh_said(p, said, sizeof said);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return err_set(e, CR_EIO, "the ssh client could not be "
		    "started: is OpenSSH installed and in PATH?");
	if (WIFSIGNALED(st))
		return err_set(e, CR_EIO, "cannot push to %s: %s; ssh was "
		    "stopped by signal %d%s%s", p->dest, what, WTERMSIG(st),
		    said[0] ? ": " : "", said);
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		return err_set(e, CR_EIO, "cannot push to %s: ssh failed with "
		    "exit status %d%s%s%s", p->dest, WEXITSTATUS(st),
		    said[0] ? ": " : "", said, ssh_hint(said));
	return err_set(e, CR_EIO, "cannot push to %s: %s%s%s", p->dest, what,
	    said[0] ? "; ssh said: " : "", said);
}

/* Reads the receiver's fatal message after an 'X'. */
static int
remote_fatal(struct pusher *p, struct cr_err *e)
{
	unsigned char h[4];
	char msg[PUSH_MAX_MSG + 1], clean[PUSH_MAX_MSG];
	uint32_t n;

	if (read_full(p->from, h, 4) != 0 || (n = be32_get(h)) >
	    PUSH_MAX_MSG || read_full(p->from, msg, n) != 0)
		return transport_error(p, "the remote side stopped and its "
		    "reason was cut off", e);
	msg[n] = '\0';
	printable_lines(clean, sizeof clean, msg, n);
	stop_ssh(p);
	return err_set(e, CR_EIO, "the remote office at %s refused: %s",
	    p->dest, clean);
}

/* Imports the receipt of one file; says why not in r->receipt_error. */
static void
take_receipt(struct session *s, const char *tmpdir, const char *name,
    const struct buf *b, struct push_result *r)
{
	char path[4600];
	struct cr_err e;
	int fd, ok;

	snprintf(path, sizeof path, "%s/%s.receipt", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ok = fd >= 0 && write_full(fd, b->data, b->len) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (!ok) {
		snprintf(r->receipt_error, sizeof r->receipt_error, "cannot "
		    "write %.700s: %s", path, strerror(errno));
		unlink(path);
		return;
	}
	err_clear(&e);
	if (sync_import(s, path, tmpdir, &r->ack, &e) == CR_OK &&
	    r->ack.receipt)
		r->receipt = 1;
	else
		snprintf(r->receipt_error, sizeof r->receipt_error, "%.1000s",
		    e.msg[0] ? e.msg : "what came back is not a receipt");
	unlink(path);
}

/* Sends one file and reads its answer. */
static int
push_one(struct pusher *p, struct session *s, const char *tmpdir,
    const char *name, const struct buf *file, struct push_result *r,
    struct cr_err *e)
{
	unsigned char h[11];
	char msg[PUSH_MAX_MSG + 1];
	struct buf receipt;
	size_t nl = strlen(name);
	uint64_t rl;
	uint32_t ml;
	int got, status;

	h[0] = 'F';
	h[1] = (unsigned char)(nl >> 8);
	h[2] = (unsigned char)nl;
	if (write_full(p->to, h, 3) != 0 || write_full(p->to, name, nl) != 0)
		return transport_error(p, "the connection closed", e);
	be64_put(h, file->len);
	if (write_full(p->to, h, 8) != 0 ||
	    write_full(p->to, file->data, file->len) != 0)
		return transport_error(p, "the connection closed while "
		    "sending", e);
	if ((got = read_full(p->from, h, 1)) != 0)
		return transport_error(p, "the connection closed before the "
		    "answer", e);
	if (h[0] == 'X')
		return remote_fatal(p, e);
	if (h[0] != 'A' || read_full(p->from, h, 5) != 0 ||
	    ((status = h[0]) != PUSH_ST_APPLIED && status != PUSH_ST_REFUSED) ||
	    (ml = be32_get(h + 1)) > PUSH_MAX_MSG ||
	    read_full(p->from, msg, ml) != 0 ||
	    read_full(p->from, h, 8) != 0 ||
	    (rl = be64_get(h)) > PUSH_MAX_RECEIPT)
		return transport_error(p, "the answer is garbled", e);
	msg[ml] = '\0';
	buf_init(&receipt);
	if (rl > 0) {
		receipt.data = xmalloc((size_t)rl);
		receipt.cap = receipt.len = (size_t)rl;
		if (read_full(p->from, receipt.data, receipt.len) != 0) {
			buf_free(&receipt);
			return transport_error(p, "the receipt was cut off", e);
		}
	}
	r->status = status == PUSH_ST_APPLIED ? PUSH_APPLIED : PUSH_REFUSED;
	printable_lines(r->reason, sizeof r->reason, msg, ml);
	if (r->status == PUSH_APPLIED && receipt.len)
		take_receipt(s, tmpdir, name, &receipt, r);
	buf_free(&receipt);
	return CR_OK;
}

struct push_audit {
	struct session	*s;
	const char	*detail;
};

static int
push_audit_txn(struct txn *tx, void *arg, struct cr_err *e)
{
	struct push_audit *a = arg;

	return audit_append(tx, a->s->user, a->s->office, AU_PUSH, "",
	    a->detail, e);
}

int
push_files(struct session *s, const char *const *files, size_t n,
    const char *dest, const struct push_opts *o,
    struct push_result *results, struct cr_err *e)
{
	struct sigaction ign, old;
	struct pusher p;
	struct push_audit pa;
	struct buf *bufs = NULL;
	char **names = NULL, tmpdir[4200], why[160], detail[600], clean[200];
	const char *base;
	unsigned char m[MAGIC_LEN];
	size_t i, j, sent = 0, applied = 0, refused = 0;
	int rc = CR_OK, got = 0;

	for (i = 0; i < n; i++)
		memset(&results[i], 0, sizeof results[i]);
	if ((rc = authz_check(s, AZ_REPLICATE, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	if (n == 0)
		return err_set(e, CR_EINVAL, "no file to push: give the files "
		    "'civreg export' wrote");
	if (dest == NULL || !dest_valid(dest, why, sizeof why))
		return err_set(e, CR_EINVAL, "'%s' is not a destination: %s; "
		    "write [USER@]HOST", dest ? dest : "", why);
	if (o && (o->port < 0 || o->port > 65535))
		return err_set(e, CR_EINVAL, "port %d is not a TCP port (1 to "
		    "65535)", o->port);
	if (o && o->known_hosts && !word_valid(o->known_hosts))
		return err_set(e, CR_EINVAL, "the known hosts file name '%s' "
		    "holds a space or a quote: ssh cannot take it",
		    o->known_hosts);
	/* Every file read first: an unreadable one sends nothing. */
	bufs = xcalloc(n, sizeof *bufs);
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n && rc == CR_OK; i++) {
		buf_init(&bufs[i]);
		rc = read_whole(files[i], &bufs[i], e);
		base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		names[i] = xstrdup(base);
		/* Sent as the file's name there (STORE/rejected/NAME). */
		for (j = 0; names[i][j] && j < PUSH_MAX_NAME; j++)
			if (!name_char((unsigned char)names[i][j]))
				names[i][j] = '_';
		names[i][j] = '\0';
		if (j == 0 || names[i][0] == '.') {
			free(names[i]);
			names[i] = xstrdup("file.crf");
		}
	}
	if (rc != CR_OK)
		goto out;
	snprintf(tmpdir, sizeof tmpdir, "%.4000s/.push-XXXXXX",
	    store_dir(s->store));
	if (mkdtemp(tmpdir) == NULL) {
		rc = err_set(e, CR_EIO, "cannot make a directory in the store "
		    "for the receipts (%s): %s", tmpdir, strerror(errno));
		goto out;
	}

	memset(&p, 0, sizeof p);
	p.to = p.from = -1;
	p.dest = dest;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	if ((rc = start_ssh(&p, dest, o, e)) != CR_OK)
		goto restore;
	if (write_full(p.to, PUSH_MAGIC, MAGIC_LEN) != 0 ||
	    (got = read_full(p.from, m, MAGIC_LEN)) == 1) {
		rc = transport_error(&p, "the connection closed at once", e);
		goto restore;
	}
	if (got != 0 || memcmp(m, RECV_MAGIC, MAGIC_LEN) != 0) {
		char heard[MAGIC_LEN + 1], what[300];

		memcpy(heard, m, MAGIC_LEN);
		heard[got == 0 ? MAGIC_LEN : 0] = '\0';
		heard[strcspn(heard, "\r\n")] = '\0';
		str_printable(clean, sizeof clean, heard);
		snprintf(what, sizeof what, "the remote side is not 'civreg "
		    "receive' (it began \"%.40s\"): check the forced command in "
		    "its authorized_keys (doc/replication.md, \"Over SSH\")",
		    clean);
		rc = transport_error(&p, what, e);
		goto restore;
	}
	for (i = 0; i < n; i++) {
		if ((rc = push_one(&p, s, tmpdir, names[i], &bufs[i],
		    &results[i], e)) != CR_OK)
			break;
		sent++;
		if (results[i].status == PUSH_APPLIED)
			applied++;
		else
			refused++;
		if (o && o->progress)
			o->progress(o->arg, i, &results[i]);
	}
	if (rc == CR_OK) {
		if (write_full(p.to, "E", 1) != 0 ||
		    read_full(p.from, m, 1) != 0 || m[0] != 'E')
			rc = transport_error(&p, "the connection closed before "
			    "the end", e);
		else {
			int st = stop_ssh(&p);

			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				char said[400];

				ssh_said(&p, said, sizeof said);
				rc = err_set(e, CR_EIO, "every file was answered, "
				    "but ssh to %s ended with status %d%s%s",
				    dest, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
				    said[0] ? ": " : "", said);
			}
		}
	}
restore:
	sigaction(SIGPIPE, &old, NULL);
	if (p.log)
		fclose(p.log);
	rmdir(tmpdir);
	str_printable(clean, sizeof clean, dest);
	snprintf(detail, sizeof detail, "push to %s: %zu of %zu files "
	    "answered, %zu applied, %zu refused%s%.200s", clean, sent, n,
	    applied, refused, rc != CR_OK ? "; failed: " : "",
	    rc != CR_OK ? e->msg : "");
	pa.s = s;
	pa.detail = detail;
	{
		struct cr_err ae;

		err_clear(&ae);
		(void)store_run(s->store, push_audit_txn, &pa, &ae);
	}
out:
	for (i = 0; i < n; i++) {
		if (bufs)
			buf_free(&bufs[i]);
		if (names)
			free(names[i]);
	}
	free(bufs);
	free(names);
	return rc;
}
