# Proto ⇄ domain conversion with resource names (api/), and the JSONB record codec (store/).
# Included from services/contacts/CMakeLists.txt.

parley_library(contacts_convert
  SOURCES api/convert.cc api/resource_names.cc
  DEPS parley_contacts_v1_proto parley::api_edge parley::calendar parley::status absl::strings absl::time)

parley_library(contacts_json_codec
  SOURCES store/json_codec.cc
  DEPS nlohmann_json::nlohmann_json parley::calendar absl::statusor absl::strings absl::time)

parley_test(convert_test LABEL unit
  SOURCES api/convert_test.cc
  DEPS contacts_convert contacts_json_codec parley::status)
parley_test(json_codec_test LABEL unit
  SOURCES store/json_codec_test.cc
  DEPS contacts_json_codec)
