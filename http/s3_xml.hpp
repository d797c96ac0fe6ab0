#pragma once
// The XML bodies of the S3 object API: ListAllMyBucketsResult,
// ListBucketResult (V1 and V2) and LocationConstraint. Rendering only; the
// face decides what goes in.

#include "protocol/file_record.hpp"
#include "protocol/ids.hpp"
#include "storage/bucket_table.hpp"
#include "storage/object_list.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace skyhaul::http {

/// Builds one S3 XML document: the declaration, then a root element in
/// S3's namespace. Text is escaped; names are trusted literals.
class xml_writer {
public:
  explicit xml_writer(std::string root);

  /// `<name>`.
  void open(std::string_view name);

  /// `</name>`.
  void close(std::string_view name);

  /// `<name>text</name>`.
  void element(std::string_view name, std::string_view text);

  /// The document, with the root closed.
  std::string finish();

private:
  std::string root_;
  std::string out_;
};

/// An ISO 8601 UTC time with milliseconds, as S3 lists it:
/// `2024-05-01T12:00:00.000Z`.
std::string iso8601(int64_t ms);

/// The quoted ETag of an object: its MD5, or its content address when it
/// has none.
std::string s3_etag(const file_record& f);

/// Who owns a bucket or an object, as S3 shows it: the user id and name.
struct s3_owner {
  std::string id;
  std::string display_name;
};

/// Looks up the owner shown for a user id.
using owner_lookup = std::function<s3_owner(user_id)>;

/// `GET /`: the caller's buckets.
std::string render_list_buckets(const s3_owner& owner,
                                const std::vector<storage::bucket_info>& bs);

/// The echoed parameters of a ListObjects (V1) or ListObjectsV2 call.
struct list_params {
  bool v2 = true;
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  size_t max_keys = storage::max_list_keys;
  /// `encoding-type=url`: keys and prefixes go out percent-encoded.
  bool url_encoding = false;
  /// V1 `marker`, V2 `start-after`.
  std::string marker;
  /// V2 `continuation-token` as the client sent it.
  std::string continuation_token;
  /// V2 `fetch-owner`; V1 always shows owners.
  bool fetch_owner = false;
};

/// `GET /<bucket>` and `GET /<bucket>?list-type=2`: one page.
std::string render_list_objects(const list_params& p,
                                const storage::list_page& page,
                                const owner_lookup& owner_of);

/// `GET /<bucket>?location`: Skyhaul has one region, shown as empty
/// (us-east-1).
std::string render_location();

} // namespace skyhaul::http
