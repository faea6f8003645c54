# size.sh - how big a patch is against the code it replaces (issue 6,
# item 5): the patch file, the code and data it brings (suture info), and
# the size of the changed functions in the running binary.

# size_of ID PATCH - sample size.ID.{file,code,data,replaced}.
size_of() {
	local info
	[ -s "$2" ] || return 0
	info=$("$SUTURE" info "$2")
	sample "size.$1.file" "$(stat -c %s "$2")"
	sample "size.$1.code" "$(sed -n 's/^brings \([0-9]*\) bytes of code.*/\1/p' <<<"$info")"
	sample "size.$1.data" "$(sed -n 's/^brings .* and \([0-9]*\) bytes of data.*/\1/p' <<<"$info")"
	sample "size.$1.replaced" "$(json_get "$("$SUTURE" info --json "$2")" '
		my $s = 0; $s += $_->{old_size} for @{$j->{functions}}; $s')"
}

bench_size() {
	pause_tree "$WORK/pause"
	size_of step "$WORK/pause/step.sut"
	size_of calc "$WORK/calc/fix.sut"
	size_of mq0809 "$WORK/mq/0809.sut"
	size_of mq28366 "$WORK/mq/28366.sut"
}
