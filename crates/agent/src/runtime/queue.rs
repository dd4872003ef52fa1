//! The queue modes: what a chat message does when its session is busy (spec §5.5).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{AgentRuntime, RunJob};
use crate::event::AbortReason;
use crate::lanes::{QueuedMessage, SessionLane};
use crate::runs::RunTicket;
use crate::settings::{QueueDrop, QueueMode, QueueSettings};

impl AgentRuntime {
    /// Applies the queue mode to a chat message for a possibly busy session.
    pub(super) fn route_inbound(
        &self,
        lane: Arc<SessionLane>,
        job: RunJob,
        ticket: RunTicket,
        queue: QueueSettings,
    ) {
        let queued = QueuedMessage {
            run_id: job.run_id.clone(),
            message: job.message.clone(),
            ticket,
        };
        let mut overflow = Vec::new();
        let mut schedule_collector = false;
        {
            let mut state = lane.state();
            if !state.busy() {
                drop(state);
                self.enqueue(lane, job);
                return;
            }
            match queue.mode {
                QueueMode::Followup => {
                    if state.waiting >= queue.cap && queue.drop == QueueDrop::New {
                        drop(state);
                        self.finish_dropped(&job);
                        return;
                    }
                }
                QueueMode::Collect => {
                    if state.collected.len() >= queue.cap {
                        match queue.drop {
                            QueueDrop::New => {
                                drop(state);
                                self.finish_dropped(&job);
                                return;
                            }
                            QueueDrop::Old | QueueDrop::Summarize => {
                                let oldest = state.collected.remove(0);
                                if queue.drop == QueueDrop::Summarize {
                                    state.dropped.push(summary_line(&oldest.message));
                                }
                                overflow.push(oldest.run_id);
                            }
                        }
                    }
                    state.collected.push(queued);
                    if !state.collector_scheduled {
                        state.collector_scheduled = true;
                        state.waiting += 1;
                        schedule_collector = true;
                    }
                }
                QueueMode::Steer | QueueMode::SteerBacklog if state.active.is_some() => {
                    state.steer.push(queued.clone());
                    if queue.mode == QueueMode::Steer {
                        return;
                    }
                }
                QueueMode::Steer | QueueMode::SteerBacklog => {}
                QueueMode::Interrupt => {
                    let active = state.active.clone();
                    let collected = std::mem::take(&mut state.collected);
                    drop(state);
                    if let Some(active) = active {
                        self.abort_run(&active, AbortReason::Interrupt);
                    }
                    for item in collected {
                        self.abort_run(&item.run_id, AbortReason::Interrupt);
                    }
                    self.enqueue(lane, job);
                    return;
                }
            }
        }
        for run_id in overflow {
            self.finish_merged_or_dropped(&run_id, None);
        }
        if queue.mode == QueueMode::Collect {
            if schedule_collector {
                let runtime = self.clone();
                let debounce = queue.debounce;
                let template = job;
                self.inner.tracker.spawn(async move {
                    runtime.collect(lane, template, debounce).await;
                });
            } else {
                // The scheduled collector owns the message now; the job itself is not run.
                drop(job);
            }
            return;
        }
        self.enqueue(lane, job);
    }

    /// `collect` mode: waits for the lane, lets the burst settle, then answers everything
    /// collected as one turn.
    async fn collect(&self, lane: Arc<SessionLane>, template: RunJob, debounce: Duration) {
        let guard = lane.run_lock.lock().await;
        loop {
            let before = lane.state().collected.len();
            tokio::time::sleep(debounce).await;
            if lane.state().collected.len() == before {
                break;
            }
        }
        let (items, dropped) = {
            let mut state = lane.state();
            state.waiting -= 1;
            state.collector_scheduled = false;
            let items: Vec<QueuedMessage> = std::mem::take(&mut state.collected)
                .into_iter()
                .filter(|item| item.ticket.finished().is_none())
                .collect();
            if !items.is_empty() {
                state.active = Some(items[0].run_id.clone());
            }
            (items, std::mem::take(&mut state.dropped))
        };
        let Some(first) = items.first() else {
            drop(guard);
            self.inner.lanes.release(&template.session_key, lane);
            return;
        };
        let (cancel, abort_reason) = {
            let runs = self.inner.runs();
            match runs.active.get(&first.run_id) {
                Some(active) => (active.cancel.clone(), active.abort_reason.clone()),
                None => (CancellationToken::new(), Arc::new(Mutex::new(None))),
            }
        };
        let job = RunJob {
            run_id: first.run_id.clone(),
            message: merged_prompt(&items, &dropped),
            merged: items
                .iter()
                .skip(1)
                .map(|item| item.run_id.clone())
                .collect(),
            cancel,
            abort_reason,
            own_events: None,
            ..template
        };
        let key = job.session_key.clone();
        self.execute(&lane, job).await;
        drop(guard);
        self.inner.lanes.release(&key, lane);
    }
}

/// One line of the overflow summary: the message's first line, shortened.
fn summary_line(message: &str) -> String {
    let first = message.lines().next().unwrap_or("").trim();
    let mut line: String = first.chars().take(140).collect();
    if line.len() < first.len() {
        line.push('…');
    }
    line
}

/// OpenClaw's follow-up prompt for collected messages.
fn merged_prompt(items: &[QueuedMessage], dropped: &[String]) -> String {
    if items.len() == 1 && dropped.is_empty() {
        return items[0].message.clone();
    }
    let mut prompt = String::from("[Queued messages while agent was busy]");
    if !dropped.is_empty() {
        prompt.push_str(&format!(
            "\n\n[Queue overflow] Dropped {} messages due to cap.",
            dropped.len()
        ));
        for line in dropped {
            prompt.push_str("\n- ");
            prompt.push_str(line);
        }
    }
    for (index, item) in items.iter().enumerate() {
        prompt.push_str(&format!("\n\n---\nQueued #{}\n{}", index + 1, item.message));
    }
    prompt
}
