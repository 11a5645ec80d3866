#pragma once
// The probe's exit status when it could not write its report (docs/PROBE.md). The runner reads a child
// that exited with it and left no report as a failed cell, and a scenario may not choose it for a
// child that ends before exec.

namespace fdconform_common {

inline constexpr int probe_report_failed_status = 3;

}  // namespace fdconform_common
