# calc.sh - helpers for the tests that use the calc target (sourced after
# lib.sh).  The expected answers are computed here from a model of each
# function, before ("old") and after ("new") the fix in each diff, so a
# check never compares against a number copied from a previous run.

# calc_build DIR MAKEARGS... - assemble calc's tree in DIR and build it.
calc_build() {
	local dir=$1
	shift
	make_tree calc "$dir"
	build_tree "$dir" "$@"
}

# The model.
model_sum() { # old: 1..n-1, new: 1..n
	local n=$2
	[ "$1" = old ] && n=$((n - 1))
	echo $((n * (n + 1) / 2))
}
model_vowels() { # old: lower-case vowels only, new: both cases
	local s=$2
	if [ "$1" = old ]; then s=${s//[^aeiou]/}; else s=${s//[^aeiouAEIOU]/}; fi
	echo ${#s}
}
model_greet() {
	if [ "$1" = old ]; then echo "hello, $2"; else echo "Hello, $2!"; fi
}
model_pct() { # clamp to 0..1000 (old) or 0..100 (new)
	local max=1000 v=$2
	[ "$1" = new ] && max=100
	((v < 0)) && v=0
	((v > max)) && v=$max
	echo "$v"
}
model_bar() {
	local n
	n=$(($(model_pct "$1" "$2") / 10))
	printf '%*s' "$n" '' | tr ' ' '#'
	echo
}
model_check() { # old: exactly "yes", new: any case
	local w=$2
	[ "$1" = new ] && w=${w,,}
	if [ "$w" = yes ]; then echo yes; else echo no; fi
}
model_digest() { # old: sum of bytes, new: FNV-1a 32
	local s=$2 h i c
	if [ "$1" = old ]; then
		h=0
		for ((i = 0; i < ${#s}; i++)); do
			printf -v c '%d' "'${s:i:1}"
			h=$((h + c))
		done
	else
		h=2166136261
		for ((i = 0; i < ${#s}; i++)); do
			printf -v c '%d' "'${s:i:1}"
			h=$((((h ^ c) * 16777619) & 0xffffffff))
		done
	fi
	echo "$h"
}

model_color() { # old: blue at 2, no 8; new: navy at 2, orange at 8
	local old=(red green blue cyan magenta yellow black white)
	local new=(red green navy cyan magenta yellow black white orange)
	local -n t=$1
	echo "${t[$2]:-none}"
}
model_scale() { # weight(x, 3) and weight(x + 1, 3); old uses ^, new &
	local x i r out=""
	for x in "$2" $(($2 + 1)); do
		r=0
		for ((i = 0; i < 3; i++)); do
			if [ "$1" = old ]; then
				r=$((r + x * i + (x ^ i)))
			else
				r=$((r + x * i + (x & i)))
			fi
		done
		out="$out $r"
	done
	echo "${out# }"
}

# check_feature PORT FEATURE old|new WHEN - the requests that show FEATURE
# (fix, string, inline, helper, libc, switch, clone: the calc diffs) answer as the old or
# the new code would.  WHEN describes the moment for the check lines.
CALC_CALLS=0	# compute() calls made by check_feature so far

check_feature() {
	local port=$1 f=$2 v=$3 when=$4 a
	case $f in
	fix)
		CALC_CALLS=$((CALC_CALLS + 2))
		for a in 5 100; do
			check_ask "$when: calc $a is the $v sum" "$port" \
				"calc $a" "$(model_sum "$v" "$a")"
		done
		check_ask "$when: vowels (static function) $v" "$port" \
			"vowels EducAtion" "$(model_vowels "$v" EducAtion)"
		;;
	string)
		check_ask "$when: greet uses the $v string literal" "$port" \
			"greet bob" "$(model_greet "$v" bob)"
		;;
	inline)
		for a in 50 150 2000; do
			check_ask "$when: pct $a ($v static inline)" "$port" \
				"pct $a" "$(model_pct "$v" "$a")"
		done
		check_ask "$when: bar 150 in util.c ($v static inline)" \
			"$port" "bar 150" "$(model_bar "$v" 150)"
		;;
	helper)
		for a in ab ba suture; do
			check_ask "$when: digest $a ($v helper)" "$port" \
				"digest $a" "$(model_digest "$v" "$a")"
		done
		;;
	libc)
		for a in yes YES Yes no; do
			check_ask "$when: check $a ($v, strcasecmp)" "$port" \
				"check $a" "$(model_check "$v" "$a")"
		done
		;;
	switch)
		for a in 1 2 7 8 9; do
			check_ask "$when: color $a ($v switch)" "$port" \
				"color $a" "$(model_color "$v" "$a")"
		done
		;;
	clone)
		for a in 5 12; do
			check_ask "$when: scale $a ($v cloned function)" \
				"$port" "scale $a" "$(model_scale "$v" "$a")"
		done
		;;
	*)
		fail "check_feature: unknown feature $f"
		;;
	esac
}

# check_state PORT WHEN - compute() ran $CALC_CALLS times in all: its file
# static, its function-local static and the global all say so.
check_state() {
	local n=$CALC_CALLS
	check_ask "$2: state kept (file static, local static, global = $n)" \
		"$1" state "calls=$n hits=$n total=$n"
}

# check_big old|fix|capped WHEN - `calc $CALC_BIG` on the target at $port:
# 1..N-1 (old), 1..N (fix.diff), 1..10^6 (fix2.diff, or cap.diff on fix).
CALC_BIG=3000000
check_big() {
	local want
	case $1 in
	old) want=$(model_sum old $CALC_BIG) ;;
	fix) want=$(model_sum new $CALC_BIG) ;;
	capped) want=$(model_sum new 1000000) ;;
	esac
	check_ask "$2: calc $CALC_BIG runs the $1 code" "$port" \
		"calc $CALC_BIG" "$want"
	CALC_CALLS=$((CALC_CALLS + 1))
}
