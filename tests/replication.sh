#!/bin/sh
# Replication between offices: round trips through a province, receipts,
# delivery out of order, concurrent edits and their resolution reaching
# every office, and every kind of bad file refused with its reason and
# nothing applied; the documented openssl check of a file's signature.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
. "${TESTS_SRCDIR:-$(dirname "$0")}/replib.sh"

office nat 00 national
office prov 12 province
office c1 120101 commune
office c2 120102 commune
trust_tree nat prov c1 c2
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
# content OFFICE ID: the record as the office has it (without history)
content() { reg_at "$1" show "$2" | sed '/^history:/,$d'; }
records() { at "$1" verify | sed -n 's/^ok: \([0-9]*\) records.*/\1/p'; }

b1=$(birth_at c1 "សុខ")
f=$(export_to c1 12)
[ "$(basename "$f")" = 120101-to-12-000001.crf ] || fail "file name $f"
run 0 reg_at prov import "$f"
out_has "applied: file 1 from 120101: 2 applied, 0 ignored, 0 conflicts"
[ "$(content prov "$b1")" = "$(content c1 "$b1")" ] || fail "the province's copy differs"
run 0 reg_at prov show "$b1"
out_has "	register	registered	reg"
ok "a commune's records reach the province, with their history"

r=$USB/12-receipt-120101-000001.crf
[ -f "$r" ] || fail "no receipt beside the file"
run 0 reg_at c1 import "$r"
out_has "receipt from 12: file 1 acknowledged (2 applied, 0 ignored, 0 conflicts there)"
run 0 reg_at c1 export --to 12 --out "$USB"
out_has "file 2 to 12: 0 revisions"
ok "the signed receipt moves the acknowledged point: the next file carries only what is new"

f=$(export_to prov 120102)
run 0 reg_at c2 import "$f"
out_has "2 applied"
[ "$(content c2 "$b1")" = "$(content c1 "$b1")" ] || fail "the second commune's copy differs"
run 0 reg_at c2 export --to 12 --out "$USB"
out_has "0 revisions"
ok "three offices: the province passes a commune's records on; a commune does not send its neighbour's back"

# Out of order: file 4 (holding b2 and b3) before file 3 (b2 only).
b2=$(birth_at c1 "ដារ៉ា")
f3=$(export_to c1 12)
b3=$(birth_at c1 "វណ្ណា")
f4=$(export_to c1 12)
run 0 reg_at prov import "$f4"
out_has "applied: file 4 from 120101: 4 applied"
out_has "gap: files 2 to 3 from 120101 have not been imported yet"
run 0 reg_at prov import "$f3"
out_has "applied: file 3 from 120101: 0 applied, 2 ignored"
[ "$(content prov "$b3")" = "$(content c1 "$b3")" ] || fail "b3 differs"
[ "$(content prov "$b2")" = "$(content c1 "$b2")" ] || fail "b2 differs"
ok "files apply in any order; a gap is reported"

# --- refused files: each with its reason, nothing applied ----------------
b4=$(birth_at c1 "ស្រី")
good=$(export_to c1 12)
before=$(records prov)
size=$(stat -c %s "$good")
bad() {	# bad FILE OFFSET: $T/bad.crf is FILE with one byte changed
	cp "$1" "$T/bad.crf"
	flip "$T/bad.crf" "$2"
}
for off in 0 6 7 9 30 41 50 60 70 72 80 150 300 600 700 \
    $((size / 2)) $((size - 90)) $((size - 70)) $((size - 64)) $((size - 1)); do
	bad "$good" "$off"
	cmp -s "$good" "$T/bad.crf" && fail "byte $off not flipped"
	run 2 reg_at prov import "$T/bad.crf"
	out_has "rejected: "
done
[ "$(records prov)" = "$before" ] || fail "a changed file applied something"
ls "$T/prov/rejected/bad.crf.reason" > /dev/null || fail "not set aside"
ok "one flipped byte anywhere (20 places) is refused, nothing applied, the file set aside with its reason"

for n in 10 72 500 $((size - 1)); do
	head -c "$n" "$good" > "$T/short.crf"
	run 2 reg_at prov import "$T/short.crf"
	out_has "rejected: "
