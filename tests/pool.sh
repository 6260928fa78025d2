#!/bin/sh
# Identity-code pools: the national office allocates unused codes to an
# office as a signed allocation file; the office imports it and issues a
# code at each birth registration (never at declaration); with the pool
# empty the registration waits for its code and gets it when the next
# pool arrives; an upstream office's receipt confirms issued codes.  A
# replayed, forged or foreign allocation is refused whole, and no code
# reaches two offices.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
. "${TESTS_SRCDIR:-$(dirname "$0")}/replib.sh"

office nat 00 national
office prov 12 province
office com 120101 commune
office com2 120102 commune
trust_tree nat prov com com2
# The national office seals for the communes: it knows their keys.
run 0 at nat keys install "$T/keys/com.cert"
run 0 at nat keys install "$T/keys/com2.cert"
national_user nat
USB=$T/usb
mkdir -p "$USB"

# birth_at OFFICE NAME_KM NAME_LATIN: declares a birth, prints its id.
birth_at() {
	# shellcheck disable=SC2086
	reg_at "$1" register birth name_km="$2" name_latin="$3" \
	    mother_name_km="ចាន់ សុភា" informant_name="ចាន់ សុភា" $BIRTH
}
# code_of_record OFFICE ID: the record's identity code, digits only.
code_of_record() {
	reg_at "$1" show "$2" | sed -n 's/^kidc=//p' | tr -d ' '
}

# --- declaration never issues, and may not carry, the code ----------------
# shellcheck disable=SC2086
run 2 reg_at com register birth name_km="សុខ" kidc="2947 5806 1398" \
    mother_name_km="ចាន់ សុភា" informant_name="ចាន់ សុភា" $BIRTH
err_has "kidc: the identity code of a birth is issued from the office's pool when the record is registered: leave it empty"
b1=$(birth_at com "សុខ ដារ៉ា" "Sok Dara") || fail "declare"
[ -z "$(code_of_record com "$b1")" ] || fail "a declaration got a code"
ok "a birth declaration carries no identity code and may not be given one"

# --- the pool is empty: registered all the same, the code waits -------------
run 0 reg_at com register-record --reason "brought in late" "$b1"
out_has "$b1	registered	late"
err_has "$b1 is registered without an identity code: this office's pool is empty; the code is given when the next allocation from the national office is imported"
[ -z "$(code_of_record com "$b1")" ] || fail "a code from an empty pool"
run 0 reg_at com kidc stats
out_has "pool unused	0"
out_has "registrations waiting	1"
err_has "1 registered record(s) wait for an identity code"
ok "with the pool empty a birth is registered and waits for its code"

# --- allocation: who, how many, to whom -------------------------------------
run 5 reg_at nat kidc allocate --to 120101 --count 5 --out "$USB"
err_has "may not allocate identity codes: this needs the role national"
run 5 reg_at com kidc allocate --to 120102 --count 5 --out "$USB"
err_has "only the national office may allocate identity codes"
run 2 natl kidc allocate --to 120101 --count 5 --out "$USB"
err_has "only 0 identity codes are not allocated yet, fewer than the 5 asked for"
run 0 natl kidc generate --count 60
run 2 natl kidc allocate --to 120101 --count 61 --out "$USB"
err_has "only 60 identity codes are not allocated yet"
run 3 natl kidc allocate --to 120199 --count 5 --out "$USB"
err_has "no certified key of office 120199 is known here"
run 2 natl kidc allocate --to 00 --count 5 --out "$USB"
err_has "00 is this office: allocate codes to another office"
run 2 natl kidc allocate --to 12x --count 5 --out "$USB"
err_has "'12x' is not an office code"
run 2 natl kidc allocate --to 120101 --count 5 --out "$T/nowhere"
err_has "is not a directory"
run 2 natl kidc allocate --to 120101 --count 0 --out "$USB"
err_has "--count '0': give a whole number from 1 to"
run 1 natl kidc allocate --count 5
[ -z "$(ls "$USB")" ] || fail "a refused allocation wrote a file"
run 0 natl kidc stats
out_has "not allocated	60"
out_has "allocated	0"
ok "only the national office's officers allocate, from codes it has, to a known office"

run 0 natl kidc allocate --to 120101 --count 4 --out "$USB"
A1=$USB/00-codes-to-120101-000001.crf
out_has "allocation 1: 4 identity codes for office 120101	$A1"
[ -s "$A1" ] || fail "no allocation file"
run 0 natl kidc stats
out_has "not allocated	56"
out_has "allocated	4"
run 0 at nat audit
out_has "allocated 4 identity codes to office 120101 (allocation 1)"
ok "an allocation is written as a file for the office and recorded"

# --- a forged, altered or foreign allocation changes nothing ---------------
cp "$A1" "$T/flipped.crf"
flip "$T/flipped.crf" 300
run 2 reg_at com import "$T/flipped.crf"
out_has "rejected: "
run 2 reg_at com2 import "$A1"
out_has "rejected: the file is for office 120101, not for this office (120102)"
"${FORGE:?}" "$T/prov" 120101 codes 1 "$T/prov-codes.crf" 294758061398 ||
    fail "forge failed"
