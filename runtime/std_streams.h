/*
 * std_streams.h — standard input, output and error held open for both programs, nnlc
 * and the trainer, when they were started without one (`./trainer >&-`, `nnlc ... 2>&-`).
 * Header only, as the compiler links none of the runtime.
 *
 * A closed descriptor 0, 1 or 2 is the lowest free number, so the first file the program
 * opens took it, and what was written to that standard stream went into the file: the
 * trainer's progress lines into its --history file ("Epoch 1/3" among the rows) and
 * nnlc's warnings into the output of --emit=ir or --summary -o FILE. Each closed one is
 * held by /dev/null opened the other way, as GNU's programs do (gnulib's stdopen):
 * read-only for output and error, so that a write to it still fails (EBADF) and a closed
 * standard output is still said, and write-only for input.
 */
#ifndef NNRT_STD_STREAMS_H
#define NNRT_STD_STREAMS_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static inline void nnrt_hold_std_streams(void) {
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int held = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (held >= 0 && held != fd) { /* the lower ones are open: only if /dev/null is odd */
            dup2(held, fd);
            close(held);
        }
    }
}

#endif
