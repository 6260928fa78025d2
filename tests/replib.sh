# tests/replib.sh -- offices and their trust tree, for the replication
# tests.  Source it after tests/lib.sh:
#
#   office nat 00 national           # a store in $T/nat: admin and reg
#   office prov 12 province
#   office com 120101 commune
#   trust_tree nat prov com          # 00 -> 12 -> 120101 (and more children)
#   at com keys show                 # as admin of office com
#   reg_at com export --to 12        # as its registrar
#
# After trust_tree every office trusts the national root (checked by
# fingerprint), has its own certified chain installed, and knows the
# certificates of the offices it exchanges with: its parent (from its own
# chain) and, at a parent, its children (from certifying them).  For
# other trees: tree_root NAT, then tree_join PARENT CHILD for each office,
# parents first.  Key files go to $T/keys/.  Logins read passwords from
# files (CIVREG_PASSWORD_FILE): about 50 ms each, four per office joined.

REG_PW=registrar-password-1
printf '%s\n' "$REG_PW" > "$T/reg.pw"
mkdir -p "$T/keys"

# office NAME CODE LEVEL: creates $T/NAME with users admin and reg.
office() {
	run_in 0 "$ADMIN_PW
" "$CIVREG" -d "$T/$1" init --office "$2" --level "$3" --admin admin
	run_in 0 "$ADMIN_PW
$REG_PW
" "$CIVREG" -d "$T/$1" -u admin user add reg --role registrar
	eval "CODE_$1=$2"
}

# flip FILE OFFSET [MASK]: changes the byte at OFFSET in place (xor MASK).
flip() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "\\$(printf %03o $((_b ^ ${3:-1})))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# code_of NAME: the office code given to office NAME.
code_of() { eval "echo \$CODE_$1"; }

at() {
	_n=$1
	shift
	CIVREG_PASSWORD_FILE=$T/admin.pw "$CIVREG" -d "$T/$_n" -u admin "$@"
}
reg_at() {
	_n=$1
	shift
	CIVREG_PASSWORD_FILE=$T/reg.pw "$CIVREG" -d "$T/$_n" -u reg "$@"
}

# tree_root NAT: exports the national root; sets ROOT_KEYS and ROOT_FPR.
tree_root() {
	ROOT_KEYS=$T/keys/$1.keys
	rm -f "$ROOT_KEYS"
	run 0 at "$1" keys export --out "$ROOT_KEYS"
	run 0 at "$1" keys show
	ROOT_FPR=$(sed -n 's/^fingerprint: //p' "$T/out")
	[ ${#ROOT_FPR} -eq 64 ] || fail "no root fingerprint"
}

# tree_join PARENT CHILD: CHILD trusts the root; PARENT certifies CHILD;
# CHILD installs its certified chain.
tree_join() {
	run 0 at "$2" keys trust "$ROOT_KEYS" --fingerprint "$ROOT_FPR"
	rm -f "$T/keys/$2.keys" "$T/keys/$2.cert"
	run 0 at "$2" keys export --out "$T/keys/$2.keys"
	run 0 at "$1" keys certify "$T/keys/$2.keys" --out "$T/keys/$2.cert"
	run 0 at "$2" keys install "$T/keys/$2.cert"
}

# trust_tree NAT PROV [CHILD ...]: the national office certifies the
# province, the province its districts and communes.
trust_tree() {
	_nat=$1
	_prov=$2
	shift 2
	tree_root "$_nat"
	tree_join "$_nat" "$_prov"
	for _c in "$@"; do
		tree_join "$_prov" "$_c"
	done
}

# national_user NAT: a user natl (role national) at office NAT, and natl
# to run civreg as that user there.
national_user() {
	NATL_AT=$1
	printf 'national-password\n' > "$T/nat.pw"
	run_in 0 "$ADMIN_PW
national-password
" "$CIVREG" -d "$T/$1" -u admin user add natl --role national
}
natl() { CIVREG_PASSWORD_FILE=$T/nat.pw "$CIVREG" -d "$T/$NATL_AT" -u natl "$@"; }

# pool_to OFFICE COUNT: the national office (national_user first; it must
# know OFFICE's key) generates COUNT codes and allocates them to OFFICE,
# which imports the allocation file: a pool of identity codes there.
pool_to() {
	run 0 natl kidc generate --count "$2"
	rm -f "$T"/00-codes-to-*.crf
	run 0 natl kidc allocate --to "$(code_of "$1")" --count "$2" --out "$T"
	run 0 reg_at "$1" import "$T"/00-codes-to-*.crf
}

# birth NAME_KM NAME_LATIN DATE MOTHER_KM: a birth registered at office
# com (its id): the old books' children, registered twice on purpose at
# times, so --new (no stop at entry).
birth() {
	_id=$(reg_at com register birth --new name_km="$1" name_latin="$2" \
	    sex=female date_of_birth="$3" place_of_birth=120101 \
	    place_type=home attendant=midwife birth_type=single \
	    mother_name_km="$4" mother_date_of_birth=1990-01-31 \
	    mother_nationality=Khmer mother_residence=120101 \
	    informant_name="$4" informant_relationship=mother) || return 1
	reg_at com register-record --reason "found in the old book" "$_id" \
	    > /dev/null 2>&1 || return 1	# (a warning: the pool runs low)
	echo "$_id"
}

# thirty_births: thirty children at com, each once; names, birth days and
# mothers differ (the register de-duplication must leave alone).
thirty_births() {
	_i=0
	for _fam in សុខ:Sok ចាន់:Chan ហេង:Heng លី:Ly គឹម:Kim ម៉ៅ:Mao; do
		for _giv in សុភា:Sophea ដារ៉ា:Dara ធីតា:Thida វណ្ណា:Vanna រតនា:Ratana; do
			_i=$((_i + 1))
			birth "${_fam%%:*} ${_giv%%:*}" "${_fam#*:} ${_giv#*:}" \
			    "2026-$(printf %02d $((_i % 10 + 1)))-$(printf %02d $((_i % 27 + 1)))" \
			    "${_giv%%:*} ${_fam%%:*}" > /dev/null || fail "birth $_i"
		done
	done
}
