#include "report/outputs.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <ostream>
#include <sstream>

#include "run/utf8_text.hpp"

#include "reports/reports.hpp"

namespace fdconform {
namespace {

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Paths go into messages, which end up on terminals and in CI logs: keep them readable text.
std::string shown(const std::string& path) { return valid_utf8(path); }

std::string errno_text(int error) { return fmt::format("{} ({})", std::strerror(error), strerrorname_np(error)); }

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

mode_t file_mode() {
  // What an ordinary create would give: 0666 less the umask. Read once; umask() is process-wide.
  static const mode_t mode = [] {
    mode_t mask = ::umask(022);
    ::umask(mask);
    return static_cast<mode_t>(0666 & ~mask);
  }();
  return mode;
}

// A fresh hidden file next to `path` (O_EXCL), so the rename that publishes it stays on one filesystem.
int create_temporary(const std::string& path, std::string& temporary) {
  std::string pattern = directory_of(path) + "/." + name_of(path) + ".XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  int fd = ::mkostemp(buffer.data(), O_CLOEXEC);
  if (fd >= 0) temporary = buffer.data();
  return fd;
}

// The whole text first, so nothing reaches the disk before rendering succeeded.
std::string render(const std::string& which, const nlohmann::json& document) {
  std::ostringstream out;
  if (which == "json") out << dump_json(document, 1) << '\n';
  if (which == "junit") reports::write_junit(document, out);
  if (which == "html") reports::write_html(document, out);
  return out.str();
}

}  // namespace

OutputFiles files_in_directory(const std::string& dir) {
  return {dir + "/results.json", dir + "/results.xml", dir + "/report.html"};
}

OutputTargets::~OutputTargets() {
  for (int fd : lock_fds_) ::close(fd);  // closing releases the flock
}

std::vector<std::string> OutputTargets::prepare(const OutputFiles& files, const std::string& out_dir) {
  std::vector<std::string> problems;
  (void)file_mode();  // while the process has one thread
  if (!out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    struct stat st {};
    if (::stat(out_dir.c_str(), &st) != 0)
      problems.push_back(fmt::format("--out {}: cannot create the directory: {}", shown(out_dir),
                                     ec ? errno_text(ec.value()) : errno_text(errno)));
    else if (!S_ISDIR(st.st_mode))
      problems.push_back(fmt::format("--out {}: not a directory: {}", shown(out_dir), errno_text(ENOTDIR)));
    if (!problems.empty()) return problems;
  }
  std::vector<std::string> seen;
  for (const std::string* path : {&files.json, &files.junit, &files.html}) {
    if (path->empty()) continue;
    if (std::find(seen.begin(), seen.end(), *path) != seen.end()) {
      problems.push_back(fmt::format("{} is named for two outputs (--json, --junit, --html, --out)", shown(*path)));
      continue;
    }
    seen.push_back(*path);
    struct stat st {};
    if (::stat(path->c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      problems.push_back(fmt::format("cannot write {}: it is a directory: {}", shown(*path), errno_text(EISDIR)));
      continue;
    }
    const std::string dir = directory_of(*path);
    // Can a file be made there at all (read-only filesystem, permissions, a missing directory)?
    std::string probe;
    int fd = create_temporary(*path, probe);
    if (fd < 0) {
      problems.push_back(fmt::format("cannot write {}: cannot create a file in {}: {}", shown(*path), shown(dir),
                                     errno_text(errno)));
      continue;
    }
    ::close(fd);
    ::unlink(probe.c_str());
    // Two runs writing the same file would publish one's reports under the other's name mid-run; the
    // second one is refused, before it runs anything. The lock file stays (removing it would race).
    const std::string lock_path = dir + "/." + name_of(*path) + ".lock";
    int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0) {
      problems.push_back(fmt::format("cannot lock {}: {}: {}", shown(*path), shown(lock_path), errno_text(errno)));
      continue;
    }
    if (::flock(lock, LOCK_EX | LOCK_NB) != 0) {
      int error = errno;
      char owner[32] = "";
      ssize_t n = ::pread(lock, owner, sizeof owner - 1, 0);
      std::string pid = n > 0 ? std::string(owner, static_cast<std::size_t>(n)) : std::string("?");
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      ::close(lock);
      problems.push_back(error == EWOULDBLOCK
                             ? fmt::format("{} is being written by another fdconform run (pid {}, lock {}): wait for "
                                           "it to finish or give this run another --out",
                                           shown(*path), pid, shown(lock_path))
                             : fmt::format("cannot lock {}: {}", shown(lock_path), errno_text(error)));
      continue;
    }
    std::string mine = fmt::format("{}\n", ::getpid());
    if (::ftruncate(lock, 0) == 0) (void)write_all(lock, mine);
    lock_fds_.push_back(lock);
  }
  return problems;
}

std::string write_file_atomically(const std::string& path, const std::string& text) {
  std::string temporary;
  int fd = create_temporary(path, temporary);
  if (fd < 0) return fmt::format("cannot write {}: cannot create a file in {}: {}", shown(path),
                                 shown(directory_of(path)), errno_text(errno));
  auto fail = [&](const char* step) {
    int error = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    return fmt::format("cannot write {}: {}: {}; {}", shown(path), step, errno_text(error),
                       ::access(path.c_str(), F_OK) == 0 ? "the previous file is left as it was"
                                                         : "no file was written");
  };
  if (::fchmod(fd, file_mode()) != 0) return fail("fchmod");
  if (!write_all(fd, text)) return fail("write");
  // Data on disk before the name points at it, so a crash leaves the old file or the new one, whole.
  if (::fsync(fd) != 0) return fail("fsync");
  if (::close(fd) != 0) {
    fd = -1;
    int error = errno;
    ::unlink(temporary.c_str());
    return fmt::format("cannot write {}: close: {}", shown(path), errno_text(error));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    return fmt::format("cannot write {}: rename: {}", shown(path), errno_text(error));
  }
  if (int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);  // the rename itself
    ::close(dir);
  }
  return {};
}

WrittenOutputs write_outputs(const nlohmann::json& document, const OutputFiles& files) {
  WrittenOutputs result;
  for (const auto& [which, path] : {std::pair<std::string, const std::string*>{"json", &files.json},
                                    {"junit", &files.junit},
                                    {"html", &files.html}}) {
    if (path->empty()) continue;
    std::string text;
    try {
      text = render(which, document);
    } catch (const std::exception& e) {
      result.errors.push_back(fmt::format("cannot write {}: rendering failed: {}", shown(*path), e.what()));
      continue;
    }
    std::string error = write_file_atomically(*path, text);
    if (error.empty()) result.written.push_back(*path);
    else result.errors.push_back(std::move(error));
  }
  return result;
}

void write_closing_summary(const nlohmann::json& document, std::ostream& out) {
  reports::write_differ_listing(document, out);
  out << reports::summary_line(document) << '\n';
}

}  // namespace fdconform
