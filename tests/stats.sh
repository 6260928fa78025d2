#!/bin/sh
# Vital statistics: golden tables (text and CSV) from a fixed set of
# records; every table adds up to its records; the period's first and
# last days are in it; area by place of occurrence or by usual
# residence; an empty period gives zero rows; bad input is refused.
# Timeliness per event kind and deaths by age group and sex, tables of
# several columns: golden text and CSV, every row and column adding up.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

make_store
printf 'registrar-password\n' > "$T/reg.pw"
run_in 0 "$ADMIN_PW
registrar-password
" "$CIVREG" -d "$S" -u admin user add reg --role registrar
as_reg() { CIVREG_PASSWORD_FILE=$T/reg.pw "$CIVREG" -d "$S" -u reg "$@"; }

# birth DATE SEX ATTENDANT PLACE RESIDENCE MOTHER_BORN REGISTERED [REASON]
birth() {
	_id=$(CIVREG_NOW=$1 as_clerk register birth --new name_km="សុខ ដារ៉ា" \
	    sex="$2" date_of_birth="$1" place_of_birth="$4" place_type=home \
	    attendant="$3" birth_type=single mother_name_km="ចាន់ សុភា" \
	    mother_date_of_birth="$6" mother_nationality=Khmer \
	    mother_residence="$5" informant_name="ចាន់ សុភា" \
	    informant_relationship=mother) || fail "birth $1"
	if [ -n "$7" ]; then
		CIVREG_NOW=$7 as_reg register-record "$_id" ${8:+--reason "$8"} \
		    > /dev/null 2>&1 || fail "register the birth of $1"
	fi
}
birth 2026-01-15 female midwife 120101 120101 1990-01-31 2026-01-20
birth 2026-01-31 male doctor 120101 120102 2008-02-01 2026-03-15 "far away"
birth 2026-02-01 female midwife 120201 120101 1975-06-01 2026-02-05
birth 2025-12-31 female midwife 120101 120101 1990-01-31 2026-01-02
birth 2026-03-31 female none 120101 120101 1990-01-31 2026-03-31
birth 2026-02-10 male midwife 120101 120101 1990-01-31 ""	# declared only
# A death of cause A09 (chapter I), aged 80.
d=$(CIVREG_NOW=2026-02-20 as_clerk register death --new name_km="កែវ សំណាង" \
    sex=male date_of_birth=1945-06-01 marital_status=widowed \
    usual_residence=120101 date_of_death=2026-02-18 place_of_death=120101 \
    place_type=home cause_of_death="diarrhoea" icd10_code=A09 \
    certified_by=health_worker informant_name="កែវ សុធា" \
    informant_relationship=child) || fail "death"
CIVREG_NOW=2026-02-20 as_reg register-record "$d" > /dev/null 2>&1 ||
    fail "register the death"
Q="--from 2026-01-01 --to 2026-03-31"

run 0 as_reg stats
out_has "births-month	Live births by month of occurrence"
[ "$(wc -l < "$T/out")" -ge 15 ] || fail "fewer than 15 tables"
# shellcheck disable=SC2086
run 0 as_reg stats births-month $Q
cat > "$T/want" <<'EOF'
Live births by month of occurrence
2026-01-01 to 2026-03-31, all areas
2026-01                                      2   50.0%  ########################
2026-02                                      1   25.0%  ############
2026-03                                      1   25.0%  ############
not stated                                   0    0.0%
total                                        4  100.0%
EOF
cmp -s "$T/want" "$T/out" || { diff "$T/want" "$T/out" >&2; fail "births-month"; }
awk 'length > 80 { exit 1 }' "$T/out" || fail "wider than 80 columns"
ok "births by month: the golden table; the first and last days are in the period; a declaration is not counted"

# shellcheck disable=SC2086
run 0 as_reg stats births-sex $Q --format csv
printf 'births-sex,count\nmale,1\nfemale,3\nnot stated,0\ntotal,4\n' |
    cmp -s - "$T/out" || fail "births-sex as CSV"
# shellcheck disable=SC2086
run 0 as_reg stats births-attendant $Q --format csv
out_has "doctor,1"
out_has "midwife,2"
out_has "none,1"
out_has "total,4"
# shellcheck disable=SC2086
run 0 as_reg stats births-mother-age $Q --format csv
printf 'births-mother-age,count\nunder 15,0\n15-19,1\n20-24,0\n25-29,0\n30-34,0\n35-39,2\n40-44,0\n45-49,0\n50 and over,1\nnot stated,0\ntotal,4\n' |
    cmp -s - "$T/out" || fail "births by age of mother"
