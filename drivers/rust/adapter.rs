// The Rust column's adapter (docs/RUNTIMES.md, "Rust"): run by
// fdconform-kit-host in a prepared scenario parent, it maps the scenario's
// popen block onto std::process::Command and says how the spawn went. The
// host does the protocol, the parent's state and both snapshots (it reads
// them through procfs while this process is stopped); drivers/kit/runtime_host.hpp
// describes the request and outcome files this program reads and writes.
//
// std only, no crates: built by drivers/rust/CMakeLists.txt with rustc alone.
// What std's public API cannot say is answered {"no_api": CAPABILITY}.

use std::ffi::{c_int, OsString};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};

const RUSTC_VERSION: &str = env!(
    "FDCONFORM_RUSTC_VERSION",
    "build with FDCONFORM_RUSTC_VERSION set to the compiling rustc's version (drivers/rust/CMakeLists.txt)"
);
const DIAGNOSTICS_LIMIT: usize = 4096;
const API: &str = "std::process::Command::spawn";

// The few libc calls std does not wrap. std links libc anyway, so declaring
// them needs no crate. Linux's numbers: fdconform snapshots through procfs
// and runs on Linux only.
const SIGSTOP: c_int = 19;
const F_DUPFD_CLOEXEC: c_int = 1030;
const F_GETFD: c_int = 1;
const F_SETFD: c_int = 2;
const FD_CLOEXEC: c_int = 1;
extern "C" {
    fn kill(pid: c_int, signal: c_int) -> c_int;
    fn fcntl(fd: c_int, command: c_int, ...) -> c_int;
    fn setsid() -> c_int;
    fn umask(mask: u32) -> u32;
}

// ---------------------------------------------------------------------------
// A strict JSON reader and a writer for the few shapes this program prints.

