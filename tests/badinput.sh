#!/bin/sh
# Bad input: each case gets a clear, specific message and a meaningful
# exit status, and changes nothing in the store.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

make_store
printf 'nurse-password\n' > "$T/nurse.pw"
run_in 0 "$ADMIN_PW
nurse-password
" "$CIVREG" -d "$S" -u admin user add nurse --role health
first=$(register_birth "សុខ" "Sok")
before=$(counts)
[ "$before" = "1 records, 1 revisions, 1 changes" ] || fail "counts: $before"

unchanged() {
	now=$(counts)
	[ "$now" = "$before" ] || fail "$1 changed the store: $now"
	ok "$1"
}

# shellcheck disable=SC2086
reg() { as_clerk register "$@"; }
FULL="name_km=សុខ mother_name_km=ចាន់ informant_name=ចាន់ $BIRTH"
NODATE=$(echo "$FULL" | sed 's/date_of_birth=2026-10-01//')
NONAME=$(echo "$FULL" | sed 's/^name_km=សុខ//')

# shellcheck disable=SC2086
run 2 reg bogus $FULL
err_has "unknown form 'bogus': 'civreg forms' lists the forms"
unchanged "unknown kind"

# shellcheck disable=SC2086
run 2 reg birth $FULL colour=red
err_has "civreg: colour: unknown field for form birth"
unchanged "unknown field"

run 2 reg birth name_km=សុខ sex=male
err_has "civreg: mother_name_km: missing: \"Mother's name (Khmer)\" is required on the birth form"
err_has "civreg: informant_relationship: missing"
[ "$(grep -c missing "$T/err")" -eq 11 ] || fail "one line per missing field"
unchanged "missing required fields, one message each"

# shellcheck disable=SC2086
run 2 reg birth $NODATE date_of_birth=2026-02-30
err_has "civreg: date_of_birth: '2026-02-30' is not a real date: February 2026 has 28 days"
unchanged "impossible date"

# shellcheck disable=SC2086
run 2 reg birth $FULL date_of_birth=2026-10-02
err_has "date_of_birth: given twice: give each field once"
unchanged "a field given twice"

# shellcheck disable=SC2086
run 2 reg birth $NODATE date_of_birth=2027-01-05
err_has "date_of_birth: '2027-01-05' is in the future (today is 2026-11-22)"
unchanged "date in the future"

bad=$(printf 'name_km=\341\236\237\377')
# shellcheck disable=SC2086
run 2 reg birth $NONAME "$bad"
err_has "name_km: "
err_has "is not valid UTF-8 text"
err_has '\xff'
unchanged "invalid UTF-8"

long=$(printf 'a%.0s' $(seq 1 65))
# shellcheck disable=SC2086
run 2 reg birth $FULL name_latin="$long"
err_has "name_latin: "
err_has "is too long: 65 characters, at most 64"
unchanged "over-long value"

# shellcheck disable=SC2086
run 1 reg birth $FULL loose-word
err_has "'loose-word' is not key=value"
unchanged "argument that is not key=value"

printf 'wrong-password\n' > "$T/wrong.pw"
# shellcheck disable=SC2086
run 4 env CIVREG_PASSWORD_FILE="$T/wrong.pw" "$CIVREG" -d "$S" -u clerk register birth $FULL
err_has "login refused: unknown user or wrong password (after 5 wrong passwords in a row an account is locked for 15 minutes)"
unchanged "wrong password"

# shellcheck disable=SC2086
run 4 env CIVREG_PASSWORD_FILE="$T/clerk.pw" "$CIVREG" -d "$S" -u nobody register birth $FULL
err_has "login refused: unknown user or wrong password"
unchanged "unknown user"

# shellcheck disable=SC2086
run 5 env CIVREG_PASSWORD_FILE="$T/nurse.pw" "$CIVREG" -d "$S" -u nurse register birth $FULL
err_has "user nurse (role health) may not declare a birth (Live birth): this needs the role clerk, registrar"
unchanged "role not allowed (health declaring a birth)"

# shellcheck disable=SC2086
run 5 as_admin register birth $FULL
err_has "(role admin) may not declare a birth"
run 5 env CIVREG_PASSWORD_FILE="$T/nurse.pw" "$CIVREG" -d "$S" -u nurse show "$first"
err_has "may not read civil records"
run 5 as_clerk user add x --role clerk
err_has "may not manage users: this needs the role admin"
run 0 as_admin audit
grep -q "	clerk	denied	-	user clerk (role clerk) may not manage users" "$T/out" ||
	fail "refused user add not audited"
grep -q "	nurse	denied	$first	user nurse (role health) may not read" "$T/out" ||
	fail "refused show not audited"
unchanged "role not allowed (admin declaring, health reading, clerk adding users)"

# shellcheck disable=SC2086
run 1 env CIVREG_PASSWORD_FILE="$T/clerk.pw" "$CIVREG" -d "$S" register birth $FULL
err_has "who is acting? give -u USER or set CIVREG_USER"
run 1 env CIVREG_PASSWORD_FILE="$T/nope" "$CIVREG" -d "$S" -u clerk show "$first"
err_has "cannot read the password file"
run 3 as_clerk show 120101-00000099
err_has "no record 120101-00000099 in this store"
run 2 as_clerk show not-an-id
err_has "'not-an-id' is not a record id"
run 3 env CIVREG_PASSWORD_FILE="$T/clerk.pw" "$CIVREG" -d "$T/nowhere" -u clerk show "$first"
err_has "create a store with 'civreg init'"
run 1 as_clerk show
err_has "usage: civreg [-d DIR] [-u USER] show ID"
unchanged "usage errors, missing records and stores"

# The next declaration still gets the next number: nothing was used up.
id=$(register_birth "សុខា" "Sokha")
[ "$id" = 120101-00000002 ] || fail "next id is $id"
ok "no number was consumed by refused input"

# Lockout after five wrong passwords, even for the right one afterwards.
for i in 1 2 3 4 5; do
	run 4 env CIVREG_PASSWORD_FILE="$T/wrong.pw" "$CIVREG" -d "$S" -u clerk show "$id"
done
cp "$T/err" "$T/err5"
run 4 as_clerk show "$id"
err_has "the account clerk is locked after 5 wrong passwords"
# The fifth wrong password got the same answer as the first: no hint.
grep -qF "unknown user or wrong password (after 5" "$T/err5" || fail "5th answer"
run 0 as_admin audit
out_has "	clerk	locked	-	wrong password: account locked"
run_in 0 "$CLERK_PW
" env CIVREG_PASSWORD_FILE="$T/admin.pw" "$CIVREG" -d "$S" -u admin user passwd clerk
run 0 as_clerk show "$id"
ok "lockout after 5 wrong passwords; an administrator's reset unlocks"
echo "$ntest passed, 0 failed"
