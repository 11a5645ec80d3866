/* The Java adapter's two native calls (drivers/java/SpawnAdapter.java), for
 * what the kit host asks of every runtime and Java has no public call for:
 * the host snapshots the adapter while it is stopped, and a JVM cannot send
 * itself SIGSTOP (sun.misc.Signal refuses it); the host carries the
 * scenario's close-on-exec fds through the JVM's exec, and Java cannot set
 * close-on-exec on an fd it did not open.
 *
 * raise(), not kill(getpid()): Java's main thread is not the process's first
 * thread, and a process-directed SIGSTOP may be taken by another thread, so
 * the caller can run on past the call before the stop takes hold (and a
 * second SIGSTOP sent meanwhile merges with the pending first: one stop, not
 * two). A thread-directed SIGSTOP stops the caller before it returns. */
#include <fcntl.h>
#include <jni.h>
#include <errno.h>
#include <signal.h>

JNIEXPORT void JNICALL Java_SpawnAdapter_stopForSnapshot(JNIEnv* env, jclass adapter) {
  (void)env;
  (void)adapter;
  raise(SIGSTOP);
}

/* Returns 0, or the errno of the failed fcntl. */
JNIEXPORT jint JNICALL Java_SpawnAdapter_setCloseOnExec(JNIEnv* env, jclass adapter, jint fd) {
  (void)env;
  (void)adapter;
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return errno;
  return 0;
}