#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(String), // the literal text: integers beyond i64 stay exact until asked for
    Text(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>), // in the document's order
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(name, _)| name == key).map(|(_, value)| value),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        if let Json::Text(text) = self { Some(text) } else { None }
    }
    fn as_i64(&self) -> Option<i64> {
        if let Json::Number(text) = self { text.parse().ok() } else { None }
    }
    fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
    fn dump(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }
    fn write_to(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Json::Number(text) => out.push_str(text),
            Json::Text(text) => write_json_string(text, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 { out.push(','); }
                    item.write_to(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (name, value)) in members.iter().enumerate() {
                    if i > 0 { out.push(','); }
                    write_json_string(name, out);
                    out.push(':');
                    value.write_to(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn object(members: Vec<(&str, Json)>) -> Json {
    Json::Object(members.into_iter().map(|(name, value)| (name.to_string(), value)).collect())
}

fn text(value: &str) -> Json {
    Json::Text(value.to_string())
}

fn integer(value: i64) -> Json {
    Json::Number(value.to_string())
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

// Nesting deeper than this is refused rather than recursed into.
const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    fn parse_document(text: &'a str) -> Result<Json, String> {
        let mut parser = Parser { bytes: text.as_bytes(), at: 0 };
        let value = parser.value(0)?;
        parser.skip_space();
        if parser.at != parser.bytes.len() {
            return Err(parser.error("the end of the document after its one value"));
        }
        Ok(value)
    }

    fn error(&self, expected: &str) -> String {
        match self.bytes.get(self.at) {
            Some(&byte) => format!("byte {}: expected {}, found {:?}", self.at, expected, byte as char),
            None => format!("byte {}: expected {}, found the end of the file", self.at, expected),
        }
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, String> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error(&format!("'{}'", word)))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err(format!("byte {}: nesting deeper than {} levels", self.at, MAX_DEPTH));
        }
        self.skip_space();
        match self.bytes.get(self.at) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Json::Text(self.string()?)),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("a JSON value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, String> {
        self.at += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_space();
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err(self.error("a member name in double quotes"));
            }
            let name = self.string()?;
            if members.iter().any(|(seen, _)| *seen == name) {
                return Err(format!("byte {}: member {:?} given twice", self.at, name));
            }
            self.skip_space();
            if self.bytes.get(self.at) != Some(&b':') {
                return Err(self.error("':' after a member name"));
            }
            self.at += 1;
            let value = self.value(depth + 1)?;
            members.push((name, value));
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.error("',' or '}' in an object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, String> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error("',' or ']' in an array")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.at;
        if self.bytes[self.at] == b'-' {
            self.at += 1;
        }
        let first = self.at;
        let count = self.digits();
        if count == 0 {
            return Err(self.error("a digit"));
        }
        if count > 1 && self.bytes[first] == b'0' {
            return Err(format!("byte {}: a number with a leading zero", first));
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("a digit in the exponent"));
            }
        }
        // Only ASCII was consumed, so this slice is valid UTF-8.
        Ok(Json::Number(String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = match self.bytes.get(self.at) {
                Some(&byte) => (byte as char).to_digit(16),
                None => None,
            };
            match digit {
                Some(digit) => value = value * 16 + digit,
                None => return Err(self.error("four hex digits after \\u")),
            }
            self.at += 1;
        }
        Ok(value)
    }

    fn string(&mut self) -> Result<String, String> {
        self.at += 1; // the opening quote
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(&byte) = self.bytes.get(self.at) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // The input is a &str and the run stops at ASCII, so it is whole characters.
            out.push_str(std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| self.error("UTF-8 text"))?);
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escape = self.bytes.get(self.at).copied();
                    self.at += 1;
                    match escape {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if !self.bytes[self.at..].starts_with(b"\\u") {
                                    return Err(self.error("a low surrogate \\uDC00-\\uDFFF after a high one"));
                                }
                                self.at += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(format!("byte {}: \\u{:04x} is no low surrogate", self.at - 6, low));
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            match char::from_u32(code) {
                                Some(c) => out.push(c),
                                None => return Err(format!("byte {}: \\u{:04x} alone is no character", self.at - 6, code)),
                            }
                        }
                        _ => {
                            self.at -= 1;
                            return Err(self.error("an escape: \" \\ / b f n r t or uXXXX"));
                        }
                    }
                }
                Some(_) => return Err(self.error("a control character escaped")),
                None => return Err(self.error("the closing '\"' of a string")),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The popen block as a Command.

struct NoApi(String);

// One of popen.stdin/stdout/stderr as the host resolved it.
#[derive(Clone, Debug, PartialEq)]
enum Stream {
    Inherit,
    Pipe,
    DevNull,
    SameAsStdout,
    Fd(i64),
}

struct Plan {
    program: String,
    arg0: Option<String>,
    args: Vec<String>,
    streams: [Stream; 3],
    cwd: Option<String>,
    env: Option<Vec<(String, String)>>,
    uid: Option<u32>,
    gid: Option<u32>,
    process_group: Option<i32>,
    new_session: bool,
    umask: Option<u32>,
}

fn is_default(value: Option<&Json>, default: &Json) -> bool {
    match value {
        None | Some(Json::Null) => true,
        Some(value) => value == default,
    }
}

fn stream(popen: &Json, name: &str) -> Result<Stream, String> {
    match popen.get(name) {
        None => Ok(Stream::Inherit),
        Some(value) => match value.as_str() {
            Some("inherit") => Ok(Stream::Inherit),
            Some("pipe") => Ok(Stream::Pipe),
            Some("devnull") => Ok(Stream::DevNull),
            Some("stdout") => Ok(Stream::SameAsStdout),
            _ => match value.get("fd").and_then(Json::as_i64) {
                Some(fd) => Ok(Stream::Fd(fd)),
                None => Err(format!("spawn.{}: expected inherit, pipe, devnull, stdout or {{\"fd\": N}}, found {}",
                                    name, value.dump())),
            },
        },
    }
}

