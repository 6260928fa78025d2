#!/bin/sh
# Damage on disk is found: a flipped byte in the audit log, then in the
# records, is reported by verify with the file it is in, exit status 7.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

flip() {	# flip FILE STRING: flips one byte inside the first STRING
	off=$(grep -abo -- "$2" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || fail "'$2' not found in $1"
	off=$((off + 2))
	byte=$(od -An -tu1 -j "$off" -N 1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((byte ^ 1)))" |
	    dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

make_store
id=$(register_birth "សុខ ដារ៉ា" "Sokh Dara")
run 0 as_admin verify
out_has "audit chain of"
ok "verify passes on a sound store"

cp -R "$S" "$T/copy"
flip "$S/audit.db" "store created for commune office"
run 7 as_admin verify
err_has "audit.db"
err_has "restore the damaged file from a backup"
ok "a flipped byte in audit.db is reported by verify"

rm -rf "$S" && mv "$T/copy" "$S"
run 0 as_admin verify
flip "$S/records.db" "Sokh Dara"
run 7 as_admin verify
err_has "records.db"
ok "a flipped byte in records.db is reported by verify"
echo "$ntest passed, 0 failed"