run 2 reg_at com import "$T/prov-codes.crf"
out_has "rejected: identity codes are allocated only by the national office (00), and this allocation file is signed by office 12"
"${FORGE:?}" "$T/nat" 120101 codes 7 "$T/notcode.crf" 294758061398 \
    294758061391 || fail "forge failed"
run 2 reg_at com import "$T/notcode.crf"
out_has "rejected: code 2 of allocation 7 ('294758061391') is not a valid identity code: the check digit does not match"
run 0 reg_at com kidc stats
out_has "pool unused	0"
out_has "registrations waiting	1"
ok "an altered file, another office's, one not from the national office, one with a bad code: refused whole"

# --- the pool arrives: the waiting registration gets its code ---------------
run 0 reg_at com import "$A1"
out_has "applied: allocation 1 from 00: 4 identity codes; 1 waiting registrations given one"
c1=$(code_of_record com "$b1")
[ ${#c1} -eq 12 ] || fail "no code after the pool arrived: '$c1'"
run 0 "$CIVREG" kidc check "$c1"
run 0 reg_at com show "$b1"
out_has "assign-code	registered	reg	identity code issued from allocation 1 (the pool was empty at registration)"
run 0 reg_at com kidc stats
out_has "pool unused	3"
out_has "pool issued	1"
out_has "registrations waiting	0"
run 2 reg_at com import "$A1"
out_has "rejected: allocation 1 from office 00 was imported already: nothing is applied twice"
run 0 reg_at com kidc stats
out_has "pool unused	3"
ok "the waiting registration gets its code when the pool arrives; a replay is refused"

# A code already in the pool, sent again (even by the national office),
# is refused with the whole file.
"${FORGE:?}" "$T/nat" 120101 codes 9 "$T/again.crf" 294758061398 "$c1" ||
    fail "forge failed"
run 2 reg_at com import "$T/again.crf"
out_has "rejected: identity code $c1 of allocation 9 is in this office's pool already (allocation 1 from office 00)"
run 0 reg_at com kidc stats
out_has "pool unused	3"
ok "an allocation holding a code the office has already is refused whole"

# --- issued at registration, shown in fours; a low pool warns --------------
run 0 at com config set kidc.warn 3
run 0 at com config
out_has "kidc.warn	3	set"
run 2 at com config set kidc.warn 0
err_has "kidc.warn: '0' is not a number of codes from 1 to"
run 5 reg_at com config set kidc.warn 50
b2=$(birth_at com "ចាន់ ធីតា" "Chan Thida") || fail "declare"
run 0 reg_at com register-record --reason "brought in late" "$b2"
c2=$(code_of_record com "$b2")
out_has "$b2	identity code $(echo "$c2" | sed 's/\(....\)\(....\)\(....\)/\1 \2 \3/')"
err_has "only 2 unused identity codes left in this office's pool: ask the national office for more"
run 0 reg_at com show "$b2"
grep -q '^kidc=[0-9]\{4\} [0-9]\{4\} [0-9]\{4\}$' "$T/out" ||
    fail "show does not group the code in fours"
[ "$c2" != "$c1" ] || fail "the same code twice"
ok "registration issues the next code, shown in fours, and warns below the threshold"

# Three more births: two codes left, then the pool is empty again.
b3=$(birth_at com "កែវ" "Keo") && run 0 reg_at com register-record --reason "brought in late" "$b3"
b4=$(birth_at com "ម៉ៅ" "Mao") && run 0 reg_at com register-record --reason "brought in late" "$b4"
b5=$(birth_at com "លី" "Ly") && run 0 reg_at com register-record --reason "brought in late" "$b5"
err_has "$b5 is registered without an identity code"
run 0 reg_at com kidc stats
out_has "pool unused	0"
out_has "pool issued	4"
out_has "registrations waiting	1"
ok "the pool runs out: the next registration waits again"

# A correction may not change an issued code.
run 2 reg_at com register correction target_ref="$b2" field_name=kidc \
    new_value="2947 5806 1398" reason="mistyped" applicant_name="ចាន់ សុភា" \
    evidence_type=id_card evidence_ref=X-1 applicant_relationship=parent \
    request_date=2026-11-21
err_has "field_name: kidc of a birth is the identity code issued at registration: a code is never corrected or replaced"
ok "an issued code is never corrected"

# --- a pool smaller than the queue; an issued code survives a conflict -------
b6=$(birth_at com "ហេង" "Heng") && run 0 reg_at com register-record --reason "brought in late" "$b6"
err_has "$b6 is registered without an identity code"
# The province gets b5 still waiting, and archives it meanwhile.
run 0 reg_at com export --to 12 --out "$USB"
run 0 reg_at prov import "$USB/120101-to-12-000001.crf"
run 0 reg_at com import "$USB/12-receipt-120101-000001.crf"
out_has "; 4 identity codes confirmed"
run 0 reg_at prov archive "$b5"
run 0 natl kidc allocate --to 120101 --count 1 --out "$USB"
run 0 reg_at com import "$USB/00-codes-to-120101-000002.crf"
out_has "applied: allocation 2 from 00: 1 identity codes; 1 waiting registrations given one"
c5=$(code_of_record com "$b5")
[ ${#c5} -eq 12 ] || fail "the oldest waiting record got no code"
[ -z "$(code_of_record com "$b6")" ] || fail "a code beyond the pool"
run 0 reg_at com kidc stats
out_has "registrations waiting	1"
ok "a pool smaller than the queue serves the oldest registrations; the rest wait"

run 0 reg_at com export --to 12 --out "$USB"
run 0 reg_at prov import "$USB/120101-to-12-000002.crf"
out_has "1 conflicts"
# The province keeps its own (archived) revision, which had no code:
# the resolution keeps the code all the same.
run 0 reg_at prov resolve "$b5" --keep local --reason "archived here"
[ "$(code_of_record prov "$b5")" = "$c5" ] || fail "the resolution lost the code"
run 0 reg_at prov export --to 120101 --out "$USB"
run 0 reg_at com import "$USB/12-to-120101-000001.crf"
[ "$(code_of_record com "$b5")" = "$c5" ] || fail "the commune lost the code"
run 0 reg_at com show "$b5"
out_has "status: archived"
run 0 at com verify
run 0 at prov verify
ok "a conflict resolved for a revision without the code keeps the issued code"

# One code twice in one file is refused too.
"${FORGE:?}" "$T/nat" 120101 codes 11 "$T/twice.crf" 294758061398 \
    294758061398 || fail "forge failed"
run 2 reg_at com import "$T/twice.crf"
out_has "rejected: identity code 294758061398 appears twice in allocation 11"
ok "an allocation listing a code twice is refused"

# --- another office gets other codes ----------------------------------------
# A file of the allocation's name on the stick: nothing is allocated.
: > "$USB/00-codes-to-120102-000001.crf"
run 6 natl kidc allocate --to 120102 --count 49 --out "$USB"
err_has "00-codes-to-120102-000001.crf exists already: move it away or give another --out directory; nothing is allocated"
rm "$USB/00-codes-to-120102-000001.crf"
run 0 natl kidc stats
out_has "not allocated	55"		# the refused allocation took none
run 0 natl kidc allocate --to 120102 --count 49 --out "$USB"
run 0 reg_at com2 import "$USB/00-codes-to-120102-000001.crf"
out_has "applied: allocation 1 from 00: 49 identity codes; 0 waiting"
run 0 natl kidc allocate --to 120101 --count 6 --out "$USB"
run 2 natl kidc allocate --to 120101 --count 1 --out "$USB"
err_has "only 0 identity codes are not allocated yet"
run 0 reg_at com import "$USB/00-codes-to-120101-000003.crf"
out_has "applied: allocation 3 from 00: 6 identity codes; 1 waiting registrations given one"
: > "$T/codes"
for b in "$b1" "$b2" "$b3" "$b4" "$b5" "$b6"; do
	code_of_record com "$b" >> "$T/codes"
done
for n in សុខា ធីតា ដារ៉ា វណ្ណា សុភ័ក្រ ចន្ថា; do
	b=$(birth_at com2 "$n" "") || fail "declare $n at 120102"
	run 0 reg_at com2 register-record --reason "brought in late" "$b"
	code_of_record com2 "$b" >> "$T/codes"
done
[ "$(grep -c '^[0-9]\{12\}$' "$T/codes")" -eq 12 ] || fail "not 12 codes"
[ "$(sort -u "$T/codes" | wc -l)" -eq 12 ] || fail "a code went to two records"
run 0 natl kidc stats
out_has "generated	60"
out_has "not allocated	0"
out_has "allocated	60"
ok "the national office never allocates a code twice: 12 births in two communes, 12 codes"

# --- confirmed upstream ------------------------------------------------------
run 0 reg_at com export --to 12 --out "$USB"
run 0 reg_at prov import "$USB/120101-to-12-000003.crf"
run 0 reg_at com import "$USB/12-receipt-120101-000003.crf"
out_has "receipt from 12: file 3 acknowledged"
out_has "; 2 identity codes confirmed"
run 0 reg_at com kidc stats
out_has "pool issued	0"
out_has "pool confirmed	6"
out_has "pool unused	5"
# The province holds the records with their codes.
run 0 reg_at prov show "$b1"
out_has "kidc=$(echo "$c1" | sed 's/\(....\)\(....\)\(....\)/\1 \2 \3/')"
run 0 at com verify
run 0 at prov verify
run 0 at nat verify
ok "codes carried upstream are confirmed by the province's receipt; verify agrees"
echo "$ntest passed, 0 failed"
