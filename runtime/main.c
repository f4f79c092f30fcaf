/*
 * main.c — the trainer executable's entry point. Kept alone in its object file so that
 * test programs can link libnnrt.a with their own main() and without a model.
 */
#include "run.h"

int main(int argc, char **argv) { return nnrt_main(&nnrt_model, argc, argv); }
