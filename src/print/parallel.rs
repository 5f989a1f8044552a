//! Printing a stream of frames, on one thread or on several.
//!
//! Formatting a packet costs far more than reading it, so with spare cores
//! the frames are read (and filtered, numbered, written with `-w`) in order
//! on the calling thread, handed out in batches to workers that each own a
//! printer, and the formatted batches are written in their original order.
//! The batches and their buffers circulate, so nothing is allocated per
//! packet and memory stays bounded by the number of batches in flight.

use super::{FrameView, Numbers, Printer};
use crate::capture::Frame;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// Frames per batch: enough to make hand-offs rare, small enough to keep
/// every worker busy on short captures.
const BATCH: usize = 2048;
/// A batch is also closed once its frames hold this many bytes.
const BATCH_BYTES: usize = 1 << 20;
/// Buffers that grew past this for an unusually large frame or dump are
/// released rather than kept for reuse, so memory stays bounded.
const KEEP_CAPACITY: usize = 64 << 10;
/// Output is written once this much has accumulated.
const FLUSH_AT: usize = 256 * 1024;

/// Makes one printer per worker.
pub type PrinterFactory<'a> = dyn Fn() -> Box<dyn Printer + Send> + Sync + 'a;

/// Prints every frame `next` yields (with its number in its file; `None`
/// at the end) to `out`, numbering them from 1 as printed. With `workers` > 1 the frames are
/// formatted on that many threads; the printers must then print each frame
/// independently of the others. Frames yielded before an error of `next`
/// are printed before the error is returned.
pub fn print_frames(
    workers: usize,
    make: &PrinterFactory<'_>,
    next: &mut dyn FnMut(&mut Frame) -> anyhow::Result<Option<u64>>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    if workers <= 1 {
        return sequential(make(), next, out, FLUSH_AT);
    }
    let sink: &mut (dyn Write + Send) = &mut *out;
    std::thread::scope(|scope| {
        let (work_tx, work_rx) = sync_channel::<Batch>(workers);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = channel::<Batch>();
        let (spare_tx, spare_rx) = channel::<Batch>();
        for _ in 0..workers {
            let (rx, tx) = (Arc::clone(&work_rx), done_tx.clone());
            scope.spawn(move || worker(make(), &rx, &tx));
        }
        // Only the workers and the feeder may keep these channels open.
        drop(work_rx);
        let writer = scope.spawn(move || write_in_order(&done_rx, &spare_tx, sink));
        // Two batches per worker keep everyone busy and bound the memory.
        let out = Outlets { work: &work_tx, done: done_tx, ordered: None };
        let read = feed(next, make, out, &spare_rx, 2 * workers + 2);
        drop(work_tx);
        let written = writer.join().unwrap_or_else(|_| Err(anyhow::anyhow!("output thread failed")));
        // An output error (a closed pipe) is what stopped the reading.
        written.and(read)
    })?;
    let mut tail = Vec::new();
    make().finish(&mut tail);
    out.write_all(&tail)?;
    out.flush()?;
    Ok(())
}

struct Batch {
    seq: u64,
    first_number: u64,
    frames: Vec<Frame>,
    /// Each frame's number in its file.
    in_file: Vec<u64>,
    len: usize,
    out: Vec<u8>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            seq: 0,
            first_number: 0,
            frames: (0..BATCH).map(|_| Frame::default()).collect(),
            in_file: vec![0; BATCH],
            len: 0,
            out: Vec::new(),
        }
    }
}

/// Where the feeder sends a batch: to the workers, or, once a frame needs
/// the frames before it ([`Printer::needs_order`]), through the feeder's
/// own printer straight to the writer.
struct Outlets<'a> {
    work: &'a std::sync::mpsc::SyncSender<Batch>,
    done: Sender<Batch>,
    ordered: Option<Box<dyn Printer + Send>>,
}

impl Outlets<'_> {
    fn send(&mut self, mut batch: Batch, make: &PrinterFactory<'_>, probe: &dyn Printer) -> Result<(), ()> {
        if self.ordered.is_none() && batch.frames[..batch.len].iter().any(|f| probe.needs_order(f)) {
            self.ordered = Some(make());
        }
        match &mut self.ordered {
            Some(printer) => {
                print_batch(printer.as_mut(), &mut batch);
                self.done.send(batch).map_err(drop)
            }
            None => self.work.send(batch).map_err(drop),
        }
    }
}

