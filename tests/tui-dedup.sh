#!/bin/sh
# The review of likely duplicates on the screens, driven through tmux like
# a registrar at a VT100 (80x24): the queue reached from Queues, empty at
# first and filled by r; a pair's line; the two records side by side, the
# fields that differ marked, Khmer names lined up in columns that fit 80
# columns (in English and in Khmer); 'same' decided with a Khmer reason
# and 'different' without one, each a match_decision record that the
# command line shows, the queue emptied as `civreg dedup list` agrees, the
# person register following the 'same' decision.  A clerk cannot open the
# queue, and a national user, who may read it, may not decide: refused on
# screen, nothing changed.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
. "${TESTS_SRCDIR:-$(dirname "$0")}/replib.sh"

command -v tmux >/dev/null || { echo "no tmux: skipped"; exit 77; }

# The shape of tests/dedup.sh: a commune with a pool of identity codes.
office nat 00 national
office prov 12 province
office com 120101 commune
trust_tree nat prov com
run 0 at nat keys install "$T/keys/com.cert"
national_user nat
pool_to com 50
# At the commune: a clerk, and a national user (who reads the queue).
run_in 0 "$ADMIN_PW
$CLERK_PW
" "$CIVREG" -d "$T/com" -u admin user add clerk --role clerk
run_in 0 "$ADMIN_PW
national-password
" "$CIVREG" -d "$T/com" -u admin user add natl --role national

# Thirty children, each once; then two children registered twice.
thirty_births
a1=$(birth "សុខ សុខា" "Sokh Sokha" 2026-10-01 "ចាន់ សុភា") || fail "a1"
a2=$(birth "សុខ សុខា" "Sok Sokha" 2026-10-01 "ចាន់ សុភា") || fail "a2"
b1=$(birth "កែវ បុប្ផា" "Keo Bopha" 2026-03-14 "ស៊ុន ស្រីមុំ") || fail "b1"
b2=$(birth "កែវ បុប្ផា" "Kaev Bopha" 2026-04-14 "ស៊ុន ស្រីមុំ") || fail "b2"
ok "34 births registered, two children twice"

# The records, revisions and changes of the commune's store.
counts() { at com verify | sed -n 's/^ok: \([0-9]* records, [0-9]* revisions, [0-9]* changes\).*/\1/p'; }

. "${TESTS_SRCDIR:-$(dirname "$0")}/tuilib.sh"
TUI_DIR=$T/com
# From the main menu to the queue of duplicates, the last of the Queues
# (its name in the user's language: English unless given).
duplicates() {
	keys 3
	wait_for "${1:-Possible duplicates}"
	keys Down Down Down Down Down Down Down Enter
}
# No line wider than 80 screen columns (wc -L counts by wcwidth: a Khmer
# vowel sign or subscript takes none).
narrow() {
	w=$(screen | LANG=C.UTF-8 wc -L)
	[ "$w" -le 80 ] || { screen > "$T/out"; fail "a line of $w columns"; }
}
# Screen column where TEXT last begins on the first line matching PATTERN.
column_of() {
	_l=$(screen | grep -F -- "$1" | head -n 1)
	[ -n "$_l" ] || { screen > "$T/out"; fail "no line with: $1"; }
	printf '%s' "${_l%"$2"*}" | LANG=C.UTF-8 wc -L
}
# The second record's column starts where its id does, whatever the script
# of the values before it on the line: LINE_TEXT VALUE_B.
lined_up() {
	want=$(column_of "$id_b" "$id_b")
	got=$(column_of "$1" "$2")
	[ "$got" -eq "$want" ] || { screen > "$T/out"; fail "'$2' at column $got, its record's column is $want"; }
}

