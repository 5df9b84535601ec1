-- Version 2 of a herald schema: the version of each event's data
-- (herald.Metadata.Version), in the log and in the dead letters. Events
-- stored before have 0, which means version 1.

ALTER TABLE {{schema}}.events ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 0 CHECK (version >= 0);
ALTER TABLE {{schema}}.dead_letters ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 0 CHECK (version >= 0);
