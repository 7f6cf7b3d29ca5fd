//! Which client a task is followed with. A task is bound, when it is first sent, to the task
//! API host and the account (a fingerprint of the key) of the settings at that moment; from
//! then on it is polled there and as that account, whatever Settings say later. Tasks not yet
//! sent go where the current settings point.

use std::collections::HashMap;
use std::sync::RwLock;

use evolink::{ApiKey, Client};

use crate::store::Task;

/// Why no client can follow a task now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoClient {
    /// No key is set at all: the task waits until one is.
    NoKey,
    /// The task was sent with a key this engine does not have (replaced, then the app
    /// restarted): the person is asked for it again.
    KeyMissing,
}

pub(super) struct Accounts {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    /// The client of the current settings.
    current: Option<Client>,
    /// The last client there was: its timeouts and User-Agent serve as the template for the
    /// clients of other hosts and accounts, also once the current key was removed.
    template: Option<Client>,
    /// Every key seen in this process, by account fingerprint.
    keys: HashMap<String, ApiKey>,
    /// Clients made for (host, account) pairs other than the current ones.
    clients: HashMap<(String, String), Client>,
}

impl Accounts {
    pub fn new(current: Option<Client>) -> Self {
        let accounts = Accounts {
            state: RwLock::new(State::default()),
        };
        accounts.set_current(current);
        accounts
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_current(&self, client: Option<Client>) {
        let mut state = self.write();
        if let Some(client) = &client {
            let key = client.config().api_key.clone();
            state.keys.insert(key.fingerprint(), key);
            state.template = Some(client.clone());
        }
        state.current = client;
    }

    pub fn add_key(&self, key: ApiKey) {
        self.write().keys.insert(key.fingerprint(), key);
    }

    pub fn current(&self) -> Option<Client> {
        self.read().current.clone()
    }

    /// The account of the current settings, if a key is set.
    pub fn current_account(&self) -> Option<String> {
        self.read().current.as_ref().map(Client::account)
    }

    /// The client for a task: the current one for a task not yet bound, else one for the
    /// task's own host and account.
    pub fn for_task(&self, task: &Task) -> Result<Client, NoClient> {
        let Some(account) = task.account.as_deref() else {
            return self.current().ok_or(NoClient::NoKey);
        };
        {
            let state = self.read();
            let base = task
                .api_base
                .as_deref()
                .or(state.current.as_ref().map(Client::api_base));
            if let (Some(current), Some(base)) = (&state.current, base) {
                if current.account() == account && current.api_base() == base {
                    return Ok(current.clone());
                }
            }
            if let Some(base) = base {
                if let Some(client) = state.clients.get(&(base.to_string(), account.to_string())) {
                    return Ok(client.clone());
                }
            }
        }
        let mut state = self.write();
        let Some(template) = state.template.clone() else {
            return Err(NoClient::NoKey);
        };
        let base = task
            .api_base
            .clone()
            .unwrap_or_else(|| template.api_base().to_string());
        let key = state
            .keys
            .get(account)
            .cloned()
            .ok_or(NoClient::KeyMissing)?;
        // The host was checked when the task was sent with it; a failure here means the
        // network layer could not start, which the template's own start would have shown.
        let client = template
            .rebased(&base, key)
            .map_err(|_| NoClient::KeyMissing)?;
        state
            .clients
            .insert((base, account.to_string()), client.clone());
        Ok(client)
    }
}
