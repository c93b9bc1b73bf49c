// How `vigil` runs Node (plain JavaScript: the launcher reads it before any TypeScript). The
// launcher starts Node again with these when they are missing, since both only take effect at
// start-up.
//
// Both keep the resident memory of `vigil evaluate` flat and under 200 MB whatever the input size.
// A CloudTrail archive is parsed file after file into objects and buffers that are garbage a
// moment later; left to its defaults, V8 lets its young generation grow large, and glibc keeps
// freed multi-MB buffers in its heap instead of returning them. Measured with bench/ on a 300 MB,
// 200,000-record archive: 325 MB peak RSS with the defaults, about 190 MB with these, in the
// same time.

/** A young generation of 3 × 8 MB (V8's default sizes it by the machine's memory). */
export const NODE_FLAGS = ['--max-semi-space-size=8'];

/** glibc: allocations from 128 KB up are mapped and unmapped, not kept in its heap once freed. */
export const NODE_ENVIRONMENT = { MALLOC_MMAP_THRESHOLD_: '131072' };
