#include "fdconform_snapshot/snapshot.hpp"

namespace fdconform_snapshot {

DescriptorRoom::DescriptorRoom() {
  if (getrlimit(RLIMIT_NOFILE, &saved_) == 0 && saved_.rlim_cur < saved_.rlim_max) {
    struct rlimit raised = saved_;
    raised.rlim_cur = saved_.rlim_max;
    raised_ = setrlimit(RLIMIT_NOFILE, &raised) == 0;
  }
}

DescriptorRoom::~DescriptorRoom() {
  if (raised_) setrlimit(RLIMIT_NOFILE, &saved_);
}

}  // namespace fdconform_snapshot
