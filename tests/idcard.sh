#!/bin/sh
# Khmer ID cards: valid at most 10 years; the cards of a commune expired
# or expiring in a period, boundaries included, only each person's latest
# issued card; a table or exact RFC 4180 CSV; roles; audited.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

make_store
printf 'registrar-password\n' > "$T/reg.pw"
printf 'nurse-password\n' > "$T/nurse.pw"
run_in 0 "$ADMIN_PW
registrar-password
" "$CIVREG" -d "$S" -u admin user add reg --role registrar
run_in 0 "$ADMIN_PW
nurse-password
" "$CIVREG" -d "$S" -u admin user add nurse --role health
as_reg() { CIVREG_PASSWORD_FILE=$T/reg.pw "$CIVREG" -d "$S" -u reg "$@"; }
as_nurse() { CIVREG_PASSWORD_FILE=$T/nurse.pw "$CIVREG" -d "$S" -u nurse "$@"; }
GAZ=
if [ -f "$SHARED_DATA/gazetteer/communes.csv" ]; then
	run 0 as_admin gazetteer load "$SHARED_DATA/gazetteer"
	GAZ=1
fi
OTHER=120109	# another commune of the same district (Phnom Penh)

# declare KIDC NAME_LATIN RESIDENCE CARD_NUMBER ISSUE EXPIRY: prints the id
declare() {
	as_clerk register id_card kidc="$1" name_km="សុខ" name_latin="$2" \
	    sex=female date_of_birth=1990-05-01 usual_residence="$3" \
	    application_type=first_issue card_number="$4" issue_date="$5" \
	    expiry_date="$6" issuing_office="Phnom Penh"
}
# card ...: the same, issued by the registrar
card() {
	id=$(declare "$@") || fail "declaring $*"
	as_reg issue "$id" > /dev/null || fail "issuing $id"
	echo "$id"
}

# --- at most ten years ------------------------------------------------------
run 2 declare 293847561021 "Sok Dara" 120101 110200001 2026-11-01 2036-11-02
err_has "expiry_date: '2036-11-02' is more than 10 years after issue_date (2026-11-01): the latest allowed is 2036-11-01"
run 2 declare 293847561021 "Sok Dara" 120101 110200001 2024-02-29 2034-03-01
err_has "the latest allowed is 2034-02-28"
run 2 declare 293847561021 "Sok Dara" 120101 110200001 2026-11-01 2026-10-31
err_has "expiry_date: '2026-10-31' is before issue_date"
run 0 as_clerk search Dara
[ ! -s "$T/out" ] || fail "a refused card was stored"
ok "an expiry more than 10 years after the issue (or before it) is refused"

# Today is 2026-11-22 (lib.sh).  The period below: 2026-11-01 .. 2026-12-31.
A=$(card 293847561021 "Sok Dara" 120101 'AB,12"345' 2016-11-01 2026-11-01)	# == FROM
B=$(card 384756102936 "Chan Sophea" 120101 110200002 2016-10-31 2026-10-31)	# FROM - 1
C=$(card 475610293840 "Keo Sothea" 120101 110200003 2016-12-31 2026-12-31)	# == TO
D=$(card 561029384752 "Lim Dara" 120101 110200004 2017-01-01 2027-01-01)	# TO + 1
E=$(card 610293847564 "Meas Sok" 120101 110200005 2016-11-22 2026-11-22)	# == today
F=$(card 729384756105 "Nov Chan" 120101 110200006 2016-11-21 2026-11-21)	# today - 1
# G renewed her card: the old one is superseded, the new one far off.
G1=$(card 838475610290 "Ouk Srey" 120101 110200007 2016-11-05 2026-11-05)
G2=$(card 838475610290 "Ouk Srey" 120101 110200008 2026-11-10 2036-11-10)
# H's renewal is only declared, not issued: the old card still counts.
H1=$(card 947561029386 "Pen Sok" 120101 110200009 2016-11-15 2026-11-15)
run 0 declare 947561029386 "Pen Sok" 120101 110200010 2026-11-20 2036-11-20
# I lives in the other commune; J's card was never issued.
I=$(card 203948576107 "Ros Mey" $OTHER 110200011 2016-12-01 2026-12-01)
run 0 declare 394857610297 "Sam Ang" 120101 110200012 2016-12-02 2026-12-02
J=$(cat "$T/out")
# K moved and renewed in the other commune: her old card here is superseded.
K1=$(card 485761029381 "Tep Kanha" 120101 110200013 2016-12-03 2026-12-03)
K2=$(card 485761029381 "Tep Kanha" $OTHER 110200014 2026-11-12 2036-11-12)

