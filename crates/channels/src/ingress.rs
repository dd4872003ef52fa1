//! The durable front door: every inbound message is recorded in the store (deduplicated by
//! channel message id) before it is handed on, so a crash loses nothing and a redelivery
//! (a gateway resume replaying events) is answered once.

use std::sync::{Arc, Weak};

use openclaw_store::{IngressRecord, Store};
use tokio::sync::mpsc;

use crate::inbound::Inbound;

/// Inbound messages waiting for the dispatcher.
pub const INGRESS_QUEUE: usize = 256;

/// A recorded message on its way to the dispatcher.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// Its ingress row (`None` if the store could not record it: it is still processed,
    /// because losing a message is worse than the small risk of answering a redelivery twice).
    pub ingress_id: Option<i64>,
    pub inbound: Inbound,
}

/// Where channel sources deliver.
#[derive(Clone)]
pub struct IngressQueue {
    /// Weak: the gateway owns the store and closes it at shutdown (waiting for its writes);
    /// a queue kept alive by a connection task must not hold it open.
    store: Option<Weak<Store>>,
    queue: mpsc::Sender<Accepted>,
}

/// The dispatcher side has stopped (gateway shutting down).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the gateway is shutting down; inbound message not accepted")]
pub struct IngressClosed;

impl IngressQueue {
    pub fn new(store: Option<&Arc<Store>>) -> (Self, mpsc::Receiver<Accepted>) {
        let (queue, receiver) = mpsc::channel(INGRESS_QUEUE);
        let store = store.map(Arc::downgrade);
        (Self { store, queue }, receiver)
    }

    /// Records and forwards one message. Returns `Ok(false)` for a message seen before.
    pub async fn deliver(&self, inbound: Inbound) -> Result<bool, IngressClosed> {
        let store = match &self.store {
            None => None,
            Some(weak) => Some(weak.upgrade().ok_or(IngressClosed)?),
        };
        let ingress_id = match &store {
            None => None,
            Some(store) => match serde_json::to_string(&inbound) {
                // Unreachable for these plain types; without a payload the message could not
                // be recovered, so it is processed unrecorded rather than recorded empty.
                Err(error) => {
                    tracing::warn!(target: "channels", %error, "cannot serialize an inbound message");
                    None
                }
                Ok(payload) => match store
                    .record_ingress(
                        &inbound.channel,
                        &inbound.account_id,
                        &inbound.message_id,
                        payload,
                    )
                    .await
                {
                    Ok(IngressRecord::New { id }) => Some(id),
                    Ok(IngressRecord::Duplicate { .. }) => {
                        tracing::debug!(
                            target: "channels",
                            channel = %inbound.channel,
                            message = %inbound.message_id,
                            "duplicate delivery ignored"
                        );
                        return Ok(false);
                    }
                    Err(error) => {
                        tracing::warn!(
                            target: "channels",
                            %error,
                            "cannot record an inbound {} message; processing it anyway",
                            inbound.channel
                        );
                        None
                    }
                },
            },
        };
        self.queue
            .send(Accepted {
                ingress_id,
                inbound,
            })
            .await
            .map_err(|_| IngressClosed)?;
        Ok(true)
    }

    /// Hands on a message recovered from the store after a restart (already recorded).
    pub async fn redeliver(&self, ingress_id: i64, inbound: Inbound) -> Result<(), IngressClosed> {
        self.queue
            .send(Accepted {
                ingress_id: Some(ingress_id),
                inbound,
            })
            .await
            .map_err(|_| IngressClosed)
    }
}
