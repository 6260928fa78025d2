# tools/deps.sh -- sourced by demo.sh and check.sh: installs the Debian
# packages civreg needs to build and test, if any are missing.
CIVREG_PKGS="gcc make autoconf automake libtool pkg-config libdb5.3-dev \
db5.3-util libgcrypt20-dev libncursesw5-dev check libsubunit-dev tmux \
openssh-client openssh-server openssl gettext autopoint"
# ./check.sh --fuzz also needs clang and libFuzzer.  On Debian 12 the
# runtime (libclang_rt.fuzzer) is in libclang-rt-14-dev, which clang only
# recommends: name it (libclang-rt-dev follows the default clang).
# shellcheck disable=SC2034
CIVREG_FUZZ_PKGS="clang libclang-rt-dev"

# civreg_deps [MORE_PACKAGES...]
civreg_deps() {
	missing=
	for p in $CIVREG_PKGS "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "civreg needs these Debian packages:$missing" >&2
		echo "install them with: sudo apt-get install$missing" >&2
		return 1
	fi
	echo "installing Debian packages:$missing" >&2
	apt-get update -qq >&2 &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
}

# civreg_build DIR [CONFIGURE_ARGS...]: configure and build out of tree.
civreg_build() {
	bdir=$1
	shift
	top=$(pwd)
	[ -x configure ] || autoreconf -fi >&2 || return 1
	mkdir -p "$bdir"
	(cd "$bdir" &&
	    { [ -f Makefile ] || "$top/configure" -q "$@"; } &&
	    make -j"$(nproc 2>/dev/null || echo 2)" >&2) || return 1
}
