// One page of a list, newest first, as a store port asks for it and answers: keyset paging on a
// sequence number, so rows written while a client pages never shift or repeat a page. The API
// turns `before_seq` into an opaque token (common/grpc/api_edge.h: SeqPosition, SeqToPosition).
#pragma once

#include <cstdint>
#include <vector>

namespace parley::request {

struct PageQuery {
  int size = 50;
  int64_t before_seq = 0;  // 0: from the newest
};

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t next_before_seq = 0;  // 0 when there is no further page
};

}  // namespace parley::request
