#!/bin/sh
# The statistics screen, driven through tmux like a registrar at a VT100
# (80x24): the menu entry; the list of tables with the period of this
# year to today; births by sex and by month for a period typed in, every
# row, count, share and total as `civreg stats --format csv` gives them
# for the same period, the bars scaled to the largest row; a table longer
# than the screen scrolled; an area by place of occurrence and by usual
# residence; no line wider than 80 columns, in English and in Khmer; a
# bad date, a period backwards and a bad area refused with the core's
# message, nothing shown; each table computed audited.  A clerk does not
# get the screen.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

command -v tmux >/dev/null || { echo "no tmux: skipped"; exit 77; }

make_store
REG_PW=registrar-password
printf '%s\n' "$REG_PW" > "$T/reg.pw"
run_in 0 "$ADMIN_PW
$REG_PW
" "$CIVREG" -d "$S" -u admin user add reg --role registrar
as_reg() { CIVREG_PASSWORD_FILE=$T/reg.pw "$CIVREG" -d "$S" -u reg "$@"; }

# birth DATE SEX PLACE RESIDENCE [declared]: declared by the clerk on the
# day, registered by the registrar the same day unless "declared".
birth() {
	_id=$(CIVREG_NOW=$1 as_clerk register birth --new name_km="សុខ ដារ៉ា" \
	    sex="$2" date_of_birth="$1" place_of_birth="$3" place_type=home \
	    attendant=midwife birth_type=single mother_name_km="ចាន់ សុភា" \
	    mother_date_of_birth=1990-01-31 mother_nationality=Khmer \
	    mother_residence="$4" informant_name="ចាន់ សុភា" \
	    informant_relationship=mother) || fail "birth $1"
	[ -n "${5:-}" ] && return 0
	CIVREG_NOW=$1 as_reg register-record "$_id" > /dev/null 2>&1 ||
	    fail "register the birth of $1"
}
birth 2026-01-15 female 120101 120101
birth 2026-01-31 male 120101 120102
birth 2026-02-01 female 120201 120101
birth 2026-03-05 male 120102 120102
birth 2026-03-20 female 120101 120101
birth 2026-03-31 female 120101 120101
birth 2025-12-31 female 120101 120101		# the day before the period
birth 2024-05-03 male 120101 120101		# two years before
birth 2026-02-10 male 120101 120101 declared	# not counted
ok "8 births registered, one declared"

# csv NAME TABLE [OPTIONS]: the command line's table, in $T/NAME.csv.
csv() {
	_n=$1
	shift
	run 0 as_reg stats "$@" --format csv
	cp "$T/out" "$T/$_n.csv"
}
csv sex births-sex --from 2026-01-01 --to 2026-03-31
csv month births-month --from 2026-01-01 --to 2026-03-31
csv long births-month --from 2024-01-01 --to 2026-03-31
csv occ births-sex --from 2026-01-01 --to 2026-03-31 --area 120101
csv res births-sex --from 2026-01-01 --to 2026-03-31 --area 120101 \
    --by residence
grep -qx "total,6" "$T/sex.csv" || fail "the command line counts otherwise"

