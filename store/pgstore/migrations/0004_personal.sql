-- Version 4 of a herald schema: personal data. user_keys keeps each
-- user's key (driver.UserKey: its 8-byte id then its 32-byte secret); the
-- events and the dead letters whose personal fields are sealed with it
-- list the names of those fields in sealed, NULL for the others. Deleting
-- a user's row forgets the user.

CREATE TABLE IF NOT EXISTS {{schema}}.user_keys (
	user_id text PRIMARY KEY,
	key     bytea NOT NULL CHECK (length(key) = 40)
);

ALTER TABLE {{schema}}.events ADD COLUMN IF NOT EXISTS sealed text[];
ALTER TABLE {{schema}}.dead_letters ADD COLUMN IF NOT EXISTS sealed text[];

-- The sealed events of a user, whose aggregates' snapshots forgetting the
-- user drops. Only sealed events are in it.
CREATE INDEX IF NOT EXISTS events_sealed_user ON {{schema}}.events (user_id) WHERE sealed IS NOT NULL;
