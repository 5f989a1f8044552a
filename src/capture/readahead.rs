//! Reading capture files on a thread of their own.
//!
//! Copying records out of the page cache, parsing their headers and
//! whatever per-frame work needs no state (decoding, for the analyzer) is
//! a good part of what `analyze` does: with a second core the files are
//! read ahead in batches while the calling thread consumes them in order.
//! Batches, their frame buffers and their prepared values circulate, so
//! nothing is allocated per frame and memory stays bounded by the batches
//! in flight.

use super::{file, Frame};
use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

/// Frames per batch: enough to make hand-offs rare.
const BATCH: usize = 1024;
/// A batch is also closed once its frames hold this many bytes.
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight: one being read, one being consumed, one spare.
const IN_FLIGHT: usize = 3;
/// A frame buffer that grew past this for a jumbo frame is released rather
/// than kept for reuse.
const KEEP_CAPACITY: usize = 64 << 10;

struct Batch<T> {
    frames: Vec<(Frame, T)>,
    len: usize,
}

/// Calls `each` on every frame of `paths`, in order, with what `prepare`
/// made of it; the files are read and `prepare` runs on a second thread.
/// Frames read before an error (a broken record, a missing second file)
/// are all consumed before the error is returned.
pub fn for_each_frame<T: Default + Send>(
    paths: &[PathBuf],
    prepare: &(dyn Fn(&mut T, &Frame) + Sync),
    each: &mut dyn FnMut(&Frame, &T),
) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<Batch<T>>(IN_FLIGHT);
        let (spare_tx, spare_rx) = channel::<Batch<T>>();
        for _ in 0..IN_FLIGHT {
            // The receiver is alive: it is ours, below.
            let _ = spare_tx.send(Batch { frames: Vec::new(), len: 0 });
        }
        let reader = scope.spawn(move || read(paths, prepare, &full_tx, &spare_rx));
        for batch in &full_rx {
            batch.frames[..batch.len].iter().for_each(|(f, t)| each(f, t));
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
    prepare: &(dyn Fn(&mut T, &Frame) + Sync),
    full: &SyncSender<Batch<T>>,
    spare: &Receiver<Batch<T>>,
) -> anyhow::Result<()> {
    let Ok(mut batch) = spare.recv() else { return Ok(()) };
    let mut bytes = 0;
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
            if batch.len == batch.frames.len() {
                batch.frames.push(Default::default());
            }
            let (frame, prepared) = &mut batch.frames[batch.len];
            if frame.data.capacity() > KEEP_CAPACITY {
                frame.data = Vec::new();
            }
            match source.next_frame(frame) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    result = Err(e);
                    break 'files;
                }
            }
            prepare(prepared, frame);
            bytes += frame.data.len();
            batch.len += 1;
            if batch.len == BATCH || bytes >= BATCH_BYTES {
                if full.send(batch).is_err() {
                    // The consumer stopped; nothing more is wanted.
                    return Ok(());
                }
                let Ok(next) = spare.recv() else { return Ok(()) };
                batch = next;
                batch.len = 0;
                bytes = 0;
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
        let r = for_each_frame(paths, &|n: &mut u32, f| *n = f.data.len() as u32, &mut |f, n| {
            assert_eq!(*n as usize, f.data.len(), "prepared with its own frame");
            got.push(u32::from_be_bytes(f.data[..4].try_into().unwrap()))
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
