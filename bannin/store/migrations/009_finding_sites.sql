-- Migration 9: findings for the API (GET /api/v1/findings, /incidents; docs/api.md). The site
-- and account each finding is about (filled for older rows from their group by
-- Store::backfill_finding_sites in the same transaction), the finding each decision came from,
-- and the indexes the filters and the incident view use.

ALTER TABLE findings ADD COLUMN vhost TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN account TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN finding_id BIGINT;
CREATE INDEX findings_rule ON findings(rule, id);
CREATE INDEX findings_group ON findings(rule, group_json, ts_ns);
CREATE INDEX findings_vhost ON findings(vhost, id);
CREATE INDEX findings_account ON findings(account, id);
CREATE INDEX decisions_finding ON decisions(finding_id);
