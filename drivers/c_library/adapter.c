/* The libc columns' adapter (docs/LIBC.md): run by fdconform-kit-host in a
 * prepared scenario parent, it maps a posix_spawn / posix_spawnp block onto
 * the C library's posix_spawn_file_actions_* and posix_spawnattr_* calls,
 * spawns, waits, and says how it went. The host does the protocol, the
 * parent's state and both snapshots; drivers/kit/runtime_host.hpp describes
 * the request and outcome files read and written here.
 *
 * C11 and the C library only, so that the one source builds against glibc
 * (the project's C compiler) and musl (musl-gcc, static). What a C library
 * lacks is decided by drivers/c_library/CMakeLists.txt at configure time and
 * arrives here as FDCONFORM_HAVE_* macros; the adapter answers no_api naming
 * the missing function and the library's version. */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

extern char** environ;

#ifndef FDCONFORM_LIBC_NAME
#error "FDCONFORM_LIBC_NAME (glibc or musl) comes from drivers/c_library/CMakeLists.txt"
#endif

/* ---- the C library this build runs on ---------------------------------- */

/* The primitive this column calls (--primitive=NAME, docs/LIBC.md): posix_spawn
 * (posix_spawn and posix_spawnp, the default), fork (fork then execve or
 * execvp), vfork (vfork then execve), system or popen. */
enum primitive { PRIMITIVE_POSIX_SPAWN, PRIMITIVE_FORK, PRIMITIVE_VFORK, PRIMITIVE_SYSTEM, PRIMITIVE_POPEN };
static enum primitive primitive = PRIMITIVE_POSIX_SPAWN;
static const char* const primitive_names[] = {"posix_spawn", "fork", "vfork", "system", "popen"};

static const char* libc_version(void) {
#if defined(__GLIBC__)
  return gnu_get_libc_version();
#elif defined(FDCONFORM_LIBC_VERSION)
  return FDCONFORM_LIBC_VERSION; /* musl has no call that says its version: configure read it from its loader */
#else
#error "a C library other than glibc needs FDCONFORM_LIBC_VERSION from configure"
#endif
}

/* ---- fatal errors: a request this program cannot read ------------------ */

static const char* request_path = "";

static void fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  fprintf(stderr, "fdconform-libc-%s: request file %s: ", FDCONFORM_LIBC_NAME, request_path);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(2);
}

/* ---- a strict JSON reader ---------------------------------------------- */

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_INTEGER, JSON_FRACTION, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
  enum json_type type;
  size_t offset; /* where the value starts in the file, for error messages */
  long long integer;
  char* text;             /* JSON_STRING: NUL-terminated UTF-8 */
  size_t count;           /* JSON_ARRAY, JSON_OBJECT */
  struct json** items;    /* the elements, or the members' values */
  char** keys;            /* JSON_OBJECT */
};

struct parser {
  const char* text;
  size_t length;
  size_t at;
};

static void parse_error(const struct parser* p, const char* expected) {
  fail("byte %zu: expected %s", p->at, expected);
}

static void* allocate(size_t size) {
  void* memory = calloc(1, size ? size : 1);
  if (!memory) {
    fprintf(stderr, "fdconform-libc-%s: out of memory\n", FDCONFORM_LIBC_NAME);
    exit(2);
  }
  return memory;
}

/* Steps over `c` when it is the next character; whether it was. */
static int take(struct parser* p, char c) {
  if (p->at >= p->length || p->text[p->at] != c) return 0;
  ++p->at;
  return 1;
}

