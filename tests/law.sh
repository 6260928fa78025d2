#!/bin/sh
# The law's steps after a declaration: every transition allowed for exactly
# the roles the law names and refused (nothing changed) for every other;
# refused for a wrong status or kind; corrections with their history;
# amending a rejected declaration; appeals through district and province;
# fetal deaths without identity codes.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

make_store
BIRTH=$(echo "$BIRTH" | sed 's/date_of_birth=2026-10-01/date_of_birth=2026-11-01/')
ROLES="clerk registrar district province national health admin"
for r in registrar district province national health; do
	printf '%s-password\n' "$r" > "$T/$r.pw"
	run_in 0 "$ADMIN_PW
$r-password
" "$CIVREG" -d "$S" -u admin user add "$r" --role "$r"
done
as() { _as=$1; shift; CIVREG_PASSWORD_FILE=$T/$_as.pw "$CIVREG" -d "$S" -u "$_as" "$@"; }

# rev ID: the record's revision number.
rev() { as registrar show "$1" | sed -n 's/^revision: //p'; }
status() { as registrar show "$1" | sed -n 's/^status: //p'; }

# allowed VERB ID "ROLE ..." [ARGS]: every other role is refused (exit 5)
# and the record is unchanged; then the first role named succeeds.
allowed() {
	_verb=$1 _id=$2 _who=$3
	shift 3
	_before=$(rev "$_id")
	for _role in $ROLES; do
		case " $_who " in *" $_role "*) continue ;; esac
		run 5 as "$_role" "$_verb" "$_id" "$@"
		err_has "this needs the role"
	done
	[ "$(rev "$_id")" = "$_before" ] || fail "$_verb $_id: a refused role changed it"
	run 0 as "${_who%% *}" "$_verb" "$_id" "$@"
}

birth() {
	# shellcheck disable=SC2086
	as clerk register birth --new name_km="${1:-សុខ}" mother_name_km="ចាន់" \
	    informant_name="ចាន់" $BIRTH
}
old_birth() {	# a delayed one: born 2024, registered 2026
	# shellcheck disable=SC2086
	as clerk register birth --new name_km="សុខ" mother_name_km="ចាន់" \
	    informant_name="ចាន់" \
	    $(echo "$BIRTH" | sed 's/date_of_birth=2026-11-01/date_of_birth=2024-01-01/')
}
death() {
	as clerk register death --new name_km="កែវ" sex=male marital_status=widowed \
	    usual_residence=120101 date_of_death=2026-11-20 \
	    place_of_death=120101 place_type=home cause_of_death="old age" \
	    certified_by=health_worker informant_name="កែវ" \
	    informant_relationship=child
}
permit() {
	as registrar register burial_permit death_ref="$1" name_km="កែវ" \
	    method=burial burial_place=120101 burial_date=2026-11-22 \
	    applicant_name="កែវ" applicant_relationship=child
}
card() {
	as clerk register id_card kidc="2938 4756 1021" name_km="សុខ ដារ៉ា" \
	    name_latin="Sok Dara" sex=male date_of_birth=1990-05-05 \
	    usual_residence=120101 application_type=first_issue \
	    card_number=012345678 issue_date=2026-11-01 \
	    expiry_date=2036-10-31 issuing_office="Phnom Penh"
}
# correction TARGET FIELD NEW [key=value ...]
correction() {
	_t=$1 _fld=$2 _nv=$3
	shift 3
	as clerk register correction target_ref="$_t" field_name="$_fld" \
	    new_value="$_nv" reason="clerical error" \
	    evidence_type=medical_record evidence_ref="MR-2026-17" \
	    applicant_name="ចាន់" applicant_relationship=parent \
	    request_date=2026-11-21 "$@"
}
# appeal TARGET DECISION LEVEL
appeal() {
	as clerk register appeal target_ref="$1" decision="$2" level="$3" \
	    grounds="the mother's name was right" appellant_name="ចាន់" \
	    appellant_relationship=parent appeal_date=2026-11-22
}

# --- each transition, by role -------------------------------------------
b=$(birth)
allowed register-record "$b" registrar
allowed certify "$b" registrar
allowed archive "$b" registrar
[ "$(status "$b")" = archived ] || fail "archive"
b=$(birth)
allowed reject "$b" registrar --reason "no such mother"
allowed amend "$b" "clerk registrar" name_km="សុខា"
[ "$(status "$b")" = declared ] || fail "amend"
b=$(old_birth)
run 0 as registrar register-record "$b" --evidence "school record 4/2019"
allowed approve "$b" district
b=$(old_birth)
run 0 as registrar register-record "$b" --evidence "school record 4/2019"
allowed reject "$b" district --reason "the school record is forged"
d=$(death)
run 0 as registrar register-record "$d"
p=$(permit "$d")
allowed issue "$p" registrar
c=$(card)
allowed issue "$c" registrar
[ "$(status "$c")" = issued ] || fail "card issued"
ok "register, certify, archive, reject, amend, approve, issue: only the roles named"

