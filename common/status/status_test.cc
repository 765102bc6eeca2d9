#include "absl/status/statusor.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "gtest/gtest.h"

namespace parley {
namespace {

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument("ODD_NUMBER", "n must be even");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  PARLEY_ASSIGN_OR_RETURN(int half, Half(n));
  PARLEY_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  PARLEY_RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST(StatusMacros, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  absl::StatusOr<int> odd = Quarter(6);  // 6 → 3 → error
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(odd.status()), "ODD_NUMBER");
}

TEST(StatusMacros, ReturnIfErrorStopsAtError) {
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), absl::StatusCode::kInvalidArgument);
}

TEST(GrpcStatus, CodesAndMessagesSurviveTheRoundTrip) {
  const absl::Status cases[] = {InvalidArgument("R1", "bad"),      NotFound("R2", "missing"),
                                FailedPrecondition("R3", "state"), PermissionDenied("R4", "other school"),
                                AlreadyExists("R5", "dup"),        Aborted("R6", "race"),
                                Unavailable("R7", "down"),         Unauthenticated("R8", "no token")};
  for (const absl::Status& s : cases) {
    grpc::Status g = ToGrpcStatus(s);
    EXPECT_EQ(static_cast<int>(g.error_code()), static_cast<int>(s.code()));
    EXPECT_EQ(g.error_message(), s.message());
    absl::Status back = FromGrpcStatus(g);
    EXPECT_EQ(back.code(), s.code());
    EXPECT_EQ(back.message(), s.message());
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatus, ReasonIsNotAttachedToOk) { EXPECT_EQ(ErrorReason(WithReason(absl::OkStatus(), "X")), ""); }

}  // namespace
}  // namespace parley