. "${TESTS_SRCDIR:-$(dirname "$0")}/tuilib.sh"
# No line wider than 80 screen columns (wc -L counts by wcwidth: a Khmer
# vowel sign or subscript takes none), and no more than 24 lines.
narrow() {
	w=$(screen | LANG=C.UTF-8 wc -L)
	[ "$w" -le 80 ] || { screen > "$T/out"; fail "a line of $w columns"; }
	[ "$(screen | wc -l)" -le 24 ] || fail "taller than 24 lines"
}
# field KEY VALUE: types VALUE into the field that KEY (f, t, a) goes to.
field() {
	keys "$1" C-u
	[ -z "$2" ] || text "$2"
}
# The table screen's row lines: label, count, share, bar (the headings and
# the total excepted), as "label,count,share,bar length".
rows_of() {
	awk '
	/^ .*[0-9] +[0-9]+\.[0-9]%( +#+)? *$/ && !/^ total / {
		line = $0
		bar = 0
		if (match(line, /#+ *$/)) {
			s = substr(line, RSTART, RLENGTH)
			gsub(/ /, "", s)
			bar = length(s)
			line = substr(line, 1, RSTART - 1)
		}
		sub(/ +$/, "", line)
		n = split(line, f, / +/)
		share = f[n]; count = f[n - 1]
		sub(/ +[0-9]+ +[0-9.]+%$/, "", line)
		sub(/^ /, "", line)
		printf "%s,%s,%s,%d\n", line, count, share, bar
	}'
}
# shows NAME [SCREENFILE]: the table on screen is the command line's,
# row for row: label, count, share of the total; the bars scaled to the
# largest row (rounded up, every row that counts has one); the total.
shows() {
	if [ -n "${2:-}" ]; then cat "$2"; else screen; fi > "$T/pane"
	rows_of < "$T/pane" > "$T/got"
	awk -F, -v got="$T/got" '
	NR == 1 { next }
	$1 == "total" { total = $2; next }
	{ n++; label[n] = $1; count[n] = $2; if ($2 > max) max = $2 }
	END {
		while ((getline l < got) > 0) {
			split(l, g, ",")
			m++; glabel[m] = g[1]; gcount[m] = g[2]
			gshare[m] = g[3]; gbar[m] = g[4]
			if (g[4] > bw) bw = g[4]
		}
		if (m != n) { print "rows: " m " on screen, " n " wanted"; exit 1 }
		for (i = 1; i <= n; i++) {
			share = sprintf("%.1f%%", total ? 100 * count[i] / total : 0)
			want = max ? int((count[i] * bw + max - 1) / max) : 0
			if (glabel[i] != label[i] || gcount[i] != count[i] ||
			    gshare[i] != share || gbar[i] != want) {
				printf "row %d: %s %s %s bar %d, wanted %s %s %s bar %d\n",
				    i, glabel[i], gcount[i], gshare[i], gbar[i],
				    label[i], count[i], share, want
				exit 1
			}
		}
		if (max && bw < 10) { print "a bar of " bw " at most"; exit 1 }
	}' "$T/$1.csv" > "$T/why" || { cat "$T/why" > "$T/err"; cp "$T/pane" "$T/out"; fail "the $1 table differs from the command line's"; }
	t=$(sed -n 's/^total,//p' "$T/$1.csv")
	grep -qE "^ total +$t +$([ "$t" -gt 0 ] && echo 100.0 || echo 0.0)% *\$" \
	    "$T/pane" || { cp "$T/pane" "$T/out"; fail "the $1 total is not $t"; }
}

# --- the menu entry, the list, the period of this year ----------------------
login reg "$REG_PW"
wait_for "0  Statistics"
narrow
keys 0
wait_for "Vital statistics"
wait_for "From: 2026-01-01"
wait_for "To: 2026-11-22"
screen | grep -q "^  births-month  *Live births by month of occurrence" ||
	fail "the tables are not listed"
screen | grep -q "^  births-sex  *Live births by sex" || fail "births-sex"
narrow
ok "Statistics from the menu: the tables, from the first day of the year to today"

# --- births by sex, by month for the first quarter ---------------------------
field t 2026-03-31
wait_for "To: 2026-03-31"
keys Down Enter
wait_for "Live births by sex"
wait_for "2026-01-01 to 2026-03-31, all areas"
shows sex
narrow
ok "births by sex: rows, counts, shares, bars and total as the command line's"
keys Escape
wait_for "Area by:"
keys Up Enter
wait_for "Live births by month of occurrence"
wait_for "2026-01-01 to 2026-03-31"
shows month
narrow
ok "births by month: as the command line's"

# --- a table longer than the screen ------------------------------------------
keys Escape
wait_for "Area by:"
field f 2024-01-01
wait_for "From: 2024-01-01"
keys Enter
wait_for "2024-01-01 to 2026-03-31"
wait_for "rows 1-16 of 28"
screen > "$T/top"
grep -q "^ 2024-01 " "$T/top" || fail "the first month is not shown"
grep -q "^ 2026-03 " "$T/top" && fail "the last month is shown already"
grep -q "^ total  *8 " "$T/top" || fail "the total is not shown under the rows"
narrow
keys Down
wait_for "rows 2-17 of 28"
keys Space
wait_for "rows 13-28 of 28"
screen > "$T/bottom"
grep -q "^ not stated " "$T/bottom" || fail "the last row is not shown"
grep -q "^ total  *8 " "$T/bottom" || fail "the total is not shown at the end"
narrow
keys g
wait_for "rows 1-16 of 28"
keys G
wait_for "rows 13-28 of 28"
keys b
wait_for "rows 1-16 of 28"
# Every row, seen once on the way down, is the command line's.
{ cat "$T/top"; sed -n '/^ 2025-05 /,$p' "$T/bottom"; } > "$T/both"
shows long "$T/both"
ok "months over two years: scrolled by line, page and to either end, every row as the command line's"

# --- an area, by place of occurrence, then by usual residence -----------------
keys Escape
wait_for "Area by:"
field f 2026-01-01
field a 120101
wait_for "Area: 120101"
keys Down Enter
wait_for "2026-01-01 to 2026-03-31, area 120101 (place of occurrence)"
shows occ
keys Escape
wait_for "Area by: place of occurrence (completeness: usual residence)"
keys r
wait_for "Area by: usual residence"
keys Enter
wait_for "2026-01-01 to 2026-03-31, area 120101 (usual residence)"
shows res
narrow
keys Escape
wait_for "Area by: usual residence"
keys r
wait_for "Area by: place of occurrence"
keys r
wait_for "Area by: place of occurrence (completeness: usual residence)"
ok "an area by place of occurrence, then by usual residence (r), as the command line's"

# --- bad input: the core's message, nothing shown ----------------------------
field a ""
# refused STRING: the message line says what the command line says.
refused() {
	wait_for "$1"
	screen | grep -q "Area by:" || fail "the list of tables is gone"
	screen | grep -q "count  *share" && fail "a table is shown"
	screen | grep -qF -- "$1" || fail "the message went away"
}
run 2 as_reg stats births-sex --from 2026-02-30 --to 2026-03-31
err_has "--from '2026-02-30': give a date, YYYY-MM-DD"
field f 2026-02-30
keys Enter
refused "--from '2026-02-30': give a date, YYYY-MM-DD"
run 2 as_reg stats births-sex --from 2026-04-01 --to 2026-03-31
err_has "--to 2026-03-31 is before --from 2026-04-01"
field f 2026-04-01
keys Enter
refused "--to 2026-03-31 is before --from 2026-04-01"
run 2 as_reg stats births-sex --from 2026-01-01 --to 2026-03-31 --area 120
field f 2026-01-01
field a 120
keys Enter
err_has "--area '120'"
refused "--area '120': give a gazetteer code of 2, 4, 6 or 8 digits"
narrow
ok "a bad date, a period backwards and a bad area: the core's message, no table"

# --- in Khmer ----------------------------------------------------------------
field a ""
keys Escape
wait_for "Main menu"
keys 5
wait_for "ស្ថិតិ"
keys 0
wait_for "ស្ថិតិជីវិត"
wait_for "ពី៖ 2026-01-01"
narrow
field t 2026-03-31
keys Down Enter
wait_for "ពី 2026-01-01 ដល់ 2026-03-31"
screen | grep -q "^ សរុប  *6  *100.0%" || { screen > "$T/out"; fail "the total in Khmer"; }
screen | grep -q "^ មិនបានបញ្ជាក់  *0  *0.0% *$" || { screen > "$T/out"; fail "not stated in Khmer"; }
narrow
keys Escape
wait_for "ស្ថិតិជីវិត"
keys Escape
wait_for "0  ស្ថិតិ"
keys 5
wait_for "0  Statistics"
ok "in Khmer: the headings and the total translated, within 80 columns"
$TM kill-server

# Each table computed is in the audit log; the refusals are not counted.
run 0 as_admin audit
out_has "stats births-sex 2026-01-01..2026-03-31: 6 records"
out_has "stats births-month 2024-01-01..2026-03-31: 8 records"
out_has "stats births-sex 2026-01-01..2026-03-31 area 120101: 4 records"
ok "each table computed on the screen is audited"

# --- a clerk does not get the screen ----------------------------------------
login clerk "$CLERK_PW"
wait_for "0  Statistics"
keys 0
wait_for "Your role (clerk) may not do this."
screen | head -n 1 | grep -q "Main menu" || fail "the clerk left the menu"
screen | grep -q "Area by:" && fail "the clerk sees the statistics screen"
$TM kill-server
ok "a clerk does not get the statistics screen"
echo "$ntest passed, 0 failed"
