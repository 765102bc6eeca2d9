# Proto ⇄ domain conversion with resource names (api/). The JSONB record codec is common/directory's.
# Included from services/contacts/CMakeLists.txt.

parley_library(contacts_convert
  SOURCES api/convert.cc api/resource_names.cc
  DEPS parley_contacts_v1_proto parley::directory parley::api_edge parley::calendar parley::status absl::strings absl::time)

parley_test(convert_test LABEL unit
  SOURCES api/convert_test.cc
  DEPS contacts_convert parley::directory parley::status)
