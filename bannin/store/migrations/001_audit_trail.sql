-- Migration 1: the audit trail. Findings with their evidence lines, decisions with their
-- state history and the actions taken on them, and each source's checkpoint.

CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  rule TEXT NOT NULL,
  group_json TEXT NOT NULL,
  numbers_json TEXT NOT NULL
);
CREATE INDEX findings_ts ON findings(ts_ns);
CREATE TABLE evidence (
  finding_id BIGINT NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  line TEXT NOT NULL,
  PRIMARY KEY (finding_id, seq)
);
CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  rule TEXT NOT NULL,
  origin TEXT NOT NULL,
  action TEXT NOT NULL,
  scope TEXT NOT NULL,
  target_json TEXT NOT NULL,
  ttl_s BIGINT NOT NULL,
  expires_ns BIGINT NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX decisions_state ON decisions(state);
CREATE TABLE decision_history (
  decision_id BIGINT NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
  ts_ns BIGINT NOT NULL,
  state TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE actions (
  id INTEGER PRIMARY KEY,
  decision_id BIGINT NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
  ts_ns BIGINT NOT NULL,
  actuator TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE TABLE checkpoints (
  source TEXT PRIMARY KEY,
  device BIGINT NOT NULL,
  inode BIGINT NOT NULL,
  offset_bytes BIGINT NOT NULL,
  head_hash TEXT NOT NULL,
  updated_ns BIGINT NOT NULL
);
