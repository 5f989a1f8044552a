//! HTTP on the lab's kernels: the real servers' web server and the
//! clients' requests (the seed article's nginx and curl). Each runs on a
//! thread of its own that entered the node's namespace and uses the node
//! kernel's TCP through std's `TcpListener` and `TcpStream`, so what the
//! capture shows of a connection is what Linux does (a DR real server
//! answering from the VIP on its lo, a SYN retransmitted). The bytes are
//! the engine's (`engine::lvs`): a lab capture and a simulated one read
//! alike, and the client logs its requests as the simulator's does.
//!
//! Everything is bounded: requests in count, each read and write in time,
//! the server's life in time and in connections served.

use anyhow::{anyhow, Context};
use nix::poll::{ppoll, PollFd, PollFlags};
use nix::sys::time::TimeSpec;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::log::LogBook;
use super::netns::Netns;
use super::run::MAX_DURATION;
use crate::engine::lvs::client::{http_request, Outcome};
use crate::engine::lvs::responder::{body_for, http_response};
use crate::scenario::model::Requests;

/// Connect, read and write timeouts of one request (curl's would be longer;
/// a lab run is short).
const IO_TIMEOUT: Duration = Duration::from_secs(3);
/// How often a waiting thread looks at its stop flag.
const TICK: Duration = Duration::from_millis(50);
/// A server lives at most this long, and serves at most this many.
const MAX_LIFETIME: Duration = MAX_DURATION.saturating_add(Duration::from_secs(60));
const MAX_SERVED: u64 = 100_000;
/// Connections accepted per wake-up at most.
const MAX_BURST: usize = 64;
/// The most a client sends.
pub const MAX_REQUESTS: u32 = 10_000;
/// Bytes read of a request (headers only) and of a response.
const MAX_REQUEST_BYTES: usize = 8 * 1024;
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

/// A web server or client thread of a node.
pub struct App {
    node: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl App {
    /// Starts the node's web server on `ports` (all addresses, so a DR real
    /// server answers for the VIP on its lo); returns once it listens.
    pub fn serve(node: &str, netns: &Netns, ports: &[u16], log: &LogBook) -> anyhow::Result<App> {
        let (ready, listening) = mpsc::sync_channel(1);
        let (ns, ports, log, name) = (netns.clone(), ports.to_vec(), log.clone(), node.to_string());
        App::spawn(node, "web", move |stop| {
            let bound = ns.enter_current_thread().and_then(|()| listen(&ports));
            let listeners = match bound {
                Ok(l) => {
                    let _ = ready.send(Ok(()));
                    l
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            if let Err(e) = serve(&name, &listeners, &stop, &log) {
                log.push(&name, format!("web: stopped: {e:#}"));
            }
        })
        .and_then(|app| match listening.recv_timeout(Duration::from_secs(5)) {
            Ok(Ok(())) => Ok(app),
            Ok(Err(e)) => Err(e.context(format!("{node}: starting the web server"))),
            Err(_) => Err(anyhow!("{node}: the web server did not start")),
        })
    }

    /// Starts the node's client: `requests.count` requests, the first at
    /// `requests.start_us` after `t0`, one every `interval_us`.
    pub fn fetch(node: &str, netns: &Netns, requests: Requests, t0: Instant, log: &LogBook) -> anyhow::Result<App> {
        let std::net::IpAddr::V4(ip) = requests.to.ip() else {
            anyhow::bail!("{node}: the lab's client fetches from IPv4 addresses only");
        };
        let target = SocketAddrV4::new(ip, requests.to.port());
        let (ns, log, name) = (netns.clone(), log.clone(), node.to_string());
        App::spawn(node, "curl", move |stop| {
            if let Err(e) = ns.enter_current_thread() {
                log.push(&name, format!("curl: {e:#}"));
                return;
            }
            for i in 0..requests.count.min(MAX_REQUESTS) {
                let at = t0 + Duration::from_micros(requests.start_us + u64::from(i) * requests.interval_us);
                if !wait_until(at, &stop) {
                    return;
                }
                let said = match fetch(target) {
                    Ok((Some(from), outcome)) => format!("request {} from {from}: {}", i + 1, outcome.curl_says((*target.ip(), target.port()))),
                    Ok((None, outcome)) => format!("request {}: {}", i + 1, outcome.curl_says((*target.ip(), target.port()))),
                    Err(e) => format!("request {}: curl: {e}", i + 1),
                };
                log.push(&name, format!("curl: {said}"));
            }
        })
    }

    fn spawn(node: &str, what: &str, body: impl FnOnce(Arc<AtomicBool>) + Send + 'static) -> anyhow::Result<App> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("lab-{node}-{what}"))
            .spawn(move || body(flag))
            .with_context(|| format!("{node}: starting a {what} thread"))?;
        Ok(App { node: node.to_string(), stop, thread: Some(thread) })
    }

    /// Stops the thread and waits for it (at most one request's timeouts).
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| anyhow!("{}: an HTTP thread panicked", self.node)),
            None => Ok(()),
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Sleeps until `at`, looking at the stop flag and at SIGINT/SIGTERM; false
/// if told to stop.
fn wait_until(at: Instant, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::Relaxed) || crate::interrupt::interrupted() {
            return false;
        }
        let now = Instant::now();
        if now >= at {
            return true;
        }
        std::thread::sleep((at - now).min(TICK));
    }
}

fn listen(ports: &[u16]) -> anyhow::Result<Vec<TcpListener>> {
    ports
        .iter()
        .map(|&p| {
            let l = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, p)).with_context(|| format!("listening on port {p}"))?;
            l.set_nonblocking(true)?;
            Ok(l)
        })
        .collect()
}

