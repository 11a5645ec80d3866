// The snapshot's JSON text, written by hand: the probe links nothing but libc.
#include <sched.h>
#include <cstdio>
#include <string>

#include "fdconform_common/signal_names.hpp"
#include "fdconform_snapshot/snapshot.hpp"

namespace fdconform_snapshot {
namespace {

// The length of the well-formed UTF-8 sequence starting at text[i] (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
size_t utf8_sequence_length(const std::string& text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

// Text as a JSON string. Well-formed UTF-8 is kept as it is, so names and
// values read the same as in the scenario; any other byte above 0x7F is
// written as the code point of the same value (U+0080..U+00FF), so the report
// stays valid JSON whatever the environment or a path holds.
void append_string(std::string& out, const std::string& text) {
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c >= 0x80) {
          if (size_t length = utf8_sequence_length(text, i)) {
            out.append(text, i, length);
            i += length - 1;
            break;
          }
        }
        if (c < 0x20 || c >= 0x80) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

template <typename Number>
void append_field(std::string& out, const char* key, Number value, bool comma = true) {
  out += '"';
  out += key;
  out += "\": ";
  out += std::to_string(value);
  if (comma) out += ", ";
}

void append_key(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\": ";
}

template <typename Items, typename Append>
void append_list(std::string& out, const Items& items, Append append_item) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ", ";
    first = false;
    append_item(out, item);
  }
  out += ']';
}

void append_signal_names(std::string& out, const std::vector<int>& signals) {
  append_list(out, signals, [](std::string& o, int signo) { append_string(o, fdconform_common::signal_name(signo)); });
}

void append_fd(std::string& out, const FdEntry& fd) {
  out += "{";
  append_field(out, "fd", fd.fd);
  append_key(out, "kind"); append_string(out, fd.kind); out += ", ";
  append_key(out, "access"); append_string(out, fd.access); out += ", ";
  append_key(out, "flags");
  append_list(out, fd.flags, [](std::string& o, const std::string& f) { append_string(o, f); });
  out += ", ";
  append_key(out, "cloexec"); out += fd.cloexec ? "true, " : "false, ";
  append_field(out, "offset", fd.offset);
  append_field(out, "dev", fd.dev);
  append_field(out, "ino", fd.ino);
  append_field(out, "rdev", fd.rdev);
  append_key(out, "path"); append_string(out, fd.path);
  if (fd.pipe_size >= 0) {
    out += ", ";
    append_field(out, "pipe_size", fd.pipe_size, false);
  }
  if (fd.ofd >= 0) {
    out += ", ";
    append_field(out, "ofd", fd.ofd, false);
  }
  out += "}";
}

char octal_digit(unsigned value) { return static_cast<char>('0' + (value & 7u)); }

// JSON null for "unlimited".
void append_limit(std::string& out, long long value) { out += value < 0 ? "null" : std::to_string(value); }

// The policy's name; SCHED_RESET_ON_FORK, when set, as "|SCHED_RESET_ON_FORK" after it.
std::string sched_policy_name(int policy) {
  if (policy < 0) return "unknown";
  std::string name;
  switch (policy & ~SCHED_RESET_ON_FORK) {
    case SCHED_OTHER: name = "SCHED_OTHER"; break;
    case SCHED_FIFO: name = "SCHED_FIFO"; break;
    case SCHED_RR: name = "SCHED_RR"; break;
    case SCHED_BATCH: name = "SCHED_BATCH"; break;
    case SCHED_IDLE: name = "SCHED_IDLE"; break;
    default: name = std::to_string(policy & ~SCHED_RESET_ON_FORK); break;
  }
  if (policy & SCHED_RESET_ON_FORK) name += "|SCHED_RESET_ON_FORK";
  return name;
}

std::string octal_umask(mode_t mask) {
  return {octal_digit(mask >> 6), octal_digit(mask >> 3), octal_digit(mask)};
}

}  // namespace

std::string to_json(const Snapshot& s, Shape shape) {
  const ProcessState& p = s.process;
  const bool report = shape == Shape::probe_report;
  std::string out = report ? "{\"probe\": 1, " : "{";
  append_field(out, "pid", p.pid);
  append_field(out, "ppid", p.ppid);
  append_field(out, "sid", p.sid);
  append_field(out, "pgid", p.pgid);
  if (report) {
    append_key(out, "argv");
    append_list(out, s.argv, [](std::string& o, const std::string& a) { append_string(o, a); });
    out += ", ";
  }
  append_key(out, "cwd"); append_string(out, p.cwd); out += ", ";
  append_key(out, "umask"); append_string(out, octal_umask(p.umask)); out += ", ";
  append_key(out, "env");
  append_list(out, p.env, [](std::string& o, const std::string& e) { append_string(o, e); });
  out += ", ";
  append_field(out, "uid", p.uid);
  append_field(out, "euid", p.euid);
  append_field(out, "suid", p.suid);
  append_field(out, "gid", p.gid);
  append_field(out, "egid", p.egid);
  append_field(out, "sgid", p.sgid);
  append_key(out, "groups");
  append_list(out, p.groups, [](std::string& o, gid_t g) { o += std::to_string(g); });
  out += ", ";
  append_key(out, "rlimit_nofile");
  out += "{\"soft\": ";
  append_limit(out, p.nofile_soft);
  out += ", \"hard\": ";
  append_limit(out, p.nofile_hard);
  out += "}, ";
  // Only posix_spawn's scheduler changes a child's; the scenario parent is never rescheduled.
  if (report) {
    append_key(out, "sched");
    out += "{\"policy\": ";
    append_string(out, sched_policy_name(p.sched_policy));
    out += ", \"priority\": ";
    out += p.sched_priority < 0 ? "null" : std::to_string(p.sched_priority);
    out += "}, ";
  }
  append_key(out, "signals");
  out += "{\"ignored\": ";
  append_signal_names(out, s.signals.ignored);
  out += ", \"caught\": ";
  append_signal_names(out, s.signals.caught);
  out += ", \"blocked\": ";
  append_signal_names(out, s.signals.blocked);
  out += "}, ";
  append_key(out, "fds");
  append_list(out, s.fds, append_fd);
  if (!report) {
    out += ", ";
    append_key(out, "children");
    append_list(out, s.children, [](std::string& o, const Child& c) {
      o += "{\"pid\": " + std::to_string(c.pid) + ", \"state\": ";
      append_string(o, std::string(1, c.state));
      o += "}";
    });
  }
  out += "}";
  return out;
}

}  // namespace fdconform_snapshot
