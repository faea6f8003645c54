#!/usr/bin/perl
# report.pl SAMPLES JSON PLOTDIR - the benchmark's table, raw results and
# plot data (bench/run).
#
# SAMPLES has one "ID VALUE" line per measurement and "@KEY TEXT" lines
# about the machine.  Prints one table: min / median / p99 / max of each
# figure and, where the issue sets one, its target and whether this run
# meets it.  Writes every sample and statistic to JSON, and the .dat
# files bench/plots.gp draws.
use strict;
use warnings;
use JSON::PP;
use POSIX qw(ceil);

my ($samples, $json, $plotdir) = @ARGV;
my (%v, %meta);
open(my $in, '<', $samples) or die "$samples: $!\n";
while (<$in>) {
	chomp;
	if (/^@(\S+) (.*)$/) { $meta{$1} = $2 }
	elsif (/^(\S+) (-?[0-9.]+)$/) { push @{$v{$1}}, $2 }
}

# Per-run ratios of two figures measured in the same runs.
sub ratio {
	my ($id, $num, $den) = @_;
	return unless $v{$num} && $v{$den};
	my $n = @{$v{$num}} < @{$v{$den}} ? @{$v{$num}} : @{$v{$den}};
	$v{$id} = [map { $v{$num}[$_] / $v{$den}[$_] } 0 .. $n - 1];
}
for my $c ('', '.cpu') {
	ratio("build.first_ratio$c", "build.first$c", "build.plain$c");
	ratio("build.second_ratio$c", "build.second$c", "build.plain$c");
	ratio("build.swap.first_ratio$c", "build.swap.first$c",
	      "build.plain$c");
	ratio("build.swap.second_ratio$c", "build.swap.second$c",
	      "build.plain$c");
	ratio("build.redis.first_ratio$c", "build.redis.first$c",
	      "build.redis.plain$c");
}
# The call's cost from each loop's best request of the run: the least
# disturbed by other work on the machine.
for my $s (qw(unpatched patched reverted)) {
	next unless $v{"cost.$s.step"} && $v{"cost.$s.ref"};
	my ($a, $b) = map { (sort { $a <=> $b } @{$v{"cost.$s.$_"}})[0] }
	    qw(step ref);
	$v{"cost.$s.best_extra"} = [$a - $b];
}
for my $p (qw(step calc mq0809 mq28366)) {
	ratio("size.$p.code_ratio", "size.$p.code", "size.$p.replaced");
}

sub stats {
	my @s = sort { $a <=> $b } @{$_[0]};
	my $n = @s;
	return { n => $n, min => $s[0], median => $n % 2 ? $s[$n / 2]
		 : ($s[$n / 2 - 1] + $s[$n / 2]) / 2,
		 p99 => $s[ceil(0.99 * $n) - 1], max => $s[-1] };
}
my %st = map { $_ => stats($v{$_}) } keys %v;

# The table: [id, label, unit, scale, target statistic, op, limit, text].
my @rows;
sub row { push @rows, [@_] }
sub section { push @rows, [undef, $_[0]] }
section('1. pause seen by the target (one-function patch)');
# A process whose only thread is busy sees every stop, the mapping's too.
row('pause.alone.thread',
    '1 busy thread alone: longest pause (all stops counted)', 'µs', 1,
    'median', '<', 100, 'median < 100 µs');
row('pause.alone.suture', '1 busy thread alone: switch stop (suture says)',
    'µs', 1);
row('pause.alone.aside', '1 busy thread alone: mapping stop (suture says)',
    'µs', 1);
row('pause.alone.revert.thread',
    '1 busy thread alone: revert, longest pause', 'µs', 1);
row('pause.alone.revert.suture',
    '1 busy thread alone: revert, switch stop (suture says)', 'µs', 1);
row('pause.alone.revert.aside',
    '1 busy thread alone: revert, unmapping stop (suture says)', 'µs', 1);
row('pause.alone.revert.switches',
    '1 busy thread alone: revert, context switches', '', 1);
row('pause.alone.ptrace', '1 busy thread alone: bare ptrace stop+release',
    'µs', 1);