static void skip_space(struct parser* p) {
  while (p->at < p->length && (p->text[p->at] == ' ' || p->text[p->at] == '\t' || p->text[p->at] == '\n' ||
                               p->text[p->at] == '\r'))
    ++p->at;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static unsigned read_hex4(struct parser* p) {
  unsigned value = 0;
  for (int i = 0; i < 4; ++i) {
    int digit = p->at < p->length ? hex_digit(p->text[p->at]) : -1;
    if (digit < 0) parse_error(p, "four hex digits after \\u");
    value = value * 16 + (unsigned)digit;
    ++p->at;
  }
  return value;
}

static size_t put_utf8(char* out, unsigned code) {
  if (code < 0x80) {
    out[0] = (char)code;
    return 1;
  }
  if (code < 0x800) {
    out[0] = (char)(0xC0 | (code >> 6));
    out[1] = (char)(0x80 | (code & 0x3F));
    return 2;
  }
  if (code < 0x10000) {
    out[0] = (char)(0xE0 | (code >> 12));
    out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
    out[2] = (char)(0x80 | (code & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (code >> 18));
  out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((code >> 6) & 0x3F));
  out[3] = (char)(0x80 | (code & 0x3F));
  return 4;
}

/* At the opening quote; the decoded text never is longer than its escaped form. */
static char* parse_string(struct parser* p) {
  ++p->at;
  char* out = allocate(p->length - p->at + 1);
  size_t written = 0;
  for (;;) {
    if (p->at >= p->length) parse_error(p, "a closing quote");
    unsigned char c = (unsigned char)p->text[p->at];
    if (c == '"') {
      ++p->at;
      break;
    }
    if (c < 0x20) parse_error(p, "no control character inside a string");
    if (c != '\\') {
      out[written++] = (char)c;
      ++p->at;
      continue;
    }
    ++p->at;
    if (p->at >= p->length) parse_error(p, "an escape after a backslash");
    char e = p->text[p->at++];
    switch (e) {
      case '"': out[written++] = '"'; break;
      case '\\': out[written++] = '\\'; break;
      case '/': out[written++] = '/'; break;
      case 'b': out[written++] = '\b'; break;
      case 'f': out[written++] = '\f'; break;
      case 'n': out[written++] = '\n'; break;
      case 'r': out[written++] = '\r'; break;
      case 't': out[written++] = '\t'; break;
      case 'u': {
        unsigned code = read_hex4(p);
        if (code >= 0xDC00 && code <= 0xDFFF) parse_error(p, "a high surrogate before a low one");
        if (code >= 0xD800 && code <= 0xDBFF) {
          if (p->at + 1 >= p->length || p->text[p->at] != '\\' || p->text[p->at + 1] != 'u')
            parse_error(p, "a low surrogate (\\uDC00-\\uDFFF) after a high one");
          p->at += 2;
          unsigned low = read_hex4(p);
          if (low < 0xDC00 || low > 0xDFFF) parse_error(p, "a low surrogate (\\uDC00-\\uDFFF) after a high one");
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        if (code == 0) parse_error(p, "no \\u0000 (a C string cannot hold it)");
        written += put_utf8(out + written, code);
        break;
      }
      default: --p->at; parse_error(p, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u after a backslash");
    }
  }
  out[written] = '\0';
  return out;
}

static struct json* parse_value(struct parser* p, int depth);

static void parse_number(struct parser* p, struct json* value) {
  size_t start = p->at;
  int negative = 0;
  if (p->text[p->at] == '-') negative = 1, ++p->at;
  if (p->at >= p->length || p->text[p->at] < '0' || p->text[p->at] > '9') parse_error(p, "a digit");
  if (p->text[p->at] == '0' && p->at + 1 < p->length && p->text[p->at + 1] >= '0' && p->text[p->at + 1] <= '9')
    parse_error(p, "no leading zero");
  unsigned long long magnitude = 0;
  int overflow = 0;
  while (p->at < p->length && p->text[p->at] >= '0' && p->text[p->at] <= '9') {
    unsigned digit = (unsigned)(p->text[p->at++] - '0');
    if (magnitude > (ULLONG_MAX - digit) / 10) overflow = 1;
    magnitude = magnitude * 10 + digit;
  }
  value->type = JSON_INTEGER;
  if (p->at < p->length && p->text[p->at] == '.') {
    ++p->at;
    if (p->at >= p->length || p->text[p->at] < '0' || p->text[p->at] > '9') parse_error(p, "a digit after the point");
    while (p->at < p->length && p->text[p->at] >= '0' && p->text[p->at] <= '9') ++p->at;
    value->type = JSON_FRACTION;
  }
  if (p->at < p->length && (p->text[p->at] == 'e' || p->text[p->at] == 'E')) {
    ++p->at;
    if (p->at < p->length && (p->text[p->at] == '+' || p->text[p->at] == '-')) ++p->at;
    if (p->at >= p->length || p->text[p->at] < '0' || p->text[p->at] > '9') parse_error(p, "a digit in the exponent");
    while (p->at < p->length && p->text[p->at] >= '0' && p->text[p->at] <= '9') ++p->at;
    value->type = JSON_FRACTION;
  }
  if (value->type == JSON_INTEGER) {
    if (overflow || magnitude > (unsigned long long)LLONG_MAX + (unsigned long long)negative) {
      p->at = start;
      parse_error(p, "an integer that fits in 64 bits");
    }
    value->integer = negative ? (long long)(0 - magnitude) : (long long)magnitude;
  }
}

static int parse_literal(struct parser* p, const char* word) {
  size_t n = strlen(word);
  if (p->length - p->at >= n && memcmp(p->text + p->at, word, n) == 0) {
    p->at += n;
    return 1;
  }
  return 0;
}

static void append_item(struct json* container, struct json* item, char* key) {
  container->items = realloc(container->items, (container->count + 1) * sizeof *container->items);
  if (key) container->keys = realloc(container->keys, (container->count + 1) * sizeof *container->keys);
  if (!container->items || (key && !container->keys)) allocate((size_t)-1 / 2); /* reports out of memory */
  container->items[container->count] = item;
  if (key) container->keys[container->count] = key;
  ++container->count;
}

static struct json* parse_value(struct parser* p, int depth) {
  if (depth > 64) parse_error(p, "at most 64 levels of nesting");
  skip_space(p);
  if (p->at >= p->length) parse_error(p, "a value");
  struct json* value = allocate(sizeof *value);
  value->offset = p->at;
  char c = p->text[p->at];
  if (c == '{') {
    value->type = JSON_OBJECT;
    ++p->at;
    skip_space(p);
    if (take(p, '}')) return value;
    for (;;) {
      skip_space(p);
      if (p->at >= p->length || p->text[p->at] != '"') parse_error(p, "a member name in quotes");
      char* key = parse_string(p);
      for (size_t i = 0; i < value->count; ++i)
        if (strcmp(value->keys[i], key) == 0) parse_error(p, "no member name twice in one object");
      skip_space(p);
      if (!take(p, ':')) parse_error(p, "':' after a member name");
      append_item(value, parse_value(p, depth + 1), key);
      skip_space(p);
      if (take(p, ',')) continue;
      if (take(p, '}')) return value;
      parse_error(p, "',' or '}' in an object");
    }
  }
  if (c == '[') {
    value->type = JSON_ARRAY;
    ++p->at;
    skip_space(p);
    if (take(p, ']')) return value;
    for (;;) {
      append_item(value, parse_value(p, depth + 1), NULL);
      skip_space(p);
      if (take(p, ',')) continue;
      if (take(p, ']')) return value;
      parse_error(p, "',' or ']' in an array");
    }
  }
  if (c == '"') {
    value->type = JSON_STRING;
    value->text = parse_string(p);
    return value;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    parse_number(p, value);
    return value;
  }
  if (parse_literal(p, "null")) value->type = JSON_NULL;
  else if (parse_literal(p, "true")) value->type = JSON_TRUE;
  else if (parse_literal(p, "false")) value->type = JSON_FALSE;
  else parse_error(p, "a JSON value (object, array, string, number, true, false or null)");
  return value;
}

static struct json* read_request(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "fdconform-libc-%s: cannot open the request file %s: %s\n", FDCONFORM_LIBC_NAME, path, strerror(errno));
    exit(2);
  }
  size_t capacity = 4096, length = 0;
  char* text = allocate(capacity);
  for (;;) {
    if (length == capacity) {
      capacity *= 2;
      text = realloc(text, capacity);
      if (!text) allocate((size_t)-1 / 2);
    }
    ssize_t got = read(fd, text + length, capacity - length);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      fprintf(stderr, "fdconform-libc-%s: cannot read the request file %s: %s\n", FDCONFORM_LIBC_NAME, path, strerror(errno));
      exit(2);
    }
    if (got == 0) break;
    length += (size_t)got;
  }
  close(fd); /* before the first stop: the parent's fd table is the scenario's */
  struct parser p = {text, length, 0};
  struct json* value = parse_value(&p, 0);
  skip_space(&p);
  if (p.at != p.length) parse_error(&p, "the end of the file after its one value");
  if (value->type != JSON_OBJECT) {
    p.at = value->offset;
    parse_error(&p, "an object");
  }
  return value;
}

static const struct json* member(const struct json* object, const char* key) {
  if (!object || object->type != JSON_OBJECT) return NULL;
  for (size_t i = 0; i < object->count; ++i)
    if (strcmp(object->keys[i], key) == 0) return object->items[i]->type == JSON_NULL ? NULL : object->items[i];
  return NULL;
}

static void expect(const struct json* value, enum json_type type, const char* where, const char* expected) {
  if (!value || value->type != type) fail("byte %zu: %s: expected %s", value ? value->offset : (size_t)0, where, expected);
}

static int int_at(const struct json* value, const char* where) {
  expect(value, JSON_INTEGER, where, "an integer");
  if (value->integer < INT32_MIN || value->integer > INT32_MAX)
    fail("byte %zu: %s: expected an int, got %lld", value->offset, where, value->integer);
  return (int)value->integer;
}

static const char* string_member(const struct json* object, const char* key, const char* where) {
  const struct json* value = member(object, key);
  expect(value, JSON_STRING, where, "a string");
  return value->text;
}

/* ---- writing the outcome ----------------------------------------------- */

struct text {
  char* data;
  size_t length, capacity;
};

static void add_text(struct text* out, const char* piece, size_t n) {
  if (out->length + n + 1 > out->capacity) {
    out->capacity = (out->length + n + 1) * 2;
    out->data = realloc(out->data, out->capacity);
    if (!out->data) allocate((size_t)-1 / 2);
  }
  memcpy(out->data + out->length, piece, n);
  out->length += n;
  out->data[out->length] = '\0';
}

static void add_raw(struct text* out, const char* piece) { add_text(out, piece, strlen(piece)); }

static void add_format(struct text* out, const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  add_text(out, buffer, n < 0 ? 0 : ((size_t)n < sizeof buffer ? (size_t)n : sizeof buffer - 1));
}

static void add_string(struct text* out, const char* s) {
  add_raw(out, "\"");
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char escaped[2] = {'\\', (char)c};
      add_text(out, escaped, 2);
    } else if (c < 0x20) {
      add_format(out, "\\u%04x", c);
    } else {
      add_text(out, (const char*)&c, 1);
    }
  }
  add_raw(out, "\"");
}

static const char* outcome_path = "";

static void write_outcome(const struct text* document) {
  int fd = open(outcome_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    fprintf(stderr, "fdconform-libc-%s: cannot write the outcome file %s: %s\n", FDCONFORM_LIBC_NAME, outcome_path,
            strerror(errno));
    exit(2);
  }
  for (size_t done = 0; done < document->length;) {
    ssize_t n = write(fd, document->data + done, document->length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      fprintf(stderr, "fdconform-libc-%s: cannot write the outcome file %s: %s\n", FDCONFORM_LIBC_NAME, outcome_path,
              strerror(errno));
      exit(2);
    }
    done += (size_t)n;
  }
  close(fd);
}

static void answer_no_api(const char* capability) {
  struct text document = {0};
  add_raw(&document, "{\"no_api\": ");
  add_string(&document, capability);
  add_raw(&document, "}");
  write_outcome(&document);
  exit(0);
}

/* ---- signals, by the names the project gives them ---------------------- */

/* The kernel's numbers, not the C library's SIGRTMIN macro: musl keeps 32-34
 * for itself and says SIGRTMIN is 35, glibc keeps 32-33 and says 34; the
 * scenario's SIGRTMIN is 34 on every column (common/src/signal_names.cpp). */
enum { KERNEL_SIGRTMIN = 34, KERNEL_SIGRTMAX = 64 };

static const char* const classic_signals[] = {
    "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP", "SIGABRT", "SIGBUS",    "SIGFPE",  "SIGKILL", "SIGUSR1",
    "SIGSEGV", "SIGUSR2",   "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
    "SIGTTIN", "SIGTTOU",   "SIGURG",  "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",  "SIGPWR",
    "SIGSYS"};

static int decimal_suffix(const char* text, int* out) {
  if (!*text || strlen(text) > 3) return 0;
  int value = 0;
  for (; *text; ++text) {
    if (*text < '0' || *text > '9') return 0;
    value = value * 10 + (*text - '0');
  }
  *out = value;
  return 1;
}