# shellcheck disable=SC2086
run 0 as_reg stats births-timeliness $Q --format csv
printf 'births-timeliness,count\ncurrent,3\nlate,1\ndelayed,0\nnot stated,0\ntotal,4\n' |
    cmp -s - "$T/out" || fail "births by timeliness"
# shellcheck disable=SC2086
run 0 as_reg stats deaths-cause $Q --format csv
out_has 'I Infectious and parasitic (A00-B99),1'
out_has '"IV Endocrine, nutritional, metabolic (E00-E90)",0'
out_has "total,1"
# shellcheck disable=SC2086
run 0 as_reg stats deaths-age $Q --format csv
out_has "80-84,1"
ok "sex, attendant, age of mother, timeliness, cause and age: golden CSV, each adding up"

# Area by place of occurrence (the default) or by usual residence.
# shellcheck disable=SC2086
run 0 as_reg stats births-sex $Q --area 120101 --format csv
printf 'births-sex,count\nmale,1\nfemale,2\nnot stated,0\ntotal,3\n' |
    cmp -s - "$T/out" || fail "occurrence in 120101"
# shellcheck disable=SC2086
run 0 as_reg stats births-sex $Q --area 120101 --by residence --format csv
printf 'births-sex,count\nmale,0\nfemale,3\nnot stated,0\ntotal,3\n' |
    cmp -s - "$T/out" || fail "residence in 120101"
# shellcheck disable=SC2086
run 0 as_reg stats births-sex $Q --area 12 --by residence
out_has "area 12 (usual residence)"
out_has "total                                        4  100.0%"
ok "an area by place of occurrence or by usual residence"

run 0 as_reg stats births-month --from 2026-01-31 --to 2026-01-31 --format csv
printf 'births-month,count\n2026-01,1\nnot stated,0\ntotal,1\n' |
    cmp -s - "$T/out" || fail "one day"
run 0 as_reg stats births-month --from 2025-12-15 --to 2026-02-28 --format csv
printf 'births-month,count\n2025-12,1\n2026-01,2\n2026-02,1\nnot stated,0\ntotal,4\n' |
    cmp -s - "$T/out" || fail "months across a new year"
run 0 as_reg stats births-month --from 2030-01-01 --to 2030-02-28 --format csv
printf 'births-month,count\n2030-01,0\n2030-02,0\nnot stated,0\ntotal,0\n' |
    cmp -s - "$T/out" || fail "an empty period"
run 0 as_reg stats marriages-month --from 2026-01-01 --to 2026-01-31
out_has "total                                        0    0.0%"
ok "a one-day period; an empty period and an empty table give zero rows"

run 2 as_reg stats births-month --from 2026-02-30 --to 2026-03-31
err_has "--from '2026-02-30': give a date, YYYY-MM-DD"
run 2 as_reg stats births-month --from 2026-03-01 --to 2026-02-01
err_has "--to 2026-02-01 is before --from 2026-03-01"
run 2 as_reg stats nosuch $Q
err_has "no table 'nosuch': 'civreg stats' lists the tables"
# shellcheck disable=SC2086
run 2 as_reg stats births-sex $Q --area 12x
err_has "--area '12x': give a gazetteer code of 2, 4, 6 or 8 digits"
# shellcheck disable=SC2086
run 1 as_reg stats births-sex $Q --format pdf
err_has "--format pdf: give text or csv"
run 1 as_reg stats births-sex --from 2026-01-01
# shellcheck disable=SC2086
run 5 as_clerk stats births-sex $Q
err_has "may not compute vital statistics"
run 0 as_admin audit
out_has "stats births-sex 2026-01-01..2026-03-31: 4 records"
ok "bad periods, tables, areas and formats are refused; a clerk may not; each table is audited"

# shellcheck disable=SC2086
run 0 as_reg stats all $Q --format csv
[ "$(grep -c '^total,' "$T/out")" -eq "$(as_reg stats | wc -l)" ] ||
    fail "not every table"
grep -qx "total,4" "$T/out" && grep -qx "total,1" "$T/out" ||
    fail "the tables of all do not add up"
