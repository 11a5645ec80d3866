#include "parent_ballast.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bench {
namespace {

void* ballast = nullptr;
std::size_t ballast_mib = 0;

void release() {
  if (ballast != nullptr) munmap(ballast, ballast_mib << 20);
  ballast = nullptr;
  ballast_mib = 0;
}

}  // namespace

void hold_parent_ballast(std::size_t mib) {
  if (mib == ballast_mib) return;
  if (mib < ballast_mib && mib > 0) {
    // Shrinking keeps the head: unmapping the tail costs far less than
    // populating a new mapping.
    munmap(static_cast<char*>(ballast) + (mib << 20), (ballast_mib - mib) << 20);
    ballast_mib = mib;
    return;
  }
  release();
  if (mib == 0) return;
  const std::size_t bytes = mib << 20;
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) {
    throw std::runtime_error("cannot map " + std::to_string(mib) + " MiB of ballast: " +
                             std::strerror(errno));
  }
  // 4 KiB pages, as a long-lived fragmented heap has: transparent huge pages
  // would hide most of fork's page-table copy and make the result depend on
  // the machine's THP setting.
  madvise(memory, bytes, MADV_NOHUGEPAGE);
  // Populating in the kernel is much faster than faulting page by page (each
  // user fault is costly in a VM); the pages are then private, writable and
  // resident, which is what fork has to copy the page-table entries of.
  // Writing one byte per page afterwards makes sure of it where populate is
  // refused.
  madvise(memory, bytes, MADV_POPULATE_WRITE);
  const long page = sysconf(_SC_PAGESIZE);
  auto* bytes_ptr = static_cast<volatile unsigned char*>(memory);
  for (std::size_t offset = 0; offset < bytes; offset += static_cast<std::size_t>(page)) {
    bytes_ptr[offset] = 1;
  }
  ballast = memory;
  ballast_mib = mib;
}

}  // namespace bench