/// Reads frames into batches (at most `max_batches` of them exist) and
/// hands them on.
fn feed(
    next: &mut dyn FnMut(&mut Frame) -> anyhow::Result<Option<u64>>,
    make: &PrinterFactory<'_>,
    mut out: Outlets<'_>,
    spare: &Receiver<Batch>,
    max_batches: usize,
) -> anyhow::Result<()> {
    let probe = make();
    let mut number = 1;
    let mut made = 0;
    for seq in 0.. {
        let mut batch = match spare.try_recv() {
            Ok(b) => b,
            Err(_) if made < max_batches => {
                made += 1;
                Batch::new()
            }
            Err(_) => match spare.recv() {
                Ok(b) => b,
                Err(_) => return Ok(()),
            },
        };
        batch.seq = seq;
        batch.first_number = number;
        batch.len = 0;
        let mut bytes = 0;
        let mut result = Ok(Some(0));
        while batch.len < BATCH && bytes < BATCH_BYTES {
            let frame = &mut batch.frames[batch.len];
            if frame.data.capacity() > KEEP_CAPACITY {
                frame.data = Vec::new();
            }
            result = next(frame);
            match result {
                Ok(Some(n)) => {
                    bytes += frame.data.len();
                    batch.in_file[batch.len] = n;
                    batch.len += 1;
                }
                _ => break,
            }
        }
        number += batch.len as u64;
        let last = !matches!(result, Ok(Some(_)));
        if out.send(batch, make, probe.as_ref()).is_err() {
            // The writer stopped (its error is reported instead).
            return Ok(());
        }
        if last {
            return result.map(|_| ());
        }
    }
    Ok(())
}

fn worker(mut printer: Box<dyn Printer + Send>, work: &Mutex<Receiver<Batch>>, done: &Sender<Batch>) {
    loop {
        let batch = {
            let Ok(rx) = work.lock() else { return };
            rx.recv()
        };
        let Ok(mut batch) = batch else { return };
        print_batch(printer.as_mut(), &mut batch);
        if done.send(batch).is_err() {
            return;
        }
    }
}

fn print_batch(printer: &mut dyn Printer, batch: &mut Batch) {
    batch.out.clear();
    for (i, frame) in batch.frames[..batch.len].iter().enumerate() {
        let n = Numbers { printed: batch.first_number + i as u64, in_file: batch.in_file[i] };
        printer.print(n, &FrameView::new(frame), &mut batch.out);
    }
}

fn write_in_order(done: &Receiver<Batch>, spare: &Sender<Batch>, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    let mut pending = BTreeMap::new();
    let mut next_seq = 0;
    for batch in done {
        pending.insert(batch.seq, batch);
        while let Some(mut batch) = pending.remove(&next_seq) {
            out.write_all(&batch.out)?;
            next_seq += 1;
            if batch.out.capacity() > 16 * KEEP_CAPACITY {
                batch.out = Vec::new();
            }
            let _ = spare.send(batch);
        }
    }
    Ok(())
}

/// As [`print_frames`] on one thread, writing each frame's output as soon
/// as it is printed: for live captures, where frames trickle in.
pub fn print_each(
    make: &PrinterFactory<'_>,
    next: &mut dyn FnMut(&mut Frame) -> anyhow::Result<Option<u64>>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    sequential(make(), next, out, 0)
}

