#include "base/xml.h"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <sstream>

namespace coffer {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

std::string LocalName(const std::string& name) {
  auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

XmlNode Convert(const std::string& name, const boost::property_tree::ptree& tree) {
  XmlNode node{LocalName(name), tree.data(), {}};
  for (const auto& [child_name, child] : tree) {
    if (!child_name.empty() && child_name[0] == '<') continue;  // <xmlattr>, <xmlcomment>
    node.children.push_back(Convert(child_name, child));
  }
  return node;
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n') {
          out += "&#x";
          if (c >= 16) out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
          out.push_back(';');
        } else if (c == '\r') {
          out += "&#xD;";
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

XmlWriter::XmlWriter() : out_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") {}

XmlWriter& XmlWriter::Open(std::string_view name, bool s3_namespace) {
  out_.push_back('<');
  out_.append(name);
  if (s3_namespace) out_.append(" xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"");
  out_.push_back('>');
  return *this;
}

XmlWriter& XmlWriter::Close(std::string_view name) {
  out_.append("</").append(name).push_back('>');
  return *this;
}

XmlWriter& XmlWriter::Text(std::string_view text) {
  out_.append(XmlEscape(text));
  return *this;
}

XmlWriter& XmlWriter::Element(std::string_view name, std::string_view text) {
  return Open(name).Text(text).Close(name);
}

const XmlNode* XmlNode::Child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::vector<const XmlNode*> XmlNode::Children(std::string_view n) const {
  std::vector<const XmlNode*> out;
  for (const auto& c : children)
    if (c.name == n) out.push_back(&c);
  return out;
}

std::optional<std::string> XmlNode::ChildText(std::string_view n) const {
  if (const XmlNode* c = Child(n)) return c->text;
  return std::nullopt;
}

std::optional<XmlNode> ParseXml(std::string_view document) {
  boost::property_tree::ptree tree;
  std::istringstream in{std::string(document)};
  try {
    boost::property_tree::read_xml(in, tree);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  XmlNode root{"", "", {}};
  for (const auto& [name, child] : tree) {
    if (!name.empty() && name[0] == '<') continue;
    if (!root.name.empty()) return std::nullopt;  // more than one root element
    root = Convert(name, child);
  }
  if (root.name.empty()) return std::nullopt;
  return root;
}

}  // namespace coffer
