#!/bin/sh
# The exchange screens, driven through tmux at 80x24 on a VT100: export
# from a commune's screen, import at the province's screen with the
# summary, a tampered file rejected with its reason, a conflict made by
# editing one record at both offices and resolved from the conflict
# queue, checked through the command line; push to a host that does not
# answer says so; roles.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
. "${TESTS_SRCDIR:-$(dirname "$0")}/replib.sh"

command -v tmux >/dev/null || { echo "no tmux: skipped"; exit 77; }

office nat 00 national
office prov 12 province
office c1 120101 commune
trust_tree nat prov c1
USB=$T/usb
mkdir -p "$USB"
printf 'clerk-password-1\n' > "$T/clerk.pw"
run_in 0 "$ADMIN_PW
$CLERK_PW
" "$CIVREG" -d "$T/c1" -u admin user add clerk --role clerk

birth_at() {	# birth_at OFFICE NAME: a registered birth; prints its id
	# shellcheck disable=SC2086
	_id=$(reg_at "$1" register birth name_km="$2" mother_name_km="ចាន់" \
	    informant_name="ចាន់" $(echo "$BIRTH" | sed 's/2026-10-01/2026-11-10/'))
	reg_at "$1" register-record "$_id" > /dev/null
	echo "$_id"
}
content() { reg_at "$1" show "$2" | sed '/^history:/,$d'; }

. "${TESTS_SRCDIR:-$(dirname "$0")}/tuilib.sh"
TUI_ENV="CIVREG_EXCHANGE_DIR=$USB"
start() { TUI_DIR=$T/$1; tui_start "$2"; }	# start OFFICE USER
login() { TUI_DIR=$T/$1; tui_login "$2" "$3"; }	# login OFFICE USER PW
narrow() { screen | awk 'length > 80 { exit 1 }' || { screen > "$T/out"; fail "wider than 80 columns"; }; }

# --- export from the commune's screen --------------------------------------
b1=$(birth_at c1 "សុខ")
login c1 reg "$REG_PW"
wait_for "9  Exchange with other offices"
keys 9
wait_for "Files go to and come from: $USB"
keys 1
wait_for "Export to another office"
wait_for "12         province   certified by 00"
narrow
screen | grep -q "To office: *12 *$" || { screen > "$T/out"; fail "the parent is not chosen"; }
keys Enter Enter
wait_for "File 1 to office 12: 2 revisions"
wait_for "$USB/120101-to-12-000001.crf"
[ -f "$USB/120101-to-12-000001.crf" ] || fail "no file written"
wait_for "Exported: file 1 to office 12."
narrow
ok "the commune exports for its province from the screen: the file and its counts are shown"

keys Up Tab
wait_for "To office:     00"
keys C-u
text "999"
keys C-x
wait_for "Nothing was exported:"
wait_for "'999' is not an office code"
keys C-u
text "1299"
keys C-x
wait_for "Nothing was exported:"
wait_for "no certified key of office 1299 is known here"
keys Escape Escape
wait_for "Main menu"
ok "a wrong office code: nothing exported, the reason shown"

# --- import at the province's screen ------------------------------------------
login prov reg "$REG_PW"
keys 9 2
wait_for "Import files from other offices"
wait_for "120101-to-12-000001.crf"
wait_for "from 120101"
wait_for "1 files, 1 for this office."
narrow
keys a
wait_for "Import summary"
wait_for "Revisions: 2 applied, 0 skipped, 0 conflicts"
wait_for "Files: 1 imported, 0 receipts, 0 imported before, 0 rejected"
wait_for "file 1 from office 120101: 2 applied, 0 skipped, 0 conflicts"
wait_for "12-receipt-120101-000001.crf"
narrow
[ "$(content prov "$b1")" = "$(content c1 "$b1")" ] || fail "the province's copy differs"
[ -f "$USB/12-receipt-120101-000001.crf" ] || fail "no receipt written"
ok "the province imports from the screen; the summary gives the totals and the receipt"

keys Escape
wait_for "imported"
wait_for "our receipt for 120101"

# A tampered file: the next export with one byte changed.
birth_at c1 "ដារ៉ា" > /dev/null
run 0 reg_at c1 export --to 12 --out "$T"
good=$T/120101-to-12-000002.crf
cp "$good" "$USB/120101-to-12-000002.crf"
flip "$USB/120101-to-12-000002.crf" 300
cmp -s "$good" "$USB/120101-to-12-000002.crf" && fail "not tampered"
before=$(at prov verify | sed -n 's/^ok: \([0-9]*\) records.*/\1/p')
keys C-r
wait_for "120101-to-12-000002.crf"
keys a
wait_for "Import summary"
wait_for "Revisions: 0 applied, 0 skipped, 0 conflicts"
wait_for "Files: 0 imported, 0 receipts, 0 imported before, 1 rejected"
wait_for "120101-to-12-000002.crf            rejected"
wait_for "1 of 1 files rejected: see why below."
wait_for "A rejected file changed nothing; a copy and the reason are in"
wait_for "prov/rejected."
narrow
run 0 reg_at prov import "$good"	# the same file, whole, via the CLI
out_has "2 applied"
screen > "$T/scr"
reason=$(cat "$T/prov/rejected/120101-to-12-000002.crf.reason")
[ -n "$reason" ] || fail "no reason kept"
# The reason, as the screen wraps it, is all there.
tr -s ' \n' '  ' < "$T/scr" | grep -qF "$(echo "$reason" | cut -c1-30)" ||
    fail "the screen does not give the reason: $reason"
[ "$(at prov verify | sed -n 's/^ok: \([0-9]*\) records.*/\1/p')" = "$((before + 1))" ] ||
    fail "the tampered file applied something"
