# SMS and app-push delivery through HTTP gateways (delivery/http_gateway.h) and the SMS router with
# weighted failover (delivery/sms_router.h). Included by services/notifications/CMakeLists.txt.
#   parley::notifications_gateways   HttpGatewaySender, SmsRouter, MakeSmsSender, Read*Settings
set(_gw ${CMAKE_CURRENT_LIST_DIR})

parley_library(parley_notifications_gateways
  SOURCES ${_gw}/http_gateway.cc ${_gw}/sms_router.cc
  DEPS CURL::libcurl nlohmann_json::nlohmann_json prometheus-cpp::core parley::clock parley::config
       parley::status absl::random_random absl::flat_hash_map absl::synchronization absl::strings
       absl::statusor absl::time)
add_library(parley::notifications_gateways ALIAS parley_notifications_gateways)

parley_test(sms_router_test LABEL unit
  SOURCES ${_gw}/sms_router_test.cc
  DEPS parley::notifications_gateways parley::metrics)

# Needs the gateway sink (scripts/gateway_sink.py) at PARLEY_TEST_GATEWAY_URL; skips without it.
parley_test(http_gateway_test LABEL db
  SOURCES ${_gw}/http_gateway_test.cc
  DEPS parley::notifications_gateways CURL::libcurl nlohmann_json::nlohmann_json)
target_compile_definitions(http_gateway_test PRIVATE PARLEY_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
unset(_gw)
