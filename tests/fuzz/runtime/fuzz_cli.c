/*
 * fuzz_cli.c — the trainer's command line (runtime/cli.c): NUL-separated arguments
 * parsed as a trainer parses argv. An accepted command line must hold values the
 * runtime can use; a refused one must say why on stderr.
 *
 * Input: cfg0 (fz_model_config) arg NUL arg NUL ...
 */
#include "fuzz_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bad(const char *what) {
    fprintf(stderr, "fuzz: accepted options hold %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FzInput in = {data, size};
    uint8_t c0 = fz_byte(&in);
    FzModel fm;
    fz_model_config(&fm, c0, 0);
    /* the arguments, each NUL-terminated (the last one too) */
    char *copy = malloc(in.n + 1);
    memcpy(copy, in.p, in.n);
    copy[in.n] = '\0';
    char *argv[64];
    int argc = 0;
    argv[argc++] = "trainer";
    for (size_t at = 0; at < in.n && argc < 63; at += strlen(copy + at) + 1)
        argv[argc++] = copy + at;
    argv[argc] = NULL;
    char *out_text = NULL, *err_text = NULL;
    size_t out_len = 0, err_len = 0;
    FILE *out = open_memstream(&out_text, &out_len), *err = open_memstream(&err_text, &err_len);
    Options o;
    int rc = nnrt_cli_parse(&o, &fm.m, argc, argv, out, err);
    fclose(out);
    fclose(err);
    if (rc == CLI_RUN) {
        if (o.epochs < 1 || o.epochs > NNRT_MAX_EPOCHS)
            bad("an epoch count out of range");
        if (o.batch < 1 || o.batch > NNRT_MAX_BATCH)
            bad("a batch size out of range");
        if (!(o.lr > 0) || !isfinite(o.lr))
            bad("a learning rate that is not a positive number");
        if (o.threads < 1 || o.threads > NNRT_MAX_THREADS)
            bad("a thread count out of range");
        if (o.limit < 0 || o.verbose < 0 || o.verbose > 2 || o.tolerance < 0 ||
            !isfinite(o.tolerance))
            bad("a limit, verbosity or tolerance out of range");
        const char *paths[] = {o.data_path, o.test_path, o.history, o.save, o.load, o.resume,
                               o.predict};
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
            if (paths[i] && !paths[i][0])
                bad("an empty file name");
        if (o.load && o.resume)
            bad("--load and --resume");
        if (err_len)
            bad("a message on stderr");
    } else if (rc == CLI_USAGE) {
        if (!err_len || !strstr(err_text, "error: "))
            bad("a refusal without an error message");
    } else if (rc == CLI_HELP) {
        if (!out_len)
            bad("--help without help");
    } else {
        bad("an unknown result");
    }
    free(out_text);
    free(err_text);
    free(copy);
    return 0;
}
