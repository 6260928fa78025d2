#!/bin/sh
# The screens, driven through tmux like a clerk at a VT100 (80x24, no
# colour, no function keys): log in, fill in forms with Khmer and Latin
# text, edit inside a Khmer word, impossible dates, drafts after Esc and
# after a killed terminal, search, and every form opened and saved.
# What was stored is checked through the command line, byte for byte;
# choices in Khmer show their Khmer labels and keep their keys.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

command -v tmux >/dev/null || { echo "no tmux: skipped"; exit 77; }
make_store
printf 'registrar-password\n' > "$T/reg.pw"
run_in 0 "$ADMIN_PW
registrar-password
" "$CIVREG" -d "$S" -u admin user add reg --role registrar
if [ -d "$SHARED_DATA/gazetteer" ]; then
	run 0 as_admin gazetteer load "$SHARED_DATA/gazetteer"
fi

. "${TESTS_SRCDIR:-$(dirname "$0")}/tuilib.sh"

login clerk "$CLERK_PW"
wait_for "Declare an event or notice"
screen | awk 'length > 80 { exit 1 }' || fail "wider than 80 columns"
[ "$(screen | wc -l)" -le 24 ] || fail "taller than 24 lines"
ok "log in at 80x24 with TERM=vt100"

$TM resize-window -t =t: -x 100 -y 30
i=0
until [ "$(screen | sed -n 30p | cut -c1-8)" = " Up/Down" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { screen > "$T/out"; fail "no redraw at 100x30"; }
	sleep 0.05
done
$TM resize-window -t =t: -x 60 -y 20
wait_for "The terminal is too small"
$TM resize-window -t =t: -x 80 -y 24
wait_for "Declare an event or notice"
ok "redraws when the terminal is resized, and says when it is too small"

keys '?'
wait_for "The main menu lists what your role may do"
sleep 1		# idle ticks (every 0.3 s) must not close the help
screen | grep -qF "The main menu lists what your role may do" ||
	fail "the help closed by itself"
keys x
wait_for "Declare an event or notice"
keys 1
wait_for "birth "
keys '?'
wait_for "The forms your role may fill in"
keys x C-g
wait_for "Declare an event or notice"
ok "? shows help on each screen; Ctrl-G goes back"

# The Khmer toggle: the menu in Khmer, remembered at the next login.
khmer_title() { screen | head -n 1 | grep -q "$(printf '\341\236')"; }
keys 5
i=0
until khmer_title; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no Khmer after the toggle"; sleep 0.05
done
screen | grep -q "Declare an event" && fail "the menu stayed in English"
$TM kill-server
start clerk
wait_for "Password:"
text "$CLERK_PW"
keys Enter
i=0
until khmer_title; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the language was not remembered"; sleep 0.05
done
keys 5
wait_for "Declare an event or notice"
ok "labels switch to Khmer and back; the choice is remembered per user"

keys 1
wait_for "birth "
keys Enter
wait_for "Name (Khmer) *"
wait_for "issued at registration"	# the child's ID code: Tab passes it
# Type ដារា, step back over the last vowel and add a mark to រ.
text "សុខ ដារា"
keys Left
text "៉"
keys Tab
text "Sok Dara"
keys Tab Enter Enter		# sex: pick the first value (male)
text "2026-02-30"
wait_for "is not a real date: February 2026 has 28 days"
ok "an impossible date is refused with its message as it is typed"

keys C-k
text "2026-11-03"
keys Tab Tab
keys Escape
wait_for "The form was kept as a draft."
keys Escape
wait_for "Main menu"
keys 1
wait_for "birth "
keys Enter
wait_for "An unfinished copy of this form was kept"
keys Enter
wait_for "Draft restored."
wait_for "សុខ ដារ៉ា"
wait_for "2026-11-03"
ok "Esc, then reopening, restores the draft"

# Kill the terminal in the middle of the form: nothing typed is lost.
top_field() { i=0; while [ $i -lt 40 ]; do keys Up; i=$((i + 1)); done; }
top_field
keys Tab Tab Tab Tab		# the time of birth
text "10:30"
keys Tab
wait_for "(draft kept)"
$TM kill-server
login clerk "$CLERK_PW"
keys 1
wait_for "birth "
keys Enter
wait_for "An unfinished copy of this form was kept"
keys Enter
wait_for "Sok Dara"
wait_for " 10:30"
ok "a killed terminal loses nothing: the draft is offered at the next login"

keys C-x
wait_for "Not saved: correct the marked fields (place_of_birth: required"
wait_for "required: fill it in"
run 0 as_clerk search Dara
[ ! -s "$T/out" ] || fail "a refused form stored something"
ok "saving an incomplete form is refused: reasons beside the fields, nothing stored"

# save_new ID: Ctrl-X; every person the register seems to hold already
# is someone new (the last line of each list), until saved as ID.
save_new() {
	keys C-x
	i=0 asked=
	until screen | grep -qF "Saved as $1."; do
		t=$(screen | grep -F "Already in the register?" || true)
		if [ -n "$t" ] && [ "$t" != "$asked" ]; then
			asked=$t
			keys C-v Enter
		fi
		i=$((i + 1))
		[ $i -lt 300 ] || { screen > "$T/out"; fail "never saved as $1"; }
		sleep 0.05
	done
}

# Fill the rest and save.
fill() {	# fill FORM: types a valid value into every required field
	"$CIVREG" forms "$1" > "$T/fields"
	while IFS='	' read -r key type req values; do
		[ "$req" = issued ] && continue		# Tab passes it
		if [ "$req" != required ] || grep -qx "$key" "$T/skip" 2>/dev/null; then
			keys Tab
			continue
		fi
		case $type in
		name_km)	text "សុខា"; keys Tab ;;
		name_latin)	text "Sokha"; keys Tab ;;
		khmer)		text "ខ្មែរ"; keys Tab ;;
		text)
			case $key in
			field_name)	text facility_name ;;	# of a birth
			*)		text "AB1234567" ;;
			esac
			keys Tab ;;
		date)		text "2026-11-01"; keys Tab ;;
		time)		text "10:30"; keys Tab ;;
		kidc)		text "2938 4756 1021"; keys Tab ;;
		ref)
			case $key in	# a duplicate decision names two records
			record_b)	text 120101-00000003 ;;
			*)		text "$REF" ;;
			esac
			keys Tab ;;
		number)
			case $key in
			*weight*)	text 3000 ;;
			*gestation*)	text 30 ;;
			*)		text 1 ;;
			esac
			keys Tab ;;
		choice)		keys Enter Enter ;;
		place)
			if [ -d "$SHARED_DATA/gazetteer" ] && [ -z "${TYPED_PLACES:-}" ]; then
				keys Enter Enter Enter Enter
			else
				text 120101; keys Tab
			fi ;;
		esac
	done < "$T/fields"
}
# The first four fields are filled already; skip them.
printf 'name_km\nname_latin\nsex\ndate_of_birth\ntime_of_birth\n' > "$T/skip"