static int signal_number(const char* name) {
  for (int i = 0; i < 31; ++i)
    if (strcmp(name, classic_signals[i]) == 0) return i + 1;
  int n = 0;
  if (strcmp(name, "SIGRTMIN") == 0) return KERNEL_SIGRTMIN;
  if (strcmp(name, "SIGRTMAX") == 0) return KERNEL_SIGRTMAX;
  if (strncmp(name, "SIGRTMIN+", 9) == 0 && decimal_suffix(name + 9, &n) && KERNEL_SIGRTMIN + n <= KERNEL_SIGRTMAX)
    return KERNEL_SIGRTMIN + n;
  if (strncmp(name, "SIGRTMAX-", 9) == 0 && decimal_suffix(name + 9, &n) && KERNEL_SIGRTMAX - n >= KERNEL_SIGRTMIN)
    return KERNEL_SIGRTMAX - n;
  return 0;
}

static void add_signal_name(struct text* out, int number) {
  if (number >= 1 && number <= 31) add_string(out, classic_signals[number - 1]);
  else if (number == KERNEL_SIGRTMIN) add_string(out, "SIGRTMIN");
  else if (number == KERNEL_SIGRTMAX) add_string(out, "SIGRTMAX");
  else if (number > KERNEL_SIGRTMIN && number < KERNEL_SIGRTMAX) add_format(out, "\"SIGRTMIN+%d\"", number - KERNEL_SIGRTMIN);
  else add_format(out, "\"SIG%d\"", number);
}

/* ---- the spawn --------------------------------------------------------- */

/* The host snapshots this process while it is stopped, then continues it.
 * raise() stops the calling thread, and this program has only that one. */
static void stop_for_snapshot(void) { raise(SIGSTOP); }

static void restore_close_on_exec(const struct json* request) {
  const struct json* list = member(request, "close_on_exec");
  if (!list) return;
  expect(list, JSON_ARRAY, "close_on_exec", "a list of fds");
  for (size_t i = 0; i < list->count; ++i) {
    int fd = int_at(list->items[i], "close_on_exec[]");
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
      fail("byte %zu: close_on_exec: fd %d: %s", list->items[i]->offset, fd, strerror(errno));
  }
}

/* Why the spawn could not be set up or made: the failing call and its errno. */
struct failure {
  const char* call;
  int error;
};

static char capability[512];

#if !FDCONFORM_HAVE_ADDCLOSEFROM_NP || !FDCONFORM_HAVE_POSIX_SPAWN_SETSID || !FDCONFORM_HAVE_CLOSEFROM || \
    !FDCONFORM_HAVE_EXECVPE || !FDCONFORM_HAVE_ADDCHDIR_NP || !FDCONFORM_HAVE_ADDFCHDIR_NP || \
    !FDCONFORM_HAVE_ADDTCSETPGRP_NP
/* A setup step the C library lacks: the function's name and the library's version. */
static void lacking(const char* what) {
  snprintf(capability, sizeof capability, "%s: not provided by %s %s", what, FDCONFORM_LIBC_NAME, libc_version());
  answer_no_api(capability);
}
#endif

/* A flag the scenario gives in a Python argument form (docs/SCENARIO_FORMAT.md, "Flags of other types"). */
static int flag_at(const struct json* block, const char* key) {
  const struct json* value = member(block, key);
  if (!value || value->type == JSON_FALSE) return 0;
  if (value->type == JSON_TRUE) return 1;
  snprintf(capability, sizeof capability,
           "posix_spawn.%s given as a non-boolean (a Python argument type; the C attribute is a flag)", key);
  answer_no_api(capability);
  return 0;
}

static int open_flags(const struct json* list, const char* where) {
  static const struct {
    const char* name;
    int flag;
  } names[] = {{"rdonly", O_RDONLY}, {"wronly", O_WRONLY},   {"rdwr", O_RDWR}, {"creat", O_CREAT},       {"trunc", O_TRUNC},
               {"append", O_APPEND}, {"cloexec", O_CLOEXEC}, {"excl", O_EXCL}, {"nonblock", O_NONBLOCK}};
  int flags = 0;
  expect(list, JSON_ARRAY, where, "a list of flag names");
  for (size_t i = 0; i < list->count; ++i) {
    expect(list->items[i], JSON_STRING, where, "flag names");
    size_t k = 0;
    while (k < sizeof names / sizeof names[0] && strcmp(names[k].name, list->items[i]->text) != 0) ++k;
    if (k == sizeof names / sizeof names[0])
      fail("byte %zu: %s: unknown open flag \"%s\"", list->items[i]->offset, where, list->items[i]->text);
    flags |= names[k].flag;
  }
  return flags;
}

/* Adds the block's file actions in order; the first that the library refuses ends the setup. */
static struct failure add_file_actions(posix_spawn_file_actions_t* actions, const struct json* list) {
  struct failure none = {NULL, 0};
  if (!list) return none;
  expect(list, JSON_ARRAY, "spawn.file_actions", "a list");
  for (size_t i = 0; i < list->count; ++i) {
    const struct json* action = list->items[i];
    expect(action, JSON_OBJECT, "spawn.file_actions[]", "an object with one member");
    if (action->count != 1) fail("byte %zu: spawn.file_actions[]: expected exactly one member", action->offset);
    const char* kind = action->keys[0];
    const struct json* spec = action->items[0];
    struct failure failed = {NULL, 0};
    if (strcmp(kind, "open") == 0) {
      expect(spec, JSON_OBJECT, "spawn.file_actions[].open", "an object");
      int fd = int_at(member(spec, "fd"), "spawn.file_actions[].open.fd");
      const char* path = string_member(spec, "path", "spawn.file_actions[].open.path");
      const struct json* flags = member(spec, "flags");
      int oflag = flags ? open_flags(flags, "spawn.file_actions[].open.flags") : 0;
      int mode = int_at(member(spec, "mode"), "spawn.file_actions[].open.mode");
      failed.call = "posix_spawn_file_actions_addopen";
      failed.error = posix_spawn_file_actions_addopen(actions, fd, path, oflag, (mode_t)mode);
    } else if (strcmp(kind, "close") == 0) {
      failed.call = "posix_spawn_file_actions_addclose";
      failed.error = posix_spawn_file_actions_addclose(actions, int_at(spec, "spawn.file_actions[].close"));
    } else if (strcmp(kind, "dup2") == 0) {
      expect(spec, JSON_ARRAY, "spawn.file_actions[].dup2", "[source, target]");
      if (spec->count != 2) fail("byte %zu: spawn.file_actions[].dup2: expected [source, target]", spec->offset);
      failed.call = "posix_spawn_file_actions_adddup2";
      failed.error = posix_spawn_file_actions_adddup2(actions, int_at(spec->items[0], "spawn.file_actions[].dup2[0]"),
                                                      int_at(spec->items[1], "spawn.file_actions[].dup2[1]"));
    } else if (strcmp(kind, "closefrom") == 0) {
      int from = int_at(spec, "spawn.file_actions[].closefrom");
#if FDCONFORM_HAVE_ADDCLOSEFROM_NP
      failed.call = "posix_spawn_file_actions_addclosefrom_np";
      failed.error = posix_spawn_file_actions_addclosefrom_np(actions, from);
#else
      (void)from;
      lacking("posix_spawn_file_actions_addclosefrom_np");
#endif
    } else if (strcmp(kind, "chdir") == 0) {
      /* Only a libc block's posix_spawn call has these three (docs/LIBC.md). */
      expect(spec, JSON_STRING, "spawn.file_actions[].chdir", "a path");
#if FDCONFORM_HAVE_ADDCHDIR_NP
      failed.call = "posix_spawn_file_actions_addchdir_np";
      failed.error = posix_spawn_file_actions_addchdir_np(actions, spec->text);
#else
      lacking("posix_spawn_file_actions_addchdir_np");
#endif
    } else if (strcmp(kind, "fchdir") == 0) {
      int fd = int_at(spec, "spawn.file_actions[].fchdir");
#if FDCONFORM_HAVE_ADDFCHDIR_NP
      failed.call = "posix_spawn_file_actions_addfchdir_np";
      failed.error = posix_spawn_file_actions_addfchdir_np(actions, fd);
#else
      (void)fd;
      lacking("posix_spawn_file_actions_addfchdir_np");
#endif
    } else if (strcmp(kind, "tcsetpgrp") == 0) {
      int fd = int_at(spec, "spawn.file_actions[].tcsetpgrp");
#if FDCONFORM_HAVE_ADDTCSETPGRP_NP
      failed.call = "posix_spawn_file_actions_addtcsetpgrp_np";
      failed.error = posix_spawn_file_actions_addtcsetpgrp_np(actions, fd);
#else
      (void)fd;
      lacking("posix_spawn_file_actions_addtcsetpgrp_np");
#endif
    } else {
      fail("byte %zu: spawn.file_actions[]: expected open, close, dup2, closefrom, chdir, fchdir or tcsetpgrp, got \"%s\"",
           action->offset, kind);
    }
    /* An add call that refuses (EBADF for a bad fd) ends the setup: the outcome names that call,
     * where a failure in the child is posix_spawn's own return (add time against spawn time). */
    if (failed.error != 0) return failed;
  }
  return none;
}

