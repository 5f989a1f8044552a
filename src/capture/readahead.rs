//! Reading capture files on a thread of their own.
//!
//! Parsing record headers and whatever per-frame work needs no state
//! (decoding, for the analyzer) is a good part of what `analyze` does:
//! with a second core the files are read ahead while the calling thread
//! consumes, in order, what that work made of each frame. Those values
//! cross threads in batches; the frames themselves are borrowed from the
//! reader's buffer, not copied. Batches circulate, so nothing is allocated per frame and memory
//! stays bounded by the batches in flight.
//!
//! Which thread has more to do depends on the capture, so the work is
//! balanced as it goes: when the consuming thread has at most one batch
//! queued, the reading thread sends it the next batch's frames instead,
//! copied, and it prepares them itself.

use super::{file, Frame, FrameRef, LinkType, Timestamp};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

/// Frames per batch: enough that the threads rarely wait for each other,
/// since each wait costs a wake-up of a few microseconds (a batch takes a
/// few hundred), and few enough that a batch stays in the cores' caches.
const BATCH: usize = 2048;
/// A batch of copied frames is also closed once it holds this many bytes.
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight: one being read, one being consumed, spares to absorb
/// uneven work.
const IN_FLIGHT: usize = 4;
/// The consuming thread is about to run dry when no more than this many
/// batches wait for it: the next batch goes to it unprepared.
const STARVED: usize = 1;

#[derive(Default)]
struct Batch<T> {
    /// What `prepare` made of each frame, on the reading thread,
    items: Vec<T>,
    len: usize,
    /// or the frames themselves, for the consuming thread to prepare.
    copies: Copies,
}

/// Frames copied end to end, each with its header and where it ends.
#[derive(Default)]
struct Copies {
    bytes: Vec<u8>,
    frames: Vec<(Timestamp, u32, LinkType, u32, usize)>,
}

impl Copies {
    fn push(&mut self, f: &FrameRef) {
        self.bytes.extend_from_slice(f.data);
        self.frames.push((f.ts, f.orig_len, f.linktype, f.interface, self.bytes.len()));
    }

    fn each(&self, mut f: impl FnMut(&FrameRef)) {
        let mut start = 0;
        for &(ts, orig_len, linktype, interface, end) in &self.frames {
            f(&FrameRef { ts, orig_len, linktype, interface, data: &self.bytes[start..end] });
            start = end;
        }
    }

    fn clear(&mut self) {
        self.frames.clear();
        self.bytes.clear();
        // A batch of jumbo frames does not keep its memory.
        self.bytes.shrink_to(2 * BATCH_BYTES);
    }
}

/// Calls `each` on what `prepare` made of every frame of `paths`, in
/// order. The files are read on a second thread, and `prepare` runs there
/// too, but for the batches handed over unprepared: each thread has its
/// own clone of `prepare`, and so of whatever it keeps from frame to
/// frame. Frames read before an error (a broken record, a missing second
/// file) are all consumed before the error is returned.
pub fn for_each_frame<T: Default + Send, P: FnMut(&mut T, &FrameRef) + Clone + Send>(
    paths: &[PathBuf],
    prepare: P,
    each: &mut dyn FnMut(&T),
) -> anyhow::Result<()> {
    let waiting = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<Batch<T>>(IN_FLIGHT);
        let (spare_tx, spare_rx) = channel::<Batch<T>>();
        for _ in 0..IN_FLIGHT {
            // The receiver is alive: it is ours, below.
            let _ = spare_tx.send(Batch::default());
        }
        let queue = Queue { full: full_tx, spare: spare_rx, waiting: &waiting };
        let mut prepare_here = prepare.clone();
        let reader = scope.spawn(move || read(paths, prepare, &queue));
        let mut mine = T::default();
        for batch in &full_rx {
            waiting.fetch_sub(1, Ordering::Relaxed);
            batch.items[..batch.len].iter().for_each(&mut *each);
            batch.copies.each(|f| {
                prepare_here(&mut mine, f);
                each(&mine);
            });
            // Fails only once the reader is done; its last batches are still queued.
            let _ = spare_tx.send(batch);
        }
        reader.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the reading thread failed")))
    })
}