row('pause.alone.ptrace_awake', '  the same, idle CPUs polling', 'µs', 1);
for my $t (1, 8, 100, 1000) {
	my $lim = $t == 1 ? 100 : $t == 1000 ? 5000 : undef;
	my @tg = defined $lim ? ('median', '<', $lim, "median < $lim µs") : ();
	row("pause.$t.process", "$t thr: no thread ran (target)", 'µs', 1, @tg);
	row("pause.$t.suture", "$t thr: stopped (suture says)", 'µs', 1, @tg);
	row("pause.$t.aside", "$t thr: one thread alone, mapping", 'µs', 1);
	row("pause.$t.thread", "$t thr: longest gap of a thread", 'µs', 1);
	row("pause.$t.floor", "$t thr: same window, no apply", 'µs', 1);
	row("pause.$t.ptrace", "$t thr: bare ptrace stop+release", 'µs', 1);
	# its parts, and the kernel's own stops (bench/stops.c), from 100
	row("pause.$t.ptrace_stop", "  ptrace: seize, interrupt, wait", 'µs',
	    1) if $t >= 100;
	row("pause.$t.ptrace_regs", "  ptrace: read registers", 'µs', 1)
	    if $t >= 100;
	row("pause.$t.ptrace_detach", "  ptrace: detach", 'µs', 1) if $t >= 100;
	row("pause.$t.sigstop", "  no ptrace: SIGSTOP, all stopped", 'µs', 1);
	row("pause.$t.freeze", "  no ptrace: cgroup freeze, frozen", 'µs', 1);
}
section('2. apply / revert latency (1 function, 1 thread), by phase');
row('command.floor.exit', 'floor: a program that only exits', 'ms', 1e-3);
row('command.floor.help', 'floor: suture --help', 'ms', 1e-3);
row('command.floor.attach', 'floor: seize, stop, release (floor.c)', 'ms',
    1e-3);
for my $op (qw(apply revert)) {
	row("$op.wall", "$op: command wall time", 'ms', 1e-3,
	    $op eq 'apply' ? ('median', '<=', 3000, 'median <= 3 ms') : ());
	row("command.$op.outside", "$op: outside the phases (start, exit)",
	    'ms', 1e-3);
	row("$op.suture", "$op: process stopped", 'µs', 1);
	row("$op.aside", "$op: one thread alone, (un)mapping", 'µs', 1);
	for my $id (sort { $st{$b}{median} <=> $st{$a}{median} }
		    grep { /^$op\.(?!wall$|suture$|aside$)/ } keys %st) {
		(my $ph = $id) =~ s/^$op\.//;
		$ph =~ tr/_/ /;
		row($id, "  $op phase: $ph", 'µs', 1);
	}
}
section('3. cost of a call (ns per loop iteration)');
for my $s (qw(unpatched patched reverted)) {
	row("cost.$s.step", "$s: pause_step", 'ns', 1);
	row("cost.$s.ref", "$s: twin pause_ref", 'ns', 1);
	row("cost.$s.empty", "$s: empty loop", 'ns', 1);
	row("cost.$s.extra", "$s: step - twin, per request", 'ns', 1);
	row("cost.$s.best_extra", "$s: best step - best twin", 'ns', 1,
	    'median', $s eq 'patched' ? '<=' : 'abs<=',
	    $s eq 'patched' ? 0.35 : 0.1,
	    $s eq 'patched' ? '<= +0.35 ns' : 'within 0.1 ns of 0');
}
section('4. patch build time, mosquitto and redis (s)');
my @first = ('median', '<=', 1.3, 'median <= 1.3');
my @second = ('median', '<', 0.5, 'median < 0.5');
row('build.plain', 'plain clean build (make -j2)', 's', 1);
row('build.first', 'suture build, first patch (0809)', 's', 1);
row('build.second', 'suture build, second patch (28366)', 's', 1);
row('build.first_ratio', 'first patch / plain build', 'x', 1, @first);
row('build.second_ratio', 'second patch / plain build', 'x', 1, @second);
row('build.swap.first', 'other order: first patch (28366)', 's', 1);
row('build.swap.second', 'other order: second patch (0809)', 's', 1);
row('build.swap.first_ratio', 'other order: first / plain build', 'x', 1,
    @first);
row('build.swap.second_ratio', 'other order: second / plain build', 'x', 1,
    @second);
row('build.first_ratio.cpu', 'CPU time: first / plain build', 'x', 1);
row('build.second_ratio.cpu', 'CPU time: second / plain build', 'x', 1);
row('build.redis.plain', 'redis: plain clean build (make -j2)', 's', 1);
row('build.redis.first', 'redis: first patch (32023)', 's', 1);
row('build.redis.first_ratio', 'redis: first patch / plain build', 'x', 1,
    @first);
row('build.redis.first_ratio.cpu', 'redis: CPU time, first / plain', 'x',
    1);
section('5. patch size (bytes)');
for my $p (qw(step calc mq0809 mq28366)) {
	row("size.$p.replaced", "$p: changed functions' code", 'B', 1);
	row("size.$p.code", "$p: code in the patch", 'B', 1);
	row("size.$p.data", "$p: data in the patch", 'B', 1);
	row("size.$p.file", "$p: patch file", 'B', 1);
}
section('6. many processes (apply PID,PID,..., one worker per CPU)');
for my $n (10, 100, 1000) {
	my @tg = $n == 1000 ? ('median', '<', 1000, 'median < 1 s') : ();
	row("many.$n.apply", "$n processes: apply, total", 'ms', 1, @tg);
	row("many.$n.apply_per_process", "$n processes: apply, per process",
	    'ms', 1);
	row("many.$n.revert", "$n processes: revert, total", 'ms', 1);
}
row('many.commands', '1000 single-process applies, in turn', 's', 1e-3,
    'median', '<=', 4000, 'median <= 4 s');
