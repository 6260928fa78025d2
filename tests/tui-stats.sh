#!/bin/sh
# The statistics screen, driven through tmux like a registrar at a VT100
# (80x24): the menu entry; the list of tables with the period of this
# year to today; births by sex and by month for a period typed in, every
# row, count, share and total as `civreg stats --format csv` gives them
# for the same period, the bars scaled to the largest row; a table longer
# than the screen scrolled; an area by place of occurrence and by usual
# residence; a bad date, a period backwards and a bad area refused with
# the core's message, nothing shown; timeliness per event kind and deaths
# by age group and sex, every cell as the command line's; completeness
# with a rates table, registered, expected and complete as the command
# line's; in Khmer, every table's title and labels; no line wider than
# 80 columns, in English and in Khmer; each table computed audited.  A
# clerk does not get the screen.
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
# A death of a girl under 1 registered late, and a marriage: other kinds
# for the timeliness table and deaths by age group and sex.
d=$(CIVREG_NOW=2026-02-20 as_clerk register death --new name_km="កែវ សំណាង" \
    sex=female date_of_birth=2025-10-01 marital_status=never_married \
    usual_residence=120101 date_of_death=2026-01-20 place_of_death=120101 \
    place_type=home cause_of_death="diarrhoea" icd10_code=A09 \
    certified_by=health_worker informant_name="កែវ សុធា" \
    informant_relationship=parent) || fail "death"
CIVREG_NOW=2026-02-20 as_reg register-record "$d" --reason "far away" \
    > /dev/null 2>&1 || fail "register the death"
m=$(CIVREG_NOW=2026-03-02 as_clerk register marriage --new \
    husband_name_km="សុខ ដារ៉ា" husband_date_of_birth=1995-01-01 \
    husband_nationality=Khmer husband_prev_status=never_married \
    husband_residence=120101 wife_name_km="ចាន់ សុភា" \
    wife_date_of_birth=1997-02-02 wife_nationality=Khmer \
    wife_prev_status=never_married wife_residence=120101 \
    date_of_marriage=2026-03-01 place_of_marriage=120101 \
    witness1_name="កែវ សុធា" witness2_name="កែវ សំណាង") || fail "marriage"
CIVREG_NOW=2026-03-02 as_reg register-record "$m" > /dev/null 2>&1 ||
    fail "register the marriage"
# Rates of two provinces, for the completeness tables.
printf 'province,population,birth_rate,death_rate\n12,100000,24,6.5\n13,20000,20,5\n' \
    > "$T/rates.csv"
run 0 as_admin stats rates "$T/rates.csv"
ok "8 births registered, one declared; a death, a marriage; rates"

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
csv tim timeliness --from 2026-01-01 --to 2026-03-31
csv agesex deaths-age-sex --from 2026-01-01 --to 2026-03-31
csv comp births-completeness --from 2026-01-01 --to 2026-03-31
grep -qx "total,6" "$T/sex.csv" || fail "the command line counts otherwise"
grep -qx "total,7,1,0,0,8" "$T/tim.csv" || fail "the command line's timeliness"

. "${TESTS_SRCDIR:-$(dirname "$0")}/tuilib.sh"
# seen ERE: the screen shows a line matching it within 5 s (a table is
# drawn after its title: a check may come between the two).
seen() {
	_i=0
	until screen | grep -qE -- "$1"; do
		_i=$((_i + 1))
		[ $_i -ge 100 ] && return 1
		sleep 0.05
	done
}
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

