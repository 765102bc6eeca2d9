-- The trust directory. Each record's content is a JSONB document (common/directory/json_codec.h) beside the
-- key columns; the service serves reads from memory, so the database is the durable copy and the
-- arbiter of concurrent writes. directory_state.version moves on with every committed change:
-- replicas poll it to know when to reload.

CREATE TABLE directory_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   bigint  NOT NULL
);
INSERT INTO directory_state (singleton, version) VALUES (true, 0);

CREATE TABLE trust (
  singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  doc         jsonb       NOT NULL,
  etag        text        NOT NULL,
  update_time timestamptz NOT NULL
);

CREATE TABLE schools (
  id               text        PRIMARY KEY,
  doc              jsonb       NOT NULL,
  calendar_version text        NOT NULL,
  policy_version   text        NOT NULL,
  etag             text        NOT NULL,
  create_time      timestamptz NOT NULL,
  update_time      timestamptz NOT NULL
);

CREATE TABLE staff (
  school_id   text        NOT NULL REFERENCES schools (id),
  id          text        NOT NULL,
  doc         jsonb       NOT NULL,
  etag        text        NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (school_id, id)
);

CREATE TABLE pupils (
  school_id   text        NOT NULL REFERENCES schools (id),
  id          text        NOT NULL,
  doc         jsonb       NOT NULL,
  etag        text        NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (school_id, id)
);

CREATE TABLE ladders (
  school_id   text        NOT NULL REFERENCES schools (id),
  id          text        NOT NULL,
  doc         jsonb       NOT NULL,
  etag        text        NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (school_id, id)
);

CREATE TABLE routing_matrices (
  school_id   text        PRIMARY KEY REFERENCES schools (id),
  doc         jsonb       NOT NULL,
  etag        text        NOT NULL,
  update_time timestamptz NOT NULL
);

CREATE TABLE guardians (
  id          text        PRIMARY KEY,
  doc         jsonb       NOT NULL,
  etag        text        NOT NULL,
  update_time timestamptz NOT NULL
);

-- The guardian ↔ pupil links again as rows, so the database itself refuses a link to a pupil
-- that does not exist and subject-access exports can find a pupil's guardians in SQL.
CREATE TABLE guardian_links (
  guardian_id text NOT NULL REFERENCES guardians (id) ON DELETE CASCADE,
  school_id   text NOT NULL,
  pupil_id    text NOT NULL,
  PRIMARY KEY (guardian_id, school_id, pupil_id),
  FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX guardian_links_by_pupil ON guardian_links (school_id, pupil_id);
