//! Who is signed in: the identity of a session or API token, and the in-memory caches of both
//! (kept in the application state; [`crate::auth`] fills and checks them on every request).

use crate::error::AppError;
use std::collections::HashMap;
use std::sync::Mutex;
use store::{Scope, User};

/// Who is asking: the account, what it may see, and how it signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    pub scope: Scope,
    /// The name of the node the user sits at.
    pub org_name: String,
    /// The session's CSRF token (None for API tokens, which cannot be sent by a browser on its own).
    pub csrf: Option<String>,
    pub session: Option<String>,
}

/// A session as cached in memory: the database is read once a minute per session, and
/// `last_seen` written at most once a minute.
#[derive(Clone)]
pub(crate) struct Cached {
    pub(crate) identity: Identity,
    pub(crate) created: i64,
    pub(crate) last_seen: i64,
    pub(crate) written: i64,
    pub(crate) loaded: i64,
}

/// A token as cached: its identity, when it was read, when it expires.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) identity: Identity,
    pub(crate) loaded: i64,
    pub(crate) expires: i64,
}

/// Caches of sessions and API tokens, and the sign-in throttle per address.
#[derive(Default)]
pub struct Sessions {
    pub(crate) cache: Mutex<HashMap<String, Cached>>,
    pub(crate) tokens: Mutex<HashMap<String, CachedToken>>,
    pub addresses: crate::throttle::AddressThrottle,
}

/// How long a cached session or token is trusted before the database is asked again (another
/// process may have disabled the account or revoked the token).
pub(crate) const RELOAD_SECONDS: i64 = 30;

impl Sessions {
    /// Forgets everything cached about a user (after a change to the account).
    pub fn forget_user(&self, user_id: i64) {
        self.cache.lock().expect("lock").retain(|_, c| c.identity.user.id != user_id);
        self.tokens.lock().expect("lock").retain(|_, c| c.identity.user.id != user_id);
    }

    pub fn forget_session(&self, hash: &str) {
        self.cache.lock().expect("lock").remove(hash);
    }

    pub fn forget_tokens(&self) {
        self.tokens.lock().expect("lock").clear();
    }
}

/// The identity of a user (their scope from their node of the tree).
pub fn identity_of(s: &mut dyn store::Backend, user: User, csrf: Option<String>, session: Option<String>) -> Result<Identity, AppError> {
    let unit = s.org_unit(user.org_code)?;
    // A data-consumer account linked to a sharing consumer (issue 14) reads base data through its
    // grants only (`/api/v1/share/{grant}/…`, each read with the grant's own rows): no scope of
    // its own, so that nothing outside a grant leaves by the general API.
    let exchange = user.role == store::Role::DataConsumer && s.share_consumer_of(user.id)?.is_some();
    let (scope, org_name) = match &unit {
        Some(u) if exchange => (Scope::Nothing, u.name.clone()),
        Some(u) if user.role.reads_base_data() || user.role.reads_overview() || user.role.reads_monitor() => (Scope::of(u), u.name.clone()),
        Some(u) => (Scope::Nothing, u.name.clone()),
        None => (Scope::Nothing, user.org_code.to_string()),
    };
    Ok(Identity { user, scope, org_name, csrf, session })
}

