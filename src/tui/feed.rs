//! Where the UI's frames come from. A capture file is read in slices so the
//! screen comes up at once and stays responsive while a large file loads; a
//! blocking source (a live interface) is read on a thread of its own; the
//! simulator makes frames as the replay clock moves.

use super::store::Frames;
use crate::capture::{Frame, Source};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};

/// Frames read from a file per UI tick: about 10 ms of work.
const FILE_SLICE: usize = 100_000;

/// A producer of frames for the UI.
pub trait Feed {
    /// Adds the frames that are ready to `store`; a clocked feed makes
    /// those up to capture time `until` (µs). Returns how many were added.
    fn pull(&mut self, until: i64, store: &mut Frames) -> anyhow::Result<usize>;

    /// Whether no more frames will come.
    fn finished(&self) -> bool;

    /// Whether frames are made as the replay clock moves (the simulator),
    /// rather than arriving on their own.
    fn clocked(&self) -> bool {
        false
    }

    /// Whether frames keep coming for as long as the UI runs (a live
    /// interface, a simulation): the analysis is then redone as they come,
    /// rather than once when the input ends.
    fn endless(&self) -> bool {
        false
    }

    /// The capture time (µs) a clocked feed starts at.
    fn origin(&self) -> Option<i64> {
        None
    }

    /// Makes frames until at least one more is in `store` (a clocked feed
    /// stepping one packet forward); false if none came.
    fn step_one(&mut self, _store: &mut Frames) -> anyhow::Result<bool> {
        Ok(false)
    }

    /// Where a clocked feed's scenario ends (capture µs): the replay
    /// pauses there once.
    fn end(&self) -> Option<i64> {
        None
    }

    /// The instances' state changes so far, when the source knows them.
    fn states(&self) -> Vec<super::bands::Known> {
        vec![]
    }

    /// What the status bar calls this input.
    fn label(&self) -> String;

    /// The fault controls, when this feed is a simulation.
    fn faults(&mut self) -> Option<&mut dyn Faults> {
        None
    }
}

/// A fault injected from the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Stop,
    Crash,
    Start,
    /// Blocks inbound VRRP, or unblocks it when already blocked.
    ToggleBlockVrrp,
}

/// What a simulation lets the keyboard do.
pub trait Faults {
    /// The node that owns router address `addr`, if any.
    fn node_of(&self, addr: std::net::IpAddr) -> Option<String>;
    /// Applies `fault` to `node` now; returns what was done, for the status bar.
    fn inject(&mut self, node: &str, fault: Fault) -> anyhow::Result<String>;
}

/// A capture file, read a slice at a time.
pub struct FileFeed {
    path: PathBuf,
    source: Box<dyn Source>,
    frame: Frame,
    done: bool,
}

impl FileFeed {
    pub fn open(path: &Path) -> anyhow::Result<FileFeed> {
        Ok(FileFeed { path: path.to_path_buf(), source: crate::capture::open(path)?, frame: Frame::default(), done: false })
    }
}

impl Feed for FileFeed {
    fn pull(&mut self, _until: i64, store: &mut Frames) -> anyhow::Result<usize> {
        let mut n = 0;
        while !self.done && n < FILE_SLICE {
            match self.source.next_frame(&mut self.frame) {
                Ok(true) => {
                    store.push(&self.frame);
                    n += 1;
                }
                Ok(false) => self.done = true,
                Err(e) => {
                    // The frames before the damage stay, as tcpdump prints them.
                    self.done = true;
                    return Err(e);
                }
            }
        }
        Ok(n)
    }

    fn finished(&self) -> bool {
        self.done
    }

    fn label(&self) -> String {
        self.path.display().to_string()
    }
}

/// How many frames may wait between the reading thread and the UI.
const QUEUE: usize = 16_384;

/// Frames read per tick from the thread's queue.
const THREAD_SLICE: usize = 50_000;

enum Msg {
    Frame(Frame),
    End,
    Error(anyhow::Error),
}

