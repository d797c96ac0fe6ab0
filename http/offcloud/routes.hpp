#pragma once

// The route groups of the Offcloud face, one file each; face.cpp mounts
// them in this order.

#include "http/offcloud/common.hpp"

namespace skyhaul::http::offcloud {

class login_limiter;

/// login, logout, check, key, account stats and info (account.cpp).
void mount_account(router::mounted& m, svc_ptr svc,
                   std::shared_ptr<login_limiter> limiter);

/// cloud and instant create, status, history, retry, remove (cloud.cpp).
void mount_cloud(router::mounted& m, svc_ptr svc);

/// The files: downloads, explore, list (files.cpp).
void mount_files(router::mounted& m, svc_ptr svc);

/// The info-hash cache: cache, cache/info, cache/download (cache.cpp).
void mount_cache(router::mounted& m, svc_ptr svc);

/// Pushes to remote accounts: remote create, status, retry (remote.cpp).
void mount_remote(router::mounted& m, svc_ptr svc);

/// `POST /torrent/upload` (upload.cpp), on the face that takes uploads.
void mount_upload(router::mounted& m, svc_ptr svc);

} // namespace skyhaul::http::offcloud
