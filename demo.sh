#!/bin/sh
# demo.sh -- Quick start: installs what is missing, builds civreg, creates
# a demo commune store in demo/store (gazetteer from ../shared/data when
# present, a few sample records, demo users whose passwords it prints),
# then starts civreg on it.  Run it again for a fresh demo store.
set -eu
cd "$(dirname "$0")"
. tools/deps.sh
civreg_deps
civreg_build build

CIVREG=$(pwd)/build/src/civreg
D=$(pwd)/demo
S=$D/store
rm -rf "$D"
mkdir -p "$D"
umask 077
pw() { od -An -N9 -tx1 /dev/urandom | tr -d ' \n'; }
ADMIN_PW=$(pw)
CLERK_PW=$(pw)
REG_PW=$(pw)
printf '%s\n' "$ADMIN_PW" > "$D/.admin"
printf '%s\n' "$CLERK_PW" > "$D/.clerk"

printf '%s\n' "$ADMIN_PW" | "$CIVREG" -d "$S" init --office 120101 \
    --level commune --admin admin
admin() { CIVREG_PASSWORD_FILE=$D/.admin "$CIVREG" -d "$S" -u admin "$@"; }
clerk() { CIVREG_PASSWORD_FILE=$D/.clerk "$CIVREG" -d "$S" -u demo "$@"; }
printf '%s\n' "$CLERK_PW" | admin user add demo --role clerk --name "Demo Clerk"
printf '%s\n' "$REG_PW" | admin user add registrar --role registrar \
    --name "Demo Registrar"
if [ -d ../shared/data/gazetteer ]; then
	admin gazetteer load ../shared/data/gazetteer
fi

clerk register birth name_km="សុខ ដារ៉ា" name_latin="Sok Dara" sex=male \
    date_of_birth=2026-11-02 place_of_birth=120101 place_type=health_centre \
    attendant=midwife birth_type=single mother_name_km="ចាន់ សុភា" \
    mother_name_latin="Chan Sophea" mother_date_of_birth=1996-03-14 \
    mother_nationality=Khmer mother_residence=120101 \
    father_name_km="សុខ វិចិត្រ" father_name_latin="Sok Vichet" \
    informant_name="ចាន់ សុភា" informant_relationship=mother >/dev/null
clerk register birth name_km="ហេង ស្រីនាង" name_latin="Heng Sreyneang" \
    sex=female date_of_birth=2026-10-28 place_of_birth=120109 \
    place_type=hospital attendant=doctor birth_type=twin birth_order=2 \
    mother_name_km="លី ម៉ាលី" mother_date_of_birth=1992-07-01 \
    mother_nationality=Khmer mother_residence=120101 \
    informant_name="ហេង សុផល" informant_relationship=father >/dev/null
clerk register death name_km="កែវ សំណាង" name_latin="Keo Samnang" sex=male \
    date_of_birth=1941-05-20 marital_status=widowed usual_residence=120101 \
    date_of_death=2026-11-15 place_of_death=120101 place_type=home \
    cause_of_death="old age" certified_by=health_worker \
    informant_name="កែវ សុធា" informant_relationship=child >/dev/null
clerk register marriage husband_name_km="ផាន់ រតនា" \
    husband_name_latin="Phan Rathana" husband_date_of_birth=1994-02-11 \
    husband_residence=120101 husband_nationality=Khmer \
    husband_prev_status=never_married wife_name_km="ម៉ៅ ចន្ថា" \
    wife_name_latin="Mao Chantha" wife_date_of_birth=1997-09-30 \
    wife_residence=120111 wife_nationality=Khmer \
    wife_prev_status=never_married date_of_marriage=2026-11-08 \
    place_of_marriage=120101 witness1_name="ផាន់ សុវណ្ណ" \
    witness2_name="ម៉ៅ សុខា" >/dev/null 2>"$D/marriage.err" ||
	{ echo "demo: the marriage sample was refused:"; cat "$D/marriage.err"; }
rm -f "$D/marriage.err"

cat <<MSG

civreg demo store: $S  (commune 120101)
  clerk:      demo       password $CLERK_PW
  registrar:  registrar  password $REG_PW
  admin:      admin      password $ADMIN_PW
Try:
  export CIVREG_DIR=$S CIVREG_USER=demo
  $CIVREG search sok
  $CIVREG show 120101-00000001
  $CIVREG forms birth

MSG
rm -f "$D/.admin" "$D/.clerk"
if [ -t 0 ] && [ -t 1 ]; then
	printf 'Note the password of demo, then press Enter to start civreg: '
	read -r _
fi
CIVREG_LOCALEDIR=$(pwd)/build/locale exec "$CIVREG" -d "$S" -u demo
