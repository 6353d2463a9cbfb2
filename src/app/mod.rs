//! The page's model without a DOM: settings and their link form, presets and the tour, drawing,
//! the reducer, the training session and the saved run. Compiled and tested natively; `src/web`
//! only renders it and feeds it browser events.

pub mod dark_knowledge;
pub mod data;
pub mod deploy_lines;
pub mod drawing;
pub mod filter_picture;
pub mod imports;
pub mod jobs;
pub mod labs;
pub mod loading;
pub mod loss_window;
pub mod message;
pub mod page_training;
pub mod piece_teacher;
pub mod place;
pub mod presets;
pub mod saved_run;
pub mod session;
pub mod settings;
pub mod shipped_teacher;
pub mod state;
pub mod student_link;
pub mod students;
pub mod text_data;
pub mod torch_lines;
pub mod tour;
pub mod trainer_host;
pub mod trainer_protocol;
pub mod views;

pub use crate::engine::train::{OmittedReport, omitted_class_report};
pub use drawing::Drawing;
pub use page_training::PageTraining;
pub use presets::Preset;
pub use settings::*;
pub use students::teacher_depth;
pub use tour::{TOUR, TourStep};
pub use views::CurvePoint;
