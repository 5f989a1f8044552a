//! Printers: tcpdump-compatible lines, hex dumps, JSON.
