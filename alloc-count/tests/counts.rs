//! The counts see allocations, and `thread_counts` only the current thread's.

use mqtt_alloc_count::{counted, process_counts, thread_counts, Counting};
use std::hint::black_box;
use std::sync::{Arc, Barrier};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn counts_calls_and_bytes_of_this_thread() {
    let (v, c) = counted(|| Vec::<u8>::with_capacity(black_box(40)));
    drop(v);
    assert_eq!((c.calls, c.bytes), (1, 40));
    let (_, none) = counted(|| black_box(1 + 1));
    assert_eq!(none.calls, 0);
}

#[test]
fn another_threads_allocations_count_in_the_process_total_only() {
    let go = Arc::new(Barrier::new(2));
    let worker = {
        let go = Arc::clone(&go);
        std::thread::spawn(move || {
            go.wait();
            counted(|| drop(Vec::<u8>::with_capacity(black_box(8)))).1
        })
    };
    let (thread_before, process_before) = (thread_counts(), process_counts());
    go.wait();
    let theirs = worker.join().unwrap();
    assert_eq!(theirs.calls, 1);
    assert_eq!(thread_counts(), thread_before);
    assert!(process_counts().calls > process_before.calls);
}
