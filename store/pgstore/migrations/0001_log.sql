-- Version 1 of a herald schema: the log, its counts and head, snapshots,
-- checkpoints, the outbox, dead letters and projection checkpoints.
-- {{schema}} stands for the schema, quoted.

-- head is the one row every append locks first (SELECT ... FOR UPDATE) and
-- updates last: it serialises appends, and positions with them.
CREATE TABLE {{schema}}.head (
	one      boolean PRIMARY KEY DEFAULT true CHECK (one),
	position bigint NOT NULL,
	events   bigint NOT NULL
);
INSERT INTO {{schema}}.head (one, position, events) VALUES (true, 0, 0);

CREATE TABLE {{schema}}.events (
	position       bigint PRIMARY KEY,
	id             uuid NOT NULL UNIQUE,
	context        text NOT NULL,
	aggregate      text NOT NULL,
	aggregate_id   uuid NOT NULL,
	revision       bigint NOT NULL,
	name           text NOT NULL,
	type           text NOT NULL,
	user_id        text,
	timestamp_ns   bigint NOT NULL,
	causation_id   uuid NOT NULL,
	correlation_id uuid NOT NULL,
	labels         jsonb,
	owner          text NOT NULL,
	access         smallint,
	data           bytea,
	UNIQUE (aggregate_id, context, aggregate, revision)
);
CREATE INDEX events_correlation ON {{schema}}.events (correlation_id, position);
CREATE INDEX events_name ON {{schema}}.events (name, aggregate, context, position);

CREATE TABLE {{schema}}.counts (
	name   text PRIMARY KEY,
	events bigint NOT NULL
);

CREATE TABLE {{schema}}.snapshots (
	aggregate_id uuid NOT NULL,
	context      text NOT NULL,
	aggregate    text NOT NULL,
	revision     bigint NOT NULL,
	state        bytea NOT NULL,
	PRIMARY KEY (aggregate_id, context, aggregate)
);

CREATE TABLE {{schema}}.checkpoints (
	name     text PRIMARY KEY,
	position bigint NOT NULL
);

CREATE TABLE {{schema}}.undelivered (
	position bigint PRIMARY KEY
);

CREATE TABLE {{schema}}.dead_letters (
	consumer       text NOT NULL,
	id             uuid NOT NULL,
	position       bigint NOT NULL,
	attempts       integer NOT NULL,
	error          text NOT NULL,
	parked         boolean NOT NULL,
	at_ns          bigint NOT NULL,
	context        text NOT NULL,
	aggregate      text NOT NULL,
	aggregate_id   uuid NOT NULL,
	revision       bigint NOT NULL,
	name           text NOT NULL,
	type           text NOT NULL,
	user_id        text,
	timestamp_ns   bigint NOT NULL,
	causation_id   uuid NOT NULL,
	correlation_id uuid NOT NULL,
	labels         jsonb,
	owner          text NOT NULL,
	access         smallint,
	data           bytea,
	PRIMARY KEY (consumer, id)
);

CREATE TABLE {{schema}}.projections (
	name       text PRIMARY KEY,
	position   bigint NOT NULL,
	version    bigint NOT NULL,
	generation bigint NOT NULL
);