ok "all: every table in one pass, each adding up"
# Completeness: registered / expected, expected from the rates table
# (population x crude rate / 1000 x the period's share of a year).
printf 'province,population,birth_rate,death_rate\n12,100000,24,6.5\n' > "$T/rates.csv"
run 5 as_reg stats rates "$T/rates.csv"
run 0 as_admin stats rates "$T/rates.csv"
out_has "rates of 1 provinces loaded"
# shellcheck disable=SC2086
run 0 as_reg stats births-completeness $Q --format csv
printf 'births-completeness,registered,expected,completeness\n12,4,591.4,0.0068\nno rates for the province,0,,\nnot stated,0,,\ntotal,4,591.4,\n' |
    cmp -s - "$T/out" || { cat "$T/out" >&2; fail "births completeness"; }
# shellcheck disable=SC2086
run 0 as_reg stats deaths-completeness $Q --format csv
out_has "12,1,160.2,0.0062"
# shellcheck disable=SC2086
run 0 as_reg stats births-completeness $Q
out_has "12                                    4        591         0.7%"
awk 'length > 80 { exit 1 }' "$T/out" || fail "wider than 80 columns"
# Rates for another province only: the births are counted, without rates.
printf 'province,population,birth_rate,death_rate\n13,50000,20,5\n' > "$T/rates13.csv"
run 0 as_admin stats rates "$T/rates13.csv"
# shellcheck disable=SC2086
run 0 as_reg stats births-completeness $Q --format csv
out_has "13,0,"
out_has "no rates for the province,4,,"
out_has "total,4,"
run 0 as_reg stats rates
printf 'province,population,birth_rate,death_rate\n13,50000,20.000,5.000\n' |
    cmp -s - "$T/out" || fail "the rates table replaces the one before"
for bad in 'province,people,birth_rate,death_rate\n12,1,1,1\n' \
    'province,population,birth_rate,death_rate\n1,100,20,5\n' \
    'province,population,birth_rate,death_rate\n12,-5,20,5\n' \
    'province,population,birth_rate,death_rate\n12,100,200,5\n' \
    'province,population,birth_rate,death_rate\n12,100,20,5\n12,100,20,5\n'; do
	printf "$bad" > "$T/bad.csv"
	run 2 as_admin stats rates "$T/bad.csv"
done
err_has "$T/bad.csv:3: province 12 is given twice"
run 0 as_reg stats rates
printf 'province,population,birth_rate,death_rate\n13,50000,20.000,5.000\n' |
    cmp -s - "$T/out" || fail "a refused rates file changed the table"
ok "completeness: registered / expected from the rates; rates replaced whole or refused whole"
# By place: the level below the area; without a gazetteer, the places
# found; with it, every place of the level, with zeros.
# shellcheck disable=SC2086
run 0 as_reg stats births-place $Q --format csv
printf 'births-place,count\n12,4\nother places,0\nnot stated,0\ntotal,4\n' |
    cmp -s - "$T/out" || { cat "$T/out" >&2; fail "births by province"; }
# shellcheck disable=SC2086
run 0 as_reg stats births-place $Q --area 12 --format csv
printf 'births-place,count\n1201,3\n1202,1\nother places,0\nnot stated,0\ntotal,4\n' |
    cmp -s - "$T/out" || { cat "$T/out" >&2; fail "births by district of occurrence"; }
# shellcheck disable=SC2086
run 0 as_reg stats births-place $Q --area 12 --by residence --format csv
printf 'births-place,count\n1201,4\nother places,0\nnot stated,0\ntotal,4\n' |
    cmp -s - "$T/out" || { cat "$T/out" >&2; fail "births by district of residence"; }
if [ -d "$SHARED_DATA/gazetteer" ]; then
	run 0 as_admin gazetteer load "$SHARED_DATA/gazetteer"
	# shellcheck disable=SC2086
	run 0 as_reg stats births-place $Q --area 12 --format csv
	grep -q '^1201 [A-Za-z]' "$T/out" || fail "no district names"
	[ "$(grep -c '^12[0-9][0-9] ' "$T/out")" -gt 5 ] || fail "not every district"
	grep -q '^1201 [^,]*,3$' "$T/out" && grep -q '^1202 [^,]*,1$' "$T/out" ||
	    fail "the districts' counts"
	out_has "total,4"
	awk -F, 'NR > 1 && $1 != "total" { n += $NF } END { exit n != 4 }' "$T/out" ||
	    fail "the rows do not add up to the total"
