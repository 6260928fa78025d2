#!/bin/sh
# The registration workflow: who may move a record to which status, and
# timeliness on the boundary days (births: 30 days, deaths: 15, then one
# year late, then delayed with district approval).
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

make_store
printf 'registrar-password\n' > "$T/reg.pw"
printf 'district-password\n' > "$T/dist.pw"
run_in 0 "$ADMIN_PW
registrar-password
" "$CIVREG" -d "$S" -u admin user add reg --role registrar
run_in 0 "$ADMIN_PW
district-password
" "$CIVREG" -d "$S" -u admin user add dist --role district
as_reg() { CIVREG_PASSWORD_FILE=$T/reg.pw "$CIVREG" -d "$S" -u reg "$@"; }
as_dist() { CIVREG_PASSWORD_FILE=$T/dist.pw "$CIVREG" -d "$S" -u dist "$@"; }
on() { day=$1; shift; CIVREG_NOW=$day "$@"; }

# Births on 2026-01-01, declared on 2026-01-05.
birth() {
	# shellcheck disable=SC2086
	CIVREG_NOW=2026-01-05 as_clerk register birth --new name_km="សុខ" \
	    mother_name_km="ចាន់" informant_name="ចាន់" \
	    $(echo "$BIRTH" | sed 's/date_of_birth=2026-10-01/date_of_birth=2026-01-01/')
}
b1=$(birth); b2=$(birth); b3=$(birth); b4=$(birth); b5=$(birth); b6=$(birth)

run 5 on 2026-01-31 as_clerk register-record "$b1"
err_has "user clerk (role clerk) may not register $b1: this needs the role registrar"
run 0 on 2026-01-31 as_reg register-record "$b1"
[ "$(cat "$T/out")" = "$b1	registered	current" ] || fail "day 30: $(cat "$T/out")"
ok "day 30 of a birth is current; a clerk may not register"

run 2 on 2026-02-01 as_reg register-record "$b2"
err_has "$b2 is a late registration (the birth was on 2026-01-01, more than 30 days ago): give the reason with --reason TEXT"
run 0 on 2026-02-01 as_reg register-record "$b2" --reason "family lived far away"
[ "$(cat "$T/out")" = "$b2	registered	late" ] || fail "day 31"
run 0 as_reg show "$b2"
out_has "_timeliness=late"
out_has "_registration_date=2026-02-01"
grep -q "	register	registered	reg	family lived far away" "$T/out" || fail "history"
ok "day 31 is late and needs a reason, kept in the history"

run 0 on 2027-01-31 as_reg register-record "$b3" --reason "late"
[ "$(cat "$T/out")" = "$b3	registered	late" ] || fail "day 395"
run 2 on 2027-02-01 as_reg register-record "$b4" --reason "late"
err_has "is a delayed registration"
err_has "--evidence REF"
run 0 on 2027-02-01 as_reg register-record "$b4" --evidence "court letter 17/2027"
[ "$(cat "$T/out")" = "$b4	pending-approval	delayed" ] || fail "day 396"
ok "a year after the period it is still late; the next day delayed, with evidence"

run 5 as_reg approve "$b4"
err_has "may not approve $b4: this needs the role district"
run 0 as_dist approve "$b4"
[ "$(cat "$T/out")" = "$b4	registered	delayed" ] || fail "approve"
run 2 as_dist approve "$b4"
err_has "$b4 is registered: 'approve' applies only to a record that is pending-approval"
ok "the district registrar approves delayed registrations"

run 2 as_reg reject "$b5"
err_has "a reason is required to reject $b5: give --reason TEXT"
run 0 as_reg reject "$b5" --reason "mother's name does not match"
[ "$(cut -f2 "$T/out")" = rejected ] || fail "reject"
run 2 as_reg register-record "$b5"
err_has "is rejected"
ok "rejection needs a reason; a rejected declaration is not registered"

