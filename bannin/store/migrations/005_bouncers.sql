-- Migration 5: CrowdSec bouncers that read the decision stream: the hash of each key, and how
-- far into decision_history each has read (docs/bouncers.md).

CREATE TABLE bouncers (
  name TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  created_ns BIGINT NOT NULL,
  last_pull_ns BIGINT NOT NULL,
  cursor BIGINT NOT NULL
);
CREATE INDEX decisions_active_key ON decisions(state, target_key);