top_field
REF=
fill birth
rm -f "$T/skip"
keys C-x
wait_for "Saved as 120101-00000001."
ok "a birth is saved from the screen"

run 0 as_clerk show 120101-00000001
printf 'name_km=\341\236\237\341\236\273\341\236\201 \341\236\212\341\236\266\341\236\232\341\237\211\341\236\266\n' > "$T/want"
grep -qxF -f "$T/want" "$T/out" || fail "the stored Khmer name is not byte-exact"
grep -qx "name_latin=Sok Dara" "$T/out" || fail "Latin name"
grep -qx "date_of_birth=2026-11-03" "$T/out" || fail "date"
ok "the Khmer typed and edited on screen is stored byte-exact"

keys Escape Escape
wait_for "Main menu"
keys 2
wait_for "Find:"
text "sok dar"
wait_for " 95%  120101-00000001"
text "a"
wait_for "100%  120101-00000001"
text "x"
wait_for "0 found"
keys BSpace
wait_for "100%  120101-00000001"
keys Enter
wait_for "Audit trail:"
wait_for "History:"
ok "search finds the record as you type, with its score, and opens it"
$TM kill-server

# Two terminals: a record named in a correction form being filled in at
# one is shown as being edited at the other.
login clerk "$CLERK_PW"
keys 1
wait_for "correction"
i=0
while [ $i -lt 13 ]; do keys Down; i=$((i + 1)); done
keys Enter
wait_for "Record to correct"
text 120101-00000001
keys Tab
$TM new-session -d -s u -x 80 -y 24 \
    "env LANG=C.UTF-8 TERM=vt220 CIVREG_NOW=$CIVREG_NOW $CIVREG -d $S -u reg 2>>$T/civreg.err"
