// The Go column's adapter (docs/RUNTIMES.md, "Go"): run by fdconform-kit-host
// in a prepared scenario parent, it maps the scenario's popen block onto
// os/exec's Cmd and syscall.SysProcAttr and says how the spawn went. The host
// does the protocol, the parent's state and both snapshots (it reads them
// through procfs while this process is stopped); drivers/kit/runtime_host.hpp
// describes the request and outcome files read and written here.
//
// Standard library only, one file of package main: drivers/go/CMakeLists.txt
// builds it with the go tool offline. What os/exec and syscall cannot say is
// answered {"no_api": CAPABILITY}.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

const (
	api              = "os/exec.Cmd.Start"
	diagnosticsLimit = 4096
)

func init() {
	// The Go runtime runs goroutines on several threads. A process-directed
	// SIGSTOP may be taken by another thread while the caller runs on, so the
	// stop would land after the spawn call had begun, and a second stop sent
	// meanwhile could merge into the first (docs/DRIVERS.md). main stays on
	// the thread it started on, and each stop is sent to that thread alone.
	runtime.LockOSThread()
}

// The host snapshots this process while it is stopped; it continues us.
func stopForSnapshot() {
	_ = syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), syscall.SIGSTOP)
}

// noAPI is what os/exec has no way to say: the capability, one line.
type noAPI string

// One of popen.stdin/stdout/stderr as the host resolved it.
type streamKind int

const (
	streamInherit streamKind = iota
	streamPipe
	streamDevNull
	streamSameAsStdout
	streamFd
)

type stream struct {
	kind streamKind
	fd   int64
}

type plan struct {
	path        string // exec.Cmd.Path; empty: exec.Command looks argv[0] up
	argv        []string
	streams     [3]stream
	cwd         string
	env         []string // nil: the parent's environment
	credential  *syscall.Credential
	newSession  bool
	hasGroup    bool
	group       int
	passFds     []int
	closeOnExec []int
}

func isAbsentOr(popen map[string]interface{}, key string, defaults ...interface{}) bool {
	value, present := popen[key]
	if !present || value == nil {
		return true
	}
	for _, d := range defaults {
		switch want := d.(type) {
		case int64:
			if n, ok := value.(json.Number); ok {
				if got, err := n.Int64(); err == nil && got == want {
					return true
				}
			}
		default:
			if value == d {
				return true
			}
		}
	}
	return false
}

func integerOf(value interface{}) (int64, bool) {
	n, ok := value.(json.Number)
	if !ok {
		return 0, false
	}
	got, err := n.Int64()
	return got, err == nil
}

func dump(value interface{}) string {
	text, err := json.Marshal(value)
	if err != nil {
		return fmt.Sprint(value)
	}
	return string(text)
}

func streamOf(popen map[string]interface{}, name string) (stream, error) {
	value, present := popen[name]
	if !present || value == nil {
		return stream{kind: streamInherit}, nil
	}
	switch value {
	case "inherit":
		return stream{kind: streamInherit}, nil
	case "pipe":
		return stream{kind: streamPipe}, nil
	case "devnull":
		return stream{kind: streamDevNull}, nil
	case "stdout":
		return stream{kind: streamSameAsStdout}, nil
	}
	if object, ok := value.(map[string]interface{}); ok {
		if fd, ok := integerOf(object["fd"]); ok {
			return stream{kind: streamFd, fd: fd}, nil
		}
	}
	return stream{}, fmt.Errorf("spawn.%s: expected inherit, pipe, devnull, stdout or {\"fd\": N}, found %s", name, dump(value))
}

func stringsOf(value interface{}, where string) ([]string, error) {
	items, ok := value.([]interface{})
	if !ok {
		return nil, fmt.Errorf("%s: expected a list of strings, found %s", where, dump(value))
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		text, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("%s: expected strings, found %s", where, dump(item))
		}
		out = append(out, text)
	}
	return out, nil
}

