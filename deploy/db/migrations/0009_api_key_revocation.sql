-- API keys end with their user's credentials: a password change, a password reset and disabling the account revoke
-- every key of the user for good (re-enabling the account does not bring them back). A revoked key is kept, with the
-- reason, so its owner sees why an integration stopped; it never authenticates again.
ALTER TABLE api_keys
    ADD COLUMN revoked_at  timestamptz,
    ADD COLUMN revoked_why text CHECK (revoked_why IN ('password_changed', 'password_reset', 'account_disabled')),
    ADD CONSTRAINT api_keys_revoked_check CHECK ((revoked_at IS NULL) = (revoked_why IS NULL));

-- Until now a disabled user's keys only slept, and re-enabling woke them up: end them as disabling does from now on.
UPDATE api_keys k SET revoked_at = now(), revoked_why = 'account_disabled'
FROM users u
WHERE u.id = k.user_id AND u.status = 'disabled';