u_gone() {	# the second terminal's civreg has exited: say what it wrote
	cp "$T/civreg.err" "$T/err" 2>/dev/null || true
	fail "the second terminal's civreg exited ($1)"
}
u_screen() { $TM capture-pane -p -t =u: 2>/dev/null; }
on_u() {	# on_u TEXT: waits for TEXT on the second terminal
	i=0
	until u_screen | grep -qF -- "$1"; do
		$TM has-session -t =u: 2>/dev/null || u_gone "waiting for: $1"
		i=$((i + 1))
		[ $i -lt 200 ] || { u_screen > "$T/out"; fail "second terminal never showed: $1"; }
		sleep 0.05
	done
}
u_keys() { $TM send-keys -t =u: "$@" 2>/dev/null || u_gone "sending: $*"; }
on_u "Password:"
u_keys -l registrar-password
u_keys Enter
on_u "Main menu"
u_keys 4
u_keys -l 120101-00000001
u_keys Enter
on_u "Being edited at another terminal by: clerk (correction)"
ok "a record being edited at one terminal is shown as such at another"
keys Escape			# the clerk leaves the form: the lease goes
wait_for "Declare"
u_keys Escape
on_u "Main menu"
u_keys 4
u_keys -l 120101-00000001
u_keys Enter
on_u "History:"
u_screen | grep -q "Being edited" && fail "the lease outlived the form"
ok "leaving the form releases the record"

# The registrar moves the record on from its screen.
u_keys r
on_u "Reason, if late:"
u_keys Enter
# This office has no pool of identity codes: the code will come later.
on_u "120101-00000001 is now registered, without an identity code: the pool is empty;"
on_u "Status: registered"
u_keys j
on_u "Reason (required):"
u_keys -l "wrong name"
u_keys Enter
on_u "is registered: 'reject' applies only to"
run 0 as_clerk show 120101-00000001
[ "$(head -n 1 "$T/out")" = "status: registered" ] || fail "not registered"
out_has "_timeliness=current"
ok "a registrar registers from the record screen; refused steps say why"
$TM kill-server

# Every form opens and saves a valid sample record (as a registrar, who
# may fill in every form).
login reg registrar-password
keys 1
wait_for "birth "
keys Enter
wait_for "Name (Khmer) *"
REF=120101-00000001
TYPED_PLACES=1	# the pick list is exercised above; here codes are typed
n=0
for form in $("$CIVREG" forms | cut -f1); do
	if [ "$form" = burial_permit ]; then
		# A permit needs a registered death: register the one saved.
		run 0 env CIVREG_PASSWORD_FILE="$T/reg.pw" "$CIVREG" -d "$S" -u reg \
		    register-record "$death_id" --reason "family far away"
		REF=$death_id
	fi
	if [ "$form" = appeal ]; then
		# An appeal names a refusal: reject the birth saved above.
		run 0 env CIVREG_PASSWORD_FILE="$T/reg.pw" "$CIVREG" -d "$S" -u reg \
		    reject 120101-00000002 --reason "misspelt"
		REF=120101-00000002
	fi
	fill "$form"
	n=$((n + 1))
	id=$(printf '120101-%08d' $((n + 1)))
	if [ "$form" = death ]; then
		# The deceased, សុខា, was born here (the birth saved above):
		# shown before saving; Esc goes back, the match links.
		keys C-x
		wait_for "Already in the register? Name (Khmer): សុខា"
		wait_for " 80%  120101-00000002  Live birth declared  សុខា  2026-11-01  សុខា"
		wait_for "None of these: a person not in the register"
		keys Escape
		wait_for "Not saved: the form is as you left it."
		run 3 env CIVREG_PASSWORD_FILE="$T/reg.pw" "$CIVREG" -d "$S" \
		    -u reg show "$id"
		keys C-x
		wait_for "Already in the register? Name (Khmer): សុខា"
		keys Enter
		wait_for "Saved as $id."
		run 0 env CIVREG_PASSWORD_FILE="$T/reg.pw" "$CIVREG" -d "$S" \
		    -u reg dedup list
		out_has "120101-00000002	$id	"
		ok "a person likely in the register is shown before saving; Esc keeps the form, a match links"
	else
		save_new "$id"
	fi
	run 0 env CIVREG_PASSWORD_FILE="$T/reg.pw" "$CIVREG" -d "$S" -u reg show "$id"
	grep -q "^kind: $form " "$T/out" || fail "$id is not a $form"
	[ "$form" = death ] && death_id=$id
	REF=120101-00000001
	keys Escape
	wait_for "Declare"
	[ "$n" -lt 19 ] && keys Down Enter