b=$(birth)
run 0 as registrar register-record "$b"
c1=$(correction "$b" attendant doctor)
allowed approve "$c1" "registrar district"
[ "$(status "$c1")" = approved ] || fail "plain correction approved"
c2=$(correction "$b" place_type hospital)
run 0 as district approve "$c2"
[ "$(cut -f2 "$T/out")" = approved ] || fail "district approves a plain one"
c3=$(correction "$b" name_km "សុខហេង")
allowed approve "$c3" "registrar district"
[ "$(cut -f2 "$T/out")" = pending-approval ] || fail "identity: registrar endorses"
allowed approve "$c3" district
[ "$(cut -f2 "$T/out")" = approved ] || fail "identity: district approves"
ok "a correction: the registrar approves; one of identity needs the district"

b=$(birth)
run 0 as registrar reject "$b" --reason "wrong village"
a1=$(appeal "$b" refusal district)
allowed dismiss "$a1" district --reason "the village is wrong"
a2=$(appeal "$a1" refusal province)
allowed grant "$a2" province --reason "the village chief confirmed it"
b=$(birth)
run 0 as registrar reject "$b" --reason "wrong village"
a3=$(appeal "$b" refusal district)
allowed grant "$a3" district --reason "confirmed"
ok "appeals: the district decides, then the province"

# --- refused by status or kind ------------------------------------------
b=$(birth)
run 2 as registrar certify "$b"
err_has "$b is declared: 'certify' applies only to a record that is registered"
run 2 as registrar issue "$b"
err_has "$b is a Live birth: 'issue' applies only to burial_permit/id_card records"
run 2 as district grant "$b" --reason x
err_has "'grant' applies only to appeal records"
run 2 as registrar register-record "$p"
err_has "'register' applies only to *event records"
run 2 as registrar issue "$p"
err_has "$p is issued: 'issue' applies only to a record that is declared"
run 2 as clerk amend "$b" name_km="សុខា"
err_has "$b is declared: only a rejected declaration is amended"
run 2 as district grant "$a3" --reason again
err_has "$a3 is granted: 'grant' applies only to a record that is declared"
r=$(birth)
run 0 as registrar reject "$r" --reason "no such mother"
run 2 as registrar archive "$r"
err_has "$r is rejected: 'archive' applies only to a record that is registered or certified or approved or granted or issued"
run 1 as registrar frobnicate "$b"
ok "a step the status or the kind does not allow is refused, saying why"

# --- corrections --------------------------------------------------------
b=$(birth)
run 0 as registrar register-record "$b"
run 2 correction "$b" attendant astronaut
err_has "new_value: "
err_has "(the field attendant of a Live birth)"
run 2 correction "$b" colour blue
err_has "field_name: 'colour' is not a field that can be corrected on a Live birth"
run 2 correction "$b" notice_ref 120101-00000001
err_has "field_name: 'notice_ref' is not a field that can be corrected"
run 2 correction "$b" attendant doctor old_value=nurse
err_has "old_value: 'nurse' is not the value of attendant in $b, which is 'midwife'"
run 2 correction "$b" attendant midwife
err_has "new_value: attendant of $b is already 'midwife': there is nothing to correct"
run 2 correction "$b" date_of_birth 2026-02-30
err_has "new_value: "
d2=$(birth)
run 2 correction "$d2" attendant doctor
err_has "target_ref: $d2 is declared: a Correction of a record is made only from a record that is registered,certified,issued"
before=$(rev "$b")
ok "a bad correction request is refused with its reason"

c=$(correction "$b" attendant doctor)
stale=$(correction "$b" attendant nurse)
run 0 as registrar show "$c"
out_has "old_value=midwife"
run 0 as registrar approve "$c"
run 0 as registrar show "$b"
out_has "attendant=doctor"
out_has "	correct	registered	registrar	correction $c: clerical error"
out_has "		attendant: midwife -> doctor"
[ "$(rev "$b")" -eq $((before + 1)) ] || fail "one new revision"
run 2 as registrar approve "$stale"
err_has "correction $stale is out of date: attendant of $b is now 'doctor', not 'midwife'"
[ "$(status "$stale")" = declared ] || fail "stale correction changed"
[ "$(rev "$b")" -eq $((before + 1)) ] || fail "stale correction applied"
run 0 as registrar reject "$stale" --reason "already corrected"
ok "an approved correction is a new revision; the earlier value stays in history; a stale one is refused"

