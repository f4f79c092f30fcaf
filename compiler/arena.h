/*
 * arena.h — per-compilation bump allocator. The AST, the graph IR and the loop IR all
 * live in one Arena; nothing is freed node by node, everything goes with arena_free().
 * Allocations are zeroed, so structs start in a well-defined empty state.
 */
#ifndef NNLC_ARENA_H
#define NNLC_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;

typedef struct Arena {
    ArenaBlock *head;
    size_t total;       /* bytes handed out, for --stats */
} Arena;

void arena_init(Arena *a);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t size);                 /* zeroed, 16-byte aligned */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ARENA_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))
#define ARENA_ARRAY(a, T, n) ((T *)arena_alloc((a), sizeof(T) * (size_t)(n)))

#endif
