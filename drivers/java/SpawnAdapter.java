// The Java column's adapter (docs/RUNTIMES.md, "Java"): run by
// fdconform-kit-host in a prepared scenario parent, it maps the scenario's
// popen block onto java.lang.ProcessBuilder and says how the spawn went. The
// host does the protocol, the parent's state and both snapshots (it reads them
// through procfs while this JVM is stopped); drivers/kit/runtime_host.hpp
// describes the request and outcome files read and written here.
//
// Standard library only, compiled with --release 11 so that one class file
// runs on every JDK from 11 on. Two calls are native (stop_for_snapshot.c),
// for what Java has no public call for: stopping this JVM for the host's
// snapshots, and setting close-on-exec on the fds the host carried through
// the JVM's exec.

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class SpawnAdapter {
  private static native void stopForSnapshot();

  private static native int setCloseOnExec(int fd);

  // The scenario's close-on-exec fds, which the host carried through this JVM's exec: close-on-exec
  // again before the first stop, as the scenario's parent holds them (drivers/kit/runtime_host.hpp).
  private static void restoreCloseOnExec(Object fds) {
    if (fds == null) return;
    if (!(fds instanceof List)) throw new IllegalArgumentException("close_on_exec: expected a list of fds");
    for (Object fd : (List<?>) fds) {
      if (!(fd instanceof Long)) throw new IllegalArgumentException("close_on_exec: expected fd numbers, found " + fd);
      int error = setCloseOnExec(((Long) fd).intValue());
      if (error != 0) throw new IllegalStateException("close_on_exec: fd " + fd + ": errno " + error);
    }
  }

  /** What ProcessBuilder has no way to say; answered as {"no_api": capability}. */
  private static final class NoApi extends Exception {
    private static final long serialVersionUID = 1L;

    NoApi(String capability) { super(capability); }
  }

  private static String launchMechanism() {
    String chosen = System.getProperty("jdk.lang.Process.launchMechanism");
    return chosen == null ? "the JDK's default" : chosen;
  }

  private static String hello() {
    String version = Runtime.version().feature() + "." + Runtime.version().interim() + "." + Runtime.version().update();
    String mechanism = System.getProperty("jdk.lang.Process.launchMechanism");
    String id = "java-" + version + (mechanism == null ? "" : "-" + mechanism.toLowerCase());
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("id", id);
    facts.put("name", "Java");
    facts.put("version", version);
    facts.put("language", "java");
    facts.put("detail", "java.lang.ProcessBuilder of " + System.getProperty("java.vm.name") + " "
        + Runtime.version() + " (launch mechanism: " + launchMechanism()
        + "), run in each scenario parent by fdconform-kit-host, which snapshots it from outside");
    facts.put("features", new ArrayList<Object>());
    return Json.write(facts);
  }

  private static boolean isDefault(Object value, Object fallback) {
    return value == null || value.equals(fallback);
  }

  private static long integer(Object value) {
    return ((Number) value).longValue();
  }

  // popen.stdin/stdout/stderr (resolved by the host) as a Redirect, or null for "the same as fd 1".
  private static ProcessBuilder.Redirect redirect(int stream, Object value) throws NoApi {
    String name = new String[] {"stdin", "stdout", "stderr"}[stream];
    if ("inherit".equals(value)) return ProcessBuilder.Redirect.INHERIT;
    if ("pipe".equals(value)) return ProcessBuilder.Redirect.PIPE;
    if ("devnull".equals(value)) {
      // DISCARD writes to the null device; for input the null device is read as a file.
      return stream == 0 ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.DISCARD;
    }
    if ("stdout".equals(value) && stream == 2) return null;
    if (value instanceof Map) {
      // Redirect.to("/proc/self/fd/N") would open a new open file description: another offset and
      // other status flags, an approximation this column does not make.
      throw new NoApi("popen." + name + ": a parent fd (Redirect has files, pipes and inherit only)");
    }
    throw new NoApi("popen." + name + ": " + value);
  }

  private static ProcessBuilder builder(Map<String, Object> popen) throws NoApi {
    for (String key : new String[] {"user", "group", "extra_groups", "process_group", "preexec"}) {
      if (popen.get(key) != null) throw new NoApi("popen." + key);
    }
    if (!isDefault(popen.get("umask"), -1L)) throw new NoApi("popen.umask");
    if (!isDefault(popen.get("pipesize"), -1L)) throw new NoApi("popen.pipesize");
    if (!isDefault(popen.get("start_new_session"), false)) throw new NoApi("popen.start_new_session (no setsid)");
    if (!isDefault(popen.get("restore_signals"), true)) throw new NoApi("popen.restore_signals other than true");
    if (!isDefault(popen.get("close_fds"), true)) {
      throw new NoApi("popen.close_fds: false (the JDK closes every fd above 2 in the child)");
    }
    if (!isDefault(popen.get("path_type"), "str")) throw new NoApi("popen.path_type: " + popen.get("path_type"));
    Object passFds = popen.get("pass_fds");
    if (passFds instanceof List) {
      for (Object fd : (List<?>) passFds) {
        // Popen ignores standard fds in pass_fds: they are the stdio redirects.
        if (!(fd instanceof Number) || integer(fd) > 2 || integer(fd) < 0) {
          throw new NoApi("popen.pass_fds (a child gets fds 0-2 only)");
        }
      }
    }

    List<String> command = new ArrayList<>();
    for (Object item : (List<?>) popen.get("argv")) {
      if (!(item instanceof String)) throw new NoApi("popen.argv item " + item);
      command.add((String) item);
    }
    Object executable = popen.get("executable");
    if (Boolean.TRUE.equals(popen.get("shell"))) {
      // As Popen builds it: [executable or /bin/sh, -c, argv...]; Java has no shell option of its own.
      command.add(0, "-c");
      command.add(0, executable instanceof String ? (String) executable : "/bin/sh");
    } else if (executable instanceof String) {
      throw new NoApi("popen.executable (ProcessBuilder runs argv[0]: no separate program path)");
    } else if (!Boolean.FALSE.equals(popen.get("shell")) && popen.get("shell") != null) {
      throw new NoApi("popen.shell as a non-boolean");
    }

    ProcessBuilder builder = new ProcessBuilder(command);
    if (popen.get("cwd") instanceof String) builder.directory(new File((String) popen.get("cwd")));
    builder.redirectInput(redirect(0, popen.get("stdin")));
    ProcessBuilder.Redirect out = redirect(1, popen.get("stdout"));
    if (out == null) throw new NoApi("popen.stdout: stdout");
    builder.redirectOutput(out);
    ProcessBuilder.Redirect err = redirect(2, popen.get("stderr"));
    if (err == null) builder.redirectErrorStream(true);  // the child's fd 2 on whatever its fd 1 is
    else builder.redirectError(err);
    return builder;
  }

  // A replaced environment. The environment map checks each name and value as it is put (no '=' or
  // NUL in a name), so this is part of the spawn call: it runs after the first stop, and what it
  // refuses is the call's exception, as CPython's refusal of such a name is.
  private static void replaceEnvironment(ProcessBuilder builder, Object pairs) {
    if (!(pairs instanceof List)) return;
    Map<String, String> environment = builder.environment();
    environment.clear();
    for (Object pair : (List<?>) pairs) {
      List<?> entry = (List<?>) pair;
      environment.put((String) entry.get(0), (String) entry.get(1));
    }
  }

  private static final Pattern ERROR_NUMBER = Pattern.compile("error(?:=|: )(\\d+)\\b");

  // ProcessBuilder.start reports a failed spawn as an IOException whose text carries the errno
  // ("error=2, No such file or directory" up to JDK 21, "Exec failed, error: 2 (No such file or
  // directory)" in newer ones); that text is the only place Java gives it.
  private static Map<String, Object> exceptionOutcome(Exception error) {
    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("kind", "exception");
    outcome.put("error_class", error.getClass().getSimpleName());
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    Matcher number = ERROR_NUMBER.matcher(String.valueOf(cause.getMessage()));
    outcome.put("errno", number.find() ? (Object) Long.parseLong(number.group(1)) : null);
    outcome.put("filename", null);
    outcome.put("message", String.valueOf(error.getMessage()));
    return outcome;
  }

  private static Thread drain(InputStream stream, ByteArrayOutputStream into) {
    Thread reader = new Thread(() -> {
      byte[] buffer = new byte[4096];
      try {
        for (int n; (n = stream.read(buffer)) > 0; ) {
          synchronized (into) {
            if (into.size() < 4096) into.write(buffer, 0, Math.min(n, 4096 - into.size()));
          }
        }
      } catch (IOException ignored) {
        // The pipe's end is the child's exit; what was read stays.
      }
    });
    reader.start();
    return reader;
  }

  private static void finish(Path outcomePath, Map<String, Object> answer) throws IOException {
    Files.write(outcomePath, Json.write(answer).getBytes(StandardCharsets.UTF_8));
    stopForSnapshot();
    System.exit(0);
  }

  private static void spawnAndWait(Map<String, Object> request) throws Exception {
    Path outcomePath = Paths.get((String) request.get("outcome"));
    ProcessBuilder builder;
    @SuppressWarnings("unchecked")
    Map<String, Object> popen = (Map<String, Object>) request.get("spawn");
    try {
      builder = builder(popen);
    } catch (NoApi missing) {
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("no_api", missing.getMessage());
      Files.write(outcomePath, Json.write(answer).getBytes(StandardCharsets.UTF_8));
      System.exit(0);
      return;
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("api", "java.lang.ProcessBuilder.start");
    stopForSnapshot();
    Process child;
    try {
      replaceEnvironment(builder, popen.get("env"));
      child = builder.start();
    } catch (IOException | RuntimeException error) {
      answer.put("pid", null);
      answer.put("outcome", exceptionOutcome(error));
      finish(outcomePath, answer);
      return;
    }
    // As Popen.communicate() with no input: close the child's stdin pipe, read its output pipes to the end.
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    if (builder.redirectInput() == ProcessBuilder.Redirect.PIPE) child.getOutputStream().close();
    List<Thread> readers = new ArrayList<>();
    if (builder.redirectOutput() == ProcessBuilder.Redirect.PIPE) readers.add(drain(child.getInputStream(), diagnostics));
    if (!builder.redirectErrorStream() && builder.redirectError() == ProcessBuilder.Redirect.PIPE) {
      readers.add(drain(child.getErrorStream(), diagnostics));
    }
    int status = child.waitFor();
    for (Thread reader : readers) reader.join();
    answer.put("pid", child.pid());
    // Process.exitValue cannot tell a signal from an exit: a child killed by signal N is 128 + N, as
    // a shell reports it. The column says what the API says, and the matrix shows the difference.
    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("kind", "exited");
    outcome.put("returncode", (long) status);
    answer.put("outcome", outcome);
    answer.put("diagnostics", new String(diagnostics.toByteArray(), StandardCharsets.ISO_8859_1));
    finish(outcomePath, answer);
  }

  private static String noApiForKind(Object kind) {
    if ("posix_spawn".equals(kind) || "posix_spawnp".equals(kind)) {
      return kind + " (ProcessBuilder has no file actions or spawn attributes)";
    }
    if ("fork_exec".equals(kind)) return "fork_exec (a JVM cannot fork the running process)";
    return "spawn kind " + kind;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--hello")) {
      System.out.println(hello());
      return;
    }
    String requestPath = null;
    for (String arg : args) if (arg.startsWith("--request=")) requestPath = arg.substring("--request=".length());
    if (requestPath == null) {
      System.err.println("usage: java SpawnAdapter --hello | --request=PATH (run by fdconform-kit-host)");
      System.exit(2);
    }
    System.load(System.getProperty("fdconform.stop_library"));
    String text = new String(Files.readAllBytes(Paths.get(requestPath)), StandardCharsets.UTF_8);
    @SuppressWarnings("unchecked")
    Map<String, Object> request = (Map<String, Object>) Json.parse(text, requestPath);
    restoreCloseOnExec(request.get("close_on_exec"));
    if (Boolean.TRUE.equals(request.get("measure"))) {
      stopForSnapshot();
      return;
    }
    if (!"popen".equals(request.get("kind"))) {
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("no_api", noApiForKind(request.get("kind")));
      Files.write(Paths.get((String) request.get("outcome")), Json.write(answer).getBytes(StandardCharsets.UTF_8));
      return;
    }
    spawnAndWait(request);
  }
}
