//! The field tree of a packet with byte ranges and teaching notes (`read -V`, the TUI).
