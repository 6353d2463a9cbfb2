//! The conv teacher's first block as pictures: its filters, and its maps of the image shown,
//! laid out in a grid and coloured, as RGBA pixels a canvas takes as they are.

use crate::engine::network::FirstBlock;

/// Tiles per row of either grid.
pub const COLUMNS: usize = 8;
/// Pixels between two tiles.
const GAP: usize = 1;

/// An RGBA picture.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    pub width: usize,
    pub height: usize,
    pub rgba: Vec<u8>,
}

impl Picture {
    /// Tiles of `side × side` values, `COLUMNS` to a row, each value coloured by `colour`.
    fn tiles(tiles: &[Vec<f32>], side: usize, colour: impl Fn(usize, f32) -> [u8; 3]) -> Self {
        let rows = tiles.len().div_ceil(COLUMNS).max(1);
        let cell = side + GAP;
        let (width, height) = (COLUMNS * cell - GAP, rows * cell - GAP);
        // Gaps stay white.
        let mut rgba = vec![255; width * height * 4];
        for (t, tile) in tiles.iter().enumerate() {
            let (x0, y0) = ((t % COLUMNS) * cell, (t / COLUMNS) * cell);
            for (i, &v) in tile.iter().enumerate().take(side * side) {
                let at = ((y0 + i / side) * width + x0 + i % side) * 4;
                rgba[at..at + 3].copy_from_slice(&colour(t, v));
            }
        }
        Self {
            width,
            height,
            rgba,
        }
    }
}

/// The filters on one scale, red where a weight is positive, blue where negative, white at 0:
/// which strokes a channel looks for.
pub fn filters(block: &FirstBlock) -> Picture {
    let side = (block.filters.first().map_or(0, Vec::len) as f64).sqrt() as usize;
    let scale = largest(block.filters.iter().flatten().map(|v| v.abs()));
    Picture::tiles(&block.filters, side, |_, v| {
        let s = (v / scale).clamp(-1.0, 1.0);
        let fade = (255.0 * (1.0 - s.abs())) as u8;
        if s >= 0.0 {
            [255, fade, fade]
        } else {
            [fade, fade, 255]
        }
    })
}

/// Each map dark where its channel fires, on its own scale (one channel fires far more than
/// another; each shows where it fires at all). A channel silent over the whole image stays white.
pub fn maps(block: &FirstBlock) -> Picture {
    let scales: Vec<f32> = block
        .maps
        .iter()
        .map(|m| largest(m.iter().copied()))
        .collect();
    Picture::tiles(&block.maps, block.side, |t, v| {
        let grey = (255.0 * (1.0 - (v / scales[t]).clamp(0.0, 1.0))) as u8;
        [grey, grey, grey]
    })
}

/// The largest value, or 1 when none is above 0 (nothing to scale).
fn largest(values: impl Iterator<Item = f32>) -> f32 {
    let m = values.fold(0.0f32, f32::max);
    if m > 0.0 { m } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(p: &Picture, x: usize, y: usize) -> [u8; 3] {
        let at = (y * p.width + x) * 4;
        [p.rgba[at], p.rgba[at + 1], p.rgba[at + 2]]
    }

    #[test]
    fn maps_are_tiled_eight_to_a_row_each_dark_where_it_fires_most() {
        let mut tiles = vec![vec![0.0; 4]; 9];
        tiles[0][3] = 2.0;
        tiles[0][1] = 1.0;
        tiles[8][0] = 0.5;
        let block = FirstBlock {
            filters: vec![],
            maps: tiles,
            side: 2,
        };
        let p = maps(&block);
        // Eight tiles of 2 with gaps of 1; two rows.
        assert_eq!((p.width, p.height), (8 * 3 - 1, 2 * 3 - 1));
        assert_eq!(pixel(&p, 1, 1), [0, 0, 0], "tile 0's largest value");
        assert_eq!(pixel(&p, 1, 0), [127, 127, 127], "half of it");
        assert_eq!(pixel(&p, 0, 0), [255; 3], "silent");
        assert_eq!(pixel(&p, 2, 0), [255; 3], "the gap");
        // Tile 8 opens the second row, on its own scale.
        assert_eq!(pixel(&p, 0, 3), [0, 0, 0]);
        // A silent channel stays white.
        assert_eq!(pixel(&p, 3, 0), [255; 3]);
    }

    #[test]
    fn filters_are_red_where_positive_and_blue_where_negative_on_one_scale() {
        let block = FirstBlock {
            filters: vec![vec![1.0, -1.0, 0.0, 0.5], vec![-0.5, 0.0, 0.0, 0.0]],
            maps: vec![],
            side: 28,
        };
        let p = filters(&block);
        assert_eq!((p.width, p.height), (8 * 3 - 1, 2));
        assert_eq!(pixel(&p, 0, 0), [255, 0, 0]);
        assert_eq!(pixel(&p, 1, 0), [0, 0, 255]);
        assert_eq!(pixel(&p, 0, 1), [255, 255, 255]);
        assert_eq!(pixel(&p, 1, 1), [255, 127, 127]);
        assert_eq!(pixel(&p, 3, 0), [127, 127, 255], "the second filter's −0.5");
    }
}
