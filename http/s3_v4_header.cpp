#include "http/s3_v4_header.hpp"

#include "protocol/text.hpp"

namespace skyhaul::http {

std::string trim_blanks(std::string_view s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  return std::string{s.substr(first, s.find_last_not_of(" \t") - first + 1)};
}

/// Parses `<key>/<yyyymmdd>/<region>/<service>/aws4_request`; the key is
/// everything before the last four parts. Returns what is wrong, or "".
std::string parse_credential(std::string_view cred, v4_claim& out) {
  std::string_view parts[4];
  for (int i = 3; i >= 0; --i) {
    auto slash = cred.rfind('/');
    if (slash == std::string_view::npos)
      return "the Credential is mal-formed; expecting "
             "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
    parts[i] = cred.substr(slash + 1);
    cred = cred.substr(0, slash);
  }
  out.access_key = std::string{cred};
  out.scope.date = std::string{parts[0]};
  out.scope.region = std::string{parts[1]};
  out.scope.service = std::string{parts[2]};
  if (parts[3] != "aws4_request")
    return "the Credential is mal-formed; the last part must be "
           "aws4_request.";
  if (out.scope.date.size() != 8 || out.scope.region.empty())
    return "the Credential is mal-formed; expecting "
           "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
  if (out.scope.service != "s3")
    return "incorrect service \"" + out.scope.service
           + "\". This endpoint belongs to \"s3\".";
  return {};
}

std::string parse_signed_headers(std::string_view list, v4_claim& out) {
  size_t pos = 0;
  while (pos <= list.size()) {
    auto semi = list.find(';', pos);
    auto name = list.substr(pos, semi == std::string_view::npos
                                     ? std::string_view::npos
                                     : semi - pos);
    if (name.empty())
      return "the SignedHeaders list is mal-formed.";
    out.signed_headers.push_back(ascii_lower(std::string{name}));
    if (semi == std::string_view::npos)
      break;
    pos = semi + 1;
  }
  return {};
}

/// Parses `Credential=..., SignedHeaders=..., Signature=...`.
std::string parse_v4_header(std::string_view rest, v4_claim& out) {
  std::string cred, signed_list;
  bool has_cred = false, has_signed = false, has_sig = false;
  size_t pos = 0;
  while (pos < rest.size()) {
    auto comma = rest.find(',', pos);
    auto part = rest.substr(pos, comma == std::string_view::npos
                                     ? std::string_view::npos
                                     : comma - pos);
    auto item = trim_blanks(part);
    auto eq = item.find('=');
    auto key = item.substr(0, eq);
    auto value = eq == std::string::npos ? std::string{} : item.substr(eq + 1);
    if (key == "Credential" && !has_cred) {
      cred = value;
      has_cred = true;
    } else if (key == "SignedHeaders" && !has_signed) {
      signed_list = value;
      has_signed = true;
    } else if (key == "Signature" && !has_sig) {
      out.signature = value;
      has_sig = true;
    } else if (!item.empty()) {
      return "unexpected component \"" + key + "\".";
    }
    if (comma == std::string_view::npos)
      break;
    pos = comma + 1;
  }
  if (!has_cred || !has_signed || !has_sig || out.signature.empty())
    return "expecting Credential, SignedHeaders and Signature.";
  if (auto err = parse_credential(cred, out); !err.empty())
    return err;
  return parse_signed_headers(signed_list, out);
}

} // namespace skyhaul::http
