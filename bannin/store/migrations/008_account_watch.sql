-- Migration 8: account watch (issue 17): files in quarantine with everything a restore needs
-- (old mode, owner, SHA-256, where the bytes are), the audit trail of every quarantine, restore
-- and purge, and the process probe's stops and continues.

CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  path TEXT NOT NULL,
  stored_path TEXT NOT NULL,
  method TEXT NOT NULL,
  old_mode BIGINT NOT NULL,
  uid BIGINT NOT NULL,
  gid BIGINT NOT NULL,
  size BIGINT NOT NULL,
  mtime_ns BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  reason TEXT NOT NULL,
  origin TEXT NOT NULL,
  decision_id BIGINT NOT NULL,
  state TEXT NOT NULL,
  state_ns BIGINT NOT NULL
);
CREATE INDEX quarantine_path ON quarantine(path);
CREATE TABLE quarantine_history (
  id INTEGER PRIMARY KEY,
  quarantine_id BIGINT NOT NULL,
  ts_ns BIGINT NOT NULL,
  action TEXT NOT NULL,
  result TEXT NOT NULL,
  actor TEXT NOT NULL,
  path TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX quarantine_history_id ON quarantine_history(quarantine_id);
CREATE TABLE process_actions (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  pid BIGINT NOT NULL,
  uid BIGINT NOT NULL,
  start_ticks BIGINT NOT NULL,
  account TEXT NOT NULL,
  exe TEXT NOT NULL,
  command TEXT NOT NULL,
  action TEXT NOT NULL,
  result TEXT NOT NULL,
  actor TEXT NOT NULL,
  detail TEXT NOT NULL
);
