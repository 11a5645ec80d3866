# The Perl column's adapter (docs/RUNTIMES.md, "Perl"): run by
# fdconform-kit-host in a prepared scenario parent, it maps the scenario's
# popen and fork_exec blocks onto Perl's fork and exec, the way a Perl program
# spawns a child for anything beyond a plain system(): pipe, fork, then in the
# child POSIX::dup2, chdir, umask, %SIG, POSIX::setsid/setpgid,
# POSIX::setgid/setuid, $), the scenario's child steps, POSIX::close and %ENV,
# then exec. The host does the protocol, the
# parent's state and both snapshots (it reads them through procfs while this
# process is stopped); drivers/kit/runtime_host.hpp describes the request and
# outcome files. Core modules only.
use strict;
use warnings;
# perl holds this file open while it compiles it, and each module below on one more fd while it
# compiles that one (File::Spec needs Cwd, which needs Exporter: four at once). The host builds
# the scenario parent's fd table before perl starts, so a table full up to a lowered
# RLIMIT_NOFILE (stdio-pipe-emfile-closes-earlier-pipes) leaves perl too few fds to get to the
# spawn at all. A Perl program fills its table after it has started; this state is out of the
# column's reach, and the request is answered no_api, naming it, instead of a death with EMFILE.
# Core Perl only until the modules are in: the request is read with a pattern, not JSON::PP.
BEGIN {
  for my $module (qw(Config File/Spec Fcntl JSON/PP POSIX)) {
    next if eval { require "$module.pm"; 1 };
    my $error = $@;
    die $error if $error !~ /Too many open files/;
    my ($request) = map { /\A--request=(.*)\z/s ? $1 : () } @ARGV;
    die $error if !defined $request;
    open(my $in, '<:raw', $request) or die $error;
    my $text = do { local $/; <$in> };
    close $in;
    my ($outcome) = $text =~ /"outcome":"((?:[^"\\]|\\.)*)"/ or die $error;
    $outcome =~ s{\\(.)}{$1}gs;   # the host writes paths with no \uXXXX escapes
    my ($file) = $error =~ /\ACan't locate (\S+):/;
    open(my $out, '>:raw', $outcome) or die "cannot write $outcome: $!\n";
    print {$out} '{"no_api":"a scenario fd table full before perl starts: perl needs free fds to read '
      . 'its script and modules (EMFILE loading ' . ($file // $module) . '), and the host fills the '
      . 'table before starting it"}';
    close $out or die "cannot write $outcome: $!\n";
    exit 0;
  }
}
# A failed exec is reported to the parent over the error pipe; Perl's own
# "Can't exec" warning would land on the scenario's stderr besides.
no warnings 'exec';
use Config ();
use File::Spec ();
use Fcntl qw(F_GETFD F_SETFD FD_CLOEXEC O_RDONLY O_WRONLY O_RDWR O_CREAT O_TRUNC O_APPEND O_EXCL O_NONBLOCK);
use JSON::PP ();
use POSIX ();

# Text in and out as UTF-8; what goes to the kernel (argv, paths, the
# environment) is turned back into those bytes first (os_bytes).
my $JSON = JSON::PP->new->utf8->canonical;
my $VERSION = sprintf('%vd', $^V);

sub hello {
  return {
    id => "perl-$VERSION",
    name => 'Perl',
    version => $VERSION,
    language => 'perl',
    detail => "fork and exec of Perl $VERSION (POSIX $POSIX::VERSION), run in each scenario parent by "
      . 'fdconform-kit-host, which snapshots it from outside',
    # What the forked child can be asked to do with Perl's own calls (docs/FEATURES.md).
    features => ['process_group', 'umask', 'user_group'],
  };
}

# The host snapshots this process while it is stopped, so nothing of ours
# (an open request file, a pending read) is in the picture.
sub stop_for_snapshot { kill 'STOP', $$ }

sub read_file {
  my ($path) = @_;
  open(my $in, '<:raw', $path) or die "cannot read $path: $!\n";
  local $/;
  my $text = <$in>;
  close $in;
  return $text;
}

