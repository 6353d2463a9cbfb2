//! MT-DNN's several tasks, distilled (Liu et al. 2019): one student with a shared encoder and a
//! head per task learns the e-mails and Brown's genres from their shipped teachers, batches of
//! both shuffled together; single-task students of the same size are the comparison.
//! Engine: `engine::multitask`. It fetches both sets and the teachers' logits on demand.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Fetch, Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture};
use crate::engine::minilm::{shipped, shipped_test_logits};
use crate::engine::multitask::{MultiTaskRun, MultiTaskSettings, Student, TaskFiles, Tasks};
use crate::engine::text::{BROWN_FILE, SPAM_TSV_GZ};

pub struct MultiTask;

/// A task as the page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    pub name: String,
    pub train: usize,
    pub test: usize,
    pub teacher: f32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MultiTaskLab {
    pub tasks: Vec<TaskInfo>,
    /// Per task: the multi-task student's test accuracy, and the single-task student's.
    pub scores: Vec<[Option<f32>; 2]>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MultiTaskRequest {
    /// Read both tasks (once), then train the multi-task student and a single-task one per task.
    Train,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MultiTaskEvent {
    Started,
    Tasks(Vec<TaskInfo>),
    Scored(Student, Vec<(usize, f32)>),
}

#[derive(Default)]
pub struct MultiTaskMemory {
    tasks: Option<Rc<Tasks>>,
}

impl Lab for MultiTask {
    const ID: &'static str = "multitask";
    const TITLE: &'static str = "Several tasks";
    const SUMMARY: &'static str = "One student, one encoder, a head for the e-mails and one for Brown's genres, each taught by its own teacher, the two tasks' batches shuffled together. Does sharing help either task against a student of one task?";
    const SOURCE: &'static str = "MT-DNN, Liu et al. 2019";
    const OWN_MATERIAL: bool = true;
    type State = MultiTaskLab;
    type Request = MultiTaskRequest;
    type Event = MultiTaskEvent;
    type Memory = MultiTaskMemory;

    fn start(
        _: MultiTaskRequest,
        context: &LabContext,
        memory: &Rc<RefCell<MultiTaskMemory>>,
    ) -> crate::Result<Started<MultiTaskEvent>> {
        Ok(Started::Job(Box::new(MultiTaskJob {
            fetch: context.fetch.clone(),
            memory: memory.clone(),
            run: None,
            events: vec![MultiTaskEvent::Started],
        })))
    }

    fn reduce(lab: &mut MultiTaskLab, event: MultiTaskEvent) {
        match event {
            MultiTaskEvent::Started => lab.scores.iter_mut().for_each(|s| *s = [None; 2]),
            MultiTaskEvent::Tasks(tasks) => {
                lab.scores = vec![[None; 2]; tasks.len()];
                lab.tasks = tasks;
            }
            MultiTaskEvent::Scored(student, scores) => {
                let column = usize::from(matches!(student, Student::Single(_)));
                for (task, accuracy) in scores {
                    if let Some(row) = lab.scores.get_mut(task) {
                        row[column] = Some(accuracy);
                    }
                }
            }
        }
    }

    fn after_new_teacher(lab: &MultiTaskLab) -> MultiTaskLab {
        lab.clone()
    }
}

struct MultiTaskJob {
    fetch: Fetch,
    memory: Rc<RefCell<MultiTaskMemory>>,
    run: Option<(Rc<Tasks>, MultiTaskRun)>,
    events: Vec<MultiTaskEvent>,
}

impl MultiTaskJob {
    async fn load(&self) -> crate::Result<Rc<Tasks>> {
        if let Some(tasks) = &self.memory.borrow().tasks {
            return Ok(tasks.clone());
        }
        let mut files = Vec::new();
        for path in [
            format!("assets/{BROWN_FILE}"),
            "assets/teachers/spam-logits.safetensors".to_string(),
            "assets/teachers/spam-test-logits.safetensors".to_string(),
            format!("assets/{}", shipped("brown").1),
            format!("assets/{}", shipped_test_logits("brown")),
        ] {
            files.push((self.fetch)(path).await.map_err(crate::Error::Dataset)?);
        }
        let read = TaskFiles {
            spam: SPAM_TSV_GZ,
            spam_logits: [&files[1], &files[2]],
            brown: &files[0],
            brown_logits: [&files[3], &files[4]],
        };
        let tasks = Rc::new(Tasks::read(&read, MultiTaskSettings::default().brown_sentences)?);
        self.memory.borrow_mut().tasks = Some(tasks.clone());
        Ok(tasks)
    }

    async fn advance(&mut self) -> crate::Result<Flow> {
        let Some((tasks, run)) = &mut self.run else {
            let tasks = self.load().await?;
            let info = tasks
                .tasks
                .iter()
                .map(|t| TaskInfo {
                    name: t.name.to_string(),
                    train: t.train.len(),
                    test: t.test.len(),
                    teacher: t.teacher_accuracy,
                })
                .collect();
            self.events.push(MultiTaskEvent::Tasks(info));
            let run = MultiTaskRun::new(&tasks, MultiTaskSettings::default(), &Device::flex())?;
            self.run = Some((tasks, run));
            return Ok(Flow::More);
        };
        if let Some((student, scores)) = run.step(tasks)? {
            self.events.push(MultiTaskEvent::Scored(student, scores));
        }
        Ok(if run.is_over() { Flow::Done } else { Flow::More })
    }
}

impl Job for MultiTaskJob {
    type Event = MultiTaskEvent;

    fn step(&mut self) -> StepFuture<'_> {
        Box::pin(self.advance())
    }

    fn progress(&self) -> Progress {
        let Some((tasks, run)) = &self.run else {
            return Progress::new(0, 1, "the e-mails, Brown and their teachers' logits");
        };
        let (done, total) = run.progress();
        let what = match run.training() {
            Some(Student::MultiTask) => "the multi-task student".to_string(),
            Some(Student::Single(t)) => format!(
                "the student of {} alone",
                tasks.tasks.get(t).map_or("?", |t| t.name)
            ),
            None => "done".to_string(),
        };
        Progress::new(done, total, what)
    }

    fn take_events(&mut self) -> Vec<MultiTaskEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, _: &Ended) -> Vec<MultiTaskEvent> {
        std::mem::take(&mut self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_land_by_task_and_student() {
        let mut lab = MultiTaskLab::default();
        let info = |name: &str| TaskInfo {
            name: name.into(),
            train: 1,
            test: 1,
            teacher: 0.9,
        };
        MultiTask::reduce(&mut lab, MultiTaskEvent::Tasks(vec![info("a"), info("b")]));
        MultiTask::reduce(
            &mut lab,
            MultiTaskEvent::Scored(Student::MultiTask, vec![(0, 0.9), (1, 0.3)]),
        );
        MultiTask::reduce(&mut lab, MultiTaskEvent::Scored(Student::Single(1), vec![(1, 0.25)]));
        assert_eq!(lab.scores, [[Some(0.9), None], [Some(0.3), Some(0.25)]]);
        MultiTask::reduce(&mut lab, MultiTaskEvent::Started);
        assert_eq!(lab.scores, [[None; 2]; 2]);
    }
}