fn strings(value: &Json, where_: &str) -> Result<Vec<String>, String> {
    match value {
        Json::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(|| format!("{}: expected strings, found {}", where_, item.dump())))
            .collect(),
        _ => Err(format!("{}: expected a list of strings, found {}", where_, value.dump())),
    }
}

// A user or group number as std takes it (u32), or no_api for one it cannot hold.
fn credential(popen: &Json, key: &str, method: &str) -> Result<Option<u32>, Result<NoApi, String>> {
    match popen.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Text(_)) => Err(Ok(NoApi(format!("popen.{} by name (Command::{} takes a number)", key, method)))),
        Some(value @ Json::Number(_)) => match value.as_i64().and_then(|n| u32::try_from(n).ok()) {
            Some(id) => Ok(Some(id)),
            None => Err(Ok(NoApi(format!("popen.{} {} (Command::{} takes a u32)", key, value.dump(), method)))),
        },
        Some(value) => Err(Err(format!("spawn.{}: expected a number or a name, found {}", key, value.dump()))),
    }
}

// The popen block as a Plan, NoApi for what std's Command has no way to say,
// or an error for a block the host should never have written.
fn plan_from(popen: &Json) -> Result<Plan, Result<NoApi, String>> {
    let no_api = |capability: &str| Err(Ok(NoApi(capability.to_string())));
    if !matches!(popen, Json::Object(_)) {
        return Err(Err(format!("spawn: expected the popen block as an object, found {}", popen.dump())));
    }
    let uid = credential(popen, "user", "uid")?;
    let gid = credential(popen, "group", "gid")?;
    if !is_default(popen.get("extra_groups"), &Json::Null) {
        return no_api("popen.extra_groups (CommandExt::groups is unstable, nightly only)");
    }
    if !is_default(popen.get("pipesize"), &integer(-1)) {
        return no_api("popen.pipesize (Command's pipes have no size setting)");
    }
    if !is_default(popen.get("preexec"), &Json::Null) {
        return no_api("popen.preexec (the scenario's child steps: open, dup2, sigaction and _exit are not in std)");
    }
    match popen.get("restore_signals") {
        None | Some(Json::Null) | Some(Json::Bool(true)) => {}
        Some(Json::Bool(false)) => {
            return no_api("popen.restore_signals: false (Command always resets SIGPIPE to its default in the child)")
        }
        Some(_) => return no_api("popen.restore_signals as a non-boolean"),
    }
    let new_session = match popen.get("start_new_session") {
        None | Some(Json::Null) | Some(Json::Bool(false)) => false,
        Some(Json::Bool(true)) => true,
        Some(_) => return no_api("popen.start_new_session as a non-boolean"),
    };
    if !is_default(popen.get("path_type"), &text("str")) {
        return Err(Ok(NoApi(format!("popen.path_type: {} (a Python argument type)",
                                    popen.get("path_type").map(Json::dump).unwrap_or_default()))));
    }
    if popen.get("shell") == Some(&Json::Bool(true)) {
        return no_api("popen.shell (Command runs a program; it has no shell option)");
    }
    let process_group = match popen.get("process_group") {
        None | Some(Json::Null) => None,
        Some(value) => match value.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(group) => Some(group),
            None => return Err(Ok(NoApi(format!("popen.process_group {} (CommandExt::process_group takes an i32)", value.dump())))),
        },
    };
    let umask = match popen.get("umask") {
        None | Some(Json::Null) => None,
        Some(value) if value.as_i64() == Some(-1) => None,
        Some(Json::Text(octal)) => match u32::from_str_radix(octal, 8) {
            Ok(mask) => Some(mask),
            Err(_) => return Err(Err(format!("spawn.umask: expected -1 or an octal string, found {:?}", octal))),
        },
        Some(value) => return Err(Err(format!("spawn.umask: expected -1 or an octal string, found {}", value.dump()))),
    };
    if let Some(pass_fds) = popen.get("pass_fds") {
        let fds = match pass_fds {
            Json::Array(items) => items,
            _ => return Err(Err(format!("spawn.pass_fds: expected a list, found {}", pass_fds.dump()))),
        };
        // Popen leaves the standard fds to the stdio arguments; any other is a placement Command cannot make.
        for fd in fds {
            match fd.as_i64() {
                Some(0..=2) => {}
                Some(n) if n >= 0 => {
                    return Err(Ok(NoApi(format!("popen.pass_fds: fd {} kept open at child fd {} (Command places only fds 0-2)", n, n))))
                }
                _ => return Err(Ok(NoApi(format!("popen.pass_fds entry {} (Command takes no list of fds)", fd.dump())))),
            }
        }
    }
    // close_fds: Command has no switch. It never closes the parent's fds; each
    // one reaches the child unless it is close-on-exec, which is close_fds=False
    // exactly, and for close_fds=True the matrix shows what gets through.

    let argv = strings(popen.get("argv").unwrap_or(&Json::Null), "spawn.argv").map_err(Err)?;
    if argv.is_empty() {
        return Err(Err("spawn.argv: expected at least one item".to_string()));
    }
    let (program, arg0) = match popen.get("executable") {
        None | Some(Json::Null) => (argv[0].clone(), None),
        Some(Json::Text(executable)) => (executable.clone(), Some(argv[0].clone())),
        Some(value) => return Err(Err(format!("spawn.executable: expected a string, found {}", value.dump()))),
    };
    let streams = [stream(popen, "stdin").map_err(Err)?, stream(popen, "stdout").map_err(Err)?,
                   stream(popen, "stderr").map_err(Err)?];
    for (i, name) in ["stdin", "stdout"].iter().enumerate() {
        if streams[i] == Stream::SameAsStdout {
            return Err(Ok(NoApi(format!("popen.{}: stdout (only the child's fd 2 can be the same as its fd 1)", name))));
        }
    }
    for (i, name) in ["stdin", "stdout", "stderr"].iter().enumerate() {
        if let Stream::Fd(fd) = streams[i] {
            if fd < 0 || fd > i32::MAX as i64 {
                return Err(Ok(NoApi(format!("popen.{}: fd {} (Stdio is built from an open fd, and this can be none)", name, fd))));
            }
        }
    }
    let cwd = match popen.get("cwd") {
        None | Some(Json::Null) => None,
        Some(Json::Text(path)) => Some(path.clone()),
        Some(value) => return Err(Err(format!("spawn.cwd: expected a path, found {}", value.dump()))),
    };
    let env = match popen.get("env") {
        None | Some(Json::Null) => None,
        Some(Json::Array(pairs)) => {
            let mut out = Vec::new();
            for pair in pairs {
                match strings(pair, "spawn.env[]").map_err(Err)?.as_slice() {
                    [key, value] => out.push((key.clone(), value.clone())),
                    _ => return Err(Err(format!("spawn.env: expected [name, value] pairs, found {}", pair.dump()))),
                }
            }
            Some(out)
        }
        Some(value) => return Err(Err(format!("spawn.env: expected [name, value] pairs, found {}", value.dump()))),
    };
    Ok(Plan { program, arg0, args: argv[1..].to_vec(), streams, cwd, env, uid, gid, process_group, new_session, umask })
}

