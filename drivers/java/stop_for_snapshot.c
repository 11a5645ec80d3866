/* The Java adapter's one native call (drivers/java/SpawnAdapter.java): the
 * kit host snapshots a runtime's adapter while it is stopped, and a JVM has
 * no public way to send itself SIGSTOP (sun.misc.Signal refuses it). */
#include <jni.h>
#include <signal.h>
#include <unistd.h>

JNIEXPORT void JNICALL Java_SpawnAdapter_stopForSnapshot(JNIEnv* env, jclass adapter) {
  (void)env;
  (void)adapter;
  kill(getpid(), SIGSTOP);
}
