#!/bin/sh
# Certificates: the papers of a birth with Khmer names, a death, a
# certified copy and a burial permit compared byte for byte with golden
# files (the random verification code masked), no line wider than 80
# columns; codes verified (genuine, mistyped, unknown, record changed
# since); reprints counted and audited; refusals that record nothing;
# --out and --lpr (a fake lpr first in PATH); the record screen's p key.
# CERT_GOLDEN_UPDATE=1 writes the golden files instead of comparing.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

GOLDEN=${TESTS_SRCDIR:-$(dirname "$0")}/golden
make_store
printf 'registrar-password\n' > "$T/reg.pw"
run_in 0 "$ADMIN_PW
registrar-password
" "$CIVREG" -d "$S" -u admin user add reg --role registrar
as_reg() { CIVREG_PASSWORD_FILE=$T/reg.pw "$CIVREG" -d "$S" -u reg "$@"; }

# A gazetteer of four places, for the names printed beside place codes.
mkdir "$T/gaz"
cat > "$T/gaz/provinces.csv" <<'CSV'
code,parent,type_km,type_latin,type_en,name_km,name_latin
12,,រាជធានី,Reach Theani,Capital,ភ្នំពេញ,Phnom Penh
CSV
printf '1201,12,ខណ្ឌ,Khan,Section,ចំការមន,Chamkar Mon\n' > "$T/gaz/districts.csv"
cat > "$T/gaz/communes.csv" <<'CSV'
120101,1201,សង្កាត់,Sangkat,Quarter,ទន្លេបាសាក់,Tonle Basak
120109,1201,សង្កាត់,Sangkat,Quarter,ទួលទំពូងទី ២,Tuol Tumpung Ti Pir
CSV
run 0 as_admin gazetteer load "$T/gaz"

# mask FILE: the paper with its random code replaced by XXXX-XXXX-XXXX.
mask() { sed 's/[0-9A-Z]\{4\}-[0-9A-Z]\{4\}-[0-9A-Z]\{4\}/XXXX-XXXX-XXXX/g' "$1"; }
code_of() { sed -n 's/.*certificate verify \([0-9A-Z-]\{14\}\)$/\1/p' "$1"; }
# golden NAME FILE: the paper is the golden file, and fits 80 columns.
golden() {
	w=$(LC_ALL=C.UTF-8 wc -L < "$2")
	[ "$w" -le 80 ] || fail "$1: a line of $w columns"
	[ "$(grep -c 'certificate verify [0-9A-Z]\{4\}-' "$2")" -eq 1 ] ||
		fail "$1: no verification code"
	if [ "${CERT_GOLDEN_UPDATE:-}" = 1 ]; then
		mask "$2" > "$GOLDEN/$1"
		return
	fi
	mask "$2" > "$T/masked"
	cmp -s "$GOLDEN/$1" "$T/masked" || {
		diff "$GOLDEN/$1" "$T/masked" > "$T/out" || true
		fail "$1 differs from the golden file"
	}
}
# listed ID: how many papers were printed for ID ("" if listing failed,
# which makes the numeric test that uses it fail too).
listed() {
	as_reg certificate list "$1" > "$T/listed" || return 0
	grep -c . "$T/listed" || true
}

b1=$(as_clerk register birth --new name_km="សុខ ដារ៉ា" name_latin="Sok Dara" \
    sex=female date_of_birth=2026-11-03 time_of_birth=07:45 \
    place_of_birth=120109 place_type=home attendant=midwife \
    birth_type=single mother_name_km="ចាន់ សុភា" mother_name_latin="Chan Sophea" \
    mother_date_of_birth=1990-01-31 mother_nationality="ខ្មែរ" \
    mother_residence=120101 father_name_km="ស៊ុន វិចិត្រ" \
    father_name_latin="Sun Vichet" father_nationality="ខ្មែរ" \
    informant_name="ចាន់ សុភា" informant_relationship=mother birth_weight=3100)
run 2 as_reg certificate print "$b1"
err_has "$b1 is declared: only a registered record has a certificate; register it first ('civreg register-record $b1', registrar)"
[ "$(listed "$b1")" -eq 0 ] || fail "a refused certificate was recorded"
ok "a declared record has no certificate"