done
[ "$n" -eq 19 ] || fail "only $n forms"
ok "every one of the 19 form screens opens and saves a valid record"
$TM kill-server

# A health notice starts its declaration, with the data copied.
printf 'nurse-password\n' > "$T/nurse.pw"
run_in 0 "$ADMIN_PW
nurse-password
" "$CIVREG" -d "$S" -u admin user add nurse --role health
run 0 env CIVREG_PASSWORD_FILE="$T/nurse.pw" "$CIVREG" -d "$S" -u nurse \
    register birth_notice facility_name="Health centre" facility_place=120101 \
    sex=female date_of_birth=2026-11-10 place_of_birth=120101 \
    place_type=health_centre attendant=midwife birth_type=single \
    birth_weight=3100 mother_name_km="ចាន់ សុភា" mother_residence=120101 \
    notifier_name="ស្រី" notifier_position=midwife notice_date=2026-11-11
nid=$(cat "$T/out")
login reg registrar-password
keys 4
text "$nid"
keys Enter
wait_for "Record: $nid"
keys d
wait_for "Copied from the notice"
wait_for "Live birth"
wait_for "female"
i=0
while [ $i -lt 40 ]; do keys Down; i=$((i + 1)); done	# no PageDown on a VT100
wait_for "$nid"
ok "a health notice starts its declaration on screen, with the data copied"
$TM kill-server

# A rejected declaration is amended on its form and declared again.
# shellcheck disable=SC2086
run 0 as_clerk register birth --new name_km="សុខ" mother_name_km="ចាន់" \
    informant_name="ចាន់" $(echo "$BIRTH" | sed 's/2026-10-01/2026-11-10/')
rid=$(cat "$T/out")
run 0 env CIVREG_PASSWORD_FILE="$T/reg.pw" "$CIVREG" -d "$S" -u reg \
    reject "$rid" --reason "the child's name is misspelt"
login clerk "$CLERK_PW"
keys 4
text "$rid"
keys Enter
wait_for "Status: rejected"
keys e
wait_for "amending $rid"
keys C-k
text "សុខា"
keys C-x
wait_for "Saved as $rid."
wait_for "Status: declared"
wait_for "name_km: សុខ -> សុខា"
run 0 as_clerk show "$rid"
out_has "name_km=សុខា"
out_has "	amend	declared	clerk	amended: name_km"
ok "a rejected declaration is amended on its form; the old name stays in history"
$TM kill-server

# Choices in Khmer: the pick list and the field show the Khmer labels,
# typing finds a value by its label or its key, the key is what is kept.
login clerk "$CLERK_PW"
keys 5
i=0
until khmer_title; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no Khmer after the toggle"; sleep 0.05
done
keys 1
wait_for "birth "
keys Enter
wait_for "ភេទ *"
keys Tab Tab Enter		# sex
wait_for "ប្រុស"
wait_for "ស្រី"
screen | grep -q "female" && fail "the pick list shows the keys in Khmer"
text "ប្រ"
wait_gone "ស្រី"
keys Enter
wait_for "ប្រុស"
keys Up Enter
wait_for "ស្រី"
text "fem"
wait_gone "ប្រុស"
keys Enter
wait_for "ស្រី"
screen | grep -q "female" && fail "the field shows the key in Khmer"
ok "a Khmer choice list shows the labels and is filtered by label or key"

keys Escape Escape 5
wait_for "Declare an event or notice"
keys 1
wait_for "birth "
keys Enter
wait_for "An unfinished copy of this form was kept"
keys Enter
wait_for "Draft restored."
wait_for "female"
keys Escape
run 0 as_clerk forms birth
grep -qx "sex	choice	required	male,female" "$T/out" ||
	fail "civreg forms changed"
ok "the value picked by its Khmer label is kept as its key (female)"
$TM kill-server
echo "$ntest passed, 0 failed"