sub write_answer {
  my ($path, $answer) = @_;
  open(my $out, '>:raw', $path) or die "cannot write $path: $!\n";
  print {$out} $JSON->encode($answer) or die "cannot write $path: $!\n";
  close $out or die "cannot write $path: $!\n";
}

# What Perl's API cannot express, thrown while the block is mapped.
package NoApi { sub new { my ($class, $capability) = @_; bless {capability => $capability}, $class } }

sub no_api { die NoApi->new($_[0]) }

sub os_bytes {
  my ($text) = @_;
  return undef if !defined $text;
  utf8::encode($text);
  return $text;
}

sub is_default {
  my ($value, $fallback) = @_;
  return 1 if !defined $value;
  return 0 if ref $value;
  return JSON::PP::is_bool($value) ? ($value ? 1 : 0) == $fallback : $value eq $fallback;
}

# A flag as a Perl program tests it: its truth value in Perl, where a
# non-boolean value of the scenario's ({str: TEXT}, {none: true}) is a string or undef.
sub perl_truth {
  my ($value) = @_;
  return 0 if !defined $value;
  if (ref $value eq 'HASH') {
    return 0 if exists $value->{none};
    return $value->{str} ? 1 : 0 if exists $value->{str};
    die "a flag of an unknown form: " . $JSON->encode($value) . "\n";
  }
  return $value ? 1 : 0;
}

# popen.stdin/stdout/stderr (resolved by the host): what the child's fd gets.
sub stream_plan {
  my ($stream, $value) = @_;
  return {how => 'inherit'} if !defined $value || $value eq 'inherit';
  return {how => 'pipe'} if !ref $value && $value eq 'pipe';
  return {how => 'devnull'} if !ref $value && $value eq 'devnull';
  return {how => 'fd', fd => $value->{fd}} if ref $value eq 'HASH' && defined $value->{fd};
  if (!ref $value && $value eq 'stdout') {
    return {how => 'stdout'} if $stream == 2;
    no_api('popen.' . (qw(stdin stdout))[$stream] . ': stdout (Perl has no "the same as fd 1" for this stream)');
  }
  die "popen stream $stream: unexpected " . $JSON->encode($value) . "\n";
}

# A user or group as the number Perl's set-id calls take: a name is looked up
# in the parent with getpwnam/getgrnam, as a Perl program does before it forks.
sub id_number {
  my ($key, $value) = @_;
  return undef if !defined $value;
  return $value if $value =~ /\A-?[0-9]+\z/;
  my $number = $key eq 'user' ? getpwnam($value) : getgrnam($value);
  die {lookup => $key, name => $value} if !defined $number;
  return $number;
}

