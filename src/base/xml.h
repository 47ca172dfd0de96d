// XML for S3 and IAM bodies: a streaming writer for responses and a small DOM parser for
// request bodies (CreateBucketConfiguration, Delete, ...). The parser rejects
// malformed documents (the caller answers MalformedXML), ignores namespaces and
// attributes, and keeps element text exactly (object keys may have spaces).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coffer {

class XmlWriter {
 public:
  XmlWriter();  // starts with the XML declaration
  // Opens an element; the first one may carry the S3 xmlns.
  XmlWriter& Open(std::string_view name, bool s3_namespace = false);
  XmlWriter& Close(std::string_view name);
  XmlWriter& Element(std::string_view name, std::string_view text);
  XmlWriter& Text(std::string_view text);
  // Appends markup as is (for elements with attributes).
  XmlWriter& Raw(std::string_view markup) {
    out_.append(markup);
    return *this;
  }
  std::string Finish() { return std::move(out_); }

 private:
  std::string out_;
};

// Escapes &, <, >, ", ' and characters XML 1.0 cannot carry literally.
std::string XmlEscape(std::string_view text);

struct XmlNode {
  std::string name;  // local name, without any namespace prefix
  std::string text;
  std::vector<XmlNode> children;

  const XmlNode* Child(std::string_view name) const;
  std::vector<const XmlNode*> Children(std::string_view name) const;
  // Text of a child, or nullopt if there is no such child.
  std::optional<std::string> ChildText(std::string_view name) const;
};

// Parses a document and returns its root element; nullopt when malformed.
std::optional<XmlNode> ParseXml(std::string_view document);

}  // namespace coffer
