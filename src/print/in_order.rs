//! Rendering a list already in memory on every core, written in order.
//!
//! Formatting, not analysis, is most of what `timeline` spends on a capture
//! with many takeovers (hundreds of thousands of lines), and each line
//! depends only on its own item. The items go in rounds of one piece per
//! core, so memory holds one round of output, not all of it.

use std::io::{self, Write};

/// Items per piece: enough that a round's threads outweigh their start-up.
const PIECE: usize = 4096;

/// Appends the rendering of a piece of the items to a buffer.
pub type Render<'a, T> = dyn Fn(&[T], &mut Vec<u8>) -> io::Result<()> + Sync + 'a;

/// Writes what `render` makes of `items`, piece by piece, in order; the
/// pieces of a round are rendered at the same time, one per core.
pub fn render<T: Sync>(items: &[T], render: &Render<'_, T>, out: &mut dyn Write) -> io::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut bufs = vec![Vec::new(); cores];
    for round in items.chunks(PIECE * cores) {
        let pieces: Vec<&[T]> = round.chunks(PIECE).collect();
        let rendered: Vec<io::Result<()>> = if pieces.len() == 1 {
            bufs[0].clear();
            vec![render(pieces[0], &mut bufs[0])]
        } else {
            std::thread::scope(|s| {
                let threads: Vec<_> = pieces
                    .iter()
                    .zip(bufs.iter_mut())
                    .map(|(piece, buf)| {
                        buf.clear();
                        s.spawn(move || render(piece, buf))
                    })
                    .collect();
                threads
                    .into_iter()
                    .map(|t| t.join().unwrap_or_else(|_| Err(io::Error::other("a rendering thread failed"))))
                    .collect()
            })
        };
        for (result, buf) in rendered.into_iter().zip(&bufs) {
            result?;
            out.write_all(buf)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn every_item_once_in_order_across_rounds() {
        let items: Vec<u32> = (0..(PIECE * 5 + 17) as u32).collect();
        let mut out = Vec::new();
        render(&items, &|piece, buf| piece.iter().try_for_each(|i| writeln!(buf, "{i}")), &mut out).unwrap();
        let expected: String = items.iter().map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn a_rendering_error_is_returned() {
        let items = vec![0u8; PIECE * 3];
        let mut out = Vec::new();
        let err = render(&items, &|_, _| Err(io::Error::other("no")), &mut out).unwrap_err();
        assert_eq!(err.to_string(), "no");
        assert!(out.is_empty());
    }
}
