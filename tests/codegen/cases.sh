# cases.sh — sourced by inputs.sh, outputs.sh and settings.sh once they have set nnlc,
# work and here (their own directory): a working directory to run the cases in, and
#   check STATUS PATTERN CMD…   runs CMD through runtime/expect.sh; a failure is printed
#                               (what ran, what came out) and counted in $fails
#   fail TEXT…                  counts a failure the script found itself
expect=$here/../runtime/expect.sh
fails=0
mkdir -p "$work"
cd "$work" || exit 1
check() { "$expect" "$@" >/dev/null || { "$expect" "$@"; fails=$((fails + 1)); }; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
