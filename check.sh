#!/bin/sh
# check.sh -- installs what is missing, builds, and runs the whole test
# suite.  With --sanitizers the build uses AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-san/, else build/).  Prints the
# automake summary, check's own "Checks: N, Failures: 0, Errors: 0" lines
# and each shell test's "N passed, N failed" line.
#
# check.sh --fuzz [SECONDS] instead builds with clang and libFuzzer (in
# build-fuzz/) and fuzzes the replication-file reader for SECONDS (60),
# printing libFuzzer's summary; a crash, leak or hang fails it
# (doc/replication.md, "Fuzzing").
set -eu
cd "$(dirname "$0")"
. tools/deps.sh

bdir=build
args=
if [ "${1:-}" = "--fuzz" ]; then
	secs=${2:-60}
	# shellcheck disable=SC2086
	civreg_deps $CIVREG_FUZZ_PKGS
	civreg_build build-fuzz --enable-fuzz CC=clang
	status=0
	(cd build-fuzz && make fuzz-run FUZZ_SECONDS="$secs") \
	    > build-fuzz/fuzz.out 2>&1 || status=$?
	grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs|^stat::(average_exec_per_sec|new_units_added|peak_rss_mb)' \
	    build-fuzz/fuzz.out || true
	if [ "$status" -ne 0 ]; then
		echo "--- libFuzzer's report:"
		tail -n 60 build-fuzz/fuzz.out
		ls build-fuzz/fuzz/crashes/ 2>/dev/null || true
		echo "fuzzing FAILED (build-fuzz; the input is in build-fuzz/fuzz/crashes/)"
		exit "$status"
	fi
	echo "fuzzing passed: no crash, leak or hang in ${secs} s (build-fuzz)"
	exit 0
fi
if [ "${1:-}" = "--sanitizers" ]; then
	bdir=build-san
	args=--enable-sanitizers
fi
civreg_deps
# shellcheck disable=SC2086
civreg_build "$bdir" $args

status=0
(cd "$bdir" && make -j"$(nproc 2>/dev/null || echo 2)" check) > "$bdir/check.out" 2>&1 || status=$?
grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):|^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$bdir/check.out" || true
echo "--- unit tests (check):"
grep -h -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$bdir"/tests/*.log || true
echo "--- shell tests:"
for f in "$bdir"/tests/*.sh.log; do
	printf '%s: ' "$(basename "$f" .log)"
	grep -E '^[0-9]+ passed, [0-9]+ failed' "$f" || echo "no summary (failed early)"
done
if [ "$status" -ne 0 ]; then
	echo "--- failing logs:"
	for f in "$bdir"/tests/*.log; do
		grep -qE '^:test-result: (FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null && { echo "== $f"; tail -n 60 "$f"; }
	done
	echo "test suite FAILED ($bdir)"
	exit "$status"
fi
echo "test suite passed ($bdir)"
