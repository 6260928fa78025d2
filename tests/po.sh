#!/bin/sh
# The Khmer catalogue is complete: every string the screens show through
# gettext is in po/km.po, translated, not fuzzy, with the same printf
# directives (msgfmt --check).
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

TOP=${TOP_SRCDIR:?}
${XGETTEXT:-xgettext} -k_ -kN_ --from-code=UTF-8 --no-location \
    -o "$T/civreg.pot" "$TOP"/src/tui*.c || fail "xgettext failed"
n=$(grep -c '^msgid "[^"]' "$T/civreg.pot" || true)
[ "$n" -gt 40 ] || fail "only $n strings extracted: is gettext used?"
${MSGCMP:-msgcmp} "$TOP/po/km.po" "$T/civreg.pot" 2> "$T/err" ||
	fail "po/km.po lacks strings of the screens"
ok "every string of the screens is in po/km.po"

${MSGFMT:-msgfmt} --check --statistics -o /dev/null "$TOP/po/km.po" 2> "$T/err" ||
	fail "msgfmt --check refused po/km.po"
grep -q "fuzzy\|untranslated" "$T/err" && fail "po/km.po is not complete"
ok "po/km.po is fully translated and well formed: $(cat "$T/err")"
echo "$ntest passed, 0 failed"