run 0 as_clerk id-cards 120101 --from 2026-11-01 --to 2026-12-31 --csv
CR=$(printf '\r')
cat > "$T/want" <<EOF
kidc,name_km,name_latin,card_number,issue_date,expiry_date,state,record_id$CR
2938 4756 1021,សុខ,Sok Dara,"AB,12""345",2016-11-01,2026-11-01,expired,$A$CR
9475 6102 9386,សុខ,Pen Sok,110200009,2016-11-15,2026-11-15,expired,$H1$CR
7293 8475 6105,សុខ,Nov Chan,110200006,2016-11-21,2026-11-21,expired,$F$CR
6102 9384 7564,សុខ,Meas Sok,110200005,2016-11-22,2026-11-22,expiring,$E$CR
4756 1029 3840,សុខ,Keo Sothea,110200003,2016-12-31,2026-12-31,expiring,$C$CR
EOF
cmp "$T/want" "$T/out" || { diff "$T/want" "$T/out" >&2; fail "CSV differs"; }
ok "CSV: header, CRLF, quoted field, expiry == FROM and == TO in, one day outside out"
ok "expiry today is expiring, yesterday expired; a renewal supersedes the old card (also from another commune), a declared one does not"

run 0 as_clerk id-cards 120101 --to 2026-12-31 --from 2026-11-01
out_has "ID cards of commune 120101"
out_has "expiry from 2026-11-01 to 2026-12-31: 5 cards, 3 expired"
grep -q "^2938 4756 1021  AB,12\"345     2016-11-01  2026-11-01  expired   $A  សុខ / Sok Dara\$" "$T/out" || fail "table row"
[ "$(wc -l < "$T/out")" -eq 7 ] || fail "table: $(wc -l < "$T/out") lines"
for id in $B $D $G1 $G2 $I $J $K1 $K2; do
	grep -q "$id" "$T/out" && fail "$id listed"
done
ok "the table shows the same cards, with the count of expired ones"

# Archiving G's new card puts it away; it still supersedes the old one.
run 0 as_reg archive "$G2"
run 0 as_clerk id-cards 120101 --from 2026-11-01 --to 2026-12-31
grep -q "$G1" "$T/out" && fail "the card G renewed came back when the new one was archived"
out_has "5 cards, 3 expired"
run 0 as_clerk id-cards 120101 --from 2036-11-01 --to 2036-11-30
out_has "$G2"
ok "an archived card is still the person's card"

run 0 as_clerk id-cards 1201 --from 2026-11-01 --to 2026-12-31
out_has "ID cards of district 1201"
out_has "6 cards, 3 expired"
out_has "$I"
ok "a district code lists its communes' cards"

# The default period: every expired card, and 90 days ahead (2027-02-20).
L=$(card 102938475615 "Va Lina" 120101 110200015 2017-02-20 2027-02-20)
M=$(card 213847561028 "Yim Rith" 120101 110200016 2017-02-21 2027-02-21)
run 0 as_clerk id-cards 120101
out_has "expiry up to 2027-02-20: 8 cards, 4 expired"
out_has "$B"
out_has "$L"
grep -q "$M" "$T/out" && fail "a card beyond 90 days listed"
ok "by default: every expired card, and those expiring within 90 days"

