-- What a PostGraphile user adds to chasqui's PostgreSQL tables to serve the three
-- benchmark queries: the indexes for the foreign keys and orders PostGraphile follows,
-- a computed column for the timeline and a custom query for the region map. Applied to
-- the benchmark database only; chasqui itself does not use these.

-- Foreign keys PostGraphile follows, in the order it pages them.
CREATE INDEX IF NOT EXISTS peer_news_links_case_id_id ON news_links (case_id, id);
CREATE INDEX IF NOT EXISTS peer_case_actors_case_id_id ON case_actors (case_id, id);
CREATE INDEX IF NOT EXISTS peer_case_locations_case_id_id ON case_locations (case_id, id);
CREATE INDEX IF NOT EXISTS peer_events_location_id ON events (location_id);
CREATE INDEX IF NOT EXISTS peer_status_changes_news_item_id ON status_changes (news_item_id);
CREATE INDEX IF NOT EXISTS peer_news_links_status_change_id ON news_links (status_change_id);
CREATE INDEX IF NOT EXISTS peer_news_links_event_id ON news_links (event_id);
CREATE INDEX IF NOT EXISTS peer_event_sources_news_item_id ON event_sources (news_item_id);
CREATE INDEX IF NOT EXISTS peer_cases_last_activity ON cases (last_activity_on DESC, id DESC);
CREATE INDEX IF NOT EXISTS peer_locations_path ON locations (path text_pattern_ops);

-- Case.timeline: events, confirmed news links and status changes of a case, newest
-- first, in chasqui's order (day, precision, kind, id). Public, unarchived rows only.
DROP FUNCTION IF EXISTS cases_timeline(cases);
DROP TYPE IF EXISTS timeline_entry;
CREATE TYPE timeline_entry AS (kind text, id bigint, date date, title text);
CREATE FUNCTION cases_timeline(c cases) RETURNS SETOF timeline_entry
LANGUAGE sql STABLE AS $$
  SELECT kind, id, date, title FROM (
    SELECT 'EVENT' AS kind, 1 AS rank, e.id, e.occurred_on AS date, e.title
      FROM events e
     WHERE e.case_id = c.id AND e.archived_at IS NULL AND e.visibility = 'PUBLIC'
    UNION ALL
    SELECT 'NEWS', 2, l.id, n.published_on, n.title
      FROM news_links l JOIN news_items n ON n.id = l.news_item_id
     WHERE l.case_id = c.id AND l.state = 'CONFIRMED' AND l.visibility = 'PUBLIC'
       AND n.archived_at IS NULL AND n.visibility = 'PUBLIC'
    UNION ALL
    SELECT 'STATUS', 3, s.id, s.occurred_on, s.status
      FROM status_changes s
     WHERE s.case_id = c.id AND s.visibility = 'PUBLIC'
  ) entries
  ORDER BY date DESC, rank DESC, id DESC
$$;

-- Query.casesInRegion: cases placed anywhere below a location code, most recently
-- active first (chasqui's default case order).
DROP FUNCTION IF EXISTS cases_in_region(text);
CREATE FUNCTION cases_in_region(code text) RETURNS SETOF cases
LANGUAGE sql STABLE AS $$
  SELECT c.* FROM cases c
   WHERE c.archived_at IS NULL AND c.visibility = 'PUBLIC'
     AND c.id IN (SELECT p.case_id FROM case_locations p
                    JOIN locations l ON l.id = p.location_id
                   WHERE l.path LIKE (SELECT r.path FROM locations r WHERE r.code = $1) || '%')
   ORDER BY c.last_activity_on DESC, c.id DESC
$$;

ANALYZE;