/// A blocking source (a live interface) read on its own thread. The thread
/// ends with its source, or at its next frame once the feed is dropped.
pub struct ThreadFeed {
    label: String,
    rx: Receiver<Msg>,
    done: bool,
}

impl ThreadFeed {
    pub fn spawn(label: String, mut source: Box<dyn Source + Send>) -> ThreadFeed {
        let (tx, rx): (SyncSender<Msg>, Receiver<Msg>) = mpsc::sync_channel(QUEUE);
        std::thread::spawn(move || loop {
            let mut f = Frame::default();
            let msg = match source.next_frame(&mut f) {
                Ok(true) => Msg::Frame(f),
                Ok(false) => Msg::End,
                Err(e) => Msg::Error(e),
            };
            let last = !matches!(msg, Msg::Frame(_));
            if tx.send(msg).is_err() || last {
                return;
            }
        });
        ThreadFeed { label, rx, done: false }
    }
}

impl Feed for ThreadFeed {
    fn pull(&mut self, _until: i64, store: &mut Frames) -> anyhow::Result<usize> {
        let mut n = 0;
        while !self.done && n < THREAD_SLICE {
            match self.rx.try_recv() {
                Ok(Msg::Frame(f)) => {
                    store.push(&f);
                    n += 1;
                }
                Ok(Msg::End) | Err(TryRecvError::Disconnected) => self.done = true,
                Ok(Msg::Error(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        Ok(n)
    }

    fn finished(&self) -> bool {
        self.done
    }

    fn endless(&self) -> bool {
        !self.done
    }

    fn label(&self) -> String {
        self.label.clone()
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::analyze::testutil::every_second;
    use crate::capture::writer::PcapWriter;
    use crate::capture::LinkType;

    fn pcap(dir: &Path, frames: &[Frame]) -> PathBuf {
        let path = dir.join("t.pcap");
        let mut w = PcapWriter::new(std::fs::File::create(&path).unwrap(), LinkType::Ethernet, 65535, false).unwrap();
        for f in frames {
            w.write_frame(f).unwrap();
        }
        path
    }

    #[test]
    fn a_file_loads_completely_and_errors_keep_the_frames_before() {
        let dir = tempfile::tempdir().unwrap();
        let frames = every_second(1, 100, 0, 5_000_000);
        let path = pcap(dir.path(), &frames);
        let mut feed = FileFeed::open(&path).unwrap();
        let mut store = Frames::new();
        assert_eq!(feed.pull(0, &mut store).unwrap(), 5);
        assert!(feed.finished());
        assert_eq!(store.frame(4), frames[4]);
        // Cut the file in the middle of the last record.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
        let mut feed = FileFeed::open(&path).unwrap();
        let mut store = Frames::new();
        let err = feed.pull(0, &mut store).unwrap_err().to_string();
        assert!(err.contains("t.pcap"), "{err}");
        assert_eq!(store.len(), 4);
        assert!(feed.finished());
    }

    /// Frames from memory; `Send` like a live socket reader.
    struct VecSource(std::vec::IntoIter<Frame>);

    impl Source for VecSource {
        fn next_frame(&mut self, frame: &mut Frame) -> anyhow::Result<bool> {
            match self.0.next() {
                Some(f) => {
                    *frame = f;
                    Ok(true)
                }
                None => Ok(false),
            }
        }
    }

    #[test]
    fn a_threaded_source_delivers_every_frame_then_ends() {
        let frames = every_second(2, 90, 0, 3_000_000);
        let mut feed = ThreadFeed::spawn("test".into(), Box::new(VecSource(frames.clone().into_iter())));
        let mut store = Frames::new();
        // Bounded: the thread needs microseconds for three frames.
        for _ in 0..10_000 {
            feed.pull(0, &mut store).unwrap();
            if feed.finished() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(feed.finished());
        assert_eq!(store.len(), 3);
        assert_eq!(store.frame(2), frames[2]);
    }
}
