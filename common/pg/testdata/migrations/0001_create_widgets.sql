-- Test fixture for parley_embed_migrations: embedded byte for byte.
CREATE TABLE widgets (
  id   bigint PRIMARY KEY,
  name text NOT NULL CHECK (name <> '')
);
