# fashion_common.sh — sourced by the end-to-end Fashion-MNIST tests (tests/*/fashion*.sh):
# where the data set is, and the one check they all make. POSIX sh.

fashion_dir=/usr/share/datasets/fashion-mnist

# Exits 77 (ctest's skip) when the Debian package dataset-fashion-mnist is missing.
fashion_require() {
    if [ ! -r "$fashion_dir/t10k-labels-idx1-ubyte.gz" ]; then
        echo "SKIP: $fashion_dir not found (apt-get install dataset-fashion-mnist)"
        exit 77
    fi
}

# fashion_accuracy_above OUTPUT MIN NAME [NOTE]: the trainer's test accuracy in OUTPUT
# must exceed MIN; prints "NAME: test accuracy A > MIN NOTE", or FAIL and exits 1.
fashion_accuracy_above() {
    acc=$(printf '%s\n' "$1" | grep -Eo 'test_accuracy: [0-9.]+' | cut -d' ' -f2)
    if awk -v a="${acc:-0}" -v m="$2" 'BEGIN { exit !(a > m) }'; then
        echo "$3: test accuracy $acc > $2${4:+ $4}"
    else
        echo "FAIL: test accuracy ${acc:-missing} <= $2"
        exit 1
    fi
}