# --- the queue, empty, then filled by r -------------------------------------
login reg "$REG_PW"
duplicates
wait_for "The queue is empty: no pair waits for a decision."
narrow
keys r
wait_for "34 births compared in"
wait_for "2 likely duplicates, 2 new in the queue."
wait_for "Pairs waiting for a decision: 2."
run 0 reg_at com dedup list
[ "$(wc -l < "$T/out")" -eq 2 ] || fail "not 2 pairs"
out_has "$a1	$a2	"
out_has "$b1	$b2	"
pct=$(awk -F'\t' -v a="$a1" '$1 == a { printf "%d%%", $3 * 100 + 0.5 }' "$T/out")
line=$(screen | grep -F "$a1  $a2")
case $line in
*"$pct  $a1  $a2  សុខ សុខា Sokh Sokha "*"សុខ សុខា Sok Sokha"*) ;;
*) screen > "$T/out"; fail "the pair's line: $line (P $pct)" ;;
esac
screen | grep -qF "$b1  $b2" || fail "the second pair is not listed"
narrow
ok "an empty queue says so; r finds the two pairs, listed as dedup list has them"

# --- a pair side by side ----------------------------------------------------
keys Enter
wait_for "P(same) $pct"
wait_for "2 fields differ (*)"
screen | grep -q "^ \* Name (Latin) *Sokh Sokha  *Sok Sokha *$" ||
	{ screen > "$T/out"; fail "the Latin names are not side by side, marked"; }
screen | grep -q "^ \* ID code  *[0-9]" || fail "the two codes are not marked"
screen | grep -q "^   Name (Khmer) *សុខ សុខា  *សុខ សុខា *$" ||
	fail "the Khmer names are not side by side, unmarked"
screen | grep -q "^   Date of birth *2026-10-01  *2026-10-01 *$" ||
	fail "the dates are not side by side, unmarked"
id_b=$a2
lined_up "Name (Khmer)" "សុខ សុខា"
lined_up "Name (Latin)" "Sok Sokha"
narrow
keys Down Down Down Down Down Down Down Down Down Down Down Down Down Down
wait_for "Mother's name (Khmer)"
lined_up "Mother's name (Khmer)" "ចាន់ សុភា"
narrow
ok "the pair side by side: both names, the fields that differ marked, columns lined up in 80"

# --- 'same', with a reason --------------------------------------------------
before=$(counts)
keys s
wait_for "Reason (optional):"
text "កូនតែម្នាក់ ក្នុងសៀវភៅពីរ"
keys Enter
wait_for "are one person."
d1=$(screen | sed -n "s/^Decision \(120101-[0-9]*\): $a1 and $a2 are one person\.\$/\1/p")
[ -n "$d1" ] || { screen > "$T/out"; fail "no decision id on the message line"; }
wait_for "Pairs waiting for a decision: 1."
screen | grep -qF "$a1  $a2" && fail "the decided pair is still listed"
screen | grep -qF "$b1  $b2" || fail "the other pair is gone"
run 0 reg_at com dedup list
[ "$(wc -l < "$T/out")" -eq 1 ] || fail "dedup list does not agree"
out_has "$b1	$b2	"
run 0 reg_at com show "$d1"
out_has "kind: match_decision "
grep -qx "record_a=$a1" "$T/out" || fail "record_a"
grep -qx "record_b=$a2" "$T/out" || fail "record_b"
grep -qx "decision=same" "$T/out" || fail "decision"
printf 'reason=%s\n' "កូនតែម្នាក់ ក្នុងសៀវភៅពីរ" > "$T/want"
grep -qxF -f "$T/want" "$T/out" || fail "the Khmer reason is not stored byte-exact"
c1=$(reg_at com show "$a1" | sed -n 's/^kidc=//p')
[ -n "$c1" ] || fail "no code for $a1"
grep -qx "kidc=$c1" "$T/out" || fail "the decision does not keep the first code"
run 0 reg_at com person "$c1"
out_has "$a1	"
out_has "$a2	"
out_has "$d1	"
after=$(counts)
[ "$after" != "$before" ] || fail "nothing was stored"
ok "'same' with a Khmer reason: a decision record, the pair gone, the person register follows"
$TM kill-server

