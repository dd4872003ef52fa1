//! Session lanes: one run at a time per session (FIFO), plus what waits beside the queue —
//! messages collected for a follow-up turn and steering messages for the running turn.
//!
//! The global limit (`agents.defaults.maxConcurrent`) is a separate [`GlobalLimit`] taken
//! after the session lane, so a busy session never holds a global slot while it waits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::runs::RunTicket;

/// A message waiting beside the lane (collect or steer modes).
#[derive(Debug, Clone)]
pub(crate) struct QueuedMessage {
    pub run_id: String,
    pub message: String,
    pub ticket: RunTicket,
}

#[derive(Default)]
pub(crate) struct LaneState {
    /// The run holding the lane.
    pub active: Option<String>,
    /// Runs (and collectors) waiting for the lane.
    pub waiting: usize,
    /// `collect` mode: messages to merge into one follow-up turn.
    pub collected: Vec<QueuedMessage>,
    /// Whether a collector task is already waiting to drain `collected`.
    pub collector_scheduled: bool,
    /// `steer` mode: messages for the active run's next tool boundary.
    pub steer: Vec<QueuedMessage>,
    /// `summarize` drop policy: how many messages the cap dropped, and a line for each.
    pub dropped: Vec<String>,
}

impl LaneState {
    pub fn busy(&self) -> bool {
        self.active.is_some() || self.waiting > 0
    }

    fn idle(&self) -> bool {
        !self.busy() && self.collected.is_empty() && self.steer.is_empty()
    }
}

pub(crate) struct SessionLane {
    /// Held for the whole run; tokio's mutex is fair, so waiting runs start in arrival order.
    pub run_lock: tokio::sync::Mutex<()>,
    state: Mutex<LaneState>,
}

impl SessionLane {
    pub fn state(&self) -> std::sync::MutexGuard<'_, LaneState> {
        // The state is plain data; a panic elsewhere cannot leave it half-updated in a way
        // that matters more than losing the lane, so keep going with what is there.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Lanes by canonical session key; idle lanes are dropped so the map stays bounded by the
/// number of sessions with work in flight.
#[derive(Default)]
pub(crate) struct Lanes {
    lanes: Mutex<HashMap<String, Arc<SessionLane>>>,
}

impl Lanes {
    pub fn get(&self, key: &str) -> Arc<SessionLane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        lanes
            .entry(key.to_owned())
            .or_insert_with(|| {
                Arc::new(SessionLane {
                    run_lock: tokio::sync::Mutex::new(()),
                    state: Mutex::new(LaneState::default()),
                })
            })
            .clone()
    }

    /// Drops the lane if nothing uses it (the caller's `lane` is the only other reference).
    pub fn release(&self, key: &str, lane: Arc<SessionLane>) {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        if Arc::strong_count(&lane) == 2 && lane.state().idle() {
            lanes.remove(key);
        }
    }
}

/// The global concurrency limit, resizable on config reload.
pub(crate) struct GlobalLimit {
    semaphore: Semaphore,
    sizing: Mutex<Sizing>,
}

struct Sizing {
    size: usize,
    /// Permits still to retire after a shrink (retired as running turns release them).
    debt: usize,
}

impl GlobalLimit {
    pub fn new(size: usize) -> Self {
        let size = size.max(1);
        Self {
            semaphore: Semaphore::new(size),
            sizing: Mutex::new(Sizing { size, debt: 0 }),
        }
    }

    pub async fn acquire(&self) -> Option<SemaphorePermit<'_>> {
        loop {
            let permit = self.semaphore.acquire().await.ok()?;
            let mut sizing = self.sizing.lock().unwrap_or_else(PoisonError::into_inner);
            if sizing.debt == 0 {
                return Some(permit);
            }
            sizing.debt -= 1;
            permit.forget();
        }
    }

    /// Grows at once; shrinking retires free permits now and busy ones as they come back.
    pub fn resize(&self, wanted: usize) {
        let wanted = wanted.max(1);
        let mut sizing = self.sizing.lock().unwrap_or_else(PoisonError::into_inner);
        let effective = sizing.size;
        if wanted > effective {
            let mut grow = wanted - effective;
            let repaid = grow.min(sizing.debt);
            sizing.debt -= repaid;
            grow -= repaid;
            self.semaphore.add_permits(grow);
        } else if wanted < effective {
            let surplus = effective - wanted;
            let retired = self.semaphore.forget_permits(surplus);
            sizing.debt += surplus - retired;
        }
        sizing.size = wanted;
    }
}
