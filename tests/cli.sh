#!/bin/sh
# The command-line contract (doc/civreg.1) that scripts and other tools
# rely on: init, users, register/show/search, forms, help and version.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

run 0 "$CIVREG" --version
out_has "civreg 0.1.0"
run 0 "$CIVREG" --help
out_has "usage: civreg"
for verb in init user register show search forms verify audit gazetteer help version; do
	run 0 "$CIVREG" "$verb" --help
	out_has "usage: civreg [-d DIR] [-u USER] $verb"
done
run 1 "$CIVREG" frobnicate
err_has "unknown verb 'frobnicate'"
ok "help and version"

run_in 0 "$ADMIN_PW
" "$CIVREG" -d "$T/s2" init --office 1201 --level district --admin boss
err_has "created the district store of office 1201"
[ ! -s "$T/out" ] || fail "init printed on stdout"
make_store
[ -f "$S/meta.db" ] || fail "no store made"
# Every file has pages of one size (store.c, STORE_PAGESIZE): a full cache
# then reuses a buffer for each page read in.  The size is the u32 at
# byte 20 of a Berkeley DB file's meta page, in the machine's order.
for f in "$S"/*.db; do
	ps=$(od -An -t u4 -j 20 -N 4 "$f" | tr -d ' ')
	[ "$ps" = 16384 ] || fail "$(basename "$f") has pages of $ps bytes, not 16384"
done
ok "init creates a store, password from stdin, all files with 16 KB pages"

run_in 6 "$ADMIN_PW
" "$CIVREG" -d "$S" init --office 120101 --level commune --admin admin
err_has "already exists"
mkdir "$T/full" && : > "$T/full/keep"
run_in 6 "$ADMIN_PW
" "$CIVREG" -d "$T/full" init --office 120101 --level commune --admin admin
err_has "is not empty"
[ "$(ls "$T/full")" = keep ] || fail "init touched a non-empty directory"
run_in 1 "$ADMIN_PW
" "$CIVREG" -d "$T/new" init --office 120101 --level village --admin admin
err_has "unknown level 'village'"
run_in 2 "$ADMIN_PW
" "$CIVREG" -d "$T/new" init --office 1201 --level commune --admin admin
err_has "6-digit"
run_in 2 "short
" "$CIVREG" -d "$T/new" init --office 1201 --level district --admin admin
err_has "too short"
run_in 2 "$(printf 'password\377\377')
" "$CIVREG" -d "$T/new" init --office 1201 --level district --admin admin
err_has "not valid UTF-8"
[ ! -e "$T/new" ] || fail "a refused init left a directory behind"
ok "init refuses existing stores and bad arguments, touching nothing"

# An init that fails while making the environment (here: files may not
# grow, so the region files cannot be written) removes what it made: a
# new directory entirely, an empty one's contents; init then just works.
mkdir "$T/empty"
for d in "$T/new" "$T/empty"; do
	set +e
	printf '%s\n' "$ADMIN_PW" | (trap '' XFSZ; ulimit -f 8;
	    exec "$CIVREG" -d "$d" init --office 120101 --level commune \
	    --admin admin) > "$T/out" 2> "$T/err"
	got=$?
	set -e
	[ "$got" -ne 0 ] || fail "init succeeded with files limited to 4 KB"
	err_has "cannot open"
done
[ ! -e "$T/new" ] || fail "a failed init left its new directory: $(ls -A "$T/new")"
[ -z "$(ls -A "$T/empty")" ] || fail "a failed init left files: $(ls -A "$T/empty")"
run_in 0 "$ADMIN_PW
" "$CIVREG" -d "$T/empty" init --office 120101 --level commune --admin admin
rm -rf "$T/new" "$T/empty"
ok "a failed init removes what it made and can be run again"

run 0 as_admin user list
out_has "clerk	clerk	active"
out_has "admin	admin	active"
ok "user add and list"

id=$(register_birth "សុខ ដារ៉ា" "Sokh Dara")
echo "$id" | grep -Eq '^120101-[0-9]{8}$' || fail "register printed '$id'"
[ "$id" = 120101-00000001 ] || fail "first id is $id"
ok "register prints the new id alone"

run 0 as_clerk show "$id"
[ "$(head -n 1 "$T/out")" = "status: declared" ] || fail "show's first line"
grep -qx "name_km=សុខ ដារ៉ា" "$T/out" || fail "Khmer name not byte-exact"
printf 'name_km=\341\236\237\341\236\273\341\236\201 \341\236\212\341\236\266\341\236\232\341\237\211\341\236\266\n' > "$T/want"
grep -qxF -f "$T/want" "$T/out" || fail "Khmer bytes differ"
grep -qx "name_latin=Sokh Dara" "$T/out" || fail "Latin name"
grep -qx "sex=female" "$T/out" || fail "sex"
out_has "history:"
grep -q "	declare	declared	clerk" "$T/out" || fail "history line"
ok "show prints status, fields as key=value, history"

id2=$(register_birth "ចាន់ ធីតា" "Chan Thida")
[ "$id2" = 120101-00000002 ] || fail "second id is $id2"
run 0 as_clerk search Sokh
[ "$(cut -f1 "$T/out")" = "$id" ] || fail "search Sokh"
run 0 as_clerk search "ធីតា"
[ "$(cut -f1 "$T/out")" = "$id2" ] || fail "search Khmer"
run 0 as_clerk search "សុភា"
[ "$(wc -l < "$T/out")" -eq 2 ] || fail "search mother's name finds both"
run 0 as_clerk search nobody
[ ! -s "$T/out" ] || fail "search nobody found something"
ok "search finds records by Khmer and Latin names, id first"

# Spellings and scripts (doc/search.md): Sok finds Sokh, Chia finds Chea,
# a Khmer name typed with its marks out of order or with a zero-width
# space is found, and a Latin query finds a Khmer-only name by sound.
id3=$(as_clerk register birth name_km="ចាន់ សុភ័ក្រ" mother_name_km="ចាន់ សុភា" \
    informant_name="ចាន់ សុភា" $BIRTH) || fail "declare a Khmer-only name"
run 0 as_clerk search "Sok Dara"		# the record says Sokh Dara
[ "$(head -n 1 "$T/out" | cut -f1)" = "$id" ] || fail "Sok Dara"
[ "$(head -n 1 "$T/out" | cut -f2)" = "1.00" ] || fail "a spelling scores 1"
run 0 as_clerk search "Sok Dar"
[ "$(head -n 1 "$T/out" | cut -f2)" = "0.95" ] || fail "a prefix scores 0.9"
run 0 as_clerk search "Chen Thida"		# Chan, by sound
[ "$(head -n 1 "$T/out" | cut -f1)" = "$id2" ] || fail "Chen finds Chan"
[ "$(head -n 1 "$T/out" | cut -f2)" = "0.88" ] || fail "Chen Thida score"
run 0 as_clerk search "$(printf 'ស\342\200\213ុខ')"		# a zero-width space
[ "$(cut -f1 "$T/out")" = "$id" ] || fail "a zero-width space in the query"
run 0 as_clerk search "Sophak"
[ "$(cut -f1 "$T/out")" = "$id3" ] || fail "Sophak finds សុភ័ក្រ by sound"
[ "$(cut -f2 "$T/out")" = "0.75" ] || fail "a match by sound scores 0.75"
run 0 as_clerk search "Chan"
[ "$(head -n 1 "$T/out" | cut -f1)" = "$id2" ] || fail "names before sounds"
[ "$(wc -l < "$T/out")" -eq 3 ] || fail "Chan: Thida by name, both mothers by sound"
ok "search sees through spellings and scripts, ranked with a score column"

# Two Sok Daras: what else the clerk knows puts the right one first.
id4=$(as_clerk register birth name_km="សុខ ដារ៉ា" name_latin="Sok Dara" \
    mother_name_km="កែវ ស្រីមុំ" mother_name_latin="Keo Sreymom" \
    informant_name="កែវ ស្រីមុំ" $(echo "$BIRTH" | sed 's/2026-10-01/2026-09-15/'))
run 0 as_clerk search "Sok Dara"
[ "$(head -n 1 "$T/out" | cut -f1)" = "$id" ] || fail "lower id first on a tie"
run 0 as_clerk search --born 2026-09-15 "Sok Dara"
[ "$(head -n 1 "$T/out" | cut -f1)" = "$id4" ] || fail "--born ranks"
run 0 as_clerk search --born 2026-09-16 "Sok Dara"	# a day off
[ "$(head -n 1 "$T/out" | cut -f1)" = "$id4" ] || fail "--born, a day off"
run 0 as_clerk search --mother "Keo Sreymom" "Sok Dara"
[ "$(head -n 1 "$T/out" | cut -f1)" = "$id4" ] || fail "--mother ranks"
run 0 as_clerk search --mother "ចាន់ សុភា" "Sok Dara"
[ "$(head -n 1 "$T/out" | cut -f1)" = "$id" ] || fail "--mother in Khmer"
run 2 as_clerk search --born 2026-02-30 "Sok"
err_has "--born '2026-02-30': "
run 2 as_clerk search --place 12x "Sok"
err_has "--place '12x': give a gazetteer code of 2, 4, 6 or 8 digits"
id5=$(register_birth "ចាន់ ធី" "Chan Thi")
run 0 as_clerk search --limit 1 Thi	# Thida (0.9) has the lower id
[ "$(cut -f1 "$T/out")" = "$id5" ] || fail "the exact Thi is not first"
ok "search ranks by date of birth and parents' names too, and an exact name before a lower id's prefix; bad criteria are refused"

run 0 "$CIVREG" forms
[ "$(wc -l < "$T/out")" -eq 19 ] || fail "forms lists $(wc -l < "$T/out") forms"
grep -qx "birth	Live birth" "$T/out" || fail "forms birth line"
cp "$T/out" "$T/forms"
for k in death fetal_death marriage divorce annulment separation adoption \
    legitimation recognition birth_notice death_notice fetal_death_notice \
    correction appeal burial_permit residence_change id_card; do
	grep -q "^$k	" "$T/forms" || fail "form $k missing"
	run 0 "$CIVREG" forms "$k"
	awk -F'\t' 'NF != 4 || ($3 != "required" && $3 != "optional") { exit 1 }' \
	    "$T/out" || fail "forms $k: bad line format"
done
run 0 "$CIVREG" forms birth
grep -qx "sex	choice	required	male,female" "$T/out" || fail "sex field line"
grep -qx "name_latin	name_latin	optional	-" "$T/out" || fail "name_latin line"
grep -qx "kidc	kidc	issued	-" "$T/out" || fail "kidc line: issued at registration"
run 2 "$CIVREG" forms nonsense
err_has "unknown form 'nonsense'"
ok "forms and forms KIND"

# Acting user from CIVREG_USER, store from CIVREG_DIR, password on stdin.
run_in 0 "$CLERK_PW
" env CIVREG_DIR="$S" CIVREG_USER=clerk "$CIVREG" show "$id"
out_has "status: declared"
ok "CIVREG_DIR, CIVREG_USER and the password on stdin"

run_in 0 "new-clerk-password
" env CIVREG_PASSWORD_FILE="$T/admin.pw" "$CIVREG" -d "$S" -u admin user passwd clerk
run 4 as_clerk show "$id"
err_has "wrong password"
printf 'new-clerk-password\n' > "$T/clerk.pw"
run 0 as_clerk show "$id"
run 0 as_admin user disable clerk
run 4 as_clerk show "$id"
err_has "disabled"
run 0 as_admin user list
out_has "clerk	clerk	disabled"
run 0 as_admin user enable clerk
run 0 as_clerk show "$id"
ok "user passwd, disable, enable"

run 0 as_admin audit "$id"
grep -q "	clerk	declare	$id	birth declared" "$T/out" || fail "audit declare"
grep -q "	clerk	read	$id	record shown" "$T/out" || fail "audit read"
run 0 as_admin audit
grep -q "	admin	init	-	" "$T/out" || fail "audit init"
run 5 as_clerk audit
err_has "may not read the audit log"
ok "audit lists writes and reads"

if [ -d "$SHARED_DATA/gazetteer" ]; then
	run 0 as_admin gazetteer load "$SHARED_DATA/gazetteer"
	out_has "1874 places loaded"
	run 0 as_admin gazetteer show 120101
	out_has "120101	1201	"
	run 3 as_admin gazetteer show 999999
	run 2 as_clerk register birth name_km="សុខ" place_of_birth=129999 \
	    mother_name_km="ចាន់" informant_name="ចាន់" sex=male \
	    date_of_birth=2026-10-01 place_type=home attendant=midwife \
	    birth_type=single mother_date_of_birth=1990-01-31 \
	    mother_nationality=Khmer mother_residence=120101 \
	    informant_relationship=mother
	err_has "place_of_birth: '129999' is not a place in the gazetteer"
	ok "gazetteer load, show, and place codes checked against it"
fi

run 0 as_admin verify
out_has "ok: 5 records, 5 revisions, 5 changes"
ok "verify passes"

# A store of an earlier civreg, whose indexes were Berkeley DB duplicates
# (idx_*.db; here a database file of another store in its place): no
# index is read or written -- search, registering and verify say to
# reindex, and change nothing -- until an administrator reindexes; then
# the old file is gone and everything is found again.
run_in 0 "$ADMIN_PW
" "$CIVREG" -d "$T/other" init --office 120102 --level commune --admin admin
cp "$T/other/ix_kidc.db" "$S/idx_kidc.db"
run 8 as_clerk search "Sok"
err_has "earlier civreg (idx_*.db): an administrator runs 'civreg reindex' once"
# shellcheck disable=SC2086
run 8 as_clerk register birth --new name_km="សុខ" name_latin="Sok" \
    mother_name_km="ចាន់ សុភា" informant_name="ចាន់ សុភា" $BIRTH
err_has "'civreg reindex'"
run 7 as_admin verify
err_has "'civreg reindex'"
run 0 as_admin reindex
out_has "indexes rebuilt from 5 records"
[ ! -e "$S/idx_kidc.db" ] || fail "the old index file is still there"
run 0 as_clerk search "Sok"
[ -s "$T/out" ] || fail "nothing found after reindex"
run 0 as_admin verify
out_has "ok: 5 records, 5 revisions, 5 changes"
ok "an earlier civreg's indexes: refused until reindex, then rebuilt"

# The cache size: a typo is refused, not taken for the default; 4 GiB and
# more (which does not fit in 32 bits of bytes) opens.
export CIVREG_CACHE_MB
for bad in abc -5 0 12x 65537 99999999999999999999; do
	CIVREG_CACHE_MB=$bad
	run 2 as_admin verify
	err_has "CIVREG_CACHE_MB=$bad: give the cache size in MiB, a whole number from 1 to 65536"
done
CIVREG_CACHE_MB=4096
run 0 as_admin verify
out_has "ok: 5 records"
CIVREG_CACHE_MB=32
run 0 as_admin verify
unset CIVREG_CACHE_MB
ok "CIVREG_CACHE_MB: bad values refused with the range, 4096 and 32 open"
echo "$ntest passed, 0 failed"