// A user or group as syscall.Credential holds it (a uint32), looked up by
// name through os/user as a Go program would, or no_api for a number it cannot hold.
func credentialID(popen map[string]interface{}, key string) (uint32, bool, *noAPI, error) {
	value, present := popen[key]
	if !present || value == nil {
		return 0, false, nil, nil
	}
	field := map[string]string{"user": "Uid", "group": "Gid"}[key]
	if name, ok := value.(string); ok {
		var id string
		var err error
		if key == "user" {
			var found *user.User
			if found, err = user.Lookup(name); err == nil {
				id = found.Uid
			}
		} else {
			var found *user.Group
			if found, err = user.LookupGroup(name); err == nil {
				id = found.Gid
			}
		}
		if err != nil {
			capability := noAPI(fmt.Sprintf("popen.%s %q: os/user finds no such name (%v)", key, name, err))
			return 0, false, &capability, nil
		}
		number, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			return 0, false, nil, fmt.Errorf("os/user gave %s the id %q", name, id)
		}
		return uint32(number), true, nil, nil
	}
	if number, ok := integerOf(value); ok {
		if number < 0 || number > 0xffffffff {
			capability := noAPI(fmt.Sprintf("popen.%s %d (syscall.Credential.%s is a uint32)", key, number, field))
			return 0, false, &capability, nil
		}
		return uint32(number), true, nil, nil
	}
	return 0, false, nil, fmt.Errorf("spawn.%s: expected a number or a name, found %s", key, dump(value))
}