/// The reading thread's ends of the hand-off.
struct Queue<'a, T> {
    full: SyncSender<Batch<T>>,
    spare: Receiver<Batch<T>>,
    /// Batches sent and not yet taken.
    waiting: &'a AtomicUsize,
}

impl<T> Queue<'_, T> {
    /// Sends `batch` on and returns an empty one, or `None` once the
    /// consumer stopped.
    fn pass(&self, batch: Batch<T>) -> Option<Batch<T>> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        self.full.send(batch).ok()?;
        let mut next = self.spare.recv().ok()?;
        next.len = 0;
        next.copies.clear();
        Some(next)
    }

    fn starved(&self) -> bool {
        self.waiting.load(Ordering::Relaxed) <= STARVED
    }
}

/// Fills spare batches from the files and sends them on, a partial batch
/// first when reading fails.
fn read<T: Default>(
    paths: &[PathBuf],
    mut prepare: impl FnMut(&mut T, &FrameRef),
    queue: &Queue<T>,
) -> anyhow::Result<()> {
    let Ok(mut batch) = queue.spare.recv() else { return Ok(()) };
    let mut copy = queue.starved();
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
            let filled = source.each_ref(&mut scratch, &mut |frame| {
                if copy {
                    batch.copies.push(frame);
                } else {
                    if batch.len == batch.items.len() {
                        batch.items.push(T::default());
                    }
                    prepare(&mut batch.items[batch.len], frame);
                    batch.len += 1;
                }
                batch.len + batch.copies.frames.len() < BATCH && batch.copies.bytes.len() < BATCH_BYTES
            });
            match filled {
                Ok(true) => {
                    let Some(next) = queue.pass(batch) else { return Ok(()) };
                    batch = next;
                    copy = queue.starved();
                }
                Ok(false) => break,
                Err(e) => {
                    result = Err(e);
                    break 'files;
                }
            }
        }
    }
    if batch.len + batch.copies.frames.len() > 0 {
        queue.waiting.fetch_add(1, Ordering::Relaxed);
        let _ = queue.full.send(batch);
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
        let r = for_each_frame(paths, |n: &mut u32, f: &FrameRef| *n = u32::from_be_bytes(f.data[..4].try_into().unwrap()), &mut |n| {
            got.push(*n)
        });
        (got, r)
    }

    /// Every frame's header and bytes, as `for_each_frame` hands them out.
    fn through_readahead(path: &std::path::Path) -> Vec<(Timestamp, u32, u32, Vec<u8>)> {
        let mut got = Vec::new();
        let prepare = |t: &mut (Timestamp, u32, u32, Vec<u8>), f: &FrameRef| *t = (f.ts, f.orig_len, f.interface, f.data.to_vec());
        for_each_frame(&[path.to_path_buf()], prepare, &mut |t| got.push(t.clone())).unwrap();
        got
    }

    #[test]
    fn copies_give_back_each_frame_whole_and_release_a_jumbo_buffer() {
        let frames: Vec<Vec<u8>> = vec![vec![1; 60], vec![], vec![2; 4 * BATCH_BYTES], vec![3; 42]];
        let mut copies = Copies::default();
        for (i, data) in frames.iter().enumerate() {
            let ts = Timestamp::new(i as i64, 7);
            copies.push(&FrameRef { ts, orig_len: 1500, linktype: LinkType::Raw, interface: i as u32, data });
        }
        let mut got = Vec::new();
        copies.each(|f| got.push((f.ts.secs, f.orig_len, f.linktype, f.interface, f.data.to_vec())));
        let want: Vec<_> = frames.iter().enumerate().map(|(i, d)| (i as i64, 1500, LinkType::Raw, i as u32, d.clone())).collect();
        assert_eq!(got, want);
        copies.clear();
        assert!(copies.frames.is_empty() && copies.bytes.is_empty());
        assert!(copies.bytes.capacity() <= 2 * BATCH_BYTES);
    }

    #[test]
    fn frames_are_what_the_readers_read_lent_or_copied() {
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