fi
ok "by place of occurrence or of residence, one level below the area; with a gazetteer every place, named"
# --- timeliness per event kind; deaths by age group and sex -------------------
# More kinds: deaths registered current, late and delayed (approved by the
# district), marriages current, late and digitized (no timeliness), a
# divorce; and events the day before and the day after the period.
printf 'district-password\n' > "$T/dist.pw"
run_in 0 "$ADMIN_PW
district-password
" "$CIVREG" -d "$S" -u admin user add dist --role district
as_dist() { CIVREG_PASSWORD_FILE=$T/dist.pw "$CIVREG" -d "$S" -u dist "$@"; }
# death DIED SEX BORN|- AGE|- PLACE DAY [REGISTER-OPTIONS]: declared and
# registered on DAY; prints the id.
death() {
	# shellcheck disable=SC2086
	_id=$(CIVREG_NOW=$6 as_clerk register death --new name_km="កែវ សំណាង" \
	    sex="$2" ${3#-} ${4#-} marital_status=married \
	    usual_residence=120101 date_of_death="$1" place_of_death="$5" \
	    place_type=hospital cause_of_death="fever" \
	    certified_by=doctor informant_name="កែវ សុធា" \
	    informant_relationship=child) || fail "death $1"
	_day=$6
	shift 6
	CIVREG_NOW=$_day as_reg register-record "$_id" "$@" > /dev/null 2>&1 ||
	    fail "register the death of $_id"
	echo "$_id"
}
dA=$(death 2024-06-01 female date_of_birth=2024-03-01 - 120101 2026-01-10 \
    --evidence "hospital letter 3/2026")
death 2025-11-01 female - age_years=34 120201 2025-12-01 --reason flood > /dev/null
death 2026-03-10 male - - 120101 2026-03-12 > /dev/null
death 2026-04-01 female - age_years=40 120101 2026-04-02 > /dev/null	# after
# marriage DATE PLACE DAY [REGISTER-OPTIONS]: declared and registered on DAY
marriage() {
	_id=$(CIVREG_NOW=$3 as_clerk register marriage --new \
	    husband_name_km="សុខ ដារ៉ា" husband_date_of_birth=1995-01-01 \
	    husband_nationality=Khmer husband_prev_status=never_married \
	    husband_residence=120101 wife_name_km="ចាន់ សុភា" \
	    wife_date_of_birth=1997-02-02 wife_nationality=Khmer \
	    wife_prev_status=never_married wife_residence=120109 \
	    date_of_marriage="$1" place_of_marriage="$2" \
	    witness1_name="កែវ សុធា" witness2_name="កែវ សំណាង") ||
	    fail "marriage $1"
	_day=$3
	shift 3
	CIVREG_NOW=$_day as_reg register-record "$_id" "$@" > /dev/null 2>&1 ||
	    fail "register the marriage of $_id"
}
marriage 2023-12-31 120101 2024-01-10		# the day before
marriage 2024-01-01 120101 2024-01-10		# the first day
marriage 2025-06-01 120101 2025-09-01 --reason away
marriage 2026-02-14 120109 2026-02-20
{
	echo "husband_name_km,husband_date_of_birth,husband_nationality,husband_prev_status,husband_residence,wife_name_km,wife_date_of_birth,wife_nationality,wife_prev_status,wife_residence,date_of_marriage,place_of_marriage,witness1_name,witness2_name,page"
	echo "សុខ ដារ៉ា,1990-01-01,Khmer,never_married,120101,ចាន់ សុភា,1992-02-02,Khmer,never_married,120101,2025-03-01,120101,កែវ សុធា,កែវ សំណាង,p1.jpg"
} > "$T/marriages.csv"
run 0 as_reg digitize import "$T/marriages.csv" --kind marriage
out_has "1 loaded"
dv=$(CIVREG_NOW=2026-03-02 as_clerk register divorce --new \
    husband_name_km="សុខ ដារ៉ា" husband_residence=120101 \
    wife_name_km="ចាន់ សុភា" wife_residence=120109 \
    date_of_marriage=2020-01-01 date_of_divorce=2026-03-02 court_name=Court \
    court_place=1201 judgment_number=J-1 informant_name="ចាន់ សុភា" \
    informant_relationship=wife) || fail "divorce"
CIVREG_NOW=2026-03-02 as_reg register-record "$dv" > /dev/null 2>&1 ||
    fail "register the divorce"
Q2="--from 2024-01-01 --to 2026-03-31"
# The delayed death waits for the district: not yet valid, not counted.
# shellcheck disable=SC2086
run 0 as_reg stats timeliness $Q2 --format csv
out_has "death,2,1,0,0,3"
run 0 as_dist approve "$dA"
# adds_up WHAT: in $T/out as CSV, every row's cells add up to its total,
# every column's rows to the column's total, the rows to the total.
adds_up() {
	awk -F, 'NR == 1 { n = NF; next }
	$1 != "total" {
		s = 0
		for (i = 2; i < n; i++) { s += $i; col[i] += $i }
		if (s != $n) { print "row " $1 ": " s " in the cells, total " $n; bad = 1 }
		all += $n
		next
	}
	{
		for (i = 2; i < n; i++)
			if (col[i] != $i) { print "column " i ": " col[i] ", total " $i; bad = 1 }
		if (all != $n) { print "rows: " all ", total " $n; bad = 1 }
	}
	END { exit bad }' "$T/out" > "$T/why" || { cat "$T/why" >&2; fail "$1 does not add up"; }
}
# shellcheck disable=SC2086
run 0 as_reg stats timeliness $Q2 --format csv
cat > "$T/want" <<'END'
timeliness,current,late,delayed,not stated,total
birth,4,1,0,0,5
death,2,1,1,0,4
fetal_death,0,0,0,0,0
marriage,2,1,0,1,4
divorce,1,0,0,0,1
annulment,0,0,0,0,0
separation,0,0,0,0,0
adoption,0,0,0,0,0
legitimation,0,0,0,0,0
recognition,0,0,0,0,0
residence_change,0,0,0,0,0
total,9,3,1,1,14
END
cmp -s "$T/want" "$T/out" || { diff "$T/want" "$T/out" >&2; fail "timeliness as CSV"; }
adds_up timeliness
cp "$T/out" "$T/timeliness.csv"
# Each kind's total is the count of its records, as its own table counts.
for k in births:birth deaths:death fetal-deaths:fetal_death \
    marriages:marriage divorces:divorce; do
	# shellcheck disable=SC2086
	run 0 as_reg stats "${k%%:*}-month" $Q2 --format csv
	n=$(sed -n 's/^total,//p' "$T/out")
	grep -qx "${k#*:},[0-9,]*,$n" "$T/timeliness.csv" ||
	    fail "${k#*:}: not the $n records of ${k%%:*}-month"
done
# shellcheck disable=SC2086
run 0 as_reg stats births-timeliness $Q2 --format csv
grep -qx "current,4" "$T/out" && grep -qx "late,1" "$T/out" ||
    fail "births-timeliness counts otherwise"
# shellcheck disable=SC2086
run 0 as_reg stats timeliness $Q2
cat > "$T/want" <<'END'
Timeliness of registration by event kind
2024-01-01 to 2026-03-31, all areas
                            current       late    delayed not stated      total
birth                             4          1          0          0          5
death                             2          1          1          0          4
fetal_death                       0          0          0          0          0
marriage                          2          1          0          1          4
divorce                           1          0          0          0          1
annulment                         0          0          0          0          0
separation                        0          0          0          0          0
adoption                          0          0          0          0          0
legitimation                      0          0          0          0          0
recognition                       0          0          0          0          0
residence_change                  0          0          0          0          0
total                             9          3          1          1         14
END
cmp -s "$T/want" "$T/out" || { diff "$T/want" "$T/out" >&2; fail "timeliness as text"; }
awk 'length > 80 { exit 1 }' "$T/out" || fail "wider than 80 columns"
ok "timeliness per event kind: golden text and CSV; current, late, delayed once approved, digitized not stated; each kind's total its records"

# An area by place of occurrence, then by usual residence; the period's
# last day alone; an empty period: the same rules as every table.
# shellcheck disable=SC2086
run 0 as_reg stats timeliness $Q2 --area 120101 --format csv
grep -qx "birth,3,1,0,0,4" "$T/out" && grep -qx "death,2,0,1,0,3" "$T/out" &&
    grep -qx "marriage,1,1,0,1,3" "$T/out" && grep -qx "divorce,0,0,0,0,0" "$T/out" &&
    grep -qx "total,6,2,1,1,10" "$T/out" || fail "timeliness in 120101"
adds_up "timeliness in an area"
# shellcheck disable=SC2086
run 0 as_reg stats timeliness $Q2 --area 120101 --by residence --format csv
grep -qx "birth,4,0,0,0,4" "$T/out" && grep -qx "death,2,1,1,0,4" "$T/out" &&
    grep -qx "marriage,2,1,0,1,4" "$T/out" && grep -qx "divorce,1,0,0,0,1" "$T/out" &&
    grep -qx "total,9,2,1,1,13" "$T/out" || fail "timeliness by residence in 120101"
run 0 as_reg stats timeliness --from 2026-03-31 --to 2026-03-31 --format csv
grep -qx "birth,1,0,0,0,1" "$T/out" && grep -qx "total,1,0,0,0,1" "$T/out" ||
    fail "the last day"
run 0 as_reg stats timeliness --from 2030-01-01 --to 2030-12-31 --format csv
[ "$(grep -c ',0,0,0,0,0$' "$T/out")" -eq 12 ] || fail "an empty period"
ok "timeliness: an area by occurrence or by residence, one day, an empty period"

# shellcheck disable=SC2086
run 0 as_reg stats deaths-age-sex $Q2 --format csv
cat > "$T/want" <<'END'
deaths-age-sex,male,female,not stated,total
under 1,0,1,0,1
1-4,0,0,0,0
5-9,0,0,0,0
10-14,0,0,0,0
15-19,0,0,0,0
20-24,0,0,0,0
25-29,0,0,0,0
30-34,0,1,0,1
35-39,0,0,0,0
40-44,0,0,0,0
45-49,0,0,0,0
50-54,0,0,0,0
55-59,0,0,0,0
60-64,0,0,0,0
65-69,0,0,0,0
70-74,0,0,0,0
75-79,0,0,0,0
80-84,1,0,0,1
85 and over,0,0,0,0
not stated,1,0,0,1
total,2,2,0,4
END
cmp -s "$T/want" "$T/out" || { diff "$T/want" "$T/out" >&2; fail "deaths-age-sex as CSV"; }
adds_up deaths-age-sex
# Its margins are deaths-age and deaths-sex.
cut -d, -f1,5 "$T/out" | sed 1d > "$T/margin"
# shellcheck disable=SC2086
run 0 as_reg stats deaths-age $Q2 --format csv
sed 1d "$T/out" | cmp -s - "$T/margin" || fail "the row totals are not deaths-age"
# shellcheck disable=SC2086
run 0 as_reg stats deaths-sex $Q2 --format csv
printf 'deaths-sex,count\nmale,2\nfemale,2\nnot stated,0\ntotal,4\n' |
    cmp -s - "$T/out" || fail "the column totals are not deaths-sex"
# shellcheck disable=SC2086
run 0 as_reg stats deaths-age-sex $Q2
cat > "$T/want" <<'END'
Deaths by age group and sex
2024-01-01 to 2026-03-31, all areas
                                          male     female not stated      total
under 1                                      0          1          0          1
1-4                                          0          0          0          0
5-9                                          0          0          0          0
10-14                                        0          0          0          0
15-19                                        0          0          0          0
20-24                                        0          0          0          0
25-29                                        0          0          0          0
30-34                                        0          1          0          1
35-39                                        0          0          0          0
40-44                                        0          0          0          0
45-49                                        0          0          0          0
50-54                                        0          0          0          0
55-59                                        0          0          0          0
60-64                                        0          0          0          0
65-69                                        0          0          0          0
70-74                                        0          0          0          0
75-79                                        0          0          0          0
80-84                                        1          0          0          1
85 and over                                  0          0          0          0
not stated                                   1          0          0          1
total                                        2          2          0          4
END
cmp -s "$T/want" "$T/out" || { diff "$T/want" "$T/out" >&2; fail "deaths-age-sex as text"; }
awk 'length > 80 { exit 1 }' "$T/out" || fail "wider than 80 columns"
run 0 as_reg stats deaths-age-sex --from 2026-04-01 --to 2026-04-01 --format csv
grep -qx "40-44,0,1,0,1" "$T/out" && grep -qx "total,0,1,0,1" "$T/out" ||
    fail "the day after the period"
# shellcheck disable=SC2086
run 0 as_reg stats all $Q2 --format csv
[ "$(grep -c '^total,' "$T/out")" -eq "$(as_reg stats | wc -l)" ] ||
    fail "not every table"
grep -qx "total,9,3,1,1,14" "$T/out" && grep -qx "total,2,2,0,4" "$T/out" ||
    fail "all: the cross-tabulations"
run 0 as_admin audit
out_has "stats timeliness 2024-01-01..2026-03-31: 14 records"
out_has "stats deaths-age-sex 2024-01-01..2026-03-31: 4 records"
ok "deaths by age group and sex: golden text and CSV, its margins deaths-age and deaths-sex; in all; audited"
echo "$ntest passed, 0 failed"
