//! The global allocator of the Criterion benches: the system allocator, except that every block
//! of [`LARGE`] bytes or more starts on a 64-byte boundary.
//!
//! Why: a 64 KiB copy (`memcpy`'s `rep movsb` on this machine) takes 1.2 µs or 2.2 µs for the
//! same bytes depending on where its source and destination lie relative to each other modulo
//! 64, and glibc's `malloc` aligns blocks to 16 bytes only. Each codec's output buffer is its own
//! allocation, so which codec got the fast or the slow distance from the input was the luck of
//! the build's heap layout: ours measured 1.18 µs with one build and 1.64 µs with another on the
//! same 64 KiB PUBLISH, with no change to what it runs. With the inputs and every output buffer
//! aligned alike, and every codec writing the same header before the payload, each copy runs at
//! the same relative alignment. Small blocks are left to `malloc` as they are, so a codec's
//! per-packet allocations cost what they always cost.
//!
//! The instruction counter (`src/bin/instructions.rs`) does not install it: an instruction count
//! does not depend on addresses, and the wrapper's test would add to every timed allocation.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks at least this large are aligned to [`LINE`]: the 64 KiB inputs and the streams, the
/// output buffers of the 64 KiB encodes and fan-outs, and a peer's copy of a 64 KiB payload.
/// Copies below it are not `rep movsb` ones, and the per-packet allocations of the smaller inputs
/// stay plain `malloc` calls (an aligned block is the slower `memalign` path in glibc).
pub const LARGE: usize = 4096;

/// A cache line.
pub const LINE: usize = 64;

/// The allocator; install it with `#[global_allocator]`.
pub struct LineAligned;

/// The layout the system allocator is asked for.
fn adjust(layout: Layout) -> Layout {
    if layout.size() >= LARGE && layout.align() < LINE {
        layout.align_to(LINE).unwrap_or(layout)
    } else {
        layout
    }
}

#[allow(unsafe_code)]
// SAFETY (for each method): every block is allocated and freed with the layout `adjust` gives
// for the caller's layout, which is a function of that layout alone, so `dealloc` and `realloc`
// hand `System` the layout the block was allocated with; `adjust` only raises the alignment, so
// the block satisfies the caller's layout too.
unsafe impl GlobalAlloc for LineAligned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(adjust(layout)) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(adjust(layout)) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, adjust(layout)) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = adjust(layout);
        let Ok(new) = Layout::from_size_align(new_size, layout.align()).map(adjust) else {
            return std::ptr::null_mut();
        };
        if old.align() == new.align() {
            // The system's own reallocation (in place where it can) keeps the alignment asked.
            return unsafe { System.realloc(ptr, old, new_size) };
        }
        // Growing past `LARGE` or shrinking below it changes the alignment: move the block.
        let moved = unsafe { System.alloc(new) };
        if !moved.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                System.dealloc(ptr, old);
            }
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_are_line_aligned_small_ones_untouched() {
        let large = Layout::from_size_align(LARGE, 1).unwrap();
        assert_eq!(adjust(large).align(), LINE);
        assert_eq!(adjust(large).size(), LARGE);
        let small = Layout::from_size_align(LARGE - 1, 1).unwrap();
        assert_eq!(adjust(small), small);
        let wider = Layout::from_size_align(LARGE, 2 * LINE).unwrap();
        assert_eq!(adjust(wider), wider);
    }

    #[test]
    #[allow(unsafe_code)]
    fn growing_and_shrinking_across_the_threshold_keeps_the_bytes_and_the_alignment() {
        let a = LineAligned;
        let small = Layout::from_size_align(16, 1).unwrap();
        // SAFETY: each pointer is used with the layout it was allocated or reallocated with.
        unsafe {
            let p = a.alloc(small);
            assert!(!p.is_null());
            for i in 0..16 {
                p.add(i).write(i as u8);
            }
            let grown = a.realloc(p, small, 4 * LARGE);
            assert!(!grown.is_null());
            assert_eq!(grown as usize % LINE, 0);
            assert!((0..16).all(|i| grown.add(i).read() == i as u8));
            let large = Layout::from_size_align(4 * LARGE, 1).unwrap();
            let shrunk = a.realloc(grown, large, 8);
            assert!(!shrunk.is_null());
            assert!((0..8).all(|i| shrunk.add(i).read() == i as u8));
            a.dealloc(shrunk, Layout::from_size_align(8, 1).unwrap());
        }
    }
}
