// Authentication and tenancy for Parley services: everything a service needs in one include.
//
//   principal.h  Principal, and RequireRead / RequireAct / RequireRole (the tenancy checks)
//   verifier.h   Verifier: bearer JWT (ES256) → Principal, cached
//   signer.h     Signer and ServiceIdentity: minting tokens (parleyctl, service-to-service)
//   keys.h       ReadFile for key files
#pragma once

#include "common/auth/keys.h"
#include "common/auth/principal.h"
#include "common/auth/signer.h"
#include "common/auth/verifier.h"
