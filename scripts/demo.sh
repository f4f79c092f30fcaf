#!/usr/bin/env bash
# make demo: show what nnlc sees in a model, compile it to a native trainer, train it on
# Fashion-MNIST (the Debian package dataset-fashion-mnist) and evaluate it.
set -euo pipefail
build=${1:-build}
nnlc="$build/compiler/nnlc"
model=examples/mlp.nn

echo "== nnlc --summary $model"
"$nnlc" --summary "$model"
echo
echo "== nnlc $model -o $build/mlp"
"$nnlc" "$model" -o "$build/mlp"
echo
echo "== $build/mlp   (5 epochs of 48,000 images, validation on 12,000, test on 10,000)"
"$build/mlp" --save "$build/mlp.safetensors"
echo
echo "Next: $nnlc --emit=loops $model | less    (the loops your model runs)"
echo "      $nnlc --emit=llvm $model | less     (the LLVM IR they become)"
echo "      $build/mlp --help                  (what the trainer can do)"
