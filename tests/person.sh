#!/bin/sh
# The population register: every record that names an identity code, the
# person's part in each, the current residence derived from the
# registered records about the person (not from the newest record, not
# from a declaration, not from a residence that is someone else's), a
# registered death; unknown and mistyped codes; roles; audited.
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
P=293847561021		# the person: Chan Sophea
Q=475610293840		# another person, who died

# declared KIND key=value...: declares, prints the id
declared() {
	as_clerk register "$@" || fail "declaring $*"
}
# registered KIND key=value...: declares and registers (late: a reason)
registered() {
	id=$(declared "$@")
	as_reg register-record "$id" --reason "came late" > /dev/null ||
	    fail "registering $id"
	echo "$id"
}
moved() {	# moved declared|registered NEW DATE [NAME_LATIN]: prints the id
	"$1" residence_change kidc="$P" name_km="ចាន់ សុភា" \
	    name_latin="${4:-Chan Sophea}" old_residence=120101 \
	    new_residence="$2" date_moved="$3" reason=work
}

# An ID card issued at 120201, then two changes of residence registered
# out of date order, then one only declared.
run 0 as_clerk register id_card kidc="$P" name_km="ចាន់ សុភា" \
    name_latin="Chan Sophea" sex=female date_of_birth=1990-01-31 \
    usual_residence=120201 application_type=first_issue \
    card_number=110200001 issue_date=2025-02-01 expiry_date=2035-02-01 \
    issuing_office="Phnom Penh"
CARD=$(cat "$T/out")
run 0 as_reg issue "$CARD"
RA=$(moved registered 120109 2026-03-01)
RB=$(moved registered 120202 2025-11-01)
RC=$(moved declared 120110 2026-06-01 "Chan Sopheap")
# She is the wife in a marriage and the mother (and informant) of a birth:
# their residences are hers too, but these forms give them for the husband
# and the mother, and only residence records about her as subject count.
MAR=$(registered marriage husband_name_km="សុខ ដារ៉ា" \
    husband_date_of_birth=1988-03-03 husband_nationality=Khmer \
    husband_prev_status=never_married husband_residence=120111 \
    wife_name_km="ចាន់ សុភា" wife_kidc="$P" wife_date_of_birth=1990-01-31 \
    wife_nationality=Khmer wife_prev_status=never_married \
    wife_residence=120111 date_of_marriage=2026-11-01 \
    place_of_marriage=120101 witness1_name="កែវ" witness2_name="ស្រី")
BIRTH_ID=$(registered birth name_km="សុខ មករា" sex=female \
    date_of_birth=2026-11-10 place_of_birth=120101 place_type=home \
    attendant=midwife birth_type=single mother_name_km="ចាន់ សុភា" \
    mother_kidc="$P" mother_date_of_birth=1990-01-31 \
    mother_nationality=Khmer mother_residence=120112 \
    informant_name="ចាន់ សុភា" informant_kidc="$P" \
    informant_relationship=mother)

run 0 as_clerk person "2938 4756 1021"
cat > "$T/want" <<EOF
identity code: 2938 4756 1021
name: ចាន់ សុភា / Chan Sophea
EOF
if [ -n "$GAZ" ]; then
	echo "current residence: 120109 Tuol Tumpung Ti Pir, Chamkar Mon, Phnom Penh (ទួលទំពូងទី ២, ចំការមន, ភ្នំពេញ), since 2026-03-01, from $RA" >> "$T/want"
	cat >> "$T/want" <<EOF
residence history:
  2025-02-01	120201	Phsar Thmei Ti Muoy, Doun Penh, Phnom Penh	id_card	$CARD
  2025-11-01	120202	Phsar Thmei Ti Pir, Doun Penh, Phnom Penh	residence_change	$RB
  2026-03-01	120109	Tuol Tumpung Ti Pir, Chamkar Mon, Phnom Penh	residence_change	$RA
EOF
else
	cat >> "$T/want" <<EOF
current residence: 120109, since 2026-03-01, from $RA
residence history:
  2025-02-01	120201	-	id_card	$CARD
  2025-11-01	120202	-	residence_change	$RB
  2026-03-01	120109	-	residence_change	$RA
