//! A global allocator that forwards to [`System`] and counts every allocation (`alloc`,
//! `alloc_zeroed`, `realloc`): calls and bytes, per thread and for the whole process.
//!
//! The codec's allocation tests, the fuzz targets' zero-allocation checks and the benches'
//! allocation table all install it the same way, then read [`thread_counts`] (what the current
//! thread allocated, untouched by tests running on other threads) or [`process_counts`] before
//! and after the code they measure, or wrap it in [`counted`]:
//!
//! ```
//! #[global_allocator]
//! static GLOBAL: mqtt_alloc_count::Counting = mqtt_alloc_count::Counting;
//!
//! fn main() {
//!     let (v, counts) = mqtt_alloc_count::counted(|| vec![0u8; 40]);
//!     assert_eq!((counts.calls, counts.bytes), (1, 40));
//!     drop(v);
//! }
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::Sub;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The counting allocator. Install it with `#[global_allocator]`; without that, every count
/// stays 0.
pub struct Counting;

/// Allocator calls and bytes requested, since the thread or process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Calls to `alloc`, `alloc_zeroed` and `realloc`.
    pub calls: usize,
    /// Bytes those calls asked for (a `realloc` counts its new size).
    pub bytes: usize,
}

impl Sub for Counts {
    type Output = Counts;

    fn sub(self, earlier: Counts) -> Counts {
        Counts {
            calls: self.calls - earlier.calls,
            bytes: self.bytes - earlier.bytes,
        }
    }
}

thread_local! {
    static THREAD_CALLS: Cell<usize> = const { Cell::new(0) };
    static THREAD_BYTES: Cell<usize> = const { Cell::new(0) };
}

static PROCESS_CALLS: AtomicUsize = AtomicUsize::new(0);
static PROCESS_BYTES: AtomicUsize = AtomicUsize::new(0);

fn note(size: usize) {
    // `try_with`: a thread's last deallocations and allocations can run after its locals are gone.
    let _ = THREAD_CALLS.try_with(|c| c.set(c.get() + 1));
    let _ = THREAD_BYTES.try_with(|b| b.set(b.get() + size));
    PROCESS_CALLS.fetch_add(1, Ordering::Relaxed);
    PROCESS_BYTES.fetch_add(size, Ordering::Relaxed);
}

/// What the current thread has allocated so far.
pub fn thread_counts() -> Counts {
    Counts {
        calls: THREAD_CALLS.with(Cell::get),
        bytes: THREAD_BYTES.with(Cell::get),
    }
}

/// What all threads together have allocated so far.
pub fn process_counts() -> Counts {
    Counts {
        calls: PROCESS_CALLS.load(Ordering::SeqCst),
        bytes: PROCESS_BYTES.load(Ordering::SeqCst),
    }
}

/// Runs `f` and returns its result with what the current thread allocated meanwhile.
pub fn counted<R>(f: impl FnOnce() -> R) -> (R, Counts) {
    let before = thread_counts();
    let r = f();
    (r, thread_counts() - before)
}

// SAFETY: every method forwards to `System` with the arguments it was given, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; counting touches only
// thread-locals with const initialisers and atomics, neither of which allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
