//! Keys and the clock: replay, steps, jumps, the filter prompt, pop-ups.

use super::*;
