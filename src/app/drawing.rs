//! A digit drawn by hand on the page's grid: soft strokes, undo by stroke, MNIST-style centring.

/// A digit drawn by hand on the page's grid, with undo by stroke.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    pub side: usize,
    /// Row-major intensities in 0..=1, like the dataset's scaled pixels.
    pub pixels: Vec<f32>,
    undo: Vec<Vec<f32>>,
    /// The stroke's previous cell: a fast pointer skips cells, the line between is painted.
    last: Option<usize>,
}

/// How many strokes can be undone.
const UNDO_DEPTH: usize = 50;

impl Drawing {
    pub fn new(side: usize) -> Self {
        Self {
            side,
            pixels: vec![0.0; side * side],
            undo: Vec::new(),
            last: None,
        }
    }

    /// Starts a stroke: what undo goes back to.
    pub fn begin_stroke(&mut self) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(self.pixels.clone());
        self.last = None;
    }

    /// Paints `cell` and, within a stroke, the straight line from the previous cell to it.
    pub fn paint(&mut self, cell: usize) {
        let side = self.side;
        if cell >= self.pixels.len() {
            return;
        }
        let (r1, c1) = ((cell / side) as i64, (cell % side) as i64);
        match self.last {
            Some(prev) if prev != cell => {
                let (r0, c0) = ((prev / side) as i64, (prev % side) as i64);
                let n = (r1 - r0).abs().max((c1 - c0).abs());
                for k in 1..=n {
                    let r = r0 + ((r1 - r0) * k + n / 2 * (r1 - r0).signum()) / n;
                    let c = c0 + ((c1 - c0) * k + n / 2 * (c1 - c0).signum()) / n;
                    self.dab(r as usize * side + c as usize);
                }
            }
            Some(_) => {}
            None => self.dab(cell),
        }
        self.last = Some(cell);
    }

    /// A soft brush: the cell full, its four neighbours partly (the datasets' digits are
    /// anti-aliased strokes, never single hard pixels; MNIST's are thicker).
    fn dab(&mut self, cell: usize) {
        let side = self.side;
        let edge = if side >= 16 { 0.6 } else { 0.35 };
        let (r, c) = (cell / side, cell % side);
        self.pixels[cell] = 1.0;
        let neighbours = [
            (r.wrapping_sub(1), c),
            (r + 1, c),
            (r, c.wrapping_sub(1)),
            (r, c + 1),
        ];
        for (nr, nc) in neighbours {
            if nr < side && nc < side {
                let v = &mut self.pixels[nr * side + nc];
                *v = (*v + edge).min(1.0);
            }
        }
    }

    /// The drawing moved so its centre of mass sits in the middle, as MNIST's digits were
    /// prepared (nothing drawn: unchanged).
    pub fn centered(&self) -> Vec<f32> {
        let side = self.side as i64;
        let (mut mass, mut mr, mut mc) = (0.0f32, 0.0f32, 0.0f32);
        for (i, v) in self.pixels.iter().enumerate() {
            mass += v;
            mr += v * (i as i64 / side) as f32;
            mc += v * (i as i64 % side) as f32;
        }
        if mass <= 0.0 {
            return self.pixels.clone();
        }
        let middle = (side - 1) as f32 / 2.0;
        let (dr, dc) = (
            (middle - mr / mass).round() as i64,
            (middle - mc / mass).round() as i64,
        );
        let mut out = vec![0.0; self.pixels.len()];
        for (i, v) in self.pixels.iter().enumerate() {
            let (r, c) = (i as i64 / side + dr, i as i64 % side + dc);
            if (0..side).contains(&r) && (0..side).contains(&c) {
                out[(r * side + c) as usize] = *v;
            }
        }
        out
    }

    pub fn clear(&mut self) {
        self.begin_stroke();
        self.pixels.iter_mut().for_each(|v| *v = 0.0);
    }

    /// Goes back one stroke; false when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(previous) => {
                self.pixels = previous;
                true
            }
            None => false,
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawing_paints_softly_and_undoes_by_stroke() {
        let mut d = Drawing::new(8);
        assert!(!d.undo());
        d.begin_stroke();
        d.paint(9); // row 1, column 1
        d.paint(10);
        assert_eq!(d.pixels[9], 1.0);
        assert_eq!(d.pixels[10], 1.0);
        assert!(
            (d.pixels[1] - 0.35).abs() < 1e-6,
            "the cell above, touched once"
        );
        assert!((d.pixels[17] - 0.35).abs() < 1e-6);
        assert_eq!(d.pixels[63], 0.0);
        d.paint(64); // outside: ignored
        let one_stroke = d.pixels.clone();
        d.begin_stroke();
        d.paint(63); // corner: only two neighbours
        assert_eq!(d.pixels[63], 1.0);
        assert!(d.undo());
        assert_eq!(d.pixels, one_stroke);
        d.clear();
        assert!(d.pixels.iter().all(|v| *v == 0.0));
        assert!(d.undo(), "clearing can be undone");
        assert_eq!(d.pixels, one_stroke);
        for _ in 0..60 {
            d.begin_stroke();
        }
        assert!(d.can_undo());
    }

    #[test]
    fn a_fast_stroke_paints_the_cells_between() {
        let mut d = Drawing::new(28);
        d.begin_stroke();
        d.paint(2 * 28 + 3);
        d.paint(2 * 28 + 13); // ten cells to the right in one pointer event
        for c in 3..=13 {
            assert_eq!(d.pixels[2 * 28 + c], 1.0, "column {c}");
        }
        d.paint(12 * 28 + 13); // straight down
        for r in 2..=12 {
            assert_eq!(d.pixels[r * 28 + 13], 1.0, "row {r}");
        }
        // A new stroke does not join the old one.
        d.begin_stroke();
        d.paint(20 * 28 + 20);
        assert_eq!(d.pixels[16 * 28 + 16], 0.0);
        // A diagonal passes through every row once.
        let mut e = Drawing::new(28);
        e.begin_stroke();
        e.paint(0);
        e.paint(27 * 28 + 27);
        for k in 0..28 {
            assert_eq!(e.pixels[k * 28 + k], 1.0);
        }
    }

    #[test]
    fn centering_moves_the_mass_to_the_middle() {
        let mut d = Drawing::new(28);
        d.begin_stroke();
        d.paint(2 * 28 + 2);
        d.paint(8 * 28 + 2); // a short bar in the top-left corner
        let c = d.centered();
        let mass: f32 = c.iter().sum();
        assert!(
            (mass - d.pixels.iter().sum::<f32>()).abs() < 1e-4,
            "nothing lost"
        );
        let row: f32 = c
            .iter()
            .enumerate()
            .map(|(i, v)| v * (i / 28) as f32)
            .sum::<f32>()
            / mass;
        let col: f32 = c
            .iter()
            .enumerate()
            .map(|(i, v)| v * (i % 28) as f32)
            .sum::<f32>()
            / mass;
        assert!(
            (row - 13.5).abs() <= 0.5 && (col - 13.5).abs() <= 0.5,
            "{row} {col}"
        );
        assert_eq!(Drawing::new(8).centered(), vec![0.0; 64]);
    }
}
