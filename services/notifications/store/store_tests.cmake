# db tests of the PostgreSQL store (LABEL db: they need PARLEY_TEST_PG_DSN); included by ../CMakeLists.txt.
# absl::random_random: the store's etags use absl::BitGen but notifications_store does not link it
# (the service binary gets it through the gateways); drop it here once the store lists it.
parley_test(notifications_store_pgtest LABEL db
  SOURCES store/pg_notification_store_pgtest.cc
  DEPS notifications_store parley::testing absl::random_random)
