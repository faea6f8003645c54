#!/bin/bash
# atstart-ns.sh DIR RUNS - bench/atstart.sh's measurements, run in a
# private mount namespace: /etc, /var and /usr become overlays on a tmpfs,
# suture and its preload library are installed there, and each figure is
# hyperfine's individual times of a program's start (µs), printed as
# "ID VALUE" lines for bench/run's samples.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$1 RUNS=$(($2 * 20))
OV=$DIR/ov
mkdir -p "$OV" && mount -t tmpfs tmpfs "$OV" || exit 1
for d in etc var usr; do
	mkdir -p "$OV/$d-up" "$OV/$d-work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$OV/$d-up,workdir=$OV/$d-work" "/$d" || exit 1
done
SUTURE=$ROOT/build/suture PRELOAD=$ROOT/build/libsuture-preload.so
BIN=$(strings -a "$PRELOAD" | grep -m1 '/bin/suture$')
LIB=$("$SUTURE" enable --list | sed -n 's/^at start: .* list[s]* //p')
install -D -m 755 "$SUTURE" "$BIN" && install -D -m 644 "$PRELOAD" "$LIB" ||
	exit 1
rm -rf /var/lib/suture /etc/ld.so.preload /etc/suture
# unsigned patches for every process: this measures time, not trust
mkdir -p /etc/suture && echo 'other-users = any' >/etc/suture/policy

# times ID RUNS CMD... - hyperfine's times of CMD (exit status ignored).
times() {
	local id=$1 runs=$2
	shift 2
	hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$DIR/t.json" \
		"$*" >/dev/null 2>&1 || return 0
	perl -MJSON::PP -e '
		local $/; open my $f, "<", $ARGV[0] or exit;
		my $j = decode_json(<$f>);
		printf "%s %.0f\n", $ARGV[1], $_ * 1e6
			for @{$j->{results}[0]{times}};' "$DIR/t.json" "$id"
}
CALC=$DIR/calc/calc
times atstart.true.none "$RUNS" /bin/true
times atstart.calc.none "$RUNS" "$CALC"
"$SUTURE" enable --at-start >/dev/null || exit 1
times atstart.true.empty "$RUNS" /bin/true
"$SUTURE" enable "$DIR/fix.sut" >/dev/null || exit 1
times atstart.true.other "$RUNS" /bin/true
times atstart.calc.apply $(($2 * 2)) "$CALC"
