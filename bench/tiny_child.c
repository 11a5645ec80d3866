/* The cheapest possible child: exec, then exit at once. Anything more would be
 * measured as spawn latency. */
#include <unistd.h>

int main(void) {
  _exit(0);
}