/* A signal as the block gives it: a name, or a number passed on as it is (docs/SCENARIO_FORMAT.md). */
static int signal_item(const struct json* item, const char* where) {
  if (item->type == JSON_INTEGER) return int_at(item, where);
  expect(item, JSON_STRING, where, "signal names or numbers");
  int number = signal_number(item->text);
  if (!number) fail("byte %zu: %s: \"%s\" is not a signal name", item->offset, where, item->text);
  return number;
}

static struct failure add_signals(sigset_t* set, const struct json* list, const char* where) {
  struct failure none = {NULL, 0};
  sigemptyset(set);
  expect(list, JSON_ARRAY, where, "a list of signal names");
  for (size_t i = 0; i < list->count; ++i) {
    int number = signal_item(list->items[i], where);
    /* A library may refuse the signals it keeps for itself, or a number out of range (an errno, not a return code). */
    if (sigaddset(set, number) != 0) {
      struct failure failed = {"sigaddset", errno};
      return failed;
    }
  }
  return none;
}

static int scheduler_policy(const char* name) {
  if (strcmp(name, "SCHED_OTHER") == 0) return SCHED_OTHER;
  if (strcmp(name, "SCHED_FIFO") == 0) return SCHED_FIFO;
  if (strcmp(name, "SCHED_RR") == 0) return SCHED_RR;
#ifdef SCHED_BATCH
  if (strcmp(name, "SCHED_BATCH") == 0) return SCHED_BATCH;
#endif
#ifdef SCHED_IDLE
  if (strcmp(name, "SCHED_IDLE") == 0) return SCHED_IDLE;
#endif
  snprintf(capability, sizeof capability, "scheduler policy %s: not defined by %s %s's <sched.h>", name,
           FDCONFORM_LIBC_NAME, libc_version());
  answer_no_api(capability);
  return -1;
}

#define SETUP(call_text, expression)        \
  do {                                      \
    int setup_error = (expression);         \
    if (setup_error != 0) {                 \
      failed.call = (call_text);            \
      failed.error = setup_error;           \
      return failed;                        \
    }                                       \
  } while (0)

static struct failure set_attributes(posix_spawnattr_t* attr, const struct json* block) {
  struct failure failed = {NULL, 0};
  short flags = 0;
  const struct json* group = member(block, "setpgroup");
  if (group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    SETUP("posix_spawnattr_setpgroup", posix_spawnattr_setpgroup(attr, (pid_t)int_at(group, "spawn.setpgroup")));
  }
  if (flag_at(block, "resetids")) flags |= POSIX_SPAWN_RESETIDS;
  if (flag_at(block, "setsid")) {
#if FDCONFORM_HAVE_POSIX_SPAWN_SETSID
    flags |= POSIX_SPAWN_SETSID;
#else
    lacking("POSIX_SPAWN_SETSID");
#endif
  }
  const struct json* mask = member(block, "setsigmask");
  if (mask) {
    sigset_t set;
    failed = add_signals(&set, mask, "spawn.setsigmask");
    if (failed.call) return failed;
    flags |= POSIX_SPAWN_SETSIGMASK;
    SETUP("posix_spawnattr_setsigmask", posix_spawnattr_setsigmask(attr, &set));
  }
  const struct json* defaults = member(block, "setsigdef");
  if (defaults) {
    sigset_t set;
    failed = add_signals(&set, defaults, "spawn.setsigdef");
    if (failed.call) return failed;
    flags |= POSIX_SPAWN_SETSIGDEF;
    SETUP("posix_spawnattr_setsigdefault", posix_spawnattr_setsigdefault(attr, &set));
  }
  const struct json* scheduler = member(block, "scheduler");
  if (scheduler) {
    expect(scheduler, JSON_OBJECT, "spawn.scheduler", "{policy, priority}");
    const struct json* length = member(scheduler, "tuple_length");
    if (length && int_at(length, "spawn.scheduler.tuple_length") != 2)
      answer_no_api("scheduler tuple_length other than 2 (a Python argument shape; posix_spawnattr_setschedparam "
                    "takes a struct sched_param)");
    struct sched_param parameter;
    memset(&parameter, 0, sizeof parameter);
    parameter.sched_priority = int_at(member(scheduler, "priority"), "spawn.scheduler.priority");
    /* As os.posix_spawn: a policy sets both, a null policy the priority alone. */
    const struct json* policy = member(scheduler, "policy");
    if (policy) {
      expect(policy, JSON_STRING, "spawn.scheduler.policy", "a SCHED_* name");
      flags |= POSIX_SPAWN_SETSCHEDULER;
      SETUP("posix_spawnattr_setschedpolicy", posix_spawnattr_setschedpolicy(attr, scheduler_policy(policy->text)));
    }
    flags |= POSIX_SPAWN_SETSCHEDPARAM;
    SETUP("posix_spawnattr_setschedparam", posix_spawnattr_setschedparam(attr, &parameter));
  }
  SETUP("posix_spawnattr_setflags", posix_spawnattr_setflags(attr, flags));
  return failed;
}

static char** string_list(const struct json* list, const char* where) {
  expect(list, JSON_ARRAY, where, "a list of strings");
  char** out = allocate((list->count + 1) * sizeof *out);
  for (size_t i = 0; i < list->count; ++i) {
    expect(list->items[i], JSON_STRING, where, "strings");
    out[i] = list->items[i]->text;
  }
  return out;
}

/* env as the host resolved it: null (the caller's environ) or [[name, value], ...] in the scenario's order. */
static char** environment(const struct json* block) {
  const struct json* pairs = member(block, "env");
  if (!pairs) return environ;
  expect(pairs, JSON_ARRAY, "spawn.env", "a list of [name, value] pairs");
  char** out = allocate((pairs->count + 1) * sizeof *out);
  for (size_t i = 0; i < pairs->count; ++i) {
    const struct json* pair = pairs->items[i];
    expect(pair, JSON_ARRAY, "spawn.env[]", "[name, value]");
    if (pair->count != 2) fail("byte %zu: spawn.env[]: expected [name, value]", pair->offset);
    expect(pair->items[0], JSON_STRING, "spawn.env[][0]", "a name");
    expect(pair->items[1], JSON_STRING, "spawn.env[][1]", "a value");
    size_t n = strlen(pair->items[0]->text) + strlen(pair->items[1]->text) + 2;
    out[i] = allocate(n);
    snprintf(out[i], n, "%s=%s", pair->items[0]->text, pair->items[1]->text);
  }
  return out;
}

static void add_failure_outcome(struct text* document, struct failure failed, const char* path) {
  /* posix_spawn's own error return names the function; a setup call that failed names itself. */
  const int is_spawn = strcmp(failed.call, "posix_spawn") == 0 || strcmp(failed.call, "posix_spawnp") == 0;
  add_raw(document, "{\"kind\": \"exception\", \"error_class\": ");
  add_string(document, is_spawn ? "posix_spawn" : failed.call);
  add_format(document, ", \"errno\": %d, \"filename\": ", failed.error);
  if (is_spawn) add_string(document, path);
  else add_raw(document, "null");
  char message[512];
  snprintf(message, sizeof message, "%s: %s", failed.call, strerror(failed.error));
  add_raw(document, ", \"message\": ");
  add_string(document, message);
  add_raw(document, "}");
}