// A close-on-exec duplicate of the parent's fd, for a Stdio that takes
// ownership: Command closes what it owns after the spawn, and the parent's own
// fd must stay as it was. std's only way to duplicate starts from a BorrowedFd,
// whose contract is an fd known to be open, which this one need not be.
fn duplicate(fd: i64) -> io::Result<OwnedFd> {
    // SAFETY: fcntl with F_DUPFD_CLOEXEC touches no memory; a closed fd gives EBADF.
    let copy = unsafe { fcntl(fd as c_int, F_DUPFD_CLOEXEC, 0 as c_int) };
    if copy < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fcntl just made this fd, and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}

// What the parent keeps to read once the child runs: the pipe that fds 1 and 2
// share when stderr is stdout on a pipe.
struct Streams {
    stdio: [Stdio; 3],
    shared_output: Option<io::PipeReader>,
}

fn build_streams(streams: &[Stream; 3]) -> io::Result<Streams> {
    let mut shared_output = None;
    let simple = |stream: &Stream, fd: usize| -> io::Result<Stdio> {
        Ok(match stream {
            Stream::Inherit => Stdio::inherit(),
            Stream::Pipe => Stdio::piped(),
            Stream::DevNull => Stdio::null(),
            Stream::Fd(n) => Stdio::from(duplicate(*n)?),
            Stream::SameAsStdout => unreachable!("stream {} cannot be stdout (plan_from)", fd),
        })
    };
    let stdin = simple(&streams[0], 0)?;
    let (stdout, stderr) = if streams[2] == Stream::SameAsStdout {
        // Popen's STDOUT: the child's fd 2 on the same open file as its fd 1.
        let output: OwnedFd = match &streams[1] {
            Stream::Inherit => duplicate(1)?,
            Stream::Fd(n) => duplicate(*n)?,
            Stream::DevNull => OpenOptions::new().read(true).write(true).open("/dev/null")?.into(),
            Stream::Pipe => {
                let (reader, writer) = io::pipe()?;
                shared_output = Some(reader);
                writer.into()
            }
            Stream::SameAsStdout => unreachable!("stdout cannot be stdout (plan_from)"),
        };
        (Stdio::from(output.try_clone()?), Stdio::from(output))
    } else {
        (simple(&streams[1], 1)?, simple(&streams[2], 2)?)
    };
    Ok(Streams { stdio: [stdin, stdout, stderr], shared_output })
}