fn sequential(
    mut printer: Box<dyn Printer + Send>,
    next: &mut dyn FnMut(&mut Frame) -> anyhow::Result<Option<u64>>,
    out: &mut (dyn Write + Send),
    flush_at: usize,
) -> anyhow::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_AT + 64 * 1024);
    let mut frame = Frame::default();
    let mut printed = 0;
    let result = loop {
        let in_file = match next(&mut frame) {
            Ok(Some(n)) => n,
            other => break other.map(|_| ()),
        };
        printed += 1;
        printer.print(Numbers { printed, in_file }, &FrameView::new(&frame), &mut buf);
        if buf.len() >= flush_at.max(1) {
            out.write_all(&buf)?;
            if flush_at == 0 {
                out.flush()?;
            }
            buf.clear();
        }
    };
    printer.finish(&mut buf);
    out.write_all(&buf)?;
    out.flush()?;
    result
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::Timestamp;

    /// Prints each frame's number, first byte and length.
    struct Echo;

    impl Printer for Echo {
        fn print(&mut self, n: Numbers, view: &FrameView<'_>, out: &mut Vec<u8>) {
            assert_eq!(n.in_file, 10 * n.printed);
            out.extend_from_slice(
                format!("{} {} {}\n", n.printed, view.frame.data[0], view.frame.data.len()).as_bytes(),
            );
        }
        fn finish(&mut self, out: &mut Vec<u8>) {
            out.extend_from_slice(b"end\n");
        }
    }

    fn run(workers: usize, n: usize, fail_at: Option<usize>) -> (String, Option<String>) {
        let mut i = 0;
        let mut next = |f: &mut Frame| -> anyhow::Result<Option<u64>> {
            if Some(i) == fail_at {
                anyhow::bail!("broken at {i}");
            }
            if i == n {
                return Ok(None);
            }
            // Every 1000th frame is large, to cross the batch byte limit.
            let len = if i % 1000 == 999 { 300_000 } else { 1 + i % 7 };
            f.data.clear();
            f.data.resize(len, (i % 251) as u8);
            f.ts = Timestamp::new(i as i64, 0);
            i += 1;
            Ok(Some(10 * i as u64))
        };
        let mut out = Vec::new();
        let make = || Box::new(Echo) as Box<dyn Printer + Send>;
        let r = print_frames(workers, &make, &mut next, &mut out);
        (String::from_utf8(out).unwrap(), r.err().map(|e| e.to_string()))
    }

    #[test]
    fn parallel_output_is_in_order_and_complete() {
        let (one, err) = run(1, 10_000, None);
        assert_eq!(err, None);
        assert_eq!(one.lines().count(), 10_001);
        assert!(one.starts_with("1 0 1\n2 1 2\n"));
        for workers in [2, 3, 4] {
            assert_eq!(run(workers, 10_000, None).0, one);
        }
        assert_eq!(run(3, 0, None).0, "end\n");
    }

    #[test]
    fn frames_before_an_error_are_printed() {
        let (out, err) = run(3, 10_000, Some(5_000));
        assert_eq!(err.as_deref(), Some("broken at 5000"));
        assert_eq!(out.lines().count(), 5_000);
        assert!(out.ends_with(&format!("5000 {} 300000\n", 4999 % 251)));
    }

    /// Numbers the frames whose first byte is 0 (from frame 2000 on) in
    /// order: state carried across frames, as relative TCP numbers are.
    #[derive(Default)]
    struct Counting(u64);

    impl Printer for Counting {
        fn print(&mut self, n: Numbers, view: &FrameView<'_>, out: &mut Vec<u8>) {
            if self.needs_order(view.frame) {
                self.0 += 1;
                out.extend_from_slice(format!("{} stateful {}\n", n.printed, self.0).as_bytes());
            } else {
                out.extend_from_slice(format!("{}\n", n.printed).as_bytes());
            }
        }
        fn needs_order(&self, frame: &Frame) -> bool {
            frame.data[0] == 0 && frame.ts.secs >= 2000
        }
    }

    #[test]
    fn frames_that_need_order_are_printed_in_order_by_one_printer() {
        let print = |workers| {
            let mut i = 0;
            let mut next = |f: &mut Frame| -> anyhow::Result<Option<u64>> {
                i += 1;
                f.data.clear();
                f.data.push((i % 7) as u8);
                f.ts = Timestamp::new(i as i64, 0);
                Ok((i <= 20_000).then_some(i as u64))
            };
            let make = || Box::new(Counting::default()) as Box<dyn Printer + Send>;
            let mut out = Vec::new();
            print_frames(workers, &make, &mut next, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let one = print(1);
        assert!(one.contains("\n2002 stateful 1\n") && one.contains("\n19999 stateful 2572\n"), "{}", &one[..100]);
        assert_eq!(print(3), one);
    }

    /// A writer that fails like a closed pipe after some bytes.
    struct ClosedPipe(usize);

    impl Write for ClosedPipe {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 < buf.len() {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_output_stops_everything() {
        let mut i = 0u64;
        let mut next = |f: &mut Frame| -> anyhow::Result<Option<u64>> {
            i += 1;
            f.data.clear();
            f.data.push(1);
            Ok((i < 10_000_000).then_some(10 * i))
        };
        let make = || Box::new(Echo) as Box<dyn Printer + Send>;
        let e = print_frames(3, &make, &mut next, &mut ClosedPipe(100)).unwrap_err();
        assert!(e.to_string().contains("pipe"), "{e}");
        assert!(i < 1_000_000, "kept reading after the output closed: {i}");
    }
}