static int spawn_and_wait(const char* kind, const struct json* block) {
  const int search_path = strcmp(kind, "posix_spawnp") == 0;
  const char* path = string_member(block, "path", "spawn.path");
  char** argv = string_list(member(block, "argv"), "spawn.argv");
  char** envp = environment(block);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  struct failure failed = {NULL, 0};
  int error = posix_spawn_file_actions_init(&actions);
  if (error) failed.call = "posix_spawn_file_actions_init", failed.error = error;
  if (!failed.call && (error = posix_spawnattr_init(&attr)) != 0) failed.call = "posix_spawnattr_init", failed.error = error;
  if (!failed.call) failed = add_file_actions(&actions, member(block, "file_actions"));
  if (!failed.call) failed = set_attributes(&attr, block);

  struct text document = {0};
  add_raw(&document, "{\"api\": ");
  add_string(&document, search_path ? "posix_spawnp" : "posix_spawn");
  stop_for_snapshot();
  pid_t pid = -1;
  if (!failed.call) {
    error = search_path ? posix_spawnp(&pid, path, &actions, &attr, argv, envp)
                        : posix_spawn(&pid, path, &actions, &attr, argv, envp);
    if (error) failed.call = search_path ? "posix_spawnp" : "posix_spawn", failed.error = error;
  }
  if (failed.call) {
    add_raw(&document, ", \"pid\": null, \"outcome\": ");
    add_failure_outcome(&document, failed, path);
  } else {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        fprintf(stderr, "fdconform-libc-%s: waitpid(%d): %s\n", FDCONFORM_LIBC_NAME, (int)pid, strerror(errno));
        return 2;
      }
    }
    add_format(&document, ", \"pid\": %d, \"outcome\": ", (int)pid);
    if (WIFSIGNALED(status)) {
      add_raw(&document, "{\"kind\": \"signaled\", \"signal\": ");
      add_signal_name(&document, WTERMSIG(status));
      add_raw(&document, "}");
    } else {
      add_format(&document, "{\"kind\": \"exited\", \"returncode\": %d}", WEXITSTATUS(status));
    }
  }
  add_raw(&document, "}");
  write_outcome(&document);
  stop_for_snapshot();
  return 0;
}

/* ---- fork and vfork: the child's steps, then execve or execvp ---------- */

/* A posix_spawn block as steps a forked child performs itself, read in the
 * parent (every request error and no_api comes before the fork); the child
 * runs them with async-signal-safe calls only. */
enum step_kind { STEP_OPEN, STEP_CLOSE, STEP_DUP2, STEP_CLOSEFROM, STEP_SET_INHERITABLE, STEP_DUP2_FLAGGED };

struct child_step {
  enum step_kind kind;
  int fd, other, flags;
  mode_t mode;
  const char* path;
};

struct child_plan {
  const char* call; /* execve or execvp */
  const char* file;
  char** argv;
  char** envp;
  int has_envp;
  struct child_step* steps;
  size_t step_count;
  int setsid, resetids, has_pgroup, has_mask, has_defaults, has_scheduler, has_policy;
  int fork_exec; /* a fork_exec block: a failed step exits 126, a failed exec 127, no report */
  pid_t pgroup;
  sigset_t mask, defaults;
  int policy;
  struct sched_param parameter;
};

/* Where the child says which call failed and why: memory shared with the
 * parent (no fd, so nothing the child's fd table or the snapshots show). */
struct child_report {
  volatile int failed;
  volatile int error;
  char call[40];
};

static void plan_file_actions(struct child_plan* plan, const struct json* list) {
  if (!list) return;
  expect(list, JSON_ARRAY, "spawn.file_actions", "a list");
  plan->steps = allocate((list->count + 1) * sizeof *plan->steps);
  for (size_t i = 0; i < list->count; ++i) {
    const struct json* action = list->items[i];
    expect(action, JSON_OBJECT, "spawn.file_actions[]", "an object with one member");
    if (action->count != 1) fail("byte %zu: spawn.file_actions[]: expected exactly one member", action->offset);
    const char* kind = action->keys[0];
    const struct json* spec = action->items[0];
    struct child_step* step = &plan->steps[plan->step_count++];
    if (strcmp(kind, "open") == 0) {
      expect(spec, JSON_OBJECT, "spawn.file_actions[].open", "an object");
      step->kind = STEP_OPEN;
      step->fd = int_at(member(spec, "fd"), "spawn.file_actions[].open.fd");
      step->path = string_member(spec, "path", "spawn.file_actions[].open.path");
      const struct json* flags = member(spec, "flags");
      step->flags = flags ? open_flags(flags, "spawn.file_actions[].open.flags") : 0;
      step->mode = (mode_t)int_at(member(spec, "mode"), "spawn.file_actions[].open.mode");
    } else if (strcmp(kind, "close") == 0) {
      step->kind = STEP_CLOSE;
      step->fd = int_at(spec, "spawn.file_actions[].close");
    } else if (strcmp(kind, "dup2") == 0) {
      expect(spec, JSON_ARRAY, "spawn.file_actions[].dup2", "[source, target]");
      if (spec->count != 2) fail("byte %zu: spawn.file_actions[].dup2: expected [source, target]", spec->offset);
      step->kind = STEP_DUP2;
      step->fd = int_at(spec->items[0], "spawn.file_actions[].dup2[0]");
      step->other = int_at(spec->items[1], "spawn.file_actions[].dup2[1]");
    } else if (strcmp(kind, "closefrom") == 0) {
      step->kind = STEP_CLOSEFROM;
      step->fd = int_at(spec, "spawn.file_actions[].closefrom");
#if !FDCONFORM_HAVE_CLOSEFROM
      lacking("closefrom");
#endif
    } else {
      fail("byte %zu: spawn.file_actions[]: expected open, close, dup2 or closefrom, got \"%s\"", action->offset, kind);
    }
  }
}

static struct failure plan_signals(sigset_t* set, const struct json* list, const char* where) {
  sigemptyset(set);
  expect(list, JSON_ARRAY, where, "a list of signal names");
  for (size_t i = 0; i < list->count; ++i) {
    int number = signal_item(list->items[i], where);
    if (sigaddset(set, number) != 0) {
      struct failure failed = {"sigaddset", errno};
      return failed;
    }
  }
  struct failure none = {NULL, 0};
  return none;
}

/* A posix_spawn / posix_spawnp block as a fork (or vfork) child does it by hand. A signal set the
 * library refuses is returned: the spawn does not happen, as on the posix_spawn column. */
static struct failure plan_posix_spawn_block(struct child_plan* plan, const struct json* block, int search_path) {
  struct failure failed = {NULL, 0};
  plan->call = search_path ? "execvp" : "execve";
  plan->file = string_member(block, "path", "spawn.path");
  plan->argv = string_list(member(block, "argv"), "spawn.argv");
  plan->has_envp = member(block, "env") != NULL;
  plan->envp = environment(block);
  if (search_path && plan->has_envp) {
#if !FDCONFORM_HAVE_EXECVPE
    lacking("execvpe");
#endif
    plan->call = "execvpe";
  }
  plan_file_actions(plan, member(block, "file_actions"));
  const struct json* group = member(block, "setpgroup");
  if (group) plan->has_pgroup = 1, plan->pgroup = (pid_t)int_at(group, "spawn.setpgroup");
  plan->resetids = flag_at(block, "resetids");
  plan->setsid = flag_at(block, "setsid");
  const struct json* mask = member(block, "setsigmask");
  if (mask && !failed.call) plan->has_mask = 1, failed = plan_signals(&plan->mask, mask, "spawn.setsigmask");
  const struct json* defaults = member(block, "setsigdef");
  if (defaults && !failed.call) plan->has_defaults = 1, failed = plan_signals(&plan->defaults, defaults, "spawn.setsigdef");
  const struct json* scheduler = member(block, "scheduler");
  if (scheduler) {
    expect(scheduler, JSON_OBJECT, "spawn.scheduler", "{policy, priority}");
    const struct json* length = member(scheduler, "tuple_length");
    if (length && int_at(length, "spawn.scheduler.tuple_length") != 2)
      answer_no_api("scheduler tuple_length other than 2 (a Python argument shape; sched_setscheduler takes a "
                    "struct sched_param)");
    plan->has_scheduler = 1;
    memset(&plan->parameter, 0, sizeof plan->parameter);
    plan->parameter.sched_priority = int_at(member(scheduler, "priority"), "spawn.scheduler.priority");
    const struct json* policy = member(scheduler, "policy");
    if (policy) {
      expect(policy, JSON_STRING, "spawn.scheduler.policy", "a SCHED_* name");
      plan->has_policy = 1;
      plan->policy = scheduler_policy(policy->text);
    }
  }
  return failed;
}

