#pragma once
// Everything the runner's `fdconform report` needs, in one include.
#include "reports/differ_listing.hpp"
#include "reports/github_annotations.hpp"
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/merge.hpp"
#include "reports/progress.hpp"
#include "reports/results.hpp"
#include "reports/tally.hpp"