run 0 as_reg register-record "$b1"
run 5 as_clerk certificate print "$b1"
err_has "user clerk (role clerk) may not print the first certificate of $b1: that certifies it, which needs the role registrar"
[ "$(listed "$b1")" -eq 0 ] || fail "the clerk's refusal was recorded"
run 0 as_admin audit
grep -q "	clerk	denied	$b1	" "$T/out" || fail "refusal not audited"
printf 'district-password\n' > "$T/dist.pw"
run_in 0 "$ADMIN_PW
district-password
" "$CIVREG" -d "$S" -u admin user add dist --role district
run 5 env CIVREG_PASSWORD_FILE="$T/dist.pw" "$CIVREG" -d "$S" -u dist \
    certificate print "$b1"
err_has "user dist (role district) may not print the first certificate of $b1: that certifies it, which needs the role registrar"
[ "$(listed "$b1")" -eq 0 ] || fail "the district's refusal was recorded"
run 5 as_admin certificate print "$b1"
err_has "user admin (role admin) may not print certificates: this needs the role clerk, registrar, district, province"
ok "a clerk may not certify by printing; the refusal is audited, nothing recorded"

run 0 as_reg certificate print "$b1"
cp "$T/out" "$T/birth.txt"
golden cert-birth.txt "$T/birth.txt"
out_has "120101-C-000001"
out_has "សុខ ដារ៉ា"
grep -q "birth_weight\|3100" "$T/out" && fail "statistics on a birth certificate"
run 0 as_reg show "$b1"
[ "$(head -n 1 "$T/out")" = "status: certified" ] || fail "not certified"
grep -q "	certify	certified	reg	birth certificate 120101-C-000001 printed" "$T/out" ||
	fail "the certify step is not in the history"
ok "a birth certificate in Khmer and English, golden, 80 columns; the record is certified"

code1=$(code_of "$T/birth.txt")
run 0 as_clerk certificate verify "$code1"
out_has "genuine: printed at this office"
out_has "serial: 120101-C-000001"
out_has "document: birth certificate, print 1"
out_has "record: $b1 (Live birth), revision 3"
out_has "printed: 2026-11-22 10:00:00 UTC by reg at office 120101"
out_has "content: name_km=សុខ ដារ៉ា; name_latin=Sok Dara; date_of_birth=2026-11-03"
out_has "now: unchanged since it was printed (revision 3, certified)"
run 0 as_clerk certificate verify "$(echo "$code1" | tr -d - | tr 'A-Z' 'a-z')"
out_has "serial: 120101-C-000001"
run 0 as_clerk certificate verify $(echo "$code1" | tr - ' ')
out_has "serial: 120101-C-000001"
ok "a code is verified with or without dashes or spaces, in any case"

first=$(echo "$code1" | cut -c1)
if [ "$first" = A ]; then other=B; else other=A; fi
run 2 as_clerk certificate verify "$other$(echo "$code1" | cut -c2-)"
err_has "is mistyped: the check character does not match"
c2=$(echo "$code1" | cut -c2)
c3=$(echo "$code1" | cut -c3)
if [ "$c2" != "$c3" ]; then
	run 2 as_clerk certificate verify "$first$c3$c2$(echo "$code1" | cut -c4-)"
	err_has "is mistyped"
fi
run 2 as_clerk certificate verify "${code1}7"
err_has "a code has 12 characters, not 13"
run 2 as_clerk certificate verify "U${code1#?}"
err_has "'U' is not a character of a code"

