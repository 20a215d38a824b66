#!/usr/bin/env bash
# The paths of the SPEC v3 scenarios listed in scenarios/v3.txt, under the scenario folder
# given (default ../shared/scenarios): what every runner plays beside v1 and v2.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-../shared/scenarios}
grep -v '^#' scenarios/v3.txt | grep -v '^[[:space:]]*$' | sed "s|^|$dir/v3/|"