# pick KEY: the table KEY chosen in the list, as `civreg stats` lists it.
pick() {
	_n=$(as_reg stats | awk -F '\t' -v k="$1" '$1 == k { print NR }')
	[ -n "$_n" ] || fail "no table $1"
	keys -N 40 Up
	[ "$_n" -le 1 ] || keys -N $((_n - 1)) Down
	keys Enter
}
# cross_of K: a cross-tabulation's lines on screen, a label then K
# numbers (the cells and the total) and maybe a bar, as
# "label,n1,...,nK,bar length".
cross_of() {
	awk -v k="$1" '{
		line = $0
		bar = 0
		if (match(line, / #+ *$/)) {
			s = substr(line, RSTART, RLENGTH)
			gsub(/ /, "", s)
			bar = length(s)
			line = substr(line, 1, RSTART - 1)
		}
		sub(/ +$/, "", line)
		sub(/^ /, "", line)
		n = split(line, f, / +/)
		if (n <= k)
			next
		for (i = n - k + 1; i <= n; i++)
			if (f[i] !~ /^[0-9]+$/)
				next
		out = f[1]
		for (i = 2; i <= n - k; i++)
			out = out " " f[i]
		for (i = n - k + 1; i <= n; i++)
			out = out "," f[i]
		print out "," bar
	}'
}
# shows_cross NAME [SCREENFILE]: the cross-tabulation on screen is the
# command line's, row for row and the totals, every cell; each row's bar
# scaled to the largest row total (rounded up), none on the total line.
shows_cross() {
	if [ -n "${2:-}" ]; then cat "$2"; else screen; fi > "$T/pane"
	_k=$(head -n 1 "$T/$1.csv" | awk -F, '{ print NF - 1 }')
	cross_of "$_k" < "$T/pane" > "$T/got"
	awk -F, -v got="$T/got" '
	NR == 1 { next }
	{ n++; line[n] = $0; tot[n] = $NF; if ($1 != "total" && $NF > max) max = $NF }
	END {
		while ((getline l < got) > 0) {
			m++
			b = l
			sub(/,[0-9]+$/, "", l)
			sub(/.*,/, "", b)
			gline[m] = l
			gbar[m] = b
			if (b + 0 > bw) bw = b + 0
		}
		if (m != n) { print "lines: " m " on screen, " n " wanted"; exit 1 }
		for (i = 1; i <= n; i++) {
			want = i == n || !max ? 0 : int((tot[i] * bw + max - 1) / max)
			if (gline[i] != line[i] || gbar[i] != want) {
				printf "line %d: %s bar %d, wanted %s bar %d\n",
				    i, gline[i], gbar[i], line[i], want
				exit 1
			}
		}
		if (max && bw < 10) { print "a bar of " bw " at most"; exit 1 }
	}' "$T/$1.csv" > "$T/why" || { cat "$T/why" > "$T/err"; cp "$T/pane" "$T/out"; fail "the $1 table differs from the command line's"; }
}

# --- the menu entry, the list, the period of this year ----------------------
login reg "$REG_PW"
wait_for "0  Statistics"
narrow
keys 0
wait_for "Vital statistics"
wait_for "From: 2026-01-01"
wait_for "To: 2026-11-22"
seen "^  births-month  *Live births by month of occurrence" ||
	fail "the tables are not listed"
seen "^  births-sex  *Live births by sex" || fail "births-sex"
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
	seen "Area by:" || fail "the list of tables is gone"
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

# --- timeliness per event kind, deaths by age group and sex -------------------
field a ""
field f 2026-01-01
field t 2026-03-31
pick timeliness
wait_for "Timeliness of registration by event kind"
wait_for "2026-01-01 to 2026-03-31, all areas"
seen "^ +current +late +delayed +not stated +total *$" ||
	{ screen > "$T/out"; fail "the timeliness headings"; }
shows_cross tim
narrow
ok "timeliness per event kind: every row, cell and total as the command line's, bars of the totals, within 80 columns"
keys Escape
wait_for "Area by:"
pick deaths-age-sex
wait_for "Deaths by age group and sex"
seen "^ +male +female +not stated +total( |$)" ||
	{ screen > "$T/out"; fail "the age and sex headings"; }
