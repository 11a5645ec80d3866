#include "resources.hpp"

#include <algorithm>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "confined_paths.hpp"

namespace kit {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

// Where one fd ends up and how: the part of a resource (or a pipe end) the scenario controls.
struct Placement {
  std::optional<int> fd;
  // Absent: the flag the creating call gave (CPython's defaults, PEP 446),
  // left as it is so that default is what the child meets.
  std::optional<bool> inheritable;
};

Placement placement_from(const Json& spec, const std::string& where) {
  Placement placement;
  if (const Json* fd = member(spec, "fd", where)) {
    long long n = integer_at(*fd, where + ".fd");
    if (n < 0 || n > max_scenario_fd || n == 1023)
      throw RequestError(fmt::format("{}.fd: expected 0..{} but not 1023 (the result channel), got {}", where,
                                     max_scenario_fd, n));
    placement.fd = static_cast<int>(n);
  }
  if (const Json* inheritable = member(spec, "inheritable", where))
    placement.inheritable = boolean_at(*inheritable, where + ".inheritable");
  return placement;
}

int status_flags_from(const Json& spec, const std::string& where, bool allow_file_flags) {
  int flags = 0;
  if (const Json* list = member(spec, "flags", where)) {
    for (const Json& item : array_at(*list, where + ".flags")) {
      std::string name = string_at(item, where + ".flags[]");
      if (name == "nonblock") flags |= O_NONBLOCK;
      else if (allow_file_flags && name == "append") flags |= O_APPEND;
      else if (allow_file_flags && name == "sync") flags |= O_SYNC;
      else
        throw RequestError(fmt::format("{}.flags: expected {}, got \"{}\"", where,
                                       allow_file_flags ? "append, nonblock or sync" : "nonblock", name));
    }
  }
  return flags;
}

int access_from(const Json& spec, const std::string& where) {
  const Json* access = member(spec, "access", where);
  if (!access) return O_RDWR;
  std::string name = string_at(*access, where + ".access");
  if (name == "rdonly") return O_RDONLY;
  if (name == "wronly") return O_WRONLY;
  if (name == "rdwr") return O_RDWR;
  if (name == "path") return O_PATH;
  throw RequestError(fmt::format("{}.access: expected rdonly, wronly, rdwr or path, got \"{}\"", where, name));
}

// Moves `fd` to its place and sets its inheritable flag: the scenario's when it
// states one, else the one the creating call gave. `sibling` is the other end
// of a pipe or socket pair, moved out of the way first if it sits on the
// target. Returns the final fd.
int place(int fd, const Placement& placement, int* sibling) {
  const int created_flags = fcntl(fd, F_GETFD);
  if (created_flags < 0) fail("fcntl(F_GETFD)");
  const bool inheritable = placement.inheritable.value_or((created_flags & FD_CLOEXEC) == 0);
  int final_fd = fd;
  if (placement.fd && *placement.fd != fd) {
    int target = *placement.fd;
    if (sibling && *sibling == target) {
      int moved = fcntl(*sibling, F_DUPFD_CLOEXEC, 0);
      if (moved < 0) fail("fcntl(F_DUPFD_CLOEXEC)");
      close(*sibling);
      *sibling = moved;
    }
    // dup3 gives the copy close-on-exec directly; dup2 gives an inheritable copy.
    int result = inheritable ? dup2(fd, target) : dup3(fd, target, O_CLOEXEC);
    if (result < 0) fail(fmt::format("placing a resource at fd {}", target));
    close(fd);
    final_fd = target;
  }
  int fd_flags = fcntl(final_fd, F_GETFD);
  if (fd_flags < 0) fail("fcntl(F_GETFD)");
  int wanted = inheritable ? (fd_flags & ~FD_CLOEXEC) : (fd_flags | FD_CLOEXEC);
  if (wanted != fd_flags && fcntl(final_fd, F_SETFD, wanted) < 0) fail("fcntl(F_SETFD)");
  return final_fd;
}

void add_status_flags(int fd, int flags) {
  if (flags == 0) return;
  int current = fcntl(fd, F_GETFL);
  if (current < 0 || fcntl(fd, F_SETFL, current | flags) < 0) fail("fcntl(F_SETFL)");
}

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write");
    done += static_cast<size_t>(n);
  }
}

