-- The service subscriptions of webhook deliveries: id -> the document
-- the webhook package writes.
CREATE TABLE {{schema}}.subscriptions (
    id   text PRIMARY KEY,
    data bytea NOT NULL
);
