-- The reporting service owns no source data: it keeps what each source service answered to
-- GetSchoolStats for one school over one period, so a report is served without asking every
-- service again, and a closed period is computed once.
CREATE TABLE figure_cache (
  school_id   text        NOT NULL,
  -- escalation, conduct, appointments, notifications
  source      text        NOT NULL,
  -- The period [start_time, end_time) asked for; the epoch for both marks the "now" figures.
  start_time  timestamptz NOT NULL,
  end_time    timestamptz NOT NULL,
  -- The source's figures, encoded by the domain (services/reporting/domain/figures_codec.h).
  figures     jsonb       NOT NULL,
  -- When the source computed them, and its release.
  computed_at timestamptz NOT NULL,
  version     text        NOT NULL,
  -- Computed after the period settled: never asked again, never replaced.
  final       boolean     NOT NULL,
  PRIMARY KEY (school_id, source, start_time, end_time)
);

-- Open periods' entries are replaced as reports are asked; those nobody asked again for a while
-- are purged (PgFigureCache::PurgeUnsettled).
CREATE INDEX figure_cache_unsettled ON figure_cache (computed_at) WHERE NOT final;