// The popen block as a plan, a no_api for what os/exec cannot say, or an
// error for a block the host should never have written.
func planFrom(popen map[string]interface{}) (*plan, *noAPI, error) {
	missing := func(capability string) (*plan, *noAPI, error) {
		c := noAPI(capability)
		return nil, &c, nil
	}
	if !isAbsentOr(popen, "umask", int64(-1)) {
		return missing("popen.umask (exec.Cmd and SysProcAttr have no umask for the child)")
	}
	if !isAbsentOr(popen, "pipesize", int64(-1)) {
		return missing("popen.pipesize (os/exec's pipes have no size setting)")
	}
	if !isAbsentOr(popen, "preexec") {
		return missing("popen.preexec (os/exec runs no code of the caller's in the child)")
	}
	switch popen["restore_signals"] {
	case nil, true:
	case false:
		return missing("popen.restore_signals: false (the Go runtime catches most signals itself, and exec resets caught signals to their defaults)")
	default:
		return missing("popen.restore_signals as a non-boolean")
	}
	p := &plan{}
	switch popen["start_new_session"] {
	case nil, false:
	case true:
		p.newSession = true
	default:
		return missing("popen.start_new_session as a non-boolean")
	}
	switch popen["close_fds"] {
	// exec.Cmd has no switch: it closes no fd it did not open, so every fd
	// without close-on-exec reaches the child. That is close_fds=False
	// exactly, and for True the matrix shows what gets through.
	case nil, true, false:
	default:
		return missing("popen.close_fds as a non-boolean")
	}
	if !isAbsentOr(popen, "path_type", "str") {
		return missing(fmt.Sprintf("popen.path_type: %s (a Python argument type)", dump(popen["path_type"])))
	}
	switch popen["shell"] {
	case nil, false:
	case true:
		return missing("popen.shell (exec.Cmd runs a program; it has no shell option)")
	default:
		return missing("popen.shell as a non-boolean")
	}
	if group, present := popen["process_group"]; present && group != nil {
		number, ok := integerOf(group)
		if !ok || number != int64(int(number)) {
			return missing(fmt.Sprintf("popen.process_group %s (SysProcAttr.Pgid is an int)", dump(group)))
		}
		p.hasGroup, p.group = true, int(number)
	}

	uid, hasUID, lacking, err := credentialID(popen, "user")
	if lacking != nil || err != nil {
		return nil, lacking, err
	}
	gid, hasGID, lacking, err := credentialID(popen, "group")
	if lacking != nil || err != nil {
		return nil, lacking, err
	}
	var groups []uint32
	hasGroups := false
	if extra, present := popen["extra_groups"]; present && extra != nil {
		items, ok := extra.([]interface{})
		if !ok {
			return nil, nil, fmt.Errorf("spawn.extra_groups: expected a list, found %s", dump(extra))
		}
		hasGroups = true
		groups = []uint32{}
		for _, item := range items {
			id, _, lacking, err := credentialID(map[string]interface{}{"group": item}, "group")
			if lacking != nil || err != nil {
				if lacking != nil {
					c := noAPI("popen.extra_groups: " + strings.TrimPrefix(string(*lacking), "popen.group "))
					lacking = &c
				}
				return nil, lacking, err
			}
			groups = append(groups, id)
		}
	}
	if hasUID || hasGID || hasGroups {
		// Credential always sets both ids in the child (setgid, then
		// setuid), and the supplementary groups unless NoSetGroups: what
		// the block leaves out is the parent's own.
		credential := &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid()), NoSetGroups: !hasGroups}
		if hasUID {
			credential.Uid = uid
		}
		if hasGID {
			credential.Gid = gid
		}
		credential.Groups = groups
		p.credential = credential
	}

	if fds, present := popen["pass_fds"]; present && fds != nil {
		items, ok := fds.([]interface{})
		if !ok {
			return nil, nil, fmt.Errorf("spawn.pass_fds: expected a list, found %s", dump(fds))
		}
		seen := map[int]bool{}
		for _, item := range items {
			fd, ok := integerOf(item)
			if !ok || fd < 0 || fd > 0x7fffffff {
				return missing(fmt.Sprintf("popen.pass_fds entry %s (ExtraFiles holds open files)", dump(item)))
			}
			// Popen leaves 0-2 to the stdio arguments; so does exec.Cmd.
			if fd > 2 && !seen[int(fd)] {
				seen[int(fd)] = true
				p.passFds = append(p.passFds, int(fd))
			}
		}
		sort.Ints(p.passFds)
	}

	argvValue, present := popen["argv"]
	if !present {
		return nil, nil, errors.New("spawn.argv: missing")
	}
	if p.argv, err = stringsOf(argvValue, "spawn.argv"); err != nil {
		return nil, nil, err
	}
	if len(p.argv) == 0 {
		return nil, nil, errors.New("spawn.argv: expected at least one item")
	}
	if executable, present := popen["executable"]; present && executable != nil {
		text, ok := executable.(string)
		if !ok {
			return nil, nil, fmt.Errorf("spawn.executable: expected a string, found %s", dump(executable))
		}
		p.path = text
	}
	for i, name := range []string{"stdin", "stdout", "stderr"} {
		if p.streams[i], err = streamOf(popen, name); err != nil {
			return nil, nil, err
		}
		if p.streams[i].kind == streamSameAsStdout && i < 2 {
			return missing(fmt.Sprintf("popen.%s: stdout (only the child's fd 2 can be the same as its fd 1)", name))
		}
		if p.streams[i].kind == streamFd && (p.streams[i].fd < 0 || p.streams[i].fd > 0x7fffffff) {
			return missing(fmt.Sprintf("popen.%s: fd %d (an *os.File is made from an open fd, and this can be none)", name, p.streams[i].fd))
		}
	}
	if cwd, present := popen["cwd"]; present && cwd != nil {
		text, ok := cwd.(string)
		if !ok {
			return nil, nil, fmt.Errorf("spawn.cwd: expected a path, found %s", dump(cwd))
		}
		p.cwd = text
	}
	if env, present := popen["env"]; present && env != nil {
		pairs, ok := env.([]interface{})
		if !ok {
			return nil, nil, fmt.Errorf("spawn.env: expected [name, value] pairs, found %s", dump(env))
		}
		p.env = []string{}
		for _, pair := range pairs {
			entry, err := stringsOf(pair, "spawn.env[]")
			if err != nil || len(entry) != 2 {
				return nil, nil, fmt.Errorf("spawn.env: expected [name, value] pairs, found %s", dump(pair))
			}
			p.env = append(p.env, entry[0]+"="+entry[1])
		}
	}
	return p, nil, nil
}