int open_file_resource(const Json& spec, const std::string& where, const std::string& name, bool confined) {
  std::string path = name;
  if (const Json* p = member(spec, "path", where)) path = string_at(*p, where + ".path");
  std::string content;
  if (const Json* c = member(spec, "content", where)) content = string_at(*c, where + ".content");
  long long offset = 0;
  if (const Json* o = member(spec, "offset", where)) offset = integer_at(*o, where + ".offset");
  if (offset < 0) throw RequestError(fmt::format("{}.offset: expected a non-negative integer, got {}", where, offset));
  int access = access_from(spec, where);
  int flags = status_flags_from(spec, where, true);

  // The content is written through a separate open so the resource's own
  // access mode and flags are exactly what the scenario says.
  int writer = open_in_workdir(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666, confined);
  write_all(writer, content);
  if (const Json* m = member(spec, "mode", where)) {
    const std::string text = string_at(*m, where + ".mode");
    char* end = nullptr;
    const unsigned long mode = std::strtoul(text.c_str(), &end, 8);
    if (text.empty() || *end != '\0' || mode > 07777)
      throw RequestError(fmt::format("{}.mode: expected an octal mode such as \"0755\", got \"{}\"", where, text));
    if (fchmod(writer, static_cast<mode_t>(mode)) != 0) fail("fchmod");
  }
  close(writer);

  int fd = open_in_workdir(path, access | flags | O_CLOEXEC, 0, confined);
  if (offset != 0 && lseek(fd, offset, SEEK_SET) < 0) fail("lseek");
  return fd;
}

// A `dup` resource: the call a CPython parent would make, with that call's
// own inheritable default (os.dup: close-on-exec; os.dup2: inheritable;
// fcntl F_DUPFD: inheritable; F_DUPFD_CLOEXEC: close-on-exec).
int duplicate(const Json& spec, const std::string& where, const ResourceTable& table) {
  const Json* of = member(spec, "of", where);
  if (!of) throw RequestError(where + ".of: missing");
  const int source = table.resolve_fd(*of, where + ".of");
  std::string call = "dup";
  if (const Json* c = member(spec, "call", where)) call = string_at(*c, where + ".call");
  long long min_fd = 0;
  if (const Json* m = member(spec, "min_fd", where)) min_fd = integer_at(*m, where + ".min_fd");
  if (min_fd < 0 || min_fd > max_scenario_fd)
    throw RequestError(fmt::format("{}.min_fd: expected 0..{}, got {}", where, max_scenario_fd, min_fd));
  int fd = -1;
  if (call == "dup") {
    fd = fcntl(source, F_DUPFD_CLOEXEC, 0);
  } else if (call == "dup2") {
    const Json* target = member(spec, "fd", where);
    if (!target) throw RequestError(where + ".fd: call dup2 needs the number to duplicate onto");
    long long n = integer_at(*target, where + ".fd");
    if (n < 0 || n > max_scenario_fd || n == 1023)
      throw RequestError(fmt::format("{}.fd: expected 0..{} but not 1023, got {}", where, max_scenario_fd, n));
    fd = dup2(source, static_cast<int>(n));
  } else if (call == "fcntl_dupfd") {
    fd = fcntl(source, F_DUPFD, static_cast<int>(min_fd));
  } else if (call == "fcntl_dupfd_cloexec") {
    fd = fcntl(source, F_DUPFD_CLOEXEC, static_cast<int>(min_fd));
  } else {
    throw RequestError(
        fmt::format("{}.call: expected dup, dup2, fcntl_dupfd or fcntl_dupfd_cloexec, got \"{}\"", where, call));
  }
  if (fd < 0) fail(fmt::format("{} of fd {}", call, source));
  return fd;
}

