# guest.sh - helpers for check scripts run inside the test guest
# (tests/kernel/boot), the guest-side twin of tests/lib.sh's few that a
# busybox shell needs: each check prints "ok - WHAT" or "FAIL - WHAT"
# with the evidence indented below.
PASSED=0
FAILED=0
OUT=""
RC=0

pass() {
	PASSED=$((PASSED + 1))
	echo "ok - $1"
}

# fail WHAT [EVIDENCE]
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -n 30 | sed 's/^/    | /'
	return 0
}

# run CMD... - output in $OUT, status in $RC.
run() {
	OUT=$("$@" 2>&1)
	RC=$?
}

# check WHAT CMD... - CMD exits 0.
check() {
	local what=$1
	shift
	run "$@"
	if [ "$RC" -eq 0 ]; then pass "$what"; else
		fail "$what" "\$ $*
$OUT
(exit status $RC)"
	fi
}

# check_refused WHAT TEXT CMD... - CMD fails and its output holds TEXT.
check_refused() {
	local what=$1 text=$2
	shift 2
	run "$@"
	case $OUT in
	*"$text"*) [ "$RC" -ne 0 ] && { pass "$what"; return; } ;;
	esac
	fail "$what" "\$ $*
$OUT
(exit status $RC; expected a failure saying: $text)"
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1" "expected: '$2'
actual:   '$3'"
	fi
}

# check_has WHAT TEXT - the last run's output holds TEXT.
check_has() {
	case $OUT in
	*"$2"*) pass "$1" ;;
	*) fail "$1" "expected '$2' in:
$OUT" ;;
	esac
}
