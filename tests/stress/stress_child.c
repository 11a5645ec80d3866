/* The child of the fork-safety stress test: reports every fd >= 3 it holds
 * on stdout as "N:DEV:INO" (plus ":X" when the fd is a file whose name marks
 * it close-on-exec in the parent, see stress_test.cpp), one line, then exits 0.
 * Static, no stdio, raw getdents64: as cheap as a child can be. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct linux_dirent64 {
  unsigned long long d_ino;
  long long d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

static char out[16384];
static size_t used;

static void put(const char *text) {
  size_t n = strlen(text);
  if (used + n < sizeof out) {
    memcpy(out + used, text, n);
    used += n;
  }
}

static void put_number(unsigned long long value) {
  char digits[24];
  int i = sizeof digits - 1;
  digits[i] = '\0';
  do {
    digits[--i] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  put(digits + i);
}

static int parse(const char *name) {
  int value = 0;
  if (!*name) return -1;
  for (; *name; ++name) {
    if (*name < '0' || *name > '9') return -1;
    value = value * 10 + (*name - '0');
  }
  return value;
}

int main(void) {
  int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    static const char message[] = "stress_child: cannot open /proc/self/fd\n";
    write(2, message, sizeof message - 1);
    return 2;
  }
  char buffer[4096] __attribute__((aligned(8)));
  for (;;) {
    long bytes = syscall(SYS_getdents64, dir, buffer, sizeof buffer);
    if (bytes <= 0) break;
    for (long offset = 0; offset < bytes;) {
      struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + offset);
      offset += entry->d_reclen;
      int fd = parse(entry->d_name);
      if (fd < 3 || fd == dir) continue;
      struct stat st;
      if (fstat(fd, &st) != 0) continue;
      put_number((unsigned long long)fd);
      put(":");
      put_number((unsigned long long)st.st_dev);
      put(":");
      put_number((unsigned long long)st.st_ino);
      if (S_ISREG(st.st_mode)) {
        char link[64], target[512];
        memcpy(link, "/proc/self/fd/", 14);
        char digits[16];
        int i = sizeof digits - 1, value = fd;
        digits[i] = '\0';
        do {
          digits[--i] = (char)('0' + value % 10);
          value /= 10;
        } while (value);
        strcpy(link + 14, digits + i);
        ssize_t length = readlink(link, target, sizeof target - 1);
        if (length > 0) {
          target[length] = '\0';
          if (strstr(target, "fdc-cloexec")) put(":X");
        }
      }
      put(" ");
    }
  }
  close(dir);
  put("\n");
  size_t done = 0;
  while (done < used) {
    ssize_t n = write(1, out + done, used - done);
    if (n <= 0) return 3;
    done += (size_t)n;
  }
  return 0;
}
