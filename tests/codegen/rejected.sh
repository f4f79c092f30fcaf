#!/usr/bin/env bash
# rejected.sh NNLC WORK_DIR
# The loss/output combinations the gradient checks skip: cross-entropy losses read
# probabilities, so nnlc must refuse every other output activation at compile time (exit
# 1, naming the loss and the activation) instead of building a trainer for nonsense.
set -u
nnlc=$1 work=$2
mkdir -p "$work"
failed=0 checked=0
for loss in binary_crossentropy categorical_crossentropy sparse_categorical_crossentropy; do
    want=softmax
    [ $loss = binary_crossentropy ] && want=sigmoid
    for act in linear sigmoid tanh relu leaky_relu elu softmax gelu swish; do
        [ $act = $want ] && continue
        src="$work/$loss.$act.nn"
        printf 'model m {\n    input [6]\n    dense(5, activation=tanh)\n    dense(3, activation=%s)\n}\ntrain { loss = %s }\n' \
            "$act" "$loss" > "$src"
        rm -f "$work/trainer"
        out=$("$nnlc" --precision=f64 "$src" -o "$work/trainer" 2>&1)
        code=$?
        checked=$((checked + 1))
        if [ $code -ne 1 ] || [ -e "$work/trainer" ] ||
           ! grep -q "error: $loss needs $want probabilities, but the output layer 'dense_1' has activation $act" <<<"$out"; then
            printf 'FAIL: %s with a %s output: exit %d\n%s\n' "$loss" "$act" "$code" "$out"
            failed=$((failed + 1))
        fi
    done
done
if [ $failed -gt 0 ]; then
    echo "rejected: $failed of $checked combinations were not refused as expected"
    exit 1
fi
echo "rejected: all $checked cross-entropy losses on non-probability outputs refused (exit 1)"