# The popen block as a plan for the forked child, or NoApi.
sub spawn_plan {
  my ($popen) = @_;
  no_api('popen.pipesize (Fcntl has no F_SETPIPE_SZ)') if !is_default($popen->{pipesize}, -1);
  my $argv = $popen->{argv};
  my $shell = perl_truth($popen->{shell});
  my %plan = (argv => $argv, shell => $shell);
  if ($shell) {
    # Perl's one-string exec: /bin/sh -c STRING, the shell fixed, no $0 or positional words.
    no_api('popen.shell with an executable (Perl\'s one-string exec always runs /bin/sh)')
      if defined $popen->{executable};
    no_api('popen.shell with arguments after the command ($0, $1, ...; Perl\'s one-string exec takes one string)')
      if @$argv > 1;
  }
  $plan{argv} = [map { os_bytes($_) } @$argv];
  $plan{executable} = os_bytes($popen->{executable});
  $plan{streams} = [map { stream_plan($_, $popen->{(qw(stdin stdout stderr))[$_]}) } 0 .. 2];
  $plan{pass_fds} = $popen->{pass_fds} // [];
  # Passing fds means passing those and no others: Popen turns close_fds on for any pass_fds
  # ("pass_fds overriding close_fds"), and a Perl program that keeps chosen fds closes the rest.
  $plan{close_fds} = @{$plan{pass_fds}} ? 1 : perl_truth($popen->{close_fds} // 1);
  $plan{cwd} = os_bytes($popen->{cwd});
  $plan{env} = $popen->{env} && [map { [os_bytes($_->[0]), os_bytes($_->[1])] } @{$popen->{env}}];
  $plan{umask} = is_default($popen->{umask}, -1) ? undef : $popen->{umask};
  $plan{restore_signals} = perl_truth($popen->{restore_signals} // 1);
  $plan{new_session} = perl_truth($popen->{start_new_session});
  $plan{process_group} = $popen->{process_group};
  $plan{preexec} = $popen->{preexec} // [];
  if (defined $popen->{extra_groups}) {
    # $) = "EGID G1 G2..." is Perl's only setgroups: with no group after the egid it makes no call.
    no_api('popen.extra_groups: [] (Perl\'s $) cannot pass an empty list to setgroups)')
      if !@{$popen->{extra_groups}};
    $plan{extra_groups} = [map { id_number('group', $_) } @{$popen->{extra_groups}}];
  }
  $plan{gid} = id_number('group', $popen->{group});
  $plan{uid} = id_number('user', $popen->{user});
  return \%plan;
}

sub signal_name {
  my ($number) = @_;
  my @names = split ' ', $Config::Config{sig_name};
  my @numbers = split ' ', $Config::Config{sig_num};
  my %by_number;
  @by_number{@numbers} = @names;
  my $name = $by_number{$number} // '';
  return "SIG$name" if $name =~ /\A[A-Z]+[0-9]*\z/ && $name !~ /\A(?:NUM|RTMIN|RTMAX)/;
  my ($min) = grep { $names[$_] eq 'RTMIN' } 0 .. $#names;
  return defined $min ? sprintf('SIGRTMIN+%d', $number - $numbers[$min]) : "SIG$number";
}

# fd's close-on-exec flag, through a handle Perl opens on it without a new fd;
# the handle is kept, since closing it would close the fd.
my @handles_kept;
sub set_inheritable {
  my ($fd, $inheritable) = @_;
  $! = 0;   # Perl refuses a negative fd without setting errno
  open(my $handle, '<&=', $fd) or return 0;
  push @handles_kept, $handle;
  my $flags = fcntl($handle, F_GETFD, 0) // return 0;
  $flags = $inheritable ? $flags & ~FD_CLOEXEC : $flags | FD_CLOEXEC;
  return fcntl($handle, F_SETFD, $flags) ? 1 : 0;
}

my %OPEN_FLAG = (rdonly => O_RDONLY, wronly => O_WRONLY, rdwr => O_RDWR, creat => O_CREAT, trunc => O_TRUNC,
                 append => O_APPEND, excl => O_EXCL, nonblock => O_NONBLOCK);

# The scenario's child steps (resolved by the host: fds as numbers, paths
# absolute), as a Perl program writes them in its forked child. $fail gets the
# step's name and what it acted on, with $! set. An exit step ends the child
# there; a raise step dies, as the child's own code would.
sub run_child_steps {
  my ($steps, $fail) = @_;
  for my $step (@$steps) {
    my ($kind) = keys %$step;
    my $body = $step->{$kind};
    if ($kind eq 'set_inheritable') {
      set_inheritable($body->{fd}, $body->{value}) or $fail->('fcntl', "fd $body->{fd}");
    } elsif ($kind eq 'dup2') {
      # Perl has dup2 alone: a close-on-exec copy is dup2, then the flag set on it.
      POSIX::dup2($body->{fd}, $body->{to}) // $fail->('dup2', "fd $body->{fd} to $body->{to}");
      if (!$body->{inheritable}) { set_inheritable($body->{to}, 0) or $fail->('fcntl', "fd $body->{to}") }
    } elsif ($kind eq 'close') {
      POSIX::close($body) // $fail->('close', "fd $body");
    } elsif ($kind eq 'signal') {
      # %SIG by Perl's own name for the number (NUM35 for a real-time signal without one).
      my @names = split ' ', $Config::Config{sig_name};
      my @numbers = split ' ', $Config::Config{sig_num};
      my ($index) = grep { $numbers[$_] == $body->{number} } 0 .. $#numbers;
      $fail->('sigaction', $body->{name}) if !defined $index;
      $SIG{$names[$index]} = $body->{action} eq 'ignore' ? 'IGNORE' : 'DEFAULT';
    } elsif ($kind eq 'raise') {
      die "the child's code before exec died\n";
    } elsif ($kind eq 'exit') {
      POSIX::_exit($body);
    } elsif ($kind eq 'open') {
      my $flags = 0;
      $flags |= $OPEN_FLAG{$_} for @{$body->{flags}};
      my $path = os_bytes($body->{path});
      my $fd = POSIX::open($path, $flags, $body->{mode}) // $fail->('open', $body->{path});
      # As the scenario's open: close-on-exec unless it is moved onto the fd it names.
      set_inheritable($fd, 0) or $fail->('fcntl', "fd $fd");
      next if !defined $body->{fd};
      if ($fd == $body->{fd}) {
        set_inheritable($fd, 1) or $fail->('fcntl', "fd $fd");
      } else {
        POSIX::dup2($fd, $body->{fd}) // $fail->('dup2', "fd $fd to $body->{fd}");
        POSIX::close($fd);
      }
    } else {
      die "a child step of an unknown kind: $kind\n";
    }
  }
}

# The forked child: each step as a Perl program writes it; a failure goes to
# the parent over the close-on-exec error pipe as "STEP\0ERRNO\0WHAT", then the
# child ends without running anything of the parent's.
sub run_child {
  my ($plan, $child_ends, $parent_ends, $error_pipe) = @_;
  my $fail = sub {
    my ($step, $what) = @_;
    my $number = $! + 0;
    syswrite($error_pipe, join("\0", $step, $number, $what // ''));
    POSIX::_exit(127);
  };
  POSIX::close($_) for grep { defined } @$parent_ends;
  my @target = @$child_ends;   # the fd each standard fd gets, or undef to leave it alone
  my @opened;                  # fds of the child's own, closed once the standard fds are set
  my $devnull;
  for my $stream (0 .. 2) {
    my $how = $plan->{streams}[$stream]{how};
    if ($how eq 'devnull') {
      # One open of /dev/null for reading and writing (open(..., '+<', '/dev/null')) serves every stream.
      if (!defined $devnull) {
        $devnull = POSIX::open('/dev/null', O_RDWR) // $fail->('open', '/dev/null');
        push @opened, $devnull;
      }
      $target[$stream] = $devnull;
    } elsif ($how eq 'fd') {
      $target[$stream] = $plan->{streams}[$stream]{fd};
    }
  }
  # A source sitting on a lower standard fd than its target would be overwritten by an earlier dup2.
  for my $stream (1, 2) {
    next if !defined $target[$stream] || $target[$stream] < 0;
    while ($target[$stream] < $stream) {
      $target[$stream] = POSIX::dup($target[$stream]) // $fail->('dup');
      push @opened, $target[$stream];
    }
  }
  for my $stream (0 .. 2) {
    if ($plan->{streams}[$stream]{how} eq 'stdout') {
      POSIX::dup2(1, 2) // $fail->('dup2');
      next;
    }
    next if !defined $target[$stream];
    if ($target[$stream] == $stream) {
      set_inheritable($stream, 1) or $fail->('fcntl', "fd $stream");
    } else {
      POSIX::dup2($target[$stream], $stream) // $fail->('dup2');
    }
  }
  my %assigned = map { $_ => 1 } grep { defined $target[$_] || $plan->{streams}[$_]{how} eq 'stdout' } 0 .. 2;
  POSIX::close($_) for grep { !$assigned{$_} } @opened;
  if (defined $plan->{cwd}) { chdir($plan->{cwd}) or $fail->('chdir', $plan->{cwd}) }
  umask(oct $plan->{umask}) if defined $plan->{umask};
  # What Popen's restore_signals undoes: the dispositions a Python parent set.
  if ($plan->{restore_signals}) { $SIG{PIPE} = 'DEFAULT'; $SIG{XFSZ} = 'DEFAULT' }
  if ($plan->{new_session}) { POSIX::setsid() // $fail->('setsid') }
  if (defined $plan->{process_group} && $plan->{process_group} >= 0) {
    POSIX::setpgid(0, $plan->{process_group}) // $fail->('setpgid');
  }
  if ($plan->{extra_groups}) {
    $! = 0;
    $) = join(' ', $plan->{gid} // (split ' ', $))[0], @{$plan->{extra_groups}});
    $fail->('setgroups') if $! != 0;
  }
  if (defined $plan->{gid}) { POSIX::setgid($plan->{gid}) // $fail->('setgid') }
  if (defined $plan->{uid}) { POSIX::setuid($plan->{uid}) // $fail->('setuid') }
  # Where Popen runs its preexec_fn: after the ids, before close_fds.
  run_child_steps($plan->{preexec}, $fail);
  my %keep = map { $_ => 1 } 0, 1, 2, fileno($error_pipe);
  for my $fd (@{$plan->{pass_fds}}) {
    next if $fd >= 0 && $fd <= 2;   # as Popen: the standard fds are the stream arguments' business
    set_inheritable($fd, 1) or $fail->('fcntl', "fd $fd");
    $keep{$fd} = 1;
  }
  if ($plan->{close_fds}) {
    opendir(my $listing, '/proc/self/fd') or $fail->('opendir', '/proc/self/fd');
    my @open = grep { /\A[0-9]+\z/ } readdir $listing;
    closedir $listing;
    POSIX::close($_) for grep { !$keep{$_} } @open;
  }
  if ($plan->{env}) {
    %ENV = ();
    $ENV{$_->[0]} = $_->[1] for @{$plan->{env}};
  }
  my @argv = @{$plan->{argv}};
  if ($plan->{shell}) {
    exec($argv[0]);
  } else {
    my $file = $plan->{executable} // $argv[0];
    exec { $file } @argv;
  }
  $fail->('exec', $plan->{shell} ? '/bin/sh' : $plan->{executable} // $argv[0]);
}

# The outcome of a step that failed with an errno: Perl reports it in $!
# alone (a number and its strerror, no filename), so that is the class, and
# the message is what Perl says (its exec warning) or a Perl program would.
sub errno_outcome {
  my ($step, $number, $what) = @_;
  local $! = $number;
  my $text = "$!";
  utf8::decode($what) if defined $what;
  if ($step eq 'perl') {
    # The text of the child's die, without the newline that ends a die message given its own.
    chomp $what;
    return {kind => 'exception', error_class => 'die', errno => undef, filename => undef, message => $what};
  }
  my $message = $step eq 'exec' ? qq{Can't exec "$what": $text}
    : $step eq 'chdir' ? qq{Can't chdir to "$what": $text}
    : defined $what && length $what ? "$step ($what): " . ($number ? $text : 'failed without an errno')
    : "$step: $text";
  return {kind => 'exception', error_class => '$!', errno => $number, filename => undef, message => $message};
}

# As Popen.communicate() with no input: close the child's stdin pipe, read its output pipes to the end.
sub communicate {
  my ($stdin, @outputs) = @_;
  close $stdin if $stdin;
  my $diagnostics = '';
  my %open = map { fileno($_) => $_ } grep { defined } @outputs;
  while (%open) {
    my $ready = '';
    vec($ready, $_, 1) = 1 for keys %open;
    next if select($ready, undef, undef, undef) < 0 && $!{EINTR};
    for my $fd (keys %open) {
      next if !vec($ready, $fd, 1);
      my $got = sysread($open{$fd}, my $chunk, 65536);
      next if !defined $got && $!{EINTR};
      if (!$got) { close delete $open{$fd}; next }
      $diagnostics .= $chunk if length $diagnostics < 4096;
    }
  }
  return $diagnostics;
}

sub wait_outcome {
  my ($pid) = @_;
  my $got;
  do { $got = waitpid($pid, 0) } while $got == -1 && $!{EINTR};
  # The kernel reaped it itself (SIGCHLD ignored): Perl says -1 in $?, Popen and the protocol say exit 0.
  return {kind => 'exited', returncode => 0} if $got == -1;
  return {kind => 'signaled', signal => signal_name($? & 127)} if $? & 127;
  return {kind => 'exited', returncode => $? >> 8};
}

sub spawn_and_wait {
  my ($request, $plan) = @_;
  stop_for_snapshot();
  my (@child_ends, @child_handles, @parent_ends, $stdin_writer, @readers);
  for my $stream (0 .. 2) {
    next if $plan->{streams}[$stream]{how} ne 'pipe';
    my ($read, $write);
    pipe($read, $write) or return (undef, errno_outcome('pipe', $! + 0));
    my ($child_end, $parent_end) = $stream == 0 ? ($read, $write) : ($write, $read);
    $child_ends[$stream] = fileno $child_end;
    push @child_handles, $child_end;
    push @parent_ends, fileno $parent_end;
    if ($stream == 0) { $stdin_writer = $write } else { push @readers, $read }
  }
  my ($error_reader, $error_writer);
  pipe($error_reader, $error_writer) or return (undef, errno_outcome('pipe', $! + 0));
  # Perl leaves a pipe that lands on fds 0-2 ($^F) inheritable, and the child's
  # dup2 onto those would overwrite it: the write end moves above them.
  my @lower;
  while (fileno($error_writer) <= 2) {
    open(my $higher, '>&', $error_writer) or return (undef, errno_outcome('dup', $! + 0));
    push @lower, $error_writer;
    $error_writer = $higher;
  }
  close $_ for @lower;
  for my $end ($error_reader, $error_writer) {
    fcntl($end, F_SETFD, FD_CLOEXEC) or return (undef, errno_outcome('fcntl', $! + 0));
  }
  push @parent_ends, fileno $error_reader;
  my $pid = fork;
  if (!defined $pid) {
    return (undef, errno_outcome('fork', $! + 0));
  }
  if ($pid == 0) {
    # Nothing of the parent's may run in the child: a Perl error ends it as a failed step.
    eval { run_child($plan, \@child_ends, \@parent_ends, $error_writer) };
    syswrite($error_writer, join("\0", 'perl', 0, "$@"));
    POSIX::_exit(127);
  }
  close $error_writer;
  close $_ for @child_handles;
  my $report = '';
  while (1) {
    my $got = sysread($error_reader, my $chunk, 4096);
    next if !defined $got && $!{EINTR};
    last if !$got;
    $report .= $chunk;
  }
  close $error_reader;
  if (length $report) {
    close $stdin_writer if $stdin_writer;
    close $_ for @readers;
    wait_outcome($pid);
    my ($step, $number, $what) = split /\0/, $report, 3;
    return ($pid, errno_outcome($step, $number + 0, $what));
  }
  my $diagnostics = communicate($stdin_writer, @readers);
  return ($pid, wait_outcome($pid), $diagnostics);
}

# A fork_exec block: fork, the scenario's steps in the child, then exec of
# argv[0]. As every column's fork_exec child, a step that fails ends it with
# status 126 and a failed exec with 127; the parent waits and reports the status.
sub fork_exec_and_wait {
  my ($block) = @_;
  my @argv = map { os_bytes($_) } @{$block->{argv}};
  stop_for_snapshot();
  my $pid = fork;
  return (undef, errno_outcome('fork', $! + 0)) if !defined $pid;
  if ($pid == 0) {
    eval {
      run_child_steps($block->{steps}, sub { POSIX::_exit(126) });
      exec { $argv[0] } @argv;
      POSIX::_exit(127);
    };
    POSIX::_exit(126);
  }
  return ($pid, wait_outcome($pid));
}

# The column's descriptor line for drivers/perl/columns (docs/DRIVERS.md,
# "Discovery"), printed by the perl that runs this file: its version is the id.
sub describe_column {
  my @args = @_;
  my %option = map { /\A--([a-z]+)=(.*)\z/s ? ($1 => $2) : () } @args;
  my ($host, $perl) = map { File::Spec->rel2abs($_) } @option{qw(host perl)};
  my $adapter = File::Spec->rel2abs(__FILE__);
  utf8::decode($_) for $host, $perl, $adapter, grep { defined } $option{with};
  my %column = (id => "perl-$VERSION", argv => [$host, '--', $perl, $adapter], files => [$adapter],
                default => JSON::PP::false);
  $column{with} = $option{with} if defined $option{with};
  print $JSON->encode(\%column), "\n";
  return 0;
}

sub main {
  my @args = @_;
  if (@args && $args[0] eq '--hello') {
    print $JSON->encode(hello()), "\n";
    return 0;
  }
  return describe_column(@args[1 .. $#args]) if @args && $args[0] eq '--describe-column';
  my ($request_path) = map { /\A--request=(.*)\z/s ? $1 : () } @args;
  if (!defined $request_path) {
    print STDERR "usage: perl adapter.pl --hello | --request=PATH (run by fdconform-kit-host)\n";
    return 2;
  }
  my $request = $JSON->decode(read_file($request_path));
  # The scenario's close-on-exec fds, carried by the host through perl's exec: close-on-exec
  # again before the first stop, as the scenario's parent holds them (drivers/kit/runtime_host.hpp).
  # The raw fcntl system call, not a handle on the fd: a scenario may have filled the fd table,
  # and opening a handle can need one. Without sys/syscall.ph the flags stay as they came; the
  # host then finds at start-up that this column cannot hold such fds and says so per scenario.
  if (@{$request->{close_on_exec} // []} && eval { require 'sys/syscall.ph'; 1 }) {
    for my $fd (@{$request->{close_on_exec}}) {
      my $flags = syscall(&SYS_fcntl, $fd + 0, F_GETFD, 0);
      die "close_on_exec: fd $fd: $!\n" if $flags < 0 || syscall(&SYS_fcntl, $fd + 0, F_SETFD, $flags | FD_CLOEXEC) < 0;
    }
  }
  if ($request->{measure}) {
    stop_for_snapshot();
    return 0;
  }
  my $kind = $request->{kind};
  if ($kind eq 'fork_exec') {
    my ($pid, $outcome) = fork_exec_and_wait($request->{spawn});
    write_answer($request->{outcome}, {pid => $pid, outcome => $outcome, diagnostics => '', api => 'fork+exec'});
    stop_for_snapshot();
    return 0;
  }
  if ($kind ne 'popen') {
    my $capability = $kind =~ /\Aposix_spawnp?\z/ ? "$kind (Perl's POSIX module has no posix_spawn)" : "spawn kind $kind";
    write_answer($request->{outcome}, {no_api => $capability});
    return 0;
  }
  my $plan = eval { spawn_plan($request->{spawn}) };
  if (my $error = $@) {
    if (ref $error eq 'NoApi') {
      write_answer($request->{outcome}, {no_api => $error->{capability}});
      return 0;
    }
    die $error if ref $error ne 'HASH';
    # A user or group name nobody has: getpwnam/getgrnam return nothing, before any child exists.
    stop_for_snapshot();
    my $message = "no such $error->{lookup}: $error->{name}";
    write_answer($request->{outcome}, {pid => undef, api => 'fork+exec',
      outcome => {kind => 'exception', error_class => 'die', errno => undef, filename => undef, message => $message}});
    stop_for_snapshot();
    return 0;
  }
  my ($pid, $outcome, $diagnostics) = spawn_and_wait($request, $plan);
  write_answer($request->{outcome},
               {pid => $pid, outcome => $outcome, diagnostics => $diagnostics // '', api => 'fork+exec'});
  stop_for_snapshot();
  return 0;
}

exit main(@ARGV);
