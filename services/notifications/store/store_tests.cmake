# db tests of the PostgreSQL store (LABEL db: they need PARLEY_TEST_PG_DSN); included by ../CMakeLists.txt.
parley_test(notifications_store_pgtest LABEL db
  SOURCES store/pg_notification_store_pgtest.cc
  DEPS notifications_store parley::testing)