run 0 as_reg certify "$b1"
[ "$(cut -f2 "$T/out")" = certified ] || fail "certify"
run 0 as_reg archive "$b1"
[ "$(cut -f2 "$T/out")" = archived ] || fail "archive"
run 2 as_reg certify "$b6"
err_has "is declared"
ok "registered -> certified -> archived"

# Deaths: 15 days.
death() {
	CIVREG_NOW=2026-03-05 as_clerk register death --new name_km="កែវ" sex=male \
	    marital_status=widowed usual_residence=120101 \
	    date_of_death=2026-03-01 place_of_death=120101 place_type=home \
	    cause_of_death="old age" certified_by=health_worker \
	    informant_name="កែវ" informant_relationship=child
}
d1=$(death); d2=$(death)
run 0 on 2026-03-16 as_reg register-record "$d1"
[ "$(cat "$T/out")" = "$d1	registered	current" ] || fail "death day 15"
run 2 on 2026-03-17 as_reg register-record "$d2"
err_has "more than 15 days ago"
ok "a death is current for 15 days"

# A burial permit only from a registered death.
permit() {
	as_reg register burial_permit death_ref="$1" name_km="កែវ" \
	    method=burial burial_place=120101 burial_date=2026-03-20 \
	    applicant_name="កែវ" applicant_relationship=child
}
run 2 on 2026-03-20 permit "$d2"
err_has "death_ref: $d2 is declared: a Burial permit is made only from a record that is registered,certified,archived"
run 2 on 2026-03-20 permit "$b6"
err_has "death_ref: '$b6' is a birth record, not a death"
run 2 on 2026-03-20 permit 120101-00000999
err_has "is not a record in this store"
run 5 on 2026-03-20 as_clerk register burial_permit death_ref="$d1" name_km="កែវ" \
    method=burial burial_place=120101 burial_date=2026-03-20 \
    applicant_name="កែវ" applicant_relationship=child
run 0 on 2026-03-20 permit "$d1"
ok "a burial permit is issued only from a registered death, by a registrar"

# Place: an office registers events from elsewhere, and says so.
run 0 as_clerk show "$b1"
out_has "place: occurred in this office's area; usual residence in it"
# shellcheck disable=SC2086
away=$(CIVREG_NOW=2026-01-05 as_clerk register birth --new name_km="សុខ" \
    mother_name_km="ចាន់" informant_name="ចាន់" \
    $(echo "$BIRTH" | sed 's/place_of_birth=120101/place_of_birth=120109/; s/mother_residence=120101/mother_residence=010201/; s/date_of_birth=2026-10-01/date_of_birth=2026-01-01/'))
run 0 as_clerk show "$away"
out_has "place: occurred outside this office's area; usual residence outside it"
ok "the record says where the event happened and where the person lives"

# Health notices wait until a registration is linked; overdue ones stand out.
printf 'nurse-password\n' > "$T/nurse.pw"
run_in 0 "$ADMIN_PW
nurse-password
" "$CIVREG" -d "$S" -u admin user add nurse --role health
notice() {
	CIVREG_NOW=2026-01-03 CIVREG_PASSWORD_FILE=$T/nurse.pw "$CIVREG" -d "$S" \
	    -u nurse register birth_notice facility_name="Health centre" \
	    facility_place=120101 sex=female date_of_birth=2026-01-01 \
	    place_of_birth=120101 place_type=health_centre attendant=midwife \
	    birth_type=single birth_weight=3100 mother_name_km="ចាន់ សុភា" \
	    mother_residence=120101 notifier_name="ស្រី" \
	    notifier_position=midwife notice_date=2026-01-02
}
n1=$(notice); n2=$(notice)
run 0 on 2026-01-20 as_clerk queue notices
[ "$(grep -c . "$T/out")" -eq 2 ] || fail "two notices queued"
grep -q OVERDUE "$T/out" && fail "overdue too early"
run 0 on 2026-02-15 as_clerk queue notices
[ "$(grep -c "notified OVERDUE" "$T/out")" -eq 2 ] || fail "not overdue after 30 days"
# shellcheck disable=SC2086
linked=$(CIVREG_NOW=2026-01-20 as_clerk register birth --new name_km="សុខ" \
    mother_name_km="ចាន់ សុភា" informant_name="ចាន់ សុភា" notice_ref="$n1" \
    $(echo "$BIRTH" | sed 's/date_of_birth=2026-10-01/date_of_birth=2026-01-01/'))