wait_for "rows 1-16 of 20"
screen > "$T/top"
narrow
keys G
wait_for "rows 5-20 of 20"
screen > "$T/bottom"
# Every line, seen once on the way down, is the command line's.
{ sed '/^ total /d' "$T/top"; sed -n '/^ 75-79 /,$p' "$T/bottom"; } > "$T/both"
shows_cross agesex "$T/both"
narrow
ok "deaths by age group and sex, scrolled to its end: as the command line's"
keys Escape
wait_for "Area by:"

# --- completeness: registered, expected, complete -----------------------------
pick births-completeness
wait_for "Completeness of birth registration by province"
wait_for "2026-01-01 to 2026-03-31, all areas (usual residence)"
screen > "$T/pane"
grep -qE "^ +registered +expected +complete *$" "$T/pane" ||
	{ cp "$T/pane" "$T/out"; fail "the completeness headings"; }
# Each row as the command line's: the count the same, the events expected
# the CSV's rounded (%.0f), the share of them registered its fraction in
# per cent to a tenth; "-" without rates.  Then the totals.
awk -F, -v pane="$T/pane" '
NR == 1 { next }
$1 == "total" { total = $2; texp = $3; next }
{ n++; label[n] = $1; reg[n] = $2; exp_[n] = $3; frac[n] = $4; if ($3 != "") with += $2 }
END {
	while ((getline l < pane) > 0) {
		for (i = 1; i <= n; i++) {
			if (index(l, " " label[i] " ") != 1)
				continue
			seen[i] = 1
			rest = substr(l, length(label[i]) + 2)
			sub(/ +#+ *$/, "", rest)
			k = split(rest, f, / +/)
			if (f[1] == "") { for (j = 1; j < k; j++) f[j] = f[j + 1]; k-- }
			if (exp_[i] == "") {
				if (f[1] != reg[i] || f[2] != "-" || f[3] != "-") {
					print "row " label[i] ": " rest; bad = 1 }
				continue
			}
			pct = f[3]; sub(/%$/, "", pct)
			d = f[2] - exp_[i]; if (d < 0) d = -d
			p = pct - 100 * frac[i]; if (p < 0) p = -p
			if (f[1] != reg[i] || d > 0.51 || p > 0.051) {
				print "row " label[i] ": " rest ", wanted " reg[i] " " exp_[i] " " 100 * frac[i] "%"; bad = 1 }
		}
		if (l ~ /^ total \(with rates\) /) {
			k = split(l, f, / +/)
			d = f[6] - texp; if (d < 0) d = -d
			if (f[5] != with || d > 0.51) { print "total with rates: " l; bad = 1 }
			twr = 1
		} else if (l ~ /^ total /) {
			k = split(l, f, / +/)
			if (f[3] != total) { print "total: " l; bad = 1 }
			tt = 1
		}
	}
	for (i = 1; i <= n; i++) if (!seen[i]) { print "row " label[i] " not shown"; bad = 1 }
	if (!twr || !tt) { print "a total line is missing"; bad = 1 }
	exit bad
}' "$T/comp.csv" > "$T/why" || { cat "$T/why" > "$T/err"; cp "$T/pane" "$T/out"; fail "completeness differs from the command line's"; }
grep -q "^ 12  *6  *591  *1.0% *#" "$T/pane" && grep -q "^ 13  *0  *99  *0.0% *$" "$T/pane" ||
	{ cp "$T/pane" "$T/out"; fail "province 12 or 13 on screen"; }
narrow
keys Escape
wait_for "Area by:"
ok "births completeness with the rates loaded: registered, expected and complete per province and in total, as the command line's"

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
seen "^ សរុប  *6  *100.0%" || { screen > "$T/out"; fail "the total in Khmer"; }
seen "^ មិនបានបញ្ជាក់  *0  *0.0% *$" || { screen > "$T/out"; fail "not stated in Khmer"; }
narrow
seen "^ កំណើតរស់ តាមភេទ *$" || { screen > "$T/out"; fail "the title in Khmer"; }
seen "^ ស្រី  *4  *66.7%  *#" && seen "^ ប្រុស  *2  *33.3%  *#" ||
	{ screen > "$T/out"; fail "the sexes in Khmer"; }
keys Escape
wait_for "ពី៖ 2026-01-01"
pick timeliness
wait_for "ភាពទាន់ពេលនៃការចុះបញ្ជី តាមប្រភេទព្រឹត្តិការណ៍"
wait_for "ពី 2026-01-01 ដល់ 2026-03-31"
screen > "$T/pane"
grep -qE "^ +ទាន់ពេល +យឺត +ហួសកាលកំណត់ +មិនបានបញ្ជាក់ +សរុប *$" "$T/pane" &&
    grep -qE "^ កំណើតរស់ +6 +0 +0 +0 +6 +#+ *$" "$T/pane" &&
    grep -qE "^ មរណភាព +0 +1 +0 +0 +1 +#+ *$" "$T/pane" &&
    grep -qE "^ អាពាហ៍ពិពាហ៍ +1 +0 +0 +0 +1 +#+ *$" "$T/pane" &&
    grep -qE "^ ការផ្លាស់ប្ដូរទីលំនៅ +0 +0 +0 +0 +0 *$" "$T/pane" &&
    grep -qE "^ សរុប +7 +1 +0 +0 +8 *$" "$T/pane" ||
	{ cp "$T/pane" "$T/out"; fail "timeliness in Khmer"; }
narrow
keys Escape
wait_for "ពី៖ 2026-01-01"
pick deaths-age-sex
wait_for "មរណភាព តាមក្រុមអាយុ និងភេទ"
seen "^ +ប្រុស +ស្រី +មិនបានបញ្ជាក់ +សរុប( |$)" &&
    seen "^ ក្រោម 1 ឆ្នាំ +0 +1 +0 +1 +#+ *$" ||
	{ screen > "$T/out"; fail "deaths by age group and sex in Khmer"; }
narrow
keys Escape
wait_for "ពី៖ 2026-01-01"
pick births-month
wait_for "កំណើតរស់ តាមខែកើត"
seen "^ មករា 2026 +2 +33.3% +#+ *$" &&
    seen "^ មីនា 2026 +3 +50.0% +#+ *$" ||
	{ screen > "$T/out"; fail "months in Khmer"; }
keys Escape
wait_for "ពី៖ 2026-01-01"
pick deaths-cause
wait_for "មរណភាព តាមមូលហេតុ (ជំពូក ICD-10)"
seen "^ I ជំងឺឆ្លង និងប៉ារ៉ាស៊ីត \(A00-B99\) +1 +100.0%" ||
	{ screen > "$T/out"; fail "ICD-10 chapters in Khmer"; }
narrow
keys Escape
wait_for "ពី៖ 2026-01-01"
# Every table: its title and every label on screen in Khmer (no word of
# English: the ICD-10 codes are capitals), the numbers as in English,
# no line wider than 80 columns.
for k in $(as_reg stats | cut -f1); do
	pick "$k"
	wait_for "ពី 2026-01-01 ដល់ 2026-03-31"
	i=0
	until screen | sed -n 22p | grep -q "^ សរុប "; do
		i=$((i + 1))
		[ $i -lt 200 ] || { screen > "$T/out"; fail "$k: no total line"; }
		sleep 0.05
	done
	screen > "$T/pane"
	if sed -n '3p;5,22p' "$T/pane" | grep -q '[a-z][a-z]'; then
		cp "$T/pane" "$T/out"
		fail "$k: English on the Khmer screen"
	fi
	narrow
	keys Escape
	wait_for "ពី៖ 2026-01-01"
done
pick births-sex
wait_for "ពី 2026-01-01 ដល់ 2026-03-31"
keys Escape
wait_for "ស្ថិតិជីវិត"
keys Escape
wait_for "0  ស្ថិតិ"
keys 5
wait_for "0  Statistics"
ok "in Khmer: every table's title and labels (sexes, event kinds, timeliness, age groups, months, ICD-10 chapters) and the headings, within 80 columns"
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
