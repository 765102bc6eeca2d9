# The API layer (api/) and its test fakes (testing/): included from services/notifications/CMakeLists.txt
# after the domain's targets. The API calls the use cases (NotificationService, in notifications_domain);
# its test runs them over the in-memory store, a directory built from contacts' sample school and
# real tokens.

parley_library(notifications_api
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/convert.cc ${CMAKE_CURRENT_LIST_DIR}/notifications_api.cc
  DEPS notifications_domain parley::api_edge parley::auth parley::timestamp parley::status parley::version
       parley_notifications_v1_proto)

# In-memory fakes of the store and the peer ports (testing/fakes.h is header-only).
parley_library(notifications_testing
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/../testing/in_memory_notification_store.cc
  DEPS notifications_domain parley::request parley::clock parley::status absl::synchronization)

# The test runs the real use cases: only once the domain target builds them.
get_target_property(_notifications_domain_sources notifications_domain SOURCES)
if(_notifications_domain_sources MATCHES "notification_service.cc")
  parley_test(notifications_api_test LABEL unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/notifications_api_test.cc ${CMAKE_CURRENT_LIST_DIR}/convert_test.cc
    DEPS notifications_api notifications_testing contacts_testing parley::auth parley::auth_testing parley::grpc)
endif()