row('many.commands_per_command', '  ... per command', 'ms', 1);
section('7. memory a patch adds (delta to before the apply)');
for my $p (qw(step calc)) {
	row("mem.$p.maps", "$p applied: mappings", '', 1);
	row("mem.$p.vmsize", "$p applied: VmSize", 'kB', 1);
	row("mem.$p.rss", "$p applied: VmRSS", 'kB', 1);
	row("mem.$p.maps_reverted", "$p reverted: mappings", '', 1,
	    'max', '<=', 0, 'back to 0');
	row("mem.$p.vmsize_reverted", "$p reverted: VmSize", 'kB', 1,
	    'max', '<=', 0, 'back to 0');
}

sub num {
	my ($x, $scale) = @_;
	my $y = $x * $scale;
	return sprintf(abs($y) >= 100 || $y == int($y) ? '%.0f' : '%.2f', $y);
}
section('8. the scan for references (coro, heap written)');
for my $m (0, 256, 1024) {
	row("retain.$m.apply", "$m MiB: apply, stopped", 'µs', 1);
	row("retain.$m.apply.look_for_saved_contexts_all_threads_stopped_",
	    "$m MiB: apply, scan", 'µs', 1);
	row("retain.$m.revert", "$m MiB: revert, stopped", 'µs', 1);
	row("retain.$m.revert.look_for_references_all_threads_stopped_",
	    "$m MiB: revert, scan", 'µs', 1);
}
section('9. a process start with the preload library (suture enable)');
row('atstart.true.none', '/bin/true, no preload library', 'µs', 1);
row('atstart.true.empty', '/bin/true, library, no store', 'µs', 1);
row('atstart.true.other', '/bin/true, library, 1 other patch', 'µs', 1);
row('atstart.calc.none', 'calc, no preload library', 'µs', 1);
row('atstart.calc.apply', 'calc, library, its patch applied', 'ms', 1e-3);

printf "%-38s %4s %3s %8s %8s %8s %8s  %s\n", 'figure', 'unit', 'n', 'min',
    'median', 'p99', 'max', 'target';
for my $r (@rows) {
	my ($id, $label, $unit, $scale, $stat, $op, $lim, $text) = @$r;
	if (!defined $id) { print "-- $label\n"; next }
	my $s = $st{$id} or next;
	my $verdict = '';
	if (defined $stat) {
		my $x = $s->{$stat};
		my $ok = $op eq '<' ? $x < $lim
		    : $op eq 'abs<=' ? abs($x) <= $lim : $x <= $lim;
		$verdict = sprintf '%s: %s', $text, $ok ? 'met' : 'MISSED';
	}
	printf "%-38s %4s %3d %8s %8s %8s %8s  %s\n", $label, $unit, $s->{n},
	    map({ num($s->{$_}, $scale) } qw(min median p99 max)), $verdict;
}
printf "machine: %s CPUs, %s, kernel %s; load at start %s\n",
    map { $meta{$_} // '?' } qw(cpus cpu kernel load);
printf "the switch stop's scan (the busy thread alone): %s\n", $meta{scan}
    if $meta{scan};
printf "while suture held the busy thread alone: idle CPUs %s\n", $meta{wake}
    if $meta{wake};

open(my $out, '>', $json) or die "$json: $!\n";
print $out JSON::PP->new->pretty->canonical->encode({
	machine => \%meta,
	figures => { map { $_ => { %{$st{$_}}, samples => $v{$_} } } keys %st },
});
close $out;

# Plot data: one line per x value, medians and p99s.
mkdir $plotdir;
sub dat {
	my ($file, $xs, @ids) = @_;
	open(my $f, '>', "$plotdir/$file") or die "$file: $!\n";
	for my $x (@$xs) {
		my @c = map { my $s = $st{sprintf $_, $x};
			      $s ? ($s->{median}, $s->{p99}) : ('?', '?') } @ids;
		print $f join(' ', $x, @c), "\n";
	}
}
dat('pause.dat', [1, 8, 100, 1000], 'pause.%d.process', 'pause.%d.suture',
    'pause.%d.thread', 'pause.%d.floor', 'pause.%d.ptrace');
dat('many.dat', [10, 100, 1000], 'many.%d.apply', 'many.%d.revert');
open(my $ph, '>', "$plotdir/phases.dat") or die;
for my $id (sort grep { /^apply\.(?!wall$|suture$|aside$|read_patch$|report$)/ }
	    keys %st) {
	(my $n = $id) =~ s/^apply\.//;
	$n =~ tr/_/ /;
	print $ph "\"$n\" $st{$id}{median}\n";
}
