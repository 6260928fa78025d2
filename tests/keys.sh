#!/bin/sh
# Office keys and trust: init makes keys; export, trust, certify, install,
# list and revoke; the authority rule; forged and untrusted chains; no
# secret ever printed, written to a key file or audited.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
. "${TESTS_SRCDIR:-$(dirname "$0")}/replib.sh"

# Every output of this test, to look for secrets at the end: every
# civreg run here (through run, run_in, at, $(...)) goes through this
# wrapper, which keeps what it printed in $LOG.
LOG=$T/all-output
: > "$LOG"
CIVREG_BIN=$CIVREG
civreg_logged() {
	_rc=0
	"$CIVREG_BIN" "$@" > "$T/cmd.out" 2> "$T/cmd.err" || _rc=$?
	cat "$T/cmd.out" "$T/cmd.err" >> "$LOG"
	cat "$T/cmd.out"
	cat "$T/cmd.err" >&2
	return $_rc
}
CIVREG=civreg_logged


office nat 00 national
office prov 12 province
office com 120101 commune
office com2 120102 commune
office dist 1201 district

run 0 at com keys show
out_has "office: 120101 (commune)"
out_has "certified by: no one yet"
out_has "trusted root: none"
grep -Eq '^fingerprint: [0-9a-f]{64}$' "$T/out" || fail "fingerprint"
run 0 at nat keys show
out_has "this is the national root"
out_has "trusted root: office 00"
run 6 at com keys generate
err_has "already has office keys"
run 0 reg_at com keys show
run 5 reg_at com keys generate
err_has "may not manage the office keys"
run 0 at com keys list
grep -q "^120101	commune	[0-9a-f]\{16\}	120101	valid	this office$" "$T/out" ||
    fail "list own"
ok "init makes keys: show, list; generate refuses existing keys; registrars only look"