n=$(correction "$b" name_km "សុខហេង")
run 0 as registrar approve "$n"
run 0 as registrar queue pending
out_has "$n	correction	pending-approval"
run 0 as registrar show "$b"
out_has "name_km=សុខ"
run 0 as district approve "$n"
run 0 as registrar show "$b"
out_has "name_km=សុខហេង"
out_has "		name_km: សុខ -> សុខហេង"
run 0 as registrar search "សុខហេង"
out_has "$b"
ok "a name is corrected only when the district approves; search finds the new name"

# A refused correction, appealed: granting it applies the correction.
r=$(correction "$b" facility_name "Kandal referral hospital")
run 0 as registrar reject "$r" --reason "no evidence of the facility"
run 2 appeal "$r" refusal district
err_has "decision: the decision on $r was a 'correction_refused', not 'refusal'"
ra=$(appeal "$r" correction_refused district)
run 0 as registrar queue appeals
out_has "$ra	appeal	declared"
run 2 as district grant "$ra"
err_has "a reason is required to grant $ra"
run 0 as district grant "$ra" --reason "the hospital letter is genuine"
[ "$(status "$r")" = approved ] || fail "correction not approved by the appeal"
run 0 as registrar show "$b"
out_has "facility_name=Kandal referral hospital"
ok "a refused correction appealed and granted is applied"

# --- amending a rejected declaration ------------------------------------
b=$(birth)
run 0 as registrar reject "$b" --reason "the mother's date of birth is wrong"
run 0 as clerk queue rejected
out_has "$b	birth	rejected"
before=$(rev "$b")
run 2 as clerk amend "$b" mother_date_of_birth=2030-01-01
err_has "mother_date_of_birth"
run 2 as clerk amend "$b" mother_date_of_birth=1990-01-31
err_has "nothing to amend in $b"
run 2 as clerk amend "$b" mother_residence=12A
err_has "mother_residence"
run 2 as clerk amend "$b" bogus=1
err_has "bogus: unknown field"
run 1 as clerk amend "$b" novalue
[ "$(rev "$b")" = "$before" ] || fail "a refused amendment changed the record"
run 0 as clerk amend "$b" mother_date_of_birth=1991-02-01 birth_order=2
[ "$(cat "$T/out")" = "$b	declared" ] || fail "amend output"
run 0 as registrar show "$b"
out_has "mother_date_of_birth=1991-02-01"
out_has "	amend	declared	clerk	amended: mother_date_of_birth, birth_order"
out_has "		mother_date_of_birth: 1990-01-31 -> 1991-02-01"
run 0 as registrar register-record "$b"
ok "a rejected declaration is amended and declared again; bad values change nothing"

# Amending keeps a linked health notice linked, without a second link.
printf 'nurse-password\n' > "$T/nurse.pw"
run_in 0 "$ADMIN_PW
nurse-password
" "$CIVREG" -d "$S" -u admin user add nurse --role health
nt=$(CIVREG_PASSWORD_FILE=$T/nurse.pw "$CIVREG" -d "$S" -u nurse register \
    birth_notice facility_name="Health centre" facility_place=120101 \
    sex=female date_of_birth=2026-11-01 place_of_birth=120101 \
    place_type=health_centre attendant=midwife birth_type=single birth_weight=3000 \
    mother_name_km="ចាន់ សុភា" mother_residence=120101 notifier_name="ស្រី" \
    notifier_position=midwife notice_date=2026-11-02)
# shellcheck disable=SC2086
b=$(as clerk register birth --new name_km="សុខ" mother_name_km="ចាន់" \
    informant_name="ចាន់" notice_ref="$nt" $BIRTH)
run 0 as registrar reject "$b" --reason "the name is misspelt"
nrev=$(rev "$nt")
run 0 as clerk amend "$b" name_km="សុខា"
[ "$(rev "$nt")" = "$nrev" ] || fail "the notice was linked again"
[ "$(status "$nt")" = linked ] || fail "the notice is no longer linked"
ok "an amended declaration keeps its health notice linked"

run 0 as registrar reject "$b" --reason "not from this notice"
run 0 as clerk amend "$b" notice_ref=
[ "$(status "$nt")" = notified ] || fail "the notice stayed linked to a declaration that no longer names it"
run 0 as clerk queue notices
out_has "$nt	birth_notice	notified"
run 0 as registrar show "$nt"
out_has "	link	notified	clerk	unlinked from $b"
ok "a notice the amended declaration no longer names goes back to the queue"