run 0 on 2026-01-20 as_clerk queue notices
[ "$(cut -f1 "$T/out")" = "$n2" ] || fail "the linked notice is still queued"
run 0 as_clerk show "$n1"
[ "$(head -n 1 "$T/out")" = "status: linked" ] || fail "notice not linked"
grep -q "	link	linked	clerk	$linked" "$T/out" || fail "link in history"
# shellcheck disable=SC2086
run 2 on 2026-01-20 as_clerk register birth --new name_km="សុខ" \
    mother_name_km="ចាន់" informant_name="ចាន់" notice_ref="$n1" \
    $(echo "$BIRTH" | sed 's/date_of_birth=2026-10-01/date_of_birth=2026-01-01/')
err_has "notice_ref: $n1 is linked"
ok "health notices queue until a registration links them; overdue ones are marked"

run 0 on 2026-01-20 as_clerk register birth --new --from "$n2" name_km="ស្រី" \
    mother_date_of_birth=1995-01-01 mother_nationality=Khmer \
    informant_name="ចាន់ សុភា" informant_relationship=mother
fromn=$(cat "$T/out")
run 0 as_clerk show "$fromn"
out_has "birth_weight=3100"
out_has "sex=female"
out_has "mother_name_km=ចាន់ សុភា"
out_has "notice_ref=$n2"
run 0 as_clerk show "$n2"
[ "$(head -n 1 "$T/out")" = "status: linked" ] || fail "n2 not linked"
run 2 as_clerk register death --new --from "$n2" name_km="x"
err_has "is not a death_notice"
ok "a registration starts from a notice with its data copied"

# The legal periods are the store's settings.
run 0 as_clerk config
out_has "period.birth	30	default"
out_has "period.death	15	default"
run 5 as_clerk config set period.birth 45
err_has "this needs the role admin"
run 2 as_admin config set period.birth_notice 45
err_has "'period.birth_notice' is not a setting"
run 2 as_admin config set period.birth 0
err_has "period.birth: '0' is not a number of days from 1 to 3650"
run 2 as_admin config set period.birth 45x
run 0 as_admin config set period.birth 45
run 0 as_clerk config
out_has "period.birth	45	set"
b7=$(birth)
run 0 on 2026-02-15 as_reg register-record "$b7"
[ "$(cat "$T/out")" = "$b7	registered	current" ] || fail "day 45 with a 45-day period"
n3=$(notice)
run 0 on 2026-02-10 as_clerk queue notices
grep -q "^$n3	.*OVERDUE" "$T/out" && fail "overdue before the store's period"
run 0 on 2026-02-20 as_clerk queue notices
grep -q "^$n3	birth_notice	notified OVERDUE" "$T/out" || fail "not overdue after the store's period"
run 0 as_admin audit
out_has "admin	config	-	period.birth = 45 days (was 30)"
ok "the legal period is a setting of the store, for registration and notices alike"

run 0 as_admin audit "$b4"
grep -q "	reg	workflow	$b4	register: now pending-approval" "$T/out" || fail "audit register"
grep -q "	dist	workflow	$b4	approve: now registered" "$T/out" || fail "audit approve"
grep -q "	reg	denied	$b4	" "$T/out" || fail "audit denied"
run 0 as_admin verify
ok "every step is audited; the store verifies"
echo "$ntest passed, 0 failed"