# The national root and a wrong fingerprint.
tree_root nat
good=$ROOT_FPR
case $good in
0*) bad=1${good#?} ;;
*) bad=0${good#?} ;;
esac
run 5 at prov keys trust "$ROOT_KEYS" --fingerprint "$bad"
err_has "not the one given"
err_has "nothing was trusted"
run 2 at prov keys trust "$ROOT_KEYS" --fingerprint 1234
err_has "is not a fingerprint"
run 0 at prov keys show
out_has "trusted root: none"
ok "a wrong or mistyped fingerprint is refused and nothing is trusted"

# The tree: 00 -> 12 -> 1201, 120101, 120102.
tree_join nat prov
tree_join prov dist
tree_join prov com
tree_join prov com2
run 0 at com keys show
out_has "certified by: office 12"
out_has "chain: 120101 <- 12 <- 00"
out_has "status: valid"
run 0 at prov keys list
for c in 00 1201 120101 120102; do
	grep -q "^$c	" "$T/out" || fail "province lacks $c"
done
run 0 at com keys list
grep -q "^12	province	[0-9a-f]*	00	valid	-$" "$T/out" || fail "commune lacks 12"
grep -q "^00	national	[0-9a-f]*	00	valid	trusted root$" "$T/out" || fail "root"
ok "trust, export, certify, install: each office has its chain, its parent, the root"

# A certified export carries the chain.
rm -f "$T/keys/again.keys"
run 0 at com keys export --out "$T/keys/again.keys"
[ "$(wc -c < "$T/keys/again.keys")" -eq $((4 + 3 * 180)) ] || fail "chain size"
run 6 at com keys export --out "$T/keys/again.keys"
err_has "already exists"
run 0 at com2 keys install "$T/keys/again.keys"
out_has "installed the certificate of office 120101"
ok "export writes the certified chain; install takes a peer's chain"

# Interrupted at the password: no file left to block the next run.
rm -f "$T/int.keys"
mkfifo "$T/fifo"
exec 3<> "$T/fifo"	# a writer that never writes: the prompt waits
"$CIVREG_BIN" -d "$T/com" -u admin keys export --out "$T/int.keys" \
    < "$T/fifo" > /dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid" || :
exec 3>&-
[ ! -e "$T/int.keys" ] || fail "an interrupted export left $T/int.keys"
run 0 at com keys export --out "$T/int.keys"
[ "$(wc -c < "$T/int.keys")" -eq $((4 + 3 * 180)) ] || fail "export after"
ls "$T" | grep -q 'int\.keys\.tmp' && fail "a temporary file was left"
ok "an export interrupted at the password leaves no file; the next one works"

# The authority rule.
rm -f "$T/x.cert"
run 5 at com keys certify "$T/keys/com2.keys" --out "$T/x.cert"
err_has "certifies no one"
[ ! -e "$T/x.cert" ] || fail "a refused certify left a file"
office far 130101 commune
rm -f "$T/keys/far.keys"
run 0 at far keys export --out "$T/keys/far.keys"
run 5 at prov keys certify "$T/keys/far.keys" --out "$T/x.cert"
err_has "outside its area"
office p13 13 province
run 0 at p13 keys export --out "$T/keys/p13.keys"
run 5 at prov keys certify "$T/keys/p13.keys" --out "$T/x.cert"
err_has "only the national office certifies provinces"
run 5 at nat keys certify "$T/keys/far.keys" --out "$T/x.cert"
err_has "the national office certifies provinces only"
[ ! -e "$T/x.cert" ] || fail "a refused certify left a file"
ok "a commune certifies no one; a province only inside its area; national only provinces"

# Forgeries: a flipped byte in the signature, in the office code.
cp "$T/keys/com.cert" "$T/forged1"
flip "$T/forged1" $((4 + 116 + 10))
run 5 at com keys install "$T/forged1"
err_has "is not valid"
err_has "altered or forged"
cp "$T/keys/com.cert" "$T/forged2"
flip "$T/forged2" $((4 + 3 + 5))		# 120101 -> 120100
run 5 at dist keys install "$T/forged2"
err_has "is not valid"
cp "$T/keys/com.cert" "$T/forged3"
flip "$T/forged3" $((4 + 180 + 60))	# the province's encryption key
run 5 at dist keys install "$T/forged3"
err_has "is not valid"
cp "$T/keys/com.cert" "$T/forged4"
flip "$T/forged4" $((4 + 100))		# the commune's issuer key id
run 5 at dist keys install "$T/forged4"
err_has "out of order or incomplete"
cp "$T/keys/com2.cert" "$T/forged5"
flip "$T/forged5" $((4 + 3 + 5)) 3	# 120102 -> 120101
run 5 at com keys install "$T/forged5"
err_has "not for this store's keys"
run 8 at com keys install "$T/keys/missing"
err_has "cannot read the key file"
printf 'junk' > "$T/junk"
run 2 at com keys install "$T/junk"
err_has "not a civreg key file"
ok "forged certificates, someone else's certificate and junk are refused by install"

# An untrusted root: a second national office.
office nat2 00 national
office prov2 12 province
rm -f "$T/keys/nat2.keys"
run 0 at nat2 keys export --out "$T/keys/nat2.keys"
run 0 at nat2 keys show
fpr2=$(sed -n 's/^fingerprint: //p' "$T/out")
run 0 at prov2 keys trust "$T/keys/nat2.keys" --fingerprint "$fpr2"
run 0 at prov2 keys export --out "$T/keys/prov2.keys"
run 0 at nat2 keys certify "$T/keys/prov2.keys" --out "$T/keys/prov2.cert"
run 0 at prov2 keys install "$T/keys/prov2.cert"
run 5 at com keys install "$T/keys/prov2.cert"
err_has "does not trust"
run 5 at com keys trust "$T/keys/com.keys" --fingerprint "$good"
err_has "not the national office's self-signed root"
ok "a chain to an untrusted root is refused; only a national root can be trusted"

# Revocation.
run 3 at nat keys revoke 120101
err_has "not known here"
run 5 at prov keys revoke 00
err_has "certified by office 00, not by this office"
run 0 at prov keys revoke 120101
out_has "revoked office 120101's key"
run 6 at prov keys revoke 120101
err_has "already revoked"
run 0 at prov keys list
grep -q "^120101	commune	[0-9a-f]*	12	revoked	-$" "$T/out" || fail "list revoked"
run 5 at prov keys install "$T/keys/com.cert"
err_has "was revoked by office 12"
run 0 at prov keys certify "$T/keys/com2.keys" --out "$T/x.cert"
run 5 at prov keys certify "$T/keys/com.keys" --out "$T/y.cert"
err_has "was revoked"
ok "an issuer revokes what it certified; a revoked key is refused"

run 0 at prov audit
grep -q "	admin	keys	-	certified office 120101 (commune), key " "$T/out" ||
    fail "certify audited"
grep -q "	admin	keys	-	revoked office 120101's key " "$T/out" ||
    fail "revoke audited"
ok "key changes are audited"

# No secret anywhere: not in outputs, key files or audit logs.
for o in nat prov com; do
	run 0 at "$o" audit
	db5.3_dump -h "$T/$o" keys.db > "$T/dump" 2>/dev/null ||
	    fail "db5.3_dump keys.db of $o"
	own=$(awk '$1 == "6f776e" { getline; print $1 }' "$T/dump")
	[ ${#own} -eq $((2 * 148)) ] || fail "own keys of $o: ${#own}"
	ssk=$(printf '%s' "$own" | cut -c $((2 * 52 + 1))-$((2 * 84)))
	esk=$(printf '%s' "$own" | cut -c $((2 * 116 + 1))-$((2 * 148)))
	for f in "$T"/keys/* "$T"/forged*; do
		od -An -tx1 "$f" | tr -d ' \n' >> "$T/keyhex"
		echo >> "$T/keyhex"
	done
	for s in "$ssk" "$esk"; do
		[ ${#s} -eq 64 ] || fail "secret length"
		grep -qi "$s" "$LOG" && fail "a secret key of $o was printed"
		grep -qi "$s" "$T/keyhex" && fail "a secret key of $o is in a key file"
		grep -qi "$(printf '%s' "$s" | cut -c1-16)" "$LOG" &&
		    fail "part of a secret key of $o was printed"
	done
done
grep -q "already has office keys" "$LOG" || fail "not every output was kept"
ok "secret keys are never printed, exported or audited"
echo "$ntest passed, 0 failed"