# --- appeals ------------------------------------------------------------
b=$(birth)
run 0 as registrar reject "$b" --reason "wrong village"
run 2 appeal "$b" refusal province
err_has "level: an appeal against a refusal goes first to the district"
run 2 appeal "$b" delayed_refused district
err_has "decision: the decision on $b was a 'refusal', not 'delayed_refused'"
g=$(birth)
run 0 as registrar register-record "$g"
run 2 appeal "$g" refusal district
err_has "target_ref: $g is registered"
a=$(appeal "$b" refusal district)
run 2 appeal "$a" refusal province
err_has "target_ref: $a is declared: an Appeal is made only from a record that is rejected,dismissed"
run 0 as district dismiss "$a" --reason "the village chief denies it"
[ "$(status "$b")" = rejected ] || fail "a dismissed appeal changed the record"
pa=$(appeal "$a" refusal province)
run 2 appeal "$pa" refusal province
err_has "target_ref: $pa is declared: an Appeal is made only from a record that is rejected,dismissed"
run 5 as district grant "$pa" --reason x
err_has "this needs the role province"
run 0 as province grant "$pa" --reason "the commune map shows the village"
run 0 as registrar show "$b"
out_has "status: registered"
out_has "_timeliness=current"
out_has "_registration_date=2026-11-22"
out_has "	decide	registered	province	appeal $pa granted: the commune map shows the village"
run 0 as registrar show "$a"
out_has "status: dismissed"
out_has "the village chief denies it"
ok "an appeal dismissed by the district, granted by the province, registers the record"

b=$(birth)
run 0 as registrar reject "$b" --reason "wrong village"
a=$(appeal "$b" refusal district)
run 0 as district dismiss "$a" --reason "no"
pa=$(appeal "$a" refusal province)
run 0 as province dismiss "$pa" --reason "no, again"
run 2 appeal "$pa" refusal province
err_has "target_ref: $pa is an appeal to the province that is dismissed; only an appeal the district dismissed may be taken further"
[ "$(status "$b")" = rejected ] || fail "dismissed twice, yet changed"
ok "the province's dismissal is final"

# Two appeals against one refusal: the second finds nothing to reverse.
b=$(birth)
run 0 as registrar reject "$b" --reason "wrong village"
x1=$(appeal "$b" refusal district)
x2=$(appeal "$b" refusal district)
run 0 as district grant "$x1" --reason "confirmed"
run 2 as district grant "$x2" --reason "confirmed"
err_has "$b is now registered: the refusal appealed against no longer stands"
[ "$(status "$x2")" = declared ] || fail "x2 changed"
run 0 as district dismiss "$x2" --reason "decided on appeal $x1"
ok "a refusal is reversed once"

# A delayed registration refused by the district, appealed.
b=$(old_birth)
run 0 as registrar register-record "$b" --evidence "school record 4/2019"
run 0 as district reject "$b" --reason "the school record is unclear"
run 2 appeal "$b" refusal district
err_has "was a 'delayed_refused', not 'refusal'"
da=$(appeal "$b" delayed_refused district)
run 0 as district grant "$da" --reason "the school confirmed the record"
run 0 as registrar show "$b"
out_has "status: registered"
out_has "_timeliness=delayed"
out_has "_evidence=school record 4/2019"
ok "a refused delayed registration, appealed and granted, is registered"

run 0 as registrar audit "$b"
out_has "	district	workflow	$b	decide: now registered; appeal $da granted"
run 0 as registrar audit "$da"
out_has "	district	workflow	$da	grant: now granted; the school confirmed the record"
ok "decisions and their reasons are in the audit log"

# --- fetal death: statistics only, no identity code ---------------------
fd() {
	as clerk register fetal_death --new sex=female date_of_delivery=2026-11-10 \
	    place_of_delivery=120101 place_type=hospital attendant=doctor \
	    birth_type=single gestation_weeks=30 certified_by=doctor \
	    mother_name_km="ចាន់" mother_date_of_birth=1990-01-31 \
	    mother_residence=120101 informant_name="ចាន់" \
	    informant_relationship=self "$@"
}
run 2 fd kidc="2938 4756 1021"
err_has "kidc: unknown field for form fetal_death"
f=$(fd)
run 0 as registrar register-record "$f"
run 0 as registrar show "$f"
grep -q '^kidc=' "$T/out" && fail "a fetal death has an identity code"
ok "a fetal death is registered without an identity code"

run 0 as admin verify
ok "the store verifies after all of it"
echo "$ntest passed, 0 failed"
