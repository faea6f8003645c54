# plots.gp - the benchmark's figures (bench/run runs it in the directory
# of report.pl's .dat files, with out='DIR' for the PNGs).
set terminal pngcairo size 800,480 font ",10"
set grid
set key top left

# 1. pause against thread count: what the target saw, what suture says.
set output out.'/pause.png'
set title "Pause of a one-function apply against thread count (median, bars to p99)"
set logscale xy
set xlabel "threads in the target (tight loop through the patched function)"
set ylabel "µs"
set xrange [0.7:1500]
plot 'pause.dat' using 1:2:2:3 with yerrorlines lw 2 title "no thread of the target ran", \
     '' using 1:4:4:5 with yerrorlines lw 2 title "suture: process stopped for", \
     '' using 1:6 with linespoints title "longest gap of one thread", \
     '' using 1:8 with linespoints dt 2 title "floor: same window, no apply", \
     '' using 1:10 with linespoints dt 2 title "floor: bare ptrace stop and release", \
     100 with lines lc rgb "gray" dt 3 title "target, 1 thread: 100 µs", \
     5000 with lines lc rgb "gray" dt 4 title "target, 1000 threads: 5 ms"

# 2. many processes: total time against process count.
set output out.'/many.png'
set title "One patch applied to many processes (suture apply PID,PID,..., median, bars to p99)"
set xlabel "processes"
set ylabel "ms, whole command"
set xrange [7:1500]
plot 'many.dat' using 1:2:2:3 with yerrorlines lw 2 title "apply", \
     '' using 1:4:4:5 with yerrorlines lw 2 title "revert", \
     1000 with lines lc rgb "gray" dt 3 title "target: 1000 processes in 1 s"

# 3. where an apply's time goes (one function, one thread).
unset logscale
set output out.'/phases.png'
set title "suture apply, one function, one thread: median time per phase"
set style data histogram
set style fill solid 0.6
set boxwidth 0.8
set xtics rotate by -30
set xlabel ""
set ylabel "µs"
set xrange [*:*]
set key off
plot 'phases.dat' using 2:xtic(1) lc rgb "#4060a0"