// Files this process must keep open until it exits: an *os.File closes its fd
// when the garbage collector finalizes it, and these are the scenario's fds.
var keptFiles []*os.File

func parentFile(fd int) *os.File {
	file := os.NewFile(uintptr(fd), "fd "+strconv.Itoa(fd))
	keptFiles = append(keptFiles, file)
	return file
}

// At most diagnosticsLimit bytes of what the child printed on its pipes.
type boundedBuffer struct{ bytes.Buffer }

func (b *boundedBuffer) Write(data []byte) (int, error) {
	if room := diagnosticsLimit - b.Len(); room > 0 {
		if len(data) < room {
			room = len(data)
		}
		b.Buffer.Write(data[:room])
	}
	return len(data), nil
}

// The Cmd for a plan, and what the caller closes once it started: a
// /dev/null opened for stderr=stdout, the write end of a stdin pipe.
func commandFrom(p *plan, printed [2]*boundedBuffer) (*exec.Cmd, []io.Closer, error) {
	var cmd *exec.Cmd
	if p.path == "" {
		// As a Go program starts a command: a name without a slash is looked up in this process's PATH.
		cmd = exec.Command(p.argv[0], p.argv[1:]...)
	} else {
		cmd = &exec.Cmd{Path: p.path, Args: p.argv}
	}
	cmd.Dir = p.cwd
	cmd.Env = p.env
	var closeAfterStart []io.Closer
	standard := []*os.File{os.Stdin, os.Stdout, os.Stderr}
	fileFor := func(s stream, fd int) *os.File {
		if s.kind == streamFd {
			return parentFile(int(s.fd))
		}
		return standard[fd] // inherit: the parent's own fd
	}
	// stdin: a pipe from StdinPipe (closed right after the start, as
	// communicate() with no input closes it); devnull is a nil Stdin, which
	// os/exec opens on /dev/null itself.
	switch p.streams[0].kind {
	case streamPipe:
		writer, err := cmd.StdinPipe()
		if err != nil {
			return nil, nil, err
		}
		closeAfterStart = append(closeAfterStart, writer)
	case streamInherit, streamFd:
		cmd.Stdin = fileFor(p.streams[0], 0)
	}
	// stdout and stderr: a pipe is an io.Writer that is no *os.File, for
	// which os/exec makes a pipe and copies to it until Wait. Each stream has
	// its own writer: given the same writer twice, os/exec hands the child one
	// pipe on both fds, which is what stderr=STDOUT asks for, not two pipes.
	for i, target := range []*io.Writer{&cmd.Stdout, &cmd.Stderr} {
		switch p.streams[i+1].kind {
		case streamPipe:
			*target = printed[i]
		case streamInherit, streamFd:
			*target = fileFor(p.streams[i+1], i+1)
		case streamSameAsStdout:
			// The same writer twice: os/exec gives fd 2 the child's fd 1.
			if p.streams[1].kind == streamDevNull {
				null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
				if err != nil {
					return nil, nil, err
				}
				closeAfterStart = append(closeAfterStart, null)
				cmd.Stdout = null
			}
			cmd.Stderr = cmd.Stdout
		}
	}
	// pass_fds: ExtraFiles[i] becomes the child's fd 3+i, so parent fd N goes
	// at index N-3; a nil entry between is closed in the child, as Popen's
	// close_fds=True (which pass_fds implies) closes it.
	if len(p.passFds) > 0 {
		highest := p.passFds[len(p.passFds)-1]
		cmd.ExtraFiles = make([]*os.File, highest-2)
		for _, fd := range p.passFds {
			cmd.ExtraFiles[fd-3] = parentFile(fd)
		}
	}
	// SysProcAttr only when the block asks for something in it: with none,
	// os.StartProcess checks the directory in the parent first.
	if p.newSession || p.hasGroup || p.credential != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Setsid:     p.newSession,
			Setpgid:    p.hasGroup,
			Pgid:       p.group,
			Credential: p.credential,
		}
	}
	return cmd, closeAfterStart, nil
}

