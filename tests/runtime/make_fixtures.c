/* rt_fixtures DIR — writes the data files of the CLI error tests into DIR. */
#include "fixtures.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: rt_fixtures DIR\n");
        return 2;
    }
    if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "rt_fixtures: cannot create %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (!fx_write_all(argv[1])) {
        fprintf(stderr, "rt_fixtures: cannot write into %s\n", argv[1]);
        return 1;
    }
    return 0;
}
