#!/bin/sh
# Builds corral-spawnd and its test driver and runs the driver against it.
#
#   run-tests.sh [OUTPUT_DIR] [--no-timings]
#
# OUTPUT_DIR receives both binaries (default: a fresh temporary directory).
# As root the driver runs three times: as root, then as uid/gid 65534 through
# setpriv (the user-namespace checks unprivileged; root-only checks are
# reported as skipped there), then as uid 65534 with CAP_SETUID and
# CAP_SETGID (capabilities mode).  Exit status: 0 only if every run passed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src_main="$here/../../main/c"
CC=${CC:-gcc}
CFLAGS=${CFLAGS:-"-std=gnu11 -O2 -Wall -Wextra -Werror"}

if [ $# -ge 1 ] && [ "$1" != "--no-timings" ]; then
	out=$1
	shift
	mkdir -p "$out"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/corral-spawnd.XXXXXX")
	trap 'rm -rf "$out"' EXIT
fi
out=$(cd "$out" && pwd)
# The unprivileged run must be able to reach and execute the binaries.
chmod 755 "$out"

# shellcheck disable=SC2086 # CFLAGS is a list of words
$CC $CFLAGS -o "$out/corral-spawnd" "$src_main"/*.c
# shellcheck disable=SC2086
$CC $CFLAGS -o "$out/spawnd-test" "$here/spawnd-test.c"
chmod 755 "$out/corral-spawnd" "$out/spawnd-test"

status=0
cd "$out"
"$out/spawnd-test" "$out/corral-spawnd" "$@" || status=$?

if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		echo "# --- again as uid 65534 ---"
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$out/spawnd-test" "$out/corral-spawnd" --no-timings || status=$?
		echo "# --- capabilities mode: uid 65534 with CAP_SETUID and CAP_SETGID ---"
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+setuid,+setgid \
			--ambient-caps=+setuid,+setgid \
			"$out/spawnd-test" "$out/corral-spawnd" --caps-mode || status=$?
	else
		echo "# setpriv not found: unprivileged run skipped"
	fi
fi
exit "$status"
