'use strict';
// The Node.js column's adapter (docs/RUNTIMES.md, "Node.js"): run by
// fdconform-kit-host in a prepared scenario parent, it maps the scenario's
// spawn block onto child_process.spawn and says how the spawn went. The host
// does the protocol, the parent's state and both snapshots (it reads them
// through procfs while this process is stopped); see drivers/kit/runtime_host.hpp
// for the request and outcome files this program reads and writes.
const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');

// The call a column replays: child_process.spawn (the default) or, with --api=spawnSync in the
// descriptor's argv, child_process.spawnSync, which waits on a loop of its own.
const APIS = ['spawn', 'spawnSync'];

function hello(api) {
  return {
    id: `node-${process.versions.node}${api === 'spawn' ? '' : `-${api}`}`,
    name: 'Node.js',
    version: process.versions.node,
    language: 'javascript',
    detail: `child_process.${api} of Node.js ${process.versions.node} (libuv ${process.versions.uv}), ` +
      'run in each scenario parent by fdconform-kit-host, which snapshots it from outside',
    features: [],
  };
}

// The host snapshots this process while it is stopped, so nothing of ours
// (an fd to a control channel, a pending read) is in the picture.
function stopForSnapshot() {
  process.kill(process.pid, 'SIGSTOP');
}

class NoApi {
  constructor(capability) { this.capability = capability; }
}

function isDefault(value, fallback) {
  return value === undefined || value === null || value === fallback;
}

// popen.stdin/stdout/stderr (resolved by the host) as a stdio array entry.
function stdioEntry(stream, value, stdoutEntry) {
  if (value === 'inherit') return 'inherit';
  if (value === 'pipe') return 'pipe';
  // libuv opens /dev/null itself for an ignored standard stream.
  if (value === 'devnull') return 'ignore';
  if (value && typeof value === 'object' && Number.isInteger(value.fd)) return value.fd;
  if (value === 'stdout' && stream === 2) {
    // The child's fd 2 on whatever its fd 1 is: one fd given twice works; one pipe for both does not exist.
    if (stdoutEntry === 'inherit') return 1;
    if (Number.isInteger(stdoutEntry)) return stdoutEntry;
    throw new NoApi(`popen.stderr: stdout with stdout ${stdoutEntry === 'ignore' ? 'devnull' : stdoutEntry} ` +
      '(stdio has no entry meaning "the same as fd 1")');
  }
  if (value === 'stdout') throw new NoApi(`popen.${['stdin', 'stdout'][stream]}: stdout`);
  throw new Error(`popen stream ${stream}: unexpected ${JSON.stringify(value)}`);
}

// The popen block (resolved by the host) as spawn's arguments, or NoApi for
// what child_process has no way to say.
function spawnArguments(popen) {
  for (const key of ['user', 'group']) {
    if (!isDefault(popen[key], null) && !Number.isInteger(popen[key])) throw new NoApi(`popen.${key} by name`);
  }
  if (!isDefault(popen.extra_groups, null)) throw new NoApi('popen.extra_groups');
  if (!isDefault(popen.umask, -1)) throw new NoApi('popen.umask');
  if (!isDefault(popen.pipesize, -1)) throw new NoApi('popen.pipesize');
  if (!isDefault(popen.process_group, null)) throw new NoApi('popen.process_group (setpgid into a given group)');
  if (!isDefault(popen.preexec, null)) throw new NoApi('popen.preexec (code run in the child before exec)');
  if (!isDefault(popen.restore_signals, true)) {
    throw new NoApi(popen.restore_signals === false ? 'popen.restore_signals: false'
      : 'popen.restore_signals as a non-boolean');
  }
  if (!isDefault(popen.start_new_session, false) && popen.start_new_session !== true) {
    throw new NoApi('popen.start_new_session as a non-boolean');
  }
  // spawn has no switch for the parent's other fds: every inheritable one reaches the child,
  // which is what close_fds: false asks, and what close_fds: true (Popen's default) does not.
  if (popen.close_fds !== undefined && popen.close_fds !== null && typeof popen.close_fds !== 'boolean') {
    throw new NoApi('popen.close_fds as a non-boolean');
  }
  if (!isDefault(popen.path_type, 'str')) throw new NoApi(`popen.path_type: ${popen.path_type}`);

  const argv = popen.argv;
  const shell = popen.shell === true;
  if (shell && argv.length > 1) throw new NoApi('popen.shell with arguments after the command ($0, $1, ...)');
  const options = {};
  const passFds = popen.pass_fds || [];
  const width = Math.max(3, ...passFds.map((fd) => fd + 1));
  const stdio = new Array(width).fill('ignore');
  stdio[0] = stdioEntry(0, popen.stdin, null);
  stdio[1] = stdioEntry(1, popen.stdout, null);
  stdio[2] = stdioEntry(2, popen.stderr, stdio[1]);
  for (const fd of passFds) {
    if (!Number.isInteger(fd) || fd < 0) throw new NoApi(`popen.pass_fds entry ${fd}`);
    if (fd <= 2) continue;  // Popen ignores standard fds in pass_fds; they are the stdio entries
    stdio[fd] = fd;
  }
  options.stdio = stdio;
  if (typeof popen.cwd === 'string') options.cwd = popen.cwd;
  if (Array.isArray(popen.env)) {
    options.env = {};
    for (const [key, value] of popen.env) options.env[key] = value;
  }
  if (popen.start_new_session === true) options.detached = true;
  if (Number.isInteger(popen.user)) options.uid = popen.user;
  if (Number.isInteger(popen.group)) options.gid = popen.group;
  let command = argv[0];
  let args = argv.slice(1);
  if (shell) {
    options.shell = typeof popen.executable === 'string' ? popen.executable : true;
    args = [];
  } else if (typeof popen.executable === 'string') {
    command = popen.executable;
    options.argv0 = argv[0];
  }
  return { command, args, options };
}