fn serve(node: &str, listeners: &[TcpListener], stop: &AtomicBool, log: &LogBook) -> anyhow::Result<()> {
    let response = http_response(&body_for(node));
    let deadline = Instant::now() + MAX_LIFETIME;
    let mut served = 0u64;
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline && served < MAX_SERVED {
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd> = listeners.iter().map(|l| PollFd::new(l.as_fd(), PollFlags::POLLIN)).collect();
            match ppoll(&mut fds, Some(TimeSpec::from_duration(TICK)), None) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e).context("waiting for connections"),
            }
            fds.iter().map(|f| f.revents().is_some_and(|r| r.contains(PollFlags::POLLIN))).collect()
        };
        for (listener, _) in listeners.iter().zip(ready).filter(|(_, r)| *r) {
            for _ in 0..MAX_BURST {
                match listener.accept() {
                    Ok((stream, peer)) => {
                        served += 1;
                        match answer(stream, &response) {
                            Ok(line) => log.push(node, format!("web: {peer} \"{line}\" 200")),
                            Err(e) => log.push(node, format!("web: {peer}: {e}")),
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => {
                        log.push(node, format!("web: accept: {e}"));
                        break;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Reads one request's headers, sends the response and closes; returns the
/// request line.
fn answer(mut stream: TcpStream, response: &str) -> io::Result<String> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < MAX_REQUEST_BYTES {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    stream.write_all(response.as_bytes())?;
    let line = String::from_utf8_lossy(&request);
    Ok(line.lines().next().unwrap_or_default().to_string())
}

/// One request on a new connection: where it came from (unknown when the
/// connection failed) and how it ended.
fn fetch(target: SocketAddrV4) -> io::Result<(Option<SocketAddr>, Outcome)> {
    let mut stream = match TcpStream::connect_timeout(&SocketAddr::V4(target), IO_TIMEOUT) {
        Ok(s) => s,
        Err(e) => return connect_failed(e).map(|o| (None, o)),
    };
    let from = stream.local_addr()?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut response = Vec::new();
    let sent = stream.write_all(http_request((*target.ip(), target.port())).as_bytes());
    let read = sent.and_then(|()| (&mut stream).take(MAX_RESPONSE_BYTES).read_to_end(&mut response));
    let outcome = match read {
        Ok(_) => {
            let body = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(&[][..], |at| &response[at + 4..]);
            Outcome::Body(String::from_utf8_lossy(body).into_owned())
        }
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Outcome::Reset,
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Outcome::TimedOut,
        Err(e) => return Err(e),
    };
    Ok((Some(from), outcome))
}

fn connect_failed(e: io::Error) -> io::Result<Outcome> {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => Ok(Outcome::Refused),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Ok(Outcome::TimedOut),
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => Ok(Outcome::NoRoute),
        _ => Err(e),
    }
}
