//! The process's allocator. glibc hands a freed block over 128 kB back to the kernel, and a
//! training step frees and allocates megabytes of tensors, so every step paid the kernel to map
//! and zero fresh pages (a fifth of the text students' step in `perf`, BENCHMARKS.md). The CLI
//! keeps freed memory for reuse instead, as XLA's allocator does for JAX.

/// Raises glibc's thresholds for returning memory: blocks up to 256 MB come from the heap, and
/// the heap's top is trimmed only past 1 GB. Call it first, before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    // SAFETY: mallopt only sets allocator parameters; no other thread is allocating yet. It
    // returns 0 when glibc refuses a value, which leaves its default in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

/// Other allocators keep their own policy.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