if [ -n "$GAZ" ]; then
	run 2 as_clerk id-cards 129999
	err_has "129999 is not a commune in the gazetteer: check the code"
	run 0 as_clerk id-cards 120101 --to 2026-10-31
	out_has "ID cards of commune 120101 Tonle Basak (ទន្លេបាសាក់)"
fi
run 2 as_clerk id-cards 12010
err_has "'12010' is not a commune code: give the 6-digit gazetteer code of a commune"
run 2 as_clerk id-cards 12A101
err_has "is not a commune code"
run 2 as_clerk id-cards 120101 --from 2026-13-01
err_has "the start of the period '2026-13-01' is not a real date: there is no month 13"
run 2 as_clerk id-cards 120101 --to 31/12/2026
err_has "the end of the period '31/12/2026' is not a date: write it as YYYY-MM-DD"
run 2 as_clerk id-cards 120101 --from 2027-01-01 --to 2026-01-01
err_has "the period starts on 2027-01-01, after its end 2026-01-01"
run 1 as_clerk id-cards
run 1 as_clerk id-cards 120101 --bogus
ok "bad codes, dates and periods are refused, saying what to type"

run 5 as_nurse id-cards 120101
err_has "may not list ID cards"
run 5 as_admin id-cards 120101
ok "the health and admin roles may not list ID cards"

run 0 as_admin audit
grep -q "	clerk	id-card-list	-	commune 120101, expiry from 2026-11-01 to 2026-12-31: 5 cards, 3 expired\$" "$T/out" ||
	fail "listing not audited"
grep -q "	clerk	id-card-list	-	commune 120101, expiry up to 2027-02-20: 8 cards, 4 expired\$" "$T/out" ||
	fail "default listing not audited"
grep -q "	nurse	denied	" "$T/out" || fail "refusal not audited"
ok "every listing is audited with the area and the period; refusals too"
# The screen (tmux, 80x24 VT100): the office's commune at once, the
# period changed with f and t, the CSV written with w.
command -v tmux >/dev/null || { echo "$ntest passed, 0 failed (no tmux: screens skipped)"; exit 0; }
. "${TESTS_SRCDIR:-$(dirname "$0")}/tuilib.sh"
start clerk
wait_for "Password:"
text "$CLERK_PW"
keys Enter
wait_for "ID cards expiring"
keys 7
wait_for "Expiry up to 2027-02-20: 8 cards, 4 expired"
wait_for "commune 120101"
wait_for "3847 5610 2936  2026-10-31  expired"
screen | awk 'length > 80 { exit 1 }' || fail "wider than 80 columns"
ok "the screen lists the office's commune for the default period"
keys f
wait_for "Expiry from:"
text "2026-11-01"
keys Enter
wait_for "Expiry from 2026-11-01 to 2027-02-20: 7 cards, 3 expired"
keys t
wait_for "Expiry up to:"
keys C-u
text "2026-12-31"
keys Enter
wait_for "Expiry from 2026-11-01 to 2026-12-31: 5 cards, 3 expired"
keys t C-u
text "2026-13-01"
keys Enter
wait_for "is not a real date: there is no month 13"
keys Escape
ok "f and t change the period; a bad date is refused with its reason"
keys w
wait_for "Write CSV to:"
wait_for "idcards-120101-2026-11-22.csv"
keys C-u
text "s.csv"		# in the directory civreg runs in: $T
keys Enter
wait_for "Written: $(cd "$T" && pwd -P)/s.csv (5 cards)."
cmp "$T/want" "$T/s.csv" || fail "the CSV written from the screen differs"
keys w C-u
text "s.csv"
keys Enter
wait_for "exists already: give another name."
keys Escape
ok "w writes the CSV shown, names the file, and never overwrites one"
keys Enter
wait_for "Record: $A"
keys Escape Escape
wait_for "Main menu"
$TM kill-server
echo "$ntest passed, 0 failed"
