/*
 * replay.c — main() for fuzz_frontend.c without libFuzzer: runs each file named on the
 * command line through LLVMFuzzerTestOneInput once. `make check` builds it with the
 * compiler's usual flags and replays the seed models (test fuzz.replay), so the harness
 * keeps compiling and running as the front end changes; run.sh here does the fuzzing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        size_t cap = 1 << 16, n = 0, got;
        uint8_t *buf = malloc(cap);
        while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
            if ((n += got) == cap) {
                uint8_t *grown = realloc(buf, cap *= 2);
                if (!grown)
                    free(buf);
                buf = grown;
            }
        fclose(f);
        if (!buf) {
            fprintf(stderr, "%s: out of memory\n", argv[i]);
            return 1;
        }
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
