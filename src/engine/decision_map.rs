//! Decision maps of the 2-D sets: a classifier evaluated on a grid over the plane, each cell
//! coloured by the class it picks and shaded by how sure its softmax at temperature T is. Pure
//! arithmetic, so the page only copies the pixels to a canvas.

use crate::loss::host;

/// The square of the plane a map shows, sampled `side × side` times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MapGrid {
    pub side: usize,
    pub lo: f32,
    pub hi: f32,
}

/// The page's maps: every toy set lies inside ±1.3; 48² cells cost the students a few hundred
/// microseconds and look smooth once the browser scales them up.
pub const PAGE_GRID: MapGrid = MapGrid {
    side: 48,
    lo: -1.3,
    hi: 1.3,
};

/// Your own two-feature data, standardised: ±3 standard deviations.
pub const OWN_GRID: MapGrid = MapGrid {
    side: 48,
    lo: -3.0,
    hi: 3.0,
};

/// The grid a set's maps show.
pub fn page_grid(kind: crate::catalog::DatasetKind) -> MapGrid {
    match kind {
        crate::catalog::DatasetKind::Own => OWN_GRID,
        _ => PAGE_GRID,
    }
}

/// Class colours: the Okabe–Ito palette, safe for colour-blind readers (blue and vermillion
/// for the two-class sets; your own data may have more classes).
pub const CLASS_COLOURS: [[u8; 3]; 8] = [
    [0, 114, 178],
    [213, 94, 0],
    [0, 158, 115],
    [230, 159, 0],
    [204, 121, 167],
    [86, 180, 233],
    [240, 228, 66],
    [0, 0, 0],
];

impl MapGrid {
    /// The cell centres as 2-D inputs, row-major, the top row first (y = `hi` is up).
    pub fn points(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(2 * self.side * self.side);
        for row in 0..self.side {
            for col in 0..self.side {
                let (x, y) = self.from_unit(
                    (col as f32 + 0.5) / self.side as f32,
                    (row as f32 + 0.5) / self.side as f32,
                );
                out.extend_from_slice(&[x, y]);
            }
        }
        out
    }

    /// A point of the plane → picture coordinates in 0..=1 (0, 0 at the top left).
    pub fn to_unit(&self, x: f32, y: f32) -> (f32, f32) {
        let span = self.hi - self.lo;
        ((x - self.lo) / span, (self.hi - y) / span)
    }

    /// Picture coordinates in 0..=1 → the point of the plane.
    pub fn from_unit(&self, u: f32, v: f32) -> (f32, f32) {
        let span = self.hi - self.lo;
        (self.lo + u * span, self.hi - v * span)
    }
}

/// How far a distribution is from uniform: 0 for uniform (or broken) probabilities, 1 for one-hot.
pub fn confidence(probs: &[f32]) -> f32 {
    let k = probs.len();
    if k < 2 {
        return 1.0;
    }
    let top = probs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let uniform = 1.0 / k as f32;
    let c = (top - uniform) / (1.0 - uniform);
    if c.is_finite() {
        c.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// RGBA pixels of a map from its logits (`[cells, classes]`): the chosen class's colour, mixed
/// with white as the softmax at `temperature` grows unsure.
pub fn shade(logits: &[f32], classes: usize, temperature: f32) -> Vec<u8> {
    let classes = classes.max(1);
    let mut out = Vec::with_capacity(logits.len() / classes * 4);
    for row in logits.chunks_exact(classes) {
        let probs = host::softmax_t(row, temperature);
        let c = confidence(&probs);
        let colour = host::argmax(&probs)
            .and_then(|i| CLASS_COLOURS.get(i))
            .copied()
            .unwrap_or([128, 128, 128]);
        for channel in colour {
            let mixed = 255.0 + (f32::from(channel) - 255.0) * c;
            out.push(mixed.round() as u8);
        }
        out.push(255);
    }
    out
}

/// The share of cells on which two maps pick the same class: how close two decision boundaries are.
pub fn agreement(a: &[f32], b: &[f32], classes: usize) -> f32 {
    let picks = |l: &[f32]| -> Vec<usize> {
        l.chunks_exact(classes.max(1))
            .map(|r| host::argmax(r).unwrap_or(usize::MAX))
            .collect()
    };
    let (pa, pb) = (picks(a), picks(b));
    let same = pa.iter().zip(&pb).filter(|(x, y)| x == y).count();
    same as f32 / pa.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_points_cover_the_square_top_row_first() {
        let g = MapGrid {
            side: 4,
            lo: -1.0,
            hi: 1.0,
        };
        let p = g.points();
        assert_eq!(p.len(), 32);
        assert_eq!(&p[..2], &[-0.75, 0.75], "top left");
        assert_eq!(&p[30..], &[0.75, -0.75], "bottom right");
        let (u, v) = g.to_unit(0.5, -0.25);
        assert_eq!(g.from_unit(u, v), (0.5, -0.25));
        assert_eq!(g.to_unit(-1.0, 1.0), (0.0, 0.0));
    }

    #[test]
    fn shading_follows_the_class_and_fades_with_temperature() {
        // Cell 0 prefers class 0, cell 1 class 1, cell 2 is undecided, cell 3 is broken.
        let logits = [3.0, -3.0, -2.0, 2.0, 0.5, 0.5, f32::NAN, 0.0];
        let cold = shade(&logits, 2, 0.5);
        assert_eq!(cold.len(), 16);
        assert_eq!(
            &cold[..3],
            &CLASS_COLOURS[0],
            "sure: the class's own colour"
        );
        assert_eq!(&cold[4..7], &CLASS_COLOURS[1]);
        assert_eq!(&cold[8..11], &[255, 255, 255], "a tie is white");
        assert_eq!(
            &cold[12..15],
            &[255, 255, 255],
            "NaN logits are white, never a panic"
        );
        let hot = shade(&logits, 2, 20.0);
        // Same class, much paler: the boundary region widens as T rises.
        assert!(
            hot[0] > 200 && hot[2] > 200 && hot[2] < 255,
            "{:?}",
            &hot[..3]
        );
        assert!(hot[2] > hot[0], "still bluish");
        assert!(cold.iter().skip(3).step_by(4).all(|a| *a == 255));
    }

    #[test]
    fn confidence_and_agreement() {
        assert_eq!(confidence(&[0.5, 0.5]), 0.0);
        assert_eq!(confidence(&[0.0, 1.0, 0.0]), 1.0);
        assert!((confidence(&[0.75, 0.25]) - 0.5).abs() < 1e-6);
        let a = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
        let b = [1.0, 0.0, 1.0, 0.0, 2.0, 1.0];
        assert!((agreement(&a, &b, 2) - 2.0 / 3.0).abs() < 1e-6);
    }
}
