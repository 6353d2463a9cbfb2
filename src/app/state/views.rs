//! The views slice: what is on show for the example picked (the three networks' logits, the
//! decision maps, a drawing, a typed message, attention, layer similarity). The T slider leaves
//! it alone; the live logits change it about 15 times a second.

use std::rc::Rc;

use super::{Action, AppState, DrawAction};
use crate::app::Drawing;
use crate::app::views::ShownAttention;
use crate::engine::network::FirstBlock;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Views {
    /// Teacher, distilled and scratch logits of the selected example.
    pub logits: Option<Rc<[Vec<f32>; 3]>>,
    /// The `drawing_version` those logits were computed for (None: a test example). The page
    /// shows it so a reader (or a test) can tell bars that caught up with a drawing from old ones.
    pub logits_input: Option<u64>,
    /// Teacher, distilled and scratch logits over the decision-map grid (2-D sets).
    pub grid: Option<Rc<[Vec<f32>; 3]>>,
    /// A point of the plane clicked on a decision map, shown instead of a test example.
    pub probe: Option<[f32; 2]>,
    /// A hand-drawn digit shown instead of a test example; the version is bumped on every change
    /// of the drawing, the probe or the message.
    pub drawing: Option<Drawing>,
    pub drawing_version: u64,
    /// A typed message shown instead of a test example (text); its version is `drawing_version`.
    pub message: Option<String>,
    /// The attention of the teacher and the distilled student on the message or example shown.
    pub attention: Option<Rc<ShownAttention>>,
    /// Linear CKA of each teacher layer (rows) with each layer of the distilled student.
    pub similarity: Option<Rc<Vec<Vec<f32>>>>,
    /// The conv teacher's filters and its maps of the image shown.
    pub first_block: Option<Rc<FirstBlock>>,
    pub selected_teacher_layer: Option<usize>,
}

impl Views {
    /// A test example is on show (not a drawing, a typed message or a point of the plane).
    pub fn shows_an_example(&self) -> bool {
        self.drawing.is_none() && self.message.is_none() && self.probe.is_none()
    }

    /// Another input replaces what was shown: the version tells old logits from new.
    fn replace_input(&mut self) {
        self.drawing = None;
        self.drawing_version += 1;
    }
}

impl AppState {
    /// The actions about what is on show.
    pub(super) fn view(&mut self, action: Action) {
        let views = self.views_mut();
        match action {
            Action::Logits(l, input) => {
                views.logits = Some(Rc::new(l));
                views.logits_input = input;
            }
            Action::Grid(g) => views.grid = Some(Rc::new(g)),
            Action::Probe(p) => {
                views.probe = p;
                views.replace_input();
            }
            Action::Message(text) => {
                views.message = text;
                views.probe = None;
                views.replace_input();
            }
            Action::Attention(a) => views.attention = a.map(Rc::new),
            Action::Similarity(m) => views.similarity = Some(Rc::new(m)),
            Action::FirstBlock(b) => views.first_block = b.map(Rc::new),
            Action::SelectTeacherLayer(l) => views.selected_teacher_layer = l,
            _ => {}
        }
    }

    /// What was on show belongs to the old data.
    pub(super) fn forget_the_data(&mut self) {
        let version = self.views.drawing_version;
        *self.views_mut() = Views {
            drawing_version: version + 1,
            selected_teacher_layer: self.views.selected_teacher_layer,
            ..Views::default()
        };
        let run = self.run_mut();
        run.data = None;
        run.assistant = None;
        run.compression = None;
        self.labs = self.labs.after_new_teacher();
    }

    /// Edits of the hand-drawn digit (only where the dataset has images to draw).
    pub(super) fn draw(&mut self, edit: DrawAction) {
        match edit {
            DrawAction::Start => {
                if let Some(side) = self.settings.dataset.image_side() {
                    let views = self.views_mut();
                    views.drawing = Some(Drawing::new(side));
                    views.probe = None;
                    views.drawing_version += 1;
                }
            }
            DrawAction::Stop => self.views_mut().drawing = None,
            edit => {
                let views = self.views_mut();
                let Some(d) = views.drawing.as_mut() else {
                    return;
                };
                match edit {
                    DrawAction::BeginStroke => d.begin_stroke(),
                    DrawAction::Paint(cell) => d.paint(cell),
                    DrawAction::Clear => d.clear(),
                    DrawAction::Undo => {
                        d.undo();
                    }
                    DrawAction::Start | DrawAction::Stop => {}
                }
                views.drawing_version += 1;
            }
        }
    }
}