fn command_from(plan: &Plan, stdio: [Stdio; 3]) -> Command {
    let mut command = Command::new(&plan.program);
    if let Some(arg0) = &plan.arg0 {
        command.arg0(arg0);
    }
    command.args(&plan.args);
    let [stdin, stdout, stderr] = stdio;
    command.stdin(stdin).stdout(stdout).stderr(stderr);
    if let Some(cwd) = &plan.cwd {
        command.current_dir(cwd);
    }
    if let Some(env) = &plan.env {
        command.env_clear();
        for (key, value) in env {
            command.env(key, value);
        }
    }
    if let Some(uid) = plan.uid {
        command.uid(uid);
    }
    if let Some(gid) = plan.gid {
        command.gid(gid);
    }
    if let Some(group) = plan.process_group {
        command.process_group(group);
    }
    // std has setsid only on nightly (CommandExt::setsid) and no umask at all;
    // a pre_exec hook making the one async-signal-safe call is how stable Rust
    // says either. Any hook makes std fork and exec rather than posix_spawn.
    if plan.new_session {
        // SAFETY: setsid is async-signal-safe and the closure allocates nothing.
        unsafe {
            command.pre_exec(|| if setsid() == -1 { Err(io::Error::last_os_error()) } else { Ok(()) });
        }
    }
    if let Some(mask) = plan.umask {
        // SAFETY: umask is async-signal-safe, cannot fail, and the closure allocates nothing.
        unsafe {
            command.pre_exec(move || {
                umask(mask);
                Ok(())
            });
        }
    }
    command
}

// ---------------------------------------------------------------------------
// Outcomes.

fn signal_name(number: i32) -> String {
    const CLASSIC: [&str; 31] = [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
        "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
        "SIGIO", "SIGPWR", "SIGSYS",
    ];
    // glibc's SIGRTMIN and SIGRTMAX (32 and 33 are its own), as the host names them.
    match number {
        1..=31 => CLASSIC[(number - 1) as usize].to_string(),
        34 => "SIGRTMIN".to_string(),
        64 => "SIGRTMAX".to_string(),
        35..=63 => format!("SIGRTMIN+{}", number - 34),
        _ => format!("SIG{}", number),
    }
}

