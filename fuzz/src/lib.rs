//! Support for the fuzz targets: the workspace's counting global allocator, so the decode
//! targets can check that decoding allocates nothing (`mqtt_codec::fuzzing::AllocProbe`).

use mqtt_codec::fuzzing::AllocStats;

#[global_allocator]
static GLOBAL: mqtt_alloc_count::Counting = mqtt_alloc_count::Counting;

/// Allocations made so far on this thread.
pub fn probe() -> AllocStats {
    let c = mqtt_alloc_count::thread_counts();
    AllocStats {
        count: c.calls,
        bytes: c.bytes,
    }
}
