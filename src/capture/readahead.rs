//! Reading capture files on a thread of their own.
//!
//! Parsing record headers and whatever per-frame work needs no state
//! (decoding, for the analyzer) is a good part of what `analyze` does:
//! with a second core the files are read ahead while the calling thread
//! consumes, in order, what that work made of each frame. Only those
//! values cross threads, in batches: the frames themselves are borrowed
//! from the file and never copied. Batches circulate, so nothing is
//! allocated per frame and memory stays bounded by the batches in flight.

use super::{file, Frame, FrameRef};
use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

/// Frames per batch: enough that the threads rarely wait for each other,
/// since each wait costs a wake-up of a few microseconds (a batch takes a
/// few hundred), and few enough that the buffers each slot grows on first
/// use (an advert's addresses) stay a small, fixed cost.
const BATCH: usize = 2048;
/// Batches in flight: one being read, one being consumed, spares to absorb
/// uneven work.
const IN_FLIGHT: usize = 4;

struct Batch<T> {
    items: Vec<T>,
    len: usize,
}

/// Calls `each` on what `prepare` made of every frame of `paths`, in
/// order; the files are read and `prepare` runs on a second thread.
/// Frames read before an error (a broken record, a missing second file)
/// are all consumed before the error is returned.
pub fn for_each_frame<T: Default + Send>(
    paths: &[PathBuf],
    prepare: &(dyn Fn(&mut T, &FrameRef) + Sync),
    each: &mut dyn FnMut(&T),
) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<Batch<T>>(IN_FLIGHT);
        let (spare_tx, spare_rx) = channel::<Batch<T>>();
        for _ in 0..IN_FLIGHT {
            // The receiver is alive: it is ours, below.
            let _ = spare_tx.send(Batch { items: Vec::new(), len: 0 });
        }
        let reader = scope.spawn(move || read(paths, prepare, &full_tx, &spare_rx));
        for batch in &full_rx {
            batch.items[..batch.len].iter().for_each(&mut *each);
            // Fails only once the reader is done; its last batches are still queued.
            let _ = spare_tx.send(batch);
        }
        reader.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the reading thread failed")))
    })
}

/// Fills spare batches from the files and sends them on, a partial batch
/// first when reading fails.
fn read<T: Default>(
    paths: &[PathBuf],
    prepare: &(dyn Fn(&mut T, &FrameRef) + Sync),
    full: &SyncSender<Batch<T>>,
    spare: &Receiver<Batch<T>>,
) -> anyhow::Result<()> {
    let Ok(mut batch) = spare.recv() else { return Ok(()) };
    // Holds the frames a source cannot lend (pipes, unusual records).
    let mut scratch = Frame::default();
    let mut result = Ok(());
    'files: for path in paths {
        let mut source = match file::open(path) {
            Ok(s) => s,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        loop {
            let frame = match source.next_ref(&mut scratch) {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(e) => {
                    result = Err(e);
                    break 'files;
                }
            };
            if batch.len == batch.items.len() {
                batch.items.push(T::default());
            }
            prepare(&mut batch.items[batch.len], &frame);
            batch.len += 1;
            if batch.len == BATCH {
                if full.send(batch).is_err() {
                    // The consumer stopped; nothing more is wanted.
                    return Ok(());
                }
                let Ok(next) = spare.recv() else { return Ok(()) };
                batch = next;
                batch.len = 0;
            }
        }
    }
    if batch.len > 0 {
        let _ = full.send(batch);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::super::test_support::pcap_bytes;
    use super::*;

    /// Frames `from..to`, each carrying its number (and a jumbo one every 500th).
    fn records(from: u32, to: u32) -> Vec<u8> {
        let data: Vec<Vec<u8>> = (from..to)
            .map(|i| {
                let len = if i % 500 == 0 { 100_000 } else { 60 };
                let mut d = vec![0u8; len];
                d[..4].copy_from_slice(&i.to_be_bytes());
                d
            })
            .collect();
        let recs: Vec<(u32, u32, &[u8], u32)> =
            data.iter().enumerate().map(|(i, d)| (i as u32, 0, d.as_slice(), d.len() as u32)).collect();
        pcap_bytes(false, false, 1, &recs)
    }

    fn seen(paths: &[PathBuf]) -> (Vec<u32>, anyhow::Result<()>) {
        let mut got = Vec::new();
        let r = for_each_frame(paths, &|n: &mut u32, f| *n = u32::from_be_bytes(f.data[..4].try_into().unwrap()), &mut |n| {
            got.push(*n)
        });
        (got, r)
    }

    #[test]
    fn every_frame_of_every_file_in_order_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.pcap"), dir.path().join("b.pcap"));
        std::fs::write(&a, records(0, 2 * BATCH as u32 + 7)).unwrap();
        std::fs::write(&b, records(2 * BATCH as u32 + 7, 2 * BATCH as u32 + 10)).unwrap();
        let (got, r) = seen(&[a, b]);
        r.unwrap();
        assert_eq!(got, (0..2 * BATCH as u32 + 10).collect::<Vec<_>>());
    }

    #[test]
    fn frames_before_an_error_are_consumed_then_the_error_returned() {
        let dir = tempfile::tempdir().unwrap();
        let (a, cut) = (dir.path().join("a.pcap"), dir.path().join("cut.pcap"));
        std::fs::write(&a, records(0, 1500)).unwrap();
        let mut bytes = records(1500, 1503);
        bytes.truncate(bytes.len() - 10);
        std::fs::write(&cut, &bytes).unwrap();
        let (got, r) = seen(&[a.clone(), cut]);
        assert_eq!(got, (0..1502).collect::<Vec<_>>());
        assert!(r.unwrap_err().to_string().contains("cut.pcap"));

        let (got, r) = seen(&[a, dir.path().join("missing.pcap")]);
        assert_eq!(got.len(), 1500);
        assert!(r.unwrap_err().to_string().contains("missing.pcap"));
    }
}