fn status_outcome(status: ExitStatus) -> Json {
    match (status.code(), status.signal()) {
        (Some(code), _) => object(vec![("kind", text("exited")), ("returncode", integer(code as i64))]),
        (None, Some(signal)) => object(vec![("kind", text("signaled")), ("signal", text(&signal_name(signal)))]),
        (None, None) => object(vec![("kind", text("exited")), ("returncode", integer(status.into_raw() as i64))]),
    }
}

// An io::Error as the wire's exception: its ErrorKind's name is the error
// class (NotFound, PermissionDenied, ...), raw_os_error the errno. std
// attaches no file name to a spawn error.
fn error_outcome(error: &io::Error) -> Json {
    object(vec![
        ("kind", text("exception")),
        ("error_class", text(&format!("{:?}", error.kind()))),
        ("errno", error.raw_os_error().map_or(Json::Null, |n| integer(n as i64))),
        ("filename", Json::Null),
        ("message", text(&error.to_string())),
    ])
}

// The scenario's close-on-exec fds, which the host carried through this program's exec, are made
// close-on-exec again before the first stop, as the scenario's parent holds them
// (drivers/kit/runtime_host.hpp); std has no call for an fd it did not open.
fn restore_close_on_exec(fds: Option<&Json>) -> Result<(), String> {
    let Some(fds) = fds else { return Ok(()) };
    let Json::Array(items) = fds else { return Err("close_on_exec: expected a list of fds".to_string()) };
    for item in items {
        let fd = item.as_i64().and_then(|n| c_int::try_from(n).ok())
            .ok_or_else(|| format!("close_on_exec: expected fd numbers, found {}", item.dump()))?;
        // SAFETY: F_GETFD and F_SETFD read and set one fd's flags and touch no memory.
        let flags = unsafe { fcntl(fd, F_GETFD) };
        if flags < 0 || unsafe { fcntl(fd, F_SETFD, flags | FD_CLOEXEC) } < 0 {
            return Err(format!("close_on_exec: fd {}: {}", fd, io::Error::last_os_error()));
        }
    }
    Ok(())
}

// The host snapshots this process while it is stopped.
fn stop_for_snapshot() {
    // SAFETY: kill with our own pid and SIGSTOP; it returns once the host continues us.
    unsafe {
        kill(std::process::id() as c_int, SIGSTOP);
    }
}

fn write_file(path: &str, content: &str) -> Result<(), String> {
    std::fs::write(path, content).map_err(|error| format!("cannot write the outcome file {}: {}", path, error))
}

fn spawn_and_wait(plan: &Plan) -> Json {
    stop_for_snapshot();
    // As Popen.communicate() with no input: the child's stdin pipe closed, its output pipes read to the end.
    let streams = match build_streams(&plan.streams) {
        Ok(streams) => streams,
        Err(error) => return object(vec![("pid", Json::Null), ("outcome", error_outcome(&error)), ("api", text(API))]),
    };
    let mut command = command_from(plan, streams.stdio);
    let spawned = command.spawn();
    // The Command owns the duplicates and the shared pipe's write end: closed
    // here, as Popen closes the child's ends, so the parent keeps none of them.
    drop(command);
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => return object(vec![("pid", Json::Null), ("outcome", error_outcome(&error)), ("api", text(API))]),
    };
    let pid = child.id() as i64;
    let mut printed = Vec::new();
    let waited = if let Some(mut reader) = streams.shared_output {
        drop(child.stdin.take());
        let read = reader.read_to_end(&mut printed);
        drop(reader);
        read.and_then(|_| child.wait())
    } else if plan.streams.iter().any(|s| *s == Stream::Pipe) {
        child.wait_with_output().map(|output| {
            printed.extend_from_slice(&output.stdout);
            printed.extend_from_slice(&output.stderr);
            output.status
        })
    } else {
        child.wait()
    };
    printed.truncate(DIAGNOSTICS_LIMIT);
    let outcome = match waited {
        Ok(status) => status_outcome(status),
        Err(error) => error_outcome(&error),
    };
    object(vec![
        ("pid", integer(pid)),
        ("outcome", outcome),
        ("diagnostics", text(&String::from_utf8_lossy(&printed))),
        ("api", text(API)),
    ])
}

