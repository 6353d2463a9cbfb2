//! Dark knowledge at a glance: the teacher's mean soft target over the test examples of each
//! true class, at temperature T. Row `c` says how the teacher spreads its belief on examples of
//! class `c`; the cells off the diagonal are what it finds alike (a 4 and a 9, two genres of
//! press writing), which is what a student learns from the soft targets and not from the labels.

use crate::engine::loss::host::softmax_t;

/// `classes × classes`, row-major: row `c` is the mean of `softmax(z / T)` over the examples
/// labelled `c` (`logits` holds `classes` values per example). A class without examples has a
/// row of zeros.
pub fn mean_soft_targets(logits: &[f32], labels: &[u8], classes: usize, t: f32) -> Vec<f32> {
    let mut sums = vec![0.0f32; classes * classes];
    let mut counts = vec![0usize; classes];
    for (z, &label) in logits.chunks_exact(classes.max(1)).zip(labels) {
        let c = usize::from(label);
        if c >= classes {
            continue;
        }
        counts[c] += 1;
        for (sum, p) in sums[c * classes..(c + 1) * classes]
            .iter_mut()
            .zip(softmax_t(z, t))
        {
            *sum += p;
        }
    }
    for (row, &n) in sums.chunks_mut(classes.max(1)).zip(&counts) {
        row.iter_mut().for_each(|v| *v /= n.max(1) as f32);
    }
    sums
}

/// The pair of different classes the teacher confuses most at T (true class, other class,
/// mean probability): the caption's first example.
pub fn most_alike(matrix: &[f32], classes: usize) -> Option<(usize, usize, f32)> {
    (0..classes)
        .flat_map(|r| (0..classes).filter(move |&c| c != r).map(move |c| (r, c)))
        .map(|(r, c)| (r, c, matrix[r * classes + c]))
        .max_by(|a, b| a.2.total_cmp(&b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two examples of class 0, one of class 1; three classes, one without examples.
    fn logits() -> (Vec<f32>, Vec<u8>) {
        (
            vec![2.0, 1.0, 0.0, 4.0, 0.0, 0.0, 0.0, 3.0, 1.0],
            vec![0, 0, 1],
        )
    }

    #[test]
    fn rows_are_the_mean_soft_target_of_each_true_class() {
        let (z, y) = logits();
        let m = mean_soft_targets(&z, &y, 3, 2.0);
        let (a, b) = (softmax_t(&z[..3], 2.0), softmax_t(&z[3..6], 2.0));
        for k in 0..3 {
            assert!((m[k] - (a[k] + b[k]) / 2.0).abs() < 1e-6);
        }
        assert_eq!(m[3..6], softmax_t(&z[6..], 2.0)[..]);
        assert_eq!(m[6..], [0.0, 0.0, 0.0]);
        for row in m.chunks(3).take(2) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
    }

    /// T flattens the rows toward uniform and sharpens them toward the teacher's votes.
    #[test]
    fn temperature_moves_rows_between_votes_and_uniform() {
        let (z, y) = logits();
        let cold = mean_soft_targets(&z, &y, 3, 0.01);
        assert!((cold[0] - 1.0).abs() < 1e-4 && (cold[4] - 1.0).abs() < 1e-4);
        let hot = mean_soft_targets(&z, &y, 3, 1000.0);
        assert!(hot[..6].iter().all(|&p| (p - 1.0 / 3.0).abs() < 1e-2));
        let (warm, warmer) = (
            mean_soft_targets(&z, &y, 3, 1.0),
            mean_soft_targets(&z, &y, 3, 4.0),
        );
        assert!(warmer[1] > warm[1], "off-diagonal mass grows with T");
        assert_eq!(most_alike(&warm, 3).map(|(r, c, _)| (r, c)), Some((0, 1)));
    }
}