done
[ "$(records prov)" = "$before" ] || fail "a truncated file applied something"
ok "a truncated file is refused"

run 2 reg_at c2 import "$good"
out_has "rejected: the file is for office 12, not for this office (120102)"
ok "a file for another office is refused"

run 0 reg_at prov import "$good"
out_has "2 applied, 4 ignored"
run 2 reg_at prov import "$good"
out_has "rejected: file 5 from office 120101 was imported already: nothing is applied twice"
ok "the good file applies once; a replay is refused"

# A commune writing another commune's record, signed with its own key.
"${FORGE:?}" "$T/c2" 12 "$b1" 7 "$T/forged.crf" || fail "forge failed"
before=$(records prov)
run 2 reg_at prov import "$T/forged.crf"
out_has "rejected: office 120102 may not write record $b1, which belongs to office 120101"
run 0 reg_at prov show "$b1"
grep -q "ក្លែងក្លាយ" "$T/out" && fail "the forged revision was applied"
ok "a commune writing another commune's record is refused"

# A signer from another trust tree.
office nat2 00 national
office prov2 12 province
office x 120103 commune
tree_root nat2
tree_join nat2 prov2
tree_join prov2 x
run 0 at x keys trust "$T/keys/nat.keys" --fingerprint "$(at nat keys show | sed -n 's/^fingerprint: //p')"
run 0 at x keys install "$T/keys/c1.cert"		# prov's chain, as a peer
birth_at x "ខុស" > /dev/null
run 0 reg_at x export --to 12 --out "$USB"
f=$(cut -f1 "$T/out")
run 2 reg_at prov import "$f"
out_has "rejected: the signer is not trusted"
ok "a file from an unknown signer is refused"

# A revoked key.
run 0 at prov keys revoke 120102
b5=$(birth_at c2 "កែវ")
f=$(export_to c2 12)
run 2 reg_at prov import "$f"
out_has "rejected: the signer is not trusted"
grep -qi "revoked" "$T/out" || fail "the reason does not say revoked"
ok "a file signed with a revoked key is refused"

# A revocation that cannot be checked here does not refuse the file: the
# national office passes 12's revocation of 120102 on to province 13,
# which does not know province 12's key.
office p13 13 province
tree_root nat
tree_join nat p13
f=$(export_to prov 00)
run 0 reg_at nat import "$f"
f=$(export_to nat 13)
run 0 reg_at p13 import "$f"
out_has "applied: file 1 from 00: "
if command -v db5.3_dump > /dev/null; then	# "rev" NUL key id: it went on
	db5.3_dump -h "$T/nat" keys.db | grep -q '^ 72657600' ||
	    fail "the national office did not keep 12's revocation"
fi
ok "a revocation whose issuer is not known here is passed over; the file applies"

# --- concurrent edits -> conflict -> resolution everywhere ---------------
f=$(export_to prov 120101)
run 0 reg_at c1 import "$f"
run 0 reg_at c1 certify "$b2"
run 0 reg_at prov archive "$b2"
f=$(export_to c1 12)
run 0 reg_at prov import "$f"
out_has "1 conflicts"
run 0 reg_at prov conflicts
out_has "$b2	revision 3 here	revision 3 by reg elsewhere"
run 0 reg_at prov conflicts "$b2"
out_has "local: revision 3 by reg at office 120101, status archived"
out_has "other: revision 3 by reg at office 120101, status certified"
run 5 at prov resolve "$b2" --keep other
run 0 reg_at prov resolve "$b2" --keep other --reason "the certificate was issued"
out_has "$b2	revision 4	resolved"
run 0 reg_at prov conflicts
[ -s "$T/out" ] && fail "still in conflict"
for o in c1; do
	f=$(export_to prov 120101)
	run 0 reg_at "$o" import "$f"
done
[ "$(content c1 "$b2")" = "$(content prov "$b2")" ] || fail "the resolution did not reach the commune"
run 0 reg_at c1 show "$b2"
out_has "status: certified"
out_has "revision: 4"
ok "concurrent edits go to the conflict queue; the resolution dominates both and reaches every office"

