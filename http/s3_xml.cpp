#include "http/s3_xml.hpp"

#include "http/message.hpp"
#include "http/s3_error.hpp"

#include <ctime>

namespace skyhaul::http {

namespace {

constexpr const char* s3_namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

void put_owner(xml_writer& w, const s3_owner& o) {
  w.open("Owner");
  w.element("ID", o.id);
  w.element("DisplayName", o.display_name);
  w.close("Owner");
}

} // namespace

xml_writer::xml_writer(std::string root) : root_(std::move(root)) {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + root_ + " xmlns=\""
         + s3_namespace + "\">";
}

void xml_writer::open(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
}

void xml_writer::close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
}

void xml_writer::element(std::string_view name, std::string_view text) {
  open(name);
  out_ += xml_escape(std::string{text});
  close(name);
}

std::string xml_writer::finish() {
  close(root_);
  return std::move(out_);
}

std::string iso8601(int64_t ms) {
  auto t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ",
                static_cast<int>(ms % 1000));
  return buf;
}

std::string s3_etag(const file_record& f) {
  return "\"" + (f.md5.empty() ? f.blob : f.md5) + "\"";
}

std::string render_list_buckets(const s3_owner& owner,
                                const std::vector<storage::bucket_info>& bs) {
  xml_writer w{"ListAllMyBucketsResult"};
  put_owner(w, owner);
  w.open("Buckets");
  for (auto& b : bs) {
    w.open("Bucket");
    w.element("Name", b.name);
    w.element("CreationDate", iso8601(b.created_ms));
    w.close("Bucket");
  }
  w.close("Buckets");
  return w.finish();
}

std::string render_list_objects(const list_params& p,
                                const storage::list_page& page,
                                const owner_lookup& owner_of) {
  // With encoding-type=url every key-like value goes out encoded, so that
  // XML never has to carry bytes it cannot.
  auto enc = [&](const std::string& s) {
    return p.url_encoding ? url_encode(s, true) : s;
  };
  xml_writer w{"ListBucketResult"};
  w.element("Name", p.bucket);
  w.element("Prefix", enc(p.prefix));
  if (p.v2) {
    if (!p.marker.empty())
      w.element("StartAfter", enc(p.marker));
    if (!p.continuation_token.empty())
      w.element("ContinuationToken", p.continuation_token);
    if (page.truncated && !page.last.empty())
      w.element("NextContinuationToken",
                storage::encode_continuation_token(page.last));
    w.element("KeyCount", std::to_string(page.objects.size()
                                         + page.common_prefixes.size()));
  } else {
    w.element("Marker", enc(p.marker));
    // S3 sends NextMarker only with a delimiter; without one, the last key
    // is the marker.
    if (page.truncated && !p.delimiter.empty() && !page.last.empty())
      w.element("NextMarker", enc(page.last));
  }
  w.element("MaxKeys", std::to_string(p.max_keys));
  if (!p.delimiter.empty())
    w.element("Delimiter", enc(p.delimiter));
  if (p.url_encoding)
    w.element("EncodingType", "url");
  w.element("IsTruncated", page.truncated ? "true" : "false");
  for (auto& o : page.objects) {
    auto& f = o.entry.file;
    w.open("Contents");
    w.element("Key", enc(o.key));
    w.element("LastModified", iso8601(f.last_modified_ms));
    w.element("ETag", s3_etag(f));
    w.element("Size", std::to_string(f.size));
    if (!p.v2 || p.fetch_owner)
      put_owner(w, owner_of(o.entry.owner));
    w.element("StorageClass", "STANDARD");
    w.close("Contents");
  }
  for (auto& cp : page.common_prefixes) {
    w.open("CommonPrefixes");
    w.element("Prefix", enc(cp));
    w.close("CommonPrefixes");
  }
  return w.finish();
}

std::string render_location() {
  // An empty LocationConstraint means us-east-1 to every client.
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
         "xmlns=\""
         + std::string{s3_namespace} + "\"/>";
}

} // namespace skyhaul::http
