-- API tokens expire (existing ones a year after they were made); only data consumers hold tokens
-- (live tokens of other accounts are revoked); a data consumer, which has no console, never has
-- to change a password. `users.locked_until` now holds the sign-in backoff's "not before".
-- Additive and idempotent like the others.
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS expires_at bigint NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = created_at + 365 * 86400 WHERE expires_at = 0;
UPDATE api_tokens SET revoked_at = extract(epoch FROM now())::bigint
 WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE role <> 'data_consumer');
UPDATE users SET must_change_password = false WHERE role = 'data_consumer';
-- Sessions also end a fixed time after sign-in (session_max_hours).
CREATE INDEX IF NOT EXISTS sessions_created ON sessions (created_at);