// A socket bound to 127.0.0.1 on a port the kernel picks, as socket.socket()
// makes it (close-on-exec); a stream socket also listens.
int loopback_socket(int type) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind to 127.0.0.1");
  if (type == SOCK_STREAM && listen(fd, 1) != 0) fail("listen");
  return fd;
}

// Both ends of a TCP connection over loopback: the client that connected and
// the server end accept() returned (accept4 with SOCK_CLOEXEC, as CPython's
// socket.accept); the listener is closed again.
void loopback_connection(int ends[2]) {
  int listener = loopback_socket(SOCK_STREAM);
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) fail("getsockname");
  ends[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ends[0] < 0) fail("socket");
  if (connect(ends[0], reinterpret_cast<sockaddr*>(&address), length) != 0) fail("connect to 127.0.0.1");
  ends[1] = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (ends[1] < 0) fail("accept4");
  close(listener);
}

// A FIFO made at its path in the workdir, and both ends as os.open gives
// them (close-on-exec): the read end first without blocking, so the write
// end finds a reader, then made blocking again.
void fifo_ends(const Json& spec, const std::string& where, const std::string& name, bool confined, int ends[2]) {
  std::string path = name;
  if (const Json* p = member(spec, "path", where)) path = string_at(*p, where + ".path");
  make_fifo_in_workdir(path, 0666, confined);
  ends[0] = open_in_workdir(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0, confined);
  ends[1] = open_in_workdir(path, O_WRONLY | O_CLOEXEC, 0, confined);
  const int flags = fcntl(ends[0], F_GETFL);
  if (flags < 0 || fcntl(ends[0], F_SETFL, flags & ~O_NONBLOCK) != 0) fail("fcntl F_SETFL on the FIFO's read end");
}

void create_one(const Json& spec, size_t index, ResourceTable& table, bool confined) {
  const std::string where = fmt::format("scenario.parent.resources[{}]", index);
  object_at(spec, where);
  const Json* name_json = member(spec, "name", where);
  if (!name_json) throw RequestError(where + ".name: missing");
  const std::string name = string_at(*name_json, where + ".name");
  if (table.fd_of(name) || table.fd_of(name + ".read") || table.fd_of(name + ".a"))
    throw RequestError(fmt::format("{}.name: \"{}\" is used twice", where, name));
  const Json* kind_json = member(spec, "kind", where);
  if (!kind_json) throw RequestError(where + ".kind: missing");
  const std::string kind = string_at(*kind_json, where + ".kind");

  if (kind == "pipe" || kind == "fifo" || kind == "socketpair" || kind == "tcp_connection") {
    const bool pipe_kind = kind == "pipe" || kind == "fifo";
    const std::string first_name = pipe_kind ? "read" : kind == "socketpair" ? "a" : "client";
    const std::string second_name = pipe_kind ? "write" : kind == "socketpair" ? "b" : "server";
    Json empty = Json::object();
    const Json* first_spec = member(spec, first_name, where);
    const Json* second_spec = member(spec, second_name, where);
    const Json& first = first_spec ? object_at(*first_spec, where + "." + first_name) : empty;
    const Json& second = second_spec ? object_at(*second_spec, where + "." + second_name) : empty;
    int ends[2];
    if (kind == "tcp_connection") loopback_connection(ends);
    else if (kind == "fifo") fifo_ends(spec, where, name, confined, ends);
    else if (pipe_kind ? pipe2(ends, O_CLOEXEC) : socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends)) fail(kind);
    add_status_flags(ends[0], status_flags_from(first, where + "." + first_name, false));
    add_status_flags(ends[1], status_flags_from(second, where + "." + second_name, false));
    ends[0] = place(ends[0], placement_from(first, where + "." + first_name), &ends[1]);
    ends[1] = place(ends[1], placement_from(second, where + "." + second_name), &ends[0]);
    table.add(name + "." + first_name, ends[0]);
    table.add(name + "." + second_name, ends[1]);
    return;
  }

  if (kind == "dup") {
    table.add(name, place(duplicate(spec, where, table), placement_from(spec, where), nullptr));
    return;
  }

  int fd = -1;
  if (kind == "file") {
    fd = open_file_resource(spec, where, name, confined);
  } else if (kind == "dir") {
    std::string path = name;
    if (const Json* p = member(spec, "path", where)) path = string_at(*p, where + ".path");
    make_dir_in_workdir(path, 0777, confined);
    fd = open_in_workdir(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, confined);
    table.add_dir(name, path);
  } else if (kind == "devnull") {
    fd = open("/dev/null", access_from(spec, where) | status_flags_from(spec, where, true) | O_CLOEXEC);
    if (fd < 0) fail("opening /dev/null");
  } else if (kind == "memfd") {
    fd = memfd_create(name.c_str(), MFD_CLOEXEC);
    if (fd < 0) fail("memfd_create");
  } else if (kind == "eventfd") {
    fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0) fail("eventfd");
  } else if (kind == "tcp_listener" || kind == "udp") {
    fd = loopback_socket(kind == "udp" ? SOCK_DGRAM : SOCK_STREAM);
    add_status_flags(fd, status_flags_from(spec, where, false));
  } else {
    throw RequestError(fmt::format(
        "{}.kind: expected file, dir, devnull, memfd, eventfd, pipe, fifo, socketpair, dup, tcp_listener, "
        "tcp_connection or udp, got \"{}\"",
        where, kind));
  }
  table.add(name, place(fd, placement_from(spec, where), nullptr));
}

}  // namespace