fn hello() -> Json {
    object(vec![
        ("id", text(&format!("rust-{}", RUSTC_VERSION))),
        ("name", text("Rust")),
        ("version", text(RUSTC_VERSION)),
        ("language", text("rust")),
        ("detail", text(&format!(
            "std::process::Command of Rust {} (std only), run in each scenario parent by fdconform-kit-host, \
             which snapshots it from outside", RUSTC_VERSION))),
        ("features", Json::Array(vec![text("process_group"), text("umask")])),
    ])
}

// The capability a scenario's other spawn kinds ask for, or None for a kind the protocol does not have.
fn no_api_for_kind(kind: &str) -> Option<String> {
    match kind {
        "posix_spawn" | "posix_spawnp" => Some(format!("{} (std::process has no file actions or spawn attributes)", kind)),
        "fork_exec" => Some("fork_exec (std has no fork)".to_string()),
        _ => None,
    }
}

fn run(request_path: &str) -> Result<(), String> {
    let mut content = String::new();
    File::open(request_path)
        .and_then(|mut file| file.read_to_string(&mut content))
        .map_err(|error| format!("cannot read the request file {}: {}", request_path, error))?;
    let request = Parser::parse_document(&content).map_err(|error| format!("request file {}: {}", request_path, error))?;
    let outcome_path = request
        .get("outcome")
        .and_then(Json::as_str)
        .ok_or_else(|| format!("request file {}: expected an \"outcome\" path", request_path))?
        .to_string();
    restore_close_on_exec(request.get("close_on_exec"))
        .map_err(|error| format!("request file {}: {}", request_path, error))?;
    if request.get("measure") == Some(&Json::Bool(true)) {
        stop_for_snapshot();
        return Ok(());
    }
    let kind = request.get("kind").and_then(Json::as_str).unwrap_or("");
    if kind != "popen" {
        return match no_api_for_kind(kind) {
            Some(capability) => write_file(&outcome_path, &object(vec![("no_api", text(&capability))]).dump()),
            None => Err(format!(
                "request file {}: unknown spawn kind {:?} (expected popen, posix_spawn, posix_spawnp or fork_exec)",
                request_path, kind)),
        };
    }
    let popen = request.get("spawn").filter(|spawn| !spawn.is_null()).unwrap_or(&Json::Null);
    let plan = match plan_from(popen) {
        Ok(plan) => plan,
        Err(Ok(NoApi(capability))) => {
            return write_file(&outcome_path, &object(vec![("no_api", text(&capability))]).dump());
        }
        Err(Err(error)) => return Err(format!("request file {}: {}", request_path, error)),
    };
    let answer = spawn_and_wait(&plan);
    write_file(&outcome_path, &answer.dump())?;
    stop_for_snapshot();
    Ok(())
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().map(|arg| arg == "--hello").unwrap_or(false) {
        println!("{}", hello().dump());
        return;
    }
    let request = args.iter().filter_map(|arg| arg.to_str()).find_map(|arg| arg.strip_prefix("--request="));
    let Some(request_path) = request else {
        eprintln!("usage: fdconform-rust-adapter --hello | --request=PATH (run by fdconform-kit-host)");
        std::process::exit(2);
    };
    if let Err(error) = run(request_path) {
        let _ = writeln!(io::stderr(), "fdconform-rust-adapter: {}", error);
        std::process::exit(2);
    }
}