# --- the documented openssl check ---------------------------------------
f=$good
n=$(( $(stat -c %s "$f") - 64 ))
head -c "$n" "$f" | openssl dgst -sha256 -binary > "$T/digest"
tail -c 64 "$f" > "$T/sig"
{ printf '\060\052\060\005\006\003\053\145\160\003\041\000'
  dd if="$f" bs=1 skip=93 count=32 2>/dev/null; } > "$T/pub.der"
openssl pkey -pubin -inform DER -in "$T/pub.der" -out "$T/pub.pem" || fail "pkey"
openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/digest" \
    -sigfile "$T/sig" > "$T/out" 2>&1 || fail "openssl refused a good file"
out_has "Signature Verified Successfully"
bad "$f" 300
head -c "$n" "$T/bad.crf" | openssl dgst -sha256 -binary > "$T/digest"
openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/digest" \
    -sigfile "$T/sig" > "$T/out" 2>&1 && fail "openssl accepted a changed file"
ok "the signature checks with stock openssl as doc/replication.md shows"

# Receipts written elsewhere (--receipts), or not at all.
b6=$(birth_at c1 "សុភ័ក្ត្រ")
f=$(export_to c1 12)
run 8 reg_at prov import --receipts "$T/nowhere" "$f"
out_has "applied: file"
out_has "no receipt: the file is imported, but its receipt could not be written"
err_has "applied without a receipt for the sender: nothing is lost"
[ -d "$T/prov/rejected" ] && ls "$T/prov/rejected" | grep -q "$(basename "$f")" &&
	fail "an applied file was set aside"
[ "$(content prov "$b6")" = "$(content c1 "$b6")" ] || fail "b6 not applied"
f=$(export_to c1 12)	# not acknowledged: carries b6 again
mkdir "$T/rcpts"
run 0 reg_at prov import --receipts "$T/rcpts" "$f"
r=$(ls "$T/rcpts"/12-receipt-120101-*.crf)
run 0 reg_at c1 import "$r"
out_has "receipt from 12"
run 0 reg_at c1 export --to 12 --out "$USB"
out_has "0 revisions"
ok "import --receipts DIR writes the receipt there; when it cannot, the file is still applied and said so"

# An export never replaces a file already on the stick.
last=$(ls "$USB"/120101-to-12-*.crf | sort | tail -n 1)
n=$(basename "$last" .crf | sed 's/.*-0*//')
next=$(printf '%s/120101-to-12-%06d.crf' "$USB" $((n + 1)))
echo "someone else's file" > "$next"
run 8 reg_at c1 export --to 12 --out "$USB"
err_has "could not be written (File exists): export again"
[ "$(cat "$next")" = "someone else's file" ] || fail "the file was replaced"
ls "$USB" | grep -q '\.tmp' && fail "a temporary file was left"
run 0 reg_at c1 export --to 12 --out "$USB"
ok "an export never replaces a file of the same name, and leaves no temporary file"

run 2 reg_at c1 export --to 1234567890123456789012345678901234567890 --out "$USB"
err_has "'1234567890123456789012345678901234567890' is not an office code: give the code of the office to export to, 2, 4 or 6 digits"
for to in 999 12x "" 1201011; do
	run 2 reg_at c1 export --to "$to" --out "$USB"
	err_has "is not an office code"
done
ok "export --to takes only an office code (a long one no longer overflows)"

for o in nat prov c1 c2; do
	run 0 at "$o" verify
done
ok "every store verifies"

# verify reads the replication tables too (db5.3_load writes behind civreg).
if command -v db5.3_load > /dev/null; then
	printf 'Ox\nabc\n' | db5.3_load -T -t btree -h "$T/c2" peers.db
	run 7 at c2 verify
	err_has "peers.db: an entry (2 bytes, value 3) is damaged"
	printf 'peer\\00012\nnot a certificate\n' |
	    db5.3_load -T -t btree -h "$T/c1" keys.db
	run 7 at c1 verify
	err_has "keys.db: "
	ok "verify finds damage in peers.db and keys.db"
fi
echo "$ntest passed, 0 failed"