static const struct child_plan* running_plan;

/* In the child: the failing call's name and errno go to the shared report, then _exit(127). A
 * fork_exec block's child exits as os.fork's would: 126 for a step, 127 for execv, nothing reported. */
static void child_failed(struct child_report* report, const char* call, int error) {
  if (running_plan && running_plan->fork_exec) _exit(strcmp(call, "execv") == 0 ? 127 : 126);
  size_t i = 0;
  for (; call[i] && i + 1 < sizeof report->call; ++i) report->call[i] = call[i];
  report->call[i] = '\0';
  report->error = error;
  report->failed = 1;
  _exit(127);
}

/* Runs in the forked (or vforked) child: async-signal-safe calls only. */
static void run_child(const struct child_plan* plan, struct child_report* report) {
  running_plan = plan;
  if (plan->setsid && setsid() < 0) child_failed(report, "setsid", errno);
  if (plan->has_pgroup && setpgid(0, plan->pgroup) < 0) child_failed(report, "setpgid", errno);
  if (plan->has_scheduler) {
    if (plan->has_policy) {
      if (sched_setscheduler(0, plan->policy, &plan->parameter) < 0) child_failed(report, "sched_setscheduler", errno);
    } else if (sched_setparam(0, &plan->parameter) < 0) {
      child_failed(report, "sched_setparam", errno);
    }
  }
  if (plan->resetids) {
    if (setgid(getgid()) < 0) child_failed(report, "setgid", errno);
    if (setuid(getuid()) < 0) child_failed(report, "setuid", errno);
  }
  if (plan->has_defaults) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    for (int signal = 1; signal <= KERNEL_SIGRTMAX; ++signal)
      if (sigismember(&plan->defaults, signal) == 1 && sigaction(signal, &action, NULL) < 0)
        child_failed(report, "sigaction", errno);
  }
  for (size_t i = 0; i < plan->step_count; ++i) {
    const struct child_step* step = &plan->steps[i];
    switch (step->kind) {
      case STEP_OPEN: {
        int fd = open(step->path, step->flags, step->mode);
        if (fd < 0) child_failed(report, "open", errno);
        if (fd != step->fd) {
          if (dup2(fd, step->fd) < 0) child_failed(report, "dup2", errno);
          close(fd);
        }
        break;
      }
      case STEP_CLOSE:
        /* As the close file action: an fd that is not open is no error. */
        if (close(step->fd) < 0 && (errno != EBADF || plan->fork_exec)) child_failed(report, "close", errno);
        break;
      case STEP_DUP2:
        if (step->fd == step->other) {
          /* As the dup2 file action onto the same fd: the fd stays, made inheritable. */
          int flags = fcntl(step->fd, F_GETFD);
          if (flags < 0 || fcntl(step->fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) child_failed(report, "fcntl", errno);
        } else if (dup2(step->fd, step->other) < 0) {
          child_failed(report, "dup2", errno);
        }
        break;
      case STEP_SET_INHERITABLE:
      case STEP_DUP2_FLAGGED: {
        /* os.set_inheritable, and os.dup2 with its inheritable flag (close-on-exec when false). A dup2
         * onto the same fd changes nothing in the kernel, so only a non-inheritable one sets the flag. */
        int fd = step->fd;
        if (step->kind == STEP_DUP2_FLAGGED) {
          if (dup2(step->fd, step->other) < 0) child_failed(report, "dup2", errno);
          fd = step->other;
          if (step->fd == step->other && step->flags) break;
        }
        const int inheritable = step->kind == STEP_DUP2_FLAGGED ? step->flags : step->other;
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0 || fcntl(fd, F_SETFD, inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC) < 0)
          child_failed(report, "fcntl", errno);
        break;
      }
      case STEP_CLOSEFROM:
#if FDCONFORM_HAVE_CLOSEFROM
        closefrom(step->fd);
#endif
        break;
    }
  }
  if (plan->has_mask && sigprocmask(SIG_SETMASK, &plan->mask, NULL) < 0) child_failed(report, "sigprocmask", errno);
  if (strcmp(plan->call, "execvp") == 0) execvp(plan->file, plan->argv);
  else if (strcmp(plan->call, "execv") == 0) execv(plan->file, plan->argv);
#if FDCONFORM_HAVE_EXECVPE
  else if (strcmp(plan->call, "execvpe") == 0) execvpe(plan->file, plan->argv, plan->envp);
#endif
  else execve(plan->file, plan->argv, plan->envp);
  child_failed(report, plan->call, errno);
}

static void add_wait_status(struct text* document, int status) {
  if (WIFSIGNALED(status)) {
    add_raw(document, "{\"kind\": \"signaled\", \"signal\": ");
    add_signal_name(document, WTERMSIG(status));
    add_raw(document, "}");
  } else {
    add_format(document, "{\"kind\": \"exited\", \"returncode\": %d}", WEXITSTATUS(status));
  }
}

static void add_error_outcome(struct text* document, const char* call, int error, const char* filename) {
  add_raw(document, "{\"kind\": \"exception\", \"error_class\": ");
  add_string(document, call);
  add_format(document, ", \"errno\": %d, \"filename\": ", error);
  if (filename) add_string(document, filename);
  else add_raw(document, "null");
  char message[512];
  snprintf(message, sizeof message, "%s: %s", call, strerror(error));
  add_raw(document, ", \"message\": ");
  add_string(document, message);
  add_raw(document, "}");
}

/* fork or vfork, the child's steps, exec; the parent waits. A step or exec
 * that fails is the outcome `exception` naming that call, as a posix_spawn
 * error return would be. */
static int fork_and_wait(const struct child_plan* plan, struct failure setup) {
  struct child_report* report =
      mmap(NULL, sizeof *report, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (report == MAP_FAILED) {
    fprintf(stderr, "fdconform-libc-%s: mmap for the child's report: %s\n", FDCONFORM_LIBC_NAME, strerror(errno));
    return 2;
  }
  memset(report, 0, sizeof *report);
  struct text document = {0};
  add_raw(&document, "{\"api\": ");
  add_string(&document, primitive == PRIMITIVE_VFORK ? "vfork" : "fork");
  stop_for_snapshot();
  if (setup.call) {
    add_raw(&document, ", \"pid\": null, \"outcome\": ");
    add_error_outcome(&document, setup.call, setup.error, NULL);
    goto done;
  }
  pid_t pid = primitive == PRIMITIVE_VFORK ? vfork() : fork();
  if (pid == 0) run_child(plan, report);
  if (pid < 0) {
    add_raw(&document, ", \"pid\": null, \"outcome\": ");
    add_error_outcome(&document, primitive == PRIMITIVE_VFORK ? "vfork" : "fork", errno, NULL);
  } else {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        add_raw(&document, ", \"pid\": null, \"outcome\": ");
        add_error_outcome(&document, "waitpid", errno, NULL);
        goto done;
      }
    }
    add_format(&document, ", \"pid\": %d, \"outcome\": ", (int)pid);
    if (report->failed) {
      const int exec_failed = strncmp(report->call, "exec", 4) == 0;
      add_error_outcome(&document, report->call, report->error, exec_failed ? plan->file : NULL);
    } else {
      add_wait_status(&document, status);
    }
  }
done:
  add_raw(&document, "}");
  write_outcome(&document);
  stop_for_snapshot();
  return 0;
}

/* ---- system() and popen(): a shell command ------------------------------ */

/* One argv word for sh -c: single-quoted, a quote written '\'' */
static void add_shell_word(struct text* out, const char* word) {
  add_raw(out, "'");
  for (; *word; ++word) {
    if (*word == '\'') add_raw(out, "'\\''");
    else add_text(out, word, 1);
  }
  add_raw(out, "'");
}

static int signal_ignored(int number) {
  struct sigaction current;
  return sigaction(number, NULL, &current) == 0 && current.sa_handler == SIG_IGN;
}

/* A Popen block as a shell command, when nothing in it asks for more than
 * system() or popen() do: the command, and for popen its mode. Anything else
 * is no_api naming the argument. */
