/* The Java adapter's one native call (drivers/java/SpawnAdapter.java): the
 * kit host snapshots a runtime's adapter while it is stopped, and a JVM has
 * no public way to send itself SIGSTOP (sun.misc.Signal refuses it).
 *
 * raise(), not kill(getpid()): Java's main thread is not the process's first
 * thread, and a process-directed SIGSTOP may be taken by another thread, so
 * the caller can run on past the call before the stop takes hold (and a
 * second SIGSTOP sent meanwhile merges with the pending first: one stop, not
 * two). A thread-directed SIGSTOP stops the caller before it returns. */
#include <jni.h>
#include <signal.h>

JNIEXPORT void JNICALL Java_SpawnAdapter_stopForSnapshot(JNIEnv* env, jclass adapter) {
  (void)env;
  (void)adapter;
  raise(SIGSTOP);
}