# A well-formed code that was never printed: the check character by the
# rule of db/record-format.txt (GF(32), x^5 + x^2 + 1, weights x^1..x^11).
ALPHA=0123456789ABCDEFGHJKMNPQRSTVWXYZ
gfmul() {
	a=$1 b=$2 p=0
	while [ "$b" -gt 0 ]; do
		if [ $((b & 1)) -eq 1 ]; then p=$((p ^ a)); fi
		b=$((b >> 1)) a=$((a << 1))
		if [ $((a & 32)) -ne 0 ]; then a=$((a ^ 37)); fi
	done
	echo "$p"
}
check_char() {
	rest=$1 w=1 sum=0
	while [ -n "$rest" ]; do
		ch=${rest%"${rest#?}"} rest=${rest#?}
		pre=${ALPHA%%"$ch"*}
		w=$(gfmul "$w" 2)
		sum=$((sum ^ $(gfmul ${#pre} "$w")))
	done
	pre=$(echo "$ALPHA" | cut -c$((sum + 1)))
	echo "$pre"
}
[ "$(check_char "$(echo "$code1" | tr -d - | cut -c1-11)")" = "$(echo "$code1" | cut -c14)" ] ||
	fail "the documented check character rule does not give $code1"
unknown=ZZZZZZZZZZZ$(check_char ZZZZZZZZZZZ)
run 3 as_clerk certificate verify "$unknown"
err_has "is not the code of any certificate printed at this office: the paper may be forged"
run 5 as_admin certificate verify "$code1"
err_has "may not check certificate codes"
run 0 as_admin audit
grep -q "	clerk	certificate-verify	-	code ZZZZ-ZZZZ-ZZZ.: unknown" "$T/out" ||
	fail "an unknown code is not audited"
grep -q "	clerk	certificate-verify	$b1	birth certificate 120101-C-000001: genuine; record unchanged" "$T/out" ||
	fail "a verification is not audited"
ok "a mistyped code (exit 2) is told apart from an unknown one (exit 3); both audited as asked"

run 0 as_reg certificate print "$b1"
cp "$T/out" "$T/reprint.txt"
out_has "បោះពុម្ពឡើងវិញលើកទី 2 / REPRINT 2"
out_has "120101-C-000002"
[ "$(code_of "$T/reprint.txt")" != "$code1" ] || fail "a reprint kept the code"
run 0 as_reg show "$b1"
grep -c "	certify	" "$T/out" | grep -qx 1 || fail "a reprint certified again"
run 0 as_reg certificate print "$b1" --copy
cp "$T/out" "$T/copy.txt"
golden cert-birth-copy.txt "$T/copy.txt"
out_has "3100"
run 0 as_reg certificate list "$b1"
printf '120101-C-000001\t2026-11-22 10:00:00\treg\toriginal\tprint 1\trevision 3
120101-C-000002\t2026-11-22 10:00:00\treg\toriginal\tprint 2\trevision 3
120101-C-000003\t2026-11-22 10:00:00\treg\tcopy\tprint 1\trevision 3\n' > "$T/want"
cmp -s "$T/want" "$T/out" || fail "certificate list"
run 0 as_admin audit "$b1"
grep -q "	reg	certificate	$b1	birth certificate 120101-C-000002, print 2" "$T/out" ||
	fail "the reprint is not audited"
grep -q "	reg	certificate	$b1	certified copy of the birth entry 120101-C-000003, print 1" "$T/out" ||
	fail "the copy is not audited"
ok "a reprint gets its own serial and code, says REPRINT 2, is listed and audited; a certified copy is golden"

# The record changes after printing: verify says so.
run 0 as_reg archive "$b1"
run 0 as_clerk certificate verify "$code1"
out_has "now: CHANGED since it was printed: revision 4, archived (was revision 3, certified); no field changed"
run 2 as_reg certificate print "$b1"
err_has "$b1 is archived: only a registered or certified record has a certificate"
ok "a code whose record changed since printing is reported so"

# A death, with a long Khmer name without spaces cut between clusters.
d1=$(CIVREG_NOW=2026-11-20 as_clerk register death --new \
    name_km="ព្រះករុណាព្រះបាទសម្ដេចព្រះនរោត្តមសីហនុព្រះមហាវីរក្សត្រ" \
    name_latin="Norodom Sihanouk Varman" kidc="2938 4756 1021" sex=male \
    date_of_birth=1940-10-31 marital_status=married usual_residence=120101 \
    date_of_death=2026-11-18 time_of_death=23:10 place_of_death=120101 \
    place_type=hospital cause_of_death="heart failure" certified_by=doctor \
    informant_name="កែវ" informant_relationship=child)
run 0 as_reg register-record "$d1"
run 0 as_reg certificate print "$d1"
cp "$T/out" "$T/death.txt"
golden cert-death.txt "$T/death.txt"
grep -q "heart failure" "$T/out" && fail "the cause of death is on the certificate"
out_has "2938 4756 1021"
ok "a death certificate, golden; a long Khmer name is cut between clusters"

p1=$(as_reg register burial_permit death_ref="$d1" \
    name_km="ព្រះករុណាព្រះបាទសម្ដេចព្រះនរោត្តមសីហនុព្រះមហាវីរក្សត្រ" \
    name_latin="Norodom Sihanouk Varman" method=cremation burial_place=120101 \
    burial_site="វត្តបទុមវតី" burial_date=2026-11-25 applicant_name="កែវ" \
    applicant_relationship=child)
run 2 as_reg certificate print "$p1"
err_has "$p1 is declared: a burial permit is printed once it is issued; a registrar issues it with 'civreg issue $p1'"
run 0 as_reg issue "$p1"
run 2 as_reg certificate print "$p1" --copy
err_has "$p1 is a burial permit: it has no certified copy"
run 0 as_reg certificate print "$p1"
cp "$T/out" "$T/permit.txt"
golden cert-burial-permit.txt "$T/permit.txt"
ok "a burial permit once issued, golden; no certified copy of it"

f1=$(as_clerk register fetal_death --new sex=male date_of_delivery=2026-11-10 \
    place_of_delivery=120101 place_type=hospital attendant=doctor \
    birth_type=single gestation_weeks=30 certified_by=doctor \
    mother_name_km="ចាន់ សុភា" mother_date_of_birth=1990-01-31 \
    mother_residence=120101 informant_name="ចាន់ សុភា" \
    informant_relationship=self)
run 0 as_reg register-record "$f1"
run 2 as_reg certificate print "$f1"
err_has "$f1 is a fetal death (stillbirth): it is registered for statistics only and has no certificate; a certified copy of the register entry can be printed with --copy"
run 0 as_reg certificate print "$f1" --copy
out_has "Registered for statistics only: not a birth certificate"
out_has "CERTIFIED COPY OF A REGISTER ENTRY"
w=$(LC_ALL=C.UTF-8 wc -L < "$T/out")
[ "$w" -le 80 ] || fail "fetal death copy: $w columns"
run 0 as_reg show "$f1"
[ "$(head -n 1 "$T/out")" = "status: registered" ] || fail "a copy certified the record"
ok "a fetal death has no certificate, but a certified copy of its entry"

r1=$(register_birth "សុខ" "Sok")
run 0 as_reg reject "$r1" --reason "no proof of birth"
run 2 as_reg certificate print "$r1"
err_has "$r1 is rejected: a rejected declaration has no certificate"
run 2 as_reg certificate print "$r1" --copy
err_has "$r1 is rejected: a rejected declaration has no certified copy"
run 3 as_reg certificate print 120101-00000999
err_has "no record 120101-00000999 in this store"
[ "$(listed "$r1")" -eq 0 ] || fail "a refused certificate was recorded"
ok "rejected and missing records have no certificate"

# --out: a new file only.
m1=$(as_clerk register marriage --new husband_name_km="ស៊ុន វិចិត្រ" \
    husband_date_of_birth=1988-02-02 husband_nationality="ខ្មែរ" \
    husband_prev_status=never_married husband_residence=120101 \
    wife_name_km="ចាន់ សុភា" wife_date_of_birth=1990-01-31 \
    wife_nationality="ខ្មែរ" wife_prev_status=never_married \
    wife_residence=120109 date_of_marriage=2026-11-01 \
    place_of_marriage=120101 witness1_name="កែវ" witness2_name="ស្រី")
run 0 as_reg register-record "$m1"
echo "not a certificate" > "$T/taken.txt"
run 6 as_reg certificate print "$m1" --out "$T/taken.txt"
err_has "$T/taken.txt already exists: civreg does not overwrite a file"
err_has "(no certificate was recorded)"
[ "$(cat "$T/taken.txt")" = "not a certificate" ] || fail "the file was overwritten"
[ "$(listed "$m1")" -eq 0 ] || fail "a refused --out was recorded"
run 0 as_reg show "$m1"
[ "$(head -n 1 "$T/out")" = "status: registered" ] || fail "a refused --out certified"
run 8 as_reg certificate print "$m1" --out "$T/nowhere/m.txt"
err_has "cannot write in the directory of $T/nowhere/m.txt"
[ "$(listed "$m1")" -eq 0 ] || fail "an unwritable --out was recorded"
run 0 as_reg certificate print "$m1" --out "$T/marriage.txt"
grep -qx "120101-C-[0-9]*	[0-9A-Z-]\{14\}	print 1" "$T/out" || fail "the --out summary line"
grep -q "MARRIAGE CERTIFICATE" "$T/marriage.txt" || fail "the file holds no certificate"
[ "$(code_of "$T/marriage.txt")" = "$(cut -f2 "$T/out")" ] || fail "the code told is not the code printed"
[ "$(ls -a "$T" | grep -c civreg-cert)" -eq 0 ] || fail "a temporary file was left behind"
w=$(LC_ALL=C.UTF-8 wc -L < "$T/marriage.txt")
[ "$w" -le 80 ] || fail "marriage: $w columns"
ok "--out writes a new file only; an existing or unwritable one records nothing"

# --lpr: a fake lpr that keeps what it is given.
mkdir "$T/bin" "$T/badbin"
cat > "$T/bin/lpr" <<LPR
#!/bin/sh
printf '%s\n' "\$*" > "$T/lpr.args"
cat > "$T/lpr.out"
LPR
cat > "$T/badbin/lpr" <<'LPR'
#!/bin/sh
cat > /dev/null
echo "lpr: The printer or class does not exist." >&2
exit 1
LPR
chmod +x "$T/bin/lpr" "$T/badbin/lpr"
PATH=$T/bin:$PATH run 0 as_reg certificate print "$m1" --lpr office-printer
out_has "print 2"
[ "$(cat "$T/lpr.args")" = "-P office-printer" ] || fail "lpr arguments: $(cat "$T/lpr.args")"
grep -q "REPRINT 2" "$T/lpr.out" || fail "lpr was not given the certificate"
PATH=$T/bin:$PATH run 0 as_reg certificate print "$m1" --copy --lpr
[ "$(cat "$T/lpr.args")" = "" ] || fail "lpr without a printer: $(cat "$T/lpr.args")"
PATH=$T/badbin:$PATH run 8 as_reg certificate print "$m1" --lpr
err_has "marriage certificate 120101-C-"
err_has "is recorded, but it was not printed: lpr failed with exit status 1: lpr: The printer or class does not exist; print it again (a reprint is counted)"
[ "$(as_reg certificate list "$m1" | grep -c "original	print 3")" -eq 1 ] ||
	fail "the certificate that lpr failed to print is not recorded"
ok "--lpr feeds lpr -P PRINTER; a failing lpr is reported, the paper stays recorded"

run 1 as_reg certificate print
run 1 as_reg certificate print "$m1" --out "$T/x.txt" --lpr
run 1 as_reg certificate frobnicate
run 0 "$CIVREG" help certificate
out_has "certificate print ID [--copy] [--out FILE | --lpr [PRINTER]] | verify CODE | list ID"
ok "bad command lines are refused"

# The record screen: p prints the certificate through lpr.
if command -v tmux >/dev/null; then
	m2=$(as_clerk register marriage --new husband_name_km="ហេង" \
	    husband_date_of_birth=1988-02-02 husband_nationality="ខ្មែរ" \
	    husband_prev_status=never_married husband_residence=120101 \
	    wife_name_km="ស្រី" wife_date_of_birth=1990-01-31 \
	    wife_nationality="ខ្មែរ" wife_prev_status=never_married \
	    wife_residence=120109 date_of_marriage=2026-11-01 \
	    place_of_marriage=120101 witness1_name="កែវ" witness2_name="ស្រី")
	run 0 as_reg register-record "$m2"
	. "${TESTS_SRCDIR:-$(dirname "$0")}/tuilib.sh"
	rm -f "$T/lpr.out"
	TUI_ENV="PATH=$T/bin:$PATH"
	tui_login reg registrar-password
	keys 4
	text "$m2"
	keys Enter
	wait_for "History:"
	keys p
	wait_for "Certificate printed: 120101-C-"
	wait_for "Status: certified"
	grep -q "MARRIAGE CERTIFICATE" "$T/lpr.out" || fail "p did not print"
	keys P
	wait_for "Certified copy printed: 120101-C-"
	[ "$(as_reg certificate list "$m2" | cut -f4 | tr '\n' ' ')" = "original copy " ] ||
		fail "the screen's prints are not recorded"
	$TM kill-server
	ok "on the record screen p prints the certificate and P a certified copy, through lpr"
fi

# Once the registrar has certified it, a clerk prints (DESIGN §2).
b9=$(register_birth "ស្រី" "Srey")
run 0 as_reg register-record "$b9" --reason "family far away"
run 0 as_reg certify "$b9"
run 0 as_clerk certificate print "$b9" --out "$T/clerk0.txt"
grep -q "REPRINT" "$T/clerk0.txt" && fail "the first print is a reprint"
run 0 as_clerk certificate print "$b9" --out "$T/clerk.txt"
grep -q "REPRINT" "$T/clerk.txt" || fail "the clerk's print is not a reprint"
run 0 as_clerk certificate print "$b9" --copy --out "$T/clerk-copy.txt"
ok "a clerk prints certificates of certified records and certified copies"

run 0 as_admin verify
ok "the store verifies, certificates included"
echo "$ntest passed, 0 failed"
