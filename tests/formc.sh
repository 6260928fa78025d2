#!/bin/sh
# The form compiler refuses bad forms with FILE:LINE: message and writes
# nothing: here the Khmer labels of choice values (values_km=) -- only on
# choice fields, one per value, valid UTF-8, none empty, given once --
# and a good form compiles with its labels in the generated table.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

FORMC=${FORMC:?FORMC must name tools/formc (make check sets it)}

# form NAME FIELD-LINE: writes $T/NAME.form, a form with that one field.
form() {
	mkdir -p "$T/f"
	cat > "$T/f/$1.form" <<FORM
# a test form
form $1
code 1
class event
title "សាកល្បង" "Test"
roles clerk
$2
FORM
}
# refused NAME MESSAGE: formc fails on $T/f/NAME.form with MESSAGE at line 7.
refused() {
	run 1 "$FORMC" "$T/f/$1.form"
	err_has "$T/f/$1.form:7: $2"
	[ ! -s "$T/out" ] || fail "$1: a refused form produced output"
}

form good 'field sex choice required "ភេទ" "Sex" values=male,female values_km=ប្រុស,ស្រី'
run 0 "$FORMC" "$T/f/good.form"
out_has 'static const char *const k_good_sex[] = { "\341\236\224\341\237\222\341\236\232\341\236\273\341\236\237", "\341\236\237\341\237\222\341\236\232\341\236\270", NULL };'
out_has 'v_good_sex, k_good_sex,'
form plain 'field sex choice required "ភេទ" "Sex" values=male,female'
run 0 "$FORMC" "$T/f/plain.form"
out_has 'v_plain_sex, NULL,'
ok "a choice field compiles with or without Khmer labels"

form notchoice 'field name text required "ឈ្មោះ" "Name" values_km=ក,ខ'
refused notchoice "values_km= is only for choice fields"
form fewer 'field sex choice required "ភេទ" "Sex" values=male,female values_km=ប្រុស'
refused fewer "values_km= has 1 label(s) but values= has 2 value(s): give one Khmer label per value, in the same order"
form more 'field sex choice required "ភេទ" "Sex" values=male,female values_km=ប្រុស,ស្រី,មិនកំណត់'
refused more "values_km= has 3 label(s) but values= has 2 value(s)"
form first 'field sex choice required "ភេទ" "Sex" values_km=ប្រុស values=male,female'
refused first "values_km= has 1 label(s) but values= has 2 value(s)"
ok "values_km= is refused on other fields and with a count unlike values="

form empty 'field sex choice required "ភេទ" "Sex" values=male,female,other values_km=ប្រុស,,ផ្សេងៗ'
refused empty "values_km= label 2 is empty"
form trailing 'field sex choice required "ភេទ" "Sex" values=male,female values_km=ប្រុស,'
refused trailing "values_km= label 2 is empty"
form none 'field sex choice required "ភេទ" "Sex" values=male,female values_km='
refused none "values_km= label 1 is empty"
form bad 'field sex choice required "ភេទ" "Sex" values=male,female values_km=ប្រុស,'"$(printf '\377\376')"
refused bad "values_km= label 2 is not valid UTF-8 text"
form cut 'field sex choice required "ភេទ" "Sex" values=male,female values_km=ប្រុស,'"$(printf '\341\236')"
refused cut "values_km= label 2 is not valid UTF-8 text"
form twice 'field sex choice required "ភេទ" "Sex" values=male,female values_km=ប្រុស,ស្រី values_km=ប្រុស,ស្រី'
refused twice "values_km= given twice for field 'sex'"
ok "an empty, truncated or invalid UTF-8 label, or labels given twice, are refused"

# issue FIELD: the optional kidc field of an event form that registration
# fills.  The directive comes after its field here (line 8), so that the
# refusal names line 8.
issue_form() {
	form "$1" "$2"
	printf '%s\n' "$3" >> "$T/f/$1.form"
}
issue_form isgood 'field kidc kidc optional "លេខ" "ID code"' 'issue kidc'
run 0 "$FORMC" "$T/f/isgood.form"
out_has '"clerk", NULL, NULL, NULL, "kidc",'
issue_form istext 'field kidc text optional "លេខ" "ID code"' 'issue kidc'
run 1 "$FORMC" "$T/f/istext.form"
err_has "$T/f/istext.form:8: issue names 'kidc', which is not an optional kidc field (registration fills it)"
issue_form isreq 'field kidc kidc required "លេខ" "ID code"' 'issue kidc'
run 1 "$FORMC" "$T/f/isreq.form"
err_has "issue names 'kidc', which is not an optional kidc field"
issue_form isnone 'field kidc kidc optional "លេខ" "ID code"' 'issue code'
run 1 "$FORMC" "$T/f/isnone.form"
err_has "issue names 'code', which is not an optional kidc field"
sed 's/^class event/class workflow/' "$T/f/isgood.form" > "$T/f/iswf.form"
sed -i 's/^form isgood/form iswf/' "$T/f/iswf.form"
run 1 "$FORMC" "$T/f/iswf.form"
err_has "issue is only for event forms"
ok "issue names an optional kidc field of an event form, or the form is refused"

# person km=FIELD ...: a person the form is about, by fields of the right
# types (line 8 again).
issue_form pgood 'field nm name_km required "ឈ្មោះ" "Name"' \
    'person km=nm'
run 0 "$FORMC" "$T/f/pgood.form"
out_has '{ "nm", NULL, NULL, NULL, NULL, NULL },'
out_has 'f_pgood, 1, p_pgood'
issue_form pnokm 'field nm name_km required "ឈ្មោះ" "Name"' \
    'person latin=nm'
run 1 "$FORMC" "$T/f/pnokm.form"
err_has "$T/f/pnokm.form:8: person: km= (the person's Khmer name field) is needed"
issue_form ptype 'field nm text required "ឈ្មោះ" "Name"' 'person km=nm'
run 1 "$FORMC" "$T/f/ptype.form"
err_has "$T/f/ptype.form:8: person: km=nm is a text field, not name_km"
issue_form pnone 'field nm name_km required "ឈ្មោះ" "Name"' \
    'person km=nm born=dob'
run 1 "$FORMC" "$T/f/pnone.form"
err_has "person: born=dob is not a field of this form"
issue_form pword 'field nm name_km required "ឈ្មោះ" "Name"' \
    'person km=nm age=nm'
run 1 "$FORMC" "$T/f/pword.form"
err_has "person: 'age=nm' is not km=, latin=, kidc=, born=, mother= or father= FIELD"
issue_form pmom 'field nm name_km required "ឈ្មោះ" "Name"' \
    'person km=nm mother=nm mother=nm'
run 1 "$FORMC" "$T/f/pmom.form"
err_has "person: mother= given twice"
ok "a person line names fields of the right types, or the form is refused"

# The forms of the tree compile, and every choice has its labels.
run 0 "$FORMC" "$TOP_SRCDIR"/forms/*.form
n=$(grep -c '^static const char \*const v_' "$T/out")
k=$(grep -c '^static const char \*const k_' "$T/out")
[ "$n" -gt 50 ] && [ "$n" -eq "$k" ] ||
	fail "$n choice fields but $k with Khmer labels"
ok "the $n choice fields of forms/ all have Khmer labels"
echo "$ntest passed, 0 failed"
