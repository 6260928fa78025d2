# tuilib.sh -- civreg's screens driven through tmux, for the shell tests
# (sourced after lib.sh).  Each start runs civreg on a fresh 80x24 VT100
# terminal, on a fresh socket: a new client must not meet the old server
# exiting.  TUI_DIR is the store the screens open ($S if unset); TUI_ENV,
# more VAR=value for civreg's environment.  The terminal's working
# directory is $T (files written from the screens land there).
#
# Targets are exact, "=t:" (session t, its current window), never "t":
# tmux first tries a bare name as the start of a window's name in the
# most recently used session, and under load the keys meant for t
# reached the second terminal of tui.sh.
TM="tmux -S $T/tmux.sock"
trap '$TM kill-server 2>/dev/null || true; rm -rf "$T"' EXIT
nstart=0

tui_start() {	# tui_start USER
	$TM kill-server 2>/dev/null || true
	nstart=$((nstart + 1))
	TM="tmux -S $T/tmux$nstart.sock"
	$TM -f /dev/null new-session -d -s t -x 80 -y 24 -c "$T" \
	    "env LANG=C.UTF-8 TERM=vt100 CIVREG_NOW=$CIVREG_NOW CIVREG_LOCALEDIR=${CIVREG_LOCALEDIR:-} ${TUI_ENV:-} $CIVREG -d ${TUI_DIR:-$S} -u $1 2>>$T/civreg.err"
}
screen() { $TM capture-pane -p -t =t: 2>/dev/null; }
keys() { $TM send-keys -t =t: "$@"; }
text() { $TM send-keys -t =t: -l "$1"; }
wait_for() {
	i=0
	until screen | grep -qF -- "$1"; do
		i=$((i + 1))
		if [ $i -ge 200 ]; then
			screen > "$T/out"
			cp "$T/civreg.err" "$T/err" 2>/dev/null || true
			fail "the screen never showed: $1"
		fi
		sleep 0.05
	done
}
wait_gone() {
	i=0
	while screen | grep -qF -- "$1"; do
		i=$((i + 1))
		[ $i -lt 200 ] || { screen > "$T/out"; fail "the screen still shows: $1"; }
		sleep 0.05
	done
}
tui_login() {	# tui_login USER PASSWORD: started and at the main menu
	tui_start "$1"
	wait_for "Password:"
	text "$2"
	keys Enter
	wait_for "Main menu"
}
start() { tui_start "$@"; }
login() { tui_login "$@"; }
