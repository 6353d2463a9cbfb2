//! The run written out for TextBrewer or torchdistill: the page's settings, its teacher and
//! student, downloaded as a file, with what has no equivalent said in a notice.

use super::RecipeFormat;
use super::*;
use crate::engine::recipes::Recipe;
use crate::web::files;

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

impl Driver {
    /// The page's address with the settings and the distilled student in the fragment, copied
    /// to the clipboard where the browser allows it; shown in the files panel either way.
    pub(super) async fn student_link(&mut self) {
        self.settle_worker(false).await;
        let Some(s) = &self.run.session else { return };
        let made = match NetworkWeights::from_network_async(&s.distilled.network()).await {
            Ok(w) => crate::app::student_link::encode(&w).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let link = made.map(|field| {
            let location = gloo::utils::window().location();
            let base = format!(
                "{}{}",
                location.origin().unwrap_or_default(),
                location.pathname().unwrap_or_default()
            );
            let settings = self.wanted.settings.to_hash();
            format!(
                "{base}#{settings}&{}={field}",
                crate::app::student_link::FIELD
            )
        });
        if let Ok(text) = &link {
            let clipboard = gloo::utils::window().navigator().clipboard();
            // Refused without a user gesture or permission: the link stays in its box.
            if let Err(e) = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text)).await {
                gloo::console::info!("the clipboard refused the link:", e);
            }
        }
        self.emit(Action::StudentLink(link));
    }
}