# --- a clerk cannot open the queue ------------------------------------------
before=$(counts)
login clerk "$CLERK_PW"
duplicates
wait_for "may not find duplicate records"
screen | head -n 1 | grep -qF "Queues" || fail "the clerk left the Queues screen"
screen | grep -qF "$b1" && fail "the clerk sees the pair"
run 0 reg_at com dedup list
[ "$(wc -l < "$T/out")" -eq 1 ] || fail "the queue changed"
run 0 at com audit
grep "clerk" "$T/out" | grep -q "denied" || fail "the refusal is not audited"
$TM kill-server
[ "$(counts)" = "$before" ] || fail "the clerk changed the store"
ok "a clerk cannot open the queue: refused, audited, nothing changed"

# --- a national user reads the queue but may not decide ---------------------
login natl national-password
duplicates
wait_for "$b1  $b2"
keys Enter
wait_for "P(same)"
keys s
wait_for "Reason (optional):"
text "not mine to say"
keys Enter
wait_for "may not declare"
wait_for "P(same)"			# still on the pair
run 0 reg_at com dedup list
[ "$(wc -l < "$T/out")" -eq 1 ] || fail "the queue changed"
$TM kill-server
[ "$(counts)" = "$before" ] || fail "a refused decision changed the store"
ok "a role that may not declare a decision is refused on the pair screen; nothing changed"

# --- in Khmer: labels and names line up in 80 columns ------------------------
khmer_title() { screen | head -n 1 | grep -q "$(printf '\341\236')"; }
login reg "$REG_PW"
keys 5
i=0
until khmer_title; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no Khmer after the toggle"; sleep 0.05
done
duplicates "កំណត់ត្រាដែលអាចស្ទួនគ្នា"
wait_for "$b1  $b2"
narrow
keys Enter
wait_for "$b2"
wait_for "ឈ្មោះ (ខ្មែរ)"
screen | grep -q "P(same)" && fail "the pair screen stayed in English"
id_b=$b2
lined_up "ឈ្មោះ (ខ្មែរ)" "កែវ បុប្ផា"
lined_up "Kaev Bopha" "Kaev Bopha"
narrow
keys Down Down Down Down Down Down Down Down Down Down Down Down Down Down
wait_for "ឈ្មោះម្ដាយ (ខ្មែរ)"
lined_up "ឈ្មោះម្ដាយ (ខ្មែរ)" "ស៊ុន ស្រីមុំ"
narrow
keys Escape Escape Escape 5
wait_for "Declare an event or notice"
ok "in Khmer, the pair's labels and names line up and fit 80 columns"

# --- 'different', without a reason -----------------------------------------
duplicates
wait_for "$b1  $b2"
keys Enter
wait_for "P(same)"
keys d
wait_for "Reason (optional):"
keys Escape
wait_for "Nothing declared."
wait_gone "Reason (optional):"
keys d
wait_for "Reason (optional):"
keys Enter
wait_for "are two people."
d2=$(screen | sed -n "s/^Decision \(120101-[0-9]*\): $b1 and $b2 are two people\.\$/\1/p")
[ -n "$d2" ] || { screen > "$T/out"; fail "no decision id on the message line"; }
wait_for "The queue is empty: no pair waits for a decision."
run 0 reg_at com dedup list
[ ! -s "$T/out" ] || fail "dedup list still lists pairs"
run 0 reg_at com show "$d2"
grep -qx "decision=different" "$T/out" || fail "decision"
grep -qx "record_a=$b1" "$T/out" || fail "record_a"
grep -q "^reason=" "$T/out" && fail "an empty reason was stored"
keys r
wait_for "0 likely duplicates, 0 new in the queue."
wait_for "The queue is empty: no pair waits for a decision."
ok "'different' without a reason (Esc first declares nothing); the queue is empty and stays so"
$TM kill-server
echo "$ntest passed, 0 failed"