std::optional<int> ResourceTable::fd_of(const std::string& name) const {
  for (const auto& [n, fd] : named_fds_)
    if (n == name) return fd;
  return std::nullopt;
}

std::optional<std::string> ResourceTable::dir_path_of(const std::string& name) const {
  for (const auto& [n, path] : dir_paths_)
    if (n == name) return path;
  return std::nullopt;
}

int ResourceTable::resolve_fd(const Json& reference, const std::string& where, bool negative_allowed) const {
  if (reference.is_string()) {
    std::string name = reference.get<std::string>();
    if (auto fd = fd_of(name)) return *fd;
    if (name == "parent.stdin") return 0;
    if (name == "parent.stdout") return 1;
    if (name == "parent.stderr") return 2;
    throw RequestError(fmt::format("{}: \"{}\" names no resource", where, name));
  }
  if (reference.is_number_integer() || reference.is_number_unsigned()) {
    long long n = integer_at(reference, where);
    if (n < (negative_allowed ? INT32_MIN : 0) || n > INT32_MAX)
      throw RequestError(fmt::format("{}: fd {} is out of range", where, n));
    return static_cast<int>(n);
  }
  throw RequestError(fmt::format("{}: expected an fd number or a resource name, got {}", where, describe_type(reference)));
}

void ResourceTable::forget_fd(int fd) {
  for (const auto& [name, known] : named_fds_)
    if (known == fd) gone_.push_back(name);
  static const char* const standard_names[] = {"parent.stdin", "parent.stdout", "parent.stderr"};
  if (fd >= 0 && fd <= 2) gone_.emplace_back(standard_names[fd]);
}

bool ResourceTable::is_gone(const std::string& name) const {
  return std::find(gone_.begin(), gone_.end(), name) != gone_.end();
}

ResourceTable create_resources(const Json& parent_block, bool confined) {
  ResourceTable table;
  const Json* list = member(parent_block, "resources", "scenario.parent");
  if (!list) return table;
  size_t index = 0;
  for (const Json& spec : array_at(*list, "scenario.parent.resources")) create_one(spec, index++, table, confined);
  return table;
}

}  // namespace kit