func signalName(number syscall.Signal) string {
	classic := []string{"SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
		"SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
		"SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",
		"SIGPWR", "SIGSYS"}
	n := int(number)
	switch {
	case n >= 1 && n <= 31:
		return classic[n-1]
	case n == 34:
		return "SIGRTMIN"
	case n == 64:
		return "SIGRTMAX"
	case n > 34 && n < 64:
		return fmt.Sprintf("SIGRTMIN+%d", n-34)
	}
	return fmt.Sprintf("SIG%d", n)
}

// An error from Start or Wait as the wire's exception: its Go type is the
// class, the syscall.Errno in its chain the errno, the path an
// *fs.PathError or the name an *exec.Error carries the filename.
func errorOutcome(err error) map[string]interface{} {
	outcome := map[string]interface{}{
		"kind": "exception", "error_class": fmt.Sprintf("%T", err), "errno": nil, "filename": nil,
		"message": err.Error(),
	}
	var number syscall.Errno
	if errors.As(err, &number) {
		outcome["errno"] = int(number)
	}
	var pathError *os.PathError
	var execError *exec.Error
	if errors.As(err, &pathError) {
		outcome["filename"] = pathError.Path
	} else if errors.As(err, &execError) {
		outcome["filename"] = execError.Name
	}
	return outcome
}

func statusOutcome(state *os.ProcessState) map[string]interface{} {
	if status, ok := state.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return map[string]interface{}{"kind": "signaled", "signal": signalName(status.Signal())}
	}
	return map[string]interface{}{"kind": "exited", "returncode": state.ExitCode()}
}

func spawnAndWait(p *plan) map[string]interface{} {
	answer := map[string]interface{}{"pid": nil, "api": api}
	printed := [2]*boundedBuffer{{}, {}}
	// The snapshot is the parent before the spawn: the stdin pipe StdinPipe
	// makes belongs to the spawn, as Popen's pipes do, not to the parent state.
	stopForSnapshot()
	cmd, closeAfterStart, err := commandFrom(p, printed)
	if err == nil {
		err = cmd.Start()
	}
	for _, closer := range closeAfterStart {
		closer.Close()
	}
	if err != nil {
		answer["outcome"] = errorOutcome(err)
		return answer
	}
	answer["pid"] = cmd.Process.Pid
	waited := cmd.Wait()
	var exitError *exec.ExitError
	if waited == nil || errors.As(waited, &exitError) {
		answer["outcome"] = statusOutcome(cmd.ProcessState)
	} else {
		answer["outcome"] = errorOutcome(waited)
	}
	answer["diagnostics"] = strings.ToValidUTF8(printed[0].String()+printed[1].String(), "\uFFFD")
	return answer
}

func version() string {
	return strings.TrimPrefix(runtime.Version(), "go")
}

func hello() map[string]interface{} {
	return map[string]interface{}{
		"id":       "go-" + version(),
		"name":     "Go",
		"version":  version(),
		"language": "go",
		"detail": fmt.Sprintf("os/exec.Cmd and syscall.SysProcAttr of Go %s (%s/%s, standard library only, built without cgo), "+
			"run in each scenario parent by fdconform-kit-host, which snapshots it from outside",
			version(), runtime.GOOS, runtime.GOARCH),
		"features": []string{"process_group", "user_group"},
	}
}

// The capability a scenario's other spawn kinds ask for, or "" for a kind the protocol does not have.
func noAPIForKind(kind string) string {
	switch kind {
	case "posix_spawn", "posix_spawnp":
		return kind + " (os/exec has no file actions or spawn attributes)"
	case "fork_exec":
		return "fork_exec (Go has no fork of the running process)"
	}
	return ""
}

