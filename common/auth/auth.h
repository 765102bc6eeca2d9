// Authentication and tenancy for Parley services: everything a service needs in one include.
//
//   principal.h  Principal: who is calling (subject, roles, schools)
//   access.h     the access model: rules, reach, Grant (docs/security.md)
//   verifier.h   Verifier: bearer JWT (ES256) → Principal, cached
//   signer.h     Signer and ServiceIdentity: minting tokens (parleyctl, service-to-service)
//   keys.h       ReadFile for key files
//   key_files.h  a service's Verifier and ServiceIdentity from the key files it is configured with
#pragma once

#include "common/auth/access.h"
#include "common/auth/key_files.h"
#include "common/auth/keys.h"
#include "common/auth/principal.h"
#include "common/auth/signer.h"
#include "common/auth/verifier.h"
