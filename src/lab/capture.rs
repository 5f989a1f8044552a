//! The LAN capture: a thread that reads every frame crossing the bridge
//! (promiscuous AF_PACKET socket on it, inside the bridge's namespace) until
//! it is told to stop, up to a frame limit and a time limit.

use anyhow::anyhow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::capture::live::PacketSocket;
use crate::capture::Frame;

/// How often the capture thread looks at its stop flag.
const POLL: Duration = Duration::from_millis(50);

/// Bounds of one capture.
#[derive(Debug, Clone, Copy)]
pub struct CaptureLimits {
    pub max_frames: usize,
    pub max_duration: Duration,
}

impl Default for CaptureLimits {
    fn default() -> Self {
        CaptureLimits { max_frames: 100_000, max_duration: Duration::from_secs(600) }
    }
}

pub struct Capture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<anyhow::Result<Vec<Frame>>>>,
}

impl Capture {
    /// Starts reading `socket` on a thread of its own.
    pub fn start(mut socket: PacketSocket, limits: CaptureLimits) -> Capture {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut frames = Vec::new();
            let mut frame = Frame::default();
            while !flag.load(Ordering::Relaxed)
                && frames.len() < limits.max_frames
                && started.elapsed() < limits.max_duration
            {
                if socket.recv(&mut frame)? {
                    frames.push(frame.clone());
                }
            }
            Ok(frames)
        });
        Capture { stop, thread: Some(thread) }
    }

    /// Stops the capture and returns its frames in arrival order. Frames
    /// already queued on the socket when this is called may be left out.
    pub fn finish(mut self) -> anyhow::Result<Vec<Frame>> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| anyhow!("the capture thread panicked"))?,
            None => Ok(Vec::new()),
        }
    }

    /// The read timeout the capture's socket should use.
    pub fn poll_interval() -> Duration {
        POLL
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
