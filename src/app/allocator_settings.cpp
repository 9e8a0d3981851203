// jemalloc's settings, read by jemalloc itself at its start. Only built into
// the borealis program, and only when it links jemalloc (BOREALIS_JEMALLOC):
// the sanitizer builds keep their own allocator.
//
// Freed pages left unused for a second go back to the system (the default
// waits ten), so that after a burst of sessions the process shrinks even
// before core::give_back_free_memory() purges everything at once. The
// decay runs as jemalloc is called: no thread of its own.
extern "C" {
// The name and type jemalloc looks for.
const char* malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0";
}