static const char* command_from_popen_block(const struct json* block, const char** mode) {
  static const char* const unset_members[] = {"executable", "cwd", "env", "process_group", "user", "group",
                                              "extra_groups", "preexec", "close_strategy"};
  const char* call = primitive == PRIMITIVE_SYSTEM ? "system()" : "popen()";
  for (size_t i = 0; i < sizeof unset_members / sizeof unset_members[0]; ++i)
    if (member(block, unset_members[i])) {
      snprintf(capability, sizeof capability, "popen.%s: %s runs a shell command and takes no such argument", unset_members[i], call);
      answer_no_api(capability);
    }
  const struct json* close_fds = member(block, "close_fds");
  if (!close_fds || close_fds->type != JSON_FALSE) {
    snprintf(capability, sizeof capability, "popen.close_fds: %s closes no fd before it runs the shell", call);
    answer_no_api(capability);
  }
  const struct json* pass_fds = member(block, "pass_fds");
  if (pass_fds && pass_fds->type == JSON_ARRAY && pass_fds->count > 0) {
    snprintf(capability, sizeof capability, "popen.pass_fds: %s closes no fd, so it has no fds to keep", call);
    answer_no_api(capability);
  }
  const struct json* new_session = member(block, "start_new_session");
  if (new_session && new_session->type != JSON_FALSE) {
    snprintf(capability, sizeof capability, "popen.start_new_session: %s starts no session", call);
    answer_no_api(capability);
  }
  const struct json* umask_value = member(block, "umask");
  const struct json* pipesize = member(block, "pipesize");
  if ((umask_value && !(umask_value->type == JSON_INTEGER && umask_value->integer == -1)) ||
      (pipesize && !(pipesize->type == JSON_INTEGER && pipesize->integer == -1))) {
    snprintf(capability, sizeof capability, "popen.umask or popen.pipesize: %s takes neither", call);
    answer_no_api(capability);
  }
  const struct json* path_type = member(block, "path_type");
  if (path_type && !(path_type->type == JSON_STRING && strcmp(path_type->text, "str") == 0))
    answer_no_api("popen.path_type: a Python argument type; a C command is a string");
  /* restore_signals puts back what CPython ignores at start-up; a C parent ignores
   * SIGPIPE and SIGXFSZ only when the scenario says so, and then the shell keeps them. */
  const struct json* restore = member(block, "restore_signals");
  if ((!restore || restore->type != JSON_FALSE) && (signal_ignored(SIGPIPE) || signal_ignored(SIGXFSZ))) {
    snprintf(capability, sizeof capability,
             "popen.restore_signals with SIGPIPE or SIGXFSZ ignored: %s resets only SIGINT and SIGQUIT", call);
    answer_no_api(capability);
  }
  const char* streams[3] = {"inherit", "inherit", "inherit"};
  static const char* const stream_names[3] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; ++i) {
    const struct json* stream = member(block, stream_names[i]);
    streams[i] = stream && stream->type == JSON_STRING ? stream->text : stream ? "an fd" : "inherit";
  }
  *mode = NULL;
  if (primitive == PRIMITIVE_POPEN) {
    if (strcmp(streams[0], "pipe") == 0 && strcmp(streams[1], "inherit") == 0) *mode = "w";
    if (strcmp(streams[1], "pipe") == 0 && strcmp(streams[0], "inherit") == 0) *mode = "r";
    if (!*mode || strcmp(streams[2], "inherit") != 0)
      answer_no_api("popen.stdin/stdout/stderr: popen() makes one pipe, the child's stdin (\"w\") or stdout (\"r\"), "
                    "and leaves the other streams inherited");
  } else if (strcmp(streams[0], "inherit") != 0 || strcmp(streams[1], "inherit") != 0 ||
             strcmp(streams[2], "inherit") != 0) {
    answer_no_api("popen.stdin/stdout/stderr: system() leaves the child's standard streams inherited");
  }
  const struct json* argv = member(block, "argv");
  const struct json* shell = member(block, "shell");
  expect(argv, JSON_ARRAY, "spawn.argv", "a list of strings");
  if (shell && shell->type == JSON_TRUE) {
    /* The host put the command with the report argument as argv[0]. */
    if (argv->count != 1) answer_no_api("popen.argv: with shell true, words after the command are the shell's $0 and "
                                        "arguments, which a shell command string cannot set");
    expect(argv->items[0], JSON_STRING, "spawn.argv[0]", "the command");
    return argv->items[0]->text;
  }
  struct text command = {0};
  add_raw(&command, "");
  for (size_t i = 0; i < argv->count; ++i) {
    expect(argv->items[i], JSON_STRING, "spawn.argv[]", "strings");
    if (i) add_raw(&command, " ");
    add_shell_word(&command, argv->items[i]->text);
  }
  return command.data;
}

/* system(command) or popen(command, mode) then pclose; the status as the outcome.
 * A -1 (or a null stream) is the outcome `exception` naming the call. */
static int run_command(const char* command, const char* mode) {
  struct text document = {0};
  add_raw(&document, "{\"api\": ");
  add_string(&document, mode ? "popen" : "system");
  add_raw(&document, ", \"pid\": null, \"outcome\": ");
  stop_for_snapshot();
  if (!mode) {
    int status = system(command);
    if (status == -1) add_error_outcome(&document, "system", errno, NULL);
    else add_wait_status(&document, status);
  } else {
    FILE* stream = popen(command, mode);
    if (!stream) {
      add_error_outcome(&document, "popen", errno, NULL);
    } else {
      if (strchr(mode, 'r')) {
        char buffer[4096];
        while (fread(buffer, 1, sizeof buffer, stream) > 0) {
        }
      }
      int status = pclose(stream);
      if (status == -1) add_error_outcome(&document, "pclose", errno, NULL);
      else add_wait_status(&document, status);
    }
  }
  add_raw(&document, "}");
  write_outcome(&document);
  stop_for_snapshot();
  return 0;
}

/* ---- which block this column can run --------------------------------- */

static void wrong_primitive(const char* what) {
  static const char* const calls[] = {"posix_spawn and posix_spawnp", "fork then execve or execvp", "vfork then execve",
                                      "system()", "popen()"};
  snprintf(capability, sizeof capability, "%s: this column calls %s's %s", what, FDCONFORM_LIBC_NAME, calls[primitive]);
  answer_no_api(capability);
}

/* spawn.libc: the call must be this column's primitive. */
static int run_libc_block(const struct json* block) {
  const char* call = string_member(block, "call", "spawn.call");
  static const struct {
    const char* call;
    enum primitive primitive;
  } owners[] = {{"posix_spawn", PRIMITIVE_POSIX_SPAWN}, {"posix_spawnp", PRIMITIVE_POSIX_SPAWN}, {"execve", PRIMITIVE_FORK},
                {"execvp", PRIMITIVE_FORK},            {"system", PRIMITIVE_SYSTEM},            {"popen", PRIMITIVE_POPEN}};
  /* The library's first column (no suffix) makes every call a libc block names, so that it can
   * be the one reference of every libc scenario; the others make their own primitive's calls. */
  int owned = primitive == PRIMITIVE_POSIX_SPAWN;
  for (size_t i = 0; i < sizeof owners / sizeof owners[0]; ++i)
    if (strcmp(owners[i].call, call) == 0)
      owned |= owners[i].primitive == primitive || (primitive == PRIMITIVE_VFORK && strcmp(call, "execve") == 0);
  if (!owned) {
    char what[80];
    snprintf(what, sizeof what, "libc call %s", call);
    wrong_primitive(what);
  }
  if (strcmp(call, "system") == 0 || strcmp(call, "popen") == 0)
    return run_command(string_member(block, "command", "spawn.command"),
                       strcmp(call, "popen") == 0 ? string_member(block, "mode", "spawn.mode") : NULL);
  if (strcmp(call, "posix_spawn") == 0 || strcmp(call, "posix_spawnp") == 0) {
    /* The posix_spawn block's shape: path, argv and the file actions, no attribute. */
    struct json* spawn_block = allocate(sizeof *spawn_block);
    spawn_block->type = JSON_OBJECT;
    struct json* path = allocate(sizeof *path);
    *path = *member(block, "file");
    append_item(spawn_block, path, "path");
    append_item(spawn_block, (struct json*)member(block, "argv"), "argv");
    const struct json* actions = member(block, "file_actions");
    if (actions) append_item(spawn_block, (struct json*)actions, "file_actions");
    return spawn_and_wait(call, spawn_block);
  }
  struct child_plan plan;
  memset(&plan, 0, sizeof plan);
  plan.call = call;
  plan.file = string_member(block, "file", "spawn.file");
  plan.argv = string_list(member(block, "argv"), "spawn.argv");
  plan.envp = environ;
  struct failure none = {NULL, 0};
  return fork_and_wait(&plan, none);
}

