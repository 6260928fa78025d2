#!/bin/sh
# Replication over SSH: `civreg push` to a real sshd on 127.0.0.1 whose
# authorized_keys forces `civreg receive` (doc/replication.md, "Over
# SSH"): the file applies and the receipt moves the acknowledged point;
# a tampered file is refused with its reason; a failed connection, an
# unknown host key and a forced command naming the wrong user are
# clear failures; whatever command the client asks for, only receive
# runs.  A private sshd (TOOLBOX.md), stopped in the trap.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

if [ ! -x /usr/sbin/sshd ] || ! command -v ssh > /dev/null ||
    ! command -v ssh-keygen > /dev/null; then
	echo "SKIP: /usr/sbin/sshd or ssh is missing (apt-get install openssh-server openssh-client)"
	exit 77
fi

. "${TESTS_SRCDIR:-$(dirname "$0")}/replib.sh"

D=$T/ssh
mkdir -p "$D"
SSHD=
stop_sshd() {
	if [ -n "$SSHD" ]; then
		kill "$SSHD" 2> /dev/null || :
		wait "$SSHD" 2> /dev/null || :
		SSHD=
	fi
}
trap 'stop_sshd; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

office nat 00 national
office prov 12 province
office c1 120101 commune
trust_tree nat prov c1
# The province's replication user, named by the forced command.
run_in 0 "$ADMIN_PW
sync-password-1
" "$CIVREG" -d "$T/prov" -u admin user add sync --role replication

ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey"
ssh-keygen -q -t ed25519 -N '' -C commune-120101 -f "$D/clientkey"
ssh-keygen -q -t ed25519 -N '' -C wrong-user -f "$D/regkey"
# The documented line, with this build's civreg, the test's clock and
# the sanitizers' settings (sshd passes no environment on).
ENV="CIVREG_NOW=$CIVREG_NOW"
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
	eval "val=\${$v:-}"
	[ -n "$val" ] && ENV="$ENV $v=$val"
done
{
	printf 'command="%s %s -d %s -u sync receive",restrict %s\n' \
	    "$ENV" "$CIVREG" "$T/prov" "$(cat "$D/clientkey.pub")"
	printf 'command="%s %s -d %s -u reg receive",restrict %s\n' \
	    "$ENV" "$CIVREG" "$T/prov" "$(cat "$D/regkey.pub")"
} > "$D/authorized_keys"
chmod 600 "$D/authorized_keys"

