-- Migration 6: notices (notify/): one row per delivery attempt's outcome — a retry
-- ("pending" with the error), then "sent", "failed" or "observed" — so a notice that did not
-- reach its recipient is on record with why.

CREATE TABLE notice_deliveries (
  id INTEGER PRIMARY KEY,
  notice_id BIGINT NOT NULL,
  ts_ns BIGINT NOT NULL,
  kind TEXT NOT NULL,
  language TEXT NOT NULL,
  incidents TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT NOT NULL
);
CREATE INDEX notice_deliveries_ts ON notice_deliveries(ts_ns);