EOF
fi
cat >> "$T/want" <<EOF
records:
  $CARD	id_card	subject	issued	2025-02-01
  $RB	residence_change	subject	registered	2025-11-01
  $RA	residence_change	subject	registered	2026-03-01
  $RC	residence_change	subject	declared	2026-06-01
  $MAR	marriage	wife	registered	2026-11-01
  $BIRTH_ID	birth	mother,informant	registered	2026-11-10
EOF
cmp "$T/want" "$T/out" || { diff "$T/want" "$T/out" >&2; fail "person output"; }
ok "every record that names the code, with her part in each, in date order"
ok "the current residence is the latest-dated registered one, not the newest record nor a declared one"
ok "a birth's and a marriage's residences (the mother's, the husband's field) do not count as hers"

run 0 as_clerk person 293847561021
cmp "$T/want" "$T/out" || fail "the code without spaces"
ok "the code is accepted with or without spaces"

# Another person moves, then dies: deceased, last residence from the death.
run 0 as_clerk register residence_change kidc="$Q" name_km="កែវ" \
    old_residence=120101 new_residence=120109 date_moved=2026-11-02 \
    reason=family
run 0 as_reg register-record "$(cat "$T/out")"
DEATH=$(registered death name_km="កែវ" kidc="$Q" sex=male \
    marital_status=married usual_residence=120110 date_of_death=2026-11-15 \
    place_of_death=120101 place_type=home cause_of_death="old age" \
    certified_by=village_chief informant_name="ស្រី" \
    informant_relationship=spouse)
run 0 as_clerk person "$Q"
out_has "deceased: 2026-11-15 (death $DEATH)"
out_has "current residence: 120110"
out_has "  $DEATH	death	subject	registered	2026-11-15"
ok "a registered death makes the person deceased"

run 0 as_reg archive "$DEATH"
run 0 as_clerk person "$Q"
out_has "deceased: 2026-11-15 (death $DEATH)"
out_has "current residence: 120110"
ok "an archived death still makes the person deceased, and still gives the residence"

run 3 as_clerk person 384756102936
err_has "no record in this store names the identity code 3847 5610 2936: check the code"
run 2 as_clerk person 293847561022
err_has "'293847561022' is not a valid identity code: the check digit does not match"
run 2 as_clerk person 29384756
err_has "it has 8 digits, a code has 12"
run 1 as_clerk person
ok "an unknown code says so (exit 3); a mistyped code is refused (exit 2)"

run 5 as_nurse person "$P"
err_has "may not read a person's records"
run 5 as_admin person "$P"
ok "the health and admin roles may not read the register"

run 0 as_admin audit
grep -q "	clerk	person	-	identity code $P: 6 records\$" "$T/out" ||
	fail "look-up not audited"
grep -q "	clerk	person	-	identity code 384756102936: 0 records\$" "$T/out" ||
	fail "a look-up that found nothing is not audited"
grep -q "	nurse	denied	" "$T/out" || fail "refusal not audited"
ok "every look-up is audited with the code, also one that found nothing"
# The screens (tmux, 80x24 VT100): the person register from the menu and
# from a record, and a record opened from the person's list.
command -v tmux >/dev/null || { echo "$ntest passed, 0 failed (no tmux: screens skipped)"; exit 0; }
. "${TESTS_SRCDIR:-$(dirname "$0")}/tuilib.sh"
start clerk
wait_for "Password:"
text "$CLERK_PW"
keys Enter
wait_for "Person register"
keys 6
wait_for "Identity code:"
text "2938 4756 1021"
keys Enter
wait_for "Current residence: 120109"
wait_for "Name: ចាន់ សុភា / Chan Sophea"
wait_for "$BIRTH_ID  2026-11-10  registered  mother,informant"
screen | awk 'length > 80 { exit 1 }' || fail "wider than 80 columns"
ok "the person register screen shows the residence and the records"
keys Down Down Down Down Down Down Down Down Down Enter
wait_for "Record: $BIRTH_ID"
keys o
wait_for "Identity code:   2938 4756 1021"
wait_for "Residence history:"
keys Escape
wait_for "Record: $BIRTH_ID"
keys Escape
wait_for "Residence history:"
keys Escape
wait_for "Main menu"
ok "Enter opens a record of the list; o on a record opens its person"
$TM kill-server
echo "$ntest passed, 0 failed"
