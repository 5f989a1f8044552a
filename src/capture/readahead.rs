//! Reading capture files on a thread of their own.
//!
//! Parsing record headers and whatever per-frame work needs no state
//! (recognising and decoding frames, for the analyzer) is a good part of
//! what `analyze` does: with a second core the files are read ahead while
//! the calling thread consumes, in order, what that work made of them.
//! That crosses threads in batches which circulate, so nothing is
//! allocated per frame and memory stays bounded by the batches in flight.
//!
//! The less a batch holds per frame, the better: the analyzer's batches
//! once held a whole reading per frame (136 bytes), and writing those cost
//! the reading thread more than reading the frames. The frames themselves
//! stay in the reader's buffer.

use super::{file, Frame, FrameRef};
use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

/// Frames per batch: enough that the threads rarely wait for each other,
/// since each wait costs a wake-up of a few microseconds (a batch takes
/// more than a hundred), and few enough that a batch stays in the cores'
/// caches. 2,048 was slower; 32,768 no faster.
const BATCH: usize = 8192;
/// Batches in flight: one being filled, one being consumed, spares to
/// absorb uneven work.
const IN_FLIGHT: usize = 4;

/// What the reading thread makes of a batch of frames.
pub trait Batch: Default + Send {
    /// Empties the batch to be filled again, keeping its buffers.
    fn clear(&mut self);
}

/// Calls `each` on batches that `fill` made of every frame of `paths`, in
/// order, a frame at a time: the files are read, and `fill` runs, on a
/// second thread. Frames read before an error (a broken record, a missing
/// second file) are all consumed before the error is returned.
pub fn for_each_batch<B: Batch>(
    paths: &[PathBuf],
    fill: impl FnMut(&mut B, &FrameRef) + Send,
    each: &mut dyn FnMut(&B),
) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<B>(IN_FLIGHT);
        let (spare_tx, spare_rx) = channel::<B>();
        for _ in 0..IN_FLIGHT {
            // The receiver is alive: it is ours, below.
            let _ = spare_tx.send(B::default());
        }
        let reader = scope.spawn(move || read(paths, fill, full_tx, spare_rx));
        for batch in &full_rx {
            each(&batch);
            // Fails only once the reader is done; its last batches are still queued.
            let _ = spare_tx.send(batch);
        }
        reader.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the reading thread failed")))
    })
}

/// Fills spare batches from the files and sends them on, a partial batch
/// first when reading fails.
fn read<B: Batch>(
    paths: &[PathBuf],
    mut fill: impl FnMut(&mut B, &FrameRef),
    full: SyncSender<B>,
    spare: Receiver<B>,
) -> anyhow::Result<()> {
    let Ok(mut batch) = spare.recv() else { return Ok(()) };
    let mut frames = 0;
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
            let mut one = |frame: &FrameRef| {
                fill(&mut batch, frame);
                frames += 1;
                frames < BATCH
            };
            let filled = match source.as_pcap() {
                Some(pcap) => pcap.each_ref_with(&mut scratch, &mut one),
                None => source.each_ref(&mut scratch, &mut one),
            };
            match filled {
                Ok(true) => {
                    // Either fails only once the consumer stopped.
                    let Ok(()) = full.send(batch) else { return Ok(()) };
                    let Ok(next) = spare.recv() else { return Ok(()) };
                    batch = next;
                    batch.clear();
                    frames = 0;
                }
                Ok(false) => break,
                Err(e) => {
                    result = Err(e);
                    break 'files;
                }
            }
        }
    }
    if frames > 0 {
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

    /// Frames as a test keeps them: whatever it read of each.
    struct Kept<T>(Vec<T>);

    impl<T> Default for Kept<T> {
        fn default() -> Self {
            Kept(Vec::new())
        }
    }

    impl<T: Send> Batch for Kept<T> {
        fn clear(&mut self) {
            self.0.clear();
        }
    }

    /// What `read` made of each frame of `paths`, in the order consumed.
    fn through<T: Clone + Send>(paths: &[PathBuf], read: impl Fn(&FrameRef) -> T + Send + Sync) -> (Vec<T>, anyhow::Result<()>) {
        let mut got = Vec::new();
        let r = for_each_batch(paths, |b: &mut Kept<T>, f: &FrameRef| b.0.push(read(f)), &mut |b: &Kept<T>| got.extend_from_slice(&b.0));
        (got, r)
    }

    fn seen(paths: &[PathBuf]) -> (Vec<u32>, anyhow::Result<()>) {
        through(paths, |f| u32::from_be_bytes(f.data[..4].try_into().unwrap()))
    }

    /// Every frame's header and bytes, as `for_each_batch` hands them out.
    fn through_readahead(path: &std::path::Path) -> Vec<(super::super::Timestamp, u32, u32, Vec<u8>)> {
        let (got, r) = through(&[path.to_path_buf()], |f| (f.ts, f.orig_len, f.interface, f.data.to_vec()));
        r.unwrap();
        got
    }

    #[test]
    fn frames_are_what_the_readers_read() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for name in ["two-interfaces.pcapng", "vlan-qinq.pcap", "big-endian.pcap", "nanoseconds.pcap"] {
            let path = root.join(name);
            let mut src = file::open(&path).unwrap();
            let (mut f, mut want) = (Frame::default(), Vec::new());
            while src.next_frame(&mut f).unwrap() {
                want.push((f.ts, f.orig_len, f.interface, f.data.clone()));
            }
            assert!(!want.is_empty(), "{name}");
            assert_eq!(through_readahead(&path), want, "{name}");
        }
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
