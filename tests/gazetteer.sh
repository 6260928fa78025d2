#!/bin/sh
# Loading the gazetteer: all or nothing, every bad row named with its file
# and line, a reload replaces the whole reference.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

G=$SHARED_DATA/gazetteer
[ -f "$G/communes.csv" ] || { echo "no gazetteer in $G: skipped"; exit 77; }
make_store

bad() {	# bad NAME: a copy of the gazetteer in $T/NAME to spoil
	rm -rf "${T:?}/$1"
	cp -R "$G" "$T/$1"
	chmod -R u+w "$T/$1"
}
nothing_loaded() {
	run 3 as_admin gazetteer show 12
	ok "$1"
}

bad dup
tail -n 1 "$T/dup/communes.csv" >> "$T/dup/communes.csv"
run 2 as_admin gazetteer load "$T/dup"
err_has "communes.csv line 1648: the code"
err_has "appears twice"
nothing_loaded "a repeated code is refused"

bad prov
sed -i '3s/^\([0-9]*\),,/\1,01,/' "$T/prov/provinces.csv"
run 2 as_admin gazetteer load "$T/prov"
err_has "provinces.csv line 3: a province has no parent, but '01' is given"
nothing_loaded "a province with a parent is refused"

bad parent
sed -i '5s/^\([0-9]\{6\}\),\([0-9]\{4\}\),/\1,9999,/' "$T/parent/communes.csv"
run 2 as_admin gazetteer load "$T/parent"
err_has "communes.csv line 5: the parent '9999' of"
nothing_loaded "a commune outside its district is refused"

bad cols
sed -i '7s/,[^,]*$//' "$T/cols/districts.csv"
run 2 as_admin gazetteer load "$T/cols"
err_has "districts.csv line 7: expected 7 columns"
nothing_loaded "a row with a missing column is refused"

bad utf
printf '990101,9901,\377,Khum,Commune,x,y\n' >> "$T/utf/communes.csv"
run 2 as_admin gazetteer load "$T/utf"
err_has "communes.csv line 1648: not valid UTF-8"
nothing_loaded "invalid UTF-8 is refused"

run 3 as_admin gazetteer load "$T/nowhere"
err_has "cannot read $T/nowhere/provinces.csv"
nothing_loaded "a missing directory is refused"

bad blank
printf '\n\n' >> "$T/blank/districts.csv"
run 0 as_admin gazetteer load "$T/blank"
out_has "1874 places loaded"
ok "blank lines are allowed"

bad less
grep -v '^120101,' "$G/communes.csv" > "$T/less/communes.csv"
run 0 as_admin gazetteer show 120101
run 0 as_admin gazetteer load "$T/less"
out_has "1873 places loaded"
run 3 as_admin gazetteer show 120101
ok "a reload replaces the whole gazetteer"

run 5 as_clerk gazetteer load "$G"
err_has "may not load the gazetteer: this needs the role admin"
ok "only an administrator loads the gazetteer"
run 0 as_admin verify
echo "$ntest passed, 0 failed"
