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
 *   file is checked before ssh starts (an unreadable file, or one of
 *   more than PUSH_MAX_FILE bytes, sends nothing), then each is read
 *   only when its turn comes and freed once sent.  ssh runs with
 *   BatchMode=yes (never a prompt), -T, a connect timeout;
 *   -p, -i and UserKnownHostsFile come from push_opts, anything else
 *   from the user's ~/.ssh/config.  A destination that could be read as
 *   an option is refused.  Files go one at a time, each waiting for its
 *   answer, so neither side can block the other on a full pipe.  One
 *   audit entry per push (after the role check, whatever else fails)
 *   says where to and what came of it.  What comes back as a receipt is
 *   imported only if it is one (repfile_verify: a receipt signed by the
 *   office the file was for, for that file).
 * - push_receive: logs the user in with user_login_key (role replication
 *   only, no password: the SSH key was the authentication; the login is
 *   audited with `how`) before it says anything, so that a refusal is
 *   the first thing the pusher reads.  It never looks at the command
 *   the client asked for (SSH_ORIGINAL_COMMAND): the CLI may log it,
 *   nothing more.  Each file is written to a private directory in the
 *   store (sync_import takes a path), imported, and removed; of a
 *   refused one only the reason is kept, STORE/rejected/NAME.reason
 *   (the sender has the file, and whoever holds the key cannot fill the
 *   disk).  A file imported whose receipt could not be written is
 *   answered as applied, without a receipt.  Standard output carries
 *   only the protocol; messages for people go to stderr.
 *
 * The protocol (integers big-endian):
 *   pusher   -> receiver: "CIVPUSH1", then per file
 *                         'F', u16 name length, name, u64 length, bytes;
 *                         then 'E'.
 *   receiver -> pusher:   "CIVRECV1" once logged in, then per file
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
#define PUSH_MAX_FILE		((uint64_t)512 << 20)	/* 512 MiB */
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

/*
 * Opens a file to send or a receipt to read: a regular file of at most
 * max bytes (its size in *size).  Checked before ssh starts, so a file
 * that cannot be sent sends nothing.
 */
static int
open_file(const char *path, uint64_t max, int *fd, size_t *size,
    struct cr_err *e)
{
	struct stat st;

