//! The run written out for TextBrewer or torchdistill: the page's settings, its teacher and
//! student, downloaded as a file, with what has no equivalent said in a notice.

use super::*;
use crate::engine::recipes::Recipe;
use crate::web::files;
use crate::web::work::RecipeFormat;

impl Driver {
    pub(super) fn export_recipe(&mut self, format: RecipeFormat) {
        match self.recipe(format) {
            Ok((name, text, notes)) => match files::download(name, text.as_bytes()) {
                Ok(()) => self.emit(Action::Notice(format!("Saved {name}. {}", notes.join(" ")))),
                Err(e) => self.emit(Action::Failed(format!("Could not save {name}: {e}"))),
            },
            Err(e) => self.emit(Action::Failed(format!("Could not write the config: {e}"))),
        }
    }

    /// The file's name, its text and the notes on what did not carry over.
    fn recipe(&self, format: RecipeFormat) -> crate::Result<(&'static str, String, Vec<String>)> {
        let Some(s) = &self.run.session else {
            return Err(crate::Error::Settings("the data is still loading".into()));
        };
        let w = &self.wanted.settings;
        let teacher = &self.material.teacher.architecture;
        let student = w.student_architecture(teacher)?;
        let settings = w.distill_settings();
        let recipe = Recipe {
            teacher,
            student: &student,
            settings: &settings,
            dataset: w.dataset.name(),
            examples: s.distilled.transfer_set().len(),
        };
        match format {
            RecipeFormat::TextBrewer => {
                let (config, notes) = recipe.textbrewer()?;
                let text = serde_json::to_string_pretty(&config)
                    .map_err(|e| crate::Error::Settings(e.to_string()))?;
                Ok(("distill-playground-textbrewer.json", text, notes))
            }
            RecipeFormat::Torchdistill => {
                let (text, notes) = recipe.torchdistill()?;
                Ok(("distill-playground-torchdistill.yaml", text, notes))
            }
        }
    }
}