# start_sshd: on a free high port (a few tries); sets PORT and SSHD.
start_sshd() {
	[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
	tries=0
	while [ $tries -lt 10 ]; do
		tries=$((tries + 1))
		PORT=$((20000 + ($$ * 7 + tries * 1009 + $(date +%N | sed 's/^0*//;s/^$/0/') % 997) % 40000))
		cat > "$D/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $PORT
HostKey $D/hostkey
PidFile $D/sshd.pid
AuthorizedKeysFile $D/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
		: > "$D/sshd.log"
		/usr/sbin/sshd -D -e -f "$D/sshd_config" 2> "$D/sshd.log" &
		SSHD=$!
		i=0
		while [ $i -lt 100 ]; do
			grep -q "Server listening" "$D/sshd.log" && return 0
			kill -0 "$SSHD" 2> /dev/null || break
			i=$((i + 1))
			sleep 0.05
		done
		stop_sshd
	done
	cat "$D/sshd.log" >&2
	fail "sshd did not start"
}
start_sshd
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$D/hostkey.pub")" > "$D/known_hosts"
DEST=$(id -un)@127.0.0.1
KEYS="--port $PORT --identity $D/clientkey --known-hosts $D/known_hosts"
# Plain ssh as the commune would use it (for the forced-command checks).
O="-T -i $D/clientkey -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$D/known_hosts -p $PORT"

USB=$T/usb
mkdir -p "$USB"
birth_at() {	# birth_at OFFICE NAME: a registered birth; prints its id
	# shellcheck disable=SC2086
	_id=$(reg_at "$1" register birth name_km="$2" mother_name_km="ចាន់" \
	    informant_name="ចាន់" $(echo "$BIRTH" | sed 's/2026-10-01/2026-11-10/'))
	reg_at "$1" register-record "$_id" > /dev/null
	echo "$_id"
}
export_to() {	# export_to OFFICE TO: prints the file written
	run 0 reg_at "$1" export --to "$2" --out "$USB"
	cut -f1 "$T/out"
}
content() { reg_at "$1" show "$2" | sed '/^history:/,$d'; }
records() { at "$1" verify | sed -n 's/^ok: \([0-9]*\) records.*/\1/p'; }

# --- a push that applies --------------------------------------------------
b1=$(birth_at c1 "សុខ")
f=$(export_to c1 12)
# shellcheck disable=SC2086
run 0 reg_at c1 push "$f" "$DEST" $KEYS
out_has "$f	applied at $DEST: file 1 from 120101: 2 applied, 0 ignored, 0 conflicts"
out_has "$f	receipt from 12 imported: file 1 acknowledged (2 applied, 0 ignored, 0 conflicts there)"
[ "$(content prov "$b1")" = "$(content c1 "$b1")" ] || fail "the province's copy differs"
ok "push over ssh: the forced command imports the file at the province"

run 0 reg_at c1 export --to 12 --out "$USB"
out_has "file 2 to 12: 0 revisions"
ok "the receipt that came back moved the commune's acknowledged point"

run 0 at prov audit
out_has "	sync	login	-	receive via ssh from 127.0.0.1"
out_has "file 1 from 120101: 2 applied"
run 0 at c1 audit
out_has "push to $DEST: 1 of 1 files answered, 1 applied, 0 refused"
out_has "receipt from 12 for file 1"
ls -a "$T/prov" | grep -q '^\.receive-' && fail "receive left its directory"
ls -a "$T/c1" | grep -q '^\.push-' && fail "push left its directory"
ok "both sides audit the exchange and leave no temporary files"

# --- refused files ----------------------------------------------------------
birth_at c1 "ដារ៉ា" > /dev/null
good=$(export_to c1 12)
cp "$good" "$T/tampered.crf"
flip "$T/tampered.crf" 300	# a fixed 'X' was no change 1 time in 256
cmp -s "$good" "$T/tampered.crf" && fail "not tampered"
before=$(records prov)
# shellcheck disable=SC2086
run 2 reg_at c1 push "$T/tampered.crf" "$DEST" $KEYS
out_has "$T/tampered.crf	refused at $DEST: "
grep -q "signature" "$T/out" || fail "the reason does not name the signature"
err_has "1 of 1 files not applied at $DEST"
[ "$(records prov)" = "$before" ] || fail "a tampered file applied something"
[ -f "$T/prov/rejected/tampered.crf.reason" ] || fail "no reason kept at the province"
[ -e "$T/prov/rejected/tampered.crf" ] && fail "the refused file was kept whole at the province"
ok "a tampered file is refused with the remote's reason, nothing applied, only the reason kept there"

# The good one and a replay of the first in one session: one applied, one refused.
# shellcheck disable=SC2086
run 2 reg_at c1 push "$good" "$f" "$DEST" $KEYS
out_has "$good	applied at $DEST: file 3 from 120101: 2 applied"
out_has "$good	gap: files 2 to 2 from 120101 have not been imported yet"
out_has "$f	refused at $DEST: file 1 from office 120101 was imported already"
ok "several files in one session, each with its own answer"

# --- failures of the connection -------------------------------------------
# shellcheck disable=SC2086
run 8 reg_at c1 push "$good" "$DEST" --port 1 --identity "$D/clientkey" --known-hosts "$D/known_hosts"
err_has "cannot push to $DEST: ssh failed with exit status 255"
err_has "Connection refused"
out_has "$good	not sent"
ok "a wrong port: exit 8 with ssh's status and its last line"

: > "$T/empty_known_hosts"
run 8 reg_at c1 push "$good" "$DEST" --port "$PORT" --identity "$D/clientkey" --known-hosts "$T/empty_known_hosts"
err_has "Host key verification failed"
ok "an unknown host key is refused (batch mode: no question asked)"

run 8 reg_at c1 push "$good" "$DEST" --port "$PORT" --identity "$D/regkey" --known-hosts "$D/known_hosts"
err_has "the remote office at $DEST refused: login refused: user reg has the role registrar: only a user of role replication may receive without a password"
# A big file: the refusal comes before anything is sent, not a broken pipe.
head -c 16000000 /dev/zero > "$T/big.crf"
run 8 reg_at c1 push "$T/big.crf" "$DEST" --port "$PORT" --identity "$D/regkey" --known-hosts "$D/known_hosts"
err_has "the remote office at $DEST refused: login refused: user reg has the role registrar"
out_has "$T/big.crf	not sent"
rm -f "$T/big.crf"
ok "a forced command naming a user who is not of role replication is refused, before any file is sent"

# shellcheck disable=SC2086
run 2 reg_at c1 push $KEYS "$good" -- "-oProxyCommand=touch $T/pwned"
err_has "would be read as an ssh option"
[ -e "$T/pwned" ] && fail "an option was passed to ssh"
run 1 reg_at c1 push "$good"
ok "a destination that looks like an option is refused; usage without one"

# --- only receive runs ------------------------------------------------------
touch "$T/canary"
set +e
# shellcheck disable=SC2086
ssh $O "$DEST" "rm -rf $T/canary" < /dev/null > "$T/out" 2> "$T/err"
rc=$?
# shellcheck disable=SC2086
echo "rm -rf /" | ssh $O "$DEST" "rm -rf $T/canary" > "$T/out2" 2> "$T/err2"
rc2=$?
set -e
[ -e "$T/canary" ] || fail "the client's command ran"
[ $rc -eq 2 ] || fail "ssh with no input: status $rc"
[ $rc2 -eq 2 ] || fail "ssh with garbage: status $rc2"
head -c 8 "$T/out" | grep -q CIVRECV1 || fail "receive did not answer"
err_has "nothing was sent: this is civreg receive"
grep -q "not a civreg push stream" "$T/err2" || fail "garbage not refused"
run 0 at prov audit
out_has "receive via ssh from 127.0.0.1; the command asked for was ignored: rm -rf $T/canary"
ok "the forced command ignores the command asked for: only receive runs, and refuses garbage"

# A disabled replication user is cut off without touching sshd.
run 0 at prov user disable sync
# shellcheck disable=SC2086
run 8 reg_at c1 push "$good" "$DEST" $KEYS
err_has "login refused: the account sync is disabled"
run 0 at prov user enable sync
ok "disabling the replication user cuts its key off"

# Files that cannot be sent: nothing is sent, and the push is audited.
run 3 reg_at c1 push "$T/missing.crf" "$DEST" $KEYS
err_has "cannot read $T/missing.crf"
truncate -s 600M "$T/huge.crf"
# shellcheck disable=SC2086
run 2 reg_at c1 push "$good" "$T/huge.crf" "$DEST" $KEYS
err_has "$T/huge.crf is 629145600 bytes, more than a replication file may have (536870912)"
rm -f "$T/huge.crf"
run 0 at c1 audit
out_has "push to $DEST: 0 of 1 files answered, 0 applied, 0 refused; failed: cannot read $T/missing.crf"
out_has "push to $DEST: 0 of 2 files answered, 0 applied, 0 refused; failed: $T/huge.crf is 629145600 bytes"
ok "an unreadable or too big file sends nothing, and the push is audited"

# A remote that answers with a file of changes instead of a receipt:
# nothing of it is imported.
be() {	# be N BYTES: N as BYTES big-endian bytes
	_n=$1
	_i=$2
	_o=
	while [ "$_i" -gt 0 ]; do
		_o="$(printf '\\%03o' $((_n % 256)))$_o"
		_n=$((_n / 256))
		_i=$((_i - 1))
	done
	# shellcheck disable=SC2059
	printf "$_o"
}
changes=$(export_to prov 120101)
msg="file 9 from 120101: 1 applied, 0 ignored, 0 conflicts"
{
	printf 'CIVRECV1A\001'
	be ${#msg} 4
	printf '%s' "$msg"
	be "$(stat -c %s "$changes")" 8
	cat "$changes"
	printf 'E'
} > "$D/answer"
ssh-keygen -q -t ed25519 -N '' -C liar -f "$D/liarkey"
printf 'command="cat %s; cat > /dev/null",restrict %s\n' "$D/answer" \
    "$(cat "$D/liarkey.pub")" >> "$D/authorized_keys"
run 2 reg_at c1 push "$good" "$DEST" --port "$PORT" --identity "$D/liarkey" --known-hosts "$D/known_hosts"
out_has "$good	applied at $DEST: $msg"
out_has "$good	receipt not imported: what came back is not a receipt from office 12 for file "
run 0 reg_at c1 import "$changes"
out_has "applied: file "
ls -a "$T/c1" | grep -q '^\.push-' && fail "push left its directory"
ok "what comes back is imported only if it is the receipt for the file"

run 1 reg_at prov receive now
err_has "usage: civreg [-d DIR] [-u USER] receive"
run 1 "$CIVREG" -d "$T/prov" receive
err_has "receive needs -u USER"
ok "receive takes no arguments, and needs the user of the forced command"

stop_sshd
kill -0 "$(cat "$D/sshd.pid" 2> /dev/null || echo 999999)" 2> /dev/null && fail "sshd still running"
ok "sshd stopped"
echo "$ntest passed, 0 failed"