// The request file as JSON: one object, numbers kept as their text.
func readRequest(path string) (map[string]interface{}, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the request file %s: %v", path, err)
	}
	decoder := json.NewDecoder(bytes.NewReader(content))
	decoder.UseNumber()
	var value interface{}
	if err := decoder.Decode(&value); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("request file %s: byte %d: %v", path, syntax.Offset, err)
		}
		return nil, fmt.Errorf("request file %s: byte %d: %v", path, decoder.InputOffset(), err)
	}
	if _, err := decoder.Token(); err != io.EOF {
		return nil, fmt.Errorf("request file %s: byte %d: expected the end of the document after its one value", path, decoder.InputOffset())
	}
	request, ok := value.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("request file %s: byte 0: expected an object", path)
	}
	return request, nil
}

func writeJSON(path string, value interface{}) error {
	text, err := json.Marshal(value)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, text, 0o666); err != nil {
		return fmt.Errorf("cannot write the outcome file %s: %v", path, err)
	}
	return nil
}

// The scenario's close-on-exec fds, which the host carried through this
// program's exec as inheritable: close-on-exec again, as the scenario has them.
func restoreCloseOnExec(request map[string]interface{}) error {
	list, present := request["close_on_exec"]
	if !present || list == nil {
		return nil
	}
	items, ok := list.([]interface{})
	if !ok {
		return fmt.Errorf("close_on_exec: expected a list of fds, found %s", dump(list))
	}
	for _, item := range items {
		fd, ok := integerOf(item)
		if !ok || fd < 0 || fd > 0x7fffffff {
			return fmt.Errorf("close_on_exec: expected fd numbers, found %s", dump(item))
		}
		syscall.CloseOnExec(int(fd))
	}
	return nil
}

func run(requestPath string) error {
	request, err := readRequest(requestPath)
	if err != nil {
		return err
	}
	outcomePath, ok := request["outcome"].(string)
	if !ok {
		return fmt.Errorf("request file %s: expected an \"outcome\" path", requestPath)
	}
	if err := restoreCloseOnExec(request); err != nil {
		return fmt.Errorf("request file %s: %v", requestPath, err)
	}
	if request["measure"] == true {
		stopForSnapshot()
		return nil
	}
	kind, _ := request["kind"].(string)
	if kind != "popen" {
		capability := noAPIForKind(kind)
		if capability == "" {
			return fmt.Errorf("request file %s: unknown spawn kind %q (expected popen, posix_spawn, posix_spawnp or fork_exec)",
				requestPath, kind)
		}
		return writeJSON(outcomePath, map[string]interface{}{"no_api": capability})
	}
	popen, ok := request["spawn"].(map[string]interface{})
	if !ok {
		return fmt.Errorf("request file %s: spawn: expected the popen block as an object, found %s", requestPath, dump(request["spawn"]))
	}
	p, lacking, err := planFrom(popen)
	if err != nil {
		return fmt.Errorf("request file %s: %v", requestPath, err)
	}
	if lacking != nil {
		return writeJSON(outcomePath, map[string]interface{}{"no_api": string(*lacking)})
	}
	answer := spawnAndWait(p)
	if err := writeJSON(outcomePath, answer); err != nil {
		return err
	}
	stopForSnapshot()
	runtime.KeepAlive(keptFiles)
	return nil
}

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "--hello" {
		text, _ := json.Marshal(hello())
		fmt.Println(string(text))
		return
	}
	requestPath := ""
	for _, arg := range args {
		if strings.HasPrefix(arg, "--request=") {
			requestPath = strings.TrimPrefix(arg, "--request=")
		}
	}
	if requestPath == "" {
		fmt.Fprintln(os.Stderr, "usage: fdconform-go-adapter --hello | --request=PATH (run by fdconform-kit-host)")
		os.Exit(2)
	}
	if err := run(requestPath); err != nil {
		fmt.Fprintf(os.Stderr, "fdconform-go-adapter: %v\n", err)
		os.Exit(2)
	}
}
