// Python's repr() of a str, so messages quote filenames the way CPython does.
#pragma once

#include <string>
#include <string_view>

namespace spawn_core::detail {

std::string python_repr(std::string_view text);

}  // namespace spawn_core::detail
