//! The deterministic simulator: virtual clock, event queue, L2 segments, faults, taps.
