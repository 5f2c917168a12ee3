-- Migration 4: resume points that are not file offsets: the journal's cursor
-- (sd_journal_get_cursor text), committed with the findings of the entries before it, as a
-- file's checkpoint is.

CREATE TABLE source_cursors (
  source TEXT PRIMARY KEY,
  cursor TEXT NOT NULL,
  updated_ns BIGINT NOT NULL
);