ok "a tampered file is rejected with its reason, nothing applied"
keys Escape
wait_for "rejected"
keys Up Up Up Down Enter	# the file imported before, again
wait_for "Files: 0 imported, 0 receipts, 1 imported before, 0 rejected"
wait_for "120101-to-12-000001.crf            already imported: skipped"
wait_for "file 1 from office 120101 was imported already"
ok "a file imported before is skipped, and says so"
keys Escape
wait_for "imported before"
keys Escape Escape
wait_for "Main menu"

# --- a conflict: the same record changed at both offices ----------------------
run 0 reg_at prov export --to 120101 --out "$T"
run 0 reg_at c1 import "$(cut -f1 "$T/out")"
run 0 reg_at c1 certify "$b1"
run 0 reg_at prov archive "$b1"
run 0 reg_at c1 export --to 12 --out "$USB"
f=$(cut -f1 "$T/out")
keys 3
wait_for "Conflicts between offices"
keys Down Down Down Down Down Down Enter
wait_for "(no conflict between offices)"
keys Escape Escape
wait_for "Main menu"
keys 9 2
wait_for "$(basename "$f")"
keys a
wait_for "Revisions: 0 applied, 4 skipped, 1 conflicts"
wait_for "Files: 1 imported, 0 receipts, 1 imported before, 1 rejected"
wait_for "The conflicts wait in the queue Conflicts between offices."
keys Escape Escape 4
wait_for "$b1  birth        here 3 archived    other 3 certified  by reg"
narrow
ok "an import that meets a concurrent change says so; the record is in the conflict queue"

keys Enter
wait_for "Conflict between offices"
wait_for "This office (local)"
wait_for "* Status"
screen | grep "Status" | grep -q "archived *certified" ||
    { screen > "$T/out"; fail "the statuses are not side by side"; }
screen | grep -q "^\* Revision" && fail "the revision line is marked as a difference"
narrow
ok "Enter shows the two revisions side by side, the differences marked"

keys '?'
wait_for "l keeps this office's revision, o keeps the other office's"
keys Escape
wait_for "This office (local)"
keys o
wait_for "Reason (optional):"
keys Escape
wait_gone "Reason (optional):"
keys o
wait_for "Reason (optional):"
text "the certificate was issued"
keys Enter
wait_for "$b1 resolved: revision 4 keeps the other office's (certified)."
wait_for "(no conflict between offices)"
run 0 reg_at prov conflicts
[ -s "$T/out" ] && fail "still in conflict"
run 0 reg_at prov show "$b1"
out_has "status: certified"
out_has "revision: 4"
out_has "the certificate was issued"
ok "o resolves keeping the other office's revision, with the reason; the CLI agrees"

# --- push: a host that does not answer -----------------------------------------
run 0 reg_at prov export --to 120101 --out "$USB"
keys Escape 3
wait_for "Push files over the network (SSH)"
wait_for "* 12-to-120101-000002.crf           ours, for 120101"
wait_for "[user@]host[:port]"
narrow
keys Tab
text "nobody@127.0.0.1:1"
keys Enter
wait_for "Push summary"
wait_for "not sent"
wait_for "The connection failed:"
wait_for "Connection refused"
narrow
ok "push to a host that does not answer: not sent, and why"
keys Escape Escape Escape
wait_for "Main menu"
keys 8
sleep 0.2

# --- identity codes: an allocation imported, a code issued ---------------------
# Both births registered at the commune wait for codes: it has no pool.
run 0 reg_at c1 kidc stats
out_has "registrations waiting	2"
run 0 at nat keys install "$T/keys/c1.cert"
printf 'national-password\n' > "$T/nat.pw"
run_in 0 "$ADMIN_PW
national-password
" "$CIVREG" -d "$T/nat" -u admin user add natl --role national
natl() { CIVREG_PASSWORD_FILE=$T/nat.pw "$CIVREG" -d "$T/nat" -u natl "$@"; }
run 0 natl kidc generate --count 20
run 0 natl kidc allocate --to 120101 --count 20 --out "$USB"
login c1 reg "$REG_PW"
keys 9 2
wait_for "00-codes-to-120101-000001.crf     identity codes from 00"
narrow
keys a
wait_for "00-codes-to-120101-000001.crf      identity codes imported"
wait_for "allocation 1 from office 00: 20 identity codes; 2 waiting"
narrow
[ -n "$(reg_at c1 show "$b1" | sed -n 's/^kidc=//p')" ] || fail "b1 has no code"
ok "an allocation of identity codes is imported from the screen; waiting births get codes"

keys Escape Escape Escape
wait_for "Main menu"
# shellcheck disable=SC2086
b3=$(reg_at c1 register birth name_km="ធីតា" mother_name_km="ចាន់" \
    informant_name="ចាន់" $(echo "$BIRTH" | sed 's/2026-10-01/2026-11-10/'))
keys 4
text "$b3"
keys Enter
wait_for "Record: $b3"
keys r
wait_for "Reason, if late:"
keys Enter
code=$(reg_at c1 show "$b3" | sed -n 's/^kidc=//p')
[ -n "$code" ] || fail "no code issued at registration"
wait_for "$b3 is now registered, identity code $code."
narrow
ok "registering from the screen issues the next code and shows it, grouped in fours"
keys Escape Escape
wait_for "Main menu"

# --- roles ----------------------------------------------------------------------
login c1 clerk "$CLERK_PW"
keys 9
wait_for "Your role (clerk) may not do this."
ok "a clerk may not exchange files: the item is dim and refused"

$TM kill-server
for o in nat prov c1; do
	run 0 at "$o" verify
done
ok "every store verifies"
echo "$ntest passed, 0 failed"
