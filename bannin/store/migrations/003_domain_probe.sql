-- Migration 3: the domain probe (bannin run, `domains:`). domain_checks holds the latest
-- result per check (replaced every round); domain_history one row per confirmed change of
-- state, so a domain's rows are its timeline (docs/decisions/2026-11-26-domain-probe.md).

CREATE TABLE domain_checks (
  subject TEXT NOT NULL,
  check_name TEXT NOT NULL,
  source_key TEXT NOT NULL,
  state TEXT NOT NULL,
  severity TEXT NOT NULL,
  source TEXT NOT NULL,
  detail TEXT NOT NULL,
  since_ns BIGINT NOT NULL,
  checked_ns BIGINT NOT NULL,
  PRIMARY KEY (subject, check_name, source_key)
);
CREATE TABLE domain_history (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  first_seen_ns BIGINT NOT NULL,
  subject TEXT NOT NULL,
  check_name TEXT NOT NULL,
  source_key TEXT NOT NULL,
  previous_state TEXT NOT NULL,
  state TEXT NOT NULL,
  severity TEXT NOT NULL,
  source TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX domain_history_subject ON domain_history(subject, ts_ns);
