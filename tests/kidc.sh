#!/bin/sh
# Identity codes: 'kidc check' says valid or why not, for every kind of
# mistake; only the national office's national officers generate codes;
# every generated code is kept, none twice, each passing the rules.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

# --- check ------------------------------------------------------------------
# A valid code: its check digit is right and it keeps every rule.
run 0 "$CIVREG" kidc check "2947 5806 1398"
out_has "2947 5806 1398	valid"
run 0 "$CIVREG" kidc check 294758061398
out_has "2947 5806 1398	valid"
run 2 "$CIVREG" kidc check 294758061391
out_has "the check digit does not match"
run 2 "$CIVREG" kidc check 294758016398	# two digits swapped
out_has "the check digit does not match"
run 2 "$CIVREG" kidc check 29475806139
out_has "it has 11 digits, a code has 12"
run 2 "$CIVREG" kidc check 2947-5806-1398
out_has "only digits and spaces are allowed"
run 2 "$CIVREG" kidc check "294758061398" 294758061391
out_has "2947 5806 1398	valid"
out_has "294758061391	is not a valid identity code"
ok "kidc check: valid, a mistyped digit, a swap, too short, bad characters; exit 2 if any is bad"

# A code with a right check digit that breaks a rule was never issued.
run 2 "$CIVREG" kidc check 123456789010
out_has "is not an issued identity code"
run 1 "$CIVREG" kidc check
err_has "usage: civreg"
ok "kidc check: a code that breaks the generation rules is not an issued code"

# --- generate ---------------------------------------------------------------
N=$T/national
run_in 0 "$ADMIN_PW
" "$CIVREG" -d "$N" init --office 00 --level national --admin admin
printf 'national-password\n' > "$T/nat.pw"
run_in 0 "$ADMIN_PW
national-password
" "$CIVREG" -d "$N" -u admin user add nat --role national
as_nat() { CIVREG_PASSWORD_FILE=$T/nat.pw "$CIVREG" -d "$N" -u nat "$@"; }
as_nadmin() { CIVREG_PASSWORD_FILE=$T/admin.pw "$CIVREG" -d "$N" -u admin "$@"; }

run 5 as_nadmin kidc generate --count 10
err_has "may not generate identity codes: this needs the role national"
make_store
run 5 as_admin kidc generate --count 10
err_has "only the national office may generate identity codes"
run 2 as_nat kidc generate --count 0
err_has "--count '0': give a whole number from 1 to"
run 2 as_nat kidc generate --count 12x
run 1 as_nat kidc generate
err_has "usage: civreg"
run 0 as_nat kidc stats
out_has "generated	0"
run 5 as_nadmin kidc stats
err_has "read civil records"
ok "only the national office's national officers generate; a bad count is refused"

run 0 as_nat kidc generate --count 25000
out_has "generated 25000 identity codes"
err_has "generating: 25000 of 25000"
run 0 as_nat kidc generate --count 5000
run 0 as_nat kidc stats
out_has "generated	30000"
out_has "not allocated	30000"
ok "30000 codes generated in two runs, all kept"

# Every code kept is valid, passes the rules and appears once.
db5.3_dump -p -h "$N" kidc.db > "$T/dump" 2> /dev/null || \
    fail "cannot dump kidc.db"
sed -n 's/^ K\([0-9]\{12\}\)$/\1/p' "$T/dump" > "$T/codes"
[ "$(wc -l < "$T/codes")" -eq 30000 ] || fail "$(wc -l < "$T/codes") codes in kidc.db, not 30000"
[ "$(sort -u "$T/codes" | wc -l)" -eq 30000 ] || fail "a code was kept twice"
head -200 "$T/codes" > "$T/some"
# shellcheck disable=SC2046
run 0 "$CIVREG" kidc check $(cat "$T/some")
[ "$(grep -c '	valid$' "$T/out")" -eq 200 ] || fail "a generated code is not valid"
run 0 as_nadmin audit
out_has "generated 10000 identity codes"
out_has "generated 5000 identity codes"
ok "the kept codes are distinct and valid; each batch is audited"

echo "$ntest passed, 0 failed"
