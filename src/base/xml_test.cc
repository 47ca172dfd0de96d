#include "base/xml.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(Xml, WriterEscapes) {
  XmlWriter w;
  w.Open("A", true).Element("K", "a<b>&\"c'\x01").Close("A");
  EXPECT_EQ(w.Finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<A xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<K>a&lt;b&gt;&amp;&quot;c&apos;&#x1;</K></A>");
}

TEST(Xml, ParsesDeleteWithNamespaceAndKeepsSpaces) {
  auto doc = ParseXml(
      "<?xml version=\"1.0\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Quiet>true</Quiet><Object><Key> a &amp; b </Key></Object><Object><Key>c</Key>"
      "</Object></Delete>");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->name, "Delete");
  EXPECT_EQ(doc->ChildText("Quiet"), "true");
  auto objects = doc->Children("Object");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0]->ChildText("Key"), " a & b ");
  EXPECT_FALSE(doc->ChildText("Missing"));
}

TEST(Xml, RejectsMalformed) {
  EXPECT_FALSE(ParseXml("<Delete><Object></Delete>"));
  EXPECT_FALSE(ParseXml("not xml"));
  EXPECT_FALSE(ParseXml(""));
  EXPECT_FALSE(ParseXml("<a/><b/>"));
}

}  // namespace
}  // namespace coffer
