//! Hinton's omitted-class experiment: how a student recognises a class it never saw, with and
//! without the bias fix (the page's training panel and `distill eval --omitted-class` read it).

use serde::{Deserialize, Serialize};

use super::predictions;

/// How well a student recognises a class it never saw, before and after Hinton's fix: raising
/// that class's logit by a bias, chosen here on the training digits (never on the test set).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OmittedReport {
    pub class: u8,
    /// Fraction of the class's test examples the student calls by its name.
    pub recall: f32,
    pub accuracy: f32,
    pub bias: f32,
    pub recall_with_bias: f32,
    pub accuracy_with_bias: f32,
}

fn with_bias(logits: &[f32], classes: usize, class: usize, bias: f32) -> Vec<usize> {
    let mut shifted = logits.to_vec();
    for row in shifted.chunks_mut(classes) {
        if let Some(v) = row.get_mut(class) {
            *v += bias;
        }
    }
    predictions(&shifted, classes)
}

fn recall_and_accuracy(preds: &[usize], labels: &[u8], class: usize) -> (f32, f32) {
    let of_class: Vec<bool> = labels
        .iter()
        .zip(preds)
        .filter(|(l, _)| usize::from(**l) == class)
        .map(|(_, p)| *p == class)
        .collect();
    let recall = of_class.iter().filter(|x| **x).count() as f32 / of_class.len().max(1) as f32;
    let hits = labels
        .iter()
        .zip(preds)
        .filter(|(l, p)| usize::from(**l) == **p)
        .count();
    (recall, hits as f32 / labels.len().max(1) as f32)
}

pub fn omitted_class_report(
    class: u8,
    classes: usize,
    (train_logits, train_labels): (&[f32], &[u8]),
    (test_logits, test_labels): (&[f32], &[u8]),
) -> OmittedReport {
    let c = usize::from(class);
    // The bias that maximises training accuracy, on a grid of 0.25 from 0 to 10.
    let bias = (0..=40)
        .map(|i| i as f32 * 0.25)
        .map(|b| {
            let (_, acc) =
                recall_and_accuracy(&with_bias(train_logits, classes, c, b), train_labels, c);
            (b, acc)
        })
        .fold(
            (0.0, -1.0),
            |best, (b, acc)| if acc > best.1 { (b, acc) } else { best },
        );
    let (recall, accuracy) =
        recall_and_accuracy(&with_bias(test_logits, classes, c, 0.0), test_labels, c);
    let (recall_with_bias, accuracy_with_bias) =
        recall_and_accuracy(&with_bias(test_logits, classes, c, bias.0), test_labels, c);
    OmittedReport {
        class,
        recall,
        accuracy,
        bias: bias.0,
        recall_with_bias,
        accuracy_with_bias,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bias_fix_is_chosen_on_training_data_and_applied_to_the_test_set() {
        // Three classes; class 2 was omitted: its logit is 1.5 too low everywhere.
        let row = |true_class: usize| {
            let mut l = vec![0.0f32; 3];
            l[true_class] = 2.0;
            l[2] -= 1.5;
            if true_class == 2 {
                l[0] = 1.0; // the runner-up
            }
            l
        };
        let labels: Vec<u8> = vec![0, 1, 2, 2, 0, 1, 2];
        let logits: Vec<f32> = labels.iter().flat_map(|&c| row(usize::from(c))).collect();
        let r = omitted_class_report(2, 3, (&logits, &labels), (&logits, &labels));
        assert_eq!(r.recall, 0.0, "without the fix no 2 is recognised");
        assert_eq!(r.recall_with_bias, 1.0);
        assert_eq!(r.accuracy_with_bias, 1.0);
        assert!(r.bias > 0.5 && r.bias <= 2.0, "{}", r.bias);
    }
}
