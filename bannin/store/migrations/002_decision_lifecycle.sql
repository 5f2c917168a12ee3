-- Migration 2: the decision lifecycle. target_key (canonical target text, filled for older
-- rows by Store::backfill_target_keys in the same transaction), ended_ns (when the decision
-- became expired/revoked/failed; NULL while alive), and the indexes that in_force/due, target
-- lookups, retention and history reads use.

ALTER TABLE decisions ADD COLUMN target_key TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN ended_ns BIGINT;
DROP INDEX decisions_state;
CREATE INDEX decisions_state_expires ON decisions(state, expires_ns);
CREATE INDEX decisions_target_key ON decisions(target_key);
CREATE INDEX decisions_ended ON decisions(ended_ns);
CREATE INDEX decision_history_decision ON decision_history(decision_id);
CREATE INDEX actions_decision ON actions(decision_id);
CREATE INDEX actions_ts ON actions(ts_ns);
UPDATE decisions SET ended_ns = COALESCE(
  (SELECT MAX(h.ts_ns) FROM decision_history h WHERE h.decision_id = decisions.id), ts_ns)
  WHERE state IN ('expired', 'revoked', 'failed');