function errorOutcome(error) {
  let number = null;
  if (Number.isInteger(error.errno)) number = Math.abs(error.errno);
  else if (typeof error.code === 'string' && os.constants.errno[error.code] !== undefined) number = os.constants.errno[error.code];
  return {
    kind: 'exception',
    error_class: error.constructor && error.constructor.name ? error.constructor.name : 'Error',
    errno: number,
    filename: typeof error.path === 'string' ? error.path : null,
    message: String(error.message),
  };
}

function finish(outcomePath, answer) {
  fs.writeFileSync(outcomePath, JSON.stringify(answer));
  stopForSnapshot();
  process.exit(0);
}

// spawnSync returns once the child has exited and its output pipes are drained, as
// Popen.communicate() does; stdin, a pipe with no input given, is closed at once.
function spawnSyncAndFinish(request, spawnArgs) {
  stopForSnapshot();
  let result;
  try {
    result = childProcess.spawnSync(spawnArgs.command, spawnArgs.args, spawnArgs.options);
  } catch (error) {  // invalid arguments: thrown before any child exists
    finish(request.outcome, { pid: null, outcome: errorOutcome(error), api: 'child_process.spawnSync' });
    return;
  }
  const printed = [result.stdout, result.stderr].filter(Boolean).map((chunk) => chunk.toString('latin1')).join('');
  let outcome;
  if (result.error) outcome = errorOutcome(result.error);
  else if (result.signal) outcome = { kind: 'signaled', signal: result.signal };
  else outcome = { kind: 'exited', returncode: result.status };
  finish(request.outcome, { pid: result.pid || null, outcome, diagnostics: printed.slice(0, 4096),
    api: 'child_process.spawnSync' });
}

function spawnAndWait(request, api) {
  let spawnArgs;
  try {
    spawnArgs = spawnArguments(request.spawn);
  } catch (error) {
    if (error instanceof NoApi) {
      fs.writeFileSync(request.outcome, JSON.stringify({ no_api: error.capability }));
      process.exit(0);
    }
    throw error;
  }
  if (api === 'spawnSync') {
    spawnSyncAndFinish(request, spawnArgs);
    return;
  }
  stopForSnapshot();
  let child;
  try {
    child = childProcess.spawn(spawnArgs.command, spawnArgs.args, spawnArgs.options);
  } catch (error) {  // invalid arguments: spawn throws before any child exists
    finish(request.outcome, { pid: null, outcome: errorOutcome(error), api: 'child_process.spawn' });
    return;
  }
  let diagnostics = '';
  let spawnError = null;
  let done = false;
  const collect = (chunk) => { if (diagnostics.length < 4096) diagnostics += chunk.toString('latin1'); };
  // As Popen.communicate() with no input: close the child's stdin pipe, read its output pipes to the end.
  if (child.stdin) child.stdin.end();
  if (child.stdout) child.stdout.on('data', collect);
  if (child.stderr) child.stderr.on('data', collect);
  const end = (outcome) => {
    if (done) return;
    done = true;
    finish(request.outcome, { pid: child.pid === undefined ? null : child.pid, outcome, diagnostics, api: 'child_process.spawn' });
  };
  child.on('error', (error) => {
    spawnError = error;
    // A child that never started has no 'close' to wait for once its stdio is torn down.
    if (child.pid === undefined) setImmediate(() => end(errorOutcome(error)));
  });
  child.on('close', (code, signal) => {
    if (spawnError) end(errorOutcome(spawnError));
    else if (signal) end({ kind: 'signaled', signal });
    else end({ kind: 'exited', returncode: code });
  });
}

function noApiForKind(kind) {
  if (kind === 'posix_spawn' || kind === 'posix_spawnp') return `${kind} (child_process has no file actions or spawn attributes)`;
  if (kind === 'fork_exec') return 'fork_exec (Node.js cannot fork the running process)';
  return `spawn kind ${kind}`;
}

function main(argv) {
  const apiArg = argv.find((arg) => arg.startsWith('--api='));
  const api = apiArg ? apiArg.slice('--api='.length) : 'spawn';
  if (!APIS.includes(api)) {
    process.stderr.write(`adapter.js: --api=${api}: expected one of ${APIS.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  if (argv.includes('--hello')) {
    process.stdout.write(`${JSON.stringify(hello(api))}\n`);
    return;
  }
  const requestArg = argv.find((arg) => arg.startsWith('--request='));
  if (!requestArg) {
    process.stderr.write('usage: node adapter.js [--api=spawn|spawnSync] --hello | --request=PATH (run by fdconform-kit-host)\n');
    process.exitCode = 2;
    return;
  }
  const request = JSON.parse(fs.readFileSync(requestArg.slice('--request='.length), 'utf8'));
  if (request.measure) {
    stopForSnapshot();
    return;
  }
  if (request.kind !== 'popen') {
    fs.writeFileSync(request.outcome, JSON.stringify({ no_api: noApiForKind(request.kind) }));
    return;
  }
  spawnAndWait(request, api);
}

main(process.argv.slice(2));