	if ((*fd = open(path, O_RDONLY)) < 0)
		return err_set(e, CR_ENOTFOUND, "cannot read %s: %s", path,
		    strerror(errno));
	if (fstat(*fd, &st) != 0)
		err_set(e, CR_EIO, "cannot read %s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err_set(e, CR_EINVAL, "%s is not a file", path);
	else if ((uint64_t)st.st_size > max)
		err_set(e, CR_EINVAL, "%s is %llu bytes, more than a replication "
		    "file may have (%llu)", path,
		    (unsigned long long)st.st_size, (unsigned long long)max);
	else {
		*size = (size_t)st.st_size;
		return CR_OK;
	}
	close(*fd);
	*fd = -1;
	return e->code;
}

/* The whole of a file of at most max bytes, in one allocation. */
static int
read_whole(const char *path, uint64_t max, struct buf *b, struct cr_err *e)
{
	unsigned char more;
	size_t size, got = 0;
	ssize_t r = 0;
	int fd, rc, saved;

	buf_reset(b);
	if ((rc = open_file(path, max, &fd, &size, e)) != CR_OK)
		return rc;
	if (size > b->cap) {
		free(b->data);
		b->data = xmalloc(size);
		b->cap = size;
	}
	while (got < size) {
		if ((r = read(fd, b->data + got, size - got)) < 0 &&
		    errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == size)	/* and no more: it did not grow */
		while ((r = read(fd, &more, 1)) < 0 && errno == EINTR)
			;
	saved = errno;
	close(fd);
	if (r < 0)
		return err_set(e, CR_EIO, "cannot read %s: %s", path,
		    strerror(saved));
	if (got != size || r > 0)
		return err_set(e, CR_EIO, "%s changed while it was read: send "
		    "it again once it is written", path);
	b->len = size;
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
	char name[PUSH_MAX_NAME + 1], path[4600], rej[4600], msg[PUSH_MAX_MSG];
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
	/*
	 * A receipt path means the import committed; if the receipt could
	 * not be written after it, the file is still applied here.
	 */
	if (rc == CR_OK || res.receipt_path[0]) {
		status = PUSH_ST_APPLIED;
		r->applied++;
		if (res.receipt)
			snprintf(msg, sizeof msg, "receipt from %s: file %llu "
			    "acknowledged", res.from,
			    (unsigned long long)res.seq);
		else if (res.kind == RF_ALLOCATION)
			snprintf(msg, sizeof msg, "allocation %llu from %s: "
			    "%zu identity codes; %zu waiting registrations "
			    "given one", (unsigned long long)res.seq, res.from,
			    res.codes, res.assigned);
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
		if (rc != CR_OK)
			snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
			    "\nno receipt: %.600s", ie.msg);
		else if (res.receipt_path[0] && read_whole(res.receipt_path,
		    PUSH_MAX_RECEIPT, &receipt, &ie) != CR_OK)
			snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
			    "\nno receipt: %.500s", ie.msg);
		if (res.receipt_path[0])
			unlink(res.receipt_path);
	} else {
		status = PUSH_ST_REFUSED;
		r->refused++;
		snprintf(msg, sizeof msg, "%s", ie.msg);
		/*
		 * sync_import set the file aside in rejected/ with its
		 * reason; of a file that came over ssh only the reason is
		 * kept: the sender still has the file, and whoever holds
		 * the key must not be able to fill the disk with refusals.
		 */
		snprintf(rej, sizeof rej, "%.4000s/rejected/%s",
		    store_dir(r->s.store), name);
		unlink(rej);
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
	/*
	 * The login first: a refusal is the first thing the pusher reads,
	 * instead of the magic, so it shows the reason before it sends
	 * anything (not a broken pipe in the middle of a big file).
	 */
	if ((rc = user_login_key(st, user, how, &r.s, e)) != CR_OK) {
		send_fatal(out_fd, e);
		goto out;
	}
	if (write_full(out_fd, RECV_MAGIC, MAGIC_LEN) != 0) {
		rc = err_set(e, CR_EIO, "cannot write to standard output: %s",
		    strerror(errno));
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

/* The recipient and number of a file to push, from its header (or ""). */
static void
file_for(const struct buf *f, char office[OFFICE_LEN], uint64_t *seq)
{
	/* "CIVREP", version, kind, sender[16], recipient[16], seq u64 */
	memset(office, 0, OFFICE_LEN);
	*seq = 0;
	if (f->len < 48 || memcmp(f->data, "CIVREP", 6) != 0)
		return;
	memcpy(office, f->data + 24, OFFICE_LEN - 1);
	*seq = be64_get(f->data + 40);
}

/*
 * Imports the receipt of one file; says why not in r->receipt_error.
 * What came back is imported only if it is a receipt signed by the
 * office the file was for, for that file: anything else (a remote
 * answering with a file of changes, say) is not a receipt, and nothing
 * of it is imported.
 */
static void
take_receipt(struct session *s, const char *tmpdir, const char *name,
    const struct buf *file, const struct buf *b, struct push_result *r)
{
	struct repfile_head h;
	char path[4600], office[OFFICE_LEN];
	struct cr_err e;
	uint64_t seq;
	int fd, ok;

	file_for(file, office, &seq);
	err_clear(&e);
	if (repfile_verify(b->data, b->len, &h, &e) != CR_OK ||
	    h.kind != RF_RECEIPT || office[0] == '\0' ||
	    strcmp(h.sender, office) != 0 || h.seq != seq) {
		snprintf(r->receipt_error, sizeof r->receipt_error, "what came "
		    "back is not a receipt from office %s for file %llu%s%.700s; "
		    "nothing of it was imported", office[0] ? office : "?",
		    (unsigned long long)seq, e.msg[0] ? ": " : "", e.msg);
		return;
	}
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
	if (sync_import(s, path, tmpdir, &r->ack, &e) == CR_OK &&
	    r->ack.receipt)
		r->receipt = 1;
	else
		snprintf(r->receipt_error, sizeof r->receipt_error, "%.1000s",
		    e.msg[0] ? e.msg : "what came back is not a receipt");
	unlink(path);
	if (r->ack.receipt_path[0])
		unlink(r->ack.receipt_path);
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
		take_receipt(s, tmpdir, name, file, &receipt, r);
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

/* The name a file is sent as (STORE/rejected/NAME.reason there). */
static char *
send_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name;
	size_t j;

	base = base ? base + 1 : path;
	name = xstrdup(base);
	for (j = 0; name[j] && j < PUSH_MAX_NAME; j++)
		if (!name_char((unsigned char)name[j]))
			name[j] = '_';
	name[j] = '\0';
	if (j == 0 || name[0] == '.') {
		free(name);
		name = xstrdup("file.crf");
	}
	return name;
}

int
push_files(struct session *s, const char *const *files, size_t n,
    const char *dest, const struct push_opts *o,
    struct push_result *results, struct cr_err *e)
{
	struct sigaction ign, old;
	struct pusher p;
	struct push_audit pa;
	struct buf file;
	struct cr_err fe;
	char **names = NULL, tmpdir[4200], why[160], detail[600], clean[200];
	unsigned char m[MAGIC_LEN];
	size_t i, size, sent = 0, applied = 0, refused = 0;
	int rc = CR_OK, got = 0, fd, sigs = 0;

	for (i = 0; i < n; i++)
		memset(&results[i], 0, sizeof results[i]);
	if ((rc = authz_check(s, AZ_REPLICATE, NULL, e)) != CR_OK) {
		audit_denied(s, NULL, e);
		return rc;
	}
	memset(&p, 0, sizeof p);
	p.to = p.from = -1;
	p.dest = dest;
	tmpdir[0] = '\0';
	buf_init(&file);
	/* From here on, whatever happens is audited. */
	if (n == 0) {
		rc = err_set(e, CR_EINVAL, "no file to push: give the files "
		    "'civreg export' wrote");
		goto audit;
	}
	if (dest == NULL || !dest_valid(dest, why, sizeof why)) {
		rc = err_set(e, CR_EINVAL, "'%s' is not a destination: %s; "
		    "write [USER@]HOST", dest ? dest : "", why);
		goto audit;
	}
	if (o && (o->port < 0 || o->port > 65535)) {
		rc = err_set(e, CR_EINVAL, "port %d is not a TCP port (1 to "
		    "65535)", o->port);
		goto audit;
	}
	if (o && o->known_hosts && !word_valid(o->known_hosts)) {
		rc = err_set(e, CR_EINVAL, "the known hosts file name '%s' "
		    "holds a space or a quote: ssh cannot take it",
		    o->known_hosts);
		goto audit;
	}
	/*
	 * Every file checked first (readable, a file, not too big): one
	 * that is not sends nothing.  Each is read only when its turn
	 * comes, and freed after: a push of many big files holds one.
	 */
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++) {
		if ((rc = open_file(files[i], PUSH_MAX_FILE, &fd, &size, e)) !=
		    CR_OK)
			goto audit;
		close(fd);
		names[i] = send_name(files[i]);
	}
	snprintf(tmpdir, sizeof tmpdir, "%.4000s/.push-XXXXXX",
	    store_dir(s->store));
	if (mkdtemp(tmpdir) == NULL) {
		rc = err_set(e, CR_EIO, "cannot make a directory in the store "
		    "for the receipts (%s): %s", tmpdir, strerror(errno));
		tmpdir[0] = '\0';
		goto audit;
	}

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	sigs = 1;
	if ((rc = start_ssh(&p, dest, o, e)) != CR_OK)
		goto audit;
	/*
	 * The receiver answers with its magic once it has logged in, or
	 * with 'X' and why it will not.
	 */
	if (write_full(p.to, PUSH_MAGIC, MAGIC_LEN) != 0 ||
	    (got = read_full(p.from, m, 1)) == 1) {
		rc = transport_error(&p, "the connection closed at once", e);
		goto audit;
	}
	if (got == 0 && m[0] == 'X') {
		rc = remote_fatal(&p, e);
		goto audit;
	}
	if (got == 0)
		got = read_full(p.from, m + 1, MAGIC_LEN - 1) == 0 ? 0 : -1;
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
		goto audit;
	}
	for (i = 0; i < n; i++) {
		/* Gone or changed since the check: not sent, and on. */
		err_clear(&fe);
		if (read_whole(files[i], PUSH_MAX_FILE, &file, &fe) != CR_OK) {
			snprintf(results[i].reason, sizeof results[i].reason,
			    "%.1000s", fe.msg);
			if (o && o->progress)
				o->progress(o->arg, i, &results[i]);
			continue;
		}
		rc = push_one(&p, s, tmpdir, names[i], &file, &results[i], e);
		buf_free(&file);
		buf_init(&file);
		if (rc != CR_OK)
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
audit:
	if (sigs)
		sigaction(SIGPIPE, &old, NULL);
	if (p.log)
		fclose(p.log);
	if (tmpdir[0])
		rmdir(tmpdir);
	str_printable(clean, sizeof clean, dest ? dest : "");
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
	buf_free(&file);
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