/* A fork_exec block (the host resolved it: {"argv", "steps"}): os.fork then the steps and os.execv,
 * as every column runs it: a step that fails exits 126, a failed execv 127 (docs/SCENARIO_FORMAT.md). */
static void plan_fork_exec_block(struct child_plan* plan, const struct json* block) {
  plan->call = "execv";
  plan->argv = string_list(member(block, "argv"), "spawn.argv");
  if (!plan->argv[0]) fail("byte %zu: spawn.argv: expected at least the program", block->offset);
  plan->file = plan->argv[0];
  plan->envp = environ;
  plan->fork_exec = 1;
  const struct json* steps = member(block, "steps");
  if (!steps) return;
  expect(steps, JSON_ARRAY, "spawn.steps", "a list of child steps");
  plan->steps = allocate((steps->count + 1) * sizeof *plan->steps);
  for (size_t i = 0; i < steps->count; ++i) {
    const struct json* item = steps->items[i];
    expect(item, JSON_OBJECT, "spawn.steps[]", "an object with one member");
    if (item->count != 1) fail("byte %zu: spawn.steps[]: expected exactly one member", item->offset);
    const char* kind = item->keys[0];
    const struct json* spec = item->items[0];
    struct child_step* step = &plan->steps[plan->step_count++];
    if (strcmp(kind, "close") == 0) {
      step->kind = STEP_CLOSE;
      step->fd = int_at(spec, "spawn.steps[].close");
    } else if (strcmp(kind, "set_inheritable") == 0) {
      step->kind = STEP_SET_INHERITABLE;
      step->fd = int_at(member(spec, "fd"), "spawn.steps[].set_inheritable.fd");
      const struct json* value = member(spec, "value");
      step->other = value && value->type == JSON_TRUE;
    } else if (strcmp(kind, "dup2") == 0) {
      step->kind = STEP_DUP2_FLAGGED;
      step->fd = int_at(member(spec, "fd"), "spawn.steps[].dup2.fd");
      step->other = int_at(member(spec, "to"), "spawn.steps[].dup2.to");
      const struct json* inheritable = member(spec, "inheritable");
      step->flags = !inheritable || inheritable->type == JSON_TRUE;
    } else {
      snprintf(capability, sizeof capability, "fork_exec step %s: not one of close, set_inheritable, dup2", kind);
      answer_no_api(capability);
    }
  }
}

static int run_block(const char* kind, const struct json* block) {
  if (strcmp(kind, "libc") == 0) return run_libc_block(block);
  if (strcmp(kind, "fork_exec") == 0) {
    if (primitive != PRIMITIVE_FORK && primitive != PRIMITIVE_VFORK) wrong_primitive("fork_exec (os.fork and os.execv)");
    struct child_plan plan;
    memset(&plan, 0, sizeof plan);
    plan_fork_exec_block(&plan, block);
    struct failure none = {NULL, 0};
    return fork_and_wait(&plan, none);
  }
  if (strcmp(kind, "popen") == 0) {
    if (primitive != PRIMITIVE_SYSTEM && primitive != PRIMITIVE_POPEN)
      wrong_primitive("popen (subprocess.Popen's arguments)");
    const char* mode = NULL;
    const char* command = command_from_popen_block(block, &mode);
    return run_command(command, mode);
  }
  const int search_path = strcmp(kind, "posix_spawnp") == 0;
  switch (primitive) {
    case PRIMITIVE_POSIX_SPAWN: return spawn_and_wait(kind, block);
    case PRIMITIVE_VFORK:
      if (search_path) answer_no_api("posix_spawnp: the vfork column calls execve, which searches no PATH");
      /* fall through */
    case PRIMITIVE_FORK: {
      struct child_plan plan;
      memset(&plan, 0, sizeof plan);
      struct failure setup = plan_posix_spawn_block(&plan, block, search_path);
      return fork_and_wait(&plan, setup);
    }
    default: wrong_primitive(kind);
  }
  return 2;
}

/* ---- the program ------------------------------------------------------- */

static void print_hello(void) {
  static const char* const details[] = {
      "posix_spawn and posix_spawnp of %s %s (and whichever call a libc block names)",
      "fork then, in the child, the posix_spawn block's steps by hand and execve or execvp of %s %s",
      "vfork then, in the child, the posix_spawn block's steps by hand and execve of %s %s",
      "system() of %s %s (a shell command)",
      "popen() and pclose() of %s %s (a shell command with one pipe)"};
  struct text document = {0};
  char id[128];
  /* The posix_spawn column keeps its first id, glibc-<version>; the others add their primitive. */
  if (primitive == PRIMITIVE_POSIX_SPAWN) snprintf(id, sizeof id, "%s-%s", FDCONFORM_LIBC_NAME, libc_version());
  else snprintf(id, sizeof id, "%s-%s-%s", FDCONFORM_LIBC_NAME, libc_version(), primitive_names[primitive]);
  add_raw(&document, "{\"id\": ");
  add_string(&document, id);
  add_raw(&document, ", \"name\": ");
  add_string(&document, FDCONFORM_LIBC_NAME);
  add_raw(&document, ", \"version\": ");
  add_string(&document, libc_version());
  char calls[256], detail[512];
  snprintf(calls, sizeof calls, details[primitive], FDCONFORM_LIBC_NAME, libc_version());
  snprintf(detail, sizeof detail,
           "%s called from C (%s), run in each scenario parent by fdconform-kit-host, which snapshots it from outside",
           calls, FDCONFORM_LIBC_LINKAGE);
  add_raw(&document, ", \"language\": \"c\", \"detail\": ");
  add_string(&document, detail);
  /* posix_spawn_closefrom is claimed wherever a posix_spawn block runs: where the
   * library lacks the call the cell is no_api naming it and the library's version. */
  if (primitive == PRIMITIVE_SYSTEM || primitive == PRIMITIVE_POPEN)
    add_raw(&document, ", \"features\": [\"libc_spawn\"]}\n");
  else
    add_raw(&document, ", \"features\": [\"posix_spawn\", \"posix_spawn_closefrom\", \"libc_spawn\"]}\n");
  fputs(document.data, stdout);
}

int main(int argc, char** argv) {
  int at = 1;
  if (at < argc && strncmp(argv[at], "--primitive=", 12) == 0) {
    size_t k = 0;
    while (k < sizeof primitive_names / sizeof primitive_names[0] && strcmp(primitive_names[k], argv[at] + 12) != 0) ++k;
    if (k == sizeof primitive_names / sizeof primitive_names[0]) {
      fprintf(stderr, "fdconform-libc-%s: --primitive: expected posix_spawn, fork, vfork, system or popen, got \"%s\"\n",
              FDCONFORM_LIBC_NAME, argv[at] + 12);
      return 2;
    }
    primitive = (enum primitive)k;
    ++at;
  }
  if (argc == at + 1 && strcmp(argv[at], "--hello") == 0) {
    print_hello();
    return 0;
  }
  if (argc != at + 1 || strncmp(argv[at], "--request=", 10) != 0) {
    fprintf(stderr,
            "usage: fdconform-libc-%s [--primitive=posix_spawn|fork|vfork|system|popen] --hello | --request=PATH "
            "(run by fdconform-kit-host)\n",
            FDCONFORM_LIBC_NAME);
    return 2;
  }
  request_path = argv[at] + 10;
  struct json* request = read_request(request_path);
  outcome_path = string_member(request, "outcome", "outcome");
  restore_close_on_exec(request);
  const struct json* measure = member(request, "measure");
  if (measure && measure->type == JSON_TRUE) {
    stop_for_snapshot();
    return 0;
  }
  const char* kind = string_member(request, "kind", "kind");
  static const char* const kinds[] = {"popen", "posix_spawn", "posix_spawnp", "fork_exec", "libc"};
  size_t k = 0;
  while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k], kind) != 0) ++k;
  if (k == sizeof kinds / sizeof kinds[0])
    fail("byte %zu: kind: expected popen, posix_spawn, posix_spawnp, fork_exec or libc, got \"%s\"",
         member(request, "kind")->offset, kind);
  const struct json* block = member(request, "spawn");
  expect(block, JSON_OBJECT, "spawn", "the spawn block as an object");
  return run_block(kind, block);
}
